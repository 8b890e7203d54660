"""Anthropic Messages over raw HTTP against the emulator: exact errors, limits, named SSE events.

Wording is the real API's (Anthropic errors page and real responses quoted in public issues,
2025-2026); limits are the 2026 vision docs' (10 MB base64 per image, 8000 px, 2000 px when a
request has more than 20 images, 32 MB per request).
"""

from __future__ import annotations

import base64
import io
import json

import pytest
import requests
from PIL import Image

from mmcourse import registry

MODEL = registry.default_model("anthropic")
VERSION = {"anthropic-version": "2023-06-01"}


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def png(width: int, height: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (width, height), (90, 140, 200)).save(buf, "PNG")
    return buf.getvalue()


def post(origin, api_key, body, path="/v1/messages", **extra):
    headers = {"x-api-key": api_key, **VERSION, **extra}
    return requests.post(f"{origin}{path}", json=body, headers=headers, timeout=30)


def message(*blocks, **extra) -> dict:
    return {"model": MODEL, "max_tokens": 300, "messages": [{"role": "user", "content": list(blocks)}], **extra}


def image(media_type: str, data: str) -> dict:
    return {"type": "image", "source": {"type": "base64", "media_type": media_type, "data": data}}


TEXT = {"type": "text", "text": "What is in this image?"}


def error_of(resp, status: int) -> dict:
    assert resp.status_code == status, resp.text[:300]
    body = resp.json()
    assert body["type"] == "error" and set(body["error"]) == {"type", "message"}
    assert body["request_id"] == resp.headers["request-id"]
    return body["error"]


def test_missing_key_is_authentication_error(origin):
    resp = requests.post(f"{origin}/v1/messages", json=message(TEXT), headers=VERSION, timeout=10)
    assert error_of(resp, 401) == {"type": "authentication_error", "message": "x-api-key header is required"}


def test_invalid_key_is_authentication_error(origin):
    resp = post(origin, "sk-ant-invalid", message(TEXT))
    assert error_of(resp, 401) == {"type": "authentication_error", "message": "invalid x-api-key"}


def test_missing_version_header_is_400(origin, api_key):
    resp = requests.post(f"{origin}/v1/messages", json=message(TEXT), headers={"x-api-key": api_key}, timeout=10)
    assert error_of(resp, 400)["message"] == "anthropic-version: header is required"


def test_missing_max_tokens(origin, api_key):
    body = message(TEXT)
    del body["max_tokens"]
    assert error_of(post(origin, api_key, body), 400)["message"] == "max_tokens: Field required"


def test_max_tokens_over_the_model_maximum(origin, api_key):
    ceiling = registry.get_model(MODEL).max_output_tokens
    resp = post(origin, api_key, message(TEXT, max_tokens=ceiling + 1))
    assert error_of(resp, 400)["message"] == (
        f"max_tokens: {ceiling + 1} > {ceiling}, which is the maximum allowed number of output "
        f"tokens for {MODEL}")


def test_openai_style_image_url_block_is_an_unknown_tag(origin, api_key, jpeg_bytes):
    block = {"type": "image_url", "image_url": {"url": f"data:image/jpeg;base64,{b64(jpeg_bytes)}"}}
    err = error_of(post(origin, api_key, message(TEXT, block)), 400)
    assert err["message"].startswith(
        "messages.0.content.1: Input tag 'image_url' found using 'type' does not match any of the "
        "expected tags: 'document', 'image',")


def test_audio_is_not_a_claude_content_block(origin, api_key, wav_bytes):
    block = {"type": "input_audio", "input_audio": {"data": b64(wav_bytes), "format": "wav"}}
    assert "Input tag 'input_audio'" in error_of(post(origin, api_key, message(block)), 400)["message"]


def test_media_type_outside_the_enum(origin, api_key, jpeg_bytes):
    err = error_of(post(origin, api_key, message(image("image/jpg", b64(jpeg_bytes)), TEXT)), 400)
    assert err["message"] == ("messages.0.content.0.image.source.base64.media_type: Input should be "
                              "'image/jpeg', 'image/png', 'image/gif' or 'image/webp'")


def test_data_url_prefix_is_invalid_base64(origin, api_key, jpeg_bytes):
    data = f"data:image/jpeg;base64,{b64(jpeg_bytes)}"
    err = error_of(post(origin, api_key, message(image("image/jpeg", data), TEXT)), 400)
    assert err["message"] == "messages.0.content.0.image.source.base64: invalid base64 data"


def test_declared_type_must_match_the_bytes(origin, api_key, png_bytes):
    err = error_of(post(origin, api_key, message(TEXT, image("image/jpeg", b64(png_bytes)))), 400)
    assert err["message"] == ("messages.0.content.1.image.source.base64: The image was specified using "
                              "the image/jpeg media type, but the image appears to be a image/png image")


def test_image_over_10_mb_of_base64(origin, api_key):
    data = "A" * (10 * 1024 * 1024 + 4)
    err = error_of(post(origin, api_key, message(image("image/png", data))), 400)
    assert err["message"] == ("messages.0.content.0.image.source.base64: image exceeds 10 MB maximum: "
                              f"{len(data)} bytes > 10485760 bytes")


def test_image_over_8000_pixels(origin, api_key):
    err = error_of(post(origin, api_key, message(image("image/png", b64(png(8001, 8))))), 400)
    assert err["message"] == ("messages.0.content.0.image.source.base64.data: At least one of the image "
                              "dimensions exceed max allowed size: 8000 pixels")


def test_many_image_requests_have_a_2000_pixel_limit(origin, api_key):
    small, wide = b64(png(16, 16)), b64(png(2001, 4))
    blocks = [image("image/png", small) for _ in range(20)] + [image("image/png", wide)]
    err = error_of(post(origin, api_key, message(*blocks)), 400)
    assert err["message"].endswith("exceed max allowed size for many-image requests: 2000 pixels")
    assert post(origin, api_key, message(*blocks[:19], blocks[-1])).status_code == 200


def test_request_over_32_mb_is_the_edges_bare_413(origin, api_key):
    body = message({"type": "text", "text": "x" * (33 * 1024 * 1024)})
    resp = post(origin, api_key, body)
    assert resp.status_code == 413
    # The edge answers, not the API: no top-level type, no request_id (real 413, 2025).
    assert resp.json() == {"error": {"type": "request_too_large", "message": "Request exceeds the maximum size"}}


def test_unknown_model_is_not_found(origin, api_key):
    err = error_of(post(origin, api_key, message(TEXT, model="claude-imaginary")), 404)
    assert err == {"type": "not_found_error", "message": "model: claude-imaginary"}


def test_extra_top_level_field_is_not_permitted(origin, api_key):
    err = error_of(post(origin, api_key, message(TEXT, max_output_tokens=5)), 400)
    assert err["message"] == "max_output_tokens: Extra inputs are not permitted"


def test_message_shape_and_usage(origin, api_key, jpeg_bytes):
    resp = post(origin, api_key, message(image("image/jpeg", b64(jpeg_bytes)), TEXT))
    body = resp.json()
    assert body["type"] == "message" and body["role"] == "assistant" and body["id"].startswith("msg_")
    assert body["stop_reason"] == "end_turn" and body["stop_sequence"] is None
    assert body["content"][0]["type"] == "text" and body["content"][0]["text"]
    assert body["usage"]["input_tokens"] > 0 and body["usage"]["output_tokens"] > 0
    assert resp.headers["anthropic-ratelimit-requests-limit"]


def test_small_max_tokens_stops_with_max_tokens(origin, api_key):
    body = post(origin, api_key, message({"type": "text", "text": "Tell me everything"}, max_tokens=2)).json()
    assert body["stop_reason"] == "max_tokens" and body["usage"]["output_tokens"] <= 2


def test_pdf_document_block(origin, api_key, pdf_bytes):
    doc = {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": b64(pdf_bytes)}}
    assert post(origin, api_key, message(doc, {"type": "text", "text": "Summarise"})).status_code == 200
    bad = {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": b64(b"not a pdf")}}
    assert error_of(post(origin, api_key, message(bad)), 400)["message"].endswith("The PDF specified was not valid.")


def test_stream_sends_named_events_in_order(origin, api_key):
    body = message({"type": "text", "text": "Hello"})
    plain = post(origin, api_key, body).json()["content"][0]["text"]
    resp = post(origin, api_key, {**body, "stream": True})
    assert resp.headers["content-type"].startswith("text/event-stream")
    events = []
    for block in filter(str.strip, resp.text.split("\n\n")):
        event_line, data_line = block.split("\n")
        assert event_line.startswith("event: ") and data_line.startswith("data: ")
        data = json.loads(data_line[len("data: "):])
        assert data["type"] == event_line[len("event: "):]
        events.append(data)
    names = [e["type"] for e in events]
    assert names[:3] == ["message_start", "content_block_start", "ping"]
    assert names[-3:] == ["content_block_stop", "message_delta", "message_stop"]
    assert set(names[3:-3]) == {"content_block_delta"}
    assert "".join(e["delta"]["text"] for e in events if e["type"] == "content_block_delta") == plain
    assert events[-2]["delta"]["stop_reason"] == "end_turn"


def test_count_tokens_does_not_need_max_tokens(origin, api_key, jpeg_bytes):
    body = message(image("image/jpeg", b64(jpeg_bytes)), TEXT)
    del body["max_tokens"]
    counted = post(origin, api_key, body, path="/v1/messages/count_tokens").json()
    assert counted["input_tokens"] > 0


def test_models_list_is_anthropic_shaped_on_the_shared_path(origin, api_key):
    body = requests.get(f"{origin}/v1/models", headers={"x-api-key": api_key, **VERSION}, timeout=10).json()
    assert set(body) == {"data", "has_more", "first_id", "last_id"}
    assert {m["id"] for m in body["data"]} == set(registry.model_ids("anthropic"))
    assert all(m["type"] == "model" for m in body["data"])


def test_files_upload_and_use_by_id(origin, api_key, jpeg_bytes):
    headers = {"x-api-key": api_key, **VERSION, "anthropic-beta": "files-api-2025-04-14"}
    meta = requests.post(f"{origin}/v1/files?beta=true", files={"file": ("cat.jpg", jpeg_bytes, "image/jpeg")},
                         headers=headers, timeout=10).json()
    assert meta["type"] == "file" and meta["id"].startswith("file_") and meta["mime_type"] == "image/jpeg"
    block = {"type": "image", "source": {"type": "file", "file_id": meta["id"]}}
    assert post(origin, api_key, message(block, TEXT), **{"anthropic-beta": "files-api-2025-04-14"}).status_code == 200
    gone = requests.delete(f"{origin}/v1/files/{meta['id']}", headers=headers, timeout=10).json()
    assert gone == {"id": meta["id"], "type": "file_deleted"}


@pytest.mark.parametrize("version", ["2023-06-01", "2026-10-21"])
def test_dated_versions_are_accepted(origin, api_key, version):
    resp = post(origin, api_key, message(TEXT), **{"anthropic-version": version})
    assert resp.status_code == 200


def _events(resp) -> list[dict]:
    return [json.loads(b.split("\n")[1][len("data: "):]) for b in filter(str.strip, resp.text.split("\n\n"))]


def test_stream_message_delta_usage_is_cumulative_with_input_and_cache_counts(origin, api_key):
    body = message({"type": "text", "text": "Hello"})
    plain = post(origin, api_key, body).json()["usage"]
    delta = next(e for e in _events(post(origin, api_key, {**body, "stream": True})) if e["type"] == "message_delta")
    assert delta["usage"] == {k: plain[k] for k in ("input_tokens", "cache_creation_input_tokens",
                                                    "cache_read_input_tokens", "output_tokens")}
    assert delta["delta"]["stop_details"] is None


def test_message_start_carries_inference_geo_and_stop_details(origin, api_key):
    body = message({"type": "text", "text": "Hello"}, stream=True)
    start = _events(post(origin, api_key, body))[0]["message"]
    assert start["usage"]["inference_geo"] in ("global", "not_available")
    assert "stop_details" in start and start["stop_details"] is None


def test_unsupported_effort_level_is_400(origin, api_key):
    body = message({"type": "text", "text": "Hello"}, model="claude-opus-4-6", output_config={"effort": "xhigh"})
    err = error_of(post(origin, api_key, body), 400)
    assert err["message"] == "This model does not support effort level 'xhigh'. Supported levels: high, low, max, medium."


def test_response_names_the_dated_snapshot(origin, api_key):
    body = post(origin, api_key, message({"type": "text", "text": "Hello"}, model="claude-sonnet-4-5")).json()
    assert body["model"] == "claude-sonnet-4-5-20250929"


def test_enabled_thinking_gives_an_honest_thinking_block_first(origin, api_key):
    body = post(origin, api_key, message({"type": "text", "text": "Hello"}, max_tokens=2048,
                                         thinking={"type": "enabled", "budget_tokens": 1024})).json()
    thinking, text = body["content"]
    assert thinking["type"] == "thinking" and thinking["signature"]
    assert thinking["thinking"].startswith("Offline emulator: no model runs here") and text["type"] == "text"


def test_streamed_thinking_ends_with_a_signature_delta(origin, api_key):
    body = message({"type": "text", "text": "Hello"}, max_tokens=2048, stream=True,
                   thinking={"type": "enabled", "budget_tokens": 1024})
    deltas = [e["delta"]["type"] for e in _events(post(origin, api_key, body))
              if e["type"] == "content_block_delta" and e["index"] == 0]
    assert set(deltas[:-1]) == {"thinking_delta"} and deltas[-1] == "signature_delta"


def test_thinking_budget_below_1024_is_400(origin, api_key):
    body = message({"type": "text", "text": "Hello"}, thinking={"type": "enabled", "budget_tokens": 100})
    assert error_of(post(origin, api_key, body), 400)["message"] == (
        "thinking.enabled.budget_tokens: Input should be greater than or equal to 1024")
