r"""OpenAI responses from the emulator validate against OpenAI's own OpenAPI schemas.

The schemas in ``tests/fixtures/openai_schemas.json`` come from openai/openai-openapi
(``openapi.yaml`` @ f85dbe2, 2026-08-21, MIT licence: ``tests/fixtures/OPENAI_OPENAPI_LICENSE.txt``).
They were extracted once, by hand, with the script below (``python extract.py openapi.yaml
tests/fixtures/openai_schemas.json``): it copies the named component schemas and every schema they
``$ref``, rewrites refs to ``#/$defs/<Name>``, turns OpenAPI's ``nullable: true`` into JSON Schema
``anyOf [..., {"type": "null"}]`` and drops prose keys. The test reads only the fixture.

    import json
    import sys

    import yaml

    ROOTS = ["CreateChatCompletionResponse", "CreateChatCompletionStreamResponse", "ErrorResponse",
             "ListModelsResponse", "Model", "OpenAIFile", "ListFilesResponse", "DeleteFileResponse"]
    PROSE = {"description", "x-oaiMeta", "example", "examples", "title", "deprecated",
             "x-stainless-const", "x-oaiTypeLabel", "x-oaiExpandable", "x-oaiRef", "default"}


    def convert(node, in_properties=False):
        if isinstance(node, list):
            return [convert(v) for v in node]
        if not isinstance(node, dict):
            return node
        if in_properties:  # keys are property names, never prose
            return {k: convert(v) for k, v in node.items()}
        out = {}
        for k, v in node.items():
            if k in PROSE or k == "nullable":
                continue
            if k == "$ref":
                out[k] = "#/$defs/" + v.rsplit("/", 1)[-1]
            else:
                out[k] = convert(v, in_properties=(k in ("properties", "patternProperties", "$defs")))
        if node.get("nullable") is True:
            out = {"anyOf": [out, {"type": "null"}]}
        return out


    def refs(node, found):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "$ref":
                    found.add(v.rsplit("/", 1)[-1])
                else:
                    refs(v, found)
        elif isinstance(node, list):
            for v in node:
                refs(v, found)


    def main(spec_path, out_path):
        comps = yaml.safe_load(open(spec_path))["components"]["schemas"]
        todo, done = list(ROOTS), {}
        while todo:
            name = todo.pop()
            if name in done:
                continue
            done[name] = comps[name]
            found = set()
            refs(comps[name], found)
            todo.extend(found - done.keys())
        doc = {
            "$schema": "https://json-schema.org/draft/2020-12/schema",
            "$comment": ("Component schemas from openai/openai-openapi openapi.yaml @ f85dbe2 (2026-08-21), "
                         "MIT licence (see OPENAI_OPENAPI_LICENSE.txt). Refs resolved into $defs, "
                         "OpenAPI nullable turned into anyOf null, prose keys dropped. "
                         "Extraction script: docstring of tests/test_emulator_openapi.py."),
            "$defs": {name: convert(done[name]) for name in sorted(done)},
        }
        with open(out_path, "w") as f:
            json.dump(doc, f, indent=1, sort_keys=True)
            f.write("\n")


    if __name__ == "__main__":
        main(sys.argv[1], sys.argv[2])
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import httpx
import pytest

from mmcourse import registry
from tests.openapi_schemas import SchemaChecker

jsonschema = pytest.importorskip("jsonschema")  # test-only dependency (ships with jupyterlab)

SCHEMAS = Path(__file__).parent / "fixtures" / "openai_schemas.json"
MODEL = registry.default_model("openai")
RETIRED = next(r.id for r in registry.RETIRED if r.provider == "openai")
# OpenAI's error object: all four keys are required, param and code may be null [OAS Error].
ERROR_KEYS = {"message", "type", "param", "code"}


CHECKER = SchemaChecker(SCHEMAS)
validator, assert_valid = CHECKER.validator, CHECKER.assert_valid


@pytest.fixture
def http(origin, api_key):
    with httpx.Client(base_url=origin + "/v1", headers={"Authorization": f"Bearer {api_key}"},
                      timeout=30) as client:
        yield client


def chat_body(**extra) -> dict:
    return {"model": MODEL, "messages": [{"role": "user", "content": "Say hello."}], **extra}


def test_fixture_is_a_valid_json_schema_document():
    doc = json.loads(SCHEMAS.read_text())
    jsonschema.Draft202012Validator.check_schema(doc)
    assert {"CreateChatCompletionResponse", "CreateChatCompletionStreamResponse", "ErrorResponse",
            "ListModelsResponse", "OpenAIFile"} <= doc["$defs"].keys()


def test_schema_rejects_a_wrong_completion():
    # Guards the fixture itself: a response missing "choices" must not validate.
    assert list(validator("CreateChatCompletionResponse").iter_errors(
        {"id": "x", "object": "chat.completion", "created": 1, "model": MODEL}))


def test_chat_completion_matches_schema(http, png_bytes):
    url = "data:image/png;base64," + base64.b64encode(png_bytes).decode()
    resp = http.post("/chat/completions", json={"model": MODEL, "messages": [{"role": "user", "content": [
        {"type": "text", "text": "What is in this image?"},
        {"type": "image_url", "image_url": {"url": url, "detail": "low"}},
    ]}]})
    assert resp.status_code == 200
    assert resp.headers["content-type"].startswith("application/json")
    assert_valid("CreateChatCompletionResponse", resp.json())
    assert resp.json()["object"] == "chat.completion"


def test_stream_chunks_match_schema(http):
    body = chat_body(stream=True, stream_options={"include_usage": True})
    with http.stream("POST", "/chat/completions", json=body) as resp:
        assert resp.status_code == 200
        assert resp.headers["content-type"].startswith("text/event-stream")
        payloads = [line[len("data: "):] for line in resp.iter_lines() if line.startswith("data: ")]
    assert payloads[-1] == "[DONE]"
    chunks = [json.loads(p) for p in payloads[:-1]]
    assert len(chunks) >= 3
    for chunk in chunks:
        assert_valid("CreateChatCompletionStreamResponse", chunk)
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] > 0
    # Every chunk but the usage chunk carries "usage": null when include_usage is on [OAS].
    assert all(c["usage"] is None for c in chunks[:-1])


def error_cases(api_key: str) -> dict[str, tuple[dict, bytes | dict, int]]:
    good = {"Authorization": f"Bearer {api_key}"}
    return {
        "no key": ({}, chat_body(), 401),
        "invalid key": ({"Authorization": "Bearer sk-invalid-123"}, chat_body(), 401),
        "malformed json": (good, b'{"model": ', 400),
        "missing messages": (good, {"model": MODEL}, 400),
        "retired model": (good, chat_body(model=RETIRED), 404),
        "unknown role": (good, {"model": MODEL, "messages": [{"role": "wizard", "content": "hi"}]}, 400),
    }


@pytest.mark.parametrize("case", ["no key", "invalid key", "malformed json", "missing messages",
                                  "retired model", "unknown role"])
def test_error_matches_schema(origin, api_key, case):
    headers, body, status = error_cases(api_key)[case]
    kwargs = {"content": body, "headers": {**headers, "content-type": "application/json"}} \
        if isinstance(body, bytes) else {"json": body, "headers": headers}
    resp = httpx.post(origin + "/v1/chat/completions", **kwargs)
    assert resp.status_code == status
    error = resp.json()
    assert_valid("ErrorResponse", error)
    assert error.keys() == {"error"} and error["error"].keys() == ERROR_KEYS


def test_injected_fault_matches_schema(http, control):
    control.inject_fault("openai", 503, count=1)
    resp = http.post("/chat/completions", json=chat_body())
    assert resp.status_code == 503
    assert_valid("ErrorResponse", resp.json())


def test_models_list_matches_schema(http):
    resp = http.get("/models")
    assert resp.status_code == 200
    assert_valid("ListModelsResponse", resp.json())
    one = http.get(f"/models/{MODEL}")
    assert one.status_code == 200
    assert_valid("Model", one.json())


def test_file_objects_match_schema(http, pdf_bytes):
    created = http.post("/files", data={"purpose": "user_data"},
                        files={"file": ("report.pdf", pdf_bytes, "application/pdf")})
    assert created.status_code == 200
    file = created.json()
    assert_valid("OpenAIFile", file)
    assert_valid("OpenAIFile", http.get(f"/files/{file['id']}").json())
    listing = http.get("/files")
    assert_valid("ListFilesResponse", listing.json())
    assert file["id"] in {f["id"] for f in listing.json()["data"]}
    deleted = http.delete(f"/files/{file['id']}")
    assert_valid("DeleteFileResponse", deleted.json())
    assert deleted.json()["deleted"] is True
    missing = http.get(f"/files/{file['id']}")
    assert missing.status_code == 404
    assert_valid("ErrorResponse", missing.json())
