# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 05 · One function for three providers
#
# Lessons 02 to 04 sent the same photo to OpenAI, Anthropic and Gemini in three different
# shapes. Here you fold the three into one function, so the rest of your code never cares
# which provider answers.
#
# **Objectives**
# - Put the three wire formats side by side and name every difference that matters.
# - Write one `call(provider, prompt, path)` over raw `requests`, with the differences kept in a table.
# - Meet `mmcourse.ask`, the course's version of the same function, and check it sends what you send.
# - Stream answers: read the three server-sent-event formats and turn them into text.
#
# **Estimated time: 35 min**
#
# **Exercises:** 4 (1 easy, 3 medium, 0 hard).
#
# **You need:** lessons 02-04. No API key: without one, every call goes to the course's offline
# emulator, which answers from the course data's ground truth, not from a model.

# %%
import mmcourse

conf = mmcourse.setup()

# %%
import base64
import json
from pathlib import Path

import requests

from mmcourse import datasets, registry
from mmcourse.display import show_image, show_json

photo = datasets.path("photos/chelsea.jpg")
show_image(photo)

# %% [markdown]
# ## The three formats side by side
#
# Everything below comes from the providers' API references (OpenAI's OpenAPI spec, Anthropic's
# Messages and vision docs, Google's Gemini API docs, 2026).
#
# | | OpenAI Chat Completions | Anthropic Messages | Gemini generateContent |
# |---|---|---|---|
# | URL | `POST {base}/chat/completions` (base ends in `/v1`) | `POST {base}/v1/messages` | `POST {base}/v1beta/models/{model}:generateContent` |
# | Key | `Authorization: Bearer KEY` | `x-api-key: KEY` + `anthropic-version: 2023-06-01` | `x-goog-api-key: KEY` |
# | Model | `"model"` in the body | `"model"` in the body | in the URL |
# | Required | `model`, `messages` | `model`, `max_tokens`, `messages` | `contents` |
# | Output cap | `max_completion_tokens` | `max_tokens` (required) | `generationConfig.maxOutputTokens` |
# | Image | `{"type": "image_url", "image_url": {"url": "data:image/jpeg;base64,..."}}` | `{"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": "..."}}` | `{"inline_data": {"mime_type": "image/jpeg", "data": "..."}}` |
# | Answer | `choices[0].message.content` | `content[0].text` | `candidates[0].content.parts[0].text` |
# | Error | `{"error": {message, type, param, code}}` | `{"type": "error", "error": {type, message}}` | `{"error": {code, message, status}}` |
# | Stream | `"stream": true`; `data:` chunks, then `data: [DONE]` | `"stream": true`; named events | `:streamGenerateContent?alt=sse`; no end marker |
#
# Three things differ in *where* they live (the key, the model, the media bytes) and three in
# *what they are called* (output cap, answer path, stream switch). A unified function keeps
# each provider's version of those six in one place.

# %% [markdown]
# ## One builder per provider
#
# Each builder is a pure function: it returns `(url, headers, body)` and sends nothing, so you
# can print it, test it, and send it later. The bytes arrive already base64-encoded.

# %%
def openai_request(cfg, model, prompt, mime, b64):
    url = f"{cfg.base_url}/chat/completions"
    headers = {"Authorization": f"Bearer {cfg.api_key}"}
    body = {
        "model": model,
        "max_completion_tokens": 300,
        "messages": [{"role": "user", "content": [
            {"type": "text", "text": prompt},
            {"type": "image_url", "image_url": {"url": f"data:{mime};base64,{b64}"}},
        ]}],
    }
    return url, headers, body


def anthropic_request(cfg, model, prompt, mime, b64):
    url = f"{cfg.base_url}/v1/messages"
    headers = {"x-api-key": cfg.api_key, "anthropic-version": "2023-06-01"}
    body = {
        "model": model,
        "max_tokens": 300,
        "messages": [{"role": "user", "content": [
            {"type": "image", "source": {"type": "base64", "media_type": mime, "data": b64}},
            {"type": "text", "text": prompt},
        ]}],
    }
    return url, headers, body


def gemini_request(cfg, model, prompt, mime, b64):
    url = f"{cfg.base_url}/v1beta/models/{model}:generateContent"
    headers = {"x-goog-api-key": cfg.api_key}
    body = {
        "contents": [{"role": "user", "parts": [
            {"text": prompt},
            {"inline_data": {"mime_type": mime, "data": b64}},
        ]}],
        "generationConfig": {"maxOutputTokens": 300},
    }
    return url, headers, body

# %% [markdown]
# And one reader per provider: where the answer text sits in each response.

# %%
def openai_text(body):
    return body["choices"][0]["message"]["content"]


def anthropic_text(body):
    return body["content"][0]["text"]


def gemini_text(body):
    return body["candidates"][0]["content"]["parts"][0]["text"]

# %% [markdown]
# ## The table that replaces the if-chain
#
# The differences go in a dictionary, one row per provider. Adding a fourth provider means
# adding one row; the function that uses the table never changes.

# %%
PROVIDERS = {
    "openai": {"build": openai_request, "text": openai_text},
    "anthropic": {"build": anthropic_request, "text": anthropic_text},
    "gemini": {"build": gemini_request, "text": gemini_text},
}

# %% [markdown]
# Now the unified call. It reads the file, finds its MIME type from the magic bytes (lesson 01;
# here the package's `sniff_mime`), encodes it, builds the provider's request from the table,
# sends it and reads the answer. A 4xx or 5xx stops with the provider's own error message.

# %%
def call(provider, prompt, path, model=None):
    cfg = conf[provider]
    model = model or registry.default_model(provider)
    data = Path(path).read_bytes()
    mime = mmcourse.sniff_mime(data)
    b64 = base64.b64encode(data).decode("ascii")
    url, headers, body = PROVIDERS[provider]["build"](cfg, model, prompt, mime, b64)
    response = requests.post(url, headers=headers, json=body, timeout=60)
    if response.status_code >= 400:
        raise RuntimeError(f"{provider} {response.status_code}: {response.text[:300]}")
    return PROVIDERS[provider]["text"](response.json())

# %% [markdown]
# **Predict the output.** The same photo and prompt go to all three providers. Offline, will the
# three answers be the same, similar, or different? (Live, they would differ in wording.)

# %% tags=["nbval-check-output"]
prompt = "Describe this image in one sentence."
for provider in PROVIDERS:
    print(f"{provider:>9}: {call(provider, prompt, photo)}")

# %% [markdown]
# Identical: the emulator is not a model. It recognises the course photo and answers from its
# recorded caption, whatever the provider, so lessons compare wire formats rather than luck.
# With keys set, the same cell shows three models' own words.
#
# The function also works for any other image the providers accept, for example a PNG chart
# (note the MIME type now comes out as `image/png`):

# %% tags=["nbval-check-output"]
chart = datasets.path("charts/quarterly_revenue.png")
print(mmcourse.sniff_mime(chart.read_bytes()))
print(call("anthropic", "Which quarter is highest?", chart))

# %% [markdown]
# ## Meet `mmcourse.ask`
#
# You have now written the unified call once by hand. The course package has the same
# function, `mmcourse.ask(provider, prompt, *files)`, with retries, streaming and file
# uploads added. It returns an `Answer` with the text, the token usage and the raw JSON.

# %% tags=["nbval-check-output"]
answer = mmcourse.ask("gemini", prompt, photo)
print(answer.text)
print(answer.model, answer.finish_reason)
print(answer.usage)

# %% [markdown]
# `mmcourse.build_request` returns the request `ask` would send, without sending it. Its
# display truncates the base64 and redacts the key, so it is safe to print.

# %% tags=["nbval-check-output"]
request = mmcourse.build_request("anthropic", prompt, photo)
show_json(request.json)

# %% [markdown]
# **Predict the output.** Does the package put the same keys in the body as your
# `anthropic_request`? Compare the two bodies key by key.

# %% tags=["nbval-check-output"]
data = photo.read_bytes()
_, _, mine = anthropic_request(conf["anthropic"], registry.default_model("anthropic"), prompt,
                               "image/jpeg", base64.b64encode(data).decode("ascii"))
print("same top-level keys:", sorted(mine) == sorted(request.json))
print("same content blocks:", mine["messages"] == request.json["messages"])
print("max_tokens: mine", mine["max_tokens"], "vs package", request.json["max_tokens"])

# %% [markdown]
# Same blocks, in the same order (image first, then text, as Anthropic's vision docs
# recommend); only the default output cap differs. When a later lesson calls `mmcourse.ask`,
# this is the request it sends.

# %% [markdown]
# ## Look at the wire: three tools
#
# Three widgets show what you just built, in a form you can click through. In JupyterLab they
# are interactive (tabs, a collapsible tree, a chart); in a terminal or on GitHub they print as
# text. `PayloadInspector` builds the three requests for one file and prompt and lines them up:
# the highlighted rows are where the providers differ. Its last tab gives each as a `curl`
# command with the key left as an environment variable.

# %%
from mmcourse.widgets import Compare, PayloadInspector, ResponseViewer

PayloadInspector(photo, prompt)

# %% [markdown]
# `ResponseViewer` shows a whole response as a tree with the answer's path opened and marked,
# plus the usage and what it would cost at list price. Here, the answer you got from Gemini
# above (ids and clocks, which change on every call, print as `<varies per call>`).

# %%
ResponseViewer(answer)

# %% [markdown]
# `Compare` sends one prompt and file to all three and sets the answers side by side with their
# tokens and cost (and, with `show_latency=True`, the time each took: left out here so the
# committed notebook does not change from run to run). Offline, the three answers agree because
# they come from the same ground truth; live, this is how you choose a provider.

# %%
Compare(prompt, photo, show_latency=False)

# %% [markdown]
# ## Streaming: the answer as it is written
#
# With streaming on, the server sends the answer in pieces as server-sent events (SSE): lines
# of `event: <name>` and `data: <text>`, each event ended by a blank line. A small parser turns
# the lines into `(event, data)` pairs; it works for all three providers.

# %%
def iter_sse(response):
    """Yield (event name or None, data string) for each server-sent event."""
    event, data = None, []
    for raw in response.iter_lines():
        line = raw.decode("utf-8")
        if line == "":
            if data:
                yield event, "\n".join(data)
            event, data = None, []
        elif line.startswith("event:"):
            event = line[len("event:"):].strip()
        elif line.startswith("data:"):
            data.append(line[len("data:"):].strip())
    if data:
        yield event, "\n".join(data)

# %% [markdown]
# Turning streaming on differs per provider: OpenAI and Anthropic take `"stream": true` in the
# body; Gemini uses another method in the URL, `:streamGenerateContent?alt=sse` (without
# `alt=sse` it streams one long JSON array instead of SSE). Open one stream per provider and look
# at the events' shapes (ids and timestamps left out):

# %%
def open_stream(provider, prompt, path):
    cfg = conf[provider]
    data = Path(path).read_bytes()
    b64 = base64.b64encode(data).decode("ascii")
    model = registry.default_model(provider)
    url, headers, body = PROVIDERS[provider]["build"](cfg, model, prompt, mmcourse.sniff_mime(data), b64)
    if provider == "gemini":
        url = url.replace(":generateContent", ":streamGenerateContent?alt=sse")
    else:
        body["stream"] = True
    response = requests.post(url, headers=headers, json=body, stream=True, timeout=60)
    response.raise_for_status()
    return response


def shape(event, data):
    """A short name for one event: what it carries, never its ids or timestamps."""
    if data == "[DONE]":
        return "[DONE]"
    payload = json.loads(data)
    if event:  # Anthropic names its events
        return event
    if "choices" in payload:  # OpenAI: what the chunk's delta carries
        if not payload["choices"]:
            return "usage"
        choice = payload["choices"][0]
        carried = [k for k, v in choice["delta"].items() if v is not None]
        return choice["finish_reason"] or "+".join(carried)
    candidate = payload["candidates"][0]  # Gemini: a slice of a full response
    return "text" + ("+finishReason" if candidate.get("finishReason") else "")

# %% [markdown]
# **Predict the output.** Which provider ends its stream with a special marker, and which one
# sends an event that carries no content at all, only to keep the connection alive?

# %% tags=["nbval-check-output"]
for provider in PROVIDERS:
    with open_stream(provider, prompt, photo) as response:
        shapes = [shape(event, data) for event, data in iter_sse(response)]
    print(f"{provider:>9}: {len(shapes)} events: {shapes[:4]} ... {shapes[-2:]}")

# %% [markdown]
# OpenAI ends with `data: [DONE]`; Anthropic names every event and sends a `ping` to keep the
# connection open; Gemini just stops after a last chunk that carries `finishReason` and
# `usageMetadata`. The text sits in a different place in each:
#
# | provider | text of one event |
# |---|---|
# | OpenAI | `choices[0].delta.content` (the first chunk has only the role, the last only `finish_reason`) |
# | Anthropic | `delta.text` of `content_block_delta` events whose `delta.type` is `text_delta` |
# | Gemini | `candidates[0].content.parts[0].text` of each chunk |
#
# The package does all of this with `stream=True`, yielding the pieces as they arrive:

# %% tags=["nbval-check-output"]
pieces = list(mmcourse.ask("openai", prompt, photo, stream=True))
print(len(pieces), "pieces:", pieces[:3])
print("".join(pieces))

# %% [markdown]
# ## Exercises
#
# Each exercise has a check cell: run it after your code. `hint("ex-...")` shows a hint.

# %% [markdown] mmcourse={"exercise": "ex-media-part", "role": "instructions", "title": "One media part for any provider", "points": 3, "difficulty": "easy"}
# ### Exercise 1: one media part for any provider
#
# The three builders above each wrote their own image part. Write `media_part(provider, data,
# detail="auto")` that returns the part for the media bytes `data` in `provider`'s shape, the MIME
# type taken from the bytes with `mmcourse.sniff_mime(data)`:
#
# | provider | the part | what it takes |
# |---|---|---|
# | `"openai"` | `{"type": "image_url", "image_url": {"url": "data:<mime>;base64,<b64>", "detail": detail}}` | images; `detail` one of `"auto"`, `"low"`, `"high"`, `"original"` |
# | `"anthropic"` | `{"type": "image", "source": {"type": "base64", "media_type": <mime>, "data": <b64>}}` | `image/jpeg`, `image/png`, `image/gif`, `image/webp` |
# | `"gemini"` | `{"inline_data": {"mime_type": <mime>, "data": <b64>}}` | any type `sniff_mime` knows |
#
# `<b64>` is the raw base64 text. Raise `ValueError`, with a message naming what is wrong,
# instead of returning a part the provider would refuse: bytes of an unknown type, a type the
# provider does not take here (PDFs get their own parts in lesson 10), an unknown `detail`.
# `detail` matters only for OpenAI.

# %% [markdown] mmcourse={"exercise": "ex-media-part", "role": "hint"}
# Sniff first: `mime = mmcourse.sniff_mime(data)` (`None` when unknown) and
# `b64 = base64.b64encode(data).decode("ascii")`; then one branch, or one table row, per provider.

# %% mmcourse={"exercise": "ex-media-part", "role": "solution"}
IMAGE_TYPES = ("image/jpeg", "image/png", "image/gif", "image/webp")
DETAILS = ("auto", "low", "high", "original")


def media_part(provider, data, detail="auto"):
    ### BEGIN SOLUTION
    mime = mmcourse.sniff_mime(data)
    if mime is None:
        raise ValueError("unknown media type: these bytes match no known signature")
    b64 = base64.b64encode(data).decode("ascii")
    if provider == "openai":
        if mime not in IMAGE_TYPES:
            raise ValueError(f"an image_url part carries an image, not {mime}")
        if detail not in DETAILS:
            raise ValueError(f"detail must be one of {DETAILS}, not {detail!r}")
        return {"type": "image_url", "image_url": {"url": f"data:{mime};base64,{b64}", "detail": detail}}
    if provider == "anthropic":
        if mime not in IMAGE_TYPES:
            raise ValueError(f"Claude's image block takes JPEG, PNG, GIF or WEBP, not {mime}")
        return {"type": "image", "source": {"type": "base64", "media_type": mime, "data": b64}}
    if provider == "gemini":
        return {"inline_data": {"mime_type": mime, "data": b64}}
    raise ValueError(f"unknown provider {provider!r}: use openai, anthropic or gemini")
    ### END SOLUTION
    ### BEGIN STARTER
    # # Sniff the type, encode, then build this provider's part (or raise ValueError).
    # raise NotImplementedError("ex-media-part: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-media-part", "role": "visible-tests"}
import base64

from mmcourse import datasets


def test_the_cat_photo_for_each_provider():
    data = datasets.path("photos/chelsea.jpg").read_bytes()
    b64 = base64.b64encode(data).decode("ascii")
    expect(media_part("openai", data, "low"),
           {"type": "image_url", "image_url": {"url": "data:image/jpeg;base64," + b64, "detail": "low"}})
    expect(media_part("anthropic", data),
           {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": b64}})
    expect(media_part("gemini", data), {"inline_data": {"mime_type": "image/jpeg", "data": b64}})


def test_a_png_named_jpg_is_declared_png():
    data = datasets.path("errors/screenshot.jpg").read_bytes()
    expect(media_part("anthropic", data)["source"]["media_type"], "image/png")
    assert media_part("openai", data)["image_url"]["url"].startswith("data:image/png;base64,"), "declare image/png"


def test_what_a_provider_would_refuse_raises():
    pdf = datasets.path("documents/invoice.pdf").read_bytes()
    for provider, data, detail in (("anthropic", pdf, "auto"), ("openai", pdf, "auto"),
                                   ("gemini", b"just some text", "auto"),
                                   ("openai", datasets.path("photos/chelsea.jpg").read_bytes(), "medium")):
        try:
            media_part(provider, data, detail)
        except ValueError:
            continue
        raise AssertionError(f"media_part({provider!r}, ..., {detail!r}) should raise ValueError")
    expect(media_part("gemini", pdf)["inline_data"]["mime_type"], "application/pdf", what="Gemini takes a PDF inline")

# %% mmcourse={"exercise": "ex-media-part", "role": "hidden-tests"}
import base64
import io

from PIL import Image

from mmcourse import datasets
from mmcourse.grading import expect


def _raises(*args):
    try:
        media_part(*args)
    except ValueError:
        return True
    return False


def test_images_made_on_the_fly_for_every_provider(rng):
    for fmt, mime in [("GIF", "image/gif"), ("WEBP", "image/webp"), ("PNG", "image/png"), ("JPEG", "image/jpeg")]:
        buffer = io.BytesIO()
        Image.new("RGB", (rng.randint(2, 80), rng.randint(2, 80)), (rng.randint(0, 255), 10, 200)).save(buffer, fmt)
        data = buffer.getvalue()
        b64 = base64.b64encode(data).decode("ascii")
        detail = rng.choice(["auto", "low", "high", "original"])
        expect(media_part("openai", data, detail),
               {"type": "image_url", "image_url": {"url": f"data:{mime};base64,{b64}", "detail": detail}}, what=fmt)
        expect(media_part("anthropic", data),
               {"type": "image", "source": {"type": "base64", "media_type": mime, "data": b64}}, what=fmt)
        expect(media_part("gemini", data), {"inline_data": {"mime_type": mime, "data": b64}}, what=fmt)


def test_gemini_takes_course_media_of_every_kind(rng):
    for item in rng.sample(datasets.entries(), 6):
        data = datasets.path(item["path"]).read_bytes()
        expect(media_part("gemini", data), {"inline_data": {"mime_type": item["mime"],
                                                           "data": base64.b64encode(data).decode("ascii")}},
               what=item["path"])


def test_refusals(rng):
    for rel in rng.sample(["audio/meeting_excerpt.wav", "video/product_update.mp4", "documents/annual_report.pdf"], 2):
        data = datasets.path(rel).read_bytes()
        assert _raises("anthropic", data), f"{rel} is not an image Claude takes"
        assert _raises("openai", data), f"{rel} is not an image for an image_url part"
    junk = bytes(rng.randint(32, 126) for _ in range(rng.randint(0, 40)))
    assert all(_raises(p, junk) for p in ("openai", "anthropic", "gemini")), f"unknown bytes {junk!r} should raise"
    photo = datasets.path("photos/coffee.jpg").read_bytes()
    for detail in ["HIGH", "", "medium", None]:
        assert _raises("openai", photo, detail), f"detail={detail!r} should raise ValueError"

# %% [markdown] mmcourse={"exercise": "ex-answer-text", "role": "instructions", "title": "Read any answer, or its error", "points": 3, "difficulty": "medium"}
# ### Exercise 2: read any answer, or its error
# The readers above assume the answer is in the first block or part. Real responses are not
# always that tidy: Claude can return several content blocks (only `"type": "text"` blocks are
# text), Gemini several parts (parts with `"thought": true` are the model's reasoning, not the
# answer) or no candidates at all (a blocked prompt), and OpenAI's `content` is `null` when the
# model refuses.
#
# Write `read_answer(provider, body)` for `"openai"`, `"anthropic"` and `"gemini"`: `body` is a
# response's parsed JSON. Return
# `{"text": ..., "finish_reason": ..., "input_tokens": ..., "output_tokens": ...}`:
#
# - `text`: the text blocks or parts joined with no separator, thoughts and non-text blocks
#   skipped; `""` when there is none;
# - `finish_reason`: OpenAI's `finish_reason`, Anthropic's `stop_reason`, Gemini's
#   `finishReason` (for a blocked prompt: `promptFeedback.blockReason`);
# - the tokens: OpenAI `usage.prompt_tokens`/`completion_tokens`, Anthropic
#   `usage.input_tokens`/`output_tokens`, Gemini `usageMetadata.promptTokenCount`/
#   `candidatesTokenCount` (`0` when missing).
#
# An **error** body (OpenAI and Gemini `{"error": {...}}`, Gemini sometimes inside a list,
# Anthropic `{"type": "error", "error": {...}}`) raises `RuntimeError` whose message contains the
# error's `message` and its kind (`type`, or Gemini's `status`).

# %% [markdown] mmcourse={"exercise": "ex-answer-text", "role": "hint"}
# Errors first: unwrap a list, then `if "error" in body:` (all three put the details there).
# Anthropic: `"".join(b["text"] for b in body["content"] if b.get("type") == "text")`.

# %% [markdown] mmcourse={"exercise": "ex-answer-text", "role": "hint"}
# Gemini: `body.get("candidates") or []` may be empty (a blocked prompt); take the first
# candidate's `content.parts` and skip parts with `part.get("thought")`. OpenAI:
# `message["content"] or ""`.

# %% mmcourse={"exercise": "ex-answer-text", "role": "solution"}
def read_answer(provider, body):
    ### BEGIN SOLUTION
    if isinstance(body, list) and body:  # Gemini sometimes wraps its error in a list
        body = body[0]
    if "error" in body:
        error = body["error"]
        raise RuntimeError(f"{provider} {error.get('type') or error.get('status')}: {error.get('message')}")
    if provider == "openai":
        choice = (body.get("choices") or [{}])[0]
        usage = body.get("usage") or {}
        return {"text": (choice.get("message") or {}).get("content") or "",
                "finish_reason": choice.get("finish_reason"),
                "input_tokens": usage.get("prompt_tokens", 0), "output_tokens": usage.get("completion_tokens", 0)}
    if provider == "anthropic":
        usage = body.get("usage") or {}
        return {"text": "".join(b.get("text", "") for b in body.get("content") or [] if b.get("type") == "text"),
                "finish_reason": body.get("stop_reason"),
                "input_tokens": usage.get("input_tokens", 0), "output_tokens": usage.get("output_tokens", 0)}
    if provider == "gemini":
        usage = body.get("usageMetadata") or {}
        tokens = {"input_tokens": usage.get("promptTokenCount", 0), "output_tokens": usage.get("candidatesTokenCount", 0)}
        candidates = body.get("candidates") or []
        if not candidates:
            return {"text": "", "finish_reason": (body.get("promptFeedback") or {}).get("blockReason"), **tokens}
        parts = (candidates[0].get("content") or {}).get("parts") or []
        return {"text": "".join(p.get("text", "") for p in parts if not p.get("thought")),
                "finish_reason": candidates[0].get("finishReason"), **tokens}
    raise ValueError(f"unknown provider {provider!r}")
    ### END SOLUTION
    ### BEGIN STARTER
    # # Errors first; then one branch (or one table row) per provider.
    # raise NotImplementedError("ex-answer-text: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-answer-text", "role": "visible-tests"}
def test_openai_plain_and_refusal():
    body = {"choices": [{"message": {"role": "assistant", "content": "A cat."}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": 300, "completion_tokens": 3}}
    expect(read_answer("openai", body), {"text": "A cat.", "finish_reason": "stop", "input_tokens": 300, "output_tokens": 3})
    refused = {"choices": [{"message": {"role": "assistant", "content": None, "refusal": "No."}, "finish_reason": "stop"}],
               "usage": {"prompt_tokens": 300, "completion_tokens": 2}}
    expect(read_answer("openai", refused)["text"], "")


def test_anthropic_joins_text_blocks_only():
    body = {"type": "message", "content": [{"type": "thinking", "thinking": "hmm"}, {"type": "text", "text": "A "},
                                           {"type": "text", "text": "cat."}],
            "stop_reason": "end_turn", "usage": {"input_tokens": 280, "output_tokens": 9}}
    expect(read_answer("anthropic", body),
           {"text": "A cat.", "finish_reason": "end_turn", "input_tokens": 280, "output_tokens": 9})


def test_gemini_skips_thoughts_and_reads_a_block():
    body = {"candidates": [{"content": {"role": "model", "parts": [
        {"text": "Let me look.", "thought": True}, {"text": "A "}, {"text": "cat."}]}, "finishReason": "STOP"}],
        "usageMetadata": {"promptTokenCount": 270, "candidatesTokenCount": 3}}
    expect(read_answer("gemini", body), {"text": "A cat.", "finish_reason": "STOP", "input_tokens": 270, "output_tokens": 3})
    blocked = read_answer("gemini", {"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": {"promptTokenCount": 9}})
    expect(blocked, {"text": "", "finish_reason": "SAFETY", "input_tokens": 9, "output_tokens": 0})


def test_an_error_raises_with_its_message():
    try:
        read_answer("anthropic", {"type": "error", "error": {"type": "invalid_request_error",
                                                             "message": "max_tokens: Field required"}})
    except RuntimeError as exc:
        assert "max_tokens: Field required" in str(exc) and "invalid_request_error" in str(exc), (
            f"the RuntimeError should carry the error's type and message, got: {exc}")
        return
    raise AssertionError("an error response should raise RuntimeError")

# %% mmcourse={"exercise": "ex-answer-text", "role": "hidden-tests"}
from mmcourse.grading import expect


def _words(rng):
    return ["".join(rng.choice("abcdefgh ") for _ in range(rng.randint(0, 9))) for _ in range(rng.randint(0, 5))]


def test_random_answers_from_every_provider(rng):
    for _ in range(8):
        words, tokens_in, tokens_out = _words(rng), rng.randint(1, 9000), rng.randint(0, 900)
        text = "".join(words)
        want = {"text": text, "input_tokens": tokens_in, "output_tokens": tokens_out}
        finish = rng.choice(["stop", "length", "content_filter"])
        openai = {"choices": [{"index": 0, "message": {"role": "assistant", "content": text if text or rng.random() < 0.5 else None},
                               "finish_reason": finish}],
                  "usage": {"prompt_tokens": tokens_in, "completion_tokens": tokens_out, "total_tokens": tokens_in + tokens_out}}
        expect(read_answer("openai", openai), {**want, "finish_reason": finish}, what="an OpenAI answer")
        content = [{"type": "text", "text": w} for w in words]
        for _ in range(rng.randint(0, 2)):
            content.insert(rng.randint(0, len(content)), rng.choice([
                {"type": "thinking", "thinking": "hmm", "signature": "s"},
                {"type": "tool_use", "id": "toolu_1", "name": "lookup", "input": {}}]))
        stop = rng.choice(["end_turn", "max_tokens", "stop_sequence", "tool_use", "refusal"])
        anthropic = {"type": "message", "role": "assistant", "content": content, "stop_reason": stop,
                     "usage": {"input_tokens": tokens_in, "output_tokens": tokens_out}}
        expect(read_answer("anthropic", anthropic), {**want, "finish_reason": stop}, what="a Claude answer")
        parts = [{"text": w} for w in words]
        for _ in range(rng.randint(0, 2)):
            parts.insert(rng.randint(0, len(parts)), {"text": "secret", "thought": True})
        reason = rng.choice(["STOP", "MAX_TOKENS", "SAFETY"])
        usage = {"promptTokenCount": tokens_in, "totalTokenCount": tokens_in + tokens_out}
        if tokens_out:
            usage["candidatesTokenCount"] = tokens_out
        gemini = {"candidates": [{"content": {"role": "model", **({"parts": parts} if parts else {})},
                                  "finishReason": reason}], "usageMetadata": usage}
        expect(read_answer("gemini", gemini), {**want, "finish_reason": reason}, what="a Gemini answer")


def test_random_errors_raise_with_their_message(rng):
    message = f"demo message {rng.randrange(10**6)}"
    cases = [("openai", {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": None}},
              "invalid_request_error"),
             ("anthropic", {"type": "error", "error": {"type": "overloaded_error", "message": message}}, "overloaded_error"),
             ("gemini", {"error": {"code": 429, "message": message, "status": "RESOURCE_EXHAUSTED"}}, "RESOURCE_EXHAUSTED"),
             ("gemini", [{"error": {"code": 400, "message": message, "status": "INVALID_ARGUMENT"}}], "INVALID_ARGUMENT")]
    for provider, body, kind in cases:
        try:
            read_answer(provider, body)
        except RuntimeError as exc:
            assert message in str(exc) and kind in str(exc), f"{provider}: the RuntimeError should carry {kind} and the message"
            continue
        raise AssertionError(f"a {provider} error body should raise RuntimeError")


# %% [markdown] mmcourse={"exercise": "ex-system-prompt", "role": "instructions", "title": "A system prompt in three places", "points": 3, "difficulty": "medium"}
# ### Exercise 3: a system prompt in three places
# A system prompt (the standing instructions for the whole conversation) lives in a different
# place at each provider:
#
# - OpenAI: a first message `{"role": "system", "content": "..."}` before the user message
#   (`"developer"` is the newer name; both work);
# - Anthropic: a top-level `"system": "..."` field (there is no system role in `messages`);
# - Gemini: a top-level `"system_instruction": {"parts": [{"text": "..."}]}`.
#
# Write `ask_with_system(provider, system, prompt, path)`: build the request with the builders
# in `PROVIDERS`, add the system prompt where that provider expects it, send it, and return the
# answer text. The check looks at the request the emulator actually received.

# %% [markdown] mmcourse={"exercise": "ex-system-prompt", "role": "hint"}
# Start like `call`: `url, headers, body = PROVIDERS[provider]["build"](conf[provider], model, prompt, mime, b64)`.
# Then change `body` for the provider, post it, and read the text with `PROVIDERS[provider]["text"]`.

# %% [markdown] mmcourse={"exercise": "ex-system-prompt", "role": "hint"}
# OpenAI: `body["messages"].insert(0, {"role": "system", "content": system})`. Anthropic:
# `body["system"] = system`. Gemini: `body["system_instruction"] = {"parts": [{"text": system}]}`.
# A small dict of three functions keeps it an honest table.

# %% mmcourse={"exercise": "ex-system-prompt", "role": "solution"}
def ask_with_system(provider, system, prompt, path):
    ### BEGIN SOLUTION
    def openai_system(body):
        body["messages"].insert(0, {"role": "system", "content": system})

    def anthropic_system(body):
        body["system"] = system

    def gemini_system(body):
        body["system_instruction"] = {"parts": [{"text": system}]}

    add_system = {"openai": openai_system, "anthropic": anthropic_system, "gemini": gemini_system}
    data = Path(path).read_bytes()
    b64 = base64.b64encode(data).decode("ascii")
    model = registry.default_model(provider)
    url, headers, body = PROVIDERS[provider]["build"](conf[provider], model, prompt, mmcourse.sniff_mime(data), b64)
    add_system[provider](body)
    response = requests.post(url, headers=headers, json=body, timeout=60)
    response.raise_for_status()
    return PROVIDERS[provider]["text"](response.json())
    ### END SOLUTION
    ### BEGIN STARTER
    # # Build with PROVIDERS[provider]["build"], put `system` where the provider expects it,
    # # post, and return the text.
    # raise NotImplementedError("ex-system-prompt: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-system-prompt", "role": "visible-tests"}
from mmcourse.grading import last_request

SYSTEM = "You are a museum guide. Answer in one sentence."


def system_text_of(provider, request):
    """The system prompt as the emulator saw it, wherever the provider keeps it."""
    if provider == "openai":
        first = request["messages"][0]
        return first["content"] if first["role"] in ("system", "developer") else None
    if provider == "anthropic":
        return request.get("system")
    instruction = request.get("system_instruction") or request.get("systemInstruction") or {}
    return "".join(p.get("text", "") for p in instruction.get("parts", []))


def test_each_provider_received_the_system_prompt():
    for provider in ("openai", "anthropic", "gemini"):
        text = ask_with_system(provider, SYSTEM, "What is in this picture?", photo)
        record = last_request(provider)
        assert record is not None, f"no {provider} request reached the emulator"
        assert record["verdict"] == "accepted", f"{provider} refused the request: {record['error']}"
        assert system_text_of(provider, record["request"]) == SYSTEM, f"{provider}: the system prompt is not where {provider} reads it"
        assert isinstance(text, str) and text, f"{provider}: return the answer text"


def test_the_photo_still_reached_every_provider():
    for provider in ("openai", "anthropic", "gemini"):
        ask_with_system(provider, SYSTEM, "What is in this picture?", photo)
        media = last_request(provider)["media"]
        assert [m["mime"] for m in media] == ["image/jpeg"], f"{provider}: the photo is missing from the request"

# %% mmcourse={"exercise": "ex-system-prompt", "role": "hidden-tests"}
import hashlib

from mmcourse import datasets
from mmcourse.grading import last_request


def system_text_of(provider, request):
    if provider == "openai":
        first = request["messages"][0]
        return first["content"] if first["role"] in ("system", "developer") else None
    if provider == "anthropic":
        return request.get("system")
    instruction = request.get("system_instruction") or request.get("systemInstruction") or {}
    return "".join(p.get("text", "") for p in instruction.get("parts", []))


def test_other_system_text_and_a_png(rng):
    words = ["terse", "friendly", "formal", "pirate", "poetic", "technical"]
    system = f"Be {rng.choice(words)} and {rng.choice(words)}. Code {rng.randint(1000, 9999)}."
    png = datasets.path("charts/regional_sales.png")
    digest = hashlib.sha256(png.read_bytes()).hexdigest()
    for provider in ("openai", "anthropic", "gemini"):
        ask_with_system(provider, system, "Which region sells the most?", png)
        record = last_request(provider)
        assert record["verdict"] == "accepted", f"{provider} refused the PNG: {record['error']}"
        assert system_text_of(provider, record["request"]) == system, f"{provider}: wrong system text"
        assert [m["sha256"] for m in record["media"]] == [digest], f"{provider}: the PNG did not arrive intact"

# %% [markdown] mmcourse={"exercise": "ex-stream-call", "role": "instructions", "title": "Stream from any provider", "points": 3, "difficulty": "medium"}
# ### Exercise 4: stream from any provider
# Write a generator `stream_call(provider, prompt, path)` that sends a streaming request and
# yields the text pieces as they arrive, for all three providers. Use `iter_sse` for the
# events and the table in the streaming section for where each provider keeps the text.
# `"".join(stream_call(...))` must equal the non-streamed answer to the same request.

# %% [markdown] mmcourse={"exercise": "ex-stream-call", "role": "hint"}
# `open_stream(provider, prompt, path)` above already sends the right streaming request; what
# is left is turning each `(event, data)` into text or nothing. Stop at OpenAI's `[DONE]`.

# %% [markdown] mmcourse={"exercise": "ex-stream-call", "role": "hint"}
# One function per provider: `payload["choices"][0]["delta"].get("content")` for OpenAI (skip
# chunks whose `choices` is empty); `payload["delta"]["text"]` when
# `payload["type"] == "content_block_delta"` and `payload["delta"]["type"] == "text_delta"` for
# Anthropic; `answer_text("gemini", payload)` or the first part's text for Gemini.

# %% mmcourse={"exercise": "ex-stream-call", "role": "solution"}
def stream_call(provider, prompt, path):
    ### BEGIN SOLUTION
    def openai_piece(payload):
        choices = payload.get("choices") or []
        return (choices[0].get("delta") or {}).get("content") if choices else None

    def anthropic_piece(payload):
        delta = payload.get("delta") or {}
        if payload.get("type") == "content_block_delta" and delta.get("type") == "text_delta":
            return delta["text"]
        return None

    def gemini_piece(payload):
        candidates = payload.get("candidates") or []
        parts = (candidates[0].get("content") or {}).get("parts") or [] if candidates else []
        return "".join(p.get("text", "") for p in parts if not p.get("thought")) or None

    piece = {"openai": openai_piece, "anthropic": anthropic_piece, "gemini": gemini_piece}[provider]
    with open_stream(provider, prompt, path) as response:
        for _event, data in iter_sse(response):
            if data == "[DONE]":
                return
            text = piece(json.loads(data))
            if text:
                yield text
    ### END SOLUTION
    ### BEGIN STARTER
    # # Open the stream, parse its events with iter_sse, and yield each piece of text.
    # raise NotImplementedError("ex-stream-call: write your code here")
    # yield  # (makes this function a generator)
    ### END STARTER

# %% mmcourse={"exercise": "ex-stream-call", "role": "visible-tests"}
from mmcourse.grading import last_request


def test_streamed_text_equals_the_plain_answer():
    for provider in ("openai", "anthropic", "gemini"):
        pieces = list(stream_call(provider, "Describe this image in one sentence.", photo))
        assert len(pieces) > 1, f"{provider}: expected several pieces, got {len(pieces)}"
        expect("".join(pieces), call(provider, "Describe this image in one sentence.", photo), what=provider)


def test_the_requests_asked_for_a_stream():
    for provider in ("openai", "anthropic", "gemini"):
        list(stream_call(provider, "Describe this image.", photo))
        record = last_request(provider)
        if provider == "gemini":
            assert record["path"].endswith(":streamGenerateContent"), "Gemini streams through :streamGenerateContent?alt=sse"
        else:
            assert record["request"].get("stream") is True, f'{provider}: set "stream": true in the body'

# %% mmcourse={"exercise": "ex-stream-call", "role": "hidden-tests"}
from mmcourse import datasets
from mmcourse.grading import expect


def test_streams_a_chart_answer(rng):
    chart = datasets.path(rng.choice(["charts/monthly_active_users.png", "charts/budget_split.png"]))
    for provider in ("openai", "anthropic", "gemini"):
        streamed = "".join(stream_call(provider, "Describe the trend in this chart.", chart))
        expect(streamed, call(provider, "Describe the trend in this chart.", chart), what=provider)
