"""One table of wire facts per provider: the client, the router and the emulator all follow it.

``providers.<name>.WIRE_FACTS`` holds each provider's allow-lists and limits. These tests send
every MIME type of the tables (and a few each provider refuses) through the client's checks, the
router's and the emulator's validation, and require the same verdict from all three.
"""

from __future__ import annotations

import base64

import pytest
import requests

from mmcourse import client, routing
from mmcourse.encoding import MIME_ALIASES, EncodingError
from mmcourse.providers import anthropic, gemini, openai
from mmcourse.providers.base import Media, WireFacts

# Types no provider takes, plus ones only some do (the client rewrites MIME_ALIASES before
# sending, so aliases such as image/jpg are not a question for the wire).
REFUSED_SOMEWHERE = ("image/bmp", "image/tiff", "image/gif", "text/xml", "text/csv", "application/zip",
                     "video/x-matroska", "audio/midi")


def universe(facts: WireFacts) -> list[str]:
    every = {*facts.image_mimes, *facts.audio_mimes, *facts.video_mimes, *facts.document_mimes,
             *facts.audio_formats, *REFUSED_SOMEWHERE}
    return sorted(m for m in every if m not in MIME_ALIASES)


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_every_provider_module_has_a_wire_facts_table():
    for module in (openai, anthropic, gemini):
        assert isinstance(module.WIRE_FACTS, WireFacts)
        assert module.WIRE_FACTS.max_request_bytes > 0 and module.WIRE_FACTS.image_mimes


@pytest.mark.parametrize("mime", universe(gemini.WIRE_FACTS))
def test_gemini_router_and_emulator_follow_the_table(origin, api_key, png_bytes, mime):
    table = gemini.WIRE_FACTS.takes(mime)
    assert routing.provider_takes("gemini", mime) == table
    part = {"inlineData": {"mimeType": mime, "data": b64(png_bytes)}}
    resp = requests.post(f"{origin}/v1beta/models/gemini-2.5-flash:generateContent",
                         json={"contents": [{"parts": [{"text": "What is this?"}, part]}]},
                         headers={"x-goog-api-key": api_key}, timeout=30)
    refused_for_type = resp.status_code == 400 and resp.json()["error"]["message"].startswith("Unsupported MIME type")
    assert refused_for_type == (not table), resp.text[:200]


@pytest.mark.parametrize("mime", universe(anthropic.WIRE_FACTS))
def test_anthropic_client_router_and_emulator_follow_the_image_table(origin, api_key, png_bytes, mime):
    if not mime.startswith("image/"):
        pytest.skip("image blocks only: documents have their own source types")
    table = mime in anthropic.WIRE_FACTS.image_mimes
    assert routing.provider_takes("anthropic", mime) == table
    try:
        anthropic.build_body("claude-haiku-4-5", [Media(mime, b64(png_bytes))])
        built = True
    except ValueError:
        built = False
    assert built == table
    block = {"type": "image", "source": {"type": "base64", "media_type": mime, "data": b64(png_bytes)}}
    resp = requests.post(f"{origin}/v1/messages", json={
        "model": "claude-haiku-4-5", "max_tokens": 64, "messages": [{"role": "user", "content": [block]}]},
        headers={"x-api-key": api_key, "anthropic-version": "2023-06-01"}, timeout=30)
    refused_for_type = resp.status_code == 400 and "media_type: Input should be" in resp.json()["error"]["message"]
    assert refused_for_type == (not table)


def test_anthropic_image_count_limit_is_the_tables_for_client_and_emulator(origin, api_key, png_bytes):
    limit = anthropic.WIRE_FACTS.max_images
    parts = [Media("image/png", b64(png_bytes))] * (limit + 1)
    with pytest.raises(EncodingError, match=f"accepts up to {limit}"):
        client.check_limits("anthropic", parts)
    client.check_limits("anthropic", parts[:limit])
    block = {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": b64(png_bytes)}}
    resp = requests.post(f"{origin}/v1/messages", json={
        "model": "claude-haiku-4-5", "max_tokens": 64,
        "messages": [{"role": "user", "content": [block] * (limit + 1)}]},
        headers={"x-api-key": api_key, "anthropic-version": "2023-06-01"}, timeout=60)
    assert resp.status_code == 400 and "Too many images" in resp.json()["error"]["message"]


@pytest.mark.parametrize("mime", universe(openai.WIRE_FACTS))
def test_openai_client_and_router_follow_the_table(mime):
    table = openai.WIRE_FACTS.takes(mime)
    assert routing.provider_takes("openai", mime) == table
    try:
        openai.build_body("gpt-4o", [Media(mime, "AAAA")])
        built = True
    except ValueError:
        built = False
    assert built == table


@pytest.mark.parametrize("fmt", ["wav", "mp3", "flac"])
def test_openai_emulator_audio_formats_are_the_tables(origin, api_key, wav_bytes, fmt):
    part = {"type": "input_audio", "input_audio": {"data": b64(wav_bytes), "format": fmt}}
    resp = requests.post(f"{origin}/v1/chat/completions", json={
        "model": "gpt-4o-audio-preview", "messages": [{"role": "user", "content": [part]}]},
        headers={"Authorization": f"Bearer {api_key}"}, timeout=30)
    refused_for_format = resp.status_code == 400 and resp.json()["error"]["param"].endswith("input_audio.format")
    assert refused_for_format == (fmt not in openai.WIRE_FACTS.audio_formats.values())
