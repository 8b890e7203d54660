"""The Jupyter server extension starts this user's emulator when the server starts; the emulator
outlives the server; a failure to start is a warning, never a server crash."""

from __future__ import annotations

import importlib
import json
import logging
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from mmcourse import emulator, jupyter_extension
from mmcourse.emulator import service
from tests.test_emulator_service import free_port, runtime, wait_until  # noqa: F401 - fixture

ROOT = Path(__file__).resolve().parents[1]


def test_the_extension_point_names_a_module_jupyter_can_load():
    (point,) = jupyter_extension._jupyter_server_extension_points()
    module = importlib.import_module(point["module"])
    assert callable(module._load_jupyter_server_extension)


def test_the_shipped_server_config_enables_it():
    config = json.loads((ROOT / "mmcourse" / "jupyter_server_config.d" / "mmcourse.json").read_text())
    assert config["ServerApp"]["jpserver_extensions"] == {jupyter_extension.MODULE: True}


def test_loading_it_starts_this_users_detached_emulator_in_the_background(runtime, caplog):  # noqa: F811
    class Server:
        log = logging.getLogger("test-jupyter-server")

    with caplog.at_level(logging.INFO, logger="test-jupyter-server"):
        thread = jupyter_extension._load_jupyter_server_extension(Server())
        thread.join(60)
    running = service.read_state(runtime)
    assert running is not None and running.pid != os.getpid()
    assert service.ownership(running.url, runtime) == "mine"
    assert f"offline emulator at {running.url}" in caplog.text


def test_a_failed_start_is_one_warning_not_an_exception(monkeypatch, caplog):
    def refuse(*args, **kwargs):
        raise RuntimeError("nothing answers at http://example.invalid")

    monkeypatch.setattr(emulator, "ensure_running", refuse)
    with caplog.at_level(logging.WARNING, logger="ext-test"):
        assert jupyter_extension.start_emulator(logging.getLogger("ext-test")) is None
    assert "did not start (RuntimeError: nothing answers" in caplog.text and "mmcourse doctor" in caplog.text


@pytest.mark.slow
def test_a_real_jupyter_server_starts_the_emulator_and_the_emulator_outlives_it(tmp_path):
    pytest.importorskip("jupyter_server")
    folder = tmp_path / "run"
    url = f"http://127.0.0.1:{free_port()}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MMCOURSE_RUNTIME_DIR": str(folder),
           "MMCOURSE_EMULATOR_URL": url, "JUPYTER_CONFIG_DIR": str(tmp_path / "config"),
           "JUPYTER_RUNTIME_DIR": str(tmp_path / "jupyter-runtime")}
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyter_server", "--no-browser", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={free_port()}", "--ServerApp.allow_root=True", "--ServerApp.token=",
         f"--ServerApp.root_dir={tmp_path}",
         f'--ServerApp.jpserver_extensions={{"{jupyter_extension.MODULE}": True}}'],
        env=env, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    reader = threading.Thread(target=lambda: lines.extend(server.stderr), daemon=True)
    reader.start()
    logged = f"mmcourse: offline emulator at {url}"
    try:
        assert wait_until(lambda: emulator.probe(url, timeout=0.5) == "mmcourse", 90), "the server started it"
        # The extension logs once ensure_running() returns, a moment after the emulator answers.
        assert wait_until(lambda: any(logged in line for line in lines), 30), "".join(lines)[-2000:]
    finally:
        server.terminate()
        server.wait(timeout=30)
        reader.join(10)
    try:
        time.sleep(0.5)
        assert emulator.probe(url) == "mmcourse", "it outlives the Jupyter server"
        assert service.ownership(url, folder) == "mine"
    finally:
        service.stop(folder)
