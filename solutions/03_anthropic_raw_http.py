# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 03 · Anthropic Messages over raw HTTP
#
# The same photo as lesson 02, now to Claude. The idea is the same (a JSON body with a user
# message holding an image and a question); almost every detail differs.
#
# **Objectives**
# - Send the two headers Anthropic requires: `x-api-key` and `anthropic-version`.
# - Build an `image` block with **raw** base64 and a `media_type` that matches the bytes.
# - Always send `max_tokens`: it is required.
# - Read the answer from the `content` blocks, the `stop_reason` and `usage`.
# - Recognise the classic mistakes by their error messages.
#
# **Estimated time: 30 min**
#
# **You need:** lessons 00-02. Offline by default; with `ANTHROPIC_API_KEY` set the same cells call
# the real API (a few small images: well under one cent).

# %%
import mmcourse

conf = mmcourse.setup()

# %% [markdown]
# ## The request at a glance
#
# From Anthropic's API reference and the official SDK (2026):
#
# | Part | Value |
# |---|---|
# | method and URL | `POST https://api.anthropic.com/v1/messages` |
# | auth header | `x-api-key: <ANTHROPIC_API_KEY>` (not `Authorization: Bearer`) |
# | version header | `anthropic-version: 2023-06-01`: required; every SDK release from 2024 to 2026 sends this value |
# | body | JSON: `model`, `max_tokens` and `messages` are **all required**; an optional `system` prompt is a top-level field, not a message |
#
# Anthropic's base URL has no `/v1`: the path adds it.

# %% tags=["nbval-check-output"]
import base64

import requests

from mmcourse import datasets
from mmcourse.display import show_image, show_json

cfg = conf["anthropic"]
MODEL = mmcourse.registry.default_model("anthropic")
URL = f"{cfg.base_url}/v1/messages"
HEADERS = {"x-api-key": cfg.api_key, "anthropic-version": "2023-06-01"}
print(MODEL)

# %% [markdown]
# ## The image block
#
# Claude takes an image as a content **block**:
#
# ```json
# {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": "/9j/4AAQ..."}}
# ```
#
# Two differences from OpenAI's `image_url` part: `data` is **raw base64, no `data:` prefix**,
# and the type travels in its own field, `media_type`, which must be one of `image/jpeg`,
# `image/png`, `image/gif` or `image/webp` and must match the bytes (Anthropic's vision docs, 2026).
# The docs also advise putting images **before** the text that asks about them.

# %%
photo = datasets.path("photos/chelsea.jpg")
show_image(photo, max_edge=160)

# %% tags=["nbval-check-output"]
data = photo.read_bytes()
body = {
    "model": MODEL,
    "max_tokens": 300,
    "messages": [
        {"role": "user", "content": [
            {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg",
                                         "data": base64.b64encode(data).decode("ascii")}},
            {"type": "text", "text": "What animal is in the photo?"},
        ]},
    ],
}
show_json(body)

# %% [markdown]
# **Predict:** OpenAI put the answer at `choices[0].message.content`. Where do you expect it in
# Claude's response?

# %% tags=["nbval-check-output"]
r = requests.post(URL, headers=HEADERS, json=body, timeout=60)
print(r.status_code)
reply = r.json()
print(reply["content"][0]["text"])

# %% [markdown]
# The whole response, without the `id` that changes on every call:

# %% tags=["nbval-check-output"]
show_json({key: value for key, value in reply.items() if key != "id"})

# %% [markdown]
# - `content` is a **list of blocks**. With plain questions it holds one `text` block; with tools
#   or extended thinking, other block types come first. Robust code joins the text of every
#   `type: "text"` block instead of trusting `[0]`.
# - `stop_reason` is `end_turn` when Claude finished and `max_tokens` when your limit cut it.
# - `usage.input_tokens` includes the image; `output_tokens` is what you pay the higher rate for.

# %% tags=["nbval-check-output"]
print("".join(block["text"] for block in reply["content"] if block["type"] == "text"))

# %% [markdown]
# ## `max_tokens` is required, and it cuts
#
# Claude has no default answer length: you choose it every time. A small limit stops mid-answer
# and says so in `stop_reason`:

# %% tags=["nbval-check-output"]
short = {**body, "max_tokens": 5}
short["messages"] = [{"role": "user", "content": [
    body["messages"][0]["content"][0],
    {"type": "text", "text": "Describe this image in one sentence."},
]}]
cut = requests.post(URL, headers=HEADERS, json=short, timeout=60).json()
print(cut["stop_reason"], repr(cut["content"][0]["text"]))

# %% [markdown]
# ## The classic mistakes, and what Claude says
#
# Anthropic answers every mistake with the same envelope:
# `{"type": "error", "error": {"type": ..., "message": ...}, "request_id": ...}`. The message
# names the field, with a path like `messages.0.content.0.image.source.base64`.
#
# **Predict:** of the six mistakes below, which get `401` and which `400`?

# %%
def attempt(label, headers, body):
    """Send a request and print the status and the error, if any."""
    r = requests.post(URL, headers=headers, json=body, timeout=60)
    if r.ok:
        print(f"{label}: {r.status_code}")
    else:
        error = r.json()["error"]
        print(f"{label}: {r.status_code} {error['type']}\n    {error['message']}")


def with_block(block):
    """The lesson's body with the image block replaced."""
    return {**body, "messages": [{"role": "user", "content": [block, body["messages"][0]["content"][1]]}]}


b64 = base64.b64encode(data).decode("ascii")

# %% tags=["nbval-check-output"]
attempt("1 a wrong key", {**HEADERS, "x-api-key": "my-invalid-key"}, body)
attempt("2 no anthropic-version", {"x-api-key": cfg.api_key}, body)
attempt("3 no max_tokens", HEADERS, {k: v for k, v in body.items() if k != "max_tokens"})
attempt("4 a data URL as data", HEADERS, with_block(
    {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": "data:image/jpeg;base64," + b64}}))
attempt("5 media_type that lies", HEADERS, with_block(
    {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": b64}}))
attempt("6 OpenAI's image_url part", HEADERS, with_block(
    {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64," + b64}}))

# %% [markdown]
# Only a bad key is a `401 authentication_error`; everything else is a `400
# invalid_request_error` whose message names the field to fix. The wording of 1, 2, 3, 5 and 6
# is as observed from the real API (2025-2026); the exact message for 4 is not documented, but it
# is a 400 about base64 there too.
#
# The fixes: send the key in `x-api-key`; always send `anthropic-version: 2023-06-01` and
# `max_tokens`; put raw base64 in `data`; take `media_type` from the bytes (lesson 01); use
# Claude's `image` block, not OpenAI's `image_url` part.

# %% [markdown] mmcourse={"exercise": "ex-anthropic-image-block", "role": "instructions", "title": "An image block", "points": 2, "difficulty": "easy"}
# ### Exercise 1: an image block
#
# Write `image_block(data)` that returns Claude's image block for the image bytes `data`:
# ```python
# {"type": "image", "source": {"type": "base64", "media_type": <from the bytes>, "data": <raw base64>}}
# ```
# Take the media type from the bytes with `mmcourse.sniff_mime(data)`. If it is not one of the four
# types Claude accepts (`image/jpeg`, `image/png`, `image/gif`, `image/webp`), raise `ValueError`
# with a message naming the type you found, instead of sending a request that will fail.

# %% [markdown] mmcourse={"exercise": "ex-anthropic-image-block", "role": "hint"}
# `mmcourse.sniff_mime(data)` returns e.g. `"image/png"`, `"application/pdf"` or `None`.

# %% [markdown] mmcourse={"exercise": "ex-anthropic-image-block", "role": "hint"}
# `base64.b64encode(data).decode("ascii")` is the raw base64: no `data:` prefix.

# %% mmcourse={"exercise": "ex-anthropic-image-block", "role": "solution"}
CLAUDE_IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")


def image_block(data):
    ### BEGIN SOLUTION
    mime = mmcourse.sniff_mime(data)
    if mime not in CLAUDE_IMAGE_TYPES:
        raise ValueError(f"Claude takes JPEG, PNG, GIF or WEBP images, but these bytes are {mime or 'of an unknown type'}")
    return {"type": "image", "source": {"type": "base64", "media_type": mime,
                                        "data": base64.b64encode(data).decode("ascii")}}
    ### END SOLUTION
    ### BEGIN STARTER
    # raise NotImplementedError("ex-anthropic-image-block: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-anthropic-image-block", "role": "visible-tests"}
import base64

from mmcourse import datasets


def test_the_cat_photo():
    data = datasets.path("photos/chelsea.jpg").read_bytes()
    expect(image_block(data), {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg",
                                                           "data": base64.b64encode(data).decode("ascii")}})


def test_a_png_named_jpg_is_declared_png():
    block = image_block(datasets.path("errors/screenshot.jpg").read_bytes())
    expect(block["source"]["media_type"], "image/png")


def test_a_pdf_is_refused():
    try:
        image_block(datasets.path("documents/invoice.pdf").read_bytes())
    except ValueError as exc:
        assert "application/pdf" in str(exc), f"name the type you found in the message, got: {exc}"
        return
    raise AssertionError("a PDF is not an image: image_block should raise ValueError")

# %% mmcourse={"exercise": "ex-anthropic-image-block", "role": "hidden-tests"}
import base64
import io

from PIL import Image

from mmcourse import datasets


def test_images_made_on_the_fly(rng):
    for fmt, mime in [("GIF", "image/gif"), ("WEBP", "image/webp"), ("PNG", "image/png"), ("JPEG", "image/jpeg")]:
        img = Image.new("RGB", (rng.randint(2, 80), rng.randint(2, 80)), (rng.randint(0, 255), 10, 200))
        buffer = io.BytesIO()
        img.save(buffer, fmt)
        data = buffer.getvalue()
        expect(image_block(data), {"type": "image", "source": {"type": "base64", "media_type": mime,
                                                               "data": base64.b64encode(data).decode("ascii")}})


def test_non_images_are_refused(rng):
    for rel in rng.sample(["audio/meeting_excerpt.wav", "video/product_update.mp4", "documents/annual_report.pdf",
                           "audio/delivery_voicemail.flac"], 3):
        try:
            image_block(datasets.path(rel).read_bytes())
        except ValueError:
            continue
        raise AssertionError(f"{rel} is not an image Claude takes: image_block should raise ValueError")
    try:
        image_block(b"not an image at all")
    except ValueError:
        return
    raise AssertionError("unknown bytes should raise ValueError")

# %% [markdown] mmcourse={"exercise": "ex-anthropic-vision", "role": "instructions", "title": "Ask Claude about an image", "points": 4, "difficulty": "medium"}
# ### Exercise 2: ask Claude about an image
#
# Write `ask_claude_image(base_url, api_key, model, path, question, max_tokens=300)` that sends
# the image file at `path` (image block first) and the `question` (text block after it) in one
# user message to `{base_url}/v1/messages`, and returns the answer: the text of all `text` blocks
# of the response, joined.
#
# - Send both required headers, and `max_tokens`.
# - Raise `requests.HTTPError` for an error status (`r.raise_for_status()`).
#
# The check reads the emulator's log to see what your request carried, headers included.

# %% [markdown] mmcourse={"exercise": "ex-anthropic-vision", "role": "hint"}
# `image_block(Path(path).read_bytes())` from exercise 1 makes the image block; then
# `{"type": "text", "text": question}`.

# %% [markdown] mmcourse={"exercise": "ex-anthropic-vision", "role": "hint"}
# `"".join(b["text"] for b in r.json()["content"] if b["type"] == "text")` joins the text blocks.

# %% mmcourse={"exercise": "ex-anthropic-vision", "role": "solution"}
from pathlib import Path


def ask_claude_image(base_url, api_key, model, path, question, max_tokens=300):
    ### BEGIN SOLUTION
    data = Path(path).read_bytes()
    block = {"type": "image", "source": {"type": "base64", "media_type": mmcourse.sniff_mime(data),
                                         "data": base64.b64encode(data).decode("ascii")}}
    r = requests.post(
        f"{base_url}/v1/messages",
        headers={"x-api-key": api_key, "anthropic-version": "2023-06-01"},
        json={"model": model, "max_tokens": max_tokens,
              "messages": [{"role": "user", "content": [block, {"type": "text", "text": question}]}]},
        timeout=60,
    )
    r.raise_for_status()
    return "".join(b["text"] for b in r.json()["content"] if b["type"] == "text")
    ### END SOLUTION
    ### BEGIN STARTER
    # raise NotImplementedError("ex-anthropic-vision: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-anthropic-vision", "role": "visible-tests"}

from mmcourse import datasets, registry


def test_the_cat_photo_reaches_claude():
    cfg = offline_config("anthropic")
    rel = "photos/chelsea.jpg"
    answer = ask_claude_image(cfg.base_url, cfg.api_key, registry.default_model("anthropic"),
                              datasets.path(rel), "What animal is in the photo?")
    record = last_request("anthropic")
    assert record is not None, "no request reached the emulator"
    assert record["verdict"] == "accepted", f"the emulator refused the request: {record['error']}"
    expect(record["headers"].get("anthropic-version"), "2023-06-01", what="the anthropic-version header")
    assert record["headers"].get("x-api-key") == "<redacted>", "send the key in the x-api-key header"
    assert [m["sha256"] for m in record["media"]] == [datasets.entry(rel)["sha256"]], "the photo's bytes did not arrive"
    blocks = record["request"]["messages"][-1]["content"]
    assert blocks[0]["type"] == "image", "put the image block first, the question after it"
    assert type(answer) is str and "cat" in answer, f"the emulator answered 'a cat.', your function returned {answer!r}"

# %% mmcourse={"exercise": "ex-anthropic-vision", "role": "hidden-tests"}

import requests

from mmcourse import datasets


def test_other_photos_questions_and_models(rng):
    cfg = offline_config("anthropic")
    items = datasets.entries("photo") + [datasets.entry("errors/screenshot.jpg")]
    for _ in range(3):
        item = rng.choice(items)
        facts = item["truth"].get("facts") or {"What is in this image?": ""}
        question, fact = rng.choice(sorted(facts.items()))
        model = rng.choice(["claude-haiku-4-5", "claude-sonnet-4-6", "claude-opus-4-7", "claude-sonnet-5"])
        limit = rng.randint(100, 900)
        answer = ask_claude_image(cfg.base_url, cfg.api_key, model, str(datasets.path(item["path"])), question, limit)
        record = last_request("anthropic")
        assert record["verdict"] == "accepted", f"{model} refused the request: {record['error']}"
        expect(record["model"], model, what="the model your request named")
        expect(record["request"].get("max_tokens"), limit, what="max_tokens")
        expect([m["sha256"] for m in record["media"]], [item["sha256"]], what="the image that arrived")
        assert question in str(record["request"]["messages"]), "the question is missing"
        assert type(answer) is str and fact.lower() in answer.lower(), f"expected the answer text with {fact!r}, got {answer!r}"


def test_errors_raise():
    cfg = offline_config("anthropic")
    try:
        ask_claude_image(cfg.base_url, "demo-invalid-key", "claude-haiku-4-5", datasets.path("photos/coffee.jpg"),
                         "What drink is shown?")
    except requests.HTTPError:
        return
    raise AssertionError("a 401 should raise requests.HTTPError")

# %% [markdown] mmcourse={"exercise": "ex-read-message", "role": "instructions", "title": "Read a message, or its error", "points": 2, "difficulty": "medium"}
# ### Exercise 3: read a message, or its error
#
# Write `read_message(reply)` that takes the parsed JSON of a Messages response and returns
# `{"text": ..., "stop_reason": ..., "input_tokens": ..., "output_tokens": ...}`, where `text` joins
# the text of **every** `text` block in order and skips other block types (`thinking`,
# `tool_use`, ...).
#
# If `reply` is an error (`"type": "error"`), raise `RuntimeError` whose message contains the
# error's `type` and `message`.

# %% [markdown] mmcourse={"exercise": "ex-read-message", "role": "hint"}
# Check `reply.get("type") == "error"` first; the details are in `reply["error"]`.

# %% mmcourse={"exercise": "ex-read-message", "role": "solution"}
def read_message(reply):
    ### BEGIN SOLUTION
    if reply.get("type") == "error":
        error = reply["error"]
        raise RuntimeError(f"Anthropic {error['type']}: {error['message']}")
    return {
        "text": "".join(block["text"] for block in reply["content"] if block["type"] == "text"),
        "stop_reason": reply["stop_reason"],
        "input_tokens": reply["usage"]["input_tokens"],
        "output_tokens": reply["usage"]["output_tokens"],
    }
    ### END SOLUTION
    ### BEGIN STARTER
    # raise NotImplementedError("ex-read-message: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-read-message", "role": "visible-tests"}
def test_the_reply_from_this_lesson():
    expect(read_message(reply), {"text": reply["content"][0]["text"], "stop_reason": "end_turn",
                                 "input_tokens": reply["usage"]["input_tokens"],
                                 "output_tokens": reply["usage"]["output_tokens"]})


def test_thinking_blocks_are_skipped():
    message = {"type": "message", "role": "assistant", "content": [
        {"type": "thinking", "thinking": "The user wants...", "signature": "abc"},
        {"type": "text", "text": "A cat"}, {"type": "text", "text": " on a sofa."}],
        "stop_reason": "end_turn", "usage": {"input_tokens": 300, "output_tokens": 40}}
    expect(read_message(message)["text"], "A cat on a sofa.")


def test_an_error_raises():
    error = {"type": "error", "error": {"type": "invalid_request_error", "message": "max_tokens: Field required"},
             "request_id": "req_011demo"}
    try:
        read_message(error)
    except RuntimeError as exc:
        assert "invalid_request_error" in str(exc) and "max_tokens: Field required" in str(exc), (
            f"the RuntimeError should carry the error's type and message, got: {exc}")
        return
    raise AssertionError("an error response should raise RuntimeError")

# %% mmcourse={"exercise": "ex-read-message", "role": "hidden-tests"}
def test_random_messages(rng):
    for _ in range(20):
        texts = [rng.choice(["A cat", ".", " Total 12.50", "", "Hello"]) for _ in range(rng.randint(0, 4))]
        content = [{"type": "text", "text": t} for t in texts]
        for _ in range(rng.randint(0, 2)):
            content.insert(rng.randint(0, len(content)), rng.choice([
                {"type": "thinking", "thinking": "hmm", "signature": "s"},
                {"type": "tool_use", "id": "toolu_1", "name": "lookup", "input": {}}]))
        stop = rng.choice(["end_turn", "max_tokens", "stop_sequence", "tool_use"])
        usage = {"input_tokens": rng.randint(1, 9000), "output_tokens": rng.randint(1, 900)}
        message = {"id": "msg_x", "type": "message", "role": "assistant", "model": "claude-sonnet-4-6",
                   "content": content, "stop_reason": stop, "stop_sequence": None, "usage": usage}
        expect(read_message(message), {"text": "".join(texts), "stop_reason": stop, **usage})


def test_random_errors(rng):
    for kind in ["authentication_error", "rate_limit_error", "overloaded_error", "not_found_error"]:
        message = f"demo message {rng.randint(0, 10**6)}"
        try:
            read_message({"type": "error", "error": {"type": kind, "message": message}, "request_id": "req_1"})
        except RuntimeError as exc:
            assert kind in str(exc) and message in str(exc), "the RuntimeError should carry the error's type and message"
            continue
        raise AssertionError(f"a {kind} response should raise RuntimeError")

# %% [markdown]
# ## What's next
#
# Lesson 04 sends the photo to Gemini, where the model goes into the URL and the key can travel in
# two places, one of them much safer than the other.
