"""Gemini over raw HTTP against the emulator: Google error envelopes, proto-JSON input rules,
both stream forms, and the File API's resumable upload with PROCESSING -> ACTIVE videos.

Wording is the real API's (Gemini docs, cookbook outputs and real responses quoted in public
issues, 2025-2026).
"""

from __future__ import annotations

import base64
import json
import time

import pytest
import requests

from mmcourse import registry

MODEL = registry.default_model("gemini")


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def generate(origin, api_key, body, model=MODEL, method="generateContent", version="v1beta", query=""):
    url = f"{origin}/{version}/models/{model}:{method}{query}"
    return requests.post(url, json=body, headers={"x-goog-api-key": api_key}, timeout=30)


def ask(*parts, **extra) -> dict:
    return {"contents": [{"role": "user", "parts": list(parts)}], **extra}


TEXT = {"text": "What is in this image?"}


def error_of(resp, code: int, status: str) -> dict:
    assert resp.status_code == code, resp.text[:300]
    err = resp.json()["error"]
    assert (err["code"], err["status"]) == (code, status)
    return err


def test_missing_key_is_403_permission_denied(origin):
    resp = requests.post(f"{origin}/v1beta/models/{MODEL}:generateContent", json=ask(TEXT), timeout=10)
    err = error_of(resp, 403, "PERMISSION_DENIED")
    assert err["message"].startswith("Method doesn't allow unregistered callers")


def test_invalid_key_is_400_api_key_invalid(origin):
    resp = generate(origin, "AIza-invalid", ask(TEXT))
    err = error_of(resp, 400, "INVALID_ARGUMENT")
    assert err["message"] == "API key not valid. Please pass a valid API key."
    assert err["details"][0]["reason"] == "API_KEY_INVALID"


def test_key_sent_as_bearer_is_not_an_api_key(origin, api_key):
    resp = requests.post(f"{origin}/v1beta/models/{MODEL}:generateContent", json=ask(TEXT),
                         headers={"Authorization": f"Bearer {api_key}"}, timeout=10)
    error_of(resp, 401, "UNAUTHENTICATED")


def test_key_in_the_query_string_works(origin, api_key):
    resp = requests.post(f"{origin}/v1beta/models/{MODEL}:generateContent?key={api_key}",
                         json=ask({"text": "hi"}), timeout=10)
    assert resp.status_code == 200


@pytest.mark.parametrize("version", ["v1beta", "v1"])
def test_unknown_model_names_the_api_version(origin, api_key, version):
    err = error_of(generate(origin, api_key, ask(TEXT), model="gemini-1.5-pro", version=version), 404, "NOT_FOUND")
    assert err["message"].startswith(f"models/gemini-1.5-pro is not found for API version {version}, "
                                     "or is not supported for generateContent.")


def test_data_url_in_inline_data_fails_base64_with_the_snake_case_path(origin, api_key, png_bytes):
    part = {"inlineData": {"mimeType": "image/png", "data": f"data:image/png;base64,{b64(png_bytes)}"}}
    err = error_of(generate(origin, api_key, ask(TEXT, part)), 400, "INVALID_ARGUMENT")
    assert err["message"] == ("Invalid value at 'contents[0].parts[1].inline_data.data' (TYPE_BYTES), "
                              "Base64 decoding failed for \"data:image/png;base64\"")
    violation = err["details"][0]["fieldViolations"][0]
    assert violation["field"] == "contents[0].parts[1].inline_data.data"


@pytest.mark.parametrize("encode", [base64.b64encode, base64.urlsafe_b64encode,
                                    lambda b: base64.urlsafe_b64encode(b).rstrip(b"=")])
def test_any_base64_flavour_is_accepted(origin, api_key, jpeg_bytes, encode):
    part = {"inline_data": {"mime_type": "image/jpeg", "data": encode(jpeg_bytes).decode()}}
    assert generate(origin, api_key, ask(TEXT, part)).status_code == 200


def test_image_jpg_is_an_unsupported_mime_type(origin, api_key, jpeg_bytes):
    part = {"inlineData": {"mimeType": "image/jpg", "data": b64(jpeg_bytes)}}
    err = error_of(generate(origin, api_key, ask(TEXT, part)), 400, "INVALID_ARGUMENT")
    assert err["message"] == "Unsupported MIME type: image/jpg"


def test_unknown_field_is_named(origin, api_key):
    err = error_of(generate(origin, api_key, ask(TEXT, top_k=3)), 400, "INVALID_ARGUMENT")
    assert err["message"] == 'Invalid JSON payload received. Unknown name "top_k": Cannot find field.'


def test_malformed_json(origin, api_key):
    resp = requests.post(f"{origin}/v1beta/models/{MODEL}:generateContent", data=b"{'contents': ",
                         headers={"x-goog-api-key": api_key}, timeout=10)
    assert error_of(resp, 400, "INVALID_ARGUMENT")["message"].startswith("Invalid JSON payload received.")


def test_contents_are_required_and_roles_checked(origin, api_key):
    err = error_of(generate(origin, api_key, {}), 400, "INVALID_ARGUMENT")
    assert err["message"] == "* GenerateContentRequest.contents: contents is not specified\n"
    bad_role = {"contents": [{"role": "assistant", "parts": [{"text": "hi"}]}]}
    assert error_of(generate(origin, api_key, bad_role), 400, "INVALID_ARGUMENT")["message"] == \
        "Please use a valid role: user, model."


def test_cookbook_single_object_contents_is_tolerated(origin, api_key):
    assert generate(origin, api_key, {"contents": {"parts": {"text": "Hello there"}}}).status_code == 200


def test_response_shape_and_usage_by_modality(origin, api_key, jpeg_bytes):
    part = {"inlineData": {"mimeType": "image/jpeg", "data": b64(jpeg_bytes)}}
    body = generate(origin, api_key, ask(TEXT, part)).json()
    candidate = body["candidates"][0]
    assert candidate["content"]["role"] == "model" and candidate["finishReason"] == "STOP"
    usage = body["usageMetadata"]
    # Thinking models (2.5 and later) count their thoughts in the total.
    assert usage["totalTokenCount"] == (usage["promptTokenCount"] + usage["candidatesTokenCount"]
                                        + usage.get("thoughtsTokenCount", 0))
    assert {d["modality"] for d in usage["promptTokensDetails"]} == {"TEXT", "IMAGE"}
    assert body["modelVersion"] == MODEL and body["responseId"]


def test_max_output_tokens_gives_max_tokens_finish(origin, api_key):
    body = generate(origin, api_key, ask({"text": "Tell me everything"},
                                         generationConfig={"maxOutputTokens": 2})).json()
    assert body["candidates"][0]["finishReason"] == "MAX_TOKENS"


def test_json_response_mime_type_gives_json(origin, api_key):
    body = generate(origin, api_key, ask({"text": "List three colours"},
                                         generation_config={"response_mime_type": "application/json"})).json()
    json.loads(body["candidates"][0]["content"]["parts"][0]["text"])


def test_sse_stream_has_no_terminator_and_ends_with_usage(origin, api_key):
    plain = generate(origin, api_key, ask({"text": "Hello"})).json()["candidates"][0]["content"]["parts"][0]["text"]
    resp = generate(origin, api_key, ask({"text": "Hello"}), method="streamGenerateContent", query="?alt=sse")
    events = [e for e in resp.text.split("\n\n") if e.strip()]
    assert all(e.startswith("data: ") for e in events) and "[DONE]" not in resp.text
    chunks = [json.loads(e[len("data: "):]) for e in events]
    assert "".join(c["candidates"][0]["content"]["parts"][0]["text"] for c in chunks) == plain
    assert chunks[-1]["candidates"][0]["finishReason"] == "STOP" and "usageMetadata" in chunks[-1]
    assert all("finishReason" not in c["candidates"][0] for c in chunks[:-1])


def test_stream_without_alt_sse_is_one_json_array(origin, api_key):
    resp = generate(origin, api_key, ask({"text": "Hello"}), method="streamGenerateContent")
    chunks = json.loads(resp.text)
    assert isinstance(chunks, list) and chunks[-1]["candidates"][0]["finishReason"] == "STOP"
    bad = generate(origin, api_key, {}, method="streamGenerateContent")
    assert bad.status_code == 400 and bad.json()[0]["error"]["status"] == "INVALID_ARGUMENT"


def test_count_tokens_counts_media(origin, api_key, jpeg_bytes):
    text = generate(origin, api_key, ask(TEXT), method="countTokens").json()
    both = generate(origin, api_key, ask(TEXT, {"inlineData": {"mimeType": "image/jpeg", "data": b64(jpeg_bytes)}}),
                    method="countTokens").json()
    assert both["totalTokens"] > text["totalTokens"] > 0


def test_models_list_pages(origin, api_key):
    first = requests.get(f"{origin}/v1beta/models?pageSize=2", headers={"x-goog-api-key": api_key}, timeout=10).json()
    assert len(first["models"]) == 2 and first["nextPageToken"]
    names = [m["name"] for m in first["models"]]
    while "nextPageToken" in first:
        first = requests.get(f"{origin}/v1beta/models?pageSize=2&pageToken={first['nextPageToken']}",
                             headers={"x-goog-api-key": api_key}, timeout=10).json()
        names += [m["name"] for m in first["models"]]
    assert sorted(names) == sorted(f"models/{m}" for m in registry.model_ids("gemini"))


# ---------------------------------------------------------------- File API


def start_upload(origin, api_key, size: int, mime: str, body=None, **extra):
    headers = {"x-goog-api-key": api_key, "X-Goog-Upload-Protocol": "resumable",
               "X-Goog-Upload-Command": "start", "X-Goog-Upload-Header-Content-Length": str(size),
               "X-Goog-Upload-Header-Content-Type": mime, "Content-Type": "application/json", **extra}
    data = body if isinstance(body, bytes) else json.dumps(body or {"file": {"display_name": "clip"}})
    return requests.post(f"{origin}/upload/v1beta/files", data=data, headers=headers, timeout=10)


def send_chunk(url: str, data: bytes, offset: int, command: str):
    headers = {"X-Goog-Upload-Command": command, "X-Goog-Upload-Offset": str(offset)}
    return requests.post(url, data=data, headers=headers, timeout=30)


def upload(origin, api_key, data: bytes, mime: str, chunk: int = 0) -> dict:
    url = start_upload(origin, api_key, len(data), mime).headers["x-goog-upload-url"]
    chunk = chunk or len(data)
    offset = 0
    while True:
        piece = data[offset:offset + chunk]
        last = offset + len(piece) >= len(data)
        resp = send_chunk(url, piece, offset, "upload, finalize" if last else "upload")
        assert resp.status_code == 200
        assert resp.headers["x-goog-upload-status"] == ("final" if last else "active")
        offset += len(piece)
        if last:
            return resp.json()["file"]


def test_upload_url_is_absolute_on_the_request_host(origin, api_key, jpeg_bytes):
    resp = start_upload(origin, api_key, len(jpeg_bytes), "image/jpeg")
    assert resp.status_code == 200 and resp.headers["x-goog-upload-status"] == "active"
    assert resp.headers["x-goog-upload-url"].startswith(origin + "/upload/v1beta/files?")


def test_chunked_upload_returns_the_wrapped_file(origin, api_key, jpeg_bytes):
    file = upload(origin, api_key, jpeg_bytes, "image/jpeg", chunk=1000)
    assert file["name"].startswith("files/") and file["state"] == "ACTIVE"
    assert file["sizeBytes"] == str(len(jpeg_bytes)) and file["mimeType"] == "image/jpeg"
    assert file["displayName"] == "clip" and file["source"] == "UPLOADED"
    got = requests.get(f"{origin}/v1beta/{file['name']}", headers={"x-goog-api-key": api_key}, timeout=10).json()
    assert got == file  # GET returns the bare File
    part = {"fileData": {"mimeType": "image/jpeg", "fileUri": file["uri"]}}
    assert generate(origin, api_key, ask(TEXT, part)).status_code == 200


def test_wrong_offset_is_refused(origin, api_key, jpeg_bytes):
    url = start_upload(origin, api_key, len(jpeg_bytes), "image/jpeg").headers["x-goog-upload-url"]
    resp = send_chunk(url, jpeg_bytes, 5, "upload, finalize")
    assert error_of(resp, 400, "INVALID_ARGUMENT")["message"].startswith("Invalid X-Goog-Upload-Offset")


def test_finalising_short_of_the_declared_size_is_refused(origin, api_key, jpeg_bytes):
    url = start_upload(origin, api_key, len(jpeg_bytes) + 10, "image/jpeg").headers["x-goog-upload-url"]
    error_of(send_chunk(url, jpeg_bytes, 0, "upload, finalize"), 400, "INVALID_ARGUMENT")


def test_cookbook_single_quoted_start_body_is_accepted(origin, api_key, jpeg_bytes):
    resp = start_upload(origin, api_key, len(jpeg_bytes), "image/jpeg", body=b"{'file': {'display_name': 'Cat'}}")
    assert resp.status_code == 200


def test_video_is_processing_then_active(origin, api_key, mp4_bytes):
    file = upload(origin, api_key, mp4_bytes, "video/mp4")
    assert file["state"] == "PROCESSING"
    part = {"fileData": {"mimeType": "video/mp4", "fileUri": file["uri"]}}
    early = generate(origin, api_key, ask({"text": "Describe the video"}, part))
    err = error_of(early, 400, "FAILED_PRECONDITION")
    assert err["message"] == f"The File {file['name'][6:]} is not in an ACTIVE state and usage is not allowed."
    deadline = time.monotonic() + 10
    state = file["state"]
    while state != "ACTIVE" and time.monotonic() < deadline:
        time.sleep(0.1)
        got = requests.get(f"{origin}/v1beta/{file['name']}", headers={"x-goog-api-key": api_key}, timeout=10).json()
        state = got["state"]
    assert state == "ACTIVE" and got["videoMetadata"]["videoDuration"].endswith("s")
    assert generate(origin, api_key, ask({"text": "Describe the video"}, part)).status_code == 200


def test_unknown_file_is_permission_denied(origin, api_key):
    part = {"fileData": {"mimeType": "image/png", "fileUri": f"{origin}/v1beta/files/nosuchfile"}}
    err = error_of(generate(origin, api_key, ask(TEXT, part)), 403, "PERMISSION_DENIED")
    assert err["message"] == "You do not have permission to access the File nosuchfile or it may not exist."


def test_files_list_pages_and_delete(origin, api_key, jpeg_bytes, png_bytes):
    names = {upload(origin, api_key, data, mime)["name"]
             for data, mime in ((jpeg_bytes, "image/jpeg"), (png_bytes, "image/png"))}
    auth = {"x-goog-api-key": api_key}
    first = requests.get(f"{origin}/v1beta/files?pageSize=1", headers=auth, timeout=10).json()
    second = requests.get(f"{origin}/v1beta/files?pageSize=1&pageToken={first['nextPageToken']}",
                          headers=auth, timeout=10).json()
    assert {first["files"][0]["name"], second["files"][0]["name"]} == names and "nextPageToken" not in second
    for name in names:
        assert requests.delete(f"{origin}/v1beta/{name}", headers=auth, timeout=10).json() == {}
    assert requests.get(f"{origin}/v1beta/files", headers=auth, timeout=10).json() == {}


def _sse_chunks(resp) -> list[dict]:
    return [json.loads(e[len("data: "):]) for e in resp.text.split("\n\n") if e.strip()]


def test_every_sse_chunk_carries_the_running_usage(origin, api_key):
    resp = generate(origin, api_key, ask({"text": "Describe the course in a few sentences please"}),
                    method="streamGenerateContent", query="?alt=sse")
    chunks = _sse_chunks(resp)
    assert len(chunks) > 1 and all("usageMetadata" in c for c in chunks)
    counts = [c["usageMetadata"]["candidatesTokenCount"] for c in chunks]
    assert counts == sorted(counts)  # cumulative
    final = generate(origin, api_key, ask({"text": "Describe the course in a few sentences please"})).json()
    assert chunks[-1]["usageMetadata"]["candidatesTokenCount"] == final["usageMetadata"]["candidatesTokenCount"]


def test_thinking_models_report_thoughts_inside_the_total(origin, api_key):
    usage = generate(origin, api_key, ask({"text": "Hello"}), model="gemini-2.5-flash").json()["usageMetadata"]
    assert usage["thoughtsTokenCount"] > 0 and usage["serviceTier"] == "standard"
    assert usage["totalTokenCount"] == (usage["promptTokenCount"] + usage["candidatesTokenCount"]
                                        + usage["thoughtsTokenCount"])


def test_thinking_budget_zero_reports_no_thoughts(origin, api_key):
    body = ask({"text": "Hello"}, generationConfig={"thinkingConfig": {"thinkingBudget": 0}})
    usage = generate(origin, api_key, body, model="gemini-2.5-flash").json()["usageMetadata"]
    assert "thoughtsTokenCount" not in usage
    assert usage["totalTokenCount"] == usage["promptTokenCount"] + usage["candidatesTokenCount"]


def test_unknown_model_on_count_tokens_names_that_method(origin, api_key):
    err = error_of(generate(origin, api_key, ask(TEXT), model="gemini-nope", method="countTokens"), 404, "NOT_FOUND")
    assert "or is not supported for countTokens. Call ListModels" in err["message"]


def test_include_thoughts_gives_an_honest_thought_part_first(origin, api_key):
    body = ask({"text": "Hello"}, generationConfig={"thinkingConfig": {"includeThoughts": True}})
    parts = generate(origin, api_key, body, model="gemini-2.5-flash").json()["candidates"][0]["content"]["parts"]
    assert parts[0]["thought"] is True and parts[0]["text"].startswith("Offline emulator: no model runs here")
    assert "thought" not in parts[1] and parts[1]["thoughtSignature"]
