"""The emulator's state without HTTP: scopes, the request log, faults, rate limits, files."""

from __future__ import annotations

import hashlib

import pytest

from mmcourse.emulator.state import (
    EmulatorState,
    Settings,
    StoredFile,
    StoreFull,
    default_scope,
    offline_key,
    scope_of,
)


def stored(file_id: str, scope: str = "s1", size: int = 10, provider: str = "openai") -> StoredFile:
    return StoredFile(id=file_id, provider=provider, scope=scope, filename="f", mime="text/plain",
                      data=b"x" * size, created=float(len(file_id)))


def test_scope_is_first_12_hex_of_the_key_sha256():
    assert scope_of("mmcourse-offline") == hashlib.sha256(b"mmcourse-offline").hexdigest()[:12]


def test_offline_key_carries_mmcourse_scope(monkeypatch):
    monkeypatch.setenv("MMCOURSE_SCOPE", "alice")
    assert offline_key() == "mmcourse-offline-alice"
    assert default_scope() == scope_of("mmcourse-offline-alice")
    monkeypatch.delenv("MMCOURSE_SCOPE")
    assert offline_key() == "mmcourse-offline"


def test_log_is_per_scope_and_ordered():
    state = EmulatorState()
    state.log({"scope": "a", "provider": "openai"})
    state.log({"scope": "b", "provider": "gemini"})
    state.log({"scope": "a", "provider": "gemini"})
    assert [r["provider"] for r in state.records("a")] == ["openai", "gemini"]
    assert [r["provider"] for r in state.records("a", "gemini")] == ["gemini"]
    assert len(state.records(None)) == 3
    assert [r["seq"] for r in state.records(None)] == sorted(r["seq"] for r in state.records(None))


def test_log_keeps_only_the_last_records_per_scope():
    state = EmulatorState(Settings(max_log_records=5))
    for i in range(12):
        state.log({"scope": "a", "n": i})
    assert [r["n"] for r in state.records("a")] == [7, 8, 9, 10, 11]


def test_faults_are_consumed_in_order_per_scope_and_provider():
    state = EmulatorState()
    state.inject_fault("a", "anthropic", 529, count=2, retry_after=3)
    state.inject_fault("a", "anthropic", None, latency_ms=50)
    assert state.next_fault("b", "anthropic") is None
    assert state.next_fault("a", "openai") is None
    statuses = [state.next_fault("a", "anthropic") for _ in range(4)]
    assert [f.status if f else "none" for f in statuses] == [529, 529, None, "none"]
    assert statuses[0].retry_after == 3 and statuses[2].latency_ms == 50


@pytest.mark.parametrize("status, count, latency", [(200, 1, 0), (None, 1, 0), (500, 0, 0)])
def test_nonsense_faults_are_refused(status, count, latency):
    with pytest.raises(ValueError):
        EmulatorState().inject_fault("a", "openai", status, count=count, latency_ms=latency)


def test_rate_limit_allows_n_per_minute_then_refuses():
    state = EmulatorState()
    state.set_rate_limit("a", "gemini", 2)
    results = [state.rate_hit("a", "gemini") for _ in range(3)]
    assert [r[0] for r in results] == [True, True, False]
    assert results[0][1:3] == (2, 1)
    assert 0 < results[2][3] <= 60
    assert state.rate_hit("b", "gemini")[0] is True  # another scope is not limited


def test_clearing_a_rate_limit_lifts_it():
    state = EmulatorState()
    state.set_rate_limit("a", "openai", 1)
    state.rate_hit("a", "openai")
    state.set_rate_limit("a", "openai", None)
    assert state.rate_hit("a", "openai")[0] is True


def test_file_store_refuses_past_its_cap():
    state = EmulatorState(Settings(max_file_store_bytes=25))
    state.add_file(stored("f1", size=20))
    with pytest.raises(StoreFull, match="delete uploaded files"):
        state.add_file(stored("f2", size=10))


def test_files_are_listed_per_scope_but_found_by_id_anywhere():
    state = EmulatorState()
    state.add_file(stored("f1", scope="a"))
    state.add_file(stored("f22", scope="b"))
    assert [f.id for f in state.list_files("openai", "a")] == ["f1"]
    assert state.get_file("openai", "f22") is not None
    assert state.get_file("gemini", "f22") is None  # another provider's store


def test_reset_forgets_only_that_scope():
    state = EmulatorState()
    for scope in ("a", "b"):
        state.add_file(stored(f"file-{scope}", scope=scope))
        state.log({"scope": scope})
        state.inject_fault(scope, "openai", 500)
        state.set_rate_limit(scope, "openai", 1)
    state.reset("a")
    assert state.records("a") == [] and state.list_files("openai", "a") == []
    assert state.next_fault("a", "openai") is None and state.limiter.limit("a", "openai") is None
    assert len(state.records("b")) == 1 and state.next_fault("b", "openai").status == 500


def test_unknown_setting_is_named():
    with pytest.raises(TypeError, match="video_seconds"):
        Settings().updated(video_seconds=1)
