"""Every lesson's first cell states its exercises, and the statement is true.

LESSONS.md: the first cell states ``**Exercises:** N (a easy, b medium, c hard)`` matching the
exercises' metadata. A difficulty with no exercise may be left out ("2 (1 easy, 1 medium)"),
but the ones written come in the order easy, medium, hard and add up to N. Every exercise
states its difficulty, every lesson has at least one exercise, and the course has at least four
hard ones (issue 19). The lessons are the percent scripts in ``solutions/`` (the sources the
notebooks are built from): all of them, none skipped.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from mmcourse.grading.exercise import DIFFICULTIES, parse_exercises, read_notebook, solution_sources

SOLUTIONS = Path(__file__).resolve().parents[1] / "solutions"
LESSONS = {stem: path for stem, path in solution_sources(SOLUTIONS).items()
           if re.match(r"\d\d_", stem) and path.suffix == ".py"}
LINE = re.compile(r"\*\*Exercises:\*\*\s*(\d+)\s*\(([^)]*)\)")
PART = re.compile(r"(\d+) (easy|medium|hard)")
MIN_HARD = 4


def _first_cell(stem: str) -> str:
    nb = read_notebook(LESSONS[stem])
    assert nb.cells, f"{stem} has no cells"
    first = nb.cells[0]
    assert first.cell_type == "markdown", f"{stem}: the first cell must be the markdown title cell"
    return first.source


def stated(text: str, where: str) -> tuple[int, dict[str, int]]:
    """(N, {difficulty: count}) from a first cell's ``**Exercises:**`` line, or AssertionError."""
    found = LINE.findall(text)
    assert len(found) == 1, (f"{where}: the first cell must state '**Exercises:** N (a easy, b medium, c hard)' "
                             f"exactly once (found {len(found)})")
    total, inside = found[0]
    parts = [p.strip() for p in inside.split(",")]
    counts: dict[str, int] = {}
    for part in parts:
        match = PART.fullmatch(part)
        assert match, f"{where}: {part!r} in the Exercises line is not 'N easy', 'N medium' or 'N hard'"
        counts[match.group(2)] = int(match.group(1))
    order = [d for d in DIFFICULTIES if d in counts]
    assert list(counts) == order, f"{where}: write the difficulties in the order easy, medium, hard"
    assert sum(counts.values()) == int(total), f"{where}: {inside} does not add up to {total}"
    return int(total), {d: counts.get(d, 0) for d in DIFFICULTIES}


def _metadata(stem: str) -> tuple[int, dict[str, int]]:
    exercises = parse_exercises(read_notebook(LESSONS[stem]), where=stem)
    missing = [e.id for e in exercises if e.difficulty not in DIFFICULTIES]
    assert not missing, f"{stem}: exercises without a difficulty (easy, medium or hard): {missing}"
    return len(exercises), {d: sum(e.difficulty == d for e in exercises) for d in DIFFICULTIES}


def test_the_lessons_are_found():
    assert len(LESSONS) >= 15, f"expected the course's lessons in {SOLUTIONS}, found {sorted(LESSONS)}"


@pytest.mark.parametrize("stem", sorted(LESSONS))
def test_the_first_cell_states_the_exercises_and_their_difficulties(stem):
    stated(_first_cell(stem), stem)


@pytest.mark.parametrize("stem", sorted(LESSONS))
def test_the_stated_exercises_match_the_metadata(stem):
    total, counts = stated(_first_cell(stem), stem)
    actual_total, actual = _metadata(stem)
    assert actual_total >= 1, f"{stem} has no graded exercise"
    assert (total, counts) == (actual_total, actual), (
        f"{stem}: the first cell says {total} {counts}, the exercises' metadata has {actual_total} {actual}")


def test_the_course_has_at_least_four_hard_exercises():
    hard = {stem: _metadata(stem)[1]["hard"] for stem in LESSONS}
    assert sum(hard.values()) >= MIN_HARD, f"only {sum(hard.values())} hard exercises in the course: {hard}"


@pytest.mark.parametrize("text, expected", [
    ("**Exercises:** 3 (1 easy, 1 medium, 1 hard).", (3, {"easy": 1, "medium": 1, "hard": 1})),
    ("**Exercises:** 2 (1 easy, 1 medium)", (2, {"easy": 1, "medium": 1, "hard": 0})),
    ("**Exercises:** 3 (0 easy, 0 medium, 3 hard).", (3, {"easy": 0, "medium": 0, "hard": 3})),
])
def test_the_line_is_read(text, expected):
    assert stated(text, "t") == expected


@pytest.mark.parametrize("text", [
    "**Exercises:** 3 (1 easy, 1 medium).",  # does not add up
    "**Exercises:** 2 (1 medium, 1 easy).",  # out of order
    "**Exercises:** 2 (2 tricky).",          # not a difficulty
    "Exercises: 2 (1 easy, 1 medium).",      # not the bold label
])
def test_a_wrong_line_is_refused(text):
    with pytest.raises(AssertionError):
        stated(text, "t")
