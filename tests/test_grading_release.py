"""Release: solution notebooks become student notebooks through small, idempotent transforms."""

from __future__ import annotations

import shutil
from pathlib import Path

import jupytext
import nbformat
import pytest

from mmcourse.grading.cli import release_main
from mmcourse.grading.exercise import cell_role, checksum, read_notebook, solution_sources
from mmcourse.grading.release import (
    PREDICT_TAG,
    answered_notebook,
    release_differences,
    release_directory,
    release_notebook,
    serialize,
)

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures" / "grading"
FIXTURE = FIXTURES / "solutions" / "fixture.py"
ROOT = HERE.parent


@pytest.fixture(scope="module")
def student():
    return release_notebook(read_notebook(FIXTURE), "fixture")


def all_text(nb) -> str:
    return serialize(nb)


def test_solution_regions_become_the_starter(student):
    answers = [c.source for c in student.cells if cell_role(c)[1] == "solution"]
    assert answers[0] == (
        "def mean(xs):\n"
        "    # Handle the empty list first, then divide the total by the count.\n"
        '    raise NotImplementedError("ex-mean: write your code here")'
    )
    assert answers[1] == 'def word_counts(text):\n    raise NotImplementedError("ex-words: write your code here")'
    assert "sum(xs) / len(xs)" not in all_text(student)
    assert "BEGIN SOLUTION" not in all_text(student)


def test_hidden_tests_never_reach_the_student_notebook(student):
    text = all_text(student)
    assert "test_random_lists" not in text and "test_random_texts" not in text
    assert not any(cell_role(c)[1] == "hidden-tests" for c in student.cells)


def test_hints_are_not_readable_in_the_student_notebook(student):
    assert "adds the numbers" not in all_text(student)  # folded, encoded, into the check cell
    assert not any(cell_role(c)[1] == "hint" for c in student.cells)


def test_visible_tests_become_a_locked_check_cell(student):
    checks = [c for c in student.cells if cell_role(c)[1] == "check"]
    assert [cell_role(c)[0] for c in checks] == ["ex-mean", "ex-words"]
    cell = checks[0]
    assert cell.metadata["editable"] is False and cell.metadata["deletable"] is False
    assert cell.metadata["mmcourse"]["checksum"] == checksum(cell)
    assert "def test_mean_of_three():" in cell.source
    assert cell.source.rstrip().endswith('check("ex-mean", test_mean_of_three, test_empty_list_raises)')


def test_instructions_are_locked_and_lesson_cells_untouched(student):
    instructions = [c for c in student.cells if cell_role(c)[1] == "instructions"]
    assert all(c.metadata["editable"] is False for c in instructions)
    assert student.cells[1].source == "import string\n\nPUNCTUATION = string.punctuation"
    assert student.metadata["mmcourse"] == {"format": 1, "source": "fixture", "exercises": ["ex-mean", "ex-words"]}


def test_jupytext_bookkeeping_is_stripped(student):
    assert all(set(c.metadata) <= {"mmcourse", "editable", "deletable", "tags"} for c in student.cells)
    assert "jupytext" not in student.metadata


def test_student_notebook_is_valid_nbformat(student):
    nbformat.validate(student)


def test_releasing_twice_gives_identical_files(tmp_path):
    first = release_directory(FIXTURE.parent, tmp_path)
    text = first[0].target.read_text()
    second = release_directory(FIXTURE.parent, tmp_path)
    assert first[0].changed and not second[0].changed
    assert second[0].target.read_text() == text


def test_rerelease_keeps_outputs_of_unchanged_cells_and_clears_changed_ones(tmp_path):
    solutions = tmp_path / "solutions"
    solutions.mkdir()
    shutil.copy(FIXTURE, solutions)
    (target,) = [r.target for r in release_directory(solutions, tmp_path / "nb")]
    executed = nbformat.read(target, as_version=4)
    for cell in executed.cells:
        if cell.cell_type == "code":
            cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=f"ran {cell.id}")]
    nbformat.write(executed, target)
    (solutions / "fixture.py").write_text(FIXTURE.read_text().replace(
        "PUNCTUATION = string.punctuation", "PUNCTUATION = string.punctuation + '…'"))
    (result,) = release_directory(solutions, tmp_path / "nb")
    again = nbformat.read(result.target, as_version=4)
    lesson = again.cells[1]
    assert result.changed and lesson.outputs == []
    kept = [c for c in again.cells if c.cell_type == "code" and c.outputs]
    assert len(kept) == 4  # both answer cells and both check cells kept their outputs


def test_committed_fixture_notebook_equals_a_fresh_release():
    committed = nbformat.read(FIXTURES / "notebooks" / "fixture.ipynb", as_version=4)
    fresh = release_notebook(read_notebook(FIXTURE), "fixture")
    assert release_differences(committed, fresh) == []


def course_pairs():
    found = solution_sources(ROOT / "solutions") if (ROOT / "solutions").is_dir() else {}
    return sorted(found.items())


@pytest.mark.parametrize("stem,source", course_pairs() or [pytest.param(None, None, marks=pytest.mark.skip(
    reason="solutions/ has no notebooks yet: nothing released to compare"))])
def test_committed_course_notebook_equals_a_fresh_release(stem, source):
    target = ROOT / "notebooks" / f"{stem}.ipynb"
    assert target.exists(), f"notebooks/{stem}.ipynb is missing: run `mmcourse release`"
    committed = nbformat.read(target, as_version=4)
    fresh = release_notebook(read_notebook(source), stem)
    assert release_differences(committed, fresh) == [], "run `mmcourse release` and commit notebooks/"


def test_release_check_mode_exits_1_when_out_of_date(tmp_path, capsys):
    assert release_main(["--solutions", str(FIXTURE.parent), "--out", str(tmp_path), "--check"]) == 1
    assert not list(tmp_path.iterdir())
    assert release_main(["--solutions", str(FIXTURE.parent), "--out", str(tmp_path)]) == 0
    assert release_main(["--solutions", str(FIXTURE.parent), "--out", str(tmp_path), "--check"]) == 0
    assert "unchanged" in capsys.readouterr().out


def test_release_reports_a_format_error_with_exit_2(tmp_path, capsys):
    (tmp_path / "bad.py").write_text(
        '# %% mmcourse={"exercise": "ex-x", "role": "solution"}\nx = 1\n')
    assert release_main(["--solutions", str(tmp_path), "--out", str(tmp_path / "out")]) == 2
    assert "ex-x" in capsys.readouterr().err


def test_markdown_solution_regions_get_a_placeholder():
    text = FIXTURE.read_text() + (
        "\n# %% [markdown]\n# Why does mean([]) fail?\n# ### BEGIN SOLUTION\n"
        "# Dividing by zero.\n# ### END SOLUTION\n")
    nb = release_notebook(jupytext.reads(text, fmt="py:percent"), "fixture")
    assert nb.cells[-1].source == "Why does mean([]) fail?\n_Write your answer here._"


PREDICTING = FIXTURE.read_text() + (
    '\n# %% [markdown]\n# **Predict the output.** What is the mean of [2, 4]?\n'
    '\n# %%\nnumbers = [2, 4]\n'
    '\n# %% tags=["nbval-check-output"]\nprint(mean(numbers))\n'
    '\n# %% [markdown]\n# Three, as you guessed.\n'
    '\n# %% tags=["nbval-check-output"]\nprint("after")\n')


def test_predict_answers_are_tagged_to_reach_students_unrun():
    nb = release_notebook(jupytext.reads(PREDICTING, fmt="py:percent"), "fixture")
    define, answer, after = nb.cells[-4], nb.cells[-3], nb.cells[-1]
    assert PREDICT_TAG in define.metadata["tags"] and answer.metadata["tags"] == [PREDICT_TAG]
    assert after.metadata["tags"] == ["nbval-check-output"], "cells after the next markdown stay as they are"


def test_only_the_cells_up_to_the_printed_answer_are_predictions():
    text = PREDICTING.replace('\n# %% [markdown]\n# Three, as you guessed.\n', '\n# %%\nx = 1\n')
    nb = release_notebook(jupytext.reads(text, fmt="py:percent"), "fixture")
    assert PREDICT_TAG not in nb.cells[-2].metadata.get("tags", []), "x = 1 comes after the answer"


def test_a_sentence_that_mentions_predict_cells_is_no_question():
    text = FIXTURE.read_text() + '\n# %% [markdown]\n# Cells marked **Predict** ask you to guess.\n\n# %%\nimport os\n'
    nb = release_notebook(jupytext.reads(text, fmt="py:percent"), "fixture")
    assert PREDICT_TAG not in nb.cells[-1].metadata.get("tags", [])


def test_the_register_line_sits_below_the_tests(student):
    cell = next(c for c in student.cells if cell_role(c)[1] == "check")
    lines = cell.source.rstrip().split("\n")
    assert lines[-2].startswith('register("ex-mean", "') and lines[-1].startswith('check("ex-mean"')
    assert cell.source.index("def test_mean_of_three") < cell.source.index("register(")


def test_the_answered_notebook_keeps_the_solutions_and_calls_check():
    nb = answered_notebook(read_notebook(FIXTURE), "fixture")
    text = serialize(nb)
    assert "sum(xs) / len(xs)" in text, "the solution stays in (its commented starter is harmless)"
    assert "test_random_lists" not in text, "hidden tests stay out"
    assert any(c.source.rstrip().endswith('check("ex-mean", test_mean_of_three, test_empty_list_raises)')
               for c in nb.cells if cell_role(c)[1] == "check")
