"""Benchmark: grading a class of generated submissions with mmcourse, and with nbgrader side by side.

    python tests/bench/bench_grading.py [--students 30]

Runs ``mmcourse grade`` (one worker, then two) and ``nbgrader autograde`` (one process, one
kernel per submission) as command lines on an equivalent assignment (same two exercises, same
answers, visible and hidden tests in nbgrader's own format), checks that BOTH graders gave every
submission the score it deserves (a run whose scores are wrong is void, not fast), and prints
seconds per submission, submissions per minute and the like-for-like one-worker ratio.
nbgrader is not a dependency: when it is not installed the benchmark says so and still prints
our figures.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
FIXTURES = HERE.parent / "fixtures" / "grading"
sys.path.insert(0, str(FIXTURES))
import submissions  # noqa: E402

KINDS = ("correct", "half", "starter", "hard-coded")  # a realistic mix, cycled over the class


def answers_for(kind: str) -> tuple[str | None, str | None]:
    return {
        "correct": (submissions.MEAN_OK, submissions.WORDS_OK),
        "half": (submissions.MEAN_OK, None),
        "starter": (None, None),
        "hard-coded": (submissions.MEAN_HARDCODED, submissions.WORDS_HARDCODED),
    }[kind]


# The score each kind deserves out of 5: mmcourse scores each test, nbgrader each test cell (all
# of a cell's visible and hidden assertions together), so hard-coded answers differ.
MMCOURSE_SCORES = {"correct": 5.0, "half": 2.0, "starter": 0.0, "hard-coded": 3.33}
NBGRADER_SCORES = {"correct": 5.0, "half": 2.0, "starter": 0.0, "hard-coded": 0.0}


def write_class(folder: Path, students: int) -> None:
    folder.mkdir(parents=True)
    for n in range(students):
        mean, words = answers_for(KINDS[n % len(KINDS)])
        (folder / f"student{n:03d}.ipynb").write_text(nbformat.writes(submissions.with_answers(mean, words)))


def bench_mmcourse(students: int, jobs: int, work: Path) -> float:
    """Seconds for ``mmcourse grade`` on the class, from the command line, scores checked."""
    from mmcourse.grading.exercise import read_notebook

    root = work / f"mmcourse-j{jobs}"
    write_class(root / "submitted", students)
    solutions = root / "solutions"  # the executed .ipynb, as a teacher's runtime install grades
    solutions.mkdir()
    nbformat.write(read_notebook(FIXTURES / "solutions" / "fixture.py"), solutions / "fixture.ipynb")
    command = [sys.executable, "-m", "mmcourse", "grade", str(root / "submitted"), "--out", str(root / "out"),
               "--solutions", str(solutions), "--jobs", str(jobs), "--timeout", "30"]
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    with open(root / "out" / "gradebook.csv", newline="") as handle:
        scores = {row["submission"]: float(row["score"]) for row in csv.DictReader(handle)}
    check_scores("mmcourse", scores, MMCOURSE_SCORES, students)
    return seconds


def check_scores(grader: str, scores: dict[str, float], deserved: dict[str, float], students: int) -> None:
    wrong = {}
    for n in range(students):
        got, want = scores.get(f"student{n:03d}"), deserved[KINDS[n % len(KINDS)]]
        if got is None or abs(got - want) > 0.01:
            wrong[f"student{n:03d}"] = (got, want)
    if wrong:
        raise RuntimeError(f"{grader} gave wrong scores (got, deserved): {dict(list(wrong.items())[:6])}; "
                           "the comparison is void")


# --- the same assignment in nbgrader's format --------------------------------------------------

NB_META = {"schema_version": 3, "solution": False, "grade": False, "locked": True, "task": False}


def nbgrader_source() -> nbformat.NotebookNode:
    """The fixture assignment as an nbgrader source notebook (hidden tests between markers)."""
    from mmcourse.grading.exercise import parse_exercises, read_notebook

    solution = read_notebook(FIXTURES / "solutions" / "fixture.py")
    exercises = {e.id: e for e in parse_exercises(solution, "fixture")}
    cells = [nbformat.v4.new_code_cell(
        "import random\nimport string\nfrom mmcourse.grading import expect\n\n"
        "PUNCTUATION = string.punctuation\nrng = random.Random(0)",
        metadata={"nbgrader": {**NB_META, "grade_id": "setup"}})]
    for ex_id, exercise in exercises.items():
        answer = solution.cells[exercise.solution_cells[0]].source
        cells.append(nbformat.v4.new_code_cell(answer, metadata={"nbgrader": {
            **NB_META, "solution": True, "locked": False, "grade_id": f"{ex_id}-answer"}}))
        visible = exercise.visible.source + "\n\n" + "\n".join(f"{n}()" for n in exercise.visible.names)
        hidden = "\n\n".join(
            h.source + "\n\n" + "\n".join(f"{n}(rng)" for n in h.names) for h in exercise.hidden)
        cells.append(nbformat.v4.new_code_cell(
            f"{visible}\n### BEGIN HIDDEN TESTS\n{hidden}\n### END HIDDEN TESTS",
            metadata={"nbgrader": {**NB_META, "grade": True, "points": exercise.points,
                                   "grade_id": f"{ex_id}-tests"}}))
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    return nb


def nbgrader_command() -> str | None:
    """The nbgrader script of this interpreter's environment (or on PATH), None when absent."""
    beside = Path(sys.executable).with_name("nbgrader")
    return str(beside) if beside.is_file() else shutil.which("nbgrader")


def bench_nbgrader(students: int, work: Path) -> float | None:
    nbgrader = nbgrader_command()
    if nbgrader is None:
        return None
    root = work / "nbgrader"
    (root / "source" / "ps1").mkdir(parents=True)
    (root / "nbgrader_config.py").write_text(
        f"c = get_config()\nc.CourseDirectory.root = {str(root)!r}\n"
        "c.CourseDirectory.course_id = 'bench'\nc.ExecutePreprocessor.timeout = 30\n")
    nbformat.write(nbgrader_source(), root / "source" / "ps1" / "fixture.ipynb")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    run = {"cwd": root, "check": True, "capture_output": True, "text": True, "env": env}  # its kernel: this venv
    subprocess.run([nbgrader, "generate_assignment", "ps1", "--force"], **run)
    released = nbformat.read(root / "release" / "ps1" / "fixture.ipynb", as_version=4)
    for n in range(students):
        mean, words = answers_for(KINDS[n % len(KINDS)])
        nb = nbformat.from_dict(json.loads(nbformat.writes(released)))
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            new = {"ex-mean-answer": mean, "ex-words-answer": words}.get(grade_id)
            if new is not None:
                cell.source = new
        target = root / "submitted" / f"student{n:03d}" / "ps1"
        target.mkdir(parents=True)
        nbformat.write(nb, target / "fixture.ipynb")
        (target / "timestamp.txt").write_text("2026-01-01 00:00:00.000000 UTC")
    started = time.perf_counter()
    subprocess.run([nbgrader, "autograde", "ps1", "--create", "--force"], **run)
    seconds = time.perf_counter() - started
    graded = len(list((root / "autograded").glob("*/ps1/fixture.ipynb")))
    if graded != students:
        raise RuntimeError(f"nbgrader autograded {graded} of {students} submissions: the comparison is void")
    subprocess.run([nbgrader, "export", "--to", str(root / "grades.csv")], **run)
    with open(root / "grades.csv", newline="") as handle:
        scores = {row["student_id"]: float(row["raw_score"]) for row in csv.DictReader(handle)}
    check_scores("nbgrader", scores, NBGRADER_SCORES, students)
    return seconds


def report(name: str, seconds: float, students: int) -> None:
    print(f"{name:<22} {seconds:8.1f} s total  {seconds / students:6.2f} s/submission  "
          f"{students * 60 / seconds:7.1f} submissions/min")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=30)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as tmp:
        work = Path(tmp)
        before = bench_mmcourse(args.students, 1, work / "before")
        two = bench_mmcourse(args.students, 2, work / "before")
        theirs = bench_nbgrader(args.students, work)
        # One-worker runs on both sides of nbgrader's: a machine whose load changes meanwhile
        # (CI, other jobs) moves both, not just one.
        one = (before + bench_mmcourse(args.students, 1, work / "after")) / 2 if theirs else before
        print(f"{args.students} generated submissions, 2 exercises, {os.cpu_count()} cores; every score checked")
        report("mmcourse grade (j=1)", one, args.students)
        report("mmcourse grade (j=2)", two, args.students)
        if theirs is None:
            print("nbgrader autograde      not installed (pip install nbgrader to compare); "
                  "our figures above stand alone")
            return 0
        report("nbgrader autograde", theirs, args.students)
        print(f"like for like, one worker each: mmcourse grades {theirs / one:.2f}x as many submissions "
              f"per minute as nbgrader (two workers: {theirs / two:.2f}x)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
