"""The repository's promises: two-command README, CI runs it verbatim, conda and pip agree."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import yaml
from packaging.requirements import Requirement

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
    command = lab_command([], is_root=False, root=ROOT)
    assert command[1:3] == ["-m", "jupyterlab"]
    assert f"--ServerApp.root_dir={ROOT}" in command  # the course folder: data/ and README reachable
    assert f"--LabApp.default_url=/lab/tree/{FIRST_NOTEBOOK}" in command
    # The server starts the learner's emulator (tests/test_jupyter_extension.py runs that for real).
    assert '--ServerApp.jpserver_extensions={"mmcourse.jupyter_extension": True}' in command
    assert "--allow-root" in lab_command([], is_root=True)
    other = lab_command(["notebooks/05_one_function.ipynb", "--no-browser"], is_root=False, root=ROOT)
    assert "--LabApp.default_url=/lab/tree/notebooks/05_one_function.ipynb" in other
    assert other[-1] == "--no-browser"


def _names(requirements: list[str]) -> dict[str, str]:
    out = {}
    for req in requirements:
        match = re.match(r"^([A-Za-z0-9_.-]+)(\[[^\]]*\])?\s*(.*)$", req.strip())
        out[match.group(1).lower().replace("_", "-")] = match.group(3).replace(" ", "")
    return out


# ---------------------------------------------------------------- the lock


def _lock_module():
    spec = importlib.util.spec_from_file_location("mmcourse_ci_lock", ROOT / ".ci" / "lock.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


LOCK = _lock_module()


def _project() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _all_requirements() -> list[Requirement]:
    project = _project()
    reqs = list(project["dependencies"])
    for extra in project["optional-dependencies"].values():
        reqs += [r for r in extra if not r.startswith("mmcourse")]
    return [Requirement(r) for r in reqs]


def test_both_quick_start_commands_install_with_the_lock():
    for command in quick_start_commands():
        assert "pip install -c .ci/constraints.txt -e " in command, command


def test_the_lock_pins_every_requirement_of_pyproject_within_its_range():
    pins = LOCK.read_pins()
    for req in _all_requirements():
        name = LOCK.normalise(req.name)
        assert name in pins, f"{req.name} is not in .ci/constraints.txt: run bash .ci/relock"
        assert req.specifier.contains(pins[name], prereleases=True), (
            f"lock pins {name}=={pins[name]}, outside pyproject's {req}: run bash .ci/relock")


def test_the_installed_environment_is_the_lock():
    """What this suite runs on is what the lock says (the Quick start installed it with -c)."""
    pins = LOCK.read_pins()
    installed = {LOCK.normalise(d.metadata["Name"]): d.version for d in metadata.distributions()}
    runtime = LOCK.closure(sys.executable, LOCK.runtime_roots())
    drift = {n: (installed[n], pins.get(n)) for n in runtime if installed.get(n) != pins.get(n)}
    assert not drift, f"installed != locked (installed, locked): {drift}"


def test_the_upgrade_bounds_are_honoured_by_the_lock():
    pins = LOCK.read_pins()
    for line in (ROOT / ".ci" / "upgrade-constraints.txt").read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            req = Requirement(line)
            assert req.specifier.contains(pins[LOCK.normalise(req.name)]), line


def test_the_slow_grammar_package_stays_out_of_the_lock():
    """rfc3987-syntax builds a grammar at import: ~2-4 s in every process (bench_imports.py)."""
    assert "rfc3987-syntax" not in LOCK.read_pins()


def test_environment_yml_installs_the_course_with_the_lock():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "conda-forge" in env["channels"]
    conda = [d for d in env["dependencies"] if isinstance(d, str)]
    assert conda == [f"python={LOCK.PYTHON}", "pip"]
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    assert pip_section == ["-c .ci/constraints.txt", "-e ."]


def test_binder_environment_pins_the_locked_runtime_closure():
    """repo2docker builds .binder/environment.yml before it copies the repo: pins written inline."""
    env = yaml.safe_load((ROOT / ".binder" / "environment.yml").read_text())
    pins = LOCK.read_pins()
    pip_section = next(d["pip"] for d in env["dependencies"] if isinstance(d, dict))
    binder = dict(line.split("==") for line in pip_section)
    assert {LOCK.normalise(n): v for n, v in binder.items()} == {
        n: pins[n] for n in LOCK.closure(sys.executable, LOCK.runtime_roots() + list(LOCK.BINDER_EXTRA))}
    assert [d for d in env["dependencies"] if isinstance(d, str)] == [f"python={LOCK.PYTHON}", "pip"]


def test_sdks_are_an_extra_that_the_tests_install():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    runtime = _names(project["dependencies"])
    extras = project["optional-dependencies"]
    for sdk in ("openai", "anthropic", "google-genai"):
        assert sdk not in runtime
        assert sdk in _names(extras["sdk"])
    assert any(r.startswith("mmcourse[") and "sdk" in r for r in extras["test"])


def test_top_level_holds_only_the_agreed_entries():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True).stdout.split()
    if not tracked:  # not a git checkout (an sdist): nothing to check
        return
    top = {path.split("/", 1)[0] for path in tracked}
    extra = {name for name in top - ALLOWED_TOP_LEVEL if not name.startswith(".")}
    assert not extra, f"unexpected top-level entries: {sorted(extra)}"


def test_python_requirement():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert project["requires-python"] == ">=3.11"
    assert sys.version_info >= (3, 11)


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
