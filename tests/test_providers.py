"""mmcourse.providers: pure request builders and response/error parsers, per the providers' docs."""

from __future__ import annotations

import pytest

from mmcourse import providers
from mmcourse.providers import FileRef, Media, Options, Text
from mmcourse.providers.base import redact_headers, redact_url, retry_after_from_headers

PNG = Media("image/png", "iVBORw0KGgoAAAANSUhEUg==")
WAV = Media("audio/wav", "UklGRiQAAABXQVZF")
PDF = Media("application/pdf", "JVBERi0xLjcK", "report.pdf")
KEY = "sk-test-0123456789abcdefghijklmnop"


def build(provider, parts, **options):
    return providers.get(provider).build_request(
        "some-model", parts, Options(**options), base_url="http://emu", api_key=KEY
    )


# OpenAI ---------------------------------------------------------------------------------------


def test_openai_image_is_an_image_url_part_with_a_data_url():
    req = build("openai", [Text("What is this?"), PNG], detail="low")
    assert req.url == "http://emu/chat/completions"
    assert req.headers["Authorization"] == f"Bearer {KEY}"
    content = req.json["messages"][0]["content"]
    assert content[0] == {"type": "text", "text": "What is this?"}
    assert content[1] == {
        "type": "image_url",
        "image_url": {"url": "data:image/png;base64,iVBORw0KGgoAAAANSUhEUg==", "detail": "low"},
    }


def test_openai_uses_max_completion_tokens_not_deprecated_max_tokens():
    body = build("openai", [Text("hi")], max_output_tokens=77).json
    assert body["max_completion_tokens"] == 77
    assert "max_tokens" not in body


def test_openai_audio_is_input_audio_with_raw_base64_and_format():
    part = build("openai", [WAV]).json["messages"][0]["content"][0]
    assert part == {"type": "input_audio", "input_audio": {"data": "UklGRiQAAABXQVZF", "format": "wav"}}


def test_openai_pdf_is_a_file_part_with_a_data_url():
    part = build("openai", [PDF]).json["messages"][0]["content"][0]
    assert part == {
        "type": "file",
        "file": {"filename": "report.pdf", "file_data": "data:application/pdf;base64,JVBERi0xLjcK"},
    }


def test_openai_system_json_and_stream_options():
    body = build("openai", [Text("x")], system="Be brief.", json=True, stream=True).json
    assert body["messages"][0] == {"role": "system", "content": "Be brief."}
    assert body["response_format"] == {"type": "json_object"}
    assert body["stream"] is True and body["stream_options"] == {"include_usage": True}


def test_openai_refuses_video_inline():
    with pytest.raises(ValueError, match="sample video frames"):
        build("openai", [Media("video/mp4", "AAAA")])


def test_openai_parse_response_spec_example():
    body = {
        "id": "chatcmpl-B9MHDbslfkBeAs8l4bebGdFOJ6PeG", "object": "chat.completion", "created": 1741570283,
        "model": "gpt-4o-2024-08-06",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": "The image shows a wooden boardwalk",
                     "refusal": None, "annotations": []}, "logprobs": None, "finish_reason": "stop"}],
        "usage": {"prompt_tokens": 1117, "completion_tokens": 46, "total_tokens": 1163},
    }
    answer = providers.openai.parse_response(body)
    assert answer.text == "The image shows a wooden boardwalk"
    assert (answer.usage.input_tokens, answer.usage.output_tokens, answer.usage.total_tokens) == (1117, 46, 1163)
    assert answer.finish_reason == "stop"


def test_openai_parse_error_reads_code_and_retry_after():
    body = {"error": {"message": "Rate limit reached", "type": "requests", "param": None, "code": "rate_limit_exceeded"}}
    error = providers.openai.parse_error(429, {"retry-after": "2"}, body)
    assert (error.status, error.error_type, error.retry_after) == (429, "rate_limit_exceeded", 2.0)
    assert error.retryable


def test_openai_parse_error_without_code_uses_type():
    body = {"error": {"message": "You didn't provide an API key.", "type": "invalid_request_error",
                      "param": None, "code": None}}
    error = providers.openai.parse_error(401, {}, body)
    assert error.error_type == "invalid_request_error"
    assert not error.retryable


def test_openai_stream_delta():
    chunk = {"object": "chat.completion.chunk", "choices": [{"index": 0, "delta": {"content": "Hel"}}]}
    assert providers.openai.stream_delta(None, chunk) == "Hel"
    assert providers.openai.stream_delta(None, {"choices": [], "usage": {}}) is None


# Anthropic ------------------------------------------------------------------------------------


def test_anthropic_headers_and_required_max_tokens():
    req = build("anthropic", [Text("hi")])
    assert req.url == "http://emu/v1/messages"
    assert req.headers["x-api-key"] == KEY
    assert req.headers["anthropic-version"] == "2023-06-01"
    assert req.json["max_tokens"] == 1024


def test_anthropic_image_block_has_raw_base64_and_media_type_and_comes_first():
    content = build("anthropic", [Text("What?"), PNG]).json["messages"][0]["content"]
    assert content[0] == {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                                      "data": "iVBORw0KGgoAAAANSUhEUg=="}}
    assert not content[0]["source"]["data"].startswith("data:")
    assert content[1] == {"type": "text", "text": "What?"}


def test_anthropic_pdf_is_a_document_block():
    block = build("anthropic", [PDF]).json["messages"][0]["content"][0]
    assert block["type"] == "document"
    assert block["source"]["media_type"] == "application/pdf"


def test_anthropic_file_ref_adds_the_files_beta_header():
    req = build("anthropic", [FileRef("file_abc", "image/png")])
    assert req.headers["anthropic-beta"] == "files-api-2025-04-14"
    assert req.json["messages"][0]["content"][0] == {"type": "image", "source": {"type": "file", "file_id": "file_abc"}}


def test_anthropic_refuses_audio_with_the_pipeline_hint():
    with pytest.raises(ValueError, match="transcribe first"):
        build("anthropic", [WAV])


def test_anthropic_system_is_top_level():
    assert build("anthropic", [Text("x")], system="Terse.").json["system"] == "Terse."


def test_anthropic_parse_response():
    body = {"id": "msg_013Zva2CMHLNnXjNJJKqJ2EF", "type": "message", "role": "assistant",
            "model": "claude-sonnet-4-5-20250929", "content": [{"type": "text", "text": "An ant on a leaf."}],
            "stop_reason": "end_turn", "stop_sequence": None, "usage": {"input_tokens": 1551, "output_tokens": 12}}
    answer = providers.anthropic.parse_response(body)
    assert (answer.text, answer.usage.input_tokens, answer.finish_reason) == ("An ant on a leaf.", 1551, "end_turn")


def test_anthropic_parse_error_overloaded_is_retryable():
    body = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}, "request_id": "req_1"}
    error = providers.anthropic.parse_error(529, {"retry-after-ms": "1500", "retry-after": "9"}, body)
    assert (error.error_type, error.retry_after, error.retryable) == ("overloaded_error", 1.5, True)


def test_anthropic_stream_delta_and_mid_stream_error():
    event = {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "Hello"}}
    assert providers.anthropic.stream_delta("content_block_delta", event) == "Hello"
    assert providers.anthropic.stream_delta("ping", {"type": "ping"}) is None
    with pytest.raises(providers.APIError, match="overloaded_error"):
        providers.anthropic.stream_delta("error", {"type": "error", "error": {"type": "overloaded_error",
                                                                               "message": "Overloaded"}})


# Gemini ---------------------------------------------------------------------------------------


def test_gemini_url_header_and_inline_data():
    req = build("gemini", [Text("Describe"), PNG])
    assert req.url == "http://emu/v1beta/models/some-model:generateContent"
    assert req.headers["x-goog-api-key"] == KEY
    assert "key=" not in req.url
    parts = req.json["contents"][0]["parts"]
    assert parts[1] == {"inline_data": {"mime_type": "image/png", "data": "iVBORw0KGgoAAAANSUhEUg=="}}
    assert "model" not in req.json


def test_gemini_stream_uses_alt_sse():
    assert build("gemini", [Text("x")], stream=True).url.endswith(":streamGenerateContent?alt=sse")


def test_gemini_mp3_is_audio_mp3_on_the_wire():
    part = build("gemini", [Media("audio/mpeg", "SUQz")]).json["contents"][0]["parts"][0]
    assert part["inline_data"]["mime_type"] == "audio/mp3"


def test_gemini_file_ref_is_file_data():
    uri = "http://emu/v1beta/files/abc123"
    part = build("gemini", [FileRef(uri, "video/mp4")]).json["contents"][0]["parts"][0]
    assert part == {"file_data": {"mime_type": "video/mp4", "file_uri": uri}}


def test_gemini_generation_config_and_json():
    body = build("gemini", [Text("x")], max_output_tokens=50, json=True, system="Sys").json
    assert body["generationConfig"] == {"maxOutputTokens": 50, "responseMimeType": "application/json"}
    assert body["system_instruction"] == {"parts": [{"text": "Sys"}]}


def test_gemini_parse_response_cookbook_example():
    body = {"candidates": [{"content": {"parts": [{"text": "This clip is an audio recording"}], "role": "model"},
                            "finishReason": "STOP"}],
            "usageMetadata": {"promptTokenCount": 754, "candidatesTokenCount": 49, "totalTokenCount": 803},
            "modelVersion": "gemini-2.0-flash", "responseId": "UxQ6aM_sKbjFnvgPocrJaA"}
    answer = providers.gemini.parse_response(body)
    assert (answer.text, answer.usage.input_tokens, answer.usage.output_tokens) == (
        "This clip is an audio recording", 754, 49)
    assert answer.finish_reason == "STOP"


def test_gemini_blocked_prompt_has_empty_text_and_block_reason():
    answer = providers.gemini.parse_response({"promptFeedback": {"blockReason": "SAFETY"}})
    assert answer.text == "" and answer.finish_reason == "SAFETY"


def test_gemini_parse_error_reads_retry_info():
    body = {"error": {"code": 429, "message": "You exceeded your current quota", "status": "RESOURCE_EXHAUSTED",
                      "details": [{"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "20s"}]}}
    error = providers.gemini.parse_error(429, {}, body)
    assert (error.error_type, error.retry_after) == ("RESOURCE_EXHAUSTED", 20.0)


def test_gemini_invalid_key_is_400_invalid_argument_and_not_retryable():
    body = {"error": {"code": 400, "message": "API key not valid. Please pass a valid API key.",
                      "status": "INVALID_ARGUMENT"}}
    error = providers.gemini.parse_error(400, {}, [body])
    assert error.error_type == "INVALID_ARGUMENT" and not error.retryable


# Shared ---------------------------------------------------------------------------------------


def test_every_module_exposes_the_same_names():
    names = {"build_request", "build_body", "parse_response", "parse_error", "stream_delta",
             "WIRE_FACTS", "ANSWER_PATH", "DEFAULT_BASE_URL", "KEY_ENV_VARS", "BASE_URL_ENV", "NAME"}
    for module in providers.MODULES.values():
        assert names <= set(dir(module)), module.NAME


def test_local_provider_speaks_openai_with_its_own_base_url():
    local = providers.get("local")
    assert local.DEFAULT_BASE_URL.endswith("/v1")
    req = build("local", [Text("hi")])
    assert req.url == "http://emu/chat/completions"


def test_request_repr_never_shows_key_or_whole_base64():
    big = Media("image/png", "A" * 5000)
    req = build("gemini", [big])
    shown = repr(req)
    assert KEY not in shown and "A" * 100 not in shown


def test_redact_url_hides_gemini_query_key():
    assert redact_url("https://h/v1beta/models/m:generateContent?key=AIzaSECRET&alt=sse") == (
        "https://h/v1beta/models/m:generateContent?key=***&alt=sse")


def test_redact_headers_keeps_scheme():
    assert redact_headers({"Authorization": f"Bearer {KEY}"})["Authorization"].startswith("Bearer sk-tes")
    assert KEY not in str(redact_headers({"Authorization": f"Bearer {KEY}", "x-api-key": KEY}))


def test_retry_after_prefers_milliseconds():
    assert retry_after_from_headers({"Retry-After-Ms": "250", "Retry-After": "3"}) == 0.25
    assert retry_after_from_headers({"Retry-After": "Wed, 21 Oct 2015 07:28:00 GMT"}) is None
