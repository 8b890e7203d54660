"""Batches that repeat a request: every line is still its own request (own ids, the state it
would see), while the emulator answers a repeated body once it is steady, so 10,000 lines of a
few documents finish in well under a second (``batches.run_items``).

Facts: one result line per ``custom_id`` with its own ``id`` and ``request_id`` (OpenAI batch
guide output lines; Anthropic Message Batches results); a prompt-cache write on the first
request and reads after it (Anthropic prompt-caching docs, which also apply in batches).
"""

from __future__ import annotations

import base64
import json

import pytest
import requests

from mmcourse import registry
from mmcourse.emulator import batches
from tests.conftest import make_pdf, scope_of

OPENAI_MODEL = registry.default_model("openai")


@pytest.fixture
def instant(origin, api_key):
    r = requests.post(f"{origin}/_mmcourse/batches", params={"scope": scope_of(api_key)},
                      json={"seconds_per_stage": 0}, timeout=10)
    assert r.status_code == 200, r.text


def _openai_results(origin: str, api_key: str, lines: list[dict], endpoint: str = "/v1/chat/completions") -> list[dict]:
    auth = {"Authorization": f"Bearer {api_key}"}
    data = "".join(json.dumps(line) + "\n" for line in lines).encode()
    up = requests.post(f"{origin}/v1/files", headers=auth, data={"purpose": "batch"},
                       files={"file": ("b.jsonl", data, "application/jsonl")}, timeout=30).json()
    batch = requests.post(f"{origin}/v1/batches", headers=auth, timeout=30, json={
        "input_file_id": up["id"], "endpoint": endpoint, "completion_window": "24h"}).json()
    batch = requests.get(f"{origin}/v1/batches/{batch['id']}", headers=auth, timeout=60).json()
    assert batch["status"] == "completed", batch
    text = requests.get(f"{origin}/v1/files/{batch['output_file_id']}/content", headers=auth, timeout=30).text
    return [json.loads(line) for line in text.splitlines()]


def _line(custom_id: str, text: str) -> dict:
    return {"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions",
            "body": {"model": OPENAI_MODEL, "messages": [{"role": "user", "content": text}]}}


def test_repeated_lines_get_their_own_ids_and_the_same_answer(origin, api_key, instant):
    results = _openai_results(origin, api_key, [_line(f"doc-{n}", "What is 2 + 2?") for n in range(5)])
    assert [r["custom_id"] for r in results] == [f"doc-{n}" for n in range(5)]
    for field in (lambda r: r["id"], lambda r: r["response"]["request_id"], lambda r: r["response"]["body"]["id"]):
        assert len({field(r) for r in results}) == 5
    answers = {r["response"]["body"]["choices"][0]["message"]["content"] for r in results}
    assert len(answers) == 1


def test_a_copy_keeps_the_shape_of_the_ids_it_replaces(origin, api_key, instant):
    first, *copies = _openai_results(origin, api_key, [_line(f"doc-{n}", "What is 2 + 2?") for n in range(4)])
    for copy in copies:
        for get in (lambda r: r["response"]["request_id"], lambda r: r["response"]["body"]["id"]):
            assert len(get(copy)) == len(get(first))
            assert get(copy)[:4] == get(first)[:4]  # "req_", "chat"
        assert all(c in "0123456789abcdef" for c in copy["response"]["request_id"].removeprefix("req_"))


def test_repeated_responses_lines_get_their_own_output_item_ids(origin, api_key, instant):
    lines = [{"custom_id": f"r{n}", "method": "POST", "url": "/v1/responses",
              "body": {"model": OPENAI_MODEL, "input": "What is 2 + 2?"}} for n in range(4)]
    results = _openai_results(origin, api_key, lines, endpoint="/v1/responses")
    bodies = [r["response"]["body"] for r in results]
    assert len({b["id"] for b in bodies}) == 4
    assert len({b["output"][-1]["id"] for b in bodies}) == 4
    assert len({b["output"][-1]["content"][0]["text"] for b in bodies}) == 1


def test_different_bodies_are_each_answered(origin, api_key, instant):
    results = _openai_results(origin, api_key, [_line("a", "What is 2 + 2?"), _line("b", "What is 2 + 2?"),
                                                 _line("c", "Name a colour.")])
    texts = [r["response"]["body"]["choices"][0]["message"]["content"] for r in results]
    assert texts[0] == texts[1]
    assert texts[2] != texts[0]


def test_repeated_cached_requests_write_once_then_read(origin, api_key, instant):
    pdf = base64.b64encode(make_pdf(pages=3)).decode("ascii")
    params = {"model": "claude-sonnet-4-6", "max_tokens": 100, "messages": [{"role": "user", "content": [
        {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": pdf},
         "cache_control": {"type": "ephemeral"}},
        {"type": "text", "text": "Summarise it."}]}]}
    headers = {"x-api-key": api_key, "anthropic-version": "2023-06-01"}
    created = requests.post(f"{origin}/v1/messages/batches", headers=headers, timeout=30, json={
        "requests": [{"custom_id": f"r{n}", "params": params} for n in range(4)]}).json()
    batch = requests.get(f"{origin}/v1/messages/batches/{created['id']}", headers=headers, timeout=60).json()
    assert batch["processing_status"] == "ended", batch
    lines = [json.loads(x) for x in requests.get(batch["results_url"], headers=headers, timeout=30).text.splitlines()]
    usages = [line["result"]["message"]["usage"] for line in lines]
    assert usages[0]["cache_creation_input_tokens"] > 0 and usages[0]["cache_read_input_tokens"] == 0
    for usage in usages[1:]:
        assert usage["cache_creation_input_tokens"] == 0
        assert usage["cache_read_input_tokens"] == usages[0]["cache_creation_input_tokens"]
    assert len({line["result"]["message"]["id"] for line in lines}) == 4


def test_a_repeated_body_reaches_the_handler_twice_whatever_the_count(monkeypatch):
    calls = []

    def fake_answer(job, wire, key, body, method, path):
        calls.append(key)
        return batches.ItemResult(key, 200, {"id": f"msg_{len(calls):022d}"}, f"req_{len(calls):032d}")

    monkeypatch.setattr(batches, "answer_item", fake_answer)
    job = batches.Job(provider="anthropic", id="msgbatch_x", scope="s", items=[(f"k{n}", {"q": 1}) for n in range(50)],
                      created=0.0, seconds_per_stage=0.0, origin="http://x", headers={})
    results = batches.run_items(job, wire=None, target=lambda body: ("POST", "/v1/messages"))
    assert calls == ["k0", "k1"]
    assert [r.key for r in results] == [f"k{n}" for n in range(50)]
    assert len({r.body["id"] for r in results}) == 50
    assert len({r.request_id for r in results}) == 50


def test_anthropic_still_refuses_a_duplicate_custom_id(origin, api_key):
    headers = {"x-api-key": api_key, "anthropic-version": "2023-06-01"}
    params = {"model": "claude-sonnet-4-6", "max_tokens": 10, "messages": [{"role": "user", "content": "Hi"}]}
    r = requests.post(f"{origin}/v1/messages/batches", headers=headers, timeout=30, json={
        "requests": [{"custom_id": "same", "params": params}, {"custom_id": "other", "params": params},
                     {"custom_id": "same", "params": params}]})
    assert r.status_code == 400
    assert "requests.2.custom_id" in r.json()["error"]["message"]


def _claude_batch_of(origin: str, api_key: str, n: int) -> dict:
    headers = {"x-api-key": api_key, "anthropic-version": "2023-06-01"}
    params = {"model": "claude-sonnet-4-6", "max_tokens": 10, "messages": [{"role": "user", "content": "Hi"}]}
    r = requests.post(f"{origin}/v1/messages/batches", headers=headers, timeout=30,
                      json={"requests": [{"custom_id": f"r{k}", "params": params} for k in range(n)]})
    assert r.status_code == 200, r.text
    return requests.get(f"{origin}/v1/messages/batches/{r.json()['id']}", headers=headers, timeout=30).json()


def test_the_log_keeps_the_first_requests_of_a_big_batch(origin, api_key, control, instant):
    batch = _claude_batch_of(origin, api_key, batches.LOGGED_ITEMS + 5)
    assert batch["request_counts"]["succeeded"] == batches.LOGGED_ITEMS + 5
    record = [r for r in control.log("anthropic") if r["path"] == "/v1/messages/batches"][-1]
    assert [x["custom_id"] for x in record["request"]["requests"]] == [f"r{k}" for k in range(batches.LOGGED_ITEMS)]
    assert record["request"]["_mmcourse_log"] == f"the first {batches.LOGGED_ITEMS} of {batches.LOGGED_ITEMS + 5} requests are logged"


def test_the_log_keeps_a_small_batch_whole(origin, api_key, control, instant):
    _claude_batch_of(origin, api_key, 3)
    record = [r for r in control.log("anthropic") if r["path"] == "/v1/messages/batches"][-1]
    assert len(record["request"]["requests"]) == 3 and "_mmcourse_log" not in record["request"]


def test_the_log_keeps_the_first_inline_requests_of_a_big_gemini_batch(origin, api_key, control, instant):
    inline = [{"request": {"contents": [{"parts": [{"text": "Hi"}]}]}, "metadata": {"key": f"g{k}"}}
              for k in range(batches.LOGGED_ITEMS + 1)]
    r = requests.post(f"{origin}/v1beta/models/gemini-2.5-flash:batchGenerateContent", timeout=30,
                      headers={"x-goog-api-key": api_key},
                      json={"batch": {"inputConfig": {"requests": {"requests": inline}}}})
    assert r.status_code == 200, r.text
    record = control.log("gemini")[-1]
    logged = record["request"]["batch"]["input_config"]["requests"]["requests"]
    assert [x["metadata"]["key"] for x in logged] == [f"g{k}" for k in range(batches.LOGGED_ITEMS)]
    assert "_mmcourse_log" in record["request"]
