"""``Compare``: one prompt and file sent to every provider; answers side by side with latency,
tokens and cost, and a small chart of the three.

``run_compare`` does the I/O (through ``mmcourse.ask``); ``result_of``, ``compare_text`` and
``chart_png`` are pure, so the table and the chart are tested without a server.
"""

from __future__ import annotations

import io
import textwrap
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from mmcourse import pricing
from mmcourse.encoding import image_size
from mmcourse.providers.base import Answer
from mmcourse.widgets.base import STYLE, Displayable, escape
from mmcourse.widgets.inspector import COURSE_PROVIDERS, file_label, models_by_provider
from mmcourse.widgets.viewer import estimated_cost

WRAP = 96  # characters per line of an answer in the plain text


@dataclass(frozen=True)
class Result:
    """One provider's answer, or the error it gave, with its numbers."""

    provider: str
    model: str = ""
    text: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    cost: Decimal | None = None
    seconds: float | None = None
    error: str | None = None

    def stats(self, show_latency: bool = True) -> str:
        """``gpt-5.4-mini · 421 in + 79 out tokens · $0.0007 · 0.28 s``."""
        if self.error:
            return f"error: {self.error}"
        usd = pricing.format_usd(self.cost) if self.cost is not None else "no price"
        parts = [self.model, f"{self.input_tokens:,} in + {self.output_tokens:,} out tokens", usd]
        if show_latency and self.seconds is not None:
            parts.append(format_seconds(self.seconds))
        return " · ".join(parts)


def format_seconds(seconds: float) -> str:
    """``0.28 s`` from one second up, else milliseconds (the emulator answers in a few)."""
    return f"{seconds:.2f} s" if seconds >= 1 else f"{seconds * 1000:.0f} ms"


def result_of(provider: str, outcome: Answer | Exception, seconds: float | None) -> Result:
    """A Result from what ``ask`` returned or raised (pure)."""
    if isinstance(outcome, Exception):
        return Result(provider, seconds=seconds, error=str(outcome))
    usage = outcome.usage
    usd, _ = estimated_cost(outcome.model, usage.input_tokens, usage.output_tokens)
    return Result(provider, outcome.model, outcome.text, usage.input_tokens, usage.output_tokens,
                  usd, seconds)


def run_compare(prompt: str, file: str | Path | bytes | None = None,
                providers: Sequence[str] = COURSE_PROVIDERS,
                model: str | Mapping[str, str] | None = None,
                ask: Callable[..., Any] | None = None, **options: Any) -> list[Result]:
    """Send the same prompt and file to each provider, one after another; errors become results."""
    from mmcourse.client import Client
    from mmcourse.client import ask as default_ask
    from mmcourse.providers.base import APIError, LiveCallError

    ask = ask or default_ask
    client = Client()  # its own client, so .last.seconds times exactly this provider's call
    files = () if file is None else (file,)
    results = []
    for name, chosen in models_by_provider(model, providers).items():
        client.last = None  # a request refused before sending leaves no exchange of its own
        try:
            outcome: Answer | Exception = ask(name, prompt, *files, model=chosen, client=client,
                                              **dict(options))
        except (APIError, LiveCallError, ValueError) as exc:  # one failure must not hide the others
            outcome = exc
        seconds = client.last.seconds if client.last is not None else None
        results.append(result_of(name, outcome, seconds))
    return results


def compare_text(prompt: str, file_name: str, results: Sequence[Result],
                 show_latency: bool = True) -> str:
    """The comparison as plain text: a stats line and the wrapped answer per provider."""
    lines = [f"{prompt!r} + {file_name}, sent to {len(results)} providers"]
    for r in results:
        lines += ["", f"{r.provider} · {r.stats(show_latency)}"]
        if not r.error:
            lines += textwrap.wrap(r.text, WRAP, initial_indent="  ", subsequent_indent="  ") or ["  (empty)"]
    return "\n".join(lines)


def chart_png(results: Sequence[Result], show_latency: bool = True) -> bytes:
    """A small PNG: bars of latency (optional), tokens and cost per provider."""
    from matplotlib.figure import Figure  # not pyplot: no global figure state in the kernel

    ok = [r for r in results if not r.error]
    panels: list[tuple[str, list[float]]] = []
    if show_latency:
        panels.append(("latency (s)", [r.seconds or 0.0 for r in ok]))
    panels.append(("tokens (in + out)", [r.input_tokens + r.output_tokens for r in ok]))
    panels.append(("cost (USD)", [float(r.cost or 0) for r in ok]))
    fig = Figure(figsize=(2.4 * len(panels), 2.2), dpi=80)
    names = [r.provider for r in ok]
    for i, (title, values) in enumerate(panels):
        ax = fig.add_subplot(1, len(panels), i + 1)
        ax.bar(names, values, color=["#4c72b0", "#dd8452", "#55a868"][: len(names)] or None)
        ax.set_title(title, fontsize=9)
        ax.tick_params(labelsize=7)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    return buffer.getvalue()


class Compare(Displayable):
    """Ask every provider the same thing and show the answers side by side.

    >>> Compare("What is in this photo?", "data/photos/chelsea.jpg", show_latency=False)  # doctest: +SKIP
    """

    def __init__(self, prompt: str, file: str | Path | bytes | None = None,
                 providers: Sequence[str] = COURSE_PROVIDERS,
                 model: str | Mapping[str, str] | None = None, show_latency: bool = True,
                 ask: Callable[..., Any] | None = None, **options: Any) -> None:
        self.prompt, self.file, self.show_latency = prompt, file, show_latency
        self.results = run_compare(prompt, file, providers, model, ask=ask, **options)

    def to_text(self) -> str:
        return compare_text(self.prompt, file_label(self.file), self.results, self.show_latency)

    def build_widget(self):
        import ipywidgets as widgets

        columns = []
        for n, r in enumerate(self.results):
            body = (f"{STYLE if n == 0 else ''}<p><b>{escape(r.provider)}</b><br><span class='mm-note'>"
                    f"{escape(r.stats(self.show_latency))}</span></p>")
            if not r.error:
                body += f"<p>{escape(r.text)}</p>"
            column = widgets.HTML(f"<div class='mmcourse-w'>{body}</div>",
                                  layout=widgets.Layout(width=f"{100 // len(self.results) - 1}%"))
            columns.append(column)
        parts = [widgets.HBox(columns)]
        if any(not r.error for r in self.results):
            png = chart_png(self.results, self.show_latency)
            # At its own pixel width: the Image widget otherwise stretches to the cell's width.
            parts.append(widgets.Image(value=png, format="png", width=image_size(png)[0]))
        box = widgets.VBox(parts)
        box.add_class("mmcourse-compare")
        return box
