"""The repository's promises: two-command README, CI runs it verbatim, conda and pip agree."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import tomllib
import yaml

ROOT = Path(__file__).resolve().parents[1]
ALLOWED_TOP_LEVEL = {
    "notebooks", "solutions", "mmcourse", "data", "tests", "environment.yml", "pyproject.toml",
    "README.md", ".ci", "LICENSE",
}


def quick_start_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    assert text.startswith("# "), "README starts with its title"
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```bash\n(.*?)```", section, re.S)]


def test_readme_opens_with_a_quick_start_of_exactly_two_commands():
    text = (ROOT / "README.md").read_text()
    assert text.index("## Quick start") < text.index("\n## ", text.index("## Quick start") + 5)
    first_heading = re.findall(r"^## (.*)$", text, re.M)[0]
    assert first_heading == "Quick start"
    commands = quick_start_commands()
    assert len(commands) == 2 and all("\n" not in c for c in commands)
    assert commands[0].endswith("python -m mmcourse open")
    assert '".[test]"' in commands[1] and "pytest" in commands[1]


def test_ci_runs_the_second_command_verbatim():
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert quick_start_commands()[1] in [line.strip() for line in ci]


def test_first_command_opens_the_first_lesson_in_jupyterlab():
    from mmcourse.cli import FIRST_NOTEBOOK, lab_command

    assert (ROOT / FIRST_NOTEBOOK).is_file(), f"{FIRST_NOTEBOOK} must exist"
    assert lab_command([], is_root=False)[1:] == ["-m", "jupyterlab", FIRST_NOTEBOOK]
    assert "--allow-root" in lab_command([], is_root=True)
    assert lab_command(["notebooks/05_one_function.ipynb", "--no-browser"], is_root=False)[3:] == [
        "notebooks/05_one_function.ipynb", "--no-browser"]


def _names(requirements: list[str]) -> dict[str, str]:
    out = {}
    for req in requirements:
        match = re.match(r"^([A-Za-z0-9_.-]+)\s*(.*)$", req.strip())
        out[match.group(1).lower().replace("_", "-")] = match.group(2).replace(" ", "")
    return out


def test_environment_yml_lists_exactly_the_runtime_dependencies():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = [d for d in env["dependencies"] if isinstance(d, str) and re.split("[=<> ]", d)[0] not in ("python", "pip")]
    assert _names(conda) == _names(project["dependencies"])
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert "-e ." in pip_section
    assert "conda-forge" in env["channels"]


def test_sdks_are_test_only():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = _names(project["dependencies"])
    for sdk in ("openai", "anthropic", "google-genai"):
        assert sdk not in runtime
        assert sdk in _names(project["optional-dependencies"]["test"])


def test_top_level_holds_only_the_agreed_entries():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    if not tracked:  # not a git checkout (an sdist): nothing to check
        return
    top = {path.split("/", 1)[0] for path in tracked}
    extra = {name for name in top - ALLOWED_TOP_LEVEL if not name.startswith(".")}
    assert not extra, f"unexpected top-level entries: {sorted(extra)}"


def test_python_requirement():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.10"
    assert sys.version_info >= (3, 10)


def test_tests_block_non_loopback_network():
    import socket

    import pytest_socket

    try:
        socket.create_connection(("192.0.2.1", 443), timeout=0.5)
    except (pytest_socket.SocketBlockedError, pytest_socket.SocketConnectBlockedError):
        return
    except OSError as exc:  # pragma: no cover - would mean the guard is off
        raise AssertionError(f"non-loopback connect was attempted, not blocked: {exc}") from None
    raise AssertionError("non-loopback connect succeeded: the network guard is off")


def test_ruff_is_clean():
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "."], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:]
