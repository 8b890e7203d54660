# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 07 · Receipts: OCR to validated JSON
#
# Reading a receipt is the classic "document to data" task: a photo goes in, a record your
# accounting code can trust comes out. Trust is the hard part, so this lesson spends as long
# checking the answer as getting it.
#
# **Objectives**
# - Describe the record you want as a JSON Schema and send it with the request (OpenAI
#   `json_schema`, Gemini `responseJsonSchema`, Claude `output_config.format`).
# - Validate the answer twice: its shape (`jsonschema`) and its arithmetic (lines, subtotal, tax, total).
# - Handle fields that are not on the receipt: `null`, never a guess, and clean up the ways
#   models write "nothing".
# - Compare the three providers field by field against the truth.
#
# **Estimated time: 35 min**
#
# **Exercises:** 3 (1 easy, 2 medium).
#
# **You need:** lessons 05 and 06. No API key: offline answers come from the emulator, which
# recognises the course receipts (even the blurry phone photo) and answers from their
# recorded contents; it is not a model.

# %%
import mmcourse

conf = mmcourse.setup()

# %%
import base64
import json
from pathlib import Path

import jsonschema
import requests

from mmcourse import datasets, registry
from mmcourse.display import show_image

receipt = datasets.path("receipts/greenleaf_market.png")
show_image(receipt, max_edge=300)

# %% [markdown]
# ## The record you want, as a schema
#
# A JSON Schema says which fields exist, their types, and which may be `null`. Two extra fields
# are there on purpose: `cashier_name` and `loyalty_number` are printed on many receipts but
# not on this one, so the only right answer for them is `null`.
#
# The schema follows the rules of OpenAI's strict mode (OpenAI structured-outputs docs, 2026):
# every property listed in `required`, `additionalProperties: false`, and "may be missing"
# spelled as a `null` alternative (`anyOf`) rather than as an optional key. `anyOf` is also how
# the Anthropic SDK writes a nullable field for Claude's structured outputs
# (anthropic-sdk-python `transform_schema`, 2026); whether Claude takes a `type` list such as
# `["string", "null"]` is unconfirmed, so this schema avoids it.

# %%
def nullable(kind):
    return {"anyOf": [{"type": kind}, {"type": "null"}]}


ITEM_SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "quantity": nullable("number"),
                   "unit_price": nullable("number"), "total": {"type": "number"}},
    "required": ["name", "quantity", "unit_price", "total"],
    "additionalProperties": False,
}
RECEIPT_SCHEMA = {
    "type": "object",
    "properties": {
        "store": {"type": "string"}, "date": nullable("string"), "time": nullable("string"),
        "currency": nullable("string"), "items": {"type": "array", "items": ITEM_SCHEMA},
        "subtotal": nullable("number"), "tax": nullable("number"), "total": {"type": "number"},
        "payment_method": nullable("string"), "cashier_name": nullable("string"),
        "loyalty_number": nullable("string"),
    },
    "additionalProperties": False,
}
RECEIPT_SCHEMA["required"] = list(RECEIPT_SCHEMA["properties"])

RECEIPT_PROMPT = (
    "Extract this receipt as JSON matching this JSON Schema. Dates as YYYY-MM-DD, money as "
    "numbers. Use null for any field that is not visible on the receipt; never guess.\n"
    + json.dumps(RECEIPT_SCHEMA)
)
print(len(RECEIPT_PROMPT), "characters of prompt")

# %% [markdown]
# ## OpenAI: structured output
#
# `response_format` of type `json_schema` hands OpenAI the schema itself; with `"strict": true`
# the answer is constrained to it. The schema also stays in the prompt, so the same prompt
# works for providers without that switch.

# %%
def openai_receipt(path):
    data = Path(path).read_bytes()
    mime = mmcourse.sniff_mime(data)
    cfg = conf["openai"]
    body = {
        "model": registry.default_model("openai"),
        "response_format": {"type": "json_schema",
                            "json_schema": {"name": "receipt", "schema": RECEIPT_SCHEMA, "strict": True}},
        "messages": [{"role": "user", "content": [
            {"type": "text", "text": RECEIPT_PROMPT},
            {"type": "image_url", "image_url": {"url": f"data:{mime};base64,{base64.b64encode(data).decode()}"}},
        ]}],
    }
    response = requests.post(f"{cfg.base_url}/chat/completions", json=body, timeout=60,
                             headers={"Authorization": f"Bearer {cfg.api_key}"})
    response.raise_for_status()
    return json.loads(response.json()["choices"][0]["message"]["content"])


# %% [markdown]
# The schema allows `null` for a quantity or a unit price (a line that shows only its total), so
# the printout must cope: `format(None, ">4g")` raises `TypeError`. `cell` writes a dash instead.

# %%
def cell(value, spec):
    """``value`` formatted with ``spec`` (like ``">6.2f"``), or a dash as wide when it is null."""
    if value is None:
        return format("-", spec.split(".")[0].rstrip("gf"))  # ">6.2f" -> ">6"
    return format(value, spec)


# %% tags=["nbval-check-output"]
record = openai_receipt(receipt)
print(record["store"], record["date"], record["time"], record["currency"])
for item in record["items"]:
    print(f"  {cell(item['quantity'], '>4g')} x {item['name']:<22} {cell(item['unit_price'], '>6.2f')} "
          f"{cell(item['total'], '>7.2f')}")
print("subtotal", record["subtotal"], "tax", record["tax"], "total", record["total"])
print("cashier:", record["cashier_name"], "| loyalty:", record["loyalty_number"])

# %% [markdown]
# ## Validation 1: the shape
#
# `jsonschema.validate` raises if the record breaks the schema, and says where.

# %% tags=["nbval-check-output"]
jsonschema.validate(record, RECEIPT_SCHEMA)
print("valid")

# %% [markdown]
# **Predict the output.** Live models without a strict schema often write money as text.
# What does the validator say about `"total": "$35.91"`?

# %% tags=["nbval-check-output"]
sloppy = {**record, "total": "$35.91"}
try:
    jsonschema.validate(sloppy, RECEIPT_SCHEMA)
except jsonschema.ValidationError as error:
    print(f"{list(error.path)}: {error.message}")

# %% [markdown]
# ## Validation 2: the arithmetic
#
# A record can have the right shape and wrong numbers: one misread digit. A receipt checks
# itself, though: each line is quantity x unit price, the lines add up to the subtotal, and
# subtotal plus tax is the total. Round to cents before comparing (floating point:
# `0.1 + 0.2 != 0.3`).

# %% tags=["nbval-check-output"]
lines = round(sum(item["total"] for item in record["items"]), 2)
print("lines add up to", lines, "| subtotal", record["subtotal"], "|", lines == record["subtotal"])
if record["subtotal"] is None or record["tax"] is None:  # the schema allows null: nothing to add
    print("subtotal or tax not on the receipt: that check is skipped")
else:
    print("subtotal + tax =", round(record["subtotal"] + record["tax"], 2), "| total", record["total"])

# %% [markdown]
# Exercise 2 turns these checks into a function that names every field that does not add up.
#
# ## Fields that are not there
#
# `cashier_name` came back `null`: the right answer for a field that is not visible. Live
# models do not always manage it: they write `"N/A"`, `"unknown"`, `""` or `"Not visible"`,
# or worse, invent a name. The prompt's "never guess" and the `null` type in the schema
# address the invention; exercise 3 cleans up the other spellings of nothing.
#
# ## Three providers, one receipt
#
# Now the hard case, a phone photo of the same receipt: skewed, shadowed, JPEG.

# %%
photo = datasets.path("receipts/greenleaf_market_photo.jpg")
show_image(photo, max_edge=300)

# %% [markdown]
# Each provider gets its own way of asking for the schema. Lesson 05's `mmcourse.ask` merges
# extra keyword arguments into the request body, so one table of options is enough: OpenAI's
# `response_format` as above; Gemini's `generationConfig` with `responseMimeType` and
# `responseJsonSchema` (Gemini API structured-output docs, 2026); Claude's **structured
# outputs**, `output_config` with `format` `{"type": "json_schema", "schema": ...}`, generally
# available since 2026-01-29 with no beta header (Anthropic structured-outputs docs;
# anthropic-sdk-python 0.77.0). Claude's JSON comes back in an ordinary `text` block. Lesson 14
# uses the same schema with tools.

# %% [markdown]
# Without a schema switch (a prompt alone, or an older model) live models like to wrap JSON in a
# code fence, often after a sentence ("Here is the receipt:"). `json_in(text)` takes the JSON out
# of such an answer (lesson 06's exercise 2 writes the full version); it costs nothing on plain
# JSON, so keep it as a safety net.

# %%
def json_in(text):
    """The JSON object in a model's answer: plain, fenced, or with prose around it."""
    text = text.strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return json.loads(text[text.find("{"):text.rfind("}") + 1])


# %%
SCHEMA_OPTIONS = {
    "openai": {"response_format": {"type": "json_schema",
                                   "json_schema": {"name": "receipt", "schema": RECEIPT_SCHEMA, "strict": True}}},
    "anthropic": {"output_config": {"format": {"type": "json_schema", "schema": RECEIPT_SCHEMA}}},
    "gemini": {"generationConfig": {"responseMimeType": "application/json",
                                    "responseJsonSchema": RECEIPT_SCHEMA, "maxOutputTokens": 2048}},
}
readings = {provider: json_in(mmcourse.ask(provider, RECEIPT_PROMPT, photo, **options).text)
            for provider, options in SCHEMA_OPTIONS.items()}

# %% [markdown]
# **Predict the output.** Compare each provider's fields with the truth. Offline, how many ✗
# do you expect? Live, which fields would you bet go wrong first on a blurry photo?

# %% tags=["nbval-check-output"]
truth = datasets.entry("receipts/greenleaf_market_photo.jpg")["truth"]
fields = ["store", "date", "time", "currency", "subtotal", "tax", "total", "payment_method", "cashier_name"]
print(f"{'field':<15}" + "".join(f"{p:>11}" for p in readings))
for field in fields:
    marks = ["✓" if reading.get(field) == truth.get(field) else "✗" for reading in readings.values()]
    print(f"{field:<15}" + "".join(f"{m:>11}" for m in marks))
print(f"{'items':<15}" + "".join(f"{len(r['items']):>11}" for r in readings.values()), f"(true: {len(truth['items'])})")

# %% [markdown]
# All ✓ offline, because every provider is answered from the same recorded truth (the
# `cashier_name` row compares `null` with a field the truth does not have). Live, expect the
# totals to survive and the small print (time, payment details, item names) to wobble: run this
# cell with keys set and count. The checks you write below are how a pipeline notices.
#
# ## Exercises

# %% [markdown] mmcourse={"exercise": "ex-receipt-request", "role": "instructions", "title": "One receipt function, three providers", "points": 3, "difficulty": "medium"}
# ### Exercise 1: one receipt function, three providers
# Write `extract_receipt(provider, path)` in raw `requests` (no `mmcourse.ask`): send the image
# at `path` (PNG or JPEG: send its true MIME type) with `RECEIPT_PROMPT`, and return the parsed
# record (a dict). Send the schema the way each provider takes it:
#
# - OpenAI: `response_format` of type `json_schema` with `RECEIPT_SCHEMA`;
# - Gemini: `generationConfig` with `responseMimeType: "application/json"` and `responseJsonSchema`;
# - Claude: `output_config` with `format` `{"type": "json_schema", "schema": RECEIPT_SCHEMA}`
#   (the JSON comes in `content[0].text`; `json_in` above also copes with a fenced answer).

# %% [markdown] mmcourse={"exercise": "ex-receipt-request", "role": "hint"}
# `openai_receipt` above is the OpenAI branch. For the others reuse lesson 05's builders:
# Claude needs `max_tokens` and `anthropic-version`; Gemini's model goes in the URL.

# %% [markdown] mmcourse={"exercise": "ex-receipt-request", "role": "hint"}
# `mmcourse.sniff_mime(data)` gives `image/jpeg` for the photo; Claude refuses a request whose
# `media_type` does not match the bytes.

# %% mmcourse={"exercise": "ex-receipt-request", "role": "solution"}
def extract_receipt(provider, path):
    ### BEGIN SOLUTION
    if provider == "openai":
        return openai_receipt(path)
    data = Path(path).read_bytes()
    mime = mmcourse.sniff_mime(data)
    b64 = base64.b64encode(data).decode("ascii")
    cfg = conf[provider]
    model = registry.default_model(provider)
    if provider == "gemini":
        body = {"contents": [{"role": "user", "parts": [
                    {"text": RECEIPT_PROMPT}, {"inline_data": {"mime_type": mime, "data": b64}}]}],
                "generationConfig": {"responseMimeType": "application/json",
                                     "responseJsonSchema": RECEIPT_SCHEMA}}
        response = requests.post(f"{cfg.base_url}/v1beta/models/{model}:generateContent", json=body,
                                 headers={"x-goog-api-key": cfg.api_key}, timeout=60)
        response.raise_for_status()
        return json.loads(response.json()["candidates"][0]["content"]["parts"][0]["text"])
    body = {"model": model, "max_tokens": 2048,
            "output_config": {"format": {"type": "json_schema", "schema": RECEIPT_SCHEMA}},
            "messages": [{"role": "user", "content": [
        {"type": "image", "source": {"type": "base64", "media_type": mime, "data": b64}},
        {"type": "text", "text": RECEIPT_PROMPT}]}]}
    response = requests.post(f"{cfg.base_url}/v1/messages", json=body, timeout=60,
                             headers={"x-api-key": cfg.api_key, "anthropic-version": "2023-06-01"})
    response.raise_for_status()
    return json_in(response.json()["content"][0]["text"])
    ### END SOLUTION
    ### BEGIN STARTER
    # raise NotImplementedError("ex-receipt-request: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-receipt-request", "role": "visible-tests"}
from mmcourse.grading import last_request


def test_the_photo_from_every_provider():
    for provider in ("openai", "anthropic", "gemini"):
        got = extract_receipt(provider, photo)
        assert isinstance(got, dict), f"{provider}: return the parsed record (a dict)"
        expect(got["total"], 35.91, abs_tol=0.005, what=f"{provider} total")
        expect(got["cashier_name"], None, what=f"{provider} cashier_name")
        record = last_request(provider)
        assert record["verdict"] == "accepted", f"{provider} refused the request: {record['error']}"
        assert [m["mime"] for m in record["media"]] == ["image/jpeg"], f"{provider}: send the photo as image/jpeg"


def test_the_schema_travelled_with_the_request():
    extract_receipt("openai", receipt)
    fmt = last_request("openai")["request"].get("response_format") or {}
    assert fmt.get("type") == "json_schema", "OpenAI: response_format type json_schema"
    assert fmt["json_schema"].get("schema") == RECEIPT_SCHEMA, "OpenAI: send RECEIPT_SCHEMA as json_schema.schema"
    extract_receipt("gemini", receipt)
    config = last_request("gemini")["request"].get("generationConfig") or {}
    assert config.get("responseMimeType") == "application/json", "Gemini: responseMimeType application/json"
    assert config.get("responseJsonSchema") == RECEIPT_SCHEMA, "Gemini: send RECEIPT_SCHEMA as responseJsonSchema"
    extract_receipt("anthropic", receipt)
    fmt = (last_request("anthropic")["request"].get("output_config") or {}).get("format") or {}
    assert fmt.get("type") == "json_schema", "Claude: output_config.format type json_schema"
    assert fmt.get("schema") == RECEIPT_SCHEMA, "Claude: send RECEIPT_SCHEMA as output_config.format.schema"

# %% mmcourse={"exercise": "ex-receipt-request", "role": "hidden-tests"}
import hashlib

from mmcourse import datasets
from mmcourse.grading import expect, last_request


def test_another_receipt(rng):
    rel = rng.choice(["receipts/maple_bean_cafe.png", "receipts/ridgeway_hardware.png"])
    path = datasets.path(rel)
    truth = datasets.entry(rel)["truth"]
    for provider in ("openai", "anthropic", "gemini"):
        got = extract_receipt(provider, path)
        expect(got["total"], truth["total"], what=f"{provider} total of {rel}")
        expect(got["store"], truth["store"], what=f"{provider} store of {rel}")
        media = last_request(provider)["media"]
        assert [m["sha256"] for m in media] == [hashlib.sha256(path.read_bytes()).hexdigest()], \
            f"{provider}: send the file you were given"

# %% [markdown] mmcourse={"exercise": "ex-receipt-math", "role": "instructions", "title": "Does the receipt add up?", "points": 3, "difficulty": "medium"}
# ### Exercise 2: does the receipt add up?
# Write `arithmetic_problems(record)` that returns the list of fields that do not add up, in
# this order, comparing amounts rounded to cents (a difference of more than 0.01 is a problem):
#
# 1. `"items[i].total"` for each line `i` (from 0) whose total is not `round(quantity * unit_price, 2)`;
# 2. `"subtotal"` if the line totals do not sum to the subtotal;
# 3. `"total"` if subtotal + tax is not the total.
#
# Skip a check when a number it needs is `null` (`None`): a missing value is not a wrong one.
# A correct record gives `[]`.

# %% [markdown] mmcourse={"exercise": "ex-receipt-math", "role": "hint"}
# `abs(a - b) > 0.01` after `round(..., 2)` on both sides. `any(v is None for v in (...))` tells
# you when to skip.

# %% mmcourse={"exercise": "ex-receipt-math", "role": "solution"}
def arithmetic_problems(record):
    ### BEGIN SOLUTION
    def off(a, b):
        return abs(round(a, 2) - round(b, 2)) > 0.01 + 1e-9

    problems = []
    items = record.get("items") or []
    for i, item in enumerate(items):
        q, price, total = item.get("quantity"), item.get("unit_price"), item.get("total")
        if None not in (q, price, total) and off(q * price, total):
            problems.append(f"items[{i}].total")
    line_totals = [item.get("total") for item in items]
    if record.get("subtotal") is not None and None not in line_totals and off(sum(line_totals), record["subtotal"]):
        problems.append("subtotal")
    parts = (record.get("subtotal"), record.get("tax"), record.get("total"))
    if None not in parts and off(parts[0] + parts[1], parts[2]):
        problems.append("total")
    return problems
    ### END SOLUTION
    ### BEGIN STARTER
    # raise NotImplementedError("ex-receipt-math: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-receipt-math", "role": "visible-tests"}
import copy


def test_the_true_receipt_adds_up():
    expect(arithmetic_problems(datasets.entry("receipts/ridgeway_hardware.png")["truth"]), [])


def test_a_misread_line_shows_in_two_places():
    bad = copy.deepcopy(datasets.entry("receipts/greenleaf_market.png")["truth"])
    bad["items"][1]["total"] = 5.52  # 5.25 read as 5.52
    expect(arithmetic_problems(bad), ["items[1].total", "subtotal"])


def test_a_misread_total_and_a_missing_tax():
    bad = copy.deepcopy(datasets.entry("receipts/greenleaf_market.png")["truth"])
    bad["total"] = 39.51
    expect(arithmetic_problems(bad), ["total"])
    bad["tax"] = None
    expect(arithmetic_problems(bad), [])

# %% mmcourse={"exercise": "ex-receipt-math", "role": "hidden-tests"}
from mmcourse.grading import expect


def test_random_receipts(rng):
    for _ in range(15):
        items, want = [], []
        for i in range(rng.randint(1, 7)):
            q, price = rng.randint(1, 5), rng.randint(50, 2000) / 100
            total = round(q * price + 1e-9, 2)
            if rng.random() < 0.25:
                total = round(total + rng.choice([-1, 1]) * rng.randint(2, 300) / 100, 2)
                want.append(f"items[{i}].total")
            items.append({"name": f"thing {i}", "quantity": q, "unit_price": price, "total": total})
        subtotal = round(sum(it["total"] for it in items), 2)
        if rng.random() < 0.3:
            subtotal = round(subtotal + 1.5, 2)
            want.append("subtotal")
        tax = round(subtotal * 0.08, 2)
        total = round(subtotal + tax, 2)
        if rng.random() < 0.3:
            total = round(total - 0.9, 2)
            want.append("total")
        got = arithmetic_problems({"items": items, "subtotal": subtotal, "tax": tax, "total": total})
        expect(got, want, what=f"problems of a {len(items)}-line receipt")


def test_null_numbers_are_skipped():
    record = {"items": [{"name": "a", "quantity": None, "unit_price": 2.0, "total": 9.99}],
              "subtotal": None, "tax": 1.0, "total": 10.0}
    expect(arithmetic_problems(record), [])

# %% [markdown] mmcourse={"exercise": "ex-not-visible", "role": "instructions", "title": "Spell nothing as null", "points": 2, "difficulty": "easy"}
# ### Exercise 3: spell nothing as `null`
# Write `clean_missing(value)` that returns a copy of a parsed record in which every string
# that means "not there" becomes `None`, at any depth (inside dicts and lists). After trimming
# spaces and ignoring case, these mean "not there": `""`, `"n/a"`, `"na"`, `"none"`, `"null"`,
# `"unknown"`, `"not visible"`, `"not available"`, `"-"`. Every other value stays as it is
# (numbers, `True`/`False`, other strings), and the input is not modified.

# %% [markdown] mmcourse={"exercise": "ex-not-visible", "role": "hint"}
# Recursion: a dict becomes `{k: clean_missing(v) for k, v in value.items()}`, a list
# `[clean_missing(v) for v in value]`, a string is checked with `value.strip().lower() in MISSING`.

# %% mmcourse={"exercise": "ex-not-visible", "role": "solution"}
def clean_missing(value):
    ### BEGIN SOLUTION
    missing = {"", "n/a", "na", "none", "null", "unknown", "not visible", "not available", "-"}
    if isinstance(value, dict):
        return {k: clean_missing(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clean_missing(v) for v in value]
    if isinstance(value, str) and value.strip().lower() in missing:
        return None
    return value
    ### END SOLUTION
    ### BEGIN STARTER
    # raise NotImplementedError("ex-not-visible: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-not-visible", "role": "visible-tests"}
def test_top_level_placeholders():
    live = {"store": "Greenleaf Market", "cashier_name": "N/A", "loyalty_number": " unknown ", "total": 35.91}
    expect(clean_missing(live), {"store": "Greenleaf Market", "cashier_name": None, "loyalty_number": None,
                                 "total": 35.91})


def test_nested_and_untouched_input():
    live = {"items": [{"name": "Bananas", "quantity": "-"}], "paid": True, "time": "Not visible"}
    cleaned = clean_missing(live)
    expect(cleaned, {"items": [{"name": "Bananas", "quantity": None}], "paid": True, "time": None})
    expect(live["time"], "Not visible", what="the input (it must not change)")

# %% mmcourse={"exercise": "ex-not-visible", "role": "hidden-tests"}
from mmcourse.grading import expect

SPELLINGS = ["", "N/A", "n/a", "NA", "None", "NULL", "Unknown", "not visible", "Not Available", "-", "  -  "]
KEEPERS = ["Cash", "Nancy", "n/a/b", "0", "none of these", 0, 0.0, False, 12.5, None]


def test_random_nesting(rng):
    def build(depth):
        if depth == 0 or rng.random() < 0.3:
            if rng.random() < 0.5:
                return rng.choice(SPELLINGS), None
            keep = rng.choice(KEEPERS)
            return keep, keep
        if rng.random() < 0.5:
            pairs = [build(depth - 1) for _ in range(rng.randint(0, 4))]
            return [p[0] for p in pairs], [p[1] for p in pairs]
        pairs = {f"k{i}": build(depth - 1) for i in range(rng.randint(0, 4))}
        return {k: v[0] for k, v in pairs.items()}, {k: v[1] for k, v in pairs.items()}

    for _ in range(20):
        raw, want = build(4)
        expect(clean_missing(raw), want, what=repr(raw)[:60])
