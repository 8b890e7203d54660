"""mmcourse.display: small thumbnails, redacted requests, curl with the key as a variable."""

from __future__ import annotations

from mmcourse import display, encoding
from mmcourse.providers import Media, Text, gemini, openai
from tests.conftest import make_image

KEY = "sk-proj-ABCDEFGHIJKLMNOPQRSTUVWX"


def test_thumbnail_is_small_and_bounded():
    big = make_image(2000, 1000, "PNG")
    thumb = display.thumbnail_bytes(big, max_edge=200)
    assert encoding.image_size(thumb) == (200, 100)
    assert len(thumb) < 20_000


def test_curl_uses_the_env_var_not_the_key():
    req = openai.build_request("gpt-5.4-mini", [Text("hi"), Media("image/png", "A" * 500)],
                               base_url="https://api.openai.com/v1", api_key=KEY)
    curl = display.as_curl(req)
    assert KEY not in curl and "$OPENAI_API_KEY" in curl
    assert "A" * 100 not in curl


def test_curl_for_gemini_uses_the_header_form():
    req = gemini.build_request("gemini-2.5-flash", [Text("hi")], base_url="https://x", api_key="AIza" + "k" * 35)
    assert 'x-goog-api-key: $GOOGLE_API_KEY' in display.as_curl(req)


def test_show_request_redacts(capsys):
    req = openai.build_request("gpt-5.4-mini", [Text("hi")], base_url="https://api.openai.com/v1", api_key=KEY)
    display.show_request(req)
    out = capsys.readouterr().out
    assert KEY not in out and out.startswith("POST https://api.openai.com/v1/chat/completions")


def test_safe_json_truncates_long_strings():
    text = display.safe_json({"data": "B" * 1000})
    assert "B" * 100 not in text and "(1,000 chars)" in text
