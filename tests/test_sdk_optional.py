"""Without the official SDKs (the ``sdk`` extra), the tests that need them skip with the fix,
and nothing fails: run here in a child pytest whose imports of the SDKs are refused."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SDK_TESTS = ["tests/test_emulator_sdk.py", "tests/test_emulator_tools.py", "tests/test_emulator_integration.py"]

_BLOCK = '''
import importlib.abc, sys
class NoSDKs(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in ("openai", "anthropic") or name.startswith("google.genai"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, NoSDKs())
'''


def test_sdk_tests_skip_with_the_install_command_when_the_sdks_are_missing(tmp_path):
    (tmp_path / "sitecustomize.py").write_text(_BLOCK)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-n0", "-v", "-rs", "-p", "no:cacheprovider", *SDK_TESTS, "-k", "sdk"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    out = run.stdout + run.stderr
    assert run.returncode == 0, out[-3000:]
    summary = out.strip().splitlines()[-1]
    assert "skipped" in summary and "failed" not in summary and "error" not in summary, summary
    assert 'is not installed (official SDKs are test-only): python -m pip install' in out, out[-3000:]
    # test_emulator_sdk.py needs an SDK in every test: it is skipped whole, at collection.
    assert "/ 1 skipped /" in out, out[-3000:]
    for path in SDK_TESTS[1:]:
        assert any(line.startswith(path) and "SKIPPED" in line for line in out.splitlines()), (
            f"{path} was not skipped:\n{out[-3000:]}")
