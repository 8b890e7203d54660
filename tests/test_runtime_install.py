"""What a teacher gets from the README's first command alone: grading works without the test extra.

The test extra (jupytext, nbval, pytest, the SDKs...) is installed here, so these tests hide it:
a ``sitecustomize`` on ``PYTHONPATH`` makes every module that only test-extra distributions
provide unimportable, in the grader and in every process it starts. What stays importable is
exactly the runtime closure of ``pyproject.toml``'s dependencies, as the lock installs it.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import os
import shutil
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LESSON = "00_start_here"

_SITECUSTOMIZE = '''
import importlib.abc, sys
BLOCKED = frozenset({blocked!r})

class RuntimeInstallOnly(importlib.abc.MetaPathFinder):
    """Refuse modules the runtime install does not have (tests/test_runtime_install.py)."""
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {{name!r}} (not in the runtime install)", name=name)
        return None

sys.meta_path.insert(0, RuntimeInstallOnly())
'''


def _lock():
    spec = importlib.util.spec_from_file_location("mmcourse_ci_lock", ROOT / ".ci" / "lock.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def modules_outside_runtime(lock=None) -> set[str]:
    """Top-level modules that only distributions outside the runtime closure provide."""
    lock = lock or _lock()
    runtime = set(lock.closure(sys.executable, lock.runtime_roots())) | {"mmcourse", "pip", "setuptools"}
    blocked = set()
    for module, dists in metadata.packages_distributions().items():
        if module.isidentifier() and not {lock.normalise(d) for d in dists} & runtime:
            blocked.add(module)
    return blocked


@pytest.fixture(scope="module")
def runtime_env(tmp_path_factory) -> dict[str, str]:
    site = tmp_path_factory.mktemp("runtime-only")
    (site / "sitecustomize.py").write_text(_SITECUSTOMIZE.format(blocked=sorted(modules_outside_runtime())))
    env = {k: v for k, v in os.environ.items() if k != "MMCOURSE_EMULATOR_URL"}
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(ROOT)])
    return env


def test_the_test_extra_is_really_hidden(runtime_env):
    for module in ("jupytext", "nbval", "pytest", "openai", "anthropic"):
        result = subprocess.run([sys.executable, "-c", f"import {module}"], env=runtime_env,
                                capture_output=True, text=True)
        assert result.returncode != 0 and "not in the runtime install" in result.stderr, module
    for module in ("nbformat", "nbclient", "requests", "mmcourse.grading"):
        subprocess.run([sys.executable, "-c", f"import {module}"], env=runtime_env, check=True)


@pytest.mark.slow
def test_mmcourse_grade_works_on_the_runtime_install(runtime_env, tmp_path):
    """The default ``--solutions solutions`` from the top of a clone, as TEACHERS.md has it."""
    for learner, folder in (("alice", "solutions"), ("bob", "notebooks")):  # full marks / untouched
        (tmp_path / learner).mkdir()
        shutil.copy(ROOT / folder / f"{LESSON}.ipynb", tmp_path / learner / f"{LESSON}.ipynb")
    out = tmp_path / "grades"
    result = subprocess.run(
        [sys.executable, "-m", "mmcourse", "grade", str(tmp_path / "alice"), str(tmp_path / "bob"),
         "--out", str(out), "--jobs", "2"],
        cwd=ROOT, env=runtime_env, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    with (out / "gradebook.csv").open() as f:
        rows = {r["submission"]: r for r in csv.DictReader(f)}
    assert set(rows) == {f"alice-{LESSON}", f"bob-{LESSON}"}, rows
    alice = json.loads((out / f"alice-{LESSON}.json").read_text())
    assert alice["status"] == "graded" and alice["score"] == alice["max_score"] > 0, alice
    bob = json.loads((out / f"bob-{LESSON}.json").read_text())
    assert bob["status"] == "graded" and bob["score"] == 0, bob
