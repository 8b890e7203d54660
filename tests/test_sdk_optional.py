"""Without the official SDKs (the ``sdk`` extra), the tests that need them skip with the fix,
and nothing fails: run here in a child pytest whose imports of the SDKs are refused."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SDK_TESTS = ["tests/test_emulator_sdk.py", "tests/test_emulator_tools.py", "tests/test_emulator_integration.py"]
# Every file that uses an SDK somewhere: without the SDKs each must still be collected.
USES_SDKS = SDK_TESTS + ["tests/test_emulator_admin.py", "tests/test_emulator_batches.py",
                         "tests/test_emulator_caching.py", "tests/test_emulator_responses.py",
                         "tests/test_emulator_transcription.py", "tests/test_emulator_urls.py"]

_BLOCK = '''
import importlib.abc, sys
class NoSDKs(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in ("openai", "anthropic") or name.startswith("google.genai"):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
sys.meta_path.insert(0, NoSDKs())
'''


def _without_sdks(tmp_path) -> dict[str, str]:
    (tmp_path / "sitecustomize.py").write_text(_BLOCK)
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)])}


def _summary(stdout: str) -> str:
    """pytest's closing counts line (``= 3 passed, 1 skipped in 2.0s =``), wherever it sits.

    Plugins installed beside ours (pytest-benchmark on CI's Python) may print warnings after it,
    on stderr, so the last line of the combined output is not the summary."""
    lines = [line for line in stdout.splitlines()
             if re.search(r"\b(passed|skipped|failed|error|errors|deselected|selected|collected)\b.* in [\d.]+s", line)]
    return lines[-1] if lines else stdout.strip().splitlines()[-1]


def test_every_file_that_uses_an_sdk_is_collected_without_them(tmp_path):
    run = subprocess.run([sys.executable, "-m", "pytest", "-n0", "-q", "--co", "-p", "no:cacheprovider", *USES_SDKS],
                         cwd=ROOT, env=_without_sdks(tmp_path), capture_output=True, text=True, timeout=300)
    out = run.stdout + run.stderr
    assert run.returncode == 0 and "error" not in _summary(run.stdout).lower(), out[-3000:]


def test_sdk_tests_skip_with_the_install_command_when_the_sdks_are_missing(tmp_path):
    env = _without_sdks(tmp_path)
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-n0", "-v", "-rs", "-p", "no:cacheprovider", *SDK_TESTS, "-k", "sdk"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    out = run.stdout + run.stderr
    assert run.returncode == 0, out[-3000:]
    summary = _summary(run.stdout)
    assert "skipped" in summary and "failed" not in summary and "error" not in summary, summary
    assert 'is not installed (official SDKs are test-only): python -m pip install' in out, out[-3000:]
    # test_emulator_sdk.py needs an SDK in every test: it is skipped whole, at collection.
    assert "/ 1 skipped /" in out, out[-3000:]
    for path in SDK_TESTS[1:]:
        assert any(line.startswith(path) and "SKIPPED" in line for line in out.splitlines()), (
            f"{path} was not skipped:\n{out[-3000:]}")
