"""Release: turn solution notebooks into student notebooks through a pipeline of cell transforms.

Each transform takes the list of cells (and the parsed exercises) and returns a new list. The
pipeline is deterministic, so releasing twice gives identical notebooks, and outputs a committed
student notebook already has are kept for every cell whose source did not change.
"""

from __future__ import annotations

import copy
import difflib
import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import nbformat

from mmcourse.grading.exercise import (
    CHECK,
    HIDDEN_TESTS,
    HINT,
    INSTRUCTIONS,
    META_KEY,
    SOLUTION,
    VISIBLE_TESTS,
    Exercise,
    cell_role,
    checksum,
    encode_spec,
    find_regions,
    normalize_source,
    parse_exercises,
    read_notebook,
    solution_sources,
)

FORMAT_VERSION = 1
KEPT_CELL_METADATA = ("mmcourse", "tags", "jupyter", "slideshow")
PREDICT_TAG = "predict"  # the code cells that answer a "Predict" question: they reach students unrun
CHECK_OUTPUT_TAG = "nbval-check-output"
LOCKED_ROLES = (INSTRUCTIONS, CHECK)
DEFAULT_KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}


@dataclass(frozen=True)
class Context:
    """What every transform may consult: the notebook's name and its exercises by id."""

    stem: str
    exercises: dict[str, Exercise]


Cells = list[nbformat.NotebookNode]
Transform = Callable[[Cells, Context], Cells]


# --- the transforms, in pipeline order ------------------------------------------------------


def replace_solutions(cells: Cells, ctx: Context) -> Cells:
    """Replace every solution region with its starter (or a NotImplementedError line)."""
    out = []
    for index, cell in enumerate(cells):
        exercise, role = cell_role(cell)
        source = normalize_source(cell["source"])
        where = f"{ctx.stem}, cell {index}"
        regions = find_regions(source, where)
        if regions:
            cell = _with_source(cell, _apply_regions(source, regions, cell["cell_type"], exercise))
        elif role == SOLUTION:  # no markers: the whole cell is the solution
            cell = _with_source(cell, _default_starter(cell["cell_type"], "", exercise))
        out.append(cell)
    return out


def drop_hidden(cells: Cells, ctx: Context) -> Cells:
    """Drop hidden tests and hints: hidden tests never reach students, hints go into the check cell."""
    return [cell for cell in cells if cell_role(cell)[1] not in (HIDDEN_TESTS, HINT)]


def build_check_cells(cells: Cells, ctx: Context) -> Cells:
    """Turn each visible-tests cell into the learner's check cell."""
    out = []
    for cell in cells:
        exercise, role = cell_role(cell)
        if role == VISIBLE_TESTS:
            cell = _with_source(cell, check_cell_source(ctx.exercises[exercise]))
            cell.metadata[META_KEY] = {"exercise": exercise, "role": CHECK}
        out.append(cell)
    return out


def strip_metadata(cells: Cells, ctx: Context) -> Cells:
    """Keep only the cell metadata a student notebook needs (drops jupytext's bookkeeping)."""
    out = []
    for cell in cells:
        cell = copy.deepcopy(cell)
        cell.metadata = nbformat.NotebookNode(
            {k: v for k, v in cell.metadata.items() if k in KEPT_CELL_METADATA}
        )
        out.append(cell)
    return out


def clear_outputs(cells: Cells, ctx: Context) -> Cells:
    """Clear outputs: the released notebook is executed afterwards (kept outputs are merged back)."""
    out = []
    for cell in cells:
        cell = copy.deepcopy(cell)
        if cell["cell_type"] == "code":
            cell.outputs, cell.execution_count = [], None
        out.append(cell)
    return out


PREDICT_QUESTION = re.compile(r"(?:^|[.!?)]\s)\*\*Predict", re.MULTILINE)  # a sentence that starts "**Predict"


def is_predict_question(cell) -> bool:
    """A markdown cell with a sentence that starts "**Predict": a question about the next output."""
    return cell["cell_type"] == "markdown" and bool(PREDICT_QUESTION.search(normalize_source(cell["source"])))


def _answer_span(cells: Cells, start: int) -> list[int]:
    """The code cells after a Predict question that answer it: up to the first whose output is
    checked (the one that prints the answer), else just the first; never past a markdown cell."""
    following = []
    for index in range(start + 1, len(cells)):
        if cells[index]["cell_type"] != "code":
            break
        following.append(index)
        if CHECK_OUTPUT_TAG in cells[index].metadata.get("tags", []):
            return following
    return following[:1]


def tag_predictions(cells: Cells, ctx: Context) -> Cells:
    """Tag the code cells that answer a Predict question with ``predict``.

    Their outputs are the answer, so students get them unrun (``mmcourse notebooks build``
    leaves them empty), and nbval does not compare them in the student notebooks.
    """
    answers = {i for start, cell in enumerate(cells) if is_predict_question(cell) for i in _answer_span(cells, start)}
    out = []
    for index, cell in enumerate(cells):
        if index in answers and cell_role(cell)[1] is None:
            cell = copy.deepcopy(cell)
            tags = [t for t in cell.metadata.get("tags", []) if t != CHECK_OUTPUT_TAG]
            cell.metadata["tags"] = [*tags, PREDICT_TAG]
        out.append(cell)
    return out


def lock_cells(cells: Cells, ctx: Context) -> Cells:
    """Make instructions and check cells read-only and record their checksum for the grader."""
    out = []
    for cell in cells:
        if cell_role(cell)[1] in LOCKED_ROLES:
            cell = copy.deepcopy(cell)
            cell.metadata["editable"] = False
            cell.metadata["deletable"] = False
            cell.metadata[META_KEY]["checksum"] = checksum(cell)
        out.append(cell)
    return out


def assign_ids(cells: Cells, ctx: Context) -> Cells:
    """Give cells ids derived from their content, so a re-release does not churn them."""
    seen: dict[str, int] = {}
    out = []
    for cell in cells:
        cell = copy.deepcopy(cell)
        base = hashlib.sha256(f"{cell['cell_type']}\n{cell['source']}".encode()).hexdigest()[:8]
        seen[base] = seen.get(base, 0) + 1
        cell["id"] = base if seen[base] == 1 else f"{base}-{seen[base]}"
        out.append(cell)
    return out


PIPELINE: tuple[Transform, ...] = (
    replace_solutions,
    drop_hidden,
    build_check_cells,
    strip_metadata,
    clear_outputs,
    tag_predictions,
    lock_cells,
    assign_ids,
)


# --- helpers for the transforms --------------------------------------------------------------


def _with_source(cell, source: str):
    cell = copy.deepcopy(cell)
    cell["source"] = source
    return cell


def _default_starter(cell_type: str, indent: str, exercise: str | None) -> str:
    if cell_type == "markdown":
        return "_Write your answer here._"
    label = f"{exercise}: write" if exercise else "Write"
    return f'{indent}raise NotImplementedError("{label} your code here")'


def _uncomment(line: str, indent: str) -> str:
    body = line[len(indent):] if line.startswith(indent) else line.lstrip()
    if body.startswith("# "):
        body = body[2:]
    elif body.startswith("#"):
        body = body[1:]
    return indent + body if body else ""


def _apply_regions(source: str, regions, cell_type: str, exercise: str | None) -> str:
    lines = source.split("\n")
    for region in reversed(regions):  # back to front keeps earlier line numbers valid
        if region.starter is None:
            replacement = [_default_starter(cell_type, region.indent, exercise)]
        elif cell_type == "code":  # starter lines are commented out so the solution still runs
            replacement = [_uncomment(line, region.indent) for line in region.starter]
        else:
            replacement = list(region.starter)
        lines[region.begin : region.end + 1] = replacement
    return "\n".join(lines)


def _points_text(points: float) -> str:
    return str(int(points)) if float(points).is_integer() else f"{points:g}"


def check_cell_source(exercise: Exercise) -> str:
    """The source of the locked check cell for an exercise: registration, visible tests, check call."""
    assert exercise.visible is not None
    points = _points_text(exercise.points)
    unit = "point" if points == "1" else "points"
    names = ", ".join(exercise.visible.names)
    return (
        f'# Check your work on "{exercise.title}" ({points} {unit}): run this cell.\n'
        f'# hint("{exercise.id}") shows the next hint. Made by `mmcourse release`; '
        "the grader runs its own copy of these tests, plus hidden ones.\n"
        "from mmcourse.grading import check, expect, hint, last_request, offline_config, register\n\n"
        f"{exercise.visible.source}\n\n\n"
        "# The exercise's title, points and hints for check() and hint(), encoded (no spoilers at a glance):\n"
        f'register("{exercise.id}", "{encode_spec(exercise)}")\n'
        f'check("{exercise.id}", {names})'
    )


# --- whole notebooks -------------------------------------------------------------------------


def release_notebook(solution, stem: str, previous=None) -> nbformat.NotebookNode:
    """The student notebook for a solution notebook (outputs of unchanged cells kept from ``previous``)."""
    exercises = parse_exercises(solution, where=stem)
    ctx = Context(stem, {exercise.id: exercise for exercise in exercises})
    cells = [copy.deepcopy(cell) for cell in solution.cells]
    for transform in PIPELINE:
        cells = transform(cells, ctx)
    nb = nbformat.v4.new_notebook()
    nb.nbformat, nb.nbformat_minor = 4, 5
    nb.cells = cells
    nb.metadata = nbformat.NotebookNode({
        "kernelspec": copy.deepcopy(solution.metadata.get("kernelspec", DEFAULT_KERNELSPEC)),
        "language_info": {"name": "python"},
        META_KEY: {"format": FORMAT_VERSION, "source": stem, "exercises": list(ctx.exercises)},
    })
    if previous is not None:
        merge_outputs(nb, previous)
        # Executing fills language_info in; keep it, so releasing again changes nothing.
        if previous.metadata.get("language_info", {}).get("name") == "python":
            nb.metadata["language_info"] = copy.deepcopy(previous.metadata["language_info"])
    return nb


def answered_notebook(solution, stem: str) -> nbformat.NotebookNode:
    """The student notebook with the model answers written into the exercise cells.

    The released pipeline minus the starters: every check cell calls ``check()`` on the
    solution's code. CI runs these to prove each lesson's cells and checks work end to end.
    """
    exercises = parse_exercises(solution, where=stem)
    ctx = Context(stem, {exercise.id: exercise for exercise in exercises})
    cells = [copy.deepcopy(cell) for cell in solution.cells]
    for transform in PIPELINE:
        if transform is not replace_solutions:
            cells = transform(cells, ctx)
    nb = nbformat.v4.new_notebook()
    nb.nbformat, nb.nbformat_minor = 4, 5
    nb.cells = cells
    nb.metadata = nbformat.NotebookNode({
        "kernelspec": copy.deepcopy(solution.metadata.get("kernelspec", DEFAULT_KERNELSPEC)),
        "language_info": {"name": "python"},
    })
    return nb


def merge_outputs(fresh, previous) -> None:
    """Copy outputs from ``previous`` into ``fresh`` for every code cell whose source is unchanged."""
    def key(cell):
        return (cell["cell_type"], normalize_source(cell["source"]))

    old, new = [key(c) for c in previous.cells], [key(c) for c in fresh.cells]
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    for block in matcher.get_matching_blocks():
        for offset in range(block.size):
            before, after = previous.cells[block.a + offset], fresh.cells[block.b + offset]
            if after["cell_type"] == "code":
                after.outputs = copy.deepcopy(before.get("outputs", []))
                after.execution_count = before.get("execution_count")


def release_differences(committed, fresh) -> list[str]:
    """How a committed student notebook differs from a fresh release, ignoring outputs."""
    problems = []
    want = fresh.metadata.get(META_KEY)
    if committed.metadata.get(META_KEY) != want:
        problems.append(f"notebook metadata {META_KEY!r} is {committed.metadata.get(META_KEY)!r}, want {want!r}")
    if len(committed.cells) != len(fresh.cells):
        problems.append(f"{len(committed.cells)} cells, a fresh release has {len(fresh.cells)}")
    for index, (a, b) in enumerate(zip(committed.cells, fresh.cells, strict=False)):
        for field in ("cell_type", "id"):
            if a.get(field) != b.get(field):
                problems.append(f"cell {index}: {field} {a.get(field)!r} != {b.get(field)!r}")
        if normalize_source(a["source"]) != normalize_source(b["source"]):
            problems.append(f"cell {index}: source differs")
        if dict(a.get("metadata", {})) != dict(b.get("metadata", {})):
            problems.append(f"cell {index}: metadata differs")
    return problems


def serialize(nb) -> str:
    """The exact text a notebook is written as (stable, so re-releases do not rewrite files)."""
    return nbformat.writes(nb) + "\n"


@dataclass(frozen=True)
class Released:
    """What release_directory did for one notebook."""

    stem: str
    source: Path
    target: Path
    changed: bool


def release_directory(solutions: str | Path, out: str | Path, *, dry_run: bool = False) -> list[Released]:
    """Release every solution notebook in ``solutions`` into ``out`` (files rewritten only when changed)."""
    solutions, out = Path(solutions), Path(out)
    if not solutions.is_dir():
        raise FileNotFoundError(f"solutions folder {solutions} does not exist: pass --solutions DIR")
    results = []
    for stem, source in solution_sources(solutions).items():
        target = out / f"{stem}.ipynb"
        previous = nbformat.read(target, as_version=4) if target.exists() else None
        text = serialize(release_notebook(read_notebook(source), stem, previous))
        changed = not target.exists() or target.read_text(encoding="utf-8") != text
        if changed and not dry_run:
            out.mkdir(parents=True, exist_ok=True)
            tmp = target.with_name(f".{target.name}.tmp")
            tmp.write_text(text, encoding="utf-8")
            tmp.replace(target)
        results.append(Released(stem, source, target, changed))
    return results


def release_dir(solutions: str | Path, out: str | Path) -> list[Path]:
    """Release every solution notebook; return the student notebook paths (changed or not)."""
    return [released.target for released in release_directory(solutions, out)]
