# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 18 · Appendix: the same calls through the official SDKs
#
# You wrote every request of this course by hand with `requests`. In a project you will often
# use the providers' own Python packages (`openai`, `anthropic`, `google-genai`) instead. This
# appendix sends one image request both ways to each provider and reads, in the emulator's
# request log, exactly what each SDK put on the wire.
#
# **Objectives**
# - Point each official SDK at a base URL and a key (the emulator now, the real host later).
# - Show from the request log that an SDK sends the request you wrote by hand.
# - Spot what an SDK changes on the way: paths, key spelling, base64 alphabet, headers.
#
# **Estimated time: 25 min**
#
# **Exercises:** 2 (1 easy, 1 medium).
#
# **You need:** lessons 02 to 05, and the SDKs: `python -m pip install -c .ci/constraints.txt
# -e ".[sdk]"` from the top of the course (the test install already has them).

# %%
import mmcourse

conf = mmcourse.setup()

# %% [markdown]
# The three SDKs, if they are installed:

# %% tags=["nbval-check-output"]
import importlib.util

for package in ("openai", "anthropic", "google.genai"):
    found = importlib.util.find_spec(package.split(".")[0]) is not None
    print(f"{package:<13} {'installed' if found else 'missing: pip install -e .[sdk]'}")

# %% [markdown]
# ## One request, written by hand
#
# Lesson 02's request: a photo and a question to OpenAI Chat Completions.

# %%
import base64

import requests

from mmcourse import datasets, registry
from mmcourse.grading import last_request, offline_config

# The request log is the emulator's, so this appendix sends to the emulator even when you have
# keys. To call the real hosts, use conf["openai"] (and so on) instead: the code is the same.
OPENAI, ANTHROPIC, GEMINI = (offline_config(p) for p in ("openai", "anthropic", "gemini"))
MODELS = {provider: registry.default_model(provider) for provider in ("openai", "anthropic", "gemini")}
PHOTO = datasets.path("photos/chelsea.jpg").read_bytes()
B64 = base64.b64encode(PHOTO).decode("ascii")
QUESTION = "What animal is in the photo?"

messages = [{"role": "user", "content": [
    {"type": "text", "text": QUESTION},
    {"type": "image_url", "image_url": {"url": f"data:image/jpeg;base64,{B64}"}},
]}]
by_hand = requests.post(f"{OPENAI.base_url}/chat/completions",
                        headers={"Authorization": f"Bearer {OPENAI.api_key}"},
                        json={"model": MODELS["openai"], "messages": messages, "max_completion_tokens": 300},
                        timeout=60)
print(by_hand.json()["choices"][0]["message"]["content"])
hand_record = last_request("openai")

# %% [markdown]
# ## The same request through `openai`
#
# The SDK takes the same two settings you used: the base URL (with `/v1`) and the key. With
# `conf["openai"]` in live mode (the real host and your key) this cell works unchanged.
#
# **Predict:** will the JSON body the emulator receives be the same as the one above?

# %%
import openai

client = openai.OpenAI(base_url=OPENAI.base_url, api_key=OPENAI.api_key)
reply = client.chat.completions.create(model=MODELS["openai"], messages=messages, max_completion_tokens=300)
print(reply.choices[0].message.content)
sdk_record = last_request("openai")

# %% tags=["nbval-check-output"]
print("same body:", sdk_record["request"] == hand_record["request"])
print("same image bytes:", [m["sha256"] for m in sdk_record["media"]] == [m["sha256"] for m in hand_record["media"]])
print("user-agent by hand:", hand_record["headers"]["user-agent"].split("/")[0])
print("user-agent by SDK: ", sdk_record["headers"]["user-agent"].split(" ")[0])

# %% [markdown]
# The same body, byte for byte. What the SDK adds is around it: its own `user-agent`, an
# `x-stainless-retry-count` header, automatic retries (2 by default, honouring `retry-after`),
# and typed objects (`reply.choices[0].message.content` instead of `["choices"][0]...`).

# %% [markdown]
# ## Anthropic
#
# `anthropic.Anthropic` takes the bare origin (the SDK adds `/v1/messages`) and sends
# `x-api-key` and `anthropic-version` for you.

# %%
import anthropic

claude_content = [
    {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": B64}},
    {"type": "text", "text": QUESTION},
]
requests.post(f"{ANTHROPIC.base_url}/v1/messages",
              headers={"x-api-key": ANTHROPIC.api_key, "anthropic-version": "2023-06-01"},
              json={"model": MODELS["anthropic"], "max_tokens": 300,
                    "messages": [{"role": "user", "content": claude_content}]},
              timeout=60).raise_for_status()
hand_record = last_request("anthropic")

claude = anthropic.Anthropic(base_url=ANTHROPIC.base_url, api_key=ANTHROPIC.api_key)
message = claude.messages.create(model=MODELS["anthropic"], max_tokens=300,
                                 messages=[{"role": "user", "content": claude_content}])
print(message.content[0].text)
sdk_record = last_request("anthropic")

# %% tags=["nbval-check-output"]
print("same body:", sdk_record["request"] == hand_record["request"])
print("anthropic-version by hand:", hand_record["headers"].get("anthropic-version"))
print("anthropic-version by SDK: ", sdk_record["headers"].get("anthropic-version"))

# %% [markdown]
# The body is yours again; the header is not. Each SDK release sends the API version it was
# written for, where your code sends the one you chose. Pin your SDK version (the course's lock
# does) and a new release cannot change what you send behind your back.
#
# ## Gemini: same request, different spelling
#
# `google-genai` builds the body from its own types (`types.Part.from_bytes`), so here the body
# is the SDK's, not yours. **Predict:** what will differ from lesson 04's hand-written body?

# %%
from google import genai
from google.genai import types

gemini = genai.Client(api_key=GEMINI.api_key, http_options=types.HttpOptions(base_url=GEMINI.base_url))
answer = gemini.models.generate_content(
    model=MODELS["gemini"],
    contents=[types.Part.from_bytes(data=PHOTO, mime_type="image/jpeg"), QUESTION],
    config=types.GenerateContentConfig(max_output_tokens=300),
)
print(answer.text)
sdk_record = last_request("gemini")

# %% tags=["nbval-check-output"]
import json

print(sdk_record["path"])
print(json.dumps(sdk_record["request"], indent=1)[:520])

# %% [markdown]
# Three differences, all legal on Gemini's REST API:
#
# - the path is `/v1/models/...`, the stable API version, where lesson 04 used `/v1beta/`;
# - most keys are **camelCase** (`inlineData`, `generationConfig`, `maxOutputTokens`) where you
#   wrote snake_case (`inline_data`), though this SDK version still writes `mime_type`: the API
#   accepts both spellings of every field, as protobuf JSON does;
# - the image is **URL-safe base64** (`_9j_` where you saw `/9j/`: `-` and `_` instead of `+`
#   and `/`). The same bytes arrived, as the log's hash shows:

# %% tags=["nbval-check-output"]
print(sdk_record["media"][0]["sha256"] == datasets.entry("photos/chelsea.jpg")["sha256"])

# %% [markdown] mmcourse={"exercise": "ex-sdk-openai", "role": "instructions", "title": "Lesson 02 through the SDK", "points": 2, "difficulty": "easy"}
# ### Exercise 1: lesson 02 through the SDK
#
# Write `sdk_ask_openai(base_url, api_key, model, path, question)`: make an `openai.OpenAI`
# client for that base URL and key, send the image at `path` (a data URL with the MIME type
# sniffed from the bytes) and the question, with `max_completion_tokens=300`, and return the
# answer text. The check reads what reached the emulator, including which client sent it.

# %% [markdown] mmcourse={"exercise": "ex-sdk-openai", "role": "hint"}
# `client = openai.OpenAI(base_url=base_url, api_key=api_key)`; build `messages` exactly as in
# lesson 02, then `client.chat.completions.create(model=model, messages=messages,
# max_completion_tokens=300)` and return `.choices[0].message.content`.

# %% mmcourse={"exercise": "ex-sdk-openai", "role": "solution"}
from pathlib import Path


def sdk_ask_openai(base_url, api_key, model, path, question):
    ### BEGIN SOLUTION
    client = openai.OpenAI(base_url=base_url, api_key=api_key)
    data = Path(path).read_bytes()
    url = f"data:{mmcourse.sniff_mime(data)};base64,{base64.b64encode(data).decode('ascii')}"
    reply = client.chat.completions.create(
        model=model, max_completion_tokens=300,
        messages=[{"role": "user", "content": [{"type": "text", "text": question},
                                               {"type": "image_url", "image_url": {"url": url}}]}],
    )
    return reply.choices[0].message.content
    ### END SOLUTION
    ### BEGIN STARTER
    # raise NotImplementedError("ex-sdk-openai: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-sdk-openai", "role": "visible-tests"}
import openai

from mmcourse import datasets, registry


def test_the_sdk_sends_the_photo_and_the_question():
    cfg = offline_config("openai")
    answer = sdk_ask_openai(cfg.base_url, cfg.api_key, registry.default_model("openai"),
                            datasets.path("photos/chelsea.jpg"), "What animal is in the photo?")
    record = last_request("openai")
    assert record is not None and record["headers"]["user-agent"].startswith("OpenAI/Python"), (
        "the request should come from the openai SDK")
    assert record["verdict"] == "accepted", f"the emulator refused the request: {record['error']}"
    expect([m["sha256"] for m in record["media"]], [datasets.entry("photos/chelsea.jpg")["sha256"]],
           what="the image that arrived")
    expect(record["request"].get("max_completion_tokens"), 300, what="max_completion_tokens")
    assert type(answer) is str and "cat" in answer.lower(), f"return the answer text, got {answer!r}"

# %% mmcourse={"exercise": "ex-sdk-openai", "role": "hidden-tests"}
import openai

from mmcourse import datasets


def test_other_photos_and_a_lying_file_name(rng):
    cfg = offline_config("openai")
    items = datasets.entries("photo")
    for _ in range(2):
        item = rng.choice(items)
        question, fact = rng.choice(sorted(item["truth"]["facts"].items()))
        answer = sdk_ask_openai(cfg.base_url, cfg.api_key, "gpt-4o", str(datasets.path(item["path"])), question)
        record = last_request("openai")
        expect([m["sha256"] for m in record["media"]], [item["sha256"]], what="the image that arrived")
        assert fact.lower() in answer.lower(), f"expected {fact!r} in the answer, got {answer!r}"
    sdk_ask_openai(cfg.base_url, cfg.api_key, "gpt-4o", str(datasets.path("errors/screenshot.jpg")), "What is shown?")
    assert "data:image/png;base64," in str(last_request("openai")["request"]), (
        "screenshot.jpg holds PNG bytes: declare image/png")

# %% [markdown] mmcourse={"exercise": "ex-camel-keys", "role": "instructions", "title": "One spelling for two bodies", "points": 3, "difficulty": "medium"}
# ### Exercise 2: one spelling for two bodies
#
# To compare your hand-written Gemini body with the SDK's, first bring both to one spelling.
# Write `camel_keys(value)` that returns a copy of a JSON value (dicts, lists, strings, numbers,
# `True`/`False`/`None`) in which **every dict key** at any depth is written in camelCase:
# `inline_data` → `inlineData`, `max_output_tokens` → `maxOutputTokens`; keys already in
# camelCase stay as they are. Values are never changed (a string value `"snake_case"` stays).

# %% [markdown] mmcourse={"exercise": "ex-camel-keys", "role": "hint"}
# `first, *rest = key.split("_")` then `first + "".join(w[:1].upper() + w[1:] for w in rest)`.
# Recurse into dict values and list items; return other values as they are.

# %% mmcourse={"exercise": "ex-camel-keys", "role": "solution"}
def camel_keys(value):
    ### BEGIN SOLUTION
    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            first, *rest = key.split("_")
            out[first + "".join(w[:1].upper() + w[1:] for w in rest)] = camel_keys(item)
        return out
    if isinstance(value, list):
        return [camel_keys(item) for item in value]
    return value
    ### END SOLUTION
    ### BEGIN STARTER
    # raise NotImplementedError("ex-camel-keys: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-camel-keys", "role": "visible-tests"}
def test_lesson_04_body_becomes_the_sdk_spelling():
    hand = {"contents": [{"role": "user", "parts": [
        {"inline_data": {"mime_type": "image/jpeg", "data": "QUJD"}}, {"text": "What is it?"}]}],
        "generation_config": {"max_output_tokens": 300}}
    expect(camel_keys(hand), {"contents": [{"role": "user", "parts": [
        {"inlineData": {"mimeType": "image/jpeg", "data": "QUJD"}}, {"text": "What is it?"}]}],
        "generationConfig": {"maxOutputTokens": 300}})


def test_values_are_left_alone():
    expect(camel_keys({"a_b": ["snake_case", {"c_d": None}], "eF": True}),
           {"aB": ["snake_case", {"cD": None}], "eF": True})

# %% mmcourse={"exercise": "ex-camel-keys", "role": "hidden-tests"}
import string


def _word(rng):
    return "".join(rng.choice(string.ascii_lowercase) for _ in range(rng.randint(1, 6)))


def _value(rng, depth):
    kind = rng.randrange(6 if depth < 4 else 3)
    if kind == 0:
        return "_".join(_word(rng) for _ in range(rng.randint(1, 3)))
    if kind == 1:
        return rng.choice([None, True, False, rng.randint(-9, 99), rng.random()])
    if kind == 2:
        return []
    if kind in (3, 4):
        return {"_".join(_word(rng) for _ in range(rng.randint(1, 4))): _value(rng, depth + 1)
                for _ in range(rng.randint(1, 4))}
    return [_value(rng, depth + 1) for _ in range(rng.randint(1, 4))]


def _reference(value):
    if isinstance(value, dict):
        return {k.split("_")[0] + "".join(w[:1].upper() + w[1:] for w in k.split("_")[1:]): _reference(v)
                for k, v in value.items()}
    if isinstance(value, list):
        return [_reference(v) for v in value]
    return value


def test_random_nested_bodies(rng):
    for _ in range(8):
        body = {"contents": [_value(rng, 1)], "generation_config": _value(rng, 1)}
        expect(camel_keys(body), _reference(body), what="the camelCase copy")


def test_the_input_is_not_changed(rng):
    body = {"inline_data": {"mime_type": "image/png"}, "parts": [{"file_data": {}}]}
    camel_keys(body)
    expect(body, {"inline_data": {"mime_type": "image/png"}, "parts": [{"file_data": {}}]},
           what="the dict you were given")

# %% [markdown]
# With `camel_keys`, a hand-written body and the SDK's compare equal but for the base64 text,
# whose bytes the log's hashes compare. That is how you check that a library sends what you
# mean: not by reading its source, but by reading the wire.
#
# ## What you learned
#
# - Each SDK needs only a base URL and a key: the same two settings as your raw code.
# - `openai` and `anthropic` send your body unchanged; `google-genai` builds its own (stable
#   `/v1` path, camelCase keys, URL-safe base64), all accepted by the same API.
# - The request log is the proof: compare bodies, media hashes and headers, not claims.
