"""The 2026 surface's OpenAI answers validate against OpenAI's own OpenAPI schemas: Responses
(object, stream events, input-token counts, input items), Batches and transcriptions.

``tests/fixtures/openai_surface_schemas.json`` was extracted once from openai/openai-openapi
``openapi.yaml`` @ f85dbe2 (2026-08-21, MIT licence: ``tests/fixtures/OPENAI_OPENAPI_LICENSE.txt``)
with the script in ``tests/test_emulator_openapi.py``'s docstring and these roots::

    ROOTS = ["Response", "ResponseStreamEvent", "Batch", "ListBatchesResponse",
             "CreateTranscriptionResponseJson", "CreateTranscriptionResponseVerboseJson",
             "TokenCountsResource", "ResponseItemList"]
"""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
import requests

from mmcourse import datasets, registry
from tests.conftest import scope_of
from tests.openapi_schemas import SchemaChecker

jsonschema = pytest.importorskip("jsonschema")  # test-only dependency (ships with jupyterlab)

SCHEMAS = Path(__file__).parent / "fixtures" / "openai_surface_schemas.json"
MODEL = registry.default_model("openai")
WEATHER = {"type": "function", "name": "get_weather", "description": "Get the weather for a city",
           "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                          "required": ["city"], "additionalProperties": False}}


# Keys the real API sends as null where the schema types them non-nullable: the recorded 2026
# Response bodies carry "user": null (and "usage": null while in progress); the spec's own Batch
# example (and real batches) carry every unreached *_at, "errors" and the file ids as null.
REAL_NULLS = {
    "Response": {"user", "usage"},
    "Batch": {"errors", "output_file_id", "error_file_id", "in_progress_at", "expires_at", "finalizing_at",
              "completed_at", "failed_at", "expired_at", "cancelling_at", "cancelled_at"},
}


def without_real_nulls(name: str, value: dict) -> dict:
    return {k: v for k, v in value.items() if not (v is None and k in REAL_NULLS[name])}


CHECKER = SchemaChecker(SCHEMAS)
validator, assert_valid = CHECKER.validator, CHECKER.assert_valid


@pytest.fixture
def http(origin, api_key):
    with httpx.Client(base_url=origin + "/v1", headers={"Authorization": f"Bearer {api_key}"},
                      timeout=30) as client:
        yield client


def test_schema_rejects_a_response_without_its_output():
    with pytest.raises(AssertionError):
        assert_valid("Response", {"id": "resp_1", "object": "response"})


@pytest.mark.parametrize("extra", [{}, {"tools": [WEATHER], "tool_choice": "required"},
                                   {"max_output_tokens": 16}], ids=["text", "function_call", "incomplete"])
def test_response_object_matches_schema(http, extra):
    photo = datasets.path("photos/chelsea.jpg").read_bytes()
    import base64

    body = {"model": MODEL, "input": [{"role": "user", "content": [
        {"type": "input_text", "text": "Describe this image in detail."},
        {"type": "input_image", "image_url": "data:image/jpeg;base64," + base64.b64encode(photo).decode()}]}],
        **extra}
    r = http.post("/responses", json=body)
    assert r.status_code == 200
    assert_valid("Response", without_real_nulls("Response", r.json()))


def test_every_stream_event_matches_schema(http):
    with http.stream("POST", "/responses", json={"model": MODEL, "input": "Say hello.", "stream": True}) as r:
        text = r.read().decode()
    events = [json.loads(block.split("data: ", 1)[1]) for block in text.strip().split("\n\n")]
    assert len(events) > 5
    for event in events:
        if "response" in event:
            event = {**event, "response": without_real_nulls("Response", event["response"])}
        assert_valid("ResponseStreamEvent", event)


def test_input_tokens_and_input_items_match_schema(http):
    assert_valid("TokenCountsResource", http.post("/responses/input_tokens",
                                                  json={"model": MODEL, "input": "Hi"}).json())
    created = http.post("/responses", json={"model": MODEL, "input": "Hi"}).json()
    assert_valid("ResponseItemList", http.get(f"/responses/{created['id']}/input_items").json())


def test_batch_objects_match_schema(http, origin, api_key):
    requests.post(f"{origin}/_mmcourse/batches", params={"scope": scope_of(api_key)},
                  json={"seconds_per_stage": 0}, timeout=10)
    line = {"custom_id": "a", "method": "POST", "url": "/v1/chat/completions",
            "body": {"model": MODEL, "messages": [{"role": "user", "content": "Hi"}]}}
    file_id = http.post("/files", files={"file": ("b.jsonl", json.dumps(line).encode())},
                        data={"purpose": "batch"}).json()["id"]
    created = http.post("/batches", json={"input_file_id": file_id, "endpoint": "/v1/chat/completions",
                                          "completion_window": "24h"}).json()
    assert_valid("Batch", without_real_nulls("Batch", created))
    assert_valid("Batch", without_real_nulls("Batch", http.get(f"/batches/{created['id']}").json()))
    listed = http.get("/batches").json()
    assert_valid("ListBatchesResponse", {**listed, "data": [without_real_nulls("Batch", b) for b in listed["data"]]})


@pytest.mark.parametrize("fmt, schema", [("json", "CreateTranscriptionResponseJson"),
                                         ("verbose_json", "CreateTranscriptionResponseVerboseJson")])
def test_transcriptions_match_schema(http, fmt, schema):
    audio = datasets.path("audio/meeting_excerpt.wav").read_bytes()
    r = http.post("/audio/transcriptions", files={"file": ("meeting.wav", audio, "audio/wav")},
                  data={"model": "whisper-1", "response_format": fmt})
    assert r.status_code == 200
    assert_valid(schema, r.json())
