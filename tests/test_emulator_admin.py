"""Teaching and grading hooks: faults and rate limits in each provider's shape, the per-scope
request log, the admin endpoints, and finding or starting an emulator."""

from __future__ import annotations

import base64
import http.server
import json
import threading
import time

import pytest
import requests

from mmcourse import registry
from mmcourse.emulator.control import EmulatorControl, EmulatorControlError
from tests.sdks import need

MODELS = {p: registry.default_model(p) for p in ("openai", "anthropic", "gemini")}


def call(origin, provider: str, api_key: str, text: str = "hi", extra_parts=(), **headers):
    """One minimal generation request to ``provider``."""
    if provider == "openai":
        body = {"model": MODELS["openai"], "messages": [{"role": "user", "content": [
            {"type": "text", "text": text}, *extra_parts]}]}
        return requests.post(f"{origin}/v1/chat/completions", json=body, timeout=30,
                             headers={"Authorization": f"Bearer {api_key}", **headers})
    if provider == "anthropic":
        body = {"model": MODELS["anthropic"], "max_tokens": 100,
                "messages": [{"role": "user", "content": [{"type": "text", "text": text}, *extra_parts]}]}
        return requests.post(f"{origin}/v1/messages", json=body, timeout=30,
                             headers={"x-api-key": api_key, "anthropic-version": "2023-06-01", **headers})
    body = {"contents": [{"parts": [{"text": text}, *extra_parts]}]}
    return requests.post(f"{origin}/v1beta/models/{MODELS['gemini']}:generateContent", json=body,
                         timeout=30, headers={"x-goog-api-key": api_key, **headers})


def test_health_says_it_is_the_mmcourse_emulator(origin):
    body = requests.get(f"{origin}/_mmcourse/health", timeout=10).json()
    assert body["emulator"] == "mmcourse" and set(body["providers"]) == {"openai", "anthropic", "gemini"}
    assert body["version"]


@pytest.mark.parametrize("path", ["/_mmcourse/health", "/nowhere", "/v1/chat/completions", "/v1beta/models"])
def test_every_response_is_marked_as_the_emulators(origin, path):
    assert "x-mmcourse-emulator" in requests.get(f"{origin}{path}", timeout=10).headers


@pytest.mark.parametrize("provider, status, kind", [
    ("openai", 503, "service_unavailable_error"),
    ("anthropic", 529, "overloaded_error"),
    ("gemini", 503, "UNAVAILABLE"),
])
def test_injected_faults_hit_the_next_n_requests_in_the_providers_shape(origin, api_key, control, provider, status, kind):
    control.inject_fault(provider, status, count=2, retry_after=2)
    first, second, third = (call(origin, provider, api_key) for _ in range(3))
    assert (first.status_code, second.status_code, third.status_code) == (status, status, 200)
    assert first.headers["retry-after"] == "2"
    body = first.json()
    found = body["error"]["status"] if provider == "gemini" else body["error"]["type"]
    assert found == kind
    if provider == "gemini":
        assert body["error"]["message"] == "The model is overloaded. Please try again later."


@pytest.mark.parametrize("provider, status", [("openai", 429), ("openai", 503),
                                              ("anthropic", 429), ("anthropic", 529)])
def test_a_sub_second_retry_after_is_sent_exactly_in_ms_and_rounded_up_in_seconds(
        origin, api_key, control, provider, status):
    control.inject_fault(provider, status, count=1, retry_after=0.01)
    resp = call(origin, provider, api_key)
    assert resp.status_code == status
    # HTTP's retry-after is whole seconds: rounded up, never "0" for a positive delay.
    assert resp.headers["retry-after"] == "1"
    assert resp.headers["retry-after-ms"] == "10"


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_the_official_sdks_read_the_exact_sub_second_delay(origin, api_key, control, provider):
    anthropic = need("anthropic")
    import httpx
    openai = need("openai")

    control.inject_fault(provider, 429, count=1, retry_after=0.01)
    headers = httpx.Headers(dict(call(origin, provider, api_key).headers))
    client = (openai.OpenAI(api_key=api_key, base_url=f"{origin}/v1") if provider == "openai"
              else anthropic.Anthropic(api_key=api_key, base_url=origin))
    # The Stainless SDKs' own parser: retry-after-ms first (a "0" retry-after would be ignored).
    assert client._parse_retry_after_header(headers) == pytest.approx(0.01)


def test_gemini_injected_429_keeps_a_fractional_retry_delay_exact(origin, api_key, control):
    control.inject_fault("gemini", 429, count=1, retry_after=0.5)
    resp = call(origin, "gemini", api_key)
    details = {d["@type"].rsplit(".", 1)[-1]: d for d in resp.json()["error"]["details"]}
    # A protobuf Duration carries fractions; "0.500s" is its canonical JSON form.
    assert details["RetryInfo"]["retryDelay"] == "0.500s"
    assert resp.headers["retry-after"] == "1"


def test_faults_are_per_provider_and_per_scope(origin, api_key, control):
    control.inject_fault("openai", 500)
    assert call(origin, "anthropic", api_key).status_code == 200
    assert call(origin, "openai", "another-learners-key").status_code == 200
    resp = call(origin, "openai", api_key)
    assert resp.status_code == 500 and resp.json()["error"]["type"] == "server_error"


def test_latency_fault_delays_then_answers(origin, api_key, control):
    control.inject_fault("gemini", None, latency_ms=300)
    started = time.monotonic()
    assert call(origin, "gemini", api_key).status_code == 200
    assert time.monotonic() - started >= 0.3


def test_cleared_faults_do_not_fire(origin, api_key, control):
    control.inject_fault("anthropic", 529, count=5)
    control.clear_faults()
    assert call(origin, "anthropic", api_key).status_code == 200


def test_openai_rate_limit_is_429_with_headers(origin, api_key, control):
    control.set_rate_limit("openai", 2)
    responses = [call(origin, "openai", api_key) for _ in range(3)]
    assert [r.status_code for r in responses] == [200, 200, 429]
    assert responses[1].headers["x-ratelimit-limit-requests"] == "2"
    assert responses[1].headers["x-ratelimit-remaining-requests"] == "0"
    limited = responses[2]
    assert limited.json()["error"]["code"] == "rate_limit_exceeded"
    assert 1 <= float(limited.headers["retry-after"]) <= 60


def test_anthropic_rate_limit_is_rate_limit_error(origin, api_key, control):
    control.set_rate_limit("anthropic", 1)
    call(origin, "anthropic", api_key)
    limited = call(origin, "anthropic", api_key)
    assert limited.status_code == 429 and limited.json()["error"]["type"] == "rate_limit_error"
    assert limited.headers["anthropic-ratelimit-requests-remaining"] == "0" and "retry-after" in limited.headers


def test_gemini_rate_limit_carries_quota_failure_and_retry_info(origin, api_key, control):
    control.set_rate_limit("gemini", 1)
    call(origin, "gemini", api_key)
    limited = call(origin, "gemini", api_key)
    err = limited.json()["error"]
    assert limited.status_code == 429 and err["status"] == "RESOURCE_EXHAUSTED"
    types = {d["@type"].rsplit(".", 1)[-1]: d for d in err["details"]}
    assert {"QuotaFailure", "RetryInfo"} <= set(types)
    assert types["RetryInfo"]["retryDelay"].endswith("s")
    control.set_rate_limit("gemini", None)
    assert call(origin, "gemini", api_key).status_code == 200


def test_log_records_what_reached_the_server(origin, api_key, control, jpeg_bytes):
    data = base64.b64encode(jpeg_bytes).decode()
    image = {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": data}}
    call(origin, "anthropic", api_key, "Describe", [image])
    call(origin, "anthropic", "sk-invalid-key", "Describe")
    [record] = control.log("anthropic")
    assert record["verdict"] == "accepted" and record["status"] == 200 and record["error"] is None
    assert record["model"] == MODELS["anthropic"] and record["path"] == "/v1/messages"
    assert record["media"][0]["mime"] == "image/jpeg" and len(record["media"][0]["image_hash"]) == 16
    logged = record["request"]["messages"][0]["content"][1]["source"]["data"]
    assert logged == f"{data[:64]}...({len(data)} chars)"
    assert record["headers"]["x-api-key"] == "<redacted>"
    assert api_key not in json.dumps(record)


def test_rejected_requests_are_logged_with_their_error_type(origin, api_key, control):
    call(origin, "openai", api_key, extra_parts=[{"type": "image_url", "image_url": {"url": "data:image/png;base64,@@"}}])
    [record] = control.log("openai")
    assert record["verdict"] == "invalid_request_error" and record["status"] == 400
    assert record["error"] == "Invalid base64 image_url."


def test_a_scope_header_without_the_admin_token_does_not_move_a_request(origin, api_key, control):
    call(origin, "gemini", api_key, **{"x-mmcourse-scope": "grading-run-1"})
    assert EmulatorControl(origin, scope="grading-run-1").log() == []
    assert [r["scope"] for r in control.log()] == [control.scope]


def test_reset_log_and_reset(origin, api_key, control):
    call(origin, "openai", api_key)
    control.reset_log()
    assert control.log() == []
    control.inject_fault("openai", 500)
    control.reset()
    assert call(origin, "openai", api_key).status_code == 200


def test_control_names_bad_admin_requests(origin):
    with pytest.raises(EmulatorControlError, match="unknown provider"):
        EmulatorControl(origin, scope="x").inject_fault("mistral", 500)
    with pytest.raises(EmulatorControlError, match="4xx/5xx"):
        EmulatorControl(origin, scope="x").inject_fault("openai", 200)


# ---------------------------------------------------------------- finding an emulator


@pytest.fixture
def other_server():
    """A local HTTP server that is not the emulator (answers 404 to everything)."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), http.server.BaseHTTPRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_ensure_running_reuses_an_emulator_that_answers(origin, monkeypatch):
    from mmcourse import emulator

    monkeypatch.setenv("MMCOURSE_EMULATOR_URL", origin)
    assert emulator.ensure_running() == origin


def test_ensure_running_refuses_an_explicit_url_that_is_not_the_emulator(other_server):
    from mmcourse import emulator

    with pytest.raises(RuntimeError, match="not the mmcourse emulator"):
        emulator.ensure_running(other_server)


def test_ensure_running_moves_off_a_taken_default_port(other_server, monkeypatch, capsys, tmp_path):
    from mmcourse import emulator
    from mmcourse.emulator import service

    monkeypatch.delenv("MMCOURSE_EMULATOR_URL", raising=False)
    monkeypatch.setenv("MMCOURSE_RUNTIME_DIR", str(tmp_path))
    monkeypatch.setattr(emulator, "DEFAULT_URL", other_server)
    monkeypatch.setattr(emulator, "_RUNNING", None)
    try:
        url = emulator.ensure_running()
        assert url != other_server and emulator.probe(url) == "mmcourse"
        assert "taken by another program" in capsys.readouterr().err
        import os

        assert os.environ["MMCOURSE_EMULATOR_URL"] == url
        assert emulator.ensure_running() == url  # the second call reuses it
    finally:
        service.stop(tmp_path)


def test_start_and_stop_a_private_emulator():
    from mmcourse import emulator

    with emulator.start(port=0) as emu:
        assert emulator.probe(emu.base_url) == "mmcourse"
        assert emu.control.health()["emulator"] == "mmcourse"
    assert emulator.probe(emu.base_url) == "absent"


def test_control_accepts_openais_base_url_with_v1(origin):
    from mmcourse.emulator.control import EmulatorControl

    assert EmulatorControl(origin + "/v1/").origin == origin
    assert EmulatorControl(origin + "/v1").health()["emulator"] == "mmcourse"


def test_a_class_emulator_locks_each_scope_to_its_own_key(monkeypatch):
    import requests

    from mmcourse import emulator
    from mmcourse.config import offline_key, scope_of
    from mmcourse.emulator.control import EmulatorControl, EmulatorControlError

    with emulator.start(admin_token="teacher-secret-123") as server:
        alice_key, bob_key = offline_key({"MMCOURSE_SCOPE": "alice"}), offline_key({"MMCOURSE_SCOPE": "bob"})
        requests.post(f"{server.base_url}/v1/chat/completions", timeout=10,
                      headers={"Authorization": f"Bearer {alice_key}"},
                      json={"model": "gpt-5.4-mini", "messages": [{"role": "user", "content": "hi"}]})
        monkeypatch.delenv("MMCOURSE_ADMIN_TOKEN", raising=False)
        monkeypatch.setenv("MMCOURSE_SCOPE", "alice")
        assert len(EmulatorControl(server.base_url).log()) == 1  # alice reads her own log
        with pytest.raises(EmulatorControlError, match="403"):
            EmulatorControl(server.base_url, scope=scope_of(bob_key)).inject_fault("openai", 500)
        with pytest.raises(EmulatorControlError, match="403"):
            EmulatorControl(server.base_url, scope="*").log()
        health = EmulatorControl(server.base_url).health()
        assert "teacher-secret-123" not in str(health) and health["settings"]["admin_token_required"]
        monkeypatch.setenv("MMCOURSE_ADMIN_TOKEN", "teacher-secret-123")  # the teacher
        assert len(EmulatorControl(server.base_url, scope="*").log()) == 1
        assert EmulatorControl(server.base_url, scope=scope_of(bob_key)).log() == []


def test_a_personal_emulator_is_open(origin):
    from mmcourse.emulator.control import EmulatorControl

    assert EmulatorControl(origin, scope="*").health()["settings"]["admin_token_required"] is False
    assert isinstance(EmulatorControl(origin, scope="*").log(), list)
