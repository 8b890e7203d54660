"""What every mmcourse widget shares: a plain-text twin, and the rule for when to show a widget.

A widget object is displayed as an ipywidgets view *and* ``text/plain`` in one bundle, so a
front end without the widget manager (nbval, GitHub's viewer, a terminal) still reads it.
``MMCOURSE_PLAIN=1`` drops the widget altogether (the course builds its notebooks that way).
"""

from __future__ import annotations

import html
from typing import Any

# Colours come from JupyterLab's theme variables (with fallbacks for other front ends), so the
# widgets stay readable in dark themes too.
STYLE = """<style>
.mmcourse-w {white-space: normal; line-height: 1.35; overflow-x: auto; max-width: 100%}
.mmcourse-w table {border-collapse: collapse; font-size: 12px}
.mmcourse-w th, .mmcourse-w td {border: 1px solid var(--jp-border-color2, #ddd); padding: 3px 6px;
  text-align: left; vertical-align: top; font-family: var(--jp-code-font-family, monospace)}
.mmcourse-w tr.mm-diff td {background: var(--jp-warn-color3, #fff3cd)}
.mmcourse-w tr.mm-same td {color: var(--jp-ui-font-color2, #777)}
.mmcourse-w pre {font-size: 11px; margin: 2px 0; white-space: pre-wrap; word-break: break-all}
.mmcourse-w mark, .mmcourse-w .mm-answer {background: var(--jp-success-color3, #d4edda);
  color: inherit}
.mmcourse-w details {margin-left: 1em; font-family: var(--jp-code-font-family, monospace);
  font-size: 12px}
.mmcourse-w summary {cursor: pointer}
.mmcourse-w .mm-leaf {margin-left: 2em; font-family: var(--jp-code-font-family, monospace);
  font-size: 12px}
.mmcourse-w .mm-note {color: var(--jp-ui-font-color2, #777); font-size: 12px}
</style>"""


def escape(text: Any) -> str:
    """HTML-escape any value's text."""
    return html.escape(str(text), quote=True)


def use_widgets() -> bool:
    """Widgets only in a Jupyter kernel with MMCOURSE_PLAIN unset (check()'s rule for rich output)."""
    from mmcourse.grading.check import use_rich_output

    return use_rich_output()


class Displayable:
    """Mixin: ``to_text()`` and ``widget()`` give the two faces; display picks what fits."""

    _widget: Any = None

    def to_text(self) -> str:  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    def build_widget(self):  # pragma: no cover - every subclass overrides it
        raise NotImplementedError

    def widget(self):
        """The ipywidgets view (built once, so every display shares its state)."""
        if self._widget is None:
            self._widget = self.build_widget()
        return self._widget

    def __str__(self) -> str:
        return self.to_text()

    __repr__ = __str__  # a terminal's REPL shows the plain text, not an object address

    def _repr_pretty_(self, printer, cycle: bool) -> None:
        printer.text(self.to_text())

    def _repr_mimebundle_(self, include=None, exclude=None) -> dict[str, Any]:
        text = self.to_text()
        if not use_widgets():
            return {"text/plain": text}
        bundle = dict(self.widget()._repr_mimebundle_())
        bundle["text/plain"] = text
        return bundle
