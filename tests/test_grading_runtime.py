"""Grading on the runtime install alone, and what happens where the sandbox cannot be built."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jupytext
import pytest

from mmcourse.grading import batch as batch_module
from mmcourse.grading.batch import SandboxUnavailable
from mmcourse.grading.runner import Settings, grade_all

HERE = Path(__file__).parent
ROOT = HERE.parent
FIXTURES = HERE / "fixtures" / "grading"
sys.path.insert(0, str(FIXTURES))
import submissions  # noqa: E402

from mmcourse.grading.sandbox import probe  # noqa: E402

pytestmark = pytest.mark.slow

NO_AUTHORING = """
import sys
sys.modules["jupytext"] = None  # the runtime install has no jupytext: importing it now fails
from mmcourse.grading.cli import grade_main
sys.exit(grade_main(sys.argv[1:]))
"""


@pytest.fixture
def course(tmp_path) -> Path:
    """A solutions folder as a runtime install sees it (executed .ipynb only) and two submissions."""
    solutions = tmp_path / "solutions"
    solutions.mkdir()
    jupytext.write(jupytext.read(FIXTURES / "solutions" / "fixture.py"), solutions / "fixture.ipynb")
    (tmp_path / "class").mkdir()
    for kind in ("correct", "starter"):
        (tmp_path / "class" / f"{kind}.ipynb").write_text(submissions.make(kind))
    return tmp_path


@pytest.mark.skipif(probe() is not None, reason="grading needs its sandbox (Linux namespaces, root)")
def test_mmcourse_grade_with_the_default_solutions_folder_needs_no_jupytext(course):
    done = subprocess.run([sys.executable, "-c", NO_AUTHORING, "class", "--out", "out", "--timeout", "20"],
                          cwd=course, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    scores = {k: json.loads((course / "out" / f"{k}.json").read_text())["score"] for k in ("correct", "starter")}
    assert scores == {"correct": 5.0, "starter": 0.0}


def test_without_namespaces_grading_refuses_and_says_how_to_run_unsandboxed(course, monkeypatch):
    monkeypatch.setattr(batch_module.Batch, "sandbox_problem", staticmethod(lambda reported: "no namespaces (test)"))
    with pytest.raises(SandboxUnavailable, match="--unsandboxed"):
        grade_all([course / "class"], course / "solutions", course / "out", log=lambda m: None)
    assert not (course / "out" / "gradebook.csv").exists()


def test_unsandboxed_grading_on_purpose_grades_and_says_so_in_every_report(course, monkeypatch):
    monkeypatch.setattr(batch_module.Batch, "sandbox_problem", staticmethod(lambda reported: "no namespaces (test)"))
    reports = grade_all([course / "class"], course / "solutions", course / "out", log=lambda m: None,
                        settings=Settings(timeout=20, unsandboxed=True))
    assert [r["score"] for r in reports] == [5.0, 0.0]
    for report in reports:
        assert report["sandbox"].startswith("NONE: unsandboxed (asked for with --unsandboxed)")
        saved = json.loads((course / "out" / f"{report['submission']}.json").read_text())
        assert saved["sandbox"] == report["sandbox"]
