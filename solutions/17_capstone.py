# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 13 · Capstone: a document analyser across providers
#
# **Objectives**
# - Build one analyser that reads a mixed inbox (PDFs, photographed receipts, charts) with
#   OpenAI, Claude or Gemini, from raw HTTP requests.
# - Classify each document, then extract its fields as **structured JSON** with each
#   provider's own mechanism, and **validate** every answer before trusting it.
# - Compare providers on correctness, tokens and cost, and fall back when one fails.
#
# **Estimated time: 60 min**
#
# **You need:** everything so far, mostly lessons 07 (receipts), 10 (PDFs), 11 (errors) and
# 12 (cost). No key: offline, the emulator answers from the course data's ground truth, not
# from a model, so every provider is "right" offline; live, the same cells measure how right
# each real model is.

# %%
import mmcourse

conf = mmcourse.setup()

# %%
import base64
import json
import re
from decimal import Decimal

import requests
from pypdf import PdfReader

from mmcourse import datasets, pricing, registry
from mmcourse.routing import approx_usd
from mmcourse.display import show_images

OPENAI, ANTHROPIC, GEMINI = conf["openai"], conf["anthropic"], conf["gemini"]
MODELS = {provider: registry.default_model(provider) for provider in ("openai", "anthropic", "gemini")}

# %% [markdown]
# ## The inbox
#
# Five documents as they arrive in a real inbox: two PDFs, two receipts (one a phone photo),
# one chart exported from a slide.

# %% tags=["nbval-check-output"]
INBOX = ["documents/invoice.pdf", "documents/annual_report.pdf", "receipts/maple_bean_cafe.png",
         "receipts/greenleaf_market_photo.jpg", "charts/quarterly_revenue.png"]
for rel in INBOX:
    data = datasets.path(rel).read_bytes()
    mime = mmcourse.sniff_mime(data)
    extra = f"{len(PdfReader(datasets.path(rel)).pages)} pages" if mime == "application/pdf" else ""
    print(f"{rel:<38} {mime:<16} {len(data):>7,} bytes {extra}")

# %%
show_images([datasets.path(rel) for rel in INBOX[2:]], max_edge=200, labels=[rel.split("/")[1] for rel in INBOX[2:]])

# %% [markdown]
# ## Step 1: one request, three wire formats
#
# One function builds the request for any provider: the media part (image or PDF, in that
# provider's shape), the prompt, and, when a JSON schema is given, that provider's way of
# asking for structured output:
#
# | provider | structured output |
# |---|---|
# | OpenAI | `response_format: {"type": "json_schema", "json_schema": {"name", "strict": true, "schema"}}` |
# | Gemini | `generationConfig: {"responseMimeType": "application/json", "responseJsonSchema": schema}` |
# | Claude | the schema in the prompt, then **validate** (Messages has no schema field in this course) |
#
# Strict schemas need every property listed in `required` and `additionalProperties: false`.

# %%
def media_part(provider, rel):
    """The part that carries a course file (image or PDF) for one provider, MIME type from the bytes."""
    data = datasets.path(rel).read_bytes()
    mime = mmcourse.sniff_mime(data)
    b64 = base64.b64encode(data).decode("ascii")
    if provider == "openai":
        if mime == "application/pdf":
            return {"type": "file", "file": {"filename": rel.split("/")[-1], "file_data": f"data:{mime};base64,{b64}"}}
        return {"type": "image_url", "image_url": {"url": f"data:{mime};base64,{b64}"}}
    if provider == "anthropic":
        kind = "document" if mime == "application/pdf" else "image"
        return {"type": kind, "source": {"type": "base64", "media_type": mime, "data": b64}}
    return {"inline_data": {"mime_type": mime, "data": b64}}


def build_request(provider, rel, prompt, schema=None):
    """(url, headers, body) for one question about one document."""
    part = media_part(provider, rel)
    if provider == "openai":
        body = {"model": MODELS["openai"], "max_completion_tokens": 4000,
                "messages": [{"role": "user", "content": [part, {"type": "text", "text": prompt}]}]}
        if schema:
            body["response_format"] = {"type": "json_schema",
                                       "json_schema": {"name": "document", "strict": True, "schema": schema}}
        return f"{OPENAI.base_url}/chat/completions", {"Authorization": f"Bearer {OPENAI.api_key}"}, body
    if provider == "anthropic":
        if schema:
            prompt += "\nReply with one JSON object matching this JSON schema, and nothing else:\n" + json.dumps(schema)
        body = {"model": MODELS["anthropic"], "max_tokens": 2000,
                "messages": [{"role": "user", "content": [part, {"type": "text", "text": prompt}]}]}
        headers = {"x-api-key": ANTHROPIC.api_key, "anthropic-version": "2023-06-01"}
        return f"{ANTHROPIC.base_url}/v1/messages", headers, body
    body = {"contents": [{"role": "user", "parts": [part, {"text": prompt}]}]}
    if schema:
        body["generationConfig"] = {"responseMimeType": "application/json", "responseJsonSchema": schema}
    url = f"{GEMINI.base_url}/v1beta/models/{MODELS['gemini']}:generateContent"
    return url, {"x-goog-api-key": GEMINI.api_key}, body


# %% [markdown]
# And one function reads any provider's answer: the text and the token usage (for the bill).

# %%
def read_answer(provider, reply):
    """(text, input_tokens, output_tokens) from a success response of any provider."""
    if provider == "openai":
        usage = reply["usage"]
        return reply["choices"][0]["message"]["content"], usage["prompt_tokens"], usage["completion_tokens"]
    if provider == "anthropic":
        usage = reply["usage"]
        return reply["content"][0]["text"], usage["input_tokens"], usage["output_tokens"]
    usage = reply["usageMetadata"]
    text = "".join(part.get("text", "") for part in reply["candidates"][0]["content"]["parts"])
    return text, usage["promptTokenCount"], usage.get("candidatesTokenCount", 0)


def ask(provider, rel, prompt, schema=None):
    """Send one question about one document; return (text, input_tokens, output_tokens)."""
    url, headers, body = build_request(provider, rel, prompt, schema)
    response = requests.post(url, headers=headers, json=body, timeout=120)
    response.raise_for_status()
    return read_answer(provider, response.json())


# %% [markdown]
# ## Step 2: what kind of document is it?
#
# Classification is easy work: send it to the cheapest capable model and constrain the answer
# to a list of labels.

# %%
TYPES = ("invoice", "receipt", "report", "chart")
CLASSIFY = f"What kind of document is this? Answer with one word, one of: {', '.join(TYPES)}."


def classify(rel, provider="gemini"):
    text, _, _ = ask(provider, rel, CLASSIFY)
    words = re.findall(r"[a-z]+", text.lower())  # live models answer "This is a receipt." as often as "receipt"
    return next((word for word in words if word in TYPES), "unknown")


# %% [markdown]
# **Predict the output.** The two PDFs look alike to a computer (both `application/pdf`).
# What will the classifier call each of the five documents?

# %% tags=["nbval-check-output"]
doc_types = {rel: classify(rel) for rel in INBOX}
for rel, kind in doc_types.items():
    print(f"{rel:<38} {kind}")

# %% [markdown]
# ## Step 3: a schema per document type
#
# What we want from each type, as JSON Schema. Money is a number, dates are `YYYY-MM-DD`
# strings, and every field is required so that a missing one is an error, not a surprise.

# %%
def obj(**properties):
    """A strict object schema: every property required, nothing else allowed."""
    return {"type": "object", "properties": properties, "required": list(properties),
            "additionalProperties": False}


STRING, NUMBER = {"type": "string"}, {"type": "number"}
SCHEMAS = {
    "receipt": obj(store=STRING, date=STRING, currency=STRING,
                   items={"type": "array", "items": obj(name=STRING, quantity=NUMBER, unit_price=NUMBER, total=NUMBER)},
                   subtotal=NUMBER, tax=NUMBER, total=NUMBER),
    "chart": obj(title=STRING, chart_type={"type": "string", "enum": ["bar", "line", "pie", "stacked_bar"]},
                 unit=STRING, labels={"type": "array", "items": STRING}, values={"type": "array", "items": NUMBER}),
    "invoice": obj(title=STRING, pages={"type": "integer"}, summary=STRING,
                   key_facts={"type": "array", "items": STRING}),
}
SCHEMAS["report"] = SCHEMAS["invoice"]
EXTRACT = "Extract the data from this document as JSON with exactly the fields of the schema."
print(json.dumps(SCHEMAS["chart"], indent=1))

# %% [markdown]
# ## Step 4: never trust, always validate
#
# Even with a strict schema a reply can fail you: Claude may wrap the JSON in a code fence or a
# sentence, a model may stop at `max_tokens` mid-object, a field may come back `null`. Two
# small functions: get the JSON object out of the text, then check it against the schema (a
# subset of JSON Schema: `type`, `enum`, `required`, `properties`, `additionalProperties`,
# `items`; the `jsonschema` package does all of it).

# %%
def parse_json_reply(text):
    """The JSON object in a reply, with or without a ```json fence or words around it."""
    fenced = re.search(r"```(?:json)?\s*(\{.*\})\s*```", text, re.DOTALL)
    candidate = fenced.group(1) if fenced else text[text.find("{"): text.rfind("}") + 1]
    if not candidate:
        raise ValueError(f"no JSON object in the reply: {text[:80]!r}")
    return json.loads(candidate)


JSON_TYPES = {"string": str, "integer": int, "number": (int, float), "boolean": bool,
              "array": list, "object": dict, "null": type(None)}


def validate(value, schema, path="$"):
    """Every way `value` breaks `schema`, as readable strings; [] when it is valid."""
    types = schema.get("type")
    if types:
        allowed = [types] if isinstance(types, str) else types
        is_bool = isinstance(value, bool)  # True is an int in Python, not a number in JSON
        if not any(isinstance(value, JSON_TYPES[t]) and not (is_bool and t in ("integer", "number"))
                   for t in allowed):
            return [f"{path}: expected {' or '.join(allowed)}, got {type(value).__name__}"]
    problems = []
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{path}: {value!r} is not one of {schema['enum']}")
    if isinstance(value, dict):
        properties = schema.get("properties", {})
        problems += [f"{path}.{key}: missing" for key in schema.get("required", []) if key not in value]
        for key, sub in properties.items():
            if key in value:
                problems += validate(value[key], sub, f"{path}.{key}")
        if schema.get("additionalProperties") is False:
            problems += [f"{path}.{key}: not in the schema" for key in value if key not in properties]
    if isinstance(value, list) and "items" in schema:
        for n, item in enumerate(value):
            problems += validate(item, schema["items"], f"{path}[{n}]")
    return problems


# %% tags=["nbval-check-output"]
reply = '```json\n{"title": "Q", "chart_type": "donut", "unit": "$K", "labels": ["Q1"], "values": ["420"]}\n```'
print(validate(parse_json_reply(reply), SCHEMAS["chart"]))

# %% [markdown]
# ## Step 5: the analyser
#
# Classify, extract with the type's schema, parse, validate. If the reply does not validate,
# ask **once more** with the problems listed (a repair prompt); if it still fails, say so
# instead of passing bad data on.

# %%
def analyse(rel, provider, doc_type=None):
    """{'type', 'data', 'problems', 'input_tokens', 'output_tokens'} for one document on one provider."""
    doc_type = doc_type or classify(rel)
    if doc_type not in SCHEMAS:
        return {"type": doc_type, "data": None, "problems": ["unknown document type"],
                "input_tokens": 0, "output_tokens": 0}
    schema, prompt = SCHEMAS[doc_type], EXTRACT
    used_in = used_out = 0
    for _ in range(2):  # the first try, then one repair
        text, tokens_in, tokens_out = ask(provider, rel, prompt, schema)
        used_in, used_out = used_in + tokens_in, used_out + tokens_out
        try:
            data = parse_json_reply(text)
            problems = validate(data, schema)
        except ValueError as error:  # json.JSONDecodeError is a ValueError too
            data, problems = None, [f"not JSON: {error}"]
        if not problems:
            break
        prompt = EXTRACT + "\nYour previous answer had these problems; fix them:\n" + "\n".join(problems)
    return {"type": doc_type, "data": data, "problems": problems,
            "input_tokens": used_in, "output_tokens": used_out}


# %% tags=["nbval-check-output"]
result = analyse("receipts/maple_bean_cafe.png", "gemini", doc_types["receipts/maple_bean_cafe.png"])
data = result["data"]
print("problems:", result["problems"], "|", result["input_tokens"], "tokens in")
print(data["store"], data["date"], data["total"], data["currency"], f"({len(data['items'])} items)")

# %% [markdown]
# ## Step 6: is it right? Compare with the ground truth
#
# Valid is not the same as correct. The course data knows each document's true values; a few
# key fields per type are enough to score an answer.

# %%
def truth_fields(rel, doc_type):
    """The fields we score, from the course data's ground truth."""
    truth = datasets.entry(rel)["truth"]
    if doc_type == "receipt":
        return {"store": truth["store"], "date": truth["date"], "total": truth["total"]}
    if doc_type == "chart":
        return {"chart_type": truth["chart_type"], "labels": truth["labels"], "values": truth["values"]}
    return {"title": truth["title"], "pages": truth["pages"]}


def score(data, expected):
    """How many expected fields the answer got right (numbers within a cent)."""
    right = 0
    for key, want in expected.items():
        got = (data or {}).get(key)
        if isinstance(want, (int, float)) and isinstance(got, (int, float)):
            right += abs(got - want) < 0.01
        else:
            right += got == want
    return right


# %% [markdown]
# Now the whole inbox on all three providers: validity, correctness, tokens and what it cost.

# %% tags=["nbval-check-output"]
rows = []
for rel in INBOX:
    expected = truth_fields(rel, doc_types[rel])
    for provider in ("openai", "anthropic", "gemini"):
        result = analyse(rel, provider, doc_types[rel])
        usd = pricing.cost(MODELS[provider], result["input_tokens"], result["output_tokens"])
        rows.append((rel, provider, result, score(result["data"], expected), len(expected), usd))
        print(f"{rel.split('/')[1]:<26} {provider:<10} {'valid' if not result['problems'] else 'INVALID':<8}"
              f"{score(result['data'], expected)}/{len(expected)} right  {result['input_tokens']:>5} tokens in  "
              f"{approx_usd(usd)}")

# %% [markdown]
# **Predict the output.** Offline every provider scores full marks (the emulator knows the
# truth). So which provider is cheapest for this inbox, and is the order the same as lesson
# 12's price table?

# %% tags=["nbval-check-output"]
for provider in ("openai", "anthropic", "gemini"):
    total = sum((usd for _, p, _, _, _, usd in rows if p == provider), Decimal(0))
    right = sum(r for _, p, _, r, _, _ in rows if p == provider)
    out_of = sum(n for _, p, _, _, n, _ in rows if p == provider)
    print(f"{provider:<10} {MODELS[provider]:<20} {right}/{out_of} fields right, "
          f"{approx_usd(total)} for the inbox, {pricing.format_usd(total * 2000)} per 10,000 documents")

# %% [markdown]
# Live, this table is the point of the capstone: run it with your keys and you have a
# measured answer to "which model should read our documents?", in accuracy and in dollars.
#
# ## Step 7: fall back when a provider fails
#
# Production code tries the cheapest good provider first and moves on when it is rate-limited
# or down (lesson 11): retryable statuses only; a 400 means our request is wrong and stays an
# error. **Emulator-only:** Gemini answers the next request with 503.

# %%
def analyse_with_fallback(rel, order=("gemini", "openai", "anthropic")):
    """analyse() on the first provider that answers; retryable failures move to the next."""
    doc_type, tried = None, []
    for provider in order:
        try:
            doc_type = doc_type or classify(rel, provider)
            return provider, tried, analyse(rel, provider, doc_type)
        except requests.HTTPError as error:
            status = error.response.status_code
            if status not in (408, 409, 429, 500, 502, 503, 504, 529):
                raise
            tried.append(f"{provider}: {status}")
    raise RuntimeError(f"every provider failed for {rel}: {tried}")


# %% tags=["nbval-check-output"]
from mmcourse.emulator.control import EmulatorControl

if GEMINI.offline:
    EmulatorControl(GEMINI.base_url).inject_fault("gemini", 503, count=1)
provider, tried, result = analyse_with_fallback("documents/invoice.pdf")
print("failed:", tried)
print("answered by", provider, "->", result["data"]["title"], "|", result["problems"] or "valid")

# %% [markdown] mmcourse={"exercise": "ex-receipt-checks", "role": "instructions", "title": "Checks a schema cannot make", "points": 4, "difficulty": "medium"}
# ### Exercise: checks a schema cannot make
#
# A receipt can match the schema and still be wrong: a misread digit breaks its arithmetic.
# Write `receipt_problems(data)` returning a list of problems (strings, any wording), empty when
# the receipt adds up. Check, allowing 0.01 for rounding:
#
# 1. each item's `total` equals `quantity × unit_price`;
# 2. the item totals add up to `subtotal`;
# 3. `subtotal + tax` equals `total`;
# 4. `date` is a real calendar date written `YYYY-MM-DD`.
#
# `data` is a dict that already passed `validate(data, SCHEMAS["receipt"])`.

# %% [markdown] mmcourse={"exercise": "ex-receipt-checks", "role": "hint"}
# `abs(a - b) > 0.01` means "different". For the date, `datetime.date.fromisoformat(text)` raises
# `ValueError` for `2025-02-30`; also check the shape with `re.fullmatch(r"\d{4}-\d{2}-\d{2}", text)`.

# %% mmcourse={"exercise": "ex-receipt-checks", "role": "solution"}
import datetime


def receipt_problems(data):
    ### BEGIN SOLUTION
    problems = []
    for n, item in enumerate(data["items"]):
        if abs(item["quantity"] * item["unit_price"] - item["total"]) > 0.01:
            problems.append(f"item {n} ({item['name']}): {item['quantity']} x {item['unit_price']} != {item['total']}")
    items_sum = sum(item["total"] for item in data["items"])
    if abs(items_sum - data["subtotal"]) > 0.01:
        problems.append(f"items add up to {items_sum:.2f}, not the subtotal {data['subtotal']}")
    if abs(data["subtotal"] + data["tax"] - data["total"]) > 0.01:
        problems.append(f"subtotal {data['subtotal']} + tax {data['tax']} != total {data['total']}")
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", data["date"]):
            raise ValueError
        datetime.date.fromisoformat(data["date"])
    except ValueError:
        problems.append(f"date {data['date']!r} is not a real YYYY-MM-DD date")
    return problems
    ### END SOLUTION
    ### BEGIN STARTER
    # # Four checks; append a message to `problems` for each one that fails.
    # raise NotImplementedError("ex-receipt-checks: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-receipt-checks", "role": "visible-tests"}
import copy


def _true_receipt():
    return copy.deepcopy(datasets.entry("receipts/maple_bean_cafe.png")["truth"])


def test_the_true_receipt_adds_up():
    expect(receipt_problems(_true_receipt()), [], what="problems in a correct receipt")


def test_a_misread_total_is_caught():
    receipt = _true_receipt()
    receipt["total"] = 31.12  # the OCR read 3 as 1
    assert len(receipt_problems(receipt)) >= 1, "a total that is not subtotal + tax must be reported"


def test_an_impossible_date_is_caught():
    receipt = _true_receipt()
    receipt["date"] = "2025-02-30"
    assert len(receipt_problems(receipt)) == 1, "2025-02-30 is not a real date (and nothing else is wrong)"

# %% mmcourse={"exercise": "ex-receipt-checks", "role": "hidden-tests"}
import copy as _copy

from mmcourse import datasets as _ds
from mmcourse.grading import expect


def _receipts():
    return [_copy.deepcopy(e["truth"]) for e in _ds.entries("receipt")]


def test_every_course_receipt_adds_up():
    for truth in _receipts():
        expect(receipt_problems(truth), [], what=f"problems in the true receipt of {truth['store']}")


def test_each_kind_of_damage_is_caught_alone(rng):
    for truth in _receipts():
        damaged = _copy.deepcopy(truth)
        n = rng.randrange(len(damaged["items"]))
        damaged["items"][n]["unit_price"] = round(damaged["items"][n]["unit_price"] + rng.choice([1, 2, 5]), 2)
        assert len(receipt_problems(damaged)) >= 1, "an item whose unit price does not match its total"
        damaged = _copy.deepcopy(truth)
        damaged["subtotal"] = round(damaged["subtotal"] + rng.choice([-3, 1, 10]), 2)
        assert len(receipt_problems(damaged)) >= 1, "a subtotal that is not the sum of the items"
        damaged = _copy.deepcopy(truth)
        damaged["tax"] = round(damaged["tax"] + 0.5, 2)
        assert len(receipt_problems(damaged)) == 1, "only subtotal + tax != total should be reported"
        damaged = _copy.deepcopy(truth)
        damaged["date"] = rng.choice(["2025-13-01", "02/06/2025", "2025-6-2", "2024-02-30", "yesterday"])
        assert len(receipt_problems(damaged)) == 1, f"date {damaged['date']!r} should be the one problem"


def test_rounding_within_a_cent_is_fine():
    for truth in _receipts():
        nudged = _copy.deepcopy(truth)
        nudged["total"] = round(nudged["total"] + 0.004, 3)
        expect(receipt_problems(nudged), [], what="a total off by less than a cent")

# %% [markdown] mmcourse={"exercise": "ex-chart-gemini", "role": "instructions", "title": "Structured chart data from Gemini", "points": 4, "difficulty": "medium"}
# ### Exercise: structured chart data from Gemini
#
# Write `chart_data_from_gemini(rel)`: send the chart image `rel` (a course file) to Gemini
# with **Gemini's structured output**: `generationConfig.responseMimeType` set to
# `"application/json"` and `responseJsonSchema` set to `SCHEMAS["chart"]`. Parse the reply,
# validate it with `validate(...)`, and return the dict; raise `ValueError` listing the
# problems if it is not valid. Write the request yourself with `requests` (not `ask` above).
# The check reads what reached the emulator.

# %% [markdown] mmcourse={"exercise": "ex-chart-gemini", "role": "hint"}
# The body: `{"contents": [{"role": "user", "parts": [{"inline_data": {...}}, {"text": ...}]}],
# "generationConfig": {...}}`, posted to `.../v1beta/models/{model}:generateContent` with the
# `x-goog-api-key` header. The text is at `candidates[0].content.parts[0].text`.

# %% mmcourse={"exercise": "ex-chart-gemini", "role": "solution"}
def chart_data_from_gemini(rel):
    ### BEGIN SOLUTION
    data = datasets.path(rel).read_bytes()
    body = {
        "contents": [{"role": "user", "parts": [
            {"inline_data": {"mime_type": mmcourse.sniff_mime(data), "data": base64.b64encode(data).decode("ascii")}},
            {"text": EXTRACT},
        ]}],
        "generationConfig": {"responseMimeType": "application/json", "responseJsonSchema": SCHEMAS["chart"]},
    }
    response = requests.post(f"{GEMINI.base_url}/v1beta/models/{MODELS['gemini']}:generateContent",
                             headers={"x-goog-api-key": GEMINI.api_key}, json=body, timeout=120)
    response.raise_for_status()
    result = parse_json_reply(response.json()["candidates"][0]["content"]["parts"][0]["text"])
    problems = validate(result, SCHEMAS["chart"])
    if problems:
        raise ValueError("; ".join(problems))
    return result
    ### END SOLUTION
    ### BEGIN STARTER
    # # Build the body with generationConfig, post it, parse, validate, return.
    # raise NotImplementedError("ex-chart-gemini: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-chart-gemini", "role": "visible-tests"}
from mmcourse.grading import last_request


def test_the_request_asks_for_json_with_the_schema():
    result = chart_data_from_gemini("charts/quarterly_revenue.png")
    record = last_request("gemini")
    assert record is not None and record["verdict"] == "accepted", f"the emulator refused it: {record and record['error']}"
    config = record["request"].get("generationConfig") or record["request"].get("generation_config") or {}
    expect(config.get("responseMimeType") or config.get("response_mime_type"), "application/json",
           what="responseMimeType")
    expect(config.get("responseJsonSchema") or config.get("response_json_schema"), SCHEMAS["chart"],
           what="responseJsonSchema")
    expect(record["media"][0]["sha256"], datasets.entry("charts/quarterly_revenue.png")["sha256"], what="the image sent")
    want = datasets.entry("charts/quarterly_revenue.png")["truth"]["values"]
    expect(len(result["values"]), len(want), what="number of values")
    for got, true in zip(result["values"], want):
        assert abs(got - true) <= 0.02 * abs(true), f"a value read as {got} is truly {true} (2 % allowed)"

# %% mmcourse={"exercise": "ex-chart-gemini", "role": "hidden-tests"}
from mmcourse import datasets as _ds
from mmcourse.grading import expect, last_request


def test_any_course_chart(rng):
    charts = [e["path"] for e in _ds.entries("chart")]
    for rel in rng.sample(charts, 2):
        result = chart_data_from_gemini(rel)
        record = last_request("gemini")
        assert record["verdict"] == "accepted", f"the emulator refused the request for {rel}: {record['error']}"
        config = record["request"].get("generationConfig") or record["request"].get("generation_config") or {}
        schema = config.get("responseJsonSchema") or config.get("response_json_schema")
        assert schema is not None, "no responseJsonSchema in generationConfig"
        expect(record["media"][0]["sha256"], _ds.entry(rel)["sha256"], what=f"the image sent for {rel}")
        truth = _ds.entry(rel)["truth"]
        expect(result["labels"], truth["labels"], what=f"labels of {rel}")
        expect(result["chart_type"], truth["chart_type"], what=f"chart_type of {rel}")
        assert set(result) == {"title", "chart_type", "unit", "labels", "values"}, "return exactly the schema's fields"


_FAKE_DONUT_REPLY = """
import requests

class _Fake:
    status_code = 200
    ok = True

    def raise_for_status(self):
        return None

    def json(self):
        text = '{"title": "x", "chart_type": "donut", "unit": "", "labels": [], "values": []}'
        return {"candidates": [{"content": {"parts": [{"text": text}], "role": "model"}}]}

requests._mmcourse_saved_post = requests.post
requests.post = lambda *args, **kwargs: _Fake()
"""
_RESTORE_POST = "import requests\nrequests.post = requests._mmcourse_saved_post"


def test_invalid_replies_raise():
    from mmcourse.grading import run_in_sandbox

    run_in_sandbox(_FAKE_DONUT_REPLY)  # the learner's code runs in the grader's sandbox: patch it there
    try:
        chart_data_from_gemini("charts/quarterly_revenue.png")
    except ValueError:
        return
    finally:
        run_in_sandbox(_RESTORE_POST)
    raise AssertionError("a reply with chart_type 'donut' is not valid: raise ValueError")

# %% [markdown]
# ## What you built
#
# - One request builder and one answer reader for three wire formats, images and PDFs alike.
# - Cheap classification first, then a schema per document type, with each provider's
#   structured-output mechanism (or the schema in the prompt for Claude).
# - Parse, validate, repair once, and check what a schema cannot (the receipt arithmetic).
# - Correctness against ground truth, tokens and dollars per provider, and a fallback for
#   outages.
#
# Where to go next: run the comparison table live with your keys; add a document type (the
# dashboards of lesson 10) with its own schema; route by type with `mmcourse.routing`.
