"""mmcourse.client: retries that honour the server's delay, typed errors, no silent fallback, SSE."""

from __future__ import annotations

import io
import json

import pytest
import requests
from requests.adapters import BaseAdapter

from mmcourse import client as clientmod
from mmcourse import providers
from mmcourse.client import Client, iter_sse
from mmcourse.config import ProviderConfig
from mmcourse.providers import APIError, LiveCallError, Media, Text
from mmcourse.retry import backoff_delay


class ScriptedAdapter(BaseAdapter):
    """Answers each request with the next scripted (status, headers, body)."""

    def __init__(self, script):
        super().__init__()
        self.script = list(script)
        self.requests = []

    def send(self, request, **kwargs):
        self.requests.append(request)
        status, headers, body = self.script.pop(0)
        response = requests.Response()
        response.status_code = status
        response.headers.update(headers)
        response.raw = io.BytesIO(body if isinstance(body, bytes) else json.dumps(body).encode())
        response.url = request.url
        response.request = request
        return response

    def close(self):
        pass


def make_client(script, **kw):
    session = requests.Session()
    adapter = ScriptedAdapter(script)
    session.mount("http://", adapter)
    sleeps = []
    return Client(session=session, sleep=sleeps.append, **kw), adapter, sleeps


OK_OPENAI = {"id": "chatcmpl-1", "object": "chat.completion", "created": 0, "model": "gpt-5.4-mini",
             "choices": [{"index": 0, "message": {"role": "assistant", "content": "hi"}, "finish_reason": "stop"}],
             "usage": {"prompt_tokens": 3, "completion_tokens": 1, "total_tokens": 4}}
RATE = {"error": {"message": "Rate limit reached", "type": "requests", "param": None, "code": "rate_limit_exceeded"}}


def openai_request():
    return providers.openai.build_request("gpt-5.4-mini", [Text("hi")], base_url="http://emu/v1", api_key="k")


def test_retries_429_and_waits_what_the_server_asked():
    client, adapter, sleeps = make_client([(429, {"retry-after": "1.5"}, RATE), (200, {}, OK_OPENAI)])
    answer = client.complete(openai_request())
    assert answer.text == "hi"
    assert sleeps == [1.5]
    assert len(adapter.requests) == 2 and client.last.attempts == 2


def test_gemini_retry_delay_comes_from_retry_info():
    body = {"error": {"code": 429, "message": "quota", "status": "RESOURCE_EXHAUSTED",
                      "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "3s"}]}}
    ok = {"candidates": [{"content": {"parts": [{"text": "ok"}], "role": "model"}, "finishReason": "STOP"}],
          "usageMetadata": {"promptTokenCount": 1, "candidatesTokenCount": 1}}
    client, _, sleeps = make_client([(429, {}, body), (200, {}, ok)])
    req = providers.gemini.build_request("gemini-2.5-flash", [Text("x")], base_url="http://emu", api_key="k")
    assert client.complete(req).text == "ok"
    assert sleeps == [3.0]


def test_gives_up_after_max_retries_with_the_typed_error():
    client, adapter, sleeps = make_client([(529, {}, {"type": "error", "error": {
        "type": "overloaded_error", "message": "Overloaded"}})] * 3, max_retries=2)
    req = providers.anthropic.build_request("claude-sonnet-4-6", [Text("x")], base_url="http://emu", api_key="k")
    with pytest.raises(APIError) as info:
        client.complete(req)
    assert info.value.status == 529 and info.value.error_type == "overloaded_error"
    assert len(adapter.requests) == 3 and len(sleeps) == 2


def test_client_errors_are_not_retried():
    client, adapter, sleeps = make_client([(400, {}, {"error": {"message": "bad", "type": "invalid_request_error",
                                                                 "param": None, "code": None}})])
    with pytest.raises(APIError):
        client.complete(openai_request())
    assert len(adapter.requests) == 1 and sleeps == []


def test_backoff_grows_and_is_capped():
    import random

    rng = random.Random(0)
    delays = [backoff_delay(n, rng=rng) for n in range(6)]
    assert 0.375 <= delays[0] <= 0.5
    assert all(d <= 8.0 for d in delays) and delays[5] >= 6.0


def test_connection_failure_is_a_live_call_error_not_a_fallback():
    req = providers.gemini.build_request("gemini-2.5-flash", [Text("x")], base_url="http://127.0.0.1:9",
                                         api_key="AIzaSyREALLYSECRETKEY0000000000000")
    req = type(req)(req.method, req.url + "?key=AIzaSyREALLYSECRETKEY0000000000000", req.headers, req.json, "gemini")
    with pytest.raises(LiveCallError) as info:
        Client(timeout=0.5).complete(req)
    message = str(info.value)
    assert "does not fall back to the emulator" in message
    assert "AIzaSyREALLYSECRETKEY" not in message


def test_iter_sse_parses_named_events_and_comments():
    lines = ["event: message_start", 'data: {"a": 1}', "", ": keep-alive", "data: [DONE]", ""]
    assert list(iter_sse(iter(lines))) == [("message_start", '{"a": 1}'), (None, "[DONE]")]


def test_stream_yields_openai_deltas_until_done():
    chunks = b"".join(
        b"data: " + json.dumps({"choices": [{"index": 0, "delta": {"content": t}}]}).encode() + b"\n\n"
        for t in ["Hel", "lo"]
    ) + b'data: {"choices": [], "usage": {"prompt_tokens": 1}}\n\ndata: [DONE]\n\n'
    client, _, _ = make_client([(200, {"content-type": "text/event-stream"}, chunks)])
    assert list(client.stream(openai_request())) == ["Hel", "lo"]


def test_build_checks_capability_before_sending():
    cfg = ProviderConfig("anthropic", "offline", "http://emu", None, "k")
    with pytest.raises(clientmod.CapabilityError, match="does not accept audio"):
        clientmod.build("anthropic", "transcribe", Media("audio/wav", "UklGRg=="), cfg=cfg)


def test_build_picks_the_audio_default_for_audio():
    cfg = ProviderConfig("openai", "offline", "http://emu/v1", None, "k")
    req = clientmod.build("openai", "transcribe", Media("audio/wav", "UklGRg=="), cfg=cfg)
    assert req.json["model"] == clientmod.registry.AUDIO_DEFAULTS["openai"]


def test_build_passes_unknown_options_into_the_body():
    cfg = ProviderConfig("openai", "offline", "http://emu/v1", None, "k")
    req = clientmod.build("openai", "hi", cfg=cfg, seed=7, max_output_tokens=5)
    assert req.json["seed"] == 7 and req.json["max_completion_tokens"] == 5


def test_build_refuses_an_image_over_claudes_base64_limit_naming_the_fix():
    from mmcourse.encoding import EncodingError

    cfg = ProviderConfig("anthropic", "offline", "http://emu", None, "k")
    big = Media("image/png", "A" * (11 * 1024 * 1024), "scan.png")
    with pytest.raises(EncodingError, match=r"scan.png as base64 is 11.5 MB; anthropic accepts up to 10.5 MB: shrink"):
        clientmod.build("anthropic", "What is this?", big, cfg=cfg)


def test_build_lets_gemini_take_what_claude_refuses():
    cfg = ProviderConfig("gemini", "offline", "http://emu", None, "k")
    big = Media("image/png", "A" * (11 * 1024 * 1024), "scan.png")
    assert clientmod.build("gemini", "What is this?", big, cfg=cfg).json["contents"]


def test_build_refuses_too_many_images_for_claude():
    from mmcourse.encoding import EncodingError

    cfg = ProviderConfig("anthropic", "offline", "http://emu", None, "k")
    with pytest.raises(EncodingError, match="101 images in one request; anthropic accepts up to 100"):
        clientmod.build("anthropic", "Compare", *[Media("image/png", "AAAA")] * 101, cfg=cfg)
