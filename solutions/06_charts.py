# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 06 · Charts: from pixels back to numbers
#
# A chart is numbers turned into a picture. Asking a model to turn it back is useful (reports,
# screenshots, scanned slides) and easy to get subtly wrong, so here you measure how right the
# answer is.
#
# **Objectives**
# - Draw a chart with matplotlib straight into PNG bytes, ready to send.
# - Ask for the trend and for the exact values, and see why prose is hard to check.
# - Demand JSON with each provider's switch (OpenAI `response_format`, Gemini `responseMimeType`;
#   Claude takes a full JSON Schema or the prompt) and parse what comes back, code fences and all.
# - Check the numbers against the true values and say which ones are wrong.
#
# **Estimated time: 30 min**
#
# **Exercises:** 3 (1 easy, 2 medium).
#
# **You need:** lesson 05 (`mmcourse.ask`). No API key: offline answers come from the
# emulator, which recognises the course's charts and answers from their recorded values (it is
# not a model and cannot read a chart it does not know).

# %%
import mmcourse

conf = mmcourse.setup()

# %%
import base64
import io
import json
import re

import matplotlib

matplotlib.use("Agg")  # draw to bytes, never to a window
import matplotlib.pyplot as plt
import requests

from mmcourse import datasets, registry
from mmcourse.display import show_image

# %% [markdown]
# ## The numbers, then the picture
#
# The course data records the true values behind each of its charts. Start from the
# quarterly revenue numbers:

# %% tags=["nbval-check-output"]
truth = datasets.entry("charts/quarterly_revenue.png")["truth"]
print(truth["title"], "|", truth["y_label"])
print(dict(zip(truth["labels"], truth["values"])))

# %% [markdown]
# Draw them as a bar chart. `fig.savefig` writes into a `BytesIO` buffer instead of a file, so
# the PNG bytes go straight into a request. 8 x 5 inches at 100 dpi gives 800 x 500 pixels: big
# enough for the labels to be legible, small enough to cost few image tokens.

# %%
def bar_chart_png(labels, values, title, y_label):
    fig, ax = plt.subplots(figsize=(8, 5), dpi=100)
    bars = ax.bar(labels, values, color="#1f5f99")
    ax.bar_label(bars, padding=3)  # the value on each bar: a reader (or a model) needs no guessing
    ax.set_title(title)
    ax.set_ylabel(y_label)
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    plt.close(fig)  # free it, and keep the notebook from drawing it full size
    return buffer.getvalue()


# %% tags=["nbval-check-output"]
png = bar_chart_png(truth["labels"], truth["values"], truth["title"], truth["y_label"])
print(mmcourse.sniff_mime(png), f"{len(png):,} bytes")
show_image(png)

# %% [markdown]
# ## Ask for the trend
#
# Raw Gemini request, as in lesson 04, with the PNG inline:

# %%
def gemini_chart(prompt, png, generation_config=None):
    cfg = conf["gemini"]
    url = f"{cfg.base_url}/v1beta/models/{registry.default_model('gemini')}:generateContent"
    body = {"contents": [{"role": "user", "parts": [
        {"text": prompt},
        {"inline_data": {"mime_type": "image/png", "data": base64.b64encode(png).decode("ascii")}},
    ]}]}
    if generation_config:
        body["generationConfig"] = generation_config
    response = requests.post(url, headers={"x-goog-api-key": cfg.api_key}, json=body, timeout=60)
    response.raise_for_status()
    return response.json()["candidates"][0]["content"]["parts"][0]["text"]


# %% tags=["nbval-check-output"]
print(gemini_chart("Describe the trend in this chart in one sentence.", png))

# %% [markdown]
# The emulator recognised your chart: it was drawn from the same numbers as the course's
# chart, so its perceptual hash is nearly the same. Now ask for the exact values:

# %% tags=["nbval-check-output"]
print(gemini_chart("Read the exact value of every bar.", png))

# %% [markdown]
# A person can read that. A program has to guess: is `Q1: 420` thousands? Is the unit
# before or after? Would another model write "\$420K", "420,000" or "about 420"? Prose answers
# cannot be checked reliably. Ask for JSON instead.
#
# ## Demand JSON
#
# Two things make JSON dependable: a prompt that shows the exact shape, and the provider's
# JSON switch where there is one.
#
# | provider | JSON switch | what it guarantees |
# |---|---|---|
# | OpenAI | `"response_format": {"type": "json_object"}` (the messages must mention "JSON") or `{"type": "json_schema", ...}` | valid JSON; with a schema, that shape |
# | Gemini | `"generationConfig": {"responseMimeType": "application/json"}` (optionally a schema) | valid JSON |
# | Claude | no schema-less switch; with a JSON Schema, `"output_config": {"format": {"type": "json_schema", "schema": ...}}` (structured outputs, 2026: lessons 07 and 14); without one, say it in the prompt | with a schema, that shape; from the prompt alone, nothing: parse defensively |

# %%
CHART_PROMPT = (
    "Read this chart. Reply with JSON only, in this shape: "
    '{"title": string, "unit": string, "data": [{"label": string, "value": number}]}'
)

# %% tags=["nbval-check-output"]
text = gemini_chart(CHART_PROMPT, png, {"responseMimeType": "application/json"})
reading = json.loads(text)
print(reading["title"], "|", reading["unit"])
print(reading["data"])

# %% [markdown]
# **Predict the output.** Live models asked for JSON in the prompt alone (Claude without a
# schema, for one) like to wrap it in a Markdown code fence. What does `json.loads` do with this answer?

# %%
fenced = 'Here is the data:\n```json\n{"title": "Quarterly revenue 2025", "data": []}\n```'

# %% tags=["nbval-check-output"]
try:
    json.loads(fenced)
except json.JSONDecodeError as error:
    print("JSONDecodeError:", error)

# %% [markdown]
# It fails on the very first character. Exercise 2 below writes the parser that copes.
#
# ## Check the numbers
#
# Turn the reading into `{label: value}` and compare with the truth. Relative error
# (`|got - want| / |want|`) puts a \$5K slip on a \$420K bar and on a \$4.2M bar on one scale.

# %% tags=["nbval-check-output"]
got = {point["label"]: point["value"] for point in reading["data"]}
for label, want in zip(truth["labels"], truth["values"]):
    value = got.get(label)
    error = abs(value - want) / abs(want) if value is not None else None
    print(f"{label}: got {value}, true {want}, relative error {error:.1%}" if error is not None
          else f"{label}: missing")

# %% [markdown]
# The same check works on any provider's answer. `mmcourse.ask(..., json=True)` sets each
# provider's JSON switch for you (lesson 05); here on the line chart from the course data, which
# has two series:

# %%
line_chart = datasets.path("charts/monthly_active_users.png")
show_image(line_chart, max_edge=320)

# %% tags=["nbval-check-output"]
line_truth = datasets.entry("charts/monthly_active_users.png")["truth"]
answer = mmcourse.ask("openai", CHART_PROMPT, line_chart, json=True)
points = json.loads(answer.text)["data"]
print(len(points), "points, first three:", points[:3])
print("matches the main series:", [p["value"] for p in points] == line_truth["values"])

# %% [markdown]
# **Predict the output.** Now a chart the course has never seen: the same code, invented
# numbers. What does the offline emulator answer? What would a live model answer?

# %% tags=["nbval-check-output"]
invented = bar_chart_png(["North", "South"], [13, 71], "Invented numbers", "Units")
print(gemini_chart("Read the exact value of every bar.", invented))

# %% [markdown]
# The emulator says honestly that it does not know this picture and reports only what it can
# measure; a live model would read 13 and 71 off the bars (and the checks above would tell you
# whether it did). That is why the course's exercises use charts with recorded values.
#
# ## Exercises

# %% [markdown] mmcourse={"exercise": "ex-chart-json", "role": "instructions", "title": "JSON from every provider", "points": 3, "difficulty": "medium"}
# ### Exercise 1: JSON from every provider
# Write `chart_json(provider, png)` that sends the chart (PNG bytes) with `CHART_PROMPT` to
# `"openai"`, `"anthropic"` or `"gemini"` in raw `requests`, **turns on the provider's JSON
# switch** where it has one (OpenAI `response_format` `json_object`; Gemini
# `generationConfig.responseMimeType`), and returns the parsed JSON (a dict). Claude has no
# schema-less switch (its structured outputs take a whole JSON Schema: lessons 07 and 14), so
# here it gets the prompt alone: its answer may wrap the JSON in a fence or a sentence, so take
# the JSON out of the text (from the first `{` to the last `}` is enough here). Use each provider's default model. The
# check looks at what the emulator received.

# %% [markdown] mmcourse={"exercise": "ex-chart-json", "role": "hint"}
# Reuse lesson 05's shapes: OpenAI `{"type": "image_url", "image_url": {"url": "data:image/png;base64,..."}}`,
# Claude `{"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": ...}}`,
# Gemini `{"inline_data": {"mime_type": "image/png", "data": ...}}`. `gemini_chart` above already does Gemini.

# %% [markdown] mmcourse={"exercise": "ex-chart-json", "role": "hint"}
# OpenAI: `body["response_format"] = {"type": "json_object"}` (the prompt contains "JSON", as
# OpenAI requires). Claude: `max_tokens` is required and the text is at `content[0].text`.

# %% mmcourse={"exercise": "ex-chart-json", "role": "solution"}
def chart_json(provider, png):
    ### BEGIN SOLUTION
    b64 = base64.b64encode(png).decode("ascii")
    cfg = conf[provider]
    model = registry.default_model(provider)
    if provider == "gemini":
        return json.loads(gemini_chart(CHART_PROMPT, png, {"responseMimeType": "application/json"}))
    if provider == "openai":
        body = {"model": model, "response_format": {"type": "json_object"}, "messages": [{"role": "user", "content": [
            {"type": "text", "text": CHART_PROMPT},
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{b64}"}}]}]}
        response = requests.post(f"{cfg.base_url}/chat/completions", json=body, timeout=60,
                                 headers={"Authorization": f"Bearer {cfg.api_key}"})
        response.raise_for_status()
        return json.loads(response.json()["choices"][0]["message"]["content"])
    body = {"model": model, "max_tokens": 1024, "messages": [{"role": "user", "content": [
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": b64}},
        {"type": "text", "text": CHART_PROMPT}]}]}
    response = requests.post(f"{cfg.base_url}/v1/messages", json=body, timeout=60,
                             headers={"x-api-key": cfg.api_key, "anthropic-version": "2023-06-01"})
    response.raise_for_status()
    text = response.json()["content"][0]["text"]  # no schema sent, so it may fence the JSON
    return json.loads(text[text.find("{"):text.rfind("}") + 1])  # exercise 2 does this properly
    ### END SOLUTION
    ### BEGIN STARTER
    # # Build each provider's request with the image and CHART_PROMPT, add its JSON switch,
    # # send it, and json.loads the answer text.
    # raise NotImplementedError("ex-chart-json: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-chart-json", "role": "visible-tests"}
from mmcourse.grading import last_request


def test_every_provider_returns_the_true_values():
    for provider in ("openai", "anthropic", "gemini"):
        reading = chart_json(provider, png)
        assert isinstance(reading, dict), f"{provider}: return the parsed JSON (a dict)"
        got = {point["label"]: point["value"] for point in reading["data"]}
        for label, want in zip(truth["labels"], truth["values"]):
            assert isinstance(got.get(label), (int, float)), f"{provider}: no number for {label}"
            assert abs(got[label] - want) <= 0.02 * abs(want), f"{provider}: {label} is {got[label]}, truly {want}"


def test_the_json_switches_reached_the_server():
    chart_json("openai", png)
    record = last_request("openai")
    assert record["verdict"] == "accepted", record["error"]
    assert (record["request"].get("response_format") or {}).get("type") == "json_object", \
        'OpenAI: send "response_format": {"type": "json_object"}'
    chart_json("gemini", png)
    config = last_request("gemini")["request"].get("generationConfig") or {}
    mime = config.get("responseMimeType") or config.get("response_mime_type")
    assert mime == "application/json", 'Gemini: send generationConfig.responseMimeType = "application/json"'

# %% mmcourse={"exercise": "ex-chart-json", "role": "hidden-tests"}
import hashlib

from mmcourse import datasets
from mmcourse.grading import expect, last_request


def test_a_course_chart_from_disk(rng):
    rel = rng.choice(["charts/monthly_active_users.png", "charts/regional_sales.png"])
    data = datasets.path(rel).read_bytes()
    want = datasets.entry(rel)["truth"]["values"]
    for provider in ("openai", "anthropic", "gemini"):
        reading = chart_json(provider, data)
        expect([point["value"] for point in reading["data"]], want, what=f"{provider} values for {rel}")
        record = last_request(provider)
        assert [m["sha256"] for m in record["media"]] == [hashlib.sha256(data).hexdigest()], \
            f"{provider}: send the PNG you were given, unchanged"

# %% [markdown] mmcourse={"exercise": "ex-parse-json", "role": "instructions", "title": "Parse JSON the way models write it", "points": 2, "difficulty": "medium"}
# ### Exercise 2: parse JSON the way models write it
# Write `parse_json_answer(text)` that returns the JSON value in a model's answer:
#
# - plain JSON: parse it;
# - JSON inside a Markdown fence (```` ```json ... ``` ```` or ```` ``` ... ``` ````), possibly with
#   prose before or after: parse what is inside the fence;
# - otherwise, the text from the first `{` to the last `}`;
# - raise `ValueError` (with a message) when there is no JSON to find.

# %% [markdown] mmcourse={"exercise": "ex-parse-json", "role": "hint"}
# `re.search(r"```(?:json)?\s*(.*?)```", text, re.DOTALL)` finds the inside of a fence.

# %% [markdown] mmcourse={"exercise": "ex-parse-json", "role": "hint"}
# `text.find("{")` and `text.rfind("}")` bracket the object; `json.JSONDecodeError` is a
# subclass of `ValueError`, so a failed `json.loads` already raises the right type.

# %% mmcourse={"exercise": "ex-parse-json", "role": "solution"}
def parse_json_answer(text):
    ### BEGIN SOLUTION
    text = text.strip()
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        pass
    fence = re.search(r"```(?:json)?\s*(.*?)```", text, re.DOTALL | re.IGNORECASE)
    if fence:
        return json.loads(fence.group(1))
    start, end = text.find("{"), text.rfind("}")
    if start == -1 or end < start:
        raise ValueError(f"no JSON object in the answer: {text[:80]!r}")
    return json.loads(text[start:end + 1])
    ### END SOLUTION
    ### BEGIN STARTER
    # # Try json.loads; then a ``` fence; then the outermost {...}; else raise ValueError.
    # raise NotImplementedError("ex-parse-json: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-parse-json", "role": "visible-tests"}
def test_plain_json():
    expect(parse_json_answer('{"a": 1}'), {"a": 1})


def test_fenced_json_with_prose():
    expect(parse_json_answer(fenced), {"title": "Quarterly revenue 2025", "data": []})


def test_object_inside_prose():
    expect(parse_json_answer('Sure! {"q1": 420} Hope that helps.'), {"q1": 420})


def test_no_json_raises_value_error():
    try:
        parse_json_answer("I cannot read this chart.")
    except ValueError:
        return
    raise AssertionError("parse_json_answer should raise ValueError when there is no JSON")

# %% mmcourse={"exercise": "ex-parse-json", "role": "hidden-tests"}
import json

from mmcourse.grading import expect


def test_random_objects_in_every_wrapping(rng):
    for _ in range(10):
        obj = {f"k{i}": rng.choice([rng.randint(-999, 999), round(rng.uniform(0, 99), 2), "x{y}", None])
               for i in range(rng.randint(1, 5))}
        raw = json.dumps(obj, indent=rng.choice([None, 2]))
        for wrapped in (raw, f"```json\n{raw}\n```", f"Answer:\n```\n{raw}\n```\nDone.", f"Here: {raw}"):
            expect(parse_json_answer(wrapped), obj, what=repr(wrapped[:40]))


def test_a_list_in_a_fence():
    expect(parse_json_answer("```json\n[1, 2, 3]\n```"), [1, 2, 3])


def test_broken_json_raises_value_error():
    try:
        parse_json_answer("{not json}")
    except ValueError:
        return
    raise AssertionError("broken JSON should raise ValueError")

# %% [markdown] mmcourse={"exercise": "ex-check-values", "role": "instructions", "title": "Which values are wrong?", "points": 2, "difficulty": "easy"}
# ### Exercise 3: which values are wrong?
# Write `wrong_values(reading, labels, values, rel_tol=0.02)` where `reading` is a dict
# `{label: number}` read from a chart and `labels`/`values` are the truth. Return the list of
# labels (in the truth's order) whose value is missing from `reading`, is not a number, or is
# off by more than `rel_tol` relative to the true value (for a true value of 0, any non-zero
# reading is wrong). An empty list means the reading is right.

# %% [markdown] mmcourse={"exercise": "ex-check-values", "role": "hint"}
# `isinstance(v, (int, float)) and not isinstance(v, bool)` tests for a number;
# `abs(got - want) > rel_tol * abs(want)` tests the error.

# %% mmcourse={"exercise": "ex-check-values", "role": "solution"}
def wrong_values(reading, labels, values, rel_tol=0.02):
    ### BEGIN SOLUTION
    wrong = []
    for label, want in zip(labels, values):
        got = reading.get(label)
        if not isinstance(got, (int, float)) or isinstance(got, bool):
            wrong.append(label)
        elif abs(got - want) > rel_tol * abs(want):
            wrong.append(label)
    return wrong
    ### END SOLUTION
    ### BEGIN STARTER
    # raise NotImplementedError("ex-check-values: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-check-values", "role": "visible-tests"}
def test_a_perfect_reading():
    expect(wrong_values({"Q1": 420, "Q2": 510, "Q3": 480, "Q4": 620}, truth["labels"], truth["values"]), [])


def test_missing_misread_and_text_values():
    reading = {"Q1": 420, "Q2": 560, "Q4": "620"}
    expect(wrong_values(reading, truth["labels"], truth["values"]), ["Q2", "Q3", "Q4"])


def test_small_errors_within_tolerance_pass():
    expect(wrong_values({"Q1": 425, "Q2": 505, "Q3": 480, "Q4": 620}, truth["labels"], truth["values"]), [])

# %% mmcourse={"exercise": "ex-check-values", "role": "hidden-tests"}
from mmcourse.grading import expect


def test_random_readings(rng):
    for _ in range(20):
        labels = [f"L{i}" for i in range(rng.randint(1, 8))]
        values = [rng.choice([0, rng.randint(1, 1000), round(rng.uniform(0.1, 50), 1)]) for _ in labels]
        reading, want = {}, []
        for label, value in zip(labels, values):
            kind = rng.choice(["exact", "close", "far", "missing", "text"])
            if kind == "exact":
                reading[label] = value
            elif kind == "close" and value:
                reading[label] = value * (1 + rng.uniform(-0.009, 0.009))
            elif kind == "far":
                reading[label] = value + max(1, abs(value)) * rng.choice([-0.5, 0.3, 2])
                want.append(label)
            elif kind == "text":
                reading[label] = str(value)
                want.append(label)
            else:
                want.append(label)
        expect(wrong_values(reading, labels, values, rel_tol=0.01), want, what=f"{reading} vs {values}")
