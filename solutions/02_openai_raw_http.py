# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 02 · OpenAI Chat Completions over raw HTTP
#
# You send a photo to OpenAI's Chat Completions API with `requests` alone, read the answer out of
# the JSON, and meet the two parameters that trip people up: `detail` and the output-token limit.
#
# **Objectives**
# - Write a Chat Completions request by hand: endpoint, Bearer header, JSON body.
# - Put an image in an `image_url` part as a data URL, and choose its `detail`.
# - Find the answer at `choices[0].message.content`, and the token counts in `usage`.
# - Use `max_completion_tokens`, and recognise the 400 that `max_tokens` gets on newer models.
#
# **Estimated time: 30 min**
#
# **Exercises:** 2 (1 easy, 1 medium, 0 hard).
#
# **You need:** lessons 00 and 01. Offline by default; with `OPENAI_API_KEY` set the same cells
# call the real API (a few requests with small images: well under one cent).

# %%
import mmcourse

conf = mmcourse.setup()

# %% [markdown]
# ## The request at a glance
#
# From OpenAI's API reference (OpenAPI spec, 2026):
#
# | Part | Value |
# |---|---|
# | method and URL | `POST https://api.openai.com/v1/chat/completions` (offline: the emulator's `/v1`) |
# | auth header | `Authorization: Bearer <OPENAI_API_KEY>` |
# | body | JSON: `model` and `messages` are required |
#
# `cfg.base_url` already ends in `/v1`, as `OPENAI_BASE_URL` does for the official SDK.

# %% tags=["nbval-check-output"]
import base64

import requests

from mmcourse import datasets
from mmcourse.display import show_image, show_json

cfg = conf["openai"]
MODEL = mmcourse.registry.default_model("openai")
URL = f"{cfg.base_url}/chat/completions"
HEADERS = {"Authorization": f"Bearer {cfg.api_key}"}  # requests adds Content-Type for json=
print(MODEL)

# %% [markdown]
# ## An image as a data URL
#
# The photo from lesson 00, as a data URL (lesson 01):

# %%
photo = datasets.path("photos/chelsea.jpg")
show_image(photo, max_edge=160)

# %% tags=["nbval-check-output"]
data = photo.read_bytes()
image_url = "data:image/jpeg;base64," + base64.b64encode(data).decode("ascii")
print(image_url[:40] + "...", len(image_url), "characters")

# %% [markdown]
# A user message's `content` can be a list of **parts**. A text part is `{"type": "text", ...}`; an
# image part is `{"type": "image_url", "image_url": {"url": ..., "detail": ...}}`. Here is the whole
# body (`show_json` cuts long strings so the notebook stays small):

# %% tags=["nbval-check-output"]
body = {
    "model": MODEL,
    "messages": [
        {"role": "user", "content": [
            {"type": "text", "text": "What animal is in the photo?"},
            {"type": "image_url", "image_url": {"url": image_url, "detail": "auto"}},
        ]},
    ],
    "max_completion_tokens": 300,
}
show_json(body)

# %% [markdown]
# **Predict:** after sending it, which keys lead from the top of the response JSON to the text of
# the answer?

# %% tags=["nbval-check-output"]
r = requests.post(URL, headers=HEADERS, json=body, timeout=60)
print(r.status_code)
reply = r.json()
print(reply["choices"][0]["message"]["content"])

# %% [markdown]
# `choices` is a list (you can ask for several alternative answers with `n`); each choice has a
# `message` with `role: "assistant"` and its `content`. Here is the rest, without the id and
# timestamp that change on every call:

# %% tags=["nbval-check-output"]
show_json({key: reply[key] for key in ("object", "model", "choices", "usage")})

# %% [markdown]
# Three things worth knowing in there:
# - `finish_reason` is `stop` when the model finished, `length` when it hit your token limit.
# - `usage.prompt_tokens` **includes the image**: there is no separate image count in most real
#   responses, so you see an image's cost as the jump in `prompt_tokens`.
# - `refusal` is filled instead of `content` when the model declines to answer.

# %% [markdown]
# ## `detail`: how many pixels the model looks at
#
# `image_url.detail` is `low`, `high` or `auto` (the default); the 2026 docs add `original` for
# `gpt-5.4` and newer. On tile-based models such as `gpt-4o`, `low` sends a 512 px version for a
# fixed 85 tokens, and `high` cuts the image into 512 px tiles at 170 tokens each (OpenAI's
# images-and-vision guide). A dashboard, with small print, shows the difference best:

# %%
dashboard = datasets.path("dashboards/dashboard_v1.png")
show_image(dashboard, max_edge=240)

# %% [markdown]
# **Predict:** the same dashboard and question to `gpt-4o`, once with `low` and once with `high`.
# Roughly how many times more prompt tokens will `high` cost?

# %% tags=["nbval-check-output"]
dashboard_url = "data:image/png;base64," + base64.b64encode(dashboard.read_bytes()).decode("ascii")

for detail in ("low", "high"):
    r = requests.post(URL, headers=HEADERS, timeout=60, json={
        "model": "gpt-4o",
        "messages": [{"role": "user", "content": [
            {"type": "text", "text": "What is the title of this dashboard?"},
            {"type": "image_url", "image_url": {"url": dashboard_url, "detail": detail}},
        ]}],
        "max_completion_tokens": 100,
    })
    print(f"detail={detail:<5} prompt_tokens={r.json()['usage']['prompt_tokens']}")

# %% [markdown]
# About eight times more. Use `low` when the question is about the whole picture ("is this a
# cat?") and `high` when the answer is in small details (a number on a dashboard, a receipt line).
# Newer models count image tokens with 32 px patches instead of tiles; lesson 12 has every
# provider's algorithm.

# %% [markdown]
# ## `max_tokens` versus `max_completion_tokens`
#
# Older examples limit the answer with `max_tokens`. The API reference marks it **deprecated**:
# reasoning-era models (o-series, GPT-5 and later) reject it and want `max_completion_tokens`,
# which also counts the model's hidden reasoning tokens.
#
# **Predict:** what does the default model answer to a body with `max_tokens`?

# %% tags=["nbval-check-output"]
old_style = {key: value for key, value in body.items() if key != "max_completion_tokens"}
old_style["max_tokens"] = 300
r = requests.post(URL, headers=HEADERS, json=old_style, timeout=60)
print(r.status_code)
show_json(r.json())

# %% [markdown]
# A 400 with `code: "unsupported_parameter"` and the fix in the message (the wording observed from
# the real API since GPT-5, August 2025). Every OpenAI error has this shape: an `error` object with
# `message`, `type`, `param` and `code`, all four always present.
#
# Which models in the course's registry reject `max_tokens`?

# %% tags=["nbval-check-output"]
for model in mmcourse.registry.models_for("openai"):
    if model.rejects_max_tokens:
        print(model.id, end="  ")

# %% [markdown]
# `max_completion_tokens` works on all of them. When the limit is reached, the answer is cut and
# `finish_reason` says `length`:

# %% tags=["nbval-check-output"]
short = {**body, "max_completion_tokens": 5}
short["messages"] = [{"role": "user", "content": [
    {"type": "text", "text": "Describe this image in one sentence."},
    {"type": "image_url", "image_url": {"url": image_url}},
]}]
choice = requests.post(URL, headers=HEADERS, json=short, timeout=60).json()["choices"][0]
print(choice["finish_reason"], repr(choice["message"]["content"]))

# %% [markdown]
# Live, a reasoning model spends part of that budget thinking before it writes, so a small limit
# can even return an **empty** `content` with `finish_reason: "length"`. Give reasoning models
# room (hundreds to thousands of tokens) and check `finish_reason` before trusting an answer.

# %% [markdown]
# ## A classic mistake: base64 without the data URL prefix
#
# `image_url.url` wants a URL. Bare base64 is not one:

# %% tags=["nbval-check-output"]
bare = {**body, "messages": [{"role": "user", "content": [
    {"type": "text", "text": "What animal is in the photo?"},
    {"type": "image_url", "image_url": {"url": base64.b64encode(data).decode("ascii")}},
]}]}
r = requests.post(URL, headers=HEADERS, json=bare, timeout=60)
print(r.status_code, r.json()["error"]["type"])

# %% [markdown] mmcourse={"exercise": "ex-openai-vision", "role": "instructions", "title": "Ask OpenAI about an image", "points": 4, "difficulty": "medium"}
# ### Exercise 1: ask OpenAI about an image
#
# Write `ask_openai_image(base_url, api_key, model, path, question, max_output_tokens=300)` that
# sends the image file at `path` and the `question` in one user message to
# `{base_url}/chat/completions` and returns the answer text.
#
# - Take the MIME type from the file's **bytes** with `mmcourse.sniff_mime(data)` (the function you
#   wrote in lesson 01; some course files have lying names).
# - Limit the answer with `max_completion_tokens` (so it works on every current model), not `max_tokens`.
# - Raise `requests.HTTPError` for an error status (`r.raise_for_status()`).
#
# The check sends real requests to the emulator and reads its log to see what arrived.

# %% [markdown] mmcourse={"exercise": "ex-openai-vision", "role": "hint"}
# Read the file with `Path(path).read_bytes()`, then build the body like `body` above: a text part
# and an `image_url` part whose URL is `f"data:{mmcourse.sniff_mime(data)};base64,..."`.

# %% [markdown] mmcourse={"exercise": "ex-openai-vision", "role": "hint"}
# After `r.raise_for_status()`, the text is at `r.json()["choices"][0]["message"]["content"]`.

# %% mmcourse={"exercise": "ex-openai-vision", "role": "solution"}
from pathlib import Path


def ask_openai_image(base_url, api_key, model, path, question, max_output_tokens=300):
    ### BEGIN SOLUTION
    data = Path(path).read_bytes()
    body = {
        "model": model,
        "messages": [{"role": "user", "content": [
            {"type": "text", "text": question},
            {"type": "image_url", "image_url": {
                "url": f"data:{mmcourse.sniff_mime(data)};base64,{base64.b64encode(data).decode('ascii')}"}},
        ]}],
        "max_completion_tokens": max_output_tokens,
    }
    r = requests.post(f"{base_url}/chat/completions", headers={"Authorization": f"Bearer {api_key}"},
                      json=body, timeout=60)
    r.raise_for_status()
    return r.json()["choices"][0]["message"]["content"]
    ### END SOLUTION
    ### BEGIN STARTER
    # raise NotImplementedError("ex-openai-vision: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-openai-vision", "role": "visible-tests"}

from mmcourse import datasets, registry


def test_the_cat_photo_reaches_openai():
    cfg = offline_config("openai")
    rel = "photos/chelsea.jpg"
    answer = ask_openai_image(cfg.base_url, cfg.api_key, registry.default_model("openai"),
                              datasets.path(rel), "What animal is in the photo?")
    record = last_request("openai")
    assert record is not None, "no request reached the emulator"
    assert record["verdict"] == "accepted", f"the emulator refused the request: {record['error']}"
    assert [m["sha256"] for m in record["media"]] == [datasets.entry(rel)["sha256"]], "the photo's bytes did not arrive"
    assert "What animal is in the photo?" in str(record["request"]["messages"]), "the question is missing"
    assert "max_completion_tokens" in record["request"], "limit the answer with max_completion_tokens"
    assert type(answer) is str and "cat" in answer, f"the emulator answered 'a cat.', your function returned {answer!r}"


def test_the_mime_type_comes_from_the_bytes():
    cfg = offline_config("openai")
    ask_openai_image(cfg.base_url, cfg.api_key, registry.default_model("openai"),
                     datasets.path("errors/screenshot.jpg"), "What is in this image?")
    record = last_request("openai")
    assert record["verdict"] == "accepted", f"the emulator refused the request: {record['error']}"
    assert "data:image/png;base64," in str(record["request"]), "screenshot.jpg holds PNG bytes: declare image/png"

# %% mmcourse={"exercise": "ex-openai-vision", "role": "hidden-tests"}

import requests

from mmcourse import datasets


def test_other_photos_questions_and_models(rng):
    cfg = offline_config("openai")
    photos = datasets.entries("photo")
    for _ in range(3):
        item = rng.choice(photos)
        question, fact = rng.choice(sorted(item["truth"]["facts"].items()))
        model = rng.choice(["gpt-4o", "gpt-5.4", "gpt-5.4-mini", "gpt-5-mini"])
        limit = rng.randint(200, 800)
        answer = ask_openai_image(cfg.base_url, cfg.api_key, model, str(datasets.path(item["path"])), question, limit)
        record = last_request("openai")
        assert record["verdict"] == "accepted", f"{model} refused the request: {record['error']}"
        expect(record["model"], model, what="the model your request named")
        expect([m["sha256"] for m in record["media"]], [item["sha256"]], what="the image that arrived")
        expect(record["request"].get("max_completion_tokens"), limit, what="max_completion_tokens")
        assert "max_tokens" not in record["request"], "max_tokens is deprecated and refused by newer models"
        assert type(answer) is str and fact.lower() in answer.lower(), f"expected the answer text with {fact!r}, got {answer!r}"


def test_errors_raise():
    cfg = offline_config("openai")
    try:
        ask_openai_image(cfg.base_url, "demo-invalid-key", "gpt-4o", datasets.path("photos/coffee.jpg"), "What drink is shown?")
    except requests.HTTPError:
        return
    raise AssertionError("a 401 should raise requests.HTTPError")

# %% [markdown] mmcourse={"exercise": "ex-openai-detail", "role": "instructions", "title": "What detail costs", "points": 2, "difficulty": "easy"}
# ### Exercise 2: what `detail` costs
#
# OpenAI is the one provider that lets you choose how closely the model looks at an image. Write
# `detail_tokens(base_url, api_key, model, path, question)` that sends the image at `path` and
# the `question` to `{base_url}/chat/completions` **twice**, once with `"detail": "low"` and once
# with `"detail": "high"` in the `image_url` part (MIME type from the bytes, and
# `max_completion_tokens` 100), and returns `{"low": ..., "high": ...}`: each request's
# `usage.prompt_tokens`. Raise `requests.HTTPError` for an error status.
#
# The check compares your numbers with what the emulator counts for the same image.

# %% [markdown] mmcourse={"exercise": "ex-openai-detail", "role": "hint"}
# `for detail in ("low", "high"):` build the body as in exercise 1 with
# `{"url": ..., "detail": detail}`, post it, `r.raise_for_status()`, and store
# `r.json()["usage"]["prompt_tokens"]` under `detail`.

# %% mmcourse={"exercise": "ex-openai-detail", "role": "solution"}
def detail_tokens(base_url, api_key, model, path, question):
    ### BEGIN SOLUTION
    data = Path(path).read_bytes()
    url = f"data:{mmcourse.sniff_mime(data)};base64,{base64.b64encode(data).decode('ascii')}"
    tokens = {}
    for detail in ("low", "high"):
        body = {"model": model, "max_completion_tokens": 100,
                "messages": [{"role": "user", "content": [
                    {"type": "text", "text": question},
                    {"type": "image_url", "image_url": {"url": url, "detail": detail}}]}]}
        r = requests.post(f"{base_url}/chat/completions", headers={"Authorization": f"Bearer {api_key}"},
                          json=body, timeout=60)
        r.raise_for_status()
        tokens[detail] = r.json()["usage"]["prompt_tokens"]
    return tokens
    ### END SOLUTION
    ### BEGIN STARTER
    # # Two requests, the same but for image_url.detail; keep each one's usage.prompt_tokens.
    # raise NotImplementedError("ex-openai-detail: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-openai-detail", "role": "visible-tests"}
import base64

import requests

from mmcourse import datasets
from mmcourse.grading import requests_log


def _image_tokens_difference(cfg, model, path):
    """high minus low prompt tokens, as the emulator counts them for this image."""
    data = datasets.path(path).read_bytes()
    url = f"data:{mmcourse.sniff_mime(data)};base64,{base64.b64encode(data).decode('ascii')}"
    counts = []
    for detail in ("low", "high"):
        body = {"model": model, "max_completion_tokens": 100, "messages": [{"role": "user", "content": [
            {"type": "text", "text": "?"}, {"type": "image_url", "image_url": {"url": url, "detail": detail}}]}]}
        r = requests.post(f"{cfg.base_url}/chat/completions", headers={"Authorization": f"Bearer {cfg.api_key}"},
                          json=body, timeout=60)
        counts.append(r.json()["usage"]["prompt_tokens"])
    return counts[1] - counts[0]


def test_the_dashboard_at_low_and_high_detail():
    cfg = offline_config("openai")
    rel = "dashboards/dashboard_v1.png"
    tokens = detail_tokens(cfg.base_url, cfg.api_key, "gpt-4o", datasets.path(rel), "What is the title?")
    records = requests_log("openai")[-2:]
    assert len(records) == 2 and all(r["verdict"] == "accepted" for r in records), (
        f"two accepted requests should reach the emulator: {[r['error'] for r in records]}")
    details = sorted(part["image_url"].get("detail") for r in records
                     for part in r["request"]["messages"][-1]["content"] if part.get("type") == "image_url")
    expect(details, ["high", "low"], what="the details of your two requests")
    assert type(tokens.get("low")) is int and type(tokens.get("high")) is int, f"return two ints, got {tokens!r}"
    expect(tokens["high"] - tokens["low"], _image_tokens_difference(cfg, "gpt-4o", rel),
           what="how many more prompt tokens high detail costs")

# %% mmcourse={"exercise": "ex-openai-detail", "role": "hidden-tests"}
import base64

import requests

from mmcourse import datasets
from mmcourse.grading import expect, offline_config, requests_log


def _difference(cfg, model, rel):
    data = datasets.path(rel).read_bytes()
    url = f"data:{mmcourse.sniff_mime(data)};base64,{base64.b64encode(data).decode('ascii')}"
    counts = []
    for detail in ("low", "high"):
        body = {"model": model, "max_completion_tokens": 100, "messages": [{"role": "user", "content": [
            {"type": "text", "text": "?"}, {"type": "image_url", "image_url": {"url": url, "detail": detail}}]}]}
        r = requests.post(f"{cfg.base_url}/chat/completions", headers={"Authorization": f"Bearer {cfg.api_key}"},
                          json=body, timeout=60)
        counts.append(r.json()["usage"]["prompt_tokens"])
    return counts[1] - counts[0]


def test_other_images_models_and_questions(rng):
    cfg = offline_config("openai")
    images = [e["path"] for e in datasets.entries("photo") + datasets.entries("chart") + datasets.entries("dashboard")]
    for _ in range(3):
        rel = rng.choice(images)
        model = rng.choice(["gpt-4o", "gpt-5.4", "gpt-5.4-mini", "gpt-5-mini"])
        question = rng.choice(["What is shown?", "Describe the image.", f"Count the items ({rng.randint(1, 99)})."])
        tokens = detail_tokens(cfg.base_url, cfg.api_key, model, str(datasets.path(rel)), question)
        records = requests_log("openai")[-2:]
        assert all(r["verdict"] == "accepted" for r in records), f"{model} refused: {[r['error'] for r in records]}"
        assert all(r["model"] == model for r in records), "send both requests to the model you were given"
        assert all(question in str(r["request"]) for r in records), "the question is missing from a request"
        expect(tokens["high"] - tokens["low"], _difference(cfg, model, rel), what=f"high minus low tokens for {rel} on {model}")
        assert tokens["low"] > 0, "prompt_tokens of the low request"


def test_errors_raise():
    cfg = offline_config("openai")
    try:
        detail_tokens(cfg.base_url, "demo-invalid-key", "gpt-4o", datasets.path("photos/coffee.jpg"), "What drink?")
    except requests.HTTPError:
        return
    raise AssertionError("a 401 should raise requests.HTTPError")

# %% [markdown]
# ## What's next
#
# Lesson 03 sends the same photo to Anthropic: a different header, a different image block, and
# a required `max_tokens`.
