"""One emulator per user that no kernel owns: started detached, found through the runtime folder,
shared by kernels and commands, outliving the kernel that started it, stopping when idle, and
started again (or explained in one line) when it is gone."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mmcourse import emulator
from mmcourse.emulator import service

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def runtime(tmp_path, monkeypatch):
    """A private runtime folder and a free loopback port for this test's emulator; stops it after."""
    folder = tmp_path / "run"
    monkeypatch.setenv("MMCOURSE_RUNTIME_DIR", str(folder))
    monkeypatch.setattr(emulator, "DEFAULT_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.delenv("MMCOURSE_EMULATOR_URL", raising=False)
    monkeypatch.setattr(emulator, "_RUNNING", None)
    yield folder
    service.stop(folder)


def wait_until(condition, seconds: float = 20.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_the_runtime_folder_is_private(runtime):
    folder = service.runtime_dir()
    assert folder == runtime and stat.S_IMODE(folder.stat().st_mode) == 0o700


@pytest.mark.skipif(not hasattr(os, "getuid"), reason="POSIX permissions")
def test_a_runtime_folder_open_to_others_is_refused(tmp_path, monkeypatch):
    folder = tmp_path / "shared"
    folder.mkdir(mode=0o777)
    folder.chmod(0o777)
    monkeypatch.setenv("MMCOURSE_RUNTIME_DIR", str(folder))
    with pytest.raises(service.ServiceError, match="open to others"):
        service.runtime_dir()


def test_ensure_running_starts_a_detached_emulator_that_writes_its_pid_and_url(runtime):
    url = emulator.ensure_running()
    running = service.read_state(runtime)
    assert running is not None and running.url == url and running.pid != os.getpid()
    assert emulator.probe(url) == "mmcourse"
    assert emulator._RUNNING is None, "no emulator thread in this process"
    # its own session: a signal to this process's group does not reach it
    assert os.getsid(running.pid) != os.getsid(0)


def test_another_command_finds_the_same_emulator_through_the_runtime_folder(runtime):
    url = emulator.ensure_running()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # MMCOURSE_RUNTIME_DIR is set; no emulator URL
    found = subprocess.run([sys.executable, "-c", "from mmcourse import emulator; print(emulator.ensure_running())"],
                           env=env, capture_output=True, text=True, timeout=60)
    assert found.returncode == 0, found.stderr
    assert found.stdout.strip() == url
    assert service.read_state(runtime).url == url


def test_stopping_it_removes_its_state_file(runtime):
    url = emulator.ensure_running()
    assert service.stop(runtime)
    assert emulator.probe(url) == "absent" and not (runtime / service.STATE_FILE).exists()


def test_an_idle_emulator_stops_by_itself_and_says_why(tmp_path):
    running = service.start_detached("127.0.0.1", 0, folder=tmp_path, idle_timeout=1.0)
    try:  # health checks (these probes) do not count as use
        assert wait_until(lambda: emulator.probe(running.url, timeout=0.3) == "absent", 30)
        assert wait_until(lambda: not (tmp_path / service.STATE_FILE).exists(), 10)
        assert "no request for 1 s, stopping" in (tmp_path / service.LOG_FILE).read_text()
    finally:
        service.stop(tmp_path)


def test_a_call_after_the_emulator_stopped_starts_it_again(runtime, monkeypatch):
    import mmcourse

    monkeypatch.setenv("MMCOURSE_MODE", "offline")
    mmcourse.setup(quiet=True)
    url = service.read_state(runtime).url
    service.stop(runtime)
    answer = mmcourse.ask("openai", "Say hello.")
    assert answer.text and emulator.probe(url) == "mmcourse"


def test_an_emulator_that_cannot_come_back_is_one_line_saying_what_to_do(runtime, monkeypatch):
    import mmcourse
    from mmcourse.session import EmulatorUnavailable

    monkeypatch.setenv("MMCOURSE_MODE", "offline")
    mmcourse.setup(quiet=True)
    service.stop(runtime)

    def refuse(*args, **kwargs):
        raise RuntimeError("the port is taken")

    monkeypatch.setattr(emulator, "ensure_running", refuse)
    with pytest.raises(EmulatorUnavailable) as caught:
        mmcourse.ask("openai", "Say hello.")
    message = str(caught.value)
    assert "\n" not in message and "stopped answering" in message and "mmcourse.setup()" in message
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_start_port_zero_still_runs_in_this_process():
    with emulator.start(port=0) as emu:
        assert emulator.probe(emu.base_url) == "mmcourse" and emu.running


# ---------------------------------------------------------------- two real kernels


@pytest.mark.slow
def test_two_kernels_share_one_emulator_and_one_keeps_working_after_the_other_shuts_down(runtime):
    jupyter_client = pytest.importorskip("jupyter_client")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MMCOURSE_MODE": "offline",
           "MMCOURSE_EMULATOR_URL": emulator.DEFAULT_URL}
    setup = "import mmcourse; print([c.base_url for c in mmcourse.setup(quiet=True).values()][0])"
    ask = "print(mmcourse.ask('anthropic', 'Say hello.').text[:40])"
    kernels = []
    try:
        for _ in range(2):
            manager = jupyter_client.KernelManager(kernel_name="python3")
            manager.start_kernel(env=env, cwd=str(ROOT))
            client = manager.client()
            client.start_channels()
            client.wait_for_ready(timeout=60)
            kernels.append((manager, client))
        (first, first_client), (second, second_client) = kernels
        urls = [_run(client, setup) for client in (first_client, second_client)]
        assert urls[0] == urls[1] == f"{emulator.DEFAULT_URL}/v1"
        running = service.read_state(runtime)
        assert running is not None and running.pid not in _kernel_pids(kernels)
        first_client.stop_channels()
        first.shutdown_kernel(now=True)
        assert not first.is_alive()
        assert emulator.probe(emulator.DEFAULT_URL) == "mmcourse"
        assert _run(second_client, ask), "the second kernel still gets answers"
    finally:
        for manager, client in kernels:
            client.stop_channels()
            if manager.is_alive():
                manager.shutdown_kernel(now=True)


def _kernel_pids(kernels) -> set[int]:
    return {m.provisioner.process.pid for m, _ in kernels if m.provisioner and m.provisioner.process}


def _run(client, code: str) -> str:
    out: list[str] = []

    def collect(message) -> None:
        if message["msg_type"] == "stream":
            out.append(message["content"]["text"])
        elif message["msg_type"] == "error":
            out.append("ERROR " + message["content"]["ename"] + ": " + message["content"]["evalue"])

    reply = client.execute_interactive(code, timeout=120, output_hook=collect)
    text = "".join(out).strip()
    assert reply["content"]["status"] == "ok", text
    return text
