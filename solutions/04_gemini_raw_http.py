# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 04 · Gemini generateContent over raw HTTP
#
# The third provider, the third wire format. Gemini puts the model in the URL, nests your message
# as `contents` of `parts`, and lets the key travel in two places, one much safer than the other.
#
# **Objectives**
# - Call `models/{model}:generateContent` with a `contents` / `parts` body.
# - Send an image as an `inline_data` part: raw base64 and a `mime_type`.
# - Send the key in the `x-goog-api-key` header, and explain why `?key=` in the URL is risky.
# - Read the answer at `candidates[0].content.parts`, with `finishReason` and `usageMetadata`.
# - Recognise Gemini's surprising status codes for key mistakes.
#
# **Estimated time: 30 min**
#
# **Exercises:** 2 (0 easy, 2 medium, 0 hard).
#
# **You need:** lessons 00-03. Offline by default; with `GEMINI_API_KEY` (or `GOOGLE_API_KEY`) set
# the same cells call the real API (a few small images: well under one cent).

# %%
import mmcourse

conf = mmcourse.setup()

# %% [markdown]
# ## The request at a glance
#
# From the Gemini API reference, the official `google-genai` SDK and Google's REST cookbook (2026):
#
# | Part | Value |
# |---|---|
# | method and URL | `POST https://generativelanguage.googleapis.com/v1beta/models/{model}:generateContent` |
# | auth | header `x-goog-api-key: <key>` (what the official SDK sends), or `?key=<key>` in the URL |
# | body | JSON: `contents` is required; the model is in the URL, not the body |
# | options | `generationConfig` (e.g. `maxOutputTokens`), `systemInstruction` |

# %% tags=["nbval-check-output"]
import base64

import requests

from mmcourse import datasets
from mmcourse.display import show_image, show_json

cfg = conf["gemini"]
MODEL = mmcourse.registry.default_model("gemini")
URL = f"{cfg.base_url}/v1beta/models/{MODEL}:generateContent"
HEADERS = {"x-goog-api-key": cfg.api_key}
print(MODEL)

# %% [markdown]
# ## `contents`, `parts` and `inline_data`
#
# `contents` is the conversation: a list of turns, each `{"role": "user" | "model", "parts": [...]}`.
# A part is text or media. Inline media is an `inline_data` part with **raw base64** (no `data:`
# prefix, as with Anthropic) and its `mime_type`:

# %%
photo = datasets.path("photos/chelsea.jpg")
show_image(photo, max_edge=160)

# %% tags=["nbval-check-output"]
data = photo.read_bytes()
body = {
    "contents": [
        {"role": "user", "parts": [
            {"text": "What animal is in the photo?"},
            {"inline_data": {"mime_type": "image/jpeg", "data": base64.b64encode(data).decode("ascii")}},
        ]},
    ],
    "generationConfig": {"maxOutputTokens": 300},
}
show_json(body)

# %% [markdown]
# **Predict:** the answer is a few levels down again. Which keys lead to the text this time?

# %% tags=["nbval-check-output"]
r = requests.post(URL, headers=HEADERS, json=body, timeout=60)
print(r.status_code)
reply = r.json()
print(reply["candidates"][0]["content"]["parts"][0]["text"])

# %% [markdown]
# The whole response, without the `responseId` that changes on every call:

# %% tags=["nbval-check-output"]
show_json({key: value for key, value in reply.items() if key != "responseId"})

# %% [markdown]
# - `candidates[0].content` mirrors your turn: `role: "model"` and a list of `parts`. Thinking
#   models can add parts marked `"thought": true`; join the text of the other parts.
# - `finishReason` is `STOP`, or `MAX_TOKENS` when your limit cut the answer (also `SAFETY` and
#   others).
# - `usageMetadata.promptTokenCount` includes the image, and `promptTokensDetails` splits it by
#   modality. Gemini's token docs: an image with both sides at most 384 px costs 258 tokens; larger
#   ones are cut into 768 px tiles of 258 tokens each.
# - Responses are always **camelCase** (`finishReason`, `inlineData`). Requests may use either
#   `inline_data`/`mime_type` (the REST cookbook's style) or `inlineData`/`mimeType` (what the SDK sends):

# %% tags=["nbval-check-output"]
camel = {"contents": [{"role": "user", "parts": [
    {"text": "What animal is in the photo?"},
    {"inlineData": {"mimeType": "image/jpeg", "data": base64.b64encode(data).decode("ascii")}},
]}]}
r = requests.post(URL, headers=HEADERS, json=camel, timeout=60)
print(r.status_code, r.json()["candidates"][0]["content"]["parts"][0]["text"])

# %% [markdown]
# ## The key: header or URL?
#
# Older examples put the key in the URL: `...:generateContent?key=YOUR_KEY`. It works, but a URL
# is copied to places a header is not: server and proxy access logs, browser and shell history,
# monitoring tools, and **error messages**. Watch `requests` put it into an exception.
#
# **Predict:** we ask for a model that was retired (`gemini-1.5-flash`), so the API answers 404 and
# `raise_for_status()` raises. Does the exception text contain the key?

# %% tags=["nbval-check-output"]
retired = f"{cfg.base_url}/v1beta/models/gemini-1.5-flash:generateContent"

r = requests.post(retired, params={"key": cfg.api_key}, json={"contents": [{"parts": [{"text": "Hi"}]}]}, timeout=60)
try:
    r.raise_for_status()
except requests.HTTPError as exc:
    print(r.status_code, "| the key is in r.url:", cfg.api_key in r.url, "| and in the error text:", cfg.api_key in str(exc))

# %% [markdown]
# Any `print(exc)`, logger or crash report now holds the key (we print only `True`, never the
# text). The same request with the header:

# %% tags=["nbval-check-output"]
r = requests.post(retired, headers=HEADERS, json={"contents": [{"parts": [{"text": "Hi"}]}]}, timeout=60)
try:
    r.raise_for_status()
except requests.HTTPError as exc:
    print(r.status_code, "| the key is in r.url:", cfg.api_key in r.url, "| and in the error text:", cfg.api_key in str(exc))

# %% [markdown]
# Same answer, and the key stays out of URLs. **Use the `x-goog-api-key` header** (the official
# SDK does). If you meet `?key=` in old code, move it to the header; when you must show a URL,
# hide the key first, as `mmcourse` does everywhere it prints one.

# %% [markdown]
# ## The classic mistakes, and their surprising status codes
#
# Gemini's errors use Google's envelope: `{"error": {"code", "message", "status", "details"?}}`.
#
# **Predict:** OpenAI and Anthropic answer a missing or wrong key with 401. What does Gemini answer?

# %%
def attempt(label, headers, body):
    """Send a request and print the status and the error, if any."""
    r = requests.post(URL, headers=headers, json=body, timeout=60)
    if r.ok:
        print(f"{label}: {r.status_code}")
    else:
        error = r.json()["error"]
        print(f"{label}: {r.status_code} {error['status']}\n    {error['message']}")


def with_part(part):
    """The lesson's body with the image part replaced."""
    return {"contents": [{"role": "user", "parts": [{"text": "What animal is in the photo?"}, part]}]}


b64 = base64.b64encode(data).decode("ascii")

# %% tags=["nbval-check-output"]
attempt("1 no key at all", {}, body)
attempt("2 a wrong key", {"x-goog-api-key": "my-invalid-key"}, body)
attempt("3 image/jpg", HEADERS, with_part({"inline_data": {"mime_type": "image/jpg", "data": b64}}))
attempt("4 a data URL as data", HEADERS, with_part(
    {"inline_data": {"mime_type": "image/jpeg", "data": "data:image/jpeg;base64," + b64}}))

# %% [markdown]
# - No key is **403** `PERMISSION_DENIED`, and a wrong key is **400** `INVALID_ARGUMENT` with
#   reason `API_KEY_INVALID` (as observed from the real API): code that only treats 401 as "bad
#   key" misses both.
# - `image/jpg` is not a MIME type: the registered name is `image/jpeg`.
# - A data URL is not base64: the decoder stops at `data:`.

# %% [markdown]
# ## `maxOutputTokens`
#
# The limit lives in `generationConfig`. When it cuts the answer, `finishReason` says `MAX_TOKENS`:

# %% tags=["nbval-check-output"]
short = with_part({"inline_data": {"mime_type": "image/jpeg", "data": b64}})
short["contents"][0]["parts"][0] = {"text": "Describe this image in one sentence."}
short["generationConfig"] = {"maxOutputTokens": 5}
candidate = requests.post(URL, headers=HEADERS, json=short, timeout=60).json()["candidates"][0]
print(candidate["finishReason"], [part.get("text") for part in candidate["content"].get("parts", [])])

# %% [markdown]
# On thinking models (Gemini 2.5 and later) thinking uses the same budget, so live a small limit
# can return a candidate whose `content` has **no `parts` at all**. Read it with `.get("parts", [])`,
# as above, and check `finishReason`.

# %% [markdown] mmcourse={"exercise": "ex-gemini-vision", "role": "instructions", "title": "Ask Gemini about an image", "points": 4, "difficulty": "medium"}
# ### Exercise 1: ask Gemini about an image
#
# Write `ask_gemini_image(base_url, api_key, model, path, question, max_output_tokens=300)` that
# sends the `question` and the image file at `path` in one user turn to
# `{base_url}/v1beta/models/{model}:generateContent` and returns the answer: the text of the first
# candidate's parts joined (skip parts marked `"thought": true`; no parts means `""`).
#
# - Send the key in the `x-goog-api-key` **header**, never in the URL.
# - Limit the answer with `generationConfig.maxOutputTokens`.
# - Raise `requests.HTTPError` for an error status (`r.raise_for_status()`).
#
# The check reads the emulator's log, which records whether a key came in the URL.

# %% [markdown] mmcourse={"exercise": "ex-gemini-vision", "role": "hint"}
# The body is `{"contents": [{"role": "user", "parts": [{"text": question}, {"inline_data": {...}}]}],
# "generationConfig": {"maxOutputTokens": max_output_tokens}}`.

# %% [markdown] mmcourse={"exercise": "ex-gemini-vision", "role": "hint"}
# `parts = r.json()["candidates"][0]["content"].get("parts", [])`, then join `p.get("text", "")`
# for the parts where `not p.get("thought")`.

# %% mmcourse={"exercise": "ex-gemini-vision", "role": "solution"}
from pathlib import Path


def ask_gemini_image(base_url, api_key, model, path, question, max_output_tokens=300):
    ### BEGIN SOLUTION
    data = Path(path).read_bytes()
    part = {"inline_data": {"mime_type": mmcourse.sniff_mime(data), "data": base64.b64encode(data).decode("ascii")}}
    r = requests.post(
        f"{base_url}/v1beta/models/{model}:generateContent",
        headers={"x-goog-api-key": api_key},
        json={"contents": [{"role": "user", "parts": [{"text": question}, part]}],
              "generationConfig": {"maxOutputTokens": max_output_tokens}},
        timeout=60,
    )
    r.raise_for_status()
    parts = r.json()["candidates"][0]["content"].get("parts", [])
    return "".join(p.get("text", "") for p in parts if not p.get("thought"))
    ### END SOLUTION
    ### BEGIN STARTER
    # raise NotImplementedError("ex-gemini-vision: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-gemini-vision", "role": "visible-tests"}

from mmcourse import datasets, registry


def test_the_cat_photo_reaches_gemini():
    cfg = offline_config("gemini")
    rel = "photos/chelsea.jpg"
    model = registry.default_model("gemini")
    answer = ask_gemini_image(cfg.base_url, cfg.api_key, model, datasets.path(rel), "What animal is in the photo?")
    record = last_request("gemini")
    assert record is not None, "no request reached the emulator"
    assert record["verdict"] == "accepted", f"the emulator refused the request: {record['error']}"
    expect(record["model"], model, what="the model in your URL")
    assert "?key" not in record["headers"], "the key arrived in the URL (?key=): send it in the x-goog-api-key header"
    assert record["headers"].get("x-goog-api-key") == "<redacted>", "send the key in the x-goog-api-key header"
    assert [m["sha256"] for m in record["media"]] == [datasets.entry(rel)["sha256"]], "the photo's bytes did not arrive"
    assert type(answer) is str and "cat" in answer, f"the emulator answered 'a cat.', your function returned {answer!r}"

# %% mmcourse={"exercise": "ex-gemini-vision", "role": "hidden-tests"}

import requests

from mmcourse import datasets


def _limit(request):
    generation = request.get("generationConfig") or request.get("generation_config") or {}
    return generation.get("maxOutputTokens", generation.get("max_output_tokens"))


def test_other_photos_questions_and_models(rng):
    cfg = offline_config("gemini")
    items = datasets.entries("photo") + datasets.entries("chart")
    for _ in range(3):
        item = rng.choice(items)
        facts = item["truth"].get("facts") or {"What is the title of this chart?": item["truth"].get("title", "")}
        question, fact = rng.choice(sorted(facts.items()))
        model = rng.choice(["gemini-2.5-flash", "gemini-2.5-pro", "gemini-2.5-flash-lite", "gemini-3.5-flash"])
        limit = rng.randint(200, 2000)
        answer = ask_gemini_image(cfg.base_url, cfg.api_key, model, str(datasets.path(item["path"])), question, limit)
        record = last_request("gemini")
        assert record["verdict"] == "accepted", f"{model} refused the request: {record['error']}"
        expect(record["model"], model, what="the model in your URL")
        assert "?key" not in record["headers"], "the key arrived in the URL: use the x-goog-api-key header"
        expect([m["sha256"] for m in record["media"]], [item["sha256"]], what="the media that arrived")
        expect(_limit(record["request"]), limit, what="generationConfig.maxOutputTokens")
        assert type(answer) is str and fact.lower() in answer.lower(), f"expected the answer text with {fact!r}, got {answer!r}"


def test_errors_raise():
    cfg = offline_config("gemini")
    try:
        ask_gemini_image(cfg.base_url, "demo-invalid-key", "gemini-2.5-flash", datasets.path("photos/coffee.jpg"),
                         "What drink is shown?")
    except requests.HTTPError:
        return
    raise AssertionError("a 400 API_KEY_INVALID should raise requests.HTTPError")

# %% [markdown] mmcourse={"exercise": "ex-gemini-problem", "role": "instructions", "title": "Is there an answer to trust?", "points": 3, "difficulty": "medium"}
# ### Exercise 2: is there an answer to trust?
#
# Gemini answers HTTP 200 even when it gives you nothing usable: a blocked prompt has no
# candidates at all, and a candidate can stop for safety, at the token limit, or with only
# thoughts. Write `gemini_problem(reply)` that takes the parsed JSON of a `generateContent`
# response and returns `None` when the first candidate holds an answer to trust, else a string
# that starts with the reason:
#
# 1. no `candidates`: the prompt was blocked; return `promptFeedback.blockReason` (e.g.
#    `"SAFETY"`, `"PROHIBITED_CONTENT"`), or `"BLOCKED"` when Gemini gave no reason;
# 2. a `finishReason` other than `"STOP"`: return it (`"MAX_TOKENS"`, `"RECITATION"`, ...); for
#    `"SAFETY"` add the categories of the `safetyRatings` marked `"blocked": true`, e.g.
#    `"SAFETY: HARM_CATEGORY_DANGEROUS_CONTENT"`;
# 3. `"STOP"` but no text outside `"thought": true` parts (or no parts at all): return `"EMPTY"`.
#
# (`finishReason` and `blockReason` values from Google's `generateContent` reference and the
# google-genai SDK's `FinishReason` and `BlockedReason`, 2026.)

# %% [markdown] mmcourse={"exercise": "ex-gemini-problem", "role": "hint"}
# `candidates = reply.get("candidates") or []`; then `candidate = candidates[0]`,
# `parts = (candidate.get("content") or {}).get("parts") or []`.

# %% [markdown] mmcourse={"exercise": "ex-gemini-problem", "role": "hint"}
# For the safety categories: `[r["category"] for r in candidate.get("safetyRatings", []) if r.get("blocked")]`,
# joined with `", "`.

# %% mmcourse={"exercise": "ex-gemini-problem", "role": "solution"}
def gemini_problem(reply):
    ### BEGIN SOLUTION
    candidates = reply.get("candidates") or []
    if not candidates:
        return (reply.get("promptFeedback") or {}).get("blockReason") or "BLOCKED"
    candidate = candidates[0]
    finish = candidate.get("finishReason")
    if finish != "STOP":
        if finish == "SAFETY":
            blocked = [r["category"] for r in candidate.get("safetyRatings", []) if r.get("blocked")]
            return "SAFETY: " + ", ".join(blocked) if blocked else "SAFETY"
        return finish or "UNKNOWN"
    parts = (candidate.get("content") or {}).get("parts") or []
    if not any(p.get("text") for p in parts if not p.get("thought")):
        return "EMPTY"
    return None
    ### END SOLUTION
    ### BEGIN STARTER
    # # No candidates? A finishReason other than STOP? No text outside thoughts? Else None.
    # raise NotImplementedError("ex-gemini-problem: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-gemini-problem", "role": "visible-tests"}
def test_the_reply_from_this_lesson_can_be_trusted():
    assert gemini_problem(reply) is None, f"this lesson's reply is a good answer; got {gemini_problem(reply)!r}"


def test_a_blocked_prompt():
    expect(gemini_problem({"promptFeedback": {"blockReason": "SAFETY"}, "usageMetadata": {"promptTokenCount": 9}}),
           "SAFETY")


def test_cut_off_and_thoughts_only():
    cut = {"candidates": [{"content": {"role": "model"}, "finishReason": "MAX_TOKENS"}]}
    expect(gemini_problem(cut), "MAX_TOKENS")
    thoughts = {"candidates": [{"content": {"role": "model", "parts": [{"text": "Hmm...", "thought": True}]},
                                "finishReason": "STOP"}]}
    expect(gemini_problem(thoughts), "EMPTY")

# %% mmcourse={"exercise": "ex-gemini-problem", "role": "hidden-tests"}
from mmcourse.grading import expect

_CATEGORIES = ["HARM_CATEGORY_HARASSMENT", "HARM_CATEGORY_HATE_SPEECH", "HARM_CATEGORY_SEXUALLY_EXPLICIT",
               "HARM_CATEGORY_DANGEROUS_CONTENT"]


def _candidate(rng, finish, parts):
    return {"candidates": [{"content": {"role": "model", **({"parts": parts} if parts is not None else {})},
                            "finishReason": finish, "index": 0}],
            "usageMetadata": {"promptTokenCount": rng.randint(1, 900)}, "modelVersion": "gemini-2.5-flash"}


def test_good_answers_give_none(rng):
    for _ in range(10):
        parts = [{"text": "thinking", "thought": True}] * rng.randint(0, 2) + [{"text": f"A cat {rng.randrange(99)}."}]
        rng.shuffle(parts)
        reply = _candidate(rng, "STOP", parts)
        assert gemini_problem(reply) is None, f"a STOP candidate with text is an answer: got {gemini_problem(reply)!r}"


def test_blocked_prompts_say_why(rng):
    for reason in ["SAFETY", "OTHER", "BLOCKLIST", "PROHIBITED_CONTENT", "IMAGE_SAFETY"]:
        got = gemini_problem({"promptFeedback": {"blockReason": reason}, "usageMetadata": {"promptTokenCount": 5}})
        assert isinstance(got, str) and got.startswith(reason), f"blockReason {reason}: got {got!r}"
    expect(gemini_problem({"usageMetadata": {"promptTokenCount": rng.randint(1, 9)}}), "BLOCKED",
           what="no candidates and no reason")


def test_other_finish_reasons_and_safety_categories(rng):
    for finish in ["MAX_TOKENS", "RECITATION", "LANGUAGE", "OTHER", "SPII", "MALFORMED_FUNCTION_CALL"]:
        got = gemini_problem(_candidate(rng, finish, rng.choice([None, [{"text": "partial"}]])))
        assert isinstance(got, str) and got.startswith(finish), f"finishReason {finish}: got {got!r}"
    blocked = rng.sample(_CATEGORIES, rng.randint(1, 2))
    reply = _candidate(rng, "SAFETY", None)
    reply["candidates"][0]["safetyRatings"] = [
        {"category": c, "probability": "HIGH" if c in blocked else "NEGLIGIBLE", **({"blocked": True} if c in blocked else {})}
        for c in _CATEGORIES]
    got = gemini_problem(reply)
    assert isinstance(got, str) and got.startswith("SAFETY"), f"a SAFETY stop: got {got!r}"
    assert all(c in got for c in blocked), f"name the blocked categories {blocked}: got {got!r}"
    assert not any(c in got for c in _CATEGORIES if c not in blocked), f"only the blocked categories: got {got!r}"


def test_stop_without_text_is_empty(rng):
    for parts in ([], None, [{"text": "x", "thought": True}], [{"text": ""}]):
        expect(gemini_problem(_candidate(rng, "STOP", parts)), "EMPTY", what=f"STOP with parts {parts}")

# %% [markdown]
# ## Three providers, side by side
#
# | | OpenAI | Anthropic | Gemini |
# |---|---|---|---|
# | endpoint | `/v1/chat/completions` | `/v1/messages` | `/v1beta/models/{model}:generateContent` |
# | key | `Authorization: Bearer` | `x-api-key` + `anthropic-version` | `x-goog-api-key` |
# | image | `image_url` part, data URL | `image` block, raw base64 + `media_type` | `inline_data` part, raw base64 + `mime_type` |
# | output limit | `max_completion_tokens` | `max_tokens` (required) | `generationConfig.maxOutputTokens` |
# | answer | `choices[0].message.content` | text blocks of `content` | text parts of `candidates[0].content.parts` |
#
# Lesson 05 folds the three into one function you write, and then introduces `mmcourse.ask`.
