"""Reports and the grader's pure parts: reading submissions, ids, environment, scoring, files."""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path

import pytest

from mmcourse.grading.batch import scrub_environment
from mmcourse.grading.report import (
    gradebook_csv,
    gradescope_results,
    mask_secrets,
    read_cache_index,
    write_reports,
)
from mmcourse.grading.runner import (
    SubmissionError,
    defined_names,
    load_assignment,
    match_assignment,
    parse_submission,
    plan_tests,
    submission_ids,
)

FIXTURES = Path(__file__).parent / "fixtures" / "grading"
sys.path.insert(0, str(FIXTURES))
import submissions  # noqa: E402  (the fixture builders live next to the fixture notebooks)


@pytest.fixture(scope="module")
def assignment():
    return load_assignment(FIXTURES / "solutions" / "fixture.py")


def report(name: str, mean: float, words: float, status: str = "graded") -> dict:
    return {
        "submission": name, "notebook": "fixture", "status": status, "score": mean + words, "max_score": 5.0,
        "notes": ["cell 4 crashed the kernel and was skipped"],
        "exercises": [
            {"id": "ex-mean", "title": "Mean of a list", "score": mean, "max_score": 2.0, "status": "partial",
             "feedback": [], "tests": [{"name": "test_random_lists", "visibility": "hidden",
                                        "status": "failed", "message": "expected 2.5, got 0.0"}]},
            {"id": "ex-words", "title": "Count words", "score": words, "max_score": 3.0, "status": "passed",
             "feedback": [], "tests": []},
        ],
    }


def test_gradebook_has_one_row_per_submission_and_a_column_per_exercise():
    rows = list(csv.reader(io.StringIO(gradebook_csv([report("bob", 2, 3), report("alice", 1.33, 0)]))))
    assert rows == [
        ["submission", "notebook", "status", "ex-mean", "ex-words", "score", "max_score"],
        ["alice", "fixture", "graded", "1.33", "0", "1.33", "5"],
        ["bob", "fixture", "graded", "2", "3", "5", "5"],
    ]


def test_gradescope_results_follow_its_schema():
    results = gradescope_results(report("alice", 1.33, 3))
    assert results["score"] == 4.33
    assert [set(t) for t in results["tests"]] == [{"name", "score", "max_score", "output", "visibility"}] * 2
    assert results["tests"][0]["name"] == "ex-mean: Mean of a list"
    assert "hidden test test_random_lists: failed: expected 2.5, got 0.0" in results["tests"][0]["output"]


def test_write_reports_is_atomic_and_leaves_no_temp_files(tmp_path):
    write_reports(tmp_path, [report("alice", 2, 3)], gradescope=True)
    names = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file())
    assert names == [".mmcourse-cache.json", "alice.json", "gradebook.csv", "gradescope/alice/results.json",
                     "results.json"]
    assert json.loads((tmp_path / "alice.json").read_text())["score"] == 5


def test_the_test_plan_names_tests_without_revealing_the_solution_path(assignment):
    plan = plan_tests(assignment)
    assert [t["key"] for t in plan][:3] == [
        "ex-mean/visible-tests/0/test_mean_of_three", "ex-mean/visible-tests/0/test_empty_list_raises",
        "ex-mean/hidden-tests/1/test_random_lists",
    ]
    assert all("fixture" not in t["file"] and "solutions" not in t["file"] for t in plan)


def test_a_submission_runs_its_own_code_but_never_its_test_cells(assignment):
    sub = parse_submission(submissions.make("correct"), assignment.locked)
    code = "\n".join(source for _, source in sub.cells)
    assert "def mean(xs):" in code and "check(" not in code and "register(" not in code
    assert sorted(sub.answers) == ["ex-mean", "ex-words"] and sub.notes == []


def test_a_check_cell_stripped_of_its_metadata_is_still_not_run(assignment):
    text = submissions.make("correct").replace('"role": "check"', '"role": "mine"')
    sub = parse_submission(text, assignment.locked)
    assert not any("register(" in source for _, source in sub.cells)


def test_edited_or_deleted_test_cells_are_noted(assignment):
    for kind in ("edited-test-cells", "deleted-test-cells"):
        notes = parse_submission(submissions.make(kind), assignment.locked).notes
        assert notes == [f"the check cell of {ex} was edited or deleted; the grader used its own copy"
                         for ex in ("ex-mean", "ex-words")]


@pytest.mark.parametrize("kind", ["malformed", "not-a-notebook"])
def test_broken_files_are_refused_with_a_reason(kind):
    with pytest.raises(SubmissionError, match="not a readable notebook"):
        parse_submission(submissions.make(kind))


def test_submission_ids_are_unique_and_safe():
    paths = [Path("a/lab 1.ipynb"), Path("b/lab 1.ipynb"), Path("c/alice.ipynb")]
    assert submission_ids(paths) == ["a-lab-1", "b-lab-1", "alice"]


def test_the_grader_removes_key_variables_from_its_own_environment():
    env = {"OPENAI_API_KEY": "sk-secret-value-1234567890", "MY_SERVICE_TOKEN": "tok-123456", "PATH": "/usr/bin",
           "MMCOURSE_SCOPE": "kept"}
    removed = scrub_environment(env)
    assert env == {"PATH": "/usr/bin", "MMCOURSE_SCOPE": "kept"}
    assert sorted(removed) == ["sk-secret-value-1234567890", "tok-123456"]


def test_reports_mask_key_shaped_strings_and_known_secrets():
    text = ("sk-proj-abcdefghijklmnop1234 and sk-ant-api03-ZYXWVUTSRQPONMLK and AIza" + "x" * 35
            + " and Bearer abcdefghijklmnopqrstuvwxyz and my-grader-secret")
    masked = mask_secrets({"notes": [text]}, ["my-grader-secret"])["notes"][0]
    assert masked == "<redacted> and <redacted> and <redacted> and Bearer <redacted> and <redacted>"


def test_written_reports_are_masked_and_indexed_for_the_cache(tmp_path):
    leaky = report("alice", 2, 3)
    leaky["notes"] = ["printed sk-abcdefghijklmnopqrstuvwx"]
    write_reports(tmp_path, [leaky])
    text = (tmp_path / "alice.json").read_text()
    assert "sk-abc" not in text and "<redacted>" in text
    import hashlib

    assert read_cache_index(tmp_path) == {"alice": hashlib.sha256(text.encode()).hexdigest()}


def test_the_learner_names_are_what_solution_cells_define_not_import():
    source = "import os\nfrom x import y\nLIMIT = 3\na, (b, c) = 1, (2, 3)\ndef f():\n    z = 1\nclass K:\n    pass"
    assert defined_names(source) == {"LIMIT", "a", "b", "c", "f", "K"}


def test_a_submission_is_matched_by_metadata_then_name(tmp_path, assignment):
    other = load_assignment(FIXTURES / "solutions" / "fixture.py")
    other.stem = "other"
    renamed = tmp_path / "whatever.ipynb"
    renamed.write_text(submissions.make("correct"))
    both = {"fixture": assignment, "other": other}
    assert match_assignment(renamed, both) == (assignment, None)
    broken = tmp_path / "mystery.ipynb"
    broken.write_text("{")
    found, problem = match_assignment(broken, both)
    assert found is None and "fixture, other" in problem
