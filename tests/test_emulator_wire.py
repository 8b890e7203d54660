"""Pure wire helpers: base64 flavours, data URLs, JSON parsing, provider detection, Gemini's
proto-JSON field rules, stream splitting. No server needed."""

from __future__ import annotations

import base64

import pytest

from mmcourse.emulator import anthropic_wire, gemini_wire, openai_wire
from mmcourse.emulator.app import detect_provider
from mmcourse.emulator.wire import (
    ApiError,
    BadJson,
    decode_proto_base64,
    decode_std_base64,
    duration_text,
    first_bad_base64_prefix,
    parse_json,
    retry_after_headers,
    split_data_url,
    truncate_base64,
    word_chunks,
)

RAW = bytes(range(256)) * 3 + b"\xfb\xff"


def test_std_base64_needs_padding_and_the_standard_alphabet():
    std = base64.b64encode(RAW).decode()
    assert decode_std_base64(std) == RAW
    assert decode_std_base64(std.rstrip("=")) is None
    assert decode_std_base64(base64.urlsafe_b64encode(RAW).decode()) is None
    assert decode_std_base64("data:image/png;base64," + std) is None


@pytest.mark.parametrize("encode", [
    base64.b64encode,
    base64.urlsafe_b64encode,
    lambda b: base64.b64encode(b).rstrip(b"="),
    lambda b: base64.urlsafe_b64encode(b).rstrip(b"="),
])
def test_proto_base64_takes_both_alphabets_padded_or_not(encode):
    assert decode_proto_base64(encode(RAW).decode()) == RAW


def test_proto_base64_refuses_a_data_url_and_quotes_the_prefix_like_google():
    text = "data:image/png;base64,iVBORw0KGgo="
    assert decode_proto_base64(text) is None
    assert first_bad_base64_prefix(text) == "data:image/png;base64"


def test_data_url_parts():
    assert split_data_url("data:image/PNG;base64,AAAA") == ("image/png", True, "AAAA")
    assert split_data_url("data:text/plain,hello") == ("text/plain", False, "hello")
    assert split_data_url("https://example.com/x.png") is None


@pytest.mark.parametrize("seconds, header, ms", [
    (0.01, "1", "10"), (0.5, "1", "500"), (1.2, "2", "1200"), (2, "2", "2000"), (0, "0", "0"),
])
def test_retry_after_rounds_seconds_up_and_keeps_milliseconds(seconds, header, ms):
    assert retry_after_headers(seconds) == {"retry-after": header, "retry-after-ms": ms}


@pytest.mark.parametrize("seconds, text", [
    (20, "20s"), (0.5, "0.500s"), (0.01, "0.010s"), (1.25, "1.250s"), (0.0000015, "0.000001500s"),
])
def test_duration_text_is_protobuf_json_and_exact(seconds, text):
    assert duration_text(seconds) == text


def test_parse_json_names_the_problem():
    assert parse_json(b'\xef\xbb\xbf{"a": 1}') == {"a": 1}
    with pytest.raises(BadJson, match="UTF-8"):
        parse_json(b'{"a": "\xff"}')
    with pytest.raises(BadJson, match="line 1"):
        parse_json(b'{"a": ')
    with pytest.raises(BadJson, match="deep"):
        parse_json(b"[" * 100_000 + b"]" * 100_000)


def test_truncate_base64_keeps_structure_and_length():
    long = base64.b64encode(b"x" * 3000).decode()
    out = truncate_base64({"a": [{"data": long, "text": "short"}], "url": "data:image/png;base64," + long})
    assert out["a"][0]["data"] == long[:64] + f"...({len(long)} chars)"
    assert out["a"][0]["text"] == "short"
    assert out["url"].endswith(f"...({len(long) + 22} chars)")


@pytest.mark.parametrize("text", ["", "one", "  leading space and   double  spaces \n end", "a b c d e f g h i"])
def test_word_chunks_concatenate_to_the_answer(text):
    chunks = word_chunks(text)
    assert "".join(chunks) == text
    assert all(chunks)


@pytest.mark.parametrize("path, headers, query, provider", [
    ("/v1/chat/completions", {}, {}, "openai"),
    ("/v1/messages", {"authorization": "Bearer x"}, {}, "anthropic"),
    ("/v1beta/models", {}, {}, "gemini"),
    ("/v1/models/gemini-2.5-flash:generateContent", {"authorization": "Bearer x"}, {}, "gemini"),
    ("/upload/v1/files", {}, {}, "gemini"),
    ("/v1/models", {"authorization": "Bearer x"}, {}, "openai"),
    ("/v1/models", {"x-api-key": "x", "anthropic-version": "2023-06-01"}, {}, "anthropic"),
    ("/v1/models", {"x-goog-api-key": "x"}, {}, "gemini"),
    ("/v1/files", {}, {"key": "x"}, "gemini"),
    ("/v1/files", {"anthropic-beta": "files-api-2025-04-14", "x-api-key": "x"}, {}, "anthropic"),
    ("/v1/files", {}, {}, "openai"),
])
def test_provider_is_told_apart_by_path_then_headers(path, headers, query, provider):
    assert detect_provider(path, headers, query).name == provider


def test_gemini_accepts_snake_and_camel_and_answers_snake_paths():
    body = {"contents": [{"parts": [{"inlineData": {"mimeType": "image/png", "data": "AA"}}]}],
            "generation_config": {"maxOutputTokens": 5}}
    out = gemini_wire.normalize(body, gemini_wire._GENERATE_REQUEST, "")
    assert out["contents"][0]["parts"][0]["inline_data"]["mime_type"] == "image/png"
    assert out["generation_config"]["max_output_tokens"] == 5


def test_gemini_unknown_field_is_named_with_its_location():
    body = {"generationConfig": {"top_kk": 3}}
    with pytest.raises(ApiError) as err:
        gemini_wire.normalize(body, gemini_wire._GENERATE_REQUEST, "")
    assert err.value.message == ('Invalid JSON payload received. Unknown name "top_kk" at '
                                 "'generation_config': Cannot find field.")
    assert err.value.details[0]["@type"] == "type.googleapis.com/google.rpc.BadRequest"


def test_gemini_wrong_scalar_type_quotes_the_value():
    with pytest.raises(ApiError) as err:
        gemini_wire.normalize({"generationConfig": {"temperature": "hot"}}, gemini_wire._GENERATE_REQUEST, "")
    assert err.value.message == "Invalid value at 'generation_config.temperature' (TYPE_FLOAT), \"hot\""


def test_openai_redacts_a_wrong_key_like_openai():
    key = "sk-abcdefghijklmnopwxyz"  # 23 characters: 6 shown, 13 starred, 4 shown
    assert openai_wire.redact_key(key) == "sk-abc" + "*" * 13 + "wxyz"
    assert "cdefgh" not in openai_wire.redact_key("sk-abcdefghijklmnopwxyz")


def test_every_wire_module_offers_the_app_protocol():
    for wire in (openai_wire.WIRE, anthropic_wire.WIRE, gemini_wire.WIRE):
        for attr in ("name", "owns_paths", "marker_headers", "routes", "api_key", "authenticate",
                     "error_reply", "bad_json", "too_large", "no_route", "fault", "rate_limited",
                     "headers", "new_request_id"):
            assert hasattr(wire, attr), f"{wire.name} lacks {attr}"
