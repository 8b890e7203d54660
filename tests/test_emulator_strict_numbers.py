"""Every number a client sends as text is parsed strictly: a provider-shaped 400, never a 500,
for thousands of digits, non-ASCII digits, underscores, signs and spaces."""

from __future__ import annotations

import httpx
import pytest

from mmcourse.emulator.strict import parse_int

BAD = ["9" * 5000, "١٢", "²", "1_000", "+5", "0x10", "1e3", "12abc", "", " "]
IN_HEADERS = [v for v in BAD if v.strip()]  # HTTP itself forbids a blank header value
GEMINI = {"x-goog-api-key": "gm-strict-numbers"}


@pytest.fixture(scope="module")
def http(origin):
    with httpx.Client(base_url=origin, timeout=30) as client:
        yield client


def test_parse_int_takes_plain_ascii_digits_only():
    assert [parse_int(t) for t in ("0", "42", "-7", "9" * 19)] == [0, 42, -7, int("9" * 19)]
    assert all(parse_int(t) is None for t in BAD + ["9" * 20])


@pytest.mark.parametrize("value", [v for v in BAD if v] + ["-1"])  # an empty pageSize means the default
def test_gemini_page_size_is_a_400_invalid_argument(http, value):
    resp = http.get("/v1beta/files", params={"pageSize": value}, headers=GEMINI)
    assert resp.status_code == 400 and resp.json()["error"]["status"] == "INVALID_ARGUMENT"


@pytest.mark.parametrize("value", IN_HEADERS + ["-1"])
def test_gemini_declared_upload_length_is_a_400(http, value):
    resp = http.post("/upload/v1beta/files", json={"file": {"display_name": "x"}}, headers={
        **GEMINI, "x-goog-upload-protocol": "resumable", "x-goog-upload-command": "start",
        "x-goog-upload-header-content-length": value.encode(), "x-goog-upload-header-content-type": "text/plain"})
    assert resp.status_code == 400 and resp.json()["error"]["status"] == "INVALID_ARGUMENT"


@pytest.mark.parametrize("value", IN_HEADERS)
def test_gemini_upload_offset_is_a_400(http, value):
    start = http.post("/upload/v1beta/files", json={"file": {"display_name": "x"}}, headers={
        **GEMINI, "x-goog-upload-protocol": "resumable", "x-goog-upload-command": "start",
        "x-goog-upload-header-content-length": "4", "x-goog-upload-header-content-type": "text/plain"})
    url = start.headers["x-goog-upload-url"]
    resp = http.post(url, content=b"abcd", headers={"x-goog-upload-command": "upload, finalize",
                                                    "x-goog-upload-offset": value.encode()})
    assert resp.status_code == 400 and resp.json()["error"]["status"] == "INVALID_ARGUMENT"


@pytest.mark.parametrize("value", BAD)
def test_anthropic_list_limit_is_a_400_invalid_request_error(http, value):
    resp = http.get("/v1/files", params={"limit": value},
                    headers={"x-api-key": "sk-ant-strict", "anthropic-version": "2023-06-01"})
    assert resp.status_code == 400 and resp.json()["error"]["type"] == "invalid_request_error"


@pytest.mark.parametrize("value", BAD)
def test_openai_list_limit_is_a_400_invalid_type(http, value):
    resp = http.get("/v1/files", params={"limit": value}, headers={"Authorization": "Bearer sk-strict"})
    assert resp.status_code == 400 and resp.json()["error"]["code"] == "invalid_type"


@pytest.mark.parametrize("value", ["9" * 5000, "١٢"])
def test_gemini_integer_fields_given_as_strings_are_a_400(http, value):
    body = {"contents": [{"parts": [{"text": "hi"}]}], "generationConfig": {"maxOutputTokens": value}}
    resp = http.post("/v1beta/models/gemini-2.5-flash:generateContent", json=body, headers=GEMINI)
    assert resp.status_code == 400 and resp.json()["error"]["status"] == "INVALID_ARGUMENT"
