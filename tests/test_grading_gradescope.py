"""The Gradescope autograder: ``run_autograder`` on a submission laid out as Gradescope lays it out.

Gradescope unpacks the autograder into ``/autograder/source``, the student's upload into
``/autograder/submission`` and reads ``/autograder/results/results.json``; here the same layout
sits in a temp root (``MMCOURSE_AUTOGRADER_ROOT``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import jupytext
import pytest

HERE = Path(__file__).parent
ROOT = HERE.parent
FIXTURES = HERE / "fixtures" / "grading"
RUN_AUTOGRADER = ROOT / "mmcourse" / "deploy" / "gradescope" / "run_autograder"
sys.path.insert(0, str(FIXTURES))
import submissions  # noqa: E402

from mmcourse.grading.sandbox import probe  # noqa: E402

SANDBOX_PROBLEM = probe()
pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(SANDBOX_PROBLEM is not None, reason=f"grading needs its sandbox: {SANDBOX_PROBLEM}")]


def autograder_root(tmp_path: Path, notebooks: dict[str, str]) -> Path:
    root = tmp_path / "autograder"
    solutions = root / "source" / "solutions"
    solutions.mkdir(parents=True)
    jupytext.write(jupytext.read(FIXTURES / "solutions" / "fixture.py"), solutions / "fixture.ipynb")
    (root / "submission").mkdir()
    (root / "results").mkdir()
    for name, text in notebooks.items():
        (root / "submission" / name).write_text(text)
    return root


def run_autograder(root: Path) -> dict:
    env = {**os.environ, "MMCOURSE_AUTOGRADER_ROOT": str(root), "MMCOURSE_PYTHON": sys.executable,
           "PYTHONPATH": str(ROOT), "MMCOURSE_TIMEOUT": "20"}
    done = subprocess.run(["bash", str(RUN_AUTOGRADER)], env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads((root / "results" / "results.json").read_text())


@pytest.mark.parametrize(("kind", "score"), [("correct", 5.0), ("half", 2.0), ("starter", 0.0)])
def test_run_autograder_writes_results_json_with_the_score(tmp_path, kind, score):
    results = run_autograder(autograder_root(tmp_path, {"fixture.ipynb": submissions.make(kind)}))
    assert results["score"] == score
    assert [t["name"] for t in results["tests"]] == ["ex-mean: Mean of a list", "ex-words: Count words"]
    assert sum(t["score"] for t in results["tests"]) == score
    assert "sandbox: linux namespaces" in results["output"]


def test_a_submission_without_a_notebook_gets_zero_and_a_reason(tmp_path):
    results = run_autograder(autograder_root(tmp_path, {"notes.txt": "I forgot the notebook"}))
    assert results["score"] == 0.0 and results["tests"] == []
    assert "No notebook" in results["output"]
