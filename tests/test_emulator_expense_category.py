"""An expense category for the course receipts, for tools and schemas that ask for one.

The course data records no expense category, so the emulator derives one by rule from the
store's name (``answers.json_answers.expense_category``); lesson 14's ``record_expense`` tool
asks for it as an enum. A ``category`` without an enum stays the file's category, ``receipt``.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
import requests

from mmcourse.emulator.answers import MediaItem, compose_answer
from mmcourse.emulator.answers.json_answers import expense_category
from mmcourse.emulator.media import Media
from mmcourse.emulator.tools import ToolChoice, ToolSpec, choose_tool_calls

DATA = Path(__file__).resolve().parents[1] / "data"
LABELS = ["groceries", "dining", "hardware", "travel", "office", "other"]
EXPENSE = {"type": "object", "additionalProperties": False,
           "properties": {"merchant": {"type": "string"}, "total": {"type": "number"},
                          "category": {"type": "string", "enum": LABELS}},
           "required": ["merchant", "total", "category"]}

needs_receipts = pytest.mark.skipif(not (DATA / "receipts" / "maple_bean_cafe.png").exists(),
                                    reason="data/ is not built (mmcourse data build)")


def _call(rel: str) -> dict:
    media = [Media(mime="image/png", data=(DATA / rel).read_bytes())]
    [call] = choose_tool_calls("Record this expense.", media, [ToolSpec("record_expense", "", EXPENSE)],
                               ToolChoice("tool", "record_expense"), system=None, provider="openai",
                               model="gpt-4o")
    return call.arguments


@pytest.mark.parametrize(("store", "category"), [
    ("Greenleaf Market", "groceries"), ("Maple & Bean Café", "dining"),
    ("Ridgeway Hardware & Supply", "hardware"), ("City Taxi Co", "travel"), ("Acme Widgets", "other")])
def test_the_category_follows_words_in_the_stores_name(store, category):
    assert expense_category({"store": store}) == category


@needs_receipts
@pytest.mark.parametrize(("rel", "category"), [
    ("receipts/greenleaf_market.png", "groceries"), ("receipts/maple_bean_cafe.png", "dining"),
    ("receipts/ridgeway_hardware.png", "hardware")])
def test_a_category_enum_in_a_tool_schema_gets_the_receipts_expense_category(rel, category):
    assert _call(rel)["category"] == category


@needs_receipts
def test_the_other_arguments_still_come_from_the_truth():
    args = _call("receipts/maple_bean_cafe.png")
    assert (args["merchant"], args["total"]) == ("Maple & Bean Café", 37.12)


@needs_receipts
def test_a_category_without_an_enum_stays_the_files_category():
    data = (DATA / "receipts" / "greenleaf_market.png").read_bytes()
    text = compose_answer('Reply with JSON: {"store": string, "category": string}',
                          [MediaItem("image/png", data)], provider="openai", model="m", json_mode=True)
    assert json.loads(text) == {"store": "Greenleaf Market", "category": "receipt"}


@needs_receipts
def test_an_enum_without_a_matching_label_gives_null():
    schema = {**EXPENSE, "properties": {**EXPENSE["properties"],
                                        "category": {"type": "string", "enum": ["meals", "fuel"]}}}
    media = [Media(mime="image/png", data=(DATA / "receipts" / "greenleaf_market.png").read_bytes())]
    [call] = choose_tool_calls("Record this expense.", media, [ToolSpec("record_expense", "", schema)],
                               ToolChoice("tool", "record_expense"), system=None, provider="openai",
                               model="gpt-4o")
    assert call.arguments["category"] is None


@needs_receipts
def test_claudes_structured_output_over_http_gets_the_expense_category(origin, api_key):
    data = (DATA / "receipts" / "maple_bean_cafe.png").read_bytes()
    body = {"model": "claude-sonnet-4-6", "max_tokens": 500,
            "output_config": {"format": {"type": "json_schema", "schema": EXPENSE}},
            "messages": [{"role": "user", "content": [
                {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                             "data": base64.b64encode(data).decode()}},
                {"type": "text", "text": "Extract this expense."}]}]}
    reply = requests.post(f"{origin}/v1/messages", json=body, timeout=30,
                          headers={"x-api-key": api_key, "anthropic-version": "2023-06-01"})
    assert reply.status_code == 200, reply.text[:300]
    assert json.loads(reply.json()["content"][0]["text"]) == {
        "merchant": "Maple & Bean Café", "total": 37.12, "category": "dining"}
