"""The three Batch APIs in the emulator, through the official SDKs (base URL only).

Facts: OpenAI OpenAPI ``CreateBatchRequest``/``Batch`` and the batch guide (JSONL input with
``purpose: "batch"``, status progression, output/error files by ``custom_id``); Anthropic
Message Batches (``processing_status``, five counts, JSONL results, ``service_tier: "batch"``);
Gemini batch mode (an Operation with ``BATCH_STATE_*``, inline or file results). Each job moves
on a per-scope clock set with ``POST /_mmcourse/batches``; outcomes are injected there too.
"""

from __future__ import annotations

import json
import time

import pytest
import requests

from mmcourse import registry
from tests.conftest import scope_of
from tests.sdks import need

OPENAI_MODEL = registry.default_model("openai")
CLAUDE_MODEL = registry.default_model("anthropic")
GEMINI_MODEL = registry.default_model("gemini")


@pytest.fixture
def batch_admin(origin, api_key):
    """POST to /_mmcourse/batches for this test's scope."""
    def post(**body):
        r = requests.post(f"{origin}/_mmcourse/batches", params={"scope": scope_of(api_key)}, json=body, timeout=10)
        assert r.status_code == 200, r.text
        return r.json()
    return post


@pytest.fixture
def instant(batch_admin):
    batch_admin(seconds_per_stage=0)








# ---------------------------------------------------------------- OpenAI


def chat_line(custom_id: str, text: str, **body) -> dict:
    return {"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions",
            "body": {"model": OPENAI_MODEL, "messages": [{"role": "user", "content": text}], **body}}


def openai_batch(oai, lines: list[dict], endpoint: str = "/v1/chat/completions"):
    data = "".join(json.dumps(line) + "\n" for line in lines).encode()
    uploaded = oai.files.create(file=("batch.jsonl", data, "application/jsonl"), purpose="batch")
    return oai.batches.create(input_file_id=uploaded.id, endpoint=endpoint, completion_window="24h")


def test_openai_batch_starts_validating_with_every_timestamp_key(oai):
    batch = openai_batch(oai, [chat_line("a", "Say hello.")])
    raw = oai.batches.with_raw_response.retrieve(batch.id).http_response.json()
    assert batch.id.startswith("batch_") and batch.status == "validating"
    for key in ("in_progress_at", "finalizing_at", "completed_at", "failed_at", "expired_at", "cancelled_at"):
        assert raw[key] is None


def test_openai_batch_moves_through_its_states_on_the_clock(oai, batch_admin):
    batch_admin(seconds_per_stage=0.5)
    batch = openai_batch(oai, [chat_line("a", "Say hello.")])
    seen = []
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        status = oai.batches.retrieve(batch.id).status
        if not seen or seen[-1] != status:
            seen.append(status)
        if status == "completed":
            break
        time.sleep(0.05)
    assert seen == ["validating", "in_progress", "finalizing", "completed"]


def test_openai_batch_output_file_answers_each_custom_id_like_a_single_request(oai, instant):
    batch = openai_batch(oai, [chat_line("first", "Say hello."), chat_line("second", "Say goodbye.")])
    done = oai.batches.retrieve(batch.id)
    assert done.status == "completed" and done.request_counts.completed == 2 and done.error_file_id is None
    lines = [json.loads(x) for x in oai.files.content(done.output_file_id).text.splitlines()]
    by_id = {x["custom_id"]: x for x in lines}
    assert set(by_id) == {"first", "second"}
    single = oai.chat.completions.create(model=OPENAI_MODEL, messages=[{"role": "user", "content": "Say hello."}])
    answer = by_id["first"]["response"]
    assert answer["status_code"] == 200 and answer["body"]["object"] == "chat.completion"
    assert answer["body"]["choices"][0]["message"]["content"] == single.choices[0].message.content
    assert by_id["first"]["id"].startswith("batch_req_") and by_id["first"]["error"] is None
    assert done.usage.input_tokens > 0


def test_openai_batch_request_the_endpoint_refuses_goes_to_the_error_file(oai, instant):
    batch = openai_batch(oai, [chat_line("good", "Hi"), chat_line("bad", "Hi", temperature=5)])
    done = oai.batches.retrieve(batch.id)
    assert done.request_counts.completed == 1 and done.request_counts.failed == 1
    error = json.loads(oai.files.content(done.error_file_id).text)
    assert error["custom_id"] == "bad" and error["response"]["status_code"] == 400
    assert error["response"]["body"]["error"]["code"] == "decimal_above_max_value"


def test_openai_batch_over_the_responses_endpoint(oai, instant):
    line = {"custom_id": "r1", "method": "POST", "url": "/v1/responses",
            "body": {"model": OPENAI_MODEL, "input": "Say hello."}}
    done = oai.batches.retrieve(openai_batch(oai, [line], endpoint="/v1/responses").id)
    result = json.loads(oai.files.content(done.output_file_id).text)
    assert result["response"]["body"]["object"] == "response"


def test_openai_batch_with_duplicate_custom_ids_fails_validation(oai, instant):
    batch = openai_batch(oai, [chat_line("same", "Hi"), chat_line("same", "Hi")])
    done = oai.batches.retrieve(batch.id)
    assert done.status == "failed" and done.failed_at is not None
    assert done.errors.data[0].code == "duplicate_custom_id" and done.errors.data[0].line == 2


def test_openai_batch_line_for_another_endpoint_fails_validation(oai, instant):
    line = {**chat_line("a", "Hi"), "url": "/v1/responses"}
    done = oai.batches.retrieve(openai_batch(oai, [line]).id)
    assert done.status == "failed" and done.errors.data[0].param == "url"


def test_openai_injected_expiry_puts_every_request_in_the_error_file(oai, batch_admin):
    batch_admin(seconds_per_stage=0, provider="openai", outcome="expired")
    done = oai.batches.retrieve(openai_batch(oai, [chat_line("a", "Hi")]).id)
    assert done.status == "expired" and done.output_file_id is None
    error = json.loads(oai.files.content(done.error_file_id).text)
    assert error["error"] == {"code": "batch_expired",
                              "message": "This request could not be executed before the completion window expired."}


def test_openai_injected_failure_fails_the_batch(oai, batch_admin):
    batch_admin(seconds_per_stage=0, provider="openai", outcome="failed")
    done = oai.batches.retrieve(openai_batch(oai, [chat_line("a", "Hi")]).id)
    assert done.status == "failed" and done.errors.data[0].code == "batch_failed"


def test_openai_batch_needs_a_batch_purpose_file(oai):
    openai = need("openai")
    uploaded = oai.files.create(file=("x.jsonl", b"{}\n", "application/jsonl"), purpose="user_data")
    with pytest.raises(openai.BadRequestError, match="purpose 'batch'"):
        oai.batches.create(input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="24h")


def test_openai_completion_window_other_than_24h_is_rejected(oai):
    openai = need("openai")
    uploaded = oai.files.create(file=("x.jsonl", json.dumps(chat_line("a", "Hi")).encode(), "application/jsonl"),
                                purpose="batch")
    with pytest.raises(openai.BadRequestError) as err:
        oai.batches.create(input_file_id=uploaded.id, endpoint="/v1/chat/completions", completion_window="1h")
    assert err.value.code == "invalid_value"


def test_openai_cancelled_batch_ends_cancelled(oai, batch_admin):
    batch_admin(seconds_per_stage=1.0)
    batch = openai_batch(oai, [chat_line("a", "Hi")])
    assert oai.batches.cancel(batch.id).status == "cancelling"
    time.sleep(1.1)
    assert oai.batches.retrieve(batch.id).status == "cancelled"


def test_openai_batches_list_shows_the_scope_batches(oai, instant):
    ids = {openai_batch(oai, [chat_line("a", "Hi")]).id for _ in range(2)}
    assert {b.id for b in oai.batches.list()} == ids


# ---------------------------------------------------------------- Anthropic


def claude_requests(*texts: str) -> list[dict]:
    return [{"custom_id": f"req-{i}", "params": {"model": CLAUDE_MODEL, "max_tokens": 200,
                                                   "messages": [{"role": "user", "content": t}]}}
            for i, t in enumerate(texts)]


def test_anthropic_batch_is_in_progress_then_ended(claude, batch_admin):
    batch_admin(seconds_per_stage=0.5)
    batch = claude.messages.batches.create(requests=claude_requests("Say hello."))
    assert batch.id.startswith("msgbatch_") and batch.processing_status == "in_progress"
    assert batch.request_counts.processing == 1 and batch.results_url is None
    time.sleep(0.6)
    ended = claude.messages.batches.retrieve(batch.id)
    assert ended.processing_status == "ended" and ended.request_counts.succeeded == 1
    assert ended.results_url.endswith(f"/v1/messages/batches/{batch.id}/results")


def test_anthropic_results_match_single_messages_and_say_batch_tier(claude, instant):
    batch = claude.messages.batches.create(requests=claude_requests("Say hello.", "Say goodbye."))
    results = {r.custom_id: r.result for r in claude.messages.batches.results(batch.id)}
    single = claude.messages.create(model=CLAUDE_MODEL, max_tokens=200,
                                    messages=[{"role": "user", "content": "Say hello."}])
    assert results["req-0"].type == "succeeded"
    assert results["req-0"].message.content[0].text == single.content[0].text
    assert results["req-0"].message.usage.service_tier == "batch"


def test_anthropic_invalid_request_is_an_errored_result(claude, instant):
    bad = {"custom_id": "bad", "params": {"model": CLAUDE_MODEL, "messages": [{"role": "user", "content": "Hi"}]}}
    batch = claude.messages.batches.create(requests=[*claude_requests("Hi"), bad])
    results = {r.custom_id: r.result for r in claude.messages.batches.results(batch.id)}
    assert results["bad"].type == "errored"
    assert results["bad"].error.error.message == "max_tokens: Field required"
    assert claude.messages.batches.retrieve(batch.id).request_counts.errored == 1


def test_anthropic_injected_expiry_gives_expired_results(claude, batch_admin):
    batch_admin(seconds_per_stage=0, provider="anthropic", outcome="expired")
    batch = claude.messages.batches.create(requests=claude_requests("Hi", "Hello"))
    assert [r.result.type for r in claude.messages.batches.results(batch.id)] == ["expired", "expired"]
    assert claude.messages.batches.retrieve(batch.id).request_counts.expired == 2


def test_anthropic_cancel_gives_canceled_results(claude, batch_admin):
    batch_admin(seconds_per_stage=1.0)
    batch = claude.messages.batches.create(requests=claude_requests("Hi"))
    assert claude.messages.batches.cancel(batch.id).processing_status == "canceling"
    time.sleep(1.1)
    assert [r.result.type for r in claude.messages.batches.results(batch.id)] == ["canceled"]


def test_anthropic_custom_id_pattern_is_checked(claude):
    anthropic = need("anthropic")
    with pytest.raises(anthropic.BadRequestError, match=r"requests.0.custom_id: String should match pattern"):
        claude.messages.batches.create(requests=[{"custom_id": "has space", "params": {}}])


def test_anthropic_ended_batch_can_be_deleted(claude, instant):
    anthropic = need("anthropic")
    batch = claude.messages.batches.create(requests=claude_requests("Hi"))
    assert claude.messages.batches.delete(batch.id).type == "message_batch_deleted"
    with pytest.raises(anthropic.NotFoundError):
        claude.messages.batches.retrieve(batch.id)


# ---------------------------------------------------------------- Gemini


def gemini_requests(*texts: str) -> list:
    genai_types = need("google.genai.types")
    return [genai_types.InlinedRequest(contents=t, metadata={"key": f"k{i}"}) for i, t in enumerate(texts)]


def test_gemini_batch_job_moves_from_pending_to_succeeded(gem, batch_admin):
    batch_admin(seconds_per_stage=1.0)
    job = gem.batches.create(model=GEMINI_MODEL, src=gemini_requests("Say hello."))
    assert job.name.startswith("batches/") and job.state == "JOB_STATE_PENDING"
    time.sleep(1.2)
    assert gem.batches.get(name=job.name).state == "JOB_STATE_RUNNING"
    time.sleep(1.0)
    assert gem.batches.get(name=job.name).state == "JOB_STATE_SUCCEEDED"


def test_gemini_raw_states_are_batch_state_names(origin, api_key, instant):
    headers = {"x-goog-api-key": api_key}
    op = requests.post(f"{origin}/v1beta/models/{GEMINI_MODEL}:batchGenerateContent", headers=headers, timeout=30,
                       json={"batch": {"displayName": "d", "inputConfig": {"requests": {"requests": [
                           {"request": {"contents": [{"parts": [{"text": "Hi"}]}]}, "metadata": {"key": "a"}}]}}}}).json()
    done = requests.get(f"{origin}/v1beta/{op['name']}", headers=headers, timeout=30).json()
    assert done["metadata"]["state"] == "BATCH_STATE_SUCCEEDED" and done["done"] is True
    assert done["metadata"]["batchStats"]["requestCount"] == "1"  # int64 as a string
    inline = done["response"]["inlinedResponses"]["inlinedResponses"]
    assert inline[0]["metadata"] == {"key": "a"} and inline[0]["response"]["candidates"]


def test_gemini_inline_results_match_single_requests(gem, instant):
    job = gem.batches.create(model=GEMINI_MODEL, src=gemini_requests("Say hello.", "Say goodbye."))
    done = gem.batches.get(name=job.name)
    single = gem.models.generate_content(model=GEMINI_MODEL, contents="Say hello.")
    responses = done.dest.inlined_responses
    assert [r.metadata for r in responses] == [{"key": "k0"}, {"key": "k1"}]
    assert responses[0].response.text == single.text


def test_gemini_file_batch_writes_a_results_file(gem, instant):
    genai_types = need("google.genai.types")
    lines = [{"key": "one", "request": {"contents": [{"parts": [{"text": "Say hello."}]}]}}]
    uploaded = gem.files.upload(file=__import__("io").BytesIO("\n".join(json.dumps(x) for x in lines).encode()),
                                config=genai_types.UploadFileConfig(mime_type="application/jsonl", display_name="in"))
    job = gem.batches.create(model=GEMINI_MODEL, src=uploaded.name)
    done = gem.batches.get(name=job.name)
    result = json.loads(gem.files.download(file=done.dest.file_name).decode())
    assert result["key"] == "one" and result["response"]["candidates"]


def test_gemini_injected_failure_and_expiry(gem, batch_admin):
    batch_admin(seconds_per_stage=0, provider="gemini", outcome="failed")
    failed = gem.batches.get(name=gem.batches.create(model=GEMINI_MODEL, src=gemini_requests("Hi")).name)
    batch_admin(provider="gemini", outcome="expired")
    expired = gem.batches.get(name=gem.batches.create(model=GEMINI_MODEL, src=gemini_requests("Hi")).name)
    assert failed.state == "JOB_STATE_FAILED"  # the SDK maps no error for the Developer API
    assert expired.state == "JOB_STATE_EXPIRED"


def test_gemini_cancelled_job_ends_cancelled(gem, batch_admin):
    batch_admin(seconds_per_stage=1.0)
    job = gem.batches.create(model=GEMINI_MODEL, src=gemini_requests("Hi"))
    gem.batches.cancel(name=job.name)
    time.sleep(1.1)
    assert gem.batches.get(name=job.name).state == "JOB_STATE_CANCELLED"


def test_gemini_batches_list_and_delete(gem, instant):
    job = gem.batches.create(model=GEMINI_MODEL, src=gemini_requests("Hi"))
    assert [j.name for j in gem.batches.list()] == [job.name]
    gem.batches.delete(name=job.name)
    assert list(gem.batches.list()) == []


# ---------------------------------------------------------------- the admin endpoint


def test_admin_shows_the_clock_and_queued_outcomes(batch_admin):
    shown = batch_admin(seconds_per_stage=1.5, provider="openai", outcome="expired", count=2)
    assert shown["seconds_per_stage"] == 1.5
    assert shown["queued_outcomes"] == {"openai": ["expired", "expired"]}


def test_admin_refuses_an_unknown_outcome(origin, api_key):
    r = requests.post(f"{origin}/_mmcourse/batches", params={"scope": scope_of(api_key)},
                      json={"provider": "openai", "outcome": "exploded"}, timeout=10)
    assert r.status_code == 400 and "unknown batch outcome" in r.json()["error"]
