"""The official SDKs (openai, anthropic, google-genai), pointed at the emulator by base URL only,
work unchanged: media in, answers out, streaming, model lists, typed errors and retries.

If an SDK that talks to the real API accepts the emulator's answers, the course's raw-HTTP
lessons learn the real wire format. Facts cited are from the providers' docs and SDK source
(2025-2026); the emulator's request log proves what reached the server.
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import time

import httpx
import pytest

from mmcourse import registry
from mmcourse.media.fingerprint import image_hash
from tests.sdks import need

anthropic = need("anthropic")
openai = need("openai")
genai = need("google.genai")
genai_errors = need("google.genai.errors")
genai_types = need("google.genai.types")

OPENAI_MODEL = registry.default_model("openai")
OPENAI_AUDIO_MODEL = registry.default_model("openai", registry.AUDIO)
ANTHROPIC_MODEL = registry.default_model("anthropic")
GEMINI_MODEL = registry.default_model("gemini")
# A model id the registry records as retired: the real APIs answer 404 for it.
RETIRED = {p: next(r.id for r in registry.RETIRED if r.provider == p) for p in registry.PROVIDERS}
# An OpenAI model that rejects the deprecated ``max_tokens`` (GPT-5 family, 2025-08 onwards).
REJECTS_MAX_TOKENS = next(m.id for m in registry.models_for("openai") if m.rejects_max_tokens)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# ---------------------------------------------------------------- clients








def records(control, provider: str, path_part: str) -> list[dict]:
    """This test's log records for ``provider`` whose path contains ``path_part``, oldest first."""
    return sorted(
        (r for r in control.log(provider) if path_part in r["path"]), key=lambda r: r["seq"]
    )


def last_media(control, provider: str, path_part: str) -> list[dict]:
    return records(control, provider, path_part)[-1]["media"]


# ---------------------------------------------------------------- OpenAI


def openai_image_part(mime: str, data: bytes) -> dict:
    return {"type": "image_url", "image_url": {"url": f"data:{mime};base64,{b64(data)}"}}


def test_openai_image_gives_a_chat_completion(oai, control, jpeg_bytes):
    resp = oai.chat.completions.create(
        model=OPENAI_MODEL,
        messages=[{"role": "user", "content": [
            {"type": "text", "text": "What is in this image?"},
            openai_image_part("image/jpeg", jpeg_bytes),
        ]}],
    )
    assert resp.object == "chat.completion"
    assert resp.id.startswith("chatcmpl-")
    assert resp.choices[0].message.role == "assistant"
    assert resp.choices[0].message.content.strip()
    assert resp.choices[0].finish_reason == "stop"
    assert resp.usage.prompt_tokens > 0
    assert resp.usage.total_tokens == resp.usage.prompt_tokens + resp.usage.completion_tokens
    [media] = last_media(control, "openai", "/chat/completions")
    assert media["mime"] == "image/jpeg"
    assert media["sha256"] == sha256(jpeg_bytes)
    assert media["image_hash"] == image_hash(jpeg_bytes)


def test_openai_several_images_all_reach_the_server(oai, control, jpeg_bytes, png_bytes):
    oai.chat.completions.create(
        model=OPENAI_MODEL,
        messages=[{"role": "user", "content": [
            {"type": "text", "text": "What changed between these two pictures?"},
            openai_image_part("image/jpeg", jpeg_bytes),
            openai_image_part("image/png", png_bytes),
        ]}],
    )
    media = last_media(control, "openai", "/chat/completions")
    assert [(m["mime"], m["sha256"]) for m in media] == [
        ("image/jpeg", sha256(jpeg_bytes)), ("image/png", sha256(png_bytes)),
    ]


def test_openai_pdf_file_part(oai, control, pdf_bytes):
    resp = oai.chat.completions.create(
        model=OPENAI_MODEL,
        messages=[{"role": "user", "content": [
            {"type": "file", "file": {"filename": "report.pdf",
                                      "file_data": f"data:application/pdf;base64,{b64(pdf_bytes)}"}},
            {"type": "text", "text": "Summarise this document."},
        ]}],
    )
    assert resp.choices[0].message.content.strip()
    [media] = last_media(control, "openai", "/chat/completions")
    assert (media["mime"], media["sha256"]) == ("application/pdf", sha256(pdf_bytes))


def test_openai_uploaded_file_is_usable_by_id(oai, control, pdf_bytes):
    uploaded = oai.files.create(file=("report.pdf", pdf_bytes, "application/pdf"), purpose="user_data")
    assert uploaded.object == "file"
    assert uploaded.bytes == len(pdf_bytes)
    assert uploaded.filename == "report.pdf"
    resp = oai.chat.completions.create(
        model=OPENAI_MODEL,
        messages=[{"role": "user", "content": [
            {"type": "file", "file": {"file_id": uploaded.id}},
            {"type": "text", "text": "Summarise this document."},
        ]}],
    )
    assert resp.choices[0].message.content.strip()
    assert oai.files.retrieve(uploaded.id).id == uploaded.id
    assert oai.files.delete(uploaded.id).deleted is True


def test_openai_audio_model_takes_input_audio(oai, control, wav_bytes):
    resp = oai.chat.completions.create(
        model=OPENAI_AUDIO_MODEL,
        messages=[{"role": "user", "content": [
            {"type": "text", "text": "Transcribe this recording."},
            {"type": "input_audio", "input_audio": {"data": b64(wav_bytes), "format": "wav"}},
        ]}],
    )
    assert resp.choices[0].message.content.strip()
    [media] = last_media(control, "openai", "/chat/completions")
    assert (media["mime"], media["sha256"]) == ("audio/wav", sha256(wav_bytes))


def test_openai_stream_matches_the_plain_answer(oai, jpeg_bytes):
    request = {"model": OPENAI_MODEL, "messages": [{"role": "user", "content": [
        {"type": "text", "text": "Describe this image in one sentence."},
        openai_image_part("image/jpeg", jpeg_bytes),
    ]}]}
    plain = oai.chat.completions.create(**request).choices[0].message.content
    chunks = list(oai.chat.completions.create(
        **request, stream=True, stream_options={"include_usage": True}
    ))
    assert all(c.object == "chat.completion.chunk" for c in chunks)
    assert len({c.id for c in chunks}) == 1
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text == plain
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "stop"
    # include_usage: one final chunk with empty choices carries the usage.
    assert chunks[-1].choices == [] and chunks[-1].usage.total_tokens > 0


def test_openai_models_list_has_every_registry_model(oai):
    listed = {m.id for m in oai.models.list()}
    assert set(registry.model_ids("openai")) <= listed
    assert oai.models.retrieve(OPENAI_MODEL).id == OPENAI_MODEL


def test_openai_retired_model_is_not_found(oai):
    with pytest.raises(openai.NotFoundError) as err:
        oai.chat.completions.create(model=RETIRED["openai"], messages=[{"role": "user", "content": "hi"}])
    assert err.value.code == "model_not_found"


def test_openai_invalid_key_is_authentication_error(origin):
    client = openai.OpenAI(api_key="sk-invalid-key", base_url=origin + "/v1", max_retries=0)
    with pytest.raises(openai.AuthenticationError) as err:
        client.chat.completions.create(model=OPENAI_MODEL, messages=[{"role": "user", "content": "hi"}])
    # OpenAI has no authentication_error type: a bad key is invalid_request_error / invalid_api_key.
    assert err.value.type == "invalid_request_error"
    assert err.value.code == "invalid_api_key"


def test_openai_max_tokens_rejected_by_gpt5_family(oai):
    with pytest.raises(openai.BadRequestError) as err:
        oai.chat.completions.create(
            model=REJECTS_MAX_TOKENS, max_tokens=50, messages=[{"role": "user", "content": "hi"}]
        )
    assert err.value.param == "max_tokens"
    assert err.value.code == "unsupported_parameter"
    assert "max_completion_tokens" in err.value.message


def test_openai_undecodable_base64_image_is_bad_request(oai):
    with pytest.raises(openai.BadRequestError) as err:
        oai.chat.completions.create(model=OPENAI_MODEL, messages=[{"role": "user", "content": [
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,undefined"}},
        ]}])
    assert "base64" in err.value.message.lower()


def test_openai_sdk_retries_through_two_429s(origin, api_key, control):
    control.inject_fault("openai", 429, count=2, retry_after=0.01)
    client = openai.OpenAI(api_key=api_key, base_url=origin + "/v1", max_retries=2)
    resp = client.chat.completions.create(model=OPENAI_MODEL, messages=[{"role": "user", "content": "hi"}])
    assert resp.choices[0].message.content
    attempts = records(control, "openai", "/chat/completions")
    assert [r["status"] for r in attempts] == [429, 429, 200]
    assert [r["headers"].get("x-stainless-retry-count") for r in attempts] == ["0", "1", "2"]


def test_openai_injected_429_is_a_typed_rate_limit_error(oai, control):
    control.inject_fault("openai", 429, count=1, retry_after=1)
    with pytest.raises(openai.RateLimitError) as err:
        oai.chat.completions.create(model=OPENAI_MODEL, messages=[{"role": "user", "content": "hi"}])
    assert err.value.response.headers["retry-after"] == "1"
    assert err.value.code == "rate_limit_exceeded"


# ---------------------------------------------------------------- Anthropic


def claude_image(mime: str, data: str) -> dict:
    return {"type": "image", "source": {"type": "base64", "media_type": mime, "data": data}}


def test_anthropic_image_gives_a_message(claude, control, jpeg_bytes):
    msg = claude.messages.create(
        model=ANTHROPIC_MODEL, max_tokens=300,
        messages=[{"role": "user", "content": [
            claude_image("image/jpeg", b64(jpeg_bytes)),
            {"type": "text", "text": "Describe this image."},
        ]}],
    )
    assert msg.type == "message" and msg.role == "assistant"
    assert msg.id.startswith("msg_")
    assert msg.content[0].type == "text" and msg.content[0].text.strip()
    assert msg.stop_reason == "end_turn"
    assert msg.usage.input_tokens > 0 and msg.usage.output_tokens > 0
    [media] = last_media(control, "anthropic", "/v1/messages")
    assert (media["mime"], media["image_hash"]) == ("image/jpeg", image_hash(jpeg_bytes))


def test_anthropic_several_images_and_a_pdf(claude, control, jpeg_bytes, png_bytes, pdf_bytes):
    claude.messages.create(
        model=ANTHROPIC_MODEL, max_tokens=300,
        system="You compare documents.",
        messages=[{"role": "user", "content": [
            claude_image("image/jpeg", b64(jpeg_bytes)),
            claude_image("image/png", b64(png_bytes)),
            {"type": "document", "source": {"type": "base64", "media_type": "application/pdf",
                                            "data": b64(pdf_bytes)}},
            {"type": "text", "text": "How do these relate?"},
        ]}],
    )
    media = last_media(control, "anthropic", "/v1/messages")
    assert [m["sha256"] for m in media] == [sha256(jpeg_bytes), sha256(png_bytes), sha256(pdf_bytes)]


def test_anthropic_stream_events_and_text(claude, jpeg_bytes):
    request = {"model": ANTHROPIC_MODEL, "max_tokens": 300, "messages": [{"role": "user", "content": [
        claude_image("image/jpeg", b64(jpeg_bytes)), {"type": "text", "text": "Describe this image."},
    ]}]}
    plain = claude.messages.create(**request).content[0].text
    events = list(claude.messages.create(**request, stream=True))
    kinds = [e.type for e in events]
    assert kinds[0] == "message_start" and kinds[-1] == "message_stop"
    assert {"content_block_start", "content_block_delta", "content_block_stop", "message_delta"} <= set(kinds)
    with claude.messages.stream(**request) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == plain == final.content[0].text
    assert final.stop_reason == "end_turn"


def test_anthropic_models_list_has_every_registry_model(claude):
    listed = {m.id for m in claude.models.list(limit=1000)}
    assert set(registry.model_ids("anthropic")) <= listed
    assert claude.models.retrieve(ANTHROPIC_MODEL).id == ANTHROPIC_MODEL


def test_anthropic_retired_model_is_not_found(claude):
    with pytest.raises(anthropic.NotFoundError) as err:
        claude.messages.create(model=RETIRED["anthropic"], max_tokens=50,
                               messages=[{"role": "user", "content": "hi"}])
    assert err.value.body["error"]["type"] == "not_found_error"


def test_anthropic_data_url_prefix_is_bad_request(claude, jpeg_bytes):
    with pytest.raises(anthropic.BadRequestError) as err:
        claude.messages.create(model=ANTHROPIC_MODEL, max_tokens=100, messages=[{"role": "user", "content": [
            claude_image("image/jpeg", f"data:image/jpeg;base64,{b64(jpeg_bytes)}"),
        ]}])
    body = err.value.body
    assert body["type"] == "error" and body["error"]["type"] == "invalid_request_error"
    assert "base64" in body["error"]["message"].lower()
    assert body["request_id"].startswith("req_")
    assert err.value.response.headers["request-id"] == body["request_id"]


def test_anthropic_openai_style_image_url_part_is_bad_request(claude, jpeg_bytes):
    with pytest.raises(anthropic.BadRequestError) as err:
        claude.messages.create(model=ANTHROPIC_MODEL, max_tokens=100, messages=[{"role": "user", "content": [
            {"type": "text", "text": "Describe"},
            openai_image_part("image/jpeg", jpeg_bytes),
        ]}])
    message = err.value.body["error"]["message"]
    # Real wording (2026): "messages.0.content.1: Input tag 'image_url' found using 'type' does not
    # match any of the expected tags: ..."
    assert "image_url" in message and "messages.0.content.1" in message


def test_anthropic_media_type_must_match_the_bytes(claude, png_bytes):
    with pytest.raises(anthropic.BadRequestError) as err:
        claude.messages.create(model=ANTHROPIC_MODEL, max_tokens=100, messages=[{"role": "user", "content": [
            claude_image("image/jpeg", b64(png_bytes)),
        ]}])
    message = err.value.body["error"]["message"]
    assert "image/jpeg" in message and "image/png" in message


def test_anthropic_missing_version_header_raw_http(origin, api_key):
    resp = httpx.post(
        origin + "/v1/messages",
        headers={"x-api-key": api_key, "content-type": "application/json"},
        json={"model": ANTHROPIC_MODEL, "max_tokens": 50, "messages": [{"role": "user", "content": "hi"}]},
    )
    assert resp.status_code == 400
    body = resp.json()
    assert body["type"] == "error"
    assert body["error"] == {"type": "invalid_request_error", "message": "anthropic-version: header is required"}


def test_anthropic_sdk_without_version_header_is_bad_request(origin, api_key):
    client = anthropic.Anthropic(api_key=api_key, base_url=origin, max_retries=0,
                                 default_headers={"anthropic-version": anthropic.omit})
    with pytest.raises(anthropic.BadRequestError) as err:
        client.messages.create(model=ANTHROPIC_MODEL, max_tokens=50, messages=[{"role": "user", "content": "hi"}])
    assert "anthropic-version" in err.value.body["error"]["message"]


def test_anthropic_missing_max_tokens_raw_http(origin, api_key):
    resp = httpx.post(
        origin + "/v1/messages",
        headers={"x-api-key": api_key, "anthropic-version": "2023-06-01"},
        json={"model": ANTHROPIC_MODEL, "messages": [{"role": "user", "content": "hi"}]},
    )
    assert resp.status_code == 400
    assert resp.json()["error"]["message"] == "max_tokens: Field required"


def test_anthropic_invalid_key_is_authentication_error(origin):
    client = anthropic.Anthropic(api_key="sk-ant-invalid", base_url=origin, max_retries=0)
    with pytest.raises(anthropic.AuthenticationError) as err:
        client.messages.create(model=ANTHROPIC_MODEL, max_tokens=50, messages=[{"role": "user", "content": "hi"}])
    assert err.value.body["error"]["type"] == "authentication_error"


def test_anthropic_sdk_retries_through_two_429s(origin, api_key, control):
    control.inject_fault("anthropic", 429, count=2, retry_after=0.01)
    client = anthropic.Anthropic(api_key=api_key, base_url=origin, max_retries=2)
    msg = client.messages.create(model=ANTHROPIC_MODEL, max_tokens=50, messages=[{"role": "user", "content": "hi"}])
    assert msg.content[0].text
    attempts = records(control, "anthropic", "/v1/messages")
    assert [r["status"] for r in attempts] == [429, 429, 200]
    assert [r["headers"].get("x-stainless-retry-count") for r in attempts] == ["0", "1", "2"]


def test_anthropic_sdk_retries_an_overloaded_529(origin, api_key, control):
    control.inject_fault("anthropic", 529, count=1, retry_after=0.01)
    client = anthropic.Anthropic(api_key=api_key, base_url=origin, max_retries=1)
    client.messages.create(model=ANTHROPIC_MODEL, max_tokens=50, messages=[{"role": "user", "content": "hi"}])
    assert [r["status"] for r in records(control, "anthropic", "/v1/messages")] == [529, 200]


def test_anthropic_injected_529_is_overloaded_error(claude, control):
    control.inject_fault("anthropic", 529, count=1)
    with pytest.raises(anthropic.OverloadedError) as err:
        claude.messages.create(model=ANTHROPIC_MODEL, max_tokens=50, messages=[{"role": "user", "content": "hi"}])
    assert err.value.body["error"]["type"] == "overloaded_error"


# ---------------------------------------------------------------- Gemini


def test_gemini_image_gives_a_candidate(gem, control, jpeg_bytes):
    resp = gem.models.generate_content(
        model=GEMINI_MODEL,
        contents=[genai_types.Part.from_bytes(data=jpeg_bytes, mime_type="image/jpeg"), "Describe this image."],
    )
    assert resp.text.strip()
    cand = resp.candidates[0]
    assert cand.content.role == "model"
    assert cand.finish_reason == genai_types.FinishReason.STOP
    usage = resp.usage_metadata
    assert usage.prompt_token_count > 0
    assert usage.total_token_count >= usage.prompt_token_count + usage.candidates_token_count
    [media] = last_media(control, "gemini", ":generateContent")
    assert (media["mime"], media["image_hash"]) == ("image/jpeg", image_hash(jpeg_bytes))


def test_gemini_several_images_pdf_and_audio(gem, control, jpeg_bytes, png_bytes, pdf_bytes, wav_bytes):
    gem.models.generate_content(
        model=GEMINI_MODEL,
        contents=[
            genai_types.Part.from_bytes(data=jpeg_bytes, mime_type="image/jpeg"),
            genai_types.Part.from_bytes(data=png_bytes, mime_type="image/png"),
            genai_types.Part.from_bytes(data=pdf_bytes, mime_type="application/pdf"),
            genai_types.Part.from_bytes(data=wav_bytes, mime_type="audio/wav"),
            "How do these relate?",
        ],
    )
    media = last_media(control, "gemini", ":generateContent")
    assert [(m["mime"], m["sha256"]) for m in media] == [
        ("image/jpeg", sha256(jpeg_bytes)), ("image/png", sha256(png_bytes)),
        ("application/pdf", sha256(pdf_bytes)), ("audio/wav", sha256(wav_bytes)),
    ]


def test_gemini_video_through_the_file_api(gem, control, mp4_bytes):
    uploaded = gem.files.upload(
        file=io.BytesIO(mp4_bytes),
        config=genai_types.UploadFileConfig(mime_type="video/mp4", display_name="clip"),
    )
    assert uploaded.name.startswith("files/")
    assert uploaded.size_bytes == len(mp4_bytes)
    assert uploaded.state == genai_types.FileState.PROCESSING  # videos need processing first
    deadline = time.monotonic() + 10
    current = uploaded
    while current.state == genai_types.FileState.PROCESSING and time.monotonic() < deadline:
        time.sleep(0.1)
        current = gem.files.get(name=uploaded.name)
    assert current.state == genai_types.FileState.ACTIVE
    resp = gem.models.generate_content(model=GEMINI_MODEL, contents=[current, "Summarise this video."])
    assert resp.text.strip()
    assert uploaded.name in {f.name for f in gem.files.list()}
    [media] = last_media(control, "gemini", ":generateContent")
    assert (media["mime"], media["sha256"]) == ("video/mp4", sha256(mp4_bytes))
    gem.files.delete(name=uploaded.name)
    with pytest.raises(genai_errors.ClientError) as err:
        gem.files.get(name=uploaded.name)
    assert err.value.code in (403, 404)


def test_gemini_stream_matches_the_plain_answer(gem, jpeg_bytes):
    contents = [genai_types.Part.from_bytes(data=jpeg_bytes, mime_type="image/jpeg"), "Describe this image."]
    plain = gem.models.generate_content(model=GEMINI_MODEL, contents=contents).text
    chunks = list(gem.models.generate_content_stream(model=GEMINI_MODEL, contents=contents))
    assert len(chunks) >= 2
    assert "".join(c.text or "" for c in chunks) == plain
    assert chunks[-1].candidates[0].finish_reason == genai_types.FinishReason.STOP
    assert chunks[-1].usage_metadata.total_token_count > 0


def test_gemini_models_list_has_every_registry_model(gem):
    listed = {m.name for m in gem.models.list()}
    assert {f"models/{m}" for m in registry.model_ids("gemini")} <= listed
    assert gem.models.get(model=GEMINI_MODEL).name == f"models/{GEMINI_MODEL}"


def test_gemini_retired_model_is_not_found(gem):
    with pytest.raises(genai_errors.ClientError) as err:
        gem.models.generate_content(model=RETIRED["gemini"], contents="hi")
    assert (err.value.code, err.value.status) == (404, "NOT_FOUND")


def test_gemini_image_jpg_mime_is_rejected(gem, jpeg_bytes):
    with pytest.raises(genai_errors.ClientError) as err:
        gem.models.generate_content(
            model=GEMINI_MODEL,
            contents=[genai_types.Part.from_bytes(data=jpeg_bytes, mime_type="image/jpg"), "Describe"],
        )
    assert (err.value.code, err.value.status) == (400, "INVALID_ARGUMENT")
    assert "image/jpg" in err.value.message


def test_gemini_data_url_in_inline_data_fails_base64(origin, api_key, jpeg_bytes):
    resp = httpx.post(
        f"{origin}/v1beta/models/{GEMINI_MODEL}:generateContent",
        headers={"x-goog-api-key": api_key},
        json={"contents": [{"parts": [
            {"text": "Describe"},
            {"inline_data": {"mime_type": "image/jpeg", "data": f"data:image/jpeg;base64,{b64(jpeg_bytes)}"}},
        ]}]},
    )
    assert resp.status_code == 400
    error = resp.json()["error"]
    assert error["status"] == "INVALID_ARGUMENT"
    # Google names the proto (snake_case) path: contents[0].parts[1].inline_data.data
    assert "contents[0].parts[1].inline_data.data" in error["message"]
    assert "Base64 decoding failed" in error["message"]


def test_gemini_invalid_key_is_400_api_key_invalid(origin):
    client = genai.Client(api_key="invalid-key", http_options=genai_types.HttpOptions(base_url=origin))
    with pytest.raises(genai_errors.ClientError) as err:
        client.models.generate_content(model=GEMINI_MODEL, contents="hi")
    assert (err.value.code, err.value.status) == (400, "INVALID_ARGUMENT")
    reasons = [d.get("reason") for d in err.value.details["error"].get("details", [])]
    assert "API_KEY_INVALID" in reasons


def test_gemini_missing_key_is_403(origin):
    resp = httpx.post(f"{origin}/v1beta/models/{GEMINI_MODEL}:generateContent",
                      json={"contents": [{"parts": [{"text": "hi"}]}]})
    assert resp.status_code == 403
    assert resp.json()["error"]["status"] == "PERMISSION_DENIED"


def test_gemini_key_sent_as_bearer_is_rejected(origin, api_key):
    # An API key is not an OAuth token: Google rejects it in Authorization: Bearer.
    resp = httpx.post(
        f"{origin}/v1beta/models/{GEMINI_MODEL}:generateContent",
        headers={"Authorization": f"Bearer {api_key}"},
        json={"contents": [{"parts": [{"text": "hi"}]}]},
    )
    assert resp.status_code in (401, 403)
    error = resp.json()["error"]
    assert error["code"] == resp.status_code
    assert error["status"] == {401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED"}[resp.status_code]


def test_gemini_key_in_query_parameter_works(origin, api_key):
    resp = httpx.post(f"{origin}/v1beta/models/{GEMINI_MODEL}:generateContent?key={api_key}",
                      json={"contents": [{"parts": [{"text": "hi"}]}]})
    assert resp.status_code == 200
    assert resp.json()["candidates"][0]["content"]["role"] == "model"


def test_gemini_sdk_does_not_retry_by_default(gem, control):
    control.inject_fault("gemini", 429, count=1)
    with pytest.raises(genai_errors.ClientError) as err:
        gem.models.generate_content(model=GEMINI_MODEL, contents="hi")
    assert (err.value.code, err.value.status) == (429, "RESOURCE_EXHAUSTED")
    assert len(records(control, "gemini", ":generateContent")) == 1


def test_gemini_sdk_retries_when_retry_options_are_set(origin, api_key, control):
    control.inject_fault("gemini", 429, count=2)
    retry = genai_types.HttpRetryOptions(attempts=3, initial_delay=0.01, max_delay=0.05, jitter=0,
                                         http_status_codes=[429])
    client = genai.Client(api_key=api_key,
                          http_options=genai_types.HttpOptions(base_url=origin, retry_options=retry))
    assert client.models.generate_content(model=GEMINI_MODEL, contents="hi").text
    assert [r["status"] for r in records(control, "gemini", ":generateContent")] == [429, 429, 200]


# ---------------------------------------------------------------- every answer is marked


@pytest.mark.parametrize(("path", "auth"), [
    ("/v1/models", "authorization"), ("/v1beta/models", "x-goog-api-key"),
    ("/v1/chat/completions", "authorization"),  # a GET on a POST route is still answered by us
])
def test_every_response_carries_the_emulator_header(origin, api_key, path, auth):
    value = f"Bearer {api_key}" if auth == "authorization" else api_key
    resp = httpx.get(origin + path, headers={auth: value})
    assert resp.headers["x-mmcourse-emulator"].startswith("1")


# ---------------------------------------------------------------- a course photo, three SDKs


def describe_with(sdk: str, clients: dict, data: bytes) -> str:
    """Ask one SDK to describe a JPEG; returns the answer text."""
    prompt = "Describe this image."
    if sdk == "openai":
        return clients[sdk].chat.completions.create(model=OPENAI_MODEL, messages=[{"role": "user", "content": [
            {"type": "text", "text": prompt}, openai_image_part("image/jpeg", data)]}]).choices[0].message.content
    if sdk == "anthropic":
        return clients[sdk].messages.create(model=ANTHROPIC_MODEL, max_tokens=400, messages=[{"role": "user", "content": [
            claude_image("image/jpeg", b64(data)), {"type": "text", "text": prompt}]}]).content[0].text
    return clients[sdk].models.generate_content(model=GEMINI_MODEL, contents=[
        genai_types.Part.from_bytes(data=data, mime_type="image/jpeg"), prompt]).text


@pytest.mark.parametrize("sdk", ["openai", "anthropic", "gemini"])
def test_course_photo_is_recognised_through_each_sdk(sdk, oai, claude, gem, course_image_bytes):
    from mmcourse import datasets

    entry = datasets.find_by_sha256(sha256(course_image_bytes))
    if entry is None:
        pytest.skip("course data not built: course_image_bytes is a generated picture")
    answer = describe_with(sdk, {"openai": oai, "anthropic": claude, "gemini": gem}, course_image_bytes)
    assert entry["truth"]["subjects"][0].lower() in answer.lower()


# ---------------------------------------------------------------- wire details the SDKs hide


def test_openai_response_headers(origin, api_key):
    resp = httpx.post(origin + "/v1/chat/completions", headers={"Authorization": f"Bearer {api_key}"},
                      json={"model": OPENAI_MODEL, "messages": [{"role": "user", "content": "hi"}]})
    for name in ("x-request-id", "x-ratelimit-limit-requests", "x-ratelimit-remaining-requests",
                 "x-ratelimit-reset-requests"):
        assert name in resp.headers, name


def test_openai_stream_obfuscation_is_default_and_can_be_turned_off(origin, api_key):
    def chunks(**extra) -> list[dict]:
        resp = httpx.post(origin + "/v1/chat/completions", headers={"Authorization": f"Bearer {api_key}"},
                          json={"model": OPENAI_MODEL, "stream": True,
                                "messages": [{"role": "user", "content": "hi"}], **extra})
        data = [line[6:] for line in resp.text.splitlines() if line.startswith("data: ")]
        assert data[-1] == "[DONE]"
        return [json.loads(d) for d in data[:-1]]

    assert all("obfuscation" in c for c in chunks())
    assert not any("obfuscation" in c for c in chunks(stream_options={"include_obfuscation": False}))


def test_anthropic_stream_has_ping_and_request_id(origin, api_key):
    resp = httpx.post(origin + "/v1/messages",
                      headers={"x-api-key": api_key, "anthropic-version": "2023-06-01"},
                      json={"model": ANTHROPIC_MODEL, "max_tokens": 100, "stream": True,
                            "messages": [{"role": "user", "content": "hi"}]})
    events = [line[7:] for line in resp.text.splitlines() if line.startswith("event: ")]
    assert events[:3] == ["message_start", "content_block_start", "ping"]
    assert resp.headers["request-id"].startswith("req_")


def test_gemini_stream_without_alt_sse_is_one_json_array(origin, api_key):
    resp = httpx.post(f"{origin}/v1beta/models/{GEMINI_MODEL}:streamGenerateContent",
                      headers={"x-goog-api-key": api_key}, json={"contents": [{"parts": [{"text": "hi"}]}]})
    chunks = resp.json()
    assert isinstance(chunks, list) and len(chunks) >= 2
    assert chunks[-1]["candidates"][0]["finishReason"] == "STOP"


def test_gemini_accepts_the_cookbooks_lenient_snake_case_body(origin, api_key):
    # Google's REST cookbook sends snake_case and even an object where an array belongs.
    resp = httpx.post(f"{origin}/v1beta/models/{GEMINI_MODEL}:generateContent?key={api_key}", json={
        "system_instruction": {"parts": [{"text": "You are a cat."}]},
        "contents": {"parts": {"text": "Hello there"}},
        "generationConfig": {"maxOutputTokens": 100},
    })
    assert resp.status_code == 200
    body = resp.json()
    assert {"candidates", "usageMetadata", "modelVersion"} <= body.keys()  # responses are camelCase
    assert isinstance(body["usageMetadata"]["promptTokenCount"], int)


def test_gemini_resumable_upload_wire_protocol(origin, api_key, mp4_bytes):
    start = httpx.post(origin + "/upload/v1beta/files", headers={
        "x-goog-api-key": api_key, "X-Goog-Upload-Protocol": "resumable", "X-Goog-Upload-Command": "start",
        "X-Goog-Upload-Header-Content-Length": str(len(mp4_bytes)),
        "X-Goog-Upload-Header-Content-Type": "video/mp4",
    }, json={"file": {"display_name": "clip"}})
    assert start.status_code == 200
    half = len(mp4_bytes) // 2
    first = httpx.post(start.headers["x-goog-upload-url"], content=mp4_bytes[:half], headers={
        "X-Goog-Upload-Offset": "0", "X-Goog-Upload-Command": "upload"})
    assert (first.status_code, first.headers["x-goog-upload-status"]) == (200, "active")
    final = httpx.post(start.headers["x-goog-upload-url"], content=mp4_bytes[half:], headers={
        "X-Goog-Upload-Offset": str(half), "X-Goog-Upload-Command": "upload, finalize"})
    assert (final.status_code, final.headers["x-goog-upload-status"]) == (200, "final")
    file = final.json()["file"]  # finalize wraps the File; GET returns it bare
    assert file["sizeBytes"] == str(len(mp4_bytes))  # int64 -> JSON string
    assert file["state"] == "PROCESSING" and file["mimeType"] == "video/mp4"
    assert base64.b64decode(file["sha256Hash"]).decode() == sha256(mp4_bytes)
    bare = httpx.get(f"{origin}/v1beta/{file['name']}", headers={"x-goog-api-key": api_key}).json()
    assert bare["name"] == file["name"] and "file" not in bare
