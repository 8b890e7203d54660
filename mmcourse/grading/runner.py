"""Grade a class: each submission in its own sandboxed kernel, many at once.

For one submission the grader
1. reads the notebook (a broken file scores 0 with a reason, the batch goes on),
2. executes the student's code cells, never their copies of the tests, in a fresh kernel
   (``sandbox.py``: memory cap, temp working dir, scrubbed environment, its own emulator scope),
   with a time limit per cell; a cell that hangs or kills the kernel is skipped on a restart,
3. sends the visible and hidden tests from the trusted solution notebook to the harness inside
   the kernel, which runs each in a copy of the student's namespace and streams verdicts back
   over a private socket; a test that kills the kernel fails and the rest resume on a restart,
4. scores outside the kernel: points x tests passed / tests, per exercise.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import hashlib
import json
import multiprocessing
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import nbformat
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError

from mmcourse.grading.exercise import (
    SOLUTION,
    TEST_ROLES,
    VISIBLE_TESTS,
    Exercise,
    cell_role,
    checksum,
    normalize_source,
    parse_exercises,
    read_notebook,
    solution_sources,
)
from mmcourse.grading.release import release_notebook
from mmcourse.grading.testing import CRASHED, NOT_ATTEMPTED, PASSED, TIMEOUT

GRADER_VERSION = "1"
MAX_ATTEMPTS = 4  # kernel starts per submission: one, plus restarts after hangs and crashes
KEY_VARS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY")


@dataclass(frozen=True)
class Settings:
    """Limits and shared context for one grading batch."""

    timeout: float = 60.0  # seconds per cell and per test
    memory_mb: int = 2048
    seed: str = ""
    output_cap: int = 1_000_000  # bytes of output kept per cell; the rest is dropped
    startup_timeout: float = 90.0
    emulator_url: str | None = None


@dataclass
class Assignment:
    """A solution notebook prepared for grading: its exercises and its released student version."""

    stem: str
    source: Path
    digest: str
    exercises: list[Exercise]
    starters: dict[str, list[str]]  # exercise id -> starter sources of its solution cells
    locked: dict[str, str]  # checksum of each locked cell -> what it is


def load_assignment(path: str | Path) -> Assignment:
    """Parse a solution notebook and release it in memory (for starters and locked-cell checksums)."""
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
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    return Assignment(path.stem, path, digest, exercises, starters, locked)


def load_assignments(solutions: str | Path) -> dict[str, Assignment]:
    """Every solution notebook in a folder, by stem."""
    found = {stem: load_assignment(path) for stem, path in solution_sources(solutions).items()}
    if not found:
        raise FileNotFoundError(f"no solution notebooks (*.py percent scripts or *.ipynb) in {solutions}")
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
        nb = nbformat.reads(text, as_version=4)
    except Exception as exc:  # nbformat raises many types for broken files
        raise SubmissionError(f"not a readable notebook ({type(exc).__name__}: {str(exc)[:200]})") from exc
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list):
        raise SubmissionError("not a readable notebook (no list of cells)")
    meta = nb.get("metadata") if isinstance(nb.get("metadata"), dict) else {}
    released = meta.get("mmcourse") if isinstance(meta.get("mmcourse"), dict) else {}
    sub = Submission(stem=released.get("source"))
    seen_locked = set()
    for index, cell in enumerate(cells):
        if not isinstance(cell, dict) or cell.get("cell_type") not in ("code", "markdown", "raw"):
            raise SubmissionError(f"not a readable notebook (cell {index} is malformed)")
        source = cell.get("source", "")
        if not isinstance(source, str | list):
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


# --- the kernel --------------------------------------------------------------------------------


class SandboxKernelManager(AsyncKernelManager):
    """An ipykernel started through mmcourse.grading.sandbox (limits + harness first)."""

    sandbox_args: list[str] = []

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        connection = os.path.realpath(self.connection_file)
        return [sys.executable, "-m", "mmcourse.grading.sandbox", *self.sandbox_args,
                "-f", connection, *(extra_arguments or [])]


class GradingClient(NotebookClient):
    """nbclient with capped outputs and a record of which cells raised (from the kernel's reply)."""

    def __init__(self, *args, output_cap: int = 1_000_000, **kwargs):
        super().__init__(*args, **kwargs)
        self.output_cap = output_cap
        self.output_bytes: dict[int, int] = {}
        self.truncated: set[int] = set()
        self.cell_errors: dict[int, str] = {}

    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        size = len(content.get("text", "")) + sum(len(str(v)) for v in content.get("data", {}).values())
        used = self.output_bytes.get(cell_index, 0) + size
        self.output_bytes[cell_index] = used
        if used > self.output_cap:
            self.truncated.add(cell_index)
            return None  # dropped: a flood of output must not exhaust the grader's memory
        return super().output(outs, msg, display_id, cell_index)

    async def _check_raise_for_error(self, cell, cell_index, exec_reply):
        # The reply's status is set by the kernel, not by tracebacks in the output, so a
        # submission that silences showtraceback is still seen to have raised.
        if exec_reply and exec_reply["content"].get("status") == "error":
            content = exec_reply["content"]
            self.cell_errors[cell_index] = f"{content.get('ename', 'Error')}: {str(content.get('evalue', ''))[:300]}"
        return None


@dataclass
class Attempt:
    """What one kernel run achieved."""

    cell_errors: dict[int, str] = field(default_factory=dict)
    truncated: set[int] = field(default_factory=set)
    fatal_cell: tuple[int, str] | None = None  # (cell index, "timeout" | "crash")
    results: dict[str, dict] = field(default_factory=dict)
    fatal_test: str | None = None  # key of the test that was running when the kernel died


def kernel_env(scope: str, settings: Settings, workdir: Path) -> dict[str, str]:
    """A scrubbed environment: no API keys, no paths to the solutions, offline, plain output."""
    import mmcourse

    package_root = str(Path(mmcourse.__file__).resolve().parent.parent)
    env = {k: os.environ[k] for k in ("PATH", "LANG", "LC_ALL", "TZ") if k in os.environ}
    env.update({
        "HOME": str(workdir),
        "IPYTHONDIR": str(workdir / ".ipython"),
        "MPLBACKEND": "Agg",
        "MMCOURSE_MODE": "offline",
        "MMCOURSE_PLAIN": "1",
        "MMCOURSE_SCOPE": scope,
        "PYTHONHASHSEED": "0",
        "PYTHONPATH": package_root,  # the package itself; solutions are never named
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "MALLOC_ARENA_MAX": "2",
    })
    if settings.emulator_url:
        env["MMCOURSE_EMULATOR_URL"] = settings.emulator_url
    return env


@contextlib.contextmanager
def _ready_kernel(client, **kwargs):
    """``client.setup_kernel``, with a failure to start raised as KernelStartError."""
    manager = client.setup_kernel(**kwargs)
    try:
        manager.__enter__()
    except RuntimeError as exc:  # "Kernel died before replying to kernel_info"
        raise KernelStartError(str(exc)) from exc
    try:
        yield
    except BaseException:
        if not manager.__exit__(*sys.exc_info()):
            raise
    else:
        manager.__exit__(None, None, None)


def run_attempt(cells: list[tuple[int, str]], skip: set[int], tests: list[dict], scope: str,
                settings: Settings) -> Attempt:
    """Start one sandboxed kernel, execute the cells not in ``skip``, then run ``tests``."""
    attempt = Attempt()
    workdir = Path(tempfile.mkdtemp(prefix="mmcourse-grade-"))
    sockdir = Path(tempfile.mkdtemp(prefix="mmg-"))
    sock_path = str(sockdir / "h")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(sock_path)
    listener.listen(1)
    listener.settimeout(settings.startup_timeout)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(src) for _, src in cells])
    km = SandboxKernelManager(kernel_name="python3")
    km.sandbox_args = [sock_path, str(settings.memory_mb)]
    client = GradingClient(
        nb, km=km, timeout=settings.timeout, allow_errors=True, interrupt_on_timeout=False,
        shutdown_kernel="immediate", startup_timeout=int(settings.startup_timeout),
        resources={"metadata": {"path": str(workdir)}}, output_cap=settings.output_cap,
        record_timing=False,
    )
    conn = None
    try:
        quiet = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}  # the kernel's own fds
        with _ready_kernel(client, env=kernel_env(scope, settings, workdir), **quiet):
            conn, _ = listener.accept()
            os.unlink(sock_path)  # nothing else can connect to the harness now
            for position, (index, _) in enumerate(cells):
                if index in skip:
                    continue
                try:
                    client.execute_cell(nb.cells[position], position)
                except CellTimeoutError:
                    attempt.fatal_cell = (index, "timeout")
                    break
                except DeadKernelError:
                    attempt.fatal_cell = (index, "crash")
                    break
            attempt.cell_errors = {cells[p][0]: e for p, e in client.cell_errors.items()}
            attempt.truncated = {cells[p][0] for p in client.truncated}
            if attempt.fatal_cell is None and tests:
                _run_tests(conn, tests, settings, attempt)
    finally:
        if conn is not None:
            conn.close()
        listener.close()
        shutil.rmtree(sockdir, ignore_errors=True)
        shutil.rmtree(workdir, ignore_errors=True)
    return attempt


KERNEL_START_TRIES = 3


class KernelStartError(RuntimeError):
    """The kernel never became ready: the machine's fault, never the submission's."""


def run_attempt_with_restarts(cells: list[tuple[int, str]], skip: set[int], tests: list[dict],
                              scope: str, settings: Settings) -> Attempt:
    """``run_attempt``, starting the kernel again when it dies before it is ready.

    No student code runs before the kernel answers kernel_info, so such a death is the
    machine's (a port race between kernels started at once, a loaded machine), not a verdict.
    """
    for number in range(KERNEL_START_TRIES):
        try:
            return run_attempt(cells, skip, tests, scope, settings)
        except KernelStartError:
            if number == KERNEL_START_TRIES - 1:
                raise
            time.sleep(0.5 * (number + 1))
    raise AssertionError("unreachable")


def _run_tests(conn: socket.socket, tests: list[dict], settings: Settings, attempt: Attempt) -> None:
    payload = {"seed": settings.seed, "timeout": settings.timeout, "tests": tests}
    conn.sendall((json.dumps(payload) + "\n").encode("utf-8"))
    conn.settimeout(settings.timeout + 5)  # the harness reports a hung test after `timeout`
    reader = conn.makefile("rb")
    keys = [t["key"] for t in tests]
    while len(attempt.results) < len(keys):
        try:
            line = reader.readline()
        except (TimeoutError, OSError):
            line = b""
        if not line:
            attempt.fatal_test = next(k for k in keys if k not in attempt.results)
            return
        message = json.loads(line)
        if message.get("done"):
            return
        if message.get("key") in keys and message["key"] not in attempt.results:
            attempt.results[message["key"]] = {"status": message["status"], "message": message["message"]}


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
                     settings: Settings, problem: str | None = None) -> dict:
    """Grade one notebook; always returns a report (problems become feedback, not exceptions)."""
    path = Path(path)
    started = time.monotonic()
    data = path.read_bytes() if path.is_file() else b""
    report = {
        "submission": submission_id, "path": str(path), "sha256": hashlib.sha256(data).hexdigest(),
        "notebook": assignment.stem if assignment else None,
        "assignment_sha256": assignment.digest if assignment else None,
        "grader_version": GRADER_VERSION, "seed": settings.seed,
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
    for number in range(MAX_ATTEMPTS):
        pending = [t for t in plan if t["key"] not in results]
        if number and not pending:
            break
        attempt = run_attempt_with_restarts(sub.cells, skip, pending, submission_id, settings)
        cell_errors.update(attempt.cell_errors)
        truncated |= attempt.truncated
        results.update(attempt.results)
        if attempt.fatal_cell:
            index, kind = attempt.fatal_cell
            skip.add(index)
            what = f"ran past the {settings.timeout:g} s limit" if kind == "timeout" else "crashed the kernel"
            report["notes"].append(f"cell {index} {what} and was skipped")
            continue
        if attempt.fatal_test:
            results[attempt.fatal_test] = {"status": CRASHED, "message": "the kernel died while this test ran"}
            # The exercise's other tests would likely kill it again: one restart per exercise at most.
            crashed = next(t["exercise"] for t in plan if t["key"] == attempt.fatal_test)
            for test in plan:
                if test["exercise"] == crashed and test["key"] not in results:
                    results[test["key"]] = {"status": CRASHED, "message": "not run: an earlier test of this exercise killed the kernel"}
            continue
        break
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
        result = results.get(test["key"], {"status": TIMEOUT, "message": "not run (the kernel kept failing)"})
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
    except (ValueError, OSError, AttributeError):
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


def _grade_job(args) -> dict:
    return grade_submission(*args)


def grade_all(submissions: list[str | Path], solutions: str | Path, out: str | Path, *, jobs: int = 0,
              settings: Settings = Settings(), gradescope: bool = False, force: bool = False,
              log=None) -> list[dict]:
    """Grade submissions in parallel and write the reports; return them in submission order."""
    from mmcourse.grading.report import write_reports

    log = log or (lambda message: print(message, file=sys.stderr))
    paths = expand_submissions(submissions)
    if not paths:
        raise FileNotFoundError("no submissions given: pass notebook files or folders of them")
    assignments = load_assignments(solutions)
    settings = replace(settings, seed=settings.seed or secrets.token_hex(8))
    out = Path(out)
    ids = submission_ids(paths)
    jobs_list, reports = [], {}
    for path, ident in zip(paths, ids, strict=True):
        assignment, problem = match_assignment(path, assignments)
        cached = _cached_report(out, ident, path, assignment) if not force else None
        if cached:
            reports[ident] = cached
            log(f"{ident}: unchanged since last run, kept {cached['score']:g}/{cached['max_score']:g}")
        else:
            jobs_list.append((path, ident, assignment, settings, problem))

    with _emulator_for(settings, log) as settings:
        jobs_list = [(p, i, a, settings, pr) for p, i, a, _, pr in jobs_list]
        workers = max(1, min(jobs or os.cpu_count() or 1, len(jobs_list) or 1))
        if workers == 1:
            results = map(_grade_job, jobs_list)
        else:
            pool = concurrent.futures.ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"))
            results = pool.map(_grade_job, jobs_list)
        try:
            for report in results:
                reports[report["submission"]] = report
                write_reports(out, [report], gradescope=gradescope, gradebook=False)
                log(f"{report['submission']}: {report['score']:g}/{report['max_score']:g} "
                    f"({report['status']}, {report['seconds']:.1f} s)")
        finally:
            if workers > 1:
                pool.shutdown()
    ordered = [reports[ident] for ident in ids]
    write_reports(out, ordered, gradescope=gradescope, gradebook=True)
    return ordered


def _cached_report(out: Path, ident: str, path: Path, assignment: Assignment | None) -> dict | None:
    target = out / f"{ident}.json"
    if assignment is None or not target.is_file() or not path.is_file():
        return None
    try:
        report = json.loads(target.read_text(encoding="utf-8"))
    except ValueError:
        return None
    same = (
        report.get("sha256") == hashlib.sha256(path.read_bytes()).hexdigest()
        and report.get("assignment_sha256") == assignment.digest
        and report.get("grader_version") == GRADER_VERSION
    )
    return report if same else None


class _emulator_for:
    """Start one emulator for the batch unless a URL was given; yield settings that name it."""

    def __init__(self, settings: Settings, log):
        self.settings, self.log, self.server = settings, log, None

    def __enter__(self) -> Settings:
        if self.settings.emulator_url:
            return self.settings
        try:
            from mmcourse.emulator import start
        except ImportError as exc:
            self.log(f"emulator unavailable ({exc}); exercises that call an API will fail")
            return self.settings
        self.server = start()
        return replace(self.settings, emulator_url=self.server.base_url.rstrip("/"))

    def __exit__(self, *exc) -> None:
        if self.server is not None:
            self.server.stop()
