"""OpenAI Chat Completions over raw HTTP against the emulator: exact errors, validation, streams.

Expected wording is the real API's (OpenAI error-code guide and real responses quoted in public
issues, 2024-2026); shapes are the official OpenAPI spec's (2026-08).
"""

from __future__ import annotations

import base64
import json

import pytest
import requests

from mmcourse import registry

MODEL = registry.default_model("openai")
AUDIO_MODEL = registry.default_model("openai", registry.AUDIO)
REJECTS_MAX_TOKENS = next(m.id for m in registry.models_for("openai") if m.rejects_max_tokens)
ACCEPTS_MAX_TOKENS = next(m.id for m in registry.models_for("openai")
                          if not m.rejects_max_tokens and "image" in m.modalities)
RETIRED = next(r.id for r in registry.RETIRED if r.provider == "openai")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def chat(origin, api_key, body, **headers):
    headers = {"Authorization": f"Bearer {api_key}", **headers}
    return requests.post(f"{origin}/v1/chat/completions", json=body, headers=headers, timeout=30)


def user(*parts) -> list[dict]:
    return [{"role": "user", "content": list(parts)}]


def image_part(url: str) -> dict:
    return {"type": "image_url", "image_url": {"url": url}}


def error_of(resp) -> dict:
    body = resp.json()
    assert set(body) == {"error"} and set(body["error"]) == {"message", "type", "param", "code"}
    return body["error"]


def test_missing_key_is_401_with_openai_wording(origin):
    resp = requests.post(f"{origin}/v1/chat/completions", json={"model": MODEL}, timeout=10)
    assert resp.status_code == 401
    err = error_of(resp)
    assert err["message"].startswith("You didn't provide an API key.")
    assert (err["type"], err["param"], err["code"]) == ("invalid_request_error", None, None)
    assert resp.headers["x-request-id"].startswith("req_")


def test_wrong_key_is_echoed_redacted(origin):
    key = "sk-invalid-0123456789abcdef"
    resp = chat(origin, key, {"model": MODEL, "messages": user({"type": "text", "text": "hi"})})
    err = error_of(resp)
    assert resp.status_code == 401 and err["code"] == "invalid_api_key"
    assert "sk-inv" in err["message"] and "cdef" in err["message"] and key not in err["message"]


def test_malformed_json_gets_openais_exact_hint(origin, api_key):
    resp = requests.post(f"{origin}/v1/chat/completions", data=b'{"model": "x", ',
                         headers={"Authorization": f"Bearer {api_key}",
                                  "Content-Type": "application/json"}, timeout=10)
    assert resp.status_code == 400
    assert error_of(resp)["message"].startswith("We could not parse the JSON body of your request.")


def test_missing_messages_names_the_parameter(origin, api_key):
    err = error_of(chat(origin, api_key, {"model": MODEL}))
    assert err == {"message": "Missing required parameter: 'messages'.", "type": "invalid_request_error",
                   "param": "messages", "code": "missing_required_parameter"}


def test_unknown_argument_is_refused(origin, api_key):
    resp = chat(origin, api_key, {"model": MODEL, "messages": user({"type": "text", "text": "x"}), "max_token": 5})
    assert resp.status_code == 400
    assert error_of(resp)["message"] == "Unrecognized request argument supplied: max_token"


def test_image_to_an_audio_only_model_is_refused(origin, api_key, jpeg_bytes):
    resp = chat(origin, api_key, {"model": AUDIO_MODEL, "messages": user(
        {"type": "text", "text": "What is this?"}, image_part(f"data:image/jpeg;base64,{b64(jpeg_bytes)}"))})
    assert resp.status_code == 400
    err = error_of(resp)
    assert err["message"] == "Invalid content type. image_url is only supported by certain models."
    assert err["param"] == "messages.[0].content.[1].type"


def test_audio_to_a_vision_model_is_refused(origin, api_key, wav_bytes):
    resp = chat(origin, api_key, {"model": MODEL, "messages": user(
        {"type": "input_audio", "input_audio": {"data": b64(wav_bytes), "format": "wav"}})})
    assert resp.status_code == 400
    # 2026 wording (real 400 recorded for gpt-5-mini): the message is named, not the part.
    assert error_of(resp)["param"] == "messages[0]"
    assert error_of(resp)["code"] == "invalid_value"


def test_bare_base64_without_data_prefix_is_refused(origin, api_key, jpeg_bytes):
    resp = chat(origin, api_key, {"model": MODEL, "messages": user(image_part(b64(jpeg_bytes)))})
    err = error_of(resp)
    assert resp.status_code == 400 and err["code"] == "invalid_value"
    assert "'data:' prefix" in err["message"]
    assert err["param"] == "messages.[0].content.[0].image_url.url"


@pytest.mark.parametrize("url", ["data:image/png;base64,", "data:image/png;base64,undefined",
                                 "data:image/png;base64,data:image/png;base64,iVBORw0KGgo="])
def test_broken_base64_after_the_prefix(origin, api_key, url):
    resp = chat(origin, api_key, {"model": MODEL, "messages": user(image_part(url))})
    assert resp.status_code == 400
    assert error_of(resp)["message"] == "Invalid base64 image_url."


def test_bytes_that_are_not_an_image_format_openai_takes(origin, api_key, pdf_bytes):
    resp = chat(origin, api_key, {"model": MODEL, "messages": user(
        image_part(f"data:image/png;base64,{b64(pdf_bytes)}"))})
    err = error_of(resp)
    assert resp.status_code == 400 and err["code"] == "invalid_image_format"
    assert "['png', 'jpeg', 'gif', 'webp']" in err["message"]


def test_max_tokens_is_rejected_by_reasoning_models_only(origin, api_key):
    body = {"messages": user({"type": "text", "text": "hi"}), "max_tokens": 50}
    err = error_of(chat(origin, api_key, {**body, "model": REJECTS_MAX_TOKENS}))
    assert err == {"message": "Unsupported parameter: 'max_tokens' is not supported with this model. "
                              "Use 'max_completion_tokens' instead.",
                   "type": "invalid_request_error", "param": "max_tokens", "code": "unsupported_parameter"}
    assert chat(origin, api_key, {**body, "model": ACCEPTS_MAX_TOKENS}).status_code == 200


def test_unknown_and_retired_models_are_404_model_not_found(origin, api_key):
    body = {"messages": user({"type": "text", "text": "hi"})}
    unknown = chat(origin, api_key, {**body, "model": "gpt-imaginary"})
    retired = chat(origin, api_key, {**body, "model": RETIRED})
    assert unknown.status_code == retired.status_code == 404
    assert error_of(unknown)["message"] == "The model `gpt-imaginary` does not exist or you do not have access to it."
    assert error_of(retired)["code"] == "model_not_found"
    assert "deprecated" in error_of(retired)["message"]


def test_a_dated_snapshot_alias_is_served(origin, api_key):
    resp = chat(origin, api_key, {"model": "gpt-4o-2024-08-06", "messages": user({"type": "text", "text": "hi"})})
    assert resp.status_code == 200 and resp.json()["model"] == "gpt-4o-2024-08-06"


def test_json_object_mode_needs_the_word_json(origin, api_key):
    body = {"model": MODEL, "response_format": {"type": "json_object"}}
    refused = chat(origin, api_key, {**body, "messages": user({"type": "text", "text": "List colours"})})
    assert refused.status_code == 400 and error_of(refused)["param"] == "messages"
    ok = chat(origin, api_key, {**body, "messages": user({"type": "text", "text": "List colours as JSON"})})
    assert ok.status_code == 200
    json.loads(ok.json()["choices"][0]["message"]["content"])


def test_same_request_same_answer_and_full_shape(origin, api_key, jpeg_bytes):
    body = {"model": MODEL, "messages": user({"type": "text", "text": "Describe"},
                                             image_part(f"data:image/jpeg;base64,{b64(jpeg_bytes)}"))}
    first, second = chat(origin, api_key, body).json(), chat(origin, api_key, body).json()
    assert first["choices"][0]["message"]["content"] == second["choices"][0]["message"]["content"]
    assert first["object"] == "chat.completion" and first["id"].startswith("chatcmpl-")
    assert first["choices"][0] == {"index": 0, "message": first["choices"][0]["message"],
                                   "logprobs": None, "finish_reason": "stop"}
    usage = first["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]


def test_image_tokens_are_folded_into_prompt_tokens(origin, api_key, jpeg_bytes):
    text_only = chat(origin, api_key, {"model": MODEL, "messages": user({"type": "text", "text": "Describe"})})
    with_image = chat(origin, api_key, {"model": MODEL, "messages": user(
        {"type": "text", "text": "Describe"}, image_part(f"data:image/jpeg;base64,{b64(jpeg_bytes)}"))})
    assert with_image.json()["usage"]["prompt_tokens"] > text_only.json()["usage"]["prompt_tokens"]


def test_max_completion_tokens_cuts_the_answer_with_finish_length(origin, api_key):
    resp = chat(origin, api_key, {"model": MODEL, "max_completion_tokens": 3,
                                  "messages": user({"type": "text", "text": "Tell me about the course data"})})
    choice = resp.json()["choices"][0]
    assert choice["finish_reason"] == "length"
    assert resp.json()["usage"]["completion_tokens"] <= 3


def test_stream_options_need_stream(origin, api_key):
    resp = chat(origin, api_key, {"model": MODEL, "messages": user({"type": "text", "text": "x"}),
                                  "stream_options": {"include_usage": True}})
    assert resp.status_code == 400 and error_of(resp)["param"] == "stream_options"


def sse_data(resp) -> list[str]:
    assert resp.headers["content-type"].startswith("text/event-stream")
    events = [e for e in resp.text.split("\n\n") if e.strip()]
    assert all(e.startswith("data: ") and "\n" not in e for e in events)
    return [e[len("data: "):] for e in events]


def test_stream_framing_role_first_done_last_usage_chunk(origin, api_key):
    body = {"model": MODEL, "messages": user({"type": "text", "text": "Hello there"})}
    plain = chat(origin, api_key, body).json()["choices"][0]["message"]["content"]
    data = sse_data(chat(origin, api_key, {**body, "stream": True, "stream_options": {"include_usage": True}}))
    assert data[-1] == "[DONE]"
    chunks = [json.loads(d) for d in data[:-1]]
    assert chunks[0]["choices"][0]["delta"]["role"] == "assistant"
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] > 0
    assert all(c["usage"] is None for c in chunks[:-1])
    assert chunks[-2]["choices"][0] == {"index": 0, "delta": {}, "logprobs": None, "finish_reason": "stop"}
    assert "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks[:-1]) == plain
    assert len(chunks) > 4  # a few word-group deltas, not one blob


def test_stream_without_include_usage_has_no_usage_field(origin, api_key):
    data = sse_data(chat(origin, api_key, {"model": MODEL, "stream": True,
                                           "messages": user({"type": "text", "text": "Hello"})}))
    assert all("usage" not in json.loads(d) for d in data[:-1])


def test_every_response_carries_openai_headers(origin, api_key):
    resp = chat(origin, api_key, {"model": MODEL, "messages": user({"type": "text", "text": "hi"})})
    for header in ("x-request-id", "openai-processing-ms", "x-ratelimit-limit-requests",
                   "x-ratelimit-remaining-requests", "x-ratelimit-reset-requests", "x-mmcourse-emulator"):
        assert header in resp.headers


def test_files_upload_list_content_delete(origin, api_key, pdf_bytes):
    auth = {"Authorization": f"Bearer {api_key}"}
    missing = requests.post(f"{origin}/v1/files", files={"file": ("r.pdf", pdf_bytes)}, headers=auth, timeout=10)
    assert missing.status_code == 400 and error_of(missing)["param"] == "purpose"
    made = requests.post(f"{origin}/v1/files", data={"purpose": "user_data"},
                         files={"file": ("r.pdf", pdf_bytes, "application/pdf")}, headers=auth, timeout=10).json()
    assert made["id"].startswith("file-") and made["bytes"] == len(pdf_bytes) and made["object"] == "file"
    listed = requests.get(f"{origin}/v1/files", headers=auth, timeout=10).json()
    assert [f["id"] for f in listed["data"]] == [made["id"]] and listed["object"] == "list"
    content = requests.get(f"{origin}/v1/files/{made['id']}/content", headers=auth, timeout=10)
    assert content.content == pdf_bytes
    gone = requests.delete(f"{origin}/v1/files/{made['id']}", headers=auth, timeout=10).json()
    assert gone == {"id": made["id"], "object": "file", "deleted": True}
    again = requests.get(f"{origin}/v1/files/{made['id']}", headers=auth, timeout=10)
    assert again.status_code == 404 and error_of(again)["message"] == f"No such File object: {made['id']}"


def test_unknown_path_is_openais_invalid_url(origin, api_key):
    resp = requests.post(f"{origin}/v1/chat/completion", headers={"Authorization": f"Bearer {api_key}"}, timeout=10)
    assert resp.status_code == 404
    assert error_of(resp)["message"] == "Invalid URL (POST /v1/chat/completion)"


def test_web_search_options_on_a_model_without_search_is_400(origin, api_key):
    resp = chat(origin, api_key, {"model": "gpt-4o", "messages": [{"role": "user", "content": "today?"}],
                                  "web_search_options": {"search_context_size": "low"}})
    assert resp.status_code == 400
    err = error_of(resp)
    assert (err["message"], err["param"]) == ("Web search options not supported with this model.", "web_search_options")


def test_response_model_is_the_dated_snapshot(origin, api_key):
    resp = chat(origin, api_key, {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]})
    assert resp.json()["model"] == "gpt-4o-mini-2024-07-18"


def test_audio_models_split_usage_by_modality(origin, api_key, wav_bytes):
    resp = chat(origin, api_key, {"model": AUDIO_MODEL, "messages": user(
        {"type": "text", "text": "Transcribe this"},
        {"type": "input_audio", "input_audio": {"data": b64(wav_bytes), "format": "wav"}})})
    usage = resp.json()["usage"]
    details = usage["prompt_tokens_details"]
    assert details["text_tokens"] + details["audio_tokens"] + details["image_tokens"] == usage["prompt_tokens"]
    assert usage["completion_tokens_details"]["text_tokens"] == usage["completion_tokens"]


def test_a_bare_hi_costs_its_framing_too(origin, api_key):
    # Real: "hello" alone is 8 prompt tokens on gpt-4o-mini (1 of text, 7 of framing).
    resp = chat(origin, api_key, {"model": "gpt-4o-mini", "messages": [{"role": "user", "content": "hi"}]})
    assert resp.json()["usage"]["prompt_tokens"] == 8


def test_strict_json_schema_must_close_every_object(origin, api_key):
    fmt = {"type": "json_schema", "json_schema": {"name": "Expense", "strict": True, "schema": {
        "type": "object", "properties": {"store": {"type": "string"}}, "required": ["store"]}}}
    resp = chat(origin, api_key, {"model": MODEL, "messages": [{"role": "user", "content": "hi"}],
                                  "response_format": fmt})
    err = error_of(resp)
    assert resp.status_code == 400 and err["code"] == "invalid_json_schema"
    assert err["message"] == ("Invalid schema for response_format 'Expense': In context=(), 'additionalProperties' "
                              "is required to be supplied and to be false.")
