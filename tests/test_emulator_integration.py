"""The answer engine behind each wire format: structured-output schemas reach it from every
provider's request field, and mmcourse.routing's transcribe-then-analyse route gets answers from
the recording's ground truth. Everything runs over HTTP against the session's emulator, with the
committed course data (data/)."""

from __future__ import annotations

import base64
import json

import pydantic
import pytest
import requests

from mmcourse import config, datasets, registry
from mmcourse.routing import TRANSCRIBE, Router
from tests.sdks import need

RECEIPT = datasets.entry("receipts/greenleaf_market.png")
RECEIPT_B64 = base64.b64encode(datasets.path(RECEIPT["path"]).read_bytes()).decode()
KEYS = {"store", "total", "cashier_name"}  # a receipt has no cashier: that key must come back null
EXPECTED = {"store": RECEIPT["truth"]["store"], "total": RECEIPT["truth"]["total"], "cashier_name": None}
PROMPT = "Read this receipt."  # names no keys: only the schema can ask for these three

JSON_SCHEMA = {  # standard JSON Schema (OpenAI strict mode, Anthropic, Gemini responseJsonSchema)
    "type": "object",
    "properties": {"store": {"type": "string"}, "total": {"type": "number"},
                   "cashier_name": {"type": ["string", "null"]}},
    "required": ["store", "total", "cashier_name"],
    "additionalProperties": False,
}
OPENAPI_SCHEMA = {  # Gemini responseSchema: the OpenAPI subset, upper-case types
    "type": "OBJECT",
    "properties": {"store": {"type": "STRING"}, "total": {"type": "NUMBER"},
                   "cashier_name": {"type": "STRING", "nullable": True}},
    "required": ["store", "total", "cashier_name"],
}


def openai_chat(origin: str, api_key: str, **extra) -> requests.Response:
    body = {"model": registry.default_model("openai"), "messages": [{"role": "user", "content": [
        {"type": "text", "text": PROMPT},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{RECEIPT_B64}"}}]}], **extra}
    return requests.post(f"{origin}/v1/chat/completions", json=body, timeout=30,
                         headers={"Authorization": f"Bearer {api_key}"})


def gemini_generate(origin: str, api_key: str, generation_config: dict) -> requests.Response:
    body = {"contents": [{"parts": [{"text": PROMPT},
                                    {"inlineData": {"mimeType": "image/png", "data": RECEIPT_B64}}]}],
            "generationConfig": generation_config}
    model = registry.default_model("gemini")
    return requests.post(f"{origin}/v1beta/models/{model}:generateContent", json=body, timeout=30,
                         headers={"x-goog-api-key": api_key})


def gemini_text(resp: requests.Response) -> str:
    assert resp.status_code == 200, resp.text
    return resp.json()["candidates"][0]["content"]["parts"][0]["text"]


# ------------------------------------------------------------------ structured-output schemas


@pytest.mark.parametrize("strict", [True, None])
def test_openai_json_schema_response_format_sets_the_answers_keys(origin, api_key, strict):
    wrapper = {"name": "receipt", "schema": JSON_SCHEMA, **({"strict": strict} if strict else {})}
    resp = openai_chat(origin, api_key, response_format={"type": "json_schema", "json_schema": wrapper})
    assert resp.status_code == 200, resp.text
    answer = json.loads(resp.json()["choices"][0]["message"]["content"])
    assert set(answer) == KEYS and answer == EXPECTED


def test_without_a_schema_the_same_prompt_is_answered_in_prose(origin, api_key):
    resp = openai_chat(origin, api_key)
    text = resp.json()["choices"][0]["message"]["content"]
    assert RECEIPT["truth"]["store"] in text and "cashier_name" not in text
    with pytest.raises(ValueError):
        json.loads(text)


def test_openai_sdk_parse_fills_a_pydantic_model_from_the_schema(origin, api_key):
    openai = need("openai")

    class Receipt(pydantic.BaseModel):
        store: str
        total: float
        cashier_name: str | None

    client = openai.OpenAI(api_key=api_key, base_url=f"{origin}/v1")
    completion = client.chat.completions.parse(
        model=registry.default_model("openai"), response_format=Receipt,
        messages=[{"role": "user", "content": [
            {"type": "text", "text": PROMPT},
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{RECEIPT_B64}"}}]}])
    assert completion.choices[0].message.parsed == Receipt(**EXPECTED)


@pytest.mark.parametrize("field, schema", [
    ("responseSchema", OPENAPI_SCHEMA),
    ("response_schema", OPENAPI_SCHEMA),
    ("responseJsonSchema", JSON_SCHEMA),
    ("response_json_schema", JSON_SCHEMA),
])
def test_gemini_response_schema_sets_the_answers_keys(origin, api_key, field, schema):
    text = gemini_text(gemini_generate(origin, api_key, {"responseMimeType": "application/json", field: schema}))
    answer = json.loads(text)
    assert set(answer) == KEYS and answer == EXPECTED


@pytest.mark.parametrize("field", ["output_config", "output_format"])
def test_anthropic_structured_output_format_sets_the_answers_keys(origin, api_key, field):
    fmt = {"type": "json_schema", "schema": JSON_SCHEMA}
    body = {"model": registry.default_model("anthropic"), "max_tokens": 400,
            field: {"format": fmt} if field == "output_config" else fmt,
            "messages": [{"role": "user", "content": [
                {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": RECEIPT_B64}},
                {"type": "text", "text": PROMPT}]}]}
    resp = requests.post(f"{origin}/v1/messages", json=body, timeout=30,
                         headers={"x-api-key": api_key, "anthropic-version": "2023-06-01"})
    assert resp.status_code == 200, resp.text
    answer = json.loads(resp.json()["content"][0]["text"])
    assert set(answer) == KEYS and answer == EXPECTED


# ------------------------------------------------------------------ transcribe-then-analyse


@pytest.mark.slow
def test_claude_answers_a_routed_course_recording_from_its_transcript(emulator, api_key, control):
    origin = emulator.base_url.rstrip("/")
    configs = {p: config.ProviderConfig(p, "offline", config.offline_base_url(p, origin), None, api_key)
               for p in config.COURSE_PROVIDERS}
    clip = datasets.entry("audio/meeting_excerpt.wav")
    truth = clip["truth"]

    result = Router(configs).ask("Summarise the recording and list the action items.",
                                 datasets.path(clip["path"]), task="summarise_audio", prefer=["anthropic"])

    assert (result.route.provider, result.route.strategy) == ("anthropic", TRANSCRIBE)
    assert result.transcripts == [truth["transcript"]]  # the transcription step heard the whole clip
    analyse = control.log("anthropic")[-1]
    assert analyse["media"] == []  # Claude got text only
    assert "worked from the transcript text" in result.text and clip["path"] in result.text
    assert f"Summary: {truth['summary']}" in result.text
    for item in truth["action_items"]:
        assert f"- {item['owner']}: {item['task']}" in result.text
    assert "carried no image" not in result.text
