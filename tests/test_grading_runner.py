"""End to end: sandboxes and judges grade the fixture assignment and a batch of adversarial submissions.

Each scenario is one ``grade`` run shared by its tests.
"""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import jupytext
import pytest

from mmcourse.grading.cli import grade_main
from mmcourse.grading.exercise import grading_sources
from mmcourse.grading.release import release_directory
from mmcourse.grading.runner import Settings, grade_all

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures" / "grading"
ROOT = HERE.parent
sys.path.insert(0, str(FIXTURES))
import submissions  # noqa: E402

from mmcourse.grading.sandbox import probe  # noqa: E402

SANDBOX_PROBLEM = probe()
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(SANDBOX_PROBLEM is not None, reason=f"grading needs its sandbox: {SANDBOX_PROBLEM}")]


@pytest.fixture(scope="module")
def solutions(tmp_path_factory) -> Path:
    """A copy of the fixture solutions in a temp folder the kernels are never told about."""
    folder = tmp_path_factory.mktemp("instructor") / "solutions"
    folder.mkdir()
    shutil.copy(FIXTURES / "solutions" / "fixture.py", folder)
    return folder


@pytest.fixture(scope="module")
def fixture_run(solutions, tmp_path_factory):
    """Grade the solution notebook and the fresh student notebook through the CLI."""
    work = tmp_path_factory.mktemp("fixture-run")
    jupytext.write(jupytext.read(solutions / "fixture.py"), work / "solution.ipynb")
    release_directory(solutions, work / "released")
    shutil.copy(work / "released" / "fixture.ipynb", work / "student.ipynb")
    out = work / "out"
    args = [str(work / "solution.ipynb"), str(work / "student.ipynb"), "--out", str(out),
            "--solutions", str(solutions), "--jobs", "2", "--timeout", "20", "--gradescope"]
    assert grade_main(args) == 0
    return work, out, args


def load(out: Path, name: str) -> dict:
    return json.loads((out / f"{name}.json").read_text())


def test_the_solution_notebook_gets_full_marks(fixture_run):
    _, out, _ = fixture_run
    report = load(out, "solution")
    assert (report["score"], report["max_score"], report["status"]) == (5.0, 5.0, "graded")
    assert report["cell_errors"] == {}
    assert all(t["status"] == "passed" for e in report["exercises"] for t in e["tests"])


def test_the_fresh_student_notebook_gets_zero_without_errors(fixture_run):
    _, out, _ = fixture_run
    report = load(out, "student")
    assert report["score"] == 0.0 and report["cell_errors"] == {} and report["notes"] == []
    assert [e["status"] for e in report["exercises"]] == ["not attempted", "not attempted"]


def test_reports_never_contain_hidden_test_code(fixture_run):
    _, out, _ = fixture_run
    for path in out.rglob("*.json"):
        text = path.read_text()
        assert "rng.randint" not in text and "vocabulary" not in text


def test_gradebook_and_gradescope_files_are_written(fixture_run):
    _, out, _ = fixture_run
    assert (out / "gradebook.csv").read_text().splitlines() == [
        "submission,notebook,status,ex-mean,ex-words,score,max_score",
        "solution,fixture,graded,2,3,5,5",
        "student,fixture,graded,0,0,0,5",
    ]
    results = json.loads((out / "gradescope" / "student" / "results.json").read_text())
    assert results["score"] == 0.0 and len(results["tests"]) == 2


class Steps:
    """A progress bar's calls (mmcourse.progress's bars take reset(total=) and update(n))."""

    def __init__(self) -> None:
        self.total, self.n = None, 0

    def reset(self, total: int) -> None:
        self.total, self.n = total, 0

    def update(self, n: int = 1) -> None:
        self.n += n


@pytest.mark.parametrize("force", [False, True], ids=["reports kept", "graded again"])
def test_grading_reports_progress_once_per_submission(fixture_run, solutions, tmp_path, force):
    work, out, _ = fixture_run
    if force:  # into a copy, so the other tests' reports stay as the fixture wrote them
        out = shutil.copytree(out, tmp_path / "out")
    steps = Steps()
    reports = grade_all([work / "solution.ipynb", work / "student.ipynb"], solutions, out, jobs=2,
                        settings=Settings(timeout=20), force=force, log=lambda message: None,
                        progress=steps)
    assert (steps.total, steps.n) == (2, 2) == (len(reports), len(reports))


def test_a_rerun_is_idempotent_and_reuses_unchanged_reports(fixture_run, capsys):
    _, out, args = fixture_run
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    capsys.readouterr()
    assert grade_main(args) == 0
    assert "unchanged since last run" in capsys.readouterr().err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


@pytest.fixture(scope="module")
def adversarial(solutions, tmp_path_factory):
    """Every adversarial submission in one parallel batch with short limits."""
    folder = tmp_path_factory.mktemp("class")
    for kind in submissions.ADVERSARIAL:
        (folder / f"{kind}.ipynb").write_text(submissions.make(kind))
    out = folder / "out"
    reports = grade_all([folder], solutions, out, jobs=2, settings=Settings(timeout=3, memory_mb=1536),
                        log=lambda message: None)
    return {r["submission"]: r for r in reports}, out


@pytest.mark.parametrize("kind", list(submissions.ADVERSARIAL))
def test_adversarial_submission_gets_the_score_it_deserves(adversarial, kind):
    reports, _ = adversarial
    assert reports[kind]["score"] == pytest.approx(submissions.ADVERSARIAL[kind], abs=0.01), reports[kind]


def test_the_whole_adversarial_batch_is_in_the_gradebook(adversarial):
    _, out = adversarial
    rows = (out / "gradebook.csv").read_text().splitlines()
    assert len(rows) == 1 + len(submissions.ADVERSARIAL)


def test_hangs_and_crashes_are_explained(adversarial):
    reports, _ = adversarial
    assert "cell 4 ran past the 3 s limit and was skipped" in reports["infinite-loop-cell"]["notes"]
    assert "cell 4 crashed the sandbox and was skipped" in reports["kernel-crash"]["notes"]
    words = reports["infinite-loop-function"]["exercises"][1]["tests"]
    assert {t["status"] for t in words} == {"timeout"}
    crashed = reports["crash-in-function"]["exercises"][1]["tests"]
    assert [t["status"] for t in crashed] == ["crashed"] * 3


def test_a_syntax_error_is_reported_on_its_answer_cell(adversarial):
    reports, _ = adversarial
    mean = reports["syntax-error"]["exercises"][0]
    assert mean["feedback"][0].startswith("your answer cell (cell 3) raised SyntaxError")


def test_a_flood_of_output_is_cut_and_noted(adversarial):
    reports, _ = adversarial
    assert any("printed more than 1000 kB" in note for note in reports["huge-output"]["notes"])


def test_broken_files_are_ungradable_with_a_reason(adversarial):
    reports, _ = adversarial
    for kind in ("malformed", "not-a-notebook"):
        assert reports[kind]["status"] == "ungradable"
        assert reports[kind]["notes"][0].startswith("not a readable notebook")


def test_hard_coded_answers_fail_only_the_hidden_tests(adversarial):
    reports, _ = adversarial
    for exercise in reports["hard-coded"]["exercises"]:
        failed = [t["visibility"] for t in exercise["tests"] if t["status"] != "passed"]
        assert failed == ["hidden"]


def course_solutions():
    folder = ROOT / "solutions"
    return grading_sources(folder) if folder.is_dir() else {}


@pytest.mark.skipif(not course_solutions(), reason="solutions/ has no notebooks yet: nothing to grade")
def test_course_solutions_grade_full_and_fresh_notebooks_zero(tmp_path):
    """Every course solution notebook gets full marks and every fresh student notebook zero, in
    one batch; the grader reads the committed .ipynb solutions, as a runtime install does."""
    (tmp_path / "solution").mkdir()
    for stem, source in course_solutions().items():
        assert source.suffix == ".ipynb", f"{stem}: grading reads the committed notebook"
        shutil.copy(source, tmp_path / "solution" / f"{stem}.ipynb")
    release_directory(ROOT / "solutions", tmp_path / "student")
    # Same file names in two folders: ids become solution-<stem> and student-<stem>. Four at once
    # on two cores: lessons spend much of their time waiting (retry back-offs, the emulator).
    reports = grade_all([tmp_path / "solution", tmp_path / "student"], ROOT / "solutions", tmp_path / "out",
                        jobs=4, settings=Settings(timeout=120), log=lambda message: None)
    for report in reports:
        assert report["status"] == "graded" and report["cell_errors"] == {}, report
        want = report["max_score"] if report["submission"].startswith("solution-") else 0.0
        assert report["score"] == want, report


def test_a_report_changed_on_disk_is_regraded_not_reused(fixture_run, capsys):
    _, out, args = fixture_run
    report = json.loads((out / "solution.json").read_text())
    report["score"] = 0.0
    (out / "solution.json").write_text(json.dumps(report))
    capsys.readouterr()
    assert grade_main(args) == 0
    log = capsys.readouterr().err
    assert "solution: unchanged since last run" not in log and "student: unchanged since last run" in log
    assert load(out, "solution")["score"] == 5.0
