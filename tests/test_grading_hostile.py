"""Hostile submissions of every kind, graded in ONE batch with honest ones.

Each submission must get exactly the score its own code honestly earns, the batch must finish
with one gradebook row per submission, no process may outlive it, and nothing a submission
does may reach the grader's files, environment or another submission's emulator.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

import pytest

from mmcourse.grading.batch import UID_BASE
from mmcourse.grading.report import CACHE_INDEX
from mmcourse.grading.runner import Settings, grade_all

FIXTURES = Path(__file__).parent / "fixtures" / "grading"
sys.path.insert(0, str(FIXTURES))
import submissions  # noqa: E402

from mmcourse.grading.sandbox import probe  # noqa: E402

SANDBOX_PROBLEM = probe()
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(SANDBOX_PROBLEM is not None, reason=f"grading needs its sandbox: {SANDBOX_PROBLEM}")]

FAKE_KEY = "sk-fake-grader-key-0123456789abcdefXYZ"
HONEST = {"correct": 5.0, "half": 2.0, "starter": 0.0, "hard-coded": submissions.ADVERSARIAL["hard-coded"],
          "fool-comparisons": submissions.ADVERSARIAL["fool-comparisons"],
          "spoof-reporting": submissions.ADVERSARIAL["spoof-reporting"]}
EXPECTED = {**HONEST, **submissions.HOSTILE, **submissions.WIRE}


def grading_processes() -> list[tuple[int, str]]:
    """Processes this grader started (read from /proc): its descendants, and anything running
    under its sandboxes' uids (a daemon that escaped the process tree still has one)."""
    mine = range(UID_BASE + (os.getpid() % 1000) * 1000, UID_BASE + (os.getpid() % 1000 + 1) * 1000)
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            uid = next(int(line.split()[1]) for line in (entry / "status").read_text().splitlines()
                       if line.startswith("Uid:"))
        except (OSError, StopIteration):
            continue
        if uid in mine or (ppid := _parent(entry)) == os.getpid() or _descends_from(ppid, os.getpid()):
            found.append((int(entry.name), cmdline))
    return found


def _parent(entry: Path) -> int:
    try:
        return int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, ValueError, IndexError):
        return 0


def _descends_from(pid: int, ancestor: int) -> bool:
    for _ in range(64):
        if pid in (0, 1):
            return False
        if pid == ancestor:
            return True
        pid = _parent(Path(f"/proc/{pid}"))
    return False


@pytest.fixture(scope="module")
def instructor(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("instructor") / "solutions"
    folder.mkdir()
    for name in ("fixture.py", "wire.py"):
        shutil.copy(FIXTURES / "solutions" / name, folder)
    return folder


@pytest.fixture(scope="module")
def hostile_batch(instructor, tmp_path_factory):
    folder = tmp_path_factory.mktemp("class")
    for kind in HONEST:
        (folder / f"{kind}.ipynb").write_text(submissions.make(kind))
    for kind in submissions.HOSTILE:
        (folder / f"{kind}.ipynb").write_text(submissions.hostile(kind))
    for kind in submissions.WIRE:
        (folder / f"{kind}.ipynb").write_text(submissions.wire(kind))
    out = folder.parent / "out"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OPENAI_API_KEY", FAKE_KEY)  # a teacher grading with a real key in the shell
        started = time.monotonic()
        reports = grade_all([folder], instructor, out, jobs=2, log=lambda message: None,
                            settings=Settings(timeout=3, memory_mb=1024, disk_mb=64, processes=48))
        seconds = time.monotonic() - started
        key_left = os.environ.get("OPENAI_API_KEY")
    deadline = time.monotonic() + 5
    while grading_processes() and time.monotonic() < deadline:
        time.sleep(0.2)
    return {r["submission"]: r for r in reports}, out, grading_processes(), key_left, seconds


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_each_submission_gets_exactly_its_honest_score(hostile_batch, kind):
    reports = hostile_batch[0]
    assert reports[kind]["score"] == pytest.approx(EXPECTED[kind], abs=0.005), json.dumps(reports[kind], indent=1)


def test_the_batch_completes_with_one_gradebook_row_per_submission(hostile_batch):
    _, out, _, _, _ = hostile_batch
    rows = (out / "gradebook.csv").read_text().splitlines()
    assert len(rows) == 1 + len(EXPECTED)
    assert sorted(row.split(",")[0] for row in rows[1:]) == sorted(EXPECTED)


def test_no_process_outlives_the_batch(hostile_batch):
    leftovers = hostile_batch[2]
    assert leftovers == []


def test_reports_are_written_by_the_grader_only(hostile_batch):
    reports, out, _, _, _ = hostile_batch
    index = json.loads((out / CACHE_INDEX).read_text())
    assert sorted(index) == sorted(EXPECTED)
    for ident, report in reports.items():
        on_disk = json.loads((out / f"{ident}.json").read_text())
        assert on_disk["submission"] == ident and on_disk["score"] == report["score"]


def test_the_graders_key_is_removed_and_never_reaches_a_report(hostile_batch):
    _, out, _, key_left, _ = hostile_batch
    assert key_left is None
    for path in out.rglob("*"):
        if path.is_file():
            assert FAKE_KEY not in path.read_text(errors="replace"), path


def test_every_report_names_its_sandbox(hostile_batch):
    for report in hostile_batch[0].values():
        assert report["sandbox"].startswith("linux namespaces"), report["sandbox"]


def test_broken_notebooks_are_ungradable_with_a_reason(hostile_batch):
    reports = hostile_batch[0]
    for kind in ("cells-not-strings", "nbformat-3", "deep-json", "binary"):
        assert reports[kind]["status"] == "ungradable"
        reason = reports[kind]["notes"][-1]
        assert reason.startswith(("not a readable notebook", "cannot tell which notebook")), reason


def test_a_sandbox_that_ignores_its_alarm_is_stopped_and_the_rest_graded(hostile_batch):
    words = hostile_batch[0]["ignore-alarm"]["exercises"][1]["tests"]
    assert [t["status"] for t in words] == ["timeout"] * 3


def test_a_fork_bomb_and_a_memory_hog_only_lose_their_own_cell(hostile_batch):
    reports = hostile_batch[0]
    assert reports["fork-bomb"]["notes"] == ["cell 4 ran past the 3 s limit and was skipped"]
    assert reports["memory-hog"]["cell_errors"]["4"].startswith("MemoryError")
    assert reports["disk-hog"]["cell_errors"]["4"].startswith("OSError"), reports["disk-hog"]["cell_errors"]
