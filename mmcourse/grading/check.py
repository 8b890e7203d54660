"""The learner's side: ``check("ex-id")`` runs an exercise's visible tests, ``hint("ex-id")`` helps.

The generated check cell of each exercise calls ``register`` (title, points, instructions,
hints) and then ``check`` with its test functions. Those functions were defined in the learner's
namespace (IPython's user namespace, or the caller's globals outside IPython), so they always
see the learner's current code.

Visible tests judge the learner's code the same way live or offline: while they run, every
provider setting the learner's namespace holds (``conf = mmcourse.setup()``, a ``GEMINI =
conf["gemini"]``) and the session ``mmcourse.ask`` uses point at the emulator, and are put back
afterwards. So a check never spends money, never depends on what a live model said, and can
read the emulator's log of what the learner's code sent.

In a Jupyter kernel ``check`` shows a static Markdown card (the report, and the hints behind
"show" toggles): no widget, so a saved and reopened notebook shows it as it was. Elsewhere, or
with ``MMCOURSE_PLAIN=1``, it prints plain text.
"""

from __future__ import annotations

import contextlib
import html
import os
import sys
from collections.abc import Iterator, MutableMapping

from mmcourse.grading.exercise import decode_spec
from mmcourse.grading.testing import (
    ERROR,
    FAILED,
    NOT_ATTEMPTED,
    PASSED,
    TIMEOUT,
    call_test,
    outcome,
)

VISIBLE_SEED = "visible"  # visible tests that take ``rng`` get the same numbers on every run
MARKS = {PASSED: "✓", FAILED: "✗", ERROR: "✗", TIMEOUT: "✗", NOT_ATTEMPTED: "·"}

# exercise id -> {"spec": dict, "tests": [functions], "hints_shown": int}
_exercises: dict[str, dict] = {}


def register(exercise_id: str, encoded_spec: str) -> None:
    """Record an exercise's title, points, instructions and hints (called by the check cell)."""
    entry = _exercises.setdefault(exercise_id, {"tests": [], "hints_shown": 0})
    entry["spec"] = decode_spec(encoded_spec)


def _offline_settings(value):
    """The emulator's settings for a live ProviderConfig (None for anything else)."""
    from mmcourse.config import ProviderConfig
    from mmcourse.grading.testing import offline_config

    if type(value) is ProviderConfig and not value.offline:
        return offline_config(value.provider)
    return None


@contextlib.contextmanager
def offline_providers(namespace: MutableMapping) -> Iterator[None]:
    """Point every live provider setting in ``namespace`` (and mmcourse's session) at the emulator.

    Swaps top-level ``ProviderConfig`` values and the values of plain dicts that hold them
    (``conf``), then restores exactly what was there. Offline settings are left alone.
    """
    from mmcourse import session

    undo: list = []
    try:
        for name, value in list(namespace.items()):
            offline = _offline_settings(value)
            if offline is not None:
                undo.append((namespace, name, value))
                namespace[name] = offline
            elif type(value) is dict:
                for key, inner in list(value.items()):
                    offline = _offline_settings(inner)
                    if offline is not None:
                        undo.append((value, key, inner))
                        value[key] = offline
        for key, inner in list(session._configs.items()):
            offline = _offline_settings(inner)
            if offline is not None:
                undo.append((session._configs, key, inner))
                session._configs[key] = offline
        yield
    finally:
        for mapping, key, value in reversed(undo):
            mapping[key] = value


class _StarterWatch:
    """Notices a NotImplementedError raised in the learner's code during a test, even when the
    test catches it (``NotImplementedError`` is a ``RuntimeError``, and tests of error handling
    catch ``RuntimeError``): the starter still being there means "not attempted", not "failed"."""

    def __init__(self) -> None:
        self.seen = False
        self._library = tuple({sys.prefix, sys.base_prefix, os.path.dirname(os.path.dirname(__file__))})

    def _global(self, frame, event, arg):
        if frame.f_code.co_filename.startswith(self._library):
            return None  # library code is not traced at all: checks stay fast
        frame.f_trace_lines = False
        return self._local

    def _local(self, frame, event, arg):
        if event == "exception" and isinstance(arg[1], NotImplementedError):
            self.seen = True
        return self._local

    def __enter__(self):
        self._previous = sys.gettrace()
        if self._previous is None:  # a debugger's tracer is left alone (then only the test's own error counts)
            sys.settrace(self._global)
        return self

    def __exit__(self, *exc) -> None:
        if self._previous is None:
            sys.settrace(None)


def run_checks(exercise_id: str, tests) -> list[dict]:
    """Run test functions against the learner's current code: one {"name", "status", "message"} each.

    The tests run with every provider offline (see ``offline_providers``).
    """
    results = []
    namespaces = {id(fn.__globals__): fn.__globals__ for fn in tests}
    with contextlib.ExitStack() as stack:
        for namespace in namespaces.values():
            stack.enter_context(offline_providers(namespace))
        for fn in tests:
            watch = _StarterWatch()
            try:
                with watch:
                    call_test(fn, VISIBLE_SEED, exercise_id)
                error = None
            except Exception as exc:  # KeyboardInterrupt still stops a runaway check
                error = exc
            if watch.seen and not isinstance(error, NotImplementedError):
                error = NotImplementedError("the starter code is still there")
            result = outcome(error, test_file=fn.__code__.co_filename, test_source="", show_source=True)
            results.append({"name": fn.__name__, **result})
    return results


def is_not_attempted(results: list[dict]) -> bool:
    """True when every test stopped at the starter (NotImplementedError) or an undefined name."""
    return bool(results) and all(r["status"] == NOT_ATTEMPTED for r in results)


def format_report(exercise_id: str, spec: dict, results: list[dict]) -> str:
    """The plain-text report check() prints."""
    title = spec.get("title", exercise_id)
    points = spec.get("points")
    header = f"{exercise_id} · {title}" + (f" · {points:g} points" if points else "")
    if is_not_attempted(results):
        return (
            f"{header}: not attempted yet. Write your code in the cell above, run it, "
            "then run this check again."
        )
    lines = [header]
    for r in results:
        detail = f": {r['message']}" if r["message"] else ""
        lines.append(f"  {MARKS.get(r['status'], '?')} {r['name']}{detail}")
    passed = sum(r["status"] == PASSED for r in results)
    if passed == len(results):
        lines.append(f"All {passed} visible tests passed. Hidden tests with other inputs run at grading.")
    else:
        more = f' hint("{exercise_id}") shows a hint.' if spec.get("hints") else ""
        lines.append(f"{passed} of {len(results)} visible tests passed.{more}")
    return "\n".join(lines)


def check(exercise_id: str, *tests) -> None:
    """Run the visible tests of an exercise and show what passed, what failed and why.

    Each check is a new attempt: ``hint()`` starts again from the first hint.

    >>> check("ex-mean")  # after running the exercise's check cell once
    """
    entry = _exercises.setdefault(exercise_id, {"tests": [], "hints_shown": 0})
    if tests:
        bad = [t for t in tests if not hasattr(t, "__code__")]
        if bad:
            raise TypeError(f"check({exercise_id!r}, ...) takes test functions, got {bad[0]!r}")
        entry["tests"] = list(tests)
    if not entry["tests"]:
        print(f'{exercise_id}: no tests yet. Run the check cell of "{exercise_id}" in the notebook first.')
        return
    entry["hints_shown"] = 0
    spec = entry.get("spec", {})
    results = run_checks(exercise_id, entry["tests"])
    report = format_report(exercise_id, spec, results)
    if use_rich_output():
        from IPython.display import display

        display({"text/markdown": card_markdown(exercise_id, spec, results), "text/plain": report}, raw=True)
    else:
        print(report)


def next_hint(exercise_id: str) -> str:
    """Reveal the next hint of an exercise (text to show the learner)."""
    entry = _exercises.get(exercise_id)
    if entry is None or "spec" not in entry:
        return f'{exercise_id}: run the check cell of "{exercise_id}" first; it holds the hints.'
    hints = entry["spec"].get("hints") or []
    if not hints:
        return f"{exercise_id}: this exercise has no hints. Re-read the instructions and the failing test."
    shown = entry["hints_shown"]
    if shown >= len(hints):
        listed = "\n".join(f"  {i + 1}. {h}" for i, h in enumerate(hints))
        return f"{exercise_id}: that was the last hint. All hints:\n{listed}"
    entry["hints_shown"] = shown + 1
    return f"Hint {shown + 1} of {len(hints)} for {exercise_id}: {hints[shown]}"


def hint(exercise_id: str) -> None:
    """Show the next hint for an exercise, one per call (rendered as Markdown in Jupyter)."""
    text = next_hint(exercise_id)
    if use_rich_output():
        from IPython.display import Markdown, display

        display(Markdown(text))
    else:
        print(text)


def use_rich_output() -> bool:
    """Markdown output only in a Jupyter kernel with MMCOURSE_PLAIN unset."""
    if os.environ.get("MMCOURSE_PLAIN", "") not in ("", "0"):
        return False
    from IPython import get_ipython  # installed with jupyterlab

    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def card_markdown(exercise_id: str, spec: dict, results: list[dict]) -> str:
    """The card check() shows in Jupyter: the report, then each hint behind its own toggle.

    Static Markdown (with HTML ``<details>``), so a saved notebook shows it as it was, in any
    front end. The exercise statement is not repeated: it is the cell above.
    """
    report = format_report(exercise_id, spec, results)
    lines = [f"<pre>{html.escape(report)}</pre>"]
    hints = spec.get("hints") or []
    if hints and not all(r["status"] == PASSED for r in results):
        for number, text in enumerate(hints, 1):
            lines += ["", f"<details><summary>Hint {number} of {len(hints)}</summary>", "", text, "", "</details>"]
    return "\n".join(lines)
