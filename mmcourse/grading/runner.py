"""Grade a class: each submission in an OS sandbox, its verdicts decided outside it.

For one submission the grader
1. reads the notebook (a broken file scores 0 with a reason, the batch goes on),
2. runs the student's code cells, never their copies of the tests, in a fresh sandbox forked
   from a warm interpreter (``zygote.py``, ``sandbox.py``: namespaces, limits, a private
   emulator), with a time limit per cell; a cell that hangs or kills the sandbox is skipped
   on a restart,
3. runs the visible and hidden tests from the trusted solution notebook in a **judge** forked
   from the reference solution (``judge.py``): the tests call the learner's functions across
   the channel (``rpc.py``) and get plain values back; every comparison, every ``assert``, and
   the reading of the emulator's log happen in the judge, so a sandbox can only lie about what
   its functions returned,
4. scores outside both: points x tests passed / tests, per exercise.
"""

from __future__ import annotations

import ast
import concurrent.futures
import hashlib
import json
import re
import secrets
import sys
import time
import traceback
from dataclasses import dataclass, field, replace
from pathlib import Path

from mmcourse.grading.exercise import (
    SOLUTION,
    TEST_ROLES,
    VISIBLE_TESTS,
    Exercise,
    cell_role,
    checksum,
    grading_sources,
    normalize_source,
    parse_exercises,
    read_notebook,
)
from mmcourse.grading.testing import CRASHED, NOT_ATTEMPTED, PASSED, TIMEOUT

GRADER_VERSION = "2"
MAX_ATTEMPTS = 4  # sandboxes per submission: one, plus restarts after hangs and crashes


@dataclass(frozen=True)
class Settings:
    """Limits and shared context for one grading batch."""

    timeout: float = 60.0  # seconds per cell and per test
    memory_mb: int = 2048  # address space per sandboxed process
    cpu_seconds: int = 600  # CPU time per sandboxed process
    processes: int = 64  # processes and threads per sandbox
    disk_mb: int = 256  # the sandbox's home and /tmp
    seed: str = ""
    output_cap: int = 1_000_000  # characters of output per cell before it counts as a flood
    emulator_url: str | None = None  # the reference solution's emulator (default: one of our own)
    unsandboxed: bool = False  # grade without namespaces, on purpose (see FORMAT.md)


@dataclass
class Assignment:
    """A solution notebook prepared for grading."""

    stem: str
    source: Path
    digest: str
    exercises: list[Exercise]
    starters: dict[str, list[str]]  # exercise id -> starter sources of its solution cells
    locked: dict[str, str]  # checksum of each locked cell -> what it is
    names: set[str] = field(default_factory=set)  # what the solution cells define: the learner's names
    reference_cells: list[tuple[int, str]] = field(default_factory=list)  # code the reference runs


def defined_names(source: str) -> set[str]:
    """Top-level names a cell binds by def, class or assignment (imports are not answers)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    names = set()
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign | ast.AugAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
    return names


def load_assignment(path: str | Path) -> Assignment:
    """Parse a solution notebook and release it in memory (for starters and locked-cell checksums)."""
    from mmcourse.grading.release import release_notebook

    path = Path(path)
    solution = read_notebook(path)
    exercises = parse_exercises(solution, where=path.name)
    released = release_notebook(solution, path.stem)
    starters: dict[str, list[str]] = {}
    locked = {}
    for cell in released.cells:
        exercise, role = cell_role(cell)
        if role == SOLUTION:
            starters.setdefault(exercise, []).append(normalize_source(cell["source"]))
        meta_sum = cell.metadata.get("mmcourse", {}).get("checksum")
        if meta_sum:
            locked[meta_sum] = f"the {role} cell of {exercise}"
    names = set()
    for exercise in exercises:
        for index in exercise.solution_cells:
            names |= defined_names(normalize_source(solution.cells[index]["source"]))
    reference_cells = [(i, normalize_source(c["source"])) for i, c in enumerate(solution.cells)
                       if c["cell_type"] == "code" and cell_role(c)[1] not in TEST_ROLES]
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return Assignment(path.stem, path, digest, exercises, starters, locked, names, reference_cells)


def load_assignments(solutions: str | Path) -> dict[str, Assignment]:
    """Every solution notebook in a folder, by stem."""
    found = {stem: load_assignment(path) for stem, path in grading_sources(solutions).items()}
    if not found:
        raise FileNotFoundError(f"no solution notebooks (*.ipynb, or *.py percent scripts) in {solutions}")
    return found


# --- reading a submission ----------------------------------------------------------------------


@dataclass
class Submission:
    """What the grader takes from a student's notebook."""

    cells: list[tuple[int, str]] = field(default_factory=list)  # (cell index, code) to execute
    answers: dict[str, list[int]] = field(default_factory=dict)  # exercise -> answer cell indices
    sources: dict[int, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    stem: str | None = None


class SubmissionError(ValueError):
    """The submission cannot be graded at all (the message is shown to the student)."""


def parse_submission(text: str, assignment_locked: dict[str, str] | None = None) -> Submission:
    """Read a submitted notebook's text; raise SubmissionError when it is not a notebook."""
    try:
        nb = json.loads(text)
    except (ValueError, RecursionError) as exc:
        raise SubmissionError(f"not a readable notebook ({type(exc).__name__}: {str(exc)[:200]})") from None
    if isinstance(nb, dict) and nb.get("nbformat", 4) != 4:
        raise SubmissionError(f"not a readable notebook (nbformat {nb.get('nbformat')!r}; save it as version 4)")
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        raise SubmissionError("not a readable notebook (no list of cells)")
    meta = nb.get("metadata") if isinstance(nb.get("metadata"), dict) else {}
    released = meta.get("mmcourse") if isinstance(meta.get("mmcourse"), dict) else {}
    sub = Submission(stem=released.get("source"))
    seen_locked = set()
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw") \
                or not isinstance(cell.get("metadata", {}), dict):
            raise SubmissionError(f"not a readable notebook (cell {index} is malformed)")
        source = cell.get("source", "")
        if not isinstance(source, str | list) or (isinstance(source, list) and
                                                   not all(isinstance(line, str) for line in source)):
            raise SubmissionError(f"not a readable notebook (cell {index} has no source text)")
        source = normalize_source(source)
        exercise, role = cell_role(cell)
        digest = checksum({"cell_type": cell["cell_type"], "source": source})
        if assignment_locked and digest in assignment_locked:
            seen_locked.add(digest)
        if cell["cell_type"] != "code":
            continue
        if role in TEST_ROLES or (assignment_locked and digest in assignment_locked):
            continue  # the grader runs its own copy of the tests, never the student's
        if role == SOLUTION and exercise:
            sub.answers.setdefault(exercise, []).append(index)
        sub.cells.append((index, source))
        sub.sources[index] = source
    for digest, what in (assignment_locked or {}).items():
        if released and digest not in seen_locked:  # only a released notebook had locked cells
            sub.notes.append(f"{what} was edited or deleted; the grader used its own copy")
    return sub


# --- one submission ----------------------------------------------------------------------------


def plan_tests(assignment: Assignment) -> list[dict]:
    """The tests the harness runs, visible then hidden, each with a key and an opaque file name."""
    plan = []
    for exercise in assignment.exercises:
        for n, cell in enumerate(exercise.tests):
            for name in cell.names:
                plan.append({
                    "key": f"{exercise.id}/{cell.kind}/{n}/{name}",
                    "exercise": exercise.id, "kind": cell.kind, "name": name,
                    "source": cell.source, "file": f"<mmcourse-test-{exercise.id}-{n}>",
                })
    return plan


def grade_submission(path: str | Path, submission_id: str, assignment: Assignment | None,
                     settings: Settings, problem: str | None = None, batch=None) -> dict:
    """Grade one notebook; always returns a report (problems become feedback, not exceptions)."""
    path = Path(path)
    started = time.monotonic()
    data = path.read_bytes() if path.is_file() else b""
    report = {
        "submission": submission_id, "path": str(path), "sha256": hashlib.sha256(data).hexdigest(),
        "notebook": assignment.stem if assignment else None,
        "assignment_sha256": assignment.digest if assignment else None,
        "grader_version": GRADER_VERSION, "seed": settings.seed,
        "sandbox": batch.mode if batch else None,
        "status": "graded", "score": 0.0, "max_score": 0.0, "exercises": [], "notes": [],
    }
    if assignment is not None:
        report["max_score"] = sum(e.points for e in assignment.exercises)
    if problem or assignment is None:
        return _finish(report, "ungradable", problem or "no matching assignment", assignment, started)
    try:
        sub = parse_submission(data.decode("utf-8", errors="replace"), assignment.locked)
    except SubmissionError as exc:
        return _finish(report, "ungradable", str(exc), assignment, started)
    report["notes"].extend(sub.notes)

    plan = plan_tests(assignment)
    results: dict[str, dict] = {}
    skip: set[int] = set()
    cell_errors: dict[int, str] = {}
    truncated: set[int] = set()
    network = batch.network(assignment)
    try:
        for number in range(MAX_ATTEMPTS):
            pending = [t for t in plan if t["key"] not in results]
            if number and not pending:
                break
            attempt = batch.attempt(assignment, sub.cells, skip, pending, network)
            cell_errors.update(attempt.cell_errors)
            truncated |= attempt.truncated
            results.update(attempt.results)
            if attempt.fatal_cell:
                index, kind = attempt.fatal_cell
                skip.add(index)
                what = f"ran past the {settings.timeout:g} s limit" if kind == "timeout" else "crashed the sandbox"
                report["notes"].append(f"cell {index} {what} and was skipped")
                continue
            if attempt.fatal_test:
                key, kind = attempt.fatal_test
                if key not in results:
                    results[key] = {"status": CRASHED, "message": "the sandbox died while this test ran"}
                # The exercise's other tests would likely do it again: one restart per exercise at most.
                stopped = next(t["exercise"] for t in plan if t["key"] == key)
                why = "killed the sandbox" if kind == "died" else "ran past the time limit and was stopped"
                for test in plan:
                    if test["exercise"] == stopped and test["key"] not in results:
                        status = CRASHED if kind == "died" else TIMEOUT
                        results[test["key"]] = {"status": status,
                                                "message": f"not run: an earlier test of this exercise {why}"}
                continue
            break
    finally:
        batch.retire(network)
    for index in sorted(truncated):
        report["notes"].append(f"cell {index} printed more than {settings.output_cap // 1000} kB; the rest was dropped")
    report["exercises"] = [
        score_exercise(exercise, plan, results, sub, cell_errors, assignment.starters)
        for exercise in assignment.exercises
    ]
    report["score"] = round(sum(e["score"] for e in report["exercises"]), 2)
    report["cell_errors"] = {str(k): v for k, v in sorted(cell_errors.items())}
    report["seconds"] = round(time.monotonic() - started, 2)
    return report


def grade_safely(path: Path, ident: str, assignment: Assignment | None, settings: Settings,
                 problem: str | None, batch) -> dict:
    """``grade_submission``, with any failure of the grader itself turned into an ungradable row."""
    try:
        return grade_submission(path, ident, assignment, settings, problem, batch)
    except Exception as exc:  # noqa: BLE001 - one submission never stops the batch
        traceback.print_exc(file=sys.stderr)
        report = {"submission": ident, "path": str(path), "sha256": None, "notebook": getattr(assignment, "stem", None),
                  "assignment_sha256": None, "grader_version": GRADER_VERSION, "seed": settings.seed,
                  "sandbox": batch.mode, "status": "graded", "score": 0.0, "max_score": 0.0,
                  "exercises": [], "notes": []}
        return _finish(report, "ungradable", f"the grader failed on this submission ({type(exc).__name__}: "
                       f"{str(exc)[:200]}); grade it again", assignment, time.monotonic())


def _finish(report: dict, status: str, reason: str, assignment: Assignment | None, started: float) -> dict:
    report["status"] = status
    report["notes"].append(reason)
    if assignment is not None:
        report["exercises"] = [
            {"id": e.id, "title": e.title, "score": 0.0, "max_score": e.points, "status": status,
             "tests": [], "feedback": [reason]}
            for e in assignment.exercises
        ]
    report["seconds"] = round(time.monotonic() - started, 2)
    return report


def score_exercise(exercise: Exercise, plan: list[dict], results: dict[str, dict], sub: Submission,
                   cell_errors: dict[int, str], starters: dict[str, list[str]]) -> dict:
    """Points for one exercise: its points times the share of its tests that passed."""
    tests = []
    for test in (t for t in plan if t["exercise"] == exercise.id):
        result = results.get(test["key"], {"status": TIMEOUT, "message": "not run (the sandbox kept failing)"})
        tests.append({
            "name": test["name"],
            "visibility": "visible" if test["kind"] == VISIBLE_TESTS else "hidden",
            "status": result["status"], "message": result["message"],
        })
    passed = sum(t["status"] == PASSED for t in tests)
    score = round(exercise.points * passed / len(tests), 2) if tests else 0.0
    feedback = []
    for index in sub.answers.get(exercise.id, []):
        if index in cell_errors:
            feedback.append(f"your answer cell (cell {index}) raised {cell_errors[index]}")
    if not sub.answers.get(exercise.id):
        feedback.append("the answer cell of this exercise is missing (its tests ran against the rest of the notebook)")
    if passed == len(tests):
        status = "passed"
    elif passed:
        status = "partial"
    elif _unchanged_starter(exercise.id, sub, starters) or all(t["status"] == NOT_ATTEMPTED for t in tests):
        status = "not attempted"
    else:
        status = "failed"
    return {"id": exercise.id, "title": exercise.title, "score": score, "max_score": exercise.points,
            "status": status, "tests": tests, "feedback": feedback}


def _unchanged_starter(exercise_id: str, sub: Submission, starters: dict[str, list[str]]) -> bool:
    answers = [sub.sources[i] for i in sub.answers.get(exercise_id, [])]
    return answers == starters.get(exercise_id)


# --- a class -----------------------------------------------------------------------------------


def submission_ids(paths: list[Path]) -> list[str]:
    """Unique, filesystem-safe ids: the file stem, or folder-stem when stems collide."""
    def clean(text: str) -> str:
        return re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-.") or "submission"

    stems = [clean(p.stem) for p in paths]
    ids = [s if stems.count(s) == 1 else clean(f"{p.parent.name}-{p.stem}") for s, p in zip(stems, paths, strict=True)]
    seen: dict[str, int] = {}
    unique = []
    for ident in ids:
        seen[ident] = seen.get(ident, 0) + 1
        unique.append(ident if seen[ident] == 1 else f"{ident}-{seen[ident]}")
    return unique


def match_assignment(path: Path, assignments: dict[str, Assignment]) -> tuple[Assignment | None, str | None]:
    """Which solution notebook a submission answers: its metadata, its file name, or the only one."""
    stem = None
    try:
        meta = json.loads(path.read_text(encoding="utf-8", errors="replace")).get("metadata", {})
        stem = meta.get("mmcourse", {}).get("source") if isinstance(meta, dict) else None
    except (ValueError, OSError, AttributeError, RecursionError):
        pass
    for candidate in (stem, path.stem):
        if candidate in assignments:
            return assignments[candidate], None
    if len(assignments) == 1:
        return next(iter(assignments.values())), None
    return None, (f"cannot tell which notebook {path.name} answers: keep the released file name "
                  f"(one of {', '.join(sorted(assignments))}) or its metadata")


def expand_submissions(items: list[str | Path]) -> list[Path]:
    """Files as given; folders contribute every .ipynb inside (checkpoints skipped)."""
    paths: list[Path] = []
    for item in map(Path, items):
        if item.is_dir():
            paths.extend(p for p in sorted(item.rglob("*.ipynb")) if ".ipynb_checkpoints" not in p.parts)
        else:
            paths.append(item)
    return paths


def grade_all(submissions: list[str | Path], solutions: str | Path, out: str | Path, *, jobs: int = 0,
              settings: Settings = Settings(), gradescope: bool = False, force: bool = False,
              log=None, progress=None) -> list[dict]:
    """Grade submissions, ``jobs`` at a time, and write the reports; return them in submission order.

    ``progress``: a bar (mmcourse.progress) given the number of submissions and one step per report.
    """
    import os

    from mmcourse.grading.batch import Batch
    from mmcourse.grading.report import write_reports

    log = log or (lambda message: print(message, file=sys.stderr))
    paths = expand_submissions(submissions)
    if not paths:
        raise FileNotFoundError("no submissions given: pass notebook files or folders of them")
    settings = replace(settings, seed=settings.seed or secrets.token_hex(8))
    if progress is not None:
        progress.reset(total=len(paths))
    batch = Batch(settings, log)
    batch.launch()  # the zygote warms up while the solutions load
    try:
        assignments = load_assignments(solutions)
    except BaseException:
        batch.close()
        raise
    out = Path(out)
    ids = submission_ids(paths)
    reports: dict[str, dict] = {}
    with batch:
        log(f"sandbox: {batch.mode}")
        todo = []
        for path, ident in zip(paths, ids, strict=True):
            assignment, problem = match_assignment(path, assignments)
            cached = None if force else cached_report(out, ident, path, assignment, batch.mode)
            if cached:
                reports[ident] = cached
                if progress is not None:
                    progress.update(1)
                log(f"{ident}: unchanged since last run, kept {cached['score']:g}/{cached['max_score']:g}")
            else:
                todo.append((path, ident, assignment, problem))
        workers = max(1, min(jobs or os.cpu_count() or 1, len(todo) or 1))
        if not batch.isolated:
            workers = 1  # one shared emulator, reset between submissions
        with concurrent.futures.ThreadPoolExecutor(workers) as pool:
            futures = [pool.submit(grade_safely, p, i, a, settings, pr, batch) for p, i, a, pr in todo]
            for future in concurrent.futures.as_completed(futures):
                report = future.result()
                reports[report["submission"]] = report
                write_reports(out, [report], gradescope=gradescope, gradebook=False, secrets=batch.secrets)
                if progress is not None:
                    progress.update(1)
                log(f"{report['submission']}: {report['score']:g}/{report['max_score']:g} "
                    f"({report['status']}, {report['seconds']:.1f} s)")
        ordered = [reports[ident] for ident in ids]
        write_reports(out, ordered, gradescope=gradescope, gradebook=True, secrets=batch.secrets)
    return ordered


def cached_report(out: Path, ident: str, path: Path, assignment: Assignment | None, mode: str) -> dict | None:
    """The report of an earlier run, when the submission, assignment, grader and sandbox are the
    same and the report is byte for byte what the grader wrote (its hash is in the cache index)."""
    from mmcourse.grading.report import read_cache_index

    target = out / f"{ident}.json"
    if assignment is None or not target.is_file() or not path.is_file():
        return None
    raw = target.read_bytes()
    if read_cache_index(out).get(ident) != hashlib.sha256(raw).hexdigest():
        return None
    try:
        report = json.loads(raw)
    except ValueError:
        return None
    same = (
        report.get("sha256") == hashlib.sha256(path.read_bytes()).hexdigest()
        and report.get("assignment_sha256") == assignment.digest
        and report.get("grader_version") == GRADER_VERSION
        and report.get("sandbox") == mode
        and report.get("status") == "graded"
    )
    return report if same else None
