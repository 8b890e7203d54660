"""``mmcourse doctor`` reads this user's runtime folder: whether the detached emulator runs (pid,
URL, idle shutdown), which files a crash left behind, and what to do about them."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from mmcourse.cli import main
from mmcourse.emulator import service
from tests.test_emulator_service import free_port


def lines_of(folder, **kwargs) -> str:
    return "\n".join(service.status_lines(folder, **kwargs))


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_without_an_emulator_it_says_the_next_setup_starts_one(tmp_path):
    said = lines_of(tmp_path)
    assert f"runtime folder {tmp_path}" in said
    assert "no detached emulator is running; the next mmcourse.setup()" in said


def test_a_running_emulator_is_shown_with_its_pid_url_and_idle_shutdown(tmp_path):
    running = service.start_detached("127.0.0.1", 0, folder=tmp_path, idle_timeout=600)
    try:
        said = lines_of(tmp_path)
    finally:
        service.stop(tmp_path)
    assert f"running: pid {running.pid} at {running.url}" in said
    assert "stops by itself after 10 min without a request" in said
    assert f"log {tmp_path / service.LOG_FILE}" in said


def test_an_emulator_that_never_idles_out_says_how_to_stop_it(tmp_path):
    running = service.start_detached("127.0.0.1", 0, folder=tmp_path, idle_timeout=0)
    try:
        said = lines_of(tmp_path)
    finally:
        service.stop(tmp_path)
    assert f"running: pid {running.pid}" in said and "never stops by itself" in said


def test_a_state_file_of_a_dead_process_is_stale_and_says_what_to_do(tmp_path):
    pid = dead_pid()
    (tmp_path / service.STATE_FILE).write_text(json.dumps({"pid": pid, "url": "http://127.0.0.1:1"}))
    said = lines_of(tmp_path)
    assert f"stale: {tmp_path / service.STATE_FILE} names pid {pid}" in said
    assert "remove that file, or just run mmcourse.setup()" in said


def test_a_live_pid_whose_url_does_not_answer_is_said_to_be_starting_or_hung(tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    (tmp_path / service.STATE_FILE).write_text(json.dumps({"pid": os.getpid(), "url": url}))
    said = lines_of(tmp_path)
    assert f"pid {os.getpid()} is alive but nothing answers at {url}" in said and f"kill {os.getpid()}" in said


def test_a_pid_now_serving_another_users_emulator_is_stale(tmp_path):
    other = tmp_path / "other-user"
    other.mkdir(mode=0o700)
    theirs = service.start_detached("127.0.0.1", 0, folder=other)
    mine = tmp_path / "me"
    mine.mkdir(mode=0o700)
    (mine / service.STATE_FILE).write_text(json.dumps({"pid": theirs.pid, "url": theirs.url}))
    try:
        said = lines_of(mine)
    finally:
        service.stop(other)
    assert f"stale: pid {theirs.pid} is now another program and {theirs.url} is not your emulator" in said


def test_an_old_start_lock_is_stale_and_a_fresh_one_means_starting(tmp_path):
    lock = tmp_path / service.LOCK_FILE
    lock.write_text("123")
    assert "being started right now" in lines_of(tmp_path)
    old = time.time() - service.STALE_LOCK_SECONDS - 5
    os.utime(lock, (old, old))
    assert f"stale start lock {lock}" in lines_of(tmp_path) and "remove it" in lines_of(tmp_path)


def test_another_users_emulator_on_the_shared_port_is_named_as_not_yours(tmp_path):
    other = tmp_path / "other-user"
    other.mkdir(mode=0o700)
    theirs = service.start_detached("127.0.0.1", 0, folder=other)
    mine = tmp_path / "me"
    mine.mkdir(mode=0o700)
    try:
        said = lines_of(mine, default_url=theirs.url)
    finally:
        service.stop(other)
    assert f"{theirs.url} is an emulator that is not yours" in said


def test_mmcourse_doctor_prints_the_runtime_folders_state(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MMCOURSE_RUNTIME_DIR", str(tmp_path))
    monkeypatch.setenv("MMCOURSE_EMULATOR_URL", f"http://127.0.0.1:{free_port()}")
    assert main(["doctor"]) == 0
    out = capsys.readouterr().out
    assert f"emulator  runtime folder {tmp_path}" in out and "no detached emulator is running" in out
