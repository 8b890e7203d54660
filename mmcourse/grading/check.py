"""The learner's side: ``check("ex-id")`` runs an exercise's visible tests, ``hint("ex-id")`` helps.

The generated check cell of each exercise calls ``register`` (title, points, instructions,
hints) and then ``check`` with its test functions. Those functions were defined in the learner's
namespace (IPython's user namespace, or the caller's globals outside IPython), so they always
see the learner's current code. In a widget front end ``check`` shows a small card; elsewhere,
or with ``MMCOURSE_PLAIN=1``, it prints plain text.
"""

from __future__ import annotations

import os

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


def run_checks(exercise_id: str, tests) -> list[dict]:
    """Run test functions against the learner's current code: one {"name", "status", "message"} each."""
    results = []
    for fn in tests:
        try:
            call_test(fn, VISIBLE_SEED, exercise_id)
            error = None
        except Exception as exc:  # KeyboardInterrupt still stops a runaway check
            error = exc
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
    spec = entry.get("spec", {})
    results = run_checks(exercise_id, entry["tests"])
    report = format_report(exercise_id, spec, results)
    if use_widgets():
        _show_card(exercise_id, spec, results, report)
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
    """Print the next hint for an exercise, one per call."""
    print(next_hint(exercise_id))


def use_widgets() -> bool:
    """Widgets only in a Jupyter kernel with ipywidgets installed and MMCOURSE_PLAIN unset."""
    if os.environ.get("MMCOURSE_PLAIN", "") not in ("", "0"):
        return False
    try:
        import ipywidgets  # noqa: F401
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None


def build_card(exercise_id: str, spec: dict, results: list[dict]):
    """The ipywidgets card: header, instructions, results, Check and Hint buttons."""
    import ipywidgets as widgets
    from IPython.display import Markdown

    points = spec.get("points")
    difficulty = spec.get("difficulty")
    facts = " · ".join(x for x in (f"{points:g} points" if points else "", difficulty or "") if x)
    header = widgets.HTML(f"<b>{_escape(spec.get('title', exercise_id))}</b> <code>{exercise_id}</code> {facts}")
    instructions = widgets.Output()
    instructions.append_display_data(Markdown(spec.get("instructions", "")))
    report = widgets.Output()
    hints = widgets.Output()
    check_button = widgets.Button(description="Check", icon="check", button_style="primary")
    hint_button = widgets.Button(description="Hint", icon="lightbulb-o", disabled=not spec.get("hints"))

    def show(results):
        report.outputs = ()  # not clear_output(): that needs a live front end
        report.append_stdout(format_report(exercise_id, spec, results) + "\n")

    def on_check(_):
        show(run_checks(exercise_id, _exercises[exercise_id]["tests"]))

    def on_hint(_):
        hints.append_stdout(next_hint(exercise_id) + "\n")

    check_button.on_click(on_check)
    hint_button.on_click(on_hint)
    show(results)
    return widgets.VBox([header, instructions, report, widgets.HBox([check_button, hint_button]), hints])


def _show_card(exercise_id: str, spec: dict, results: list[dict], report: str) -> None:
    from IPython.display import display

    card = build_card(exercise_id, spec, results)
    bundle = card._repr_mimebundle_()
    bundle["text/plain"] = report  # front ends without widget support show the plain report
    display(bundle, raw=True)


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
