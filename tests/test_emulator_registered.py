"""Documents made at run time (mmcourse.databuild.hidden) and registered with the emulator are
answered from their truth; unregistered ones get the honest "not a course file" answer."""

from __future__ import annotations

import base64
import hashlib
import json
import random

import pytest
import requests

from mmcourse.databuild import hidden
from mmcourse.emulator import registered
from mmcourse.emulator.answers import MediaItem, compose_answer
from mmcourse.grading.network import admin_refusal

RECEIPT_KEYS = "Reply with JSON with the keys store, date, subtotal, tax and total."


SCOPE = "registered-tests"


@pytest.fixture(autouse=True)
def _empty_registry():
    registered._SCOPES.clear()
    yield
    registered._SCOPES.clear()


def _gemini_json(origin, api_key, data, mime):
    body = {"contents": [{"parts": [{"inline_data": {"mime_type": mime, "data": base64.b64encode(data).decode()}},
                                    {"text": RECEIPT_KEYS}]}],
            "generationConfig": {"responseMimeType": "application/json"}}
    response = requests.post(f"{origin}/v1beta/models/gemini-3-flash-preview:generateContent",
                             headers={"x-goog-api-key": api_key}, json=body, timeout=60)
    response.raise_for_status()
    return response.json()["candidates"][0]["content"]["parts"][0]["text"]


@pytest.mark.parametrize("form", hidden.FORMS)
def test_a_random_receipt_adds_up_and_has_its_bytes_hash(form):
    data, entry = hidden.random_receipt(random.Random(form), form)
    assert hidden.total_matches(entry["truth"])
    assert entry["mime"] == {"png": "image/png", "photo": "image/jpeg", "pdf": "application/pdf"}[form]
    assert entry["sha256"] == hashlib.sha256(data).hexdigest()


def test_the_same_seed_gives_the_same_receipt():
    assert hidden.random_receipt(random.Random(7))[1] == hidden.random_receipt(random.Random(7))[1]


def test_different_seeds_give_different_receipts():
    totals = {hidden.random_receipt(random.Random(seed))[1]["truth"]["total"] for seed in range(6)}
    assert len(totals) > 1


def test_an_unregistered_receipt_is_not_answered_from_its_truth():
    # Unregistered, a new till slip is unknown or (its picture near a course receipt's) taken for
    # that receipt: either way the emulator cannot know its total.
    data, entry = hidden.random_receipt(random.Random(1))
    answer = compose_answer("What is the total on this receipt?", [MediaItem(entry["mime"], data)],
                            provider="openai", model="gpt-5.4-mini")
    assert f"{entry['truth']['total']:.2f}" not in answer


@pytest.mark.parametrize("form", hidden.FORMS)
def test_a_registered_receipt_is_answered_from_its_truth_over_http(origin, api_key, control, form):
    data, entry = hidden.random_receipt(random.Random(11), form)
    assert control.register_documents([entry]) >= 1
    reply = json.loads(_gemini_json(origin, api_key, data, entry["mime"]))
    truth = entry["truth"]
    assert reply == {key: truth[key] for key in ("store", "date", "subtotal", "tax", "total")}


def test_clearing_forgets_registered_documents(control):
    _, entry = hidden.random_receipt(random.Random(2))
    control.register_documents([entry])
    control.clear_documents()
    assert registered.count(control.scope) == 0


def test_a_registration_is_answered_in_its_own_scope_only(origin, api_key, control):
    """Like faults, registered documents belong to the scope that made them: another learner's
    request about the same bytes is not answered from them."""
    data, entry = hidden.random_receipt(random.Random(12), "png")
    control.register_documents([entry])
    mine = json.loads(_gemini_json(origin, api_key, data, entry["mime"]))
    other = json.loads(_gemini_json(origin, api_key + "-someone-else", data, entry["mime"]))
    assert mine["total"] == entry["truth"]["total"] and other.get("total") != entry["truth"]["total"]


def test_resetting_a_scope_forgets_its_documents_and_no_others(origin, control):
    from mmcourse.emulator.control import EmulatorControl

    _, entry = hidden.random_receipt(random.Random(13))
    other = EmulatorControl(origin, scope=control.scope + "x")
    control.register_documents([entry])
    other.register_documents([entry])
    control.reset()
    assert registered.count(control.scope) == 0 and registered.count(other.scope) == 1


def test_a_registration_cannot_override_a_course_file():
    from mmcourse import datasets

    course = datasets.entry("receipts/maple_bean_cafe.png")
    fake = {**course, "path": "hidden/fake.png", "truth": {**course["truth"], "total": 0.01}}
    registered.register([fake], SCOPE)
    with registered.answering_scope(SCOPE):
        manifest = registered.with_registered(datasets.manifest())
    assert [f["truth"]["total"] for f in manifest["files"] if f["sha256"] == course["sha256"]] == [course["truth"]["total"]]


@pytest.mark.parametrize("bad, message", [
    ({"path": "x", "kind": "receipt", "mime": "image/png", "sha256": "abc", "truth": {}}, "sha256"),
    ({"path": "x", "kind": "spaceship", "mime": "image/png", "sha256": "0" * 64, "truth": {}}, "kind"),
    ({"path": "x", "kind": "receipt", "mime": "image/png", "sha256": "0" * 64}, "truth"),
])
def test_a_malformed_entry_is_refused_with_a_reason(control, bad, message):
    from mmcourse.emulator.control import EmulatorControlError

    with pytest.raises(EmulatorControlError, match=message):
        control.register_documents([bad])
    assert registered.count(control.scope) == 0


def test_a_sandbox_cannot_register_while_the_tests_run():
    assert admin_refusal("POST", "/_mmcourse/documents", testing=True) is not None


def test_a_registered_pdf_receipt_fills_a_strict_openai_schema_with_its_items(origin, api_key, control):
    data, entry = hidden.random_receipt(random.Random(5), "pdf")
    control.register_documents([entry])

    def strict(**properties):
        return {"type": "object", "properties": properties, "required": list(properties), "additionalProperties": False}

    number = {"type": "number"}
    schema = strict(store={"type": "string"}, items={"type": "array", "items": strict(
        name={"type": "string"}, quantity=number, unit_price=number, total=number)}, total=number)
    body = {"model": "gpt-5.4-mini", "messages": [{"role": "user", "content": [
        {"type": "file", "file": {"filename": "r.pdf",
                                  "file_data": "data:application/pdf;base64," + base64.b64encode(data).decode()}},
        {"type": "text", "text": "Extract the receipt."}]}],
        "response_format": {"type": "json_schema", "json_schema": {"name": "r", "strict": True, "schema": schema}}}
    response = requests.post(f"{origin}/v1/chat/completions", headers={"Authorization": f"Bearer {api_key}"},
                             json=body, timeout=60)
    assert response.status_code == 200, response.text
    truth = entry["truth"]
    assert json.loads(response.json()["choices"][0]["message"]["content"]) == {
        "store": truth["store"], "items": truth["items"], "total": truth["total"]}
