"""Parity: real recorded exchanges replayed against the emulator, LocalStack style.

``../shared/recordings/`` (beside the repository; CI has it) holds request/response pairs
recorded against api.openai.com, api.anthropic.com and generativelanguage.googleapis.com
(pydantic-ai VCR cassettes, google-gemini/cookbook outputs, error bodies quoted in public
issues; sources and licences in its README). Each request is replayed unchanged but for
media blobs (a course file of the same type goes in) and the model (below), then compared on:

* the status;
* the key tree and value types, both ways (ids, timestamps, token counts and text are
  values, so normalised away; ints and floats are both "number");
* the error envelope's strings (type, code, status, param and the message, with redacted
  keys and request ids normalised);
* the SSE event sequence (event types in order, runs of deltas collapsed).

A recording that cannot pass is listed in ``EXCEPTIONS`` with the reason. The test module
prints the parity figure (``passed of total``) at the end of the run.
"""

from __future__ import annotations

import base64
import copy
import hashlib
import io
import json
import re
import time
import uuid
import wave
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[1]
RECORDINGS = ROOT.parent / "shared" / "recordings"
PROVIDERS = ("openai", "anthropic", "gemini")

# Recordings the emulator cannot reproduce, and why. Keep it short.
EXCEPTIONS = {
    "openai_400_o1mini_system": "o1-mini is retired (not served); no served model refuses the system role",
    "openai_429_rate_limit": "2023 body (code null, per-org limit text); 2026 429s carry code "
                             "rate_limit_exceeded, which the emulator sends",
    "openai_multi_image_jpeg_toolreturn": "an https image URL: the emulator never fetches URLs (offline)",
    "anthropic_multi_image_toolreturn": "an https image URL inside tool_result: never fetched (offline)",
    "openai_stream_3": "the `moderation` results chunk is not emulated (no moderation model runs)",
    "anthropic_400_media_type_mismatch": "2025 wording; the 2026 API says 'The image was specified using "
                                         "the image/png media type, but…', which the emulator sends",
    "gemini_400_bad_base64_inline_data": "the reporter elided the quoted value (\"https://xxx...\")",
}

# Recorded models the course registry does not serve, replayed on a served model of the same
# family (the wire shape is the provider's, not the model's).
MODEL_STANDINS = {
    "claude-3-opus-latest": "claude-opus-4-5",
    "claude-sonnet-4-0": "claude-sonnet-4-5",
    "gemini-2.0-flash": "gemini-2.5-flash-lite",
    "gemini-2.0-flash-exp": "gemini-2.5-flash-lite",
}

# Keys the real API itself sends in some recordings of a shape and not in others (by model
# generation or date): compared only when both sides carry them.
VARIES = {
    "gemini": {
        "candidates[].avgLogprobs": "gemini-2.0 models only",
        "usageMetadata.candidatesTokensDetails": "gemini-2.0 models only",
        "usageMetadata.candidatesTokensDetails[].modality": "gemini-2.0 models only",
        "usageMetadata.candidatesTokensDetails[].tokenCount": "gemini-2.0 models only",
        "candidates[].index": "absent in gemini-2.0 recordings (2025), present since",
        "usageMetadata.serviceTier": "added in 2026 (absent in 2025 recordings)",
        "usageMetadata.candidatesTokenCount": "gemini-2.0 streams: only in the last chunk",
        "usageMetadata.candidatesTokensDetails[]": "gemini-2.0 models only",
        "usageMetadata.thoughtsTokenCount": "thinking models only, and not with thinkingBudget 0",
        "usageMetadata.toolUsePromptTokenCount": "when tools are declared, some recordings",
        "source": "File objects: absent in 2024 uploads, present in 2025",
        "file.source": "File objects: absent in 2024 uploads, present in 2025",
        "videoMetadata.videoThumbnailBytes": "a 2024 File API field not sent for every video",
    },
    "anthropic": {
        "stop_details": "2026 field (SDK 2026-04-01), absent in earlier recordings",
        "usage.inference_geo": "2026 field (SDK 2026-02-05), absent in earlier recordings",
        "message.usage.inference_geo": "2026 field, absent in earlier recordings",
        "message.stop_details": "2026 field, absent in earlier recordings",
        "delta.stop_details": "2026 field, absent in earlier recordings",
    },
    "openai": {
        "usage.prompt_tokens_details.text_tokens": "audio/multimodal models only",
        "usage.prompt_tokens_details.image_tokens": "audio/multimodal models only",
        "usage.completion_tokens_details.text_tokens": "audio models only",
        "choices[].logprobs": "absent in some gpt-5 / audio-model answers",
        "obfuscation": "2025-09 onwards in streams",
    },
}


def _load() -> dict[str, list[dict]]:
    if not RECORDINGS.is_dir():
        return {}
    return {p: json.loads((RECORDINGS / f"{p}.json").read_text()) for p in PROVIDERS}


LOADED = _load()
CASES = [(p, r) for p in PROVIDERS for r in LOADED.get(p, [])]
RESULTS: dict[str, bool] = {}


# ---------------------------------------------------------------- course files for blobs


def _mp3(wav_path: Path) -> bytes:
    """The course's voicemail as MP3 (recordings carry MP3; the course ships WAV)."""
    import av

    out = io.BytesIO()
    with av.open(str(wav_path)) as src, av.open(out, "w", format="mp3") as dst:
        stream = dst.add_stream("mp3", rate=src.streams.audio[0].rate)
        for frame in src.decode(audio=0):
            frame.pts = None
            for packet in stream.encode(frame):
                dst.mux(packet)
        for packet in stream.encode(None):
            dst.mux(packet)
    return out.getvalue()


def _wav() -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(16000)
        w.writeframes(b"\x00\x01" * 16000)
    return buf.getvalue()


_FILES: dict[str, bytes] = {}


def course_file(mime: str) -> bytes:
    """A course file of ``mime`` (what the recording's blob was) to put in the blob's place."""
    if mime not in _FILES:
        data = ROOT / "data"
        paths = {"image/png": data / "charts/quarterly_revenue.png", "image/jpeg": data / "photos/coffee.jpg",
                 "application/pdf": data / "documents/invoice.pdf", "video/mp4": data / "video/product_update.mp4"}
        if mime in paths:
            _FILES[mime] = paths[mime].read_bytes()
        elif mime in ("audio/mp3", "audio/mpeg"):
            _FILES[mime] = _mp3(data / "audio/delivery_voicemail.wav")
        elif mime == "audio/wav":
            _FILES[mime] = _wav()
        else:  # opaque bytes (a thought signature)
            _FILES[mime] = b"mmcourse-opaque-signature"
    return _FILES[mime]


_BLOB = re.compile(r"__BLOB__ mime=(\S+) b64len=\d+")
_PAD = re.compile(r"__PAD__ bytes=(\d+)")


def fill_blobs(value):
    """The recorded body with blobs replaced by course files and pads by filler text."""
    if isinstance(value, dict):
        return {k: fill_blobs(v) for k, v in value.items()}
    if isinstance(value, list):
        return [fill_blobs(v) for v in value]
    if isinstance(value, str):
        pad = _PAD.fullmatch(value)
        if pad:
            return "A" * int(pad.group(1))
        return _BLOB.sub(lambda m: base64.b64encode(course_file(m.group(1))).decode(), value)
    return value


def stand_in(provider: str, path: str, body):
    """Swap unserved recorded models for served ones (in the body or the Gemini URL)."""
    for old, new in MODEL_STANDINS.items():
        path = path.replace(f"/models/{old}:", f"/models/{new}:")
    if isinstance(body, dict) and body.get("model") in MODEL_STANDINS:
        body = {**body, "model": MODEL_STANDINS[body["model"]]}
    return path, body


# ---------------------------------------------------------------- shapes and normalising


def _kind(value) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def key_tree(value, prefix: str = "") -> dict[str, set[str]]:
    """Every key path (list items as ``[]``) with the value types seen there."""
    out: dict[str, set[str]] = {}
    if prefix:
        out.setdefault(prefix, set()).add(_kind(value))
    if isinstance(value, dict):
        for k, v in value.items():
            for path, kinds in key_tree(v, f"{prefix}.{k}" if prefix else k).items():
                out.setdefault(path, set()).update(kinds)
    elif isinstance(value, list):
        for v in value:
            for path, kinds in key_tree(v, f"{prefix}[]").items():
                out.setdefault(path, set()).update(kinds)
    return out


def tree_differences(provider: str, recorded, replayed, where: str = "body") -> list[str]:
    """Key paths or types that differ, both ways (VARIES paths only when both have them)."""
    want, got = key_tree(recorded), key_tree(replayed)
    varies = VARIES[provider]
    problems = []
    for path in sorted(set(want) | set(got)):
        if path.removeprefix("[].") in varies:
            continue
        if path not in got:
            if path not in varies:
                problems.append(f"{where}: missing {path} ({'/'.join(sorted(want[path]))})")
        elif path not in want:
            if path not in varies:
                problems.append(f"{where}: extra {path} ({'/'.join(sorted(got[path]))})")
        elif not (want[path] & got[path]) and not (want[path] <= {"null"} or got[path] <= {"null"}):
            problems.append(f"{where}: {path} is {sorted(got[path])}, recorded {sorted(want[path])}")
    return problems


_REDACTED_KEY = re.compile(r"\b[\w-]{2,8}\*{3,}[\w-]{0,6}")
_REQUEST_ID = re.compile(r"\breq_\w+")


def _norm_text(text: str) -> str:
    return _REQUEST_ID.sub("<request-id>", _REDACTED_KEY.sub("<redacted-key>", text))


def error_strings(body) -> dict[str, str]:
    """The envelope's string fields (type, code, status, param, message), normalised."""
    body = body[0] if isinstance(body, list) and body else body
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return {}
    return {k: _norm_text(str(error[k])) for k in ("type", "code", "status", "param", "message")
            if k in error}


def event_sequence(events: list[dict]) -> list[str]:
    """The SSE events' types in order, consecutive repeats collapsed (N deltas -> one)."""
    seq: list[str] = []
    for event in events:
        data = event.get("data")
        if data == "[DONE]":
            name = "[DONE]"
        elif isinstance(data, dict) and data.get("type"):
            name = data["type"]
            delta = data.get("delta") if isinstance(data.get("delta"), dict) else {}
            block = data.get("content_block") if isinstance(data.get("content_block"), dict) else {}
            sub = delta.get("type") or block.get("type")
            name += f":{sub}" if sub else ""
        else:
            name = _chunk_kind(data)
        if not seq or seq[-1] != name:
            seq.append(name)
    return seq


def _chunk_kind(data) -> str:
    """An unnamed chunk (OpenAI, Gemini) by what it carries: role, text, tool call, finish, usage."""
    if not isinstance(data, dict):
        return "?"
    for choice in data.get("choices") or data.get("candidates") or []:
        delta = choice.get("delta") or choice.get("content") or {}
        if choice.get("finish_reason") or choice.get("finishReason"):
            return "finish"
        if delta.get("tool_calls") or any("functionCall" in p for p in delta.get("parts") or []):
            return "tool_call"
        if delta.get("role") and "content" in delta and not delta.get("content"):
            return "role"
        return "text"
    return "usage" if data.get("usage") else "empty"


def parse_sse(text: str) -> list[dict]:
    events = []
    for block in re.split(r"\r?\n\r?\n", text):
        event, data = None, []
        for line in block.splitlines():
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())
        if data:
            raw = "\n".join(data)
            events.append({"event": event, "data": raw if raw == "[DONE]" else json.loads(raw)})
    return events


# ---------------------------------------------------------------- replay


def auth_headers(provider: str, key: str, path: str) -> dict[str, str]:
    if provider == "openai":
        return {"authorization": f"Bearer {key}"}
    if provider == "anthropic":
        return {"x-api-key": key, "anthropic-version": "2023-06-01"}
    return {} if "key=" in path else {"x-goog-api-key": key}


def replay(client: httpx.Client, provider: str, record: dict, key: str) -> httpx.Response:
    from mmcourse.emulator.control import EmulatorControl

    request = record["request"]
    control = EmulatorControl(str(client.base_url), scope=hashlib.sha256(key.encode()).hexdigest()[:12])
    if record.get("fault"):
        control.inject_fault(provider, record["fault"]["status"])
    headers = {**auth_headers(provider, key, request["path"]), **request.get("headers_of_note", {})}
    path, body = stand_in(provider, request["path"], fill_blobs(copy.deepcopy(request["body"])))
    upload = request.get("upload")
    if upload is not None and ("{uploaded}" in path or path == "/v1beta/files"):
        name = upload.get("display_name") or (record["response"].get("body") or {}).get("displayName")
        file_id = gemini_upload(client, headers, {**upload, "display_name": name})
        if upload.get("wait_active"):
            wait_active(client, headers, file_id)
        path = path.replace("{uploaded}", file_id)
    if upload is not None and path.startswith("/upload/"):
        start = client.post(path, headers=headers, json=body)
        url = start.headers["x-goog-upload-url"]
        data = course_file(upload["mime"])
        return client.post(url, content=data, headers={
            **headers, "x-goog-upload-command": upload["then"], "x-goog-upload-offset": "0"})
    content = None if body is None else json.dumps(body).encode()
    if content is not None:
        headers.setdefault("content-type", "application/json")
    return client.request(request["method"], path, content=content, headers=headers)


def gemini_upload(client: httpx.Client, headers: dict, upload: dict) -> str:
    meta = {"file": {"display_name": upload["display_name"]}} if upload.get("display_name") else {}
    start = client.post("/upload/v1beta/files", json=meta, headers={
        **headers, "x-goog-upload-protocol": "resumable", "x-goog-upload-command": "start",
        "x-goog-upload-header-content-type": upload["mime"]})
    done = client.post(start.headers["x-goog-upload-url"], content=course_file(upload["mime"]), headers={
        **headers, "x-goog-upload-command": "upload, finalize", "x-goog-upload-offset": "0"})
    return done.json()["file"]["name"].split("/", 1)[1]


def wait_active(client: httpx.Client, headers: dict, file_id: str) -> None:
    deadline = time.monotonic() + 10
    while client.get(f"/v1beta/files/{file_id}", headers=headers).json().get("state") != "ACTIVE":
        assert time.monotonic() < deadline, "the uploaded video never became ACTIVE"
        time.sleep(0.1)


def differences(provider: str, record: dict, response: httpx.Response) -> list[str]:
    """Everything in which the replayed response differs from the recorded one."""
    want = record["response"]
    problems = []
    if response.status_code != want["status"]:
        problems.append(f"status {response.status_code}, recorded {want['status']}: {response.text[:300]}")
        return problems
    if "sse_events" in want:
        got_events = parse_sse(response.text)
        want_seq, got_seq = event_sequence(want["sse_events"]), event_sequence(got_events)
        if want_seq != got_seq:
            problems.append(f"events {got_seq}, recorded {want_seq}")
        for name in set(want_seq) & set(got_seq):
            recorded = [e["data"] for e in want["sse_events"] if event_sequence([e]) == [name]]
            replayed = [e["data"] for e in got_events if event_sequence([e]) == [name]]
            problems += tree_differences(provider, recorded, replayed, f"event {name}")
        return problems
    body = response.json() if response.content else {}
    problems += tree_differences(provider, want["body"], body)
    if want["status"] >= 400:
        recorded, replayed = error_strings(want["body"]), error_strings(body)
        if want["status"] == 429 and "message" in recorded:
            # A quota message continues with per-account text: the recorded part must lead it.
            if replayed.get("message", "").startswith(recorded["message"].rstrip(". ")):
                replayed["message"] = recorded["message"]
        if recorded != replayed:
            problems.append(f"error strings {replayed}, recorded {recorded}")
    return problems


@pytest.fixture(scope="module")
def http(emulator):
    with httpx.Client(base_url=emulator.base_url.rstrip("/"), timeout=60) as client:
        yield client


@pytest.fixture(scope="module", autouse=True)
def parity_figure(request):
    """Print the parity figure (passed of total) after the module's tests, uncaptured."""
    yield
    if RESULTS:
        passed = sum(RESULTS.values())
        line = (f"emulator parity: {passed} of {len(RESULTS)} recordings pass "
                f"({len(EXCEPTIONS)} listed as exceptions)")
        capture = request.config.pluginmanager.get_plugin("capturemanager")
        with capture.global_and_fixture_disabled():
            print("\n" + line)


@pytest.mark.skipif(not CASES, reason="../shared/recordings/ is not present (CI has it)")
@pytest.mark.parametrize(("provider", "record"), CASES or [("none", {"name": "none"})],
                         ids=[r["name"] for _, r in CASES] or ["no-recordings"])
def test_recording_replays_with_the_recorded_shape(http, provider, record):
    problems = differences(provider, record, replay(http, provider, record, f"parity-{uuid.uuid4().hex}"))
    RESULTS[record["name"]] = not problems
    if record["name"] in EXCEPTIONS:
        if not problems:
            pytest.fail(f"{record['name']} now passes: remove it from EXCEPTIONS")
        pytest.xfail(EXCEPTIONS[record["name"]])
    assert not problems, "\n".join(problems)


def test_exceptions_table_stays_short():
    assert len(EXCEPTIONS) <= 10, "each exception needs a reason the emulator cannot model; fix the rest"


def test_exceptions_name_real_recordings():
    if not CASES:
        pytest.skip("../shared/recordings/ is not present (CI has it)")
    names = {r["name"] for _, r in CASES}
    assert set(EXCEPTIONS) <= names


# ---------------------------------------------------------------- the comparison itself


def test_key_tree_lists_paths_with_their_types_and_merges_list_items():
    tree = key_tree({"a": [{"b": 1}, {"b": 2.5, "c": None}], "d": "x"})
    assert tree == {"a": {"array"}, "a[]": {"object"}, "a[].b": {"number"}, "a[].c": {"null"}, "d": {"string"}}


def test_tree_differences_go_both_ways_and_skip_keys_the_real_api_varies():
    recorded = {"id": "x", "usageMetadata": {"serviceTier": "standard", "promptTokenCount": 3}}
    replayed = {"id": "y", "extra": 1, "usageMetadata": {"promptTokenCount": 9}}
    assert tree_differences("gemini", recorded, replayed) == ["body: extra extra (number)"]
    assert tree_differences("gemini", {"id": "x", "gone": True}, {"id": "y"}) == ["body: missing gone (boolean)"]


def test_event_sequence_collapses_runs_of_deltas():
    events = [{"data": {"type": "message_start"}},
              *[{"data": {"type": "content_block_delta", "delta": {"type": "text_delta"}}}] * 3,
              {"data": {"type": "message_stop"}}]
    assert event_sequence(events) == ["message_start", "content_block_delta:text_delta", "message_stop"]


def test_error_strings_normalise_redacted_keys_and_request_ids():
    body = {"error": {"message": "Incorrect API key provided: sk-4sJHr****w8ZP (req_abc123).", "code": "x"}}
    assert error_strings(body) == {"code": "x", "message": "Incorrect API key provided: <redacted-key> (<request-id>)."}
