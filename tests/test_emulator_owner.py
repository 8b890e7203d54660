"""On a shared machine an emulator proves whose it is: a user's kernels reuse only their own
emulator, never another user's that holds 127.0.0.1:8765 (two users simulated by two runtime
folders, each with its own owner key)."""

from __future__ import annotations

import json
import os
import stat
import urllib.request

import pytest

from mmcourse import emulator
from mmcourse.emulator import service
from tests.test_emulator_service import free_port


@pytest.fixture
def two_users(tmp_path, monkeypatch):
    """Runtime folders of users "ann" and "bob", a free port standing for 8765; stops both users' emulators."""
    folders = {name: tmp_path / name for name in ("ann", "bob")}
    for folder in folders.values():
        folder.mkdir(mode=0o700)
    monkeypatch.setattr(emulator, "DEFAULT_URL", f"http://127.0.0.1:{free_port()}")
    monkeypatch.setenv("MMCOURSE_EMULATOR_URL", "")  # restored (unset) after the test
    monkeypatch.delenv("MMCOURSE_EMULATOR_URL")
    monkeypatch.setattr(emulator, "_RUNNING", None)
    yield folders
    for folder in folders.values():
        service.stop(folder)


def as_user(monkeypatch, folder) -> None:
    monkeypatch.setenv("MMCOURSE_RUNTIME_DIR", str(folder))


def health(url: str, query: str = "") -> dict:
    with urllib.request.urlopen(f"{url}/_mmcourse/health{query}", timeout=5) as r:
        return json.loads(r.read())


def test_the_owner_key_is_private_and_stays_the_same(tmp_path):
    key = service.owner_key(tmp_path)
    assert service.owner_key(tmp_path) == key and len(key) >= 32
    assert stat.S_IMODE((tmp_path / service.OWNER_FILE).stat().st_mode) == 0o600


def test_a_users_emulator_is_theirs_and_not_another_users(two_users):
    running = service.start_detached("127.0.0.1", 0, folder=two_users["ann"])
    assert service.ownership(running.url, two_users["ann"]) == "mine"
    assert service.ownership(running.url, two_users["bob"]) == "another"


def test_the_health_check_answers_a_challenge_without_giving_the_key_away(two_users):
    running = service.start_detached("127.0.0.1", 0, folder=two_users["ann"])
    key = service.owner_key(two_users["ann"]).decode()
    assert "owner_proof" not in health(running.url)
    answered = health(running.url, "?owner_challenge=abc")
    assert answered["owner_proof"] == service.owner_proof(key.encode(), "abc")
    assert key not in json.dumps(answered)
    assert "owner_proof" not in health(running.url, "?owner_challenge=" + "a" * 129), "bounded work"


def test_a_second_user_starts_their_own_emulator_instead_of_reusing_anothers_on_the_shared_port(
        two_users, monkeypatch, capsys):
    port = int(emulator.DEFAULT_URL.rsplit(":", 1)[1])
    anns = service.start_detached("127.0.0.1", port, folder=two_users["ann"])
    assert anns.url == emulator.DEFAULT_URL
    as_user(monkeypatch, two_users["bob"])
    bobs = emulator.ensure_running()
    assert bobs != anns.url
    assert service.ownership(bobs, two_users["bob"]) == "mine"
    said = capsys.readouterr().err
    assert f"{anns.url} is an emulator that cannot prove it is yours" in said and bobs in said
    assert os.environ["MMCOURSE_EMULATOR_URL"] == bobs


def test_a_user_still_reuses_their_own_emulator_on_the_shared_port(two_users, monkeypatch):
    port = int(emulator.DEFAULT_URL.rsplit(":", 1)[1])
    # started in the foreground by hand: no state file, only the port and the owner key
    anns = service.start_detached("127.0.0.1", port, folder=two_users["ann"])
    (two_users["ann"] / service.STATE_FILE).rename(two_users["ann"] / "elsewhere.json")
    as_user(monkeypatch, two_users["ann"])
    try:
        assert emulator.ensure_running() == anns.url
    finally:
        (two_users["ann"] / "elsewhere.json").rename(two_users["ann"] / service.STATE_FILE)


def test_a_state_file_whose_port_another_users_emulator_now_holds_is_not_followed(two_users, monkeypatch):
    bobs = service.start_detached("127.0.0.1", 0, folder=two_users["bob"])
    # Ann's crashed emulator left a state file; its pid lives on (reused) and Bob now holds its port.
    (two_users["ann"] / service.STATE_FILE).write_text(json.dumps({"pid": bobs.pid, "url": bobs.url}))
    as_user(monkeypatch, two_users["ann"])
    anns = emulator.ensure_running()
    assert anns != bobs.url and service.ownership(anns, two_users["ann"]) == "mine"
