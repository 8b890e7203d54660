"""The exercise format: what parses, what is refused and why."""

from __future__ import annotations

from pathlib import Path

import jupytext
import pytest

from mmcourse.grading.exercise import (
    ExerciseFormatError,
    decode_spec,
    encode_spec,
    find_regions,
    parse_exercises,
    read_notebook,
    solution_sources,
)

FIXTURE = Path(__file__).parent / "fixtures" / "grading" / "solutions" / "fixture.py"

HEADER = "# %% [markdown] mmcourse={\"exercise\": \"ex-a\", \"role\": \"instructions\", \"points\": 1}\n# ### A\n\n"
SOLUTION = "# %% mmcourse={\"exercise\": \"ex-a\", \"role\": \"solution\"}\n" \
           "def f():\n    ### BEGIN SOLUTION\n    return 1\n    ### END SOLUTION\n\n"
VISIBLE = "# %% mmcourse={\"exercise\": \"ex-a\", \"role\": \"visible-tests\"}\ndef test_f():\n    assert f() == 1\n"


def parse(text: str):
    return parse_exercises(jupytext.reads(text, fmt="py:percent"), where="t")


def test_fixture_has_two_exercises_with_every_field():
    exercises = parse_exercises(read_notebook(FIXTURE), "fixture")
    mean, words = exercises
    assert (mean.id, mean.title, mean.points, mean.difficulty) == ("ex-mean", "Mean of a list", 2.0, "easy")
    assert len(mean.hints) == 2 and mean.hints[0].startswith("`sum(xs)`")
    assert mean.visible.names == ("test_mean_of_three", "test_empty_list_raises")
    assert [h.names for h in mean.hidden] == [("test_random_lists",)]
    assert "### Exercise: mean of a list" in mean.instructions
    assert (words.id, words.points, words.difficulty) == ("ex-words", 3.0, "medium")


def test_percent_script_metadata_round_trips_through_jupytext():
    text = FIXTURE.read_text()
    again = jupytext.writes(jupytext.reads(text, fmt="py:percent"), fmt="py:percent")
    assert parse(again)[0].id == "ex-mean"
    original = [c.metadata.get("mmcourse") for c in jupytext.reads(text, fmt="py:percent").cells]
    assert [c.metadata.get("mmcourse") for c in jupytext.reads(again, fmt="py:percent").cells] == original


def test_minimal_exercise_parses_and_takes_its_title_from_the_heading():
    (exercise,) = parse(HEADER + SOLUTION + VISIBLE)
    assert (exercise.title, exercise.points, exercise.hidden) == ("A", 1.0, [])


def test_missing_end_solution_is_refused_with_the_place():
    broken = SOLUTION.replace("    ### END SOLUTION\n", "")
    with pytest.raises(ExerciseFormatError, match=r"cell 1.*'### BEGIN SOLUTION' has no matching '### END SOLUTION'"):
        parse(HEADER + broken + VISIBLE)


def test_cell_of_an_exercise_without_instructions_is_refused():
    with pytest.raises(ExerciseFormatError, match="ex-a.*no instructions cell"):
        parse(SOLUTION + VISIBLE)


def test_points_must_be_a_positive_number():
    with pytest.raises(ExerciseFormatError, match="positive number"):
        parse(HEADER.replace('"points": 1', '"points": 0') + SOLUTION + VISIBLE)


def test_unknown_role_is_refused_and_lists_the_roles():
    with pytest.raises(ExerciseFormatError, match="instructions, hint, solution, visible-tests, hidden-tests"):
        parse(HEADER + SOLUTION.replace('"solution"', '"answer"') + VISIBLE)


def test_an_exercise_needs_visible_tests():
    with pytest.raises(ExerciseFormatError, match="no visible-tests cell"):
        parse(HEADER + SOLUTION)


def test_a_tests_cell_must_define_test_functions():
    with pytest.raises(ExerciseFormatError, match="at least one top-level function named test_"):
        parse(HEADER + SOLUTION + VISIBLE.replace("def test_f", "def check_f"))


def test_visible_tests_must_be_deterministic():
    flaky = VISIBLE.replace("assert f() == 1", "import random\n    assert f() == random.randint(1, 1)")
    with pytest.raises(ExerciseFormatError, match=r"deterministic.*random.randint\(\) on line 3"):
        parse(HEADER + SOLUTION + flaky)


def test_a_fixed_seed_is_deterministic_enough():
    seeded = VISIBLE.replace("assert f() == 1", "import random\n    assert f() == random.Random(0).randint(1, 1)")
    assert parse(HEADER + SOLUTION + seeded)[0].visible.names == ("test_f",)


def test_starter_block_belongs_to_the_region_before_it():
    source = "x = 1\n### BEGIN SOLUTION\ny = 2\n### END SOLUTION\n### BEGIN STARTER\n# y = ...\n### END STARTER\nz = 3"
    (region,) = find_regions(source)
    assert (region.begin, region.end, region.starter) == (1, 6, ["# y = ..."])


def test_nested_regions_are_refused():
    with pytest.raises(ExerciseFormatError, match="has no matching"):
        find_regions("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION")


def test_a_percent_script_wins_over_its_paired_notebook(tmp_path):
    (tmp_path / "01_intro.py").write_text(FIXTURE.read_text())
    (tmp_path / "01_intro.ipynb").write_text("{}")
    (tmp_path / "02_next.ipynb").write_text("{}")
    (tmp_path / "helpers.py").write_text("x = 1\n")  # not a percent script: not a notebook
    assert {k: v.name for k, v in solution_sources(tmp_path).items()} == {
        "01_intro": "01_intro.py", "02_next": "02_next.ipynb",
    }


def test_the_spec_of_the_check_cell_round_trips():
    exercise = parse_exercises(read_notebook(FIXTURE), "fixture")[0]
    spec = decode_spec(encode_spec(exercise))
    assert spec["hints"] == exercise.hints and spec["points"] == 2.0 and spec["title"] == "Mean of a list"
