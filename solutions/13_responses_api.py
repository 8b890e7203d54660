# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 13 · The Responses API
#
# OpenAI has two APIs for the same models. You know Chat Completions (lessons 02 and 10); OpenAI
# recommends the **Responses API** for new projects. This lesson sends lesson 02's photo and
# lesson 10's PDF to both, side by side, so you can read either one.
#
# **Objectives**
# - Write a Responses request by hand: `input` items with `input_text`, `input_image` (a data
#   URL as a plain string) and `input_file` (a PDF as `file_data`), plus `instructions`.
# - Read `output` as a **list of items** (`message`, `reasoning`, `function_call`) and find the
#   text; know that `output_text` is an SDK property, not a field of the JSON.
# - Read `usage` (`input_tokens`, `output_tokens` and their details) and `status` /
#   `incomplete_details`.
# - Continue a conversation with `previous_response_id`, and delete what `store` kept.
# - Recognise the Responses API's typical 400s, and choose between the two APIs.
#
# **Estimated time: 50 min**
#
# **Exercises:** 4 (1 easy, 1 medium, 2 hard).
#
# **You need:** lessons 02 (Chat Completions by hand) and 10 (PDFs and uploads). Offline by
# default: the emulator speaks the Responses wire format and answers from the course data's
# ground truth, not from a model. With `OPENAI_API_KEY` set the same cells call the real API (a
# few small requests: about a cent).

# %%
import mmcourse

conf = mmcourse.setup()

# %% tags=["nbval-check-output"]
import base64
import json

import requests

from mmcourse import datasets
from mmcourse.display import show_json

cfg = conf["openai"]
MODEL = mmcourse.registry.default_model("openai")
HEADERS = {"Authorization": f"Bearer {cfg.api_key}"}  # the same key and header as Chat Completions
CHAT_URL = f"{cfg.base_url}/chat/completions"
RESPONSES_URL = f"{cfg.base_url}/responses"

photo = datasets.path("photos/chelsea.jpg").read_bytes()
image_url = "data:image/jpeg;base64," + base64.b64encode(photo).decode("ascii")
print(MODEL, RESPONSES_URL.removeprefix(cfg.base_url))

# %% [markdown]
# ## The same photo, two request bodies
#
# From OpenAI's OpenAPI spec (`CreateChatCompletionRequest` and `CreateResponse`, 2026):
#
# | | Chat Completions | Responses |
# |---|---|---|
# | URL | `POST /v1/chat/completions` | `POST /v1/responses` |
# | the conversation | `messages`: a list of `{role, content}` | `input`: a string, or a list of **items** |
# | system text | a `system` / `developer` message | `instructions` (or a `developer` item) |
# | text part | `{"type": "text", "text"}` | `{"type": "input_text", "text"}` |
# | image part | `{"type": "image_url", "image_url": {"url", "detail"}}` | `{"type": "input_image", "image_url": "<url>", "detail"}` |
# | PDF part | `{"type": "file", "file": {"filename", "file_data"}}` | `{"type": "input_file", "filename", "file_data"}` |
# | answer limit | `max_completion_tokens` | `max_output_tokens` (at least 16) |
# | JSON output | `response_format` | `text.format` |
#
# Lesson 02's request, as you wrote it there:

# %% tags=["nbval-check-output"]
QUESTION = "What animal is in the photo?"

chat_body = {
    "model": MODEL,
    "messages": [
        {"role": "system", "content": "Answer in one short sentence."},
        {"role": "user", "content": [
            {"type": "text", "text": QUESTION},
            {"type": "image_url", "image_url": {"url": image_url, "detail": "auto"}},
        ]},
    ],
    "max_completion_tokens": 300,
}
chat = requests.post(CHAT_URL, headers=HEADERS, json=chat_body, timeout=60)
chat.raise_for_status()
print(chat.json()["choices"][0]["message"]["content"])

# %% [markdown]
# The same request for the Responses API. Three things change shape: the system text moves to
# `instructions`, the parts are called `input_...`, and **`image_url` is a plain string**, not
# Chat's `{"url": ...}` object (`detail` sits next to it).

# %% tags=["nbval-check-output"]
body = {
    "model": MODEL,
    "instructions": "Answer in one short sentence.",
    "input": [
        {"role": "user", "content": [
            {"type": "input_text", "text": QUESTION},
            {"type": "input_image", "image_url": image_url, "detail": "auto"},
        ]},
    ],
    "max_output_tokens": 300,
}
show_json(body)

# %% [markdown]
# **Predict:** Chat Completions put the answer at `choices[0].message.content`. The Responses API
# has no `choices`. Where will the text be?

# %% tags=["nbval-check-output"]
r = requests.post(RESPONSES_URL, headers=HEADERS, json=body, timeout=60)
r.raise_for_status()
reply = r.json()
print(reply["object"], reply["status"])
print("output item types:", [item["type"] for item in reply["output"]])

# %% [markdown]
# `output` is a **list of items**. The answer is in an item of type `message`, whose `content` is
# a list of parts; the text is in a part of type `output_text`:

# %% tags=["nbval-check-output"]
message = next(item for item in reply["output"] if item["type"] == "message")
show_json(message["content"])
print(message["content"][0]["text"])

# %% [markdown]
# Why a list of items and not one message? Because a reasoning model produces more than text. Here
# is the `output` of a real 2026 response (`gpt-5.5` with one tool; recorded from the live API in
# pydantic-ai's test cassettes; ids, text and the encrypted reasoning shortened):

# %% tags=["nbval-check-output"]
RECORDED_OUTPUT = [
    {"id": "rs_0fabc13a", "type": "reasoning", "content": [], "encrypted_content": "gAAAAABqaR3_...", "summary": []},
    {"id": "msg_0fabc13a", "type": "message", "status": "completed", "phase": "commentary", "role": "assistant",
     "content": [{"type": "output_text", "annotations": [], "logprobs": [],
                  "text": "I'll check the capital lookup tool..."}]},
    {"id": "fc_0fabc13a", "type": "function_call", "status": "completed", "arguments": "{\"country\":\"PotatoLand\"}",
     "call_id": "call_LabG58Uhrq9kZvR52BYKjToD", "name": "get_capital"},
]
for item in RECORDED_OUTPUT:
    print(f"{item['type']:<14} {item.get('phase', '')}")

# %% [markdown]
# - `reasoning`: the model's hidden thinking (here encrypted; `summary` holds a readable summary
#   when you ask for one with `reasoning.summary`). It has no text for you.
# - `message`: text for the user. In 2026 a message may carry `phase`: `commentary` (a note
#   while working) or `final_answer`. Its `content` holds `output_text` parts, or a `refusal`
#   part (`{"type": "refusal", "refusal": "..."}`) when the model declines.
# - `function_call`: a tool call, with `arguments` as a JSON **string** (lesson 14 runs tools).
#
# So `output[0]["content"][0]["text"]` works on the emulator's answers (one `message` item) and
# breaks on a live reasoning model, where `output[0]` is the `reasoning` item. Walk the list:

# %%
def output_text(response):
    """All output_text of all message items, joined: what the SDKs' output_text property returns."""
    return "".join(part["text"]
                   for item in response["output"] if item["type"] == "message"
                   for part in item["content"] if part["type"] == "output_text")


# %% tags=["nbval-check-output"]
print(output_text(reply))
print("'output_text' in the JSON:", "output_text" in reply)

# %% [markdown]
# **`output_text` is not in the JSON.** Tutorials write `response.output_text` because the
# official Python and JavaScript SDKs add it: OpenAI's spec calls it an "SDK-only convenience
# property that contains the aggregated text output from all `output_text` items in the `output`
# array", and openai-python computes it exactly like `output_text()` above (joined with `""`,
# commentary messages included). Over raw HTTP you walk `output` yourself.
#
# The rest of the response object, without the id and timestamps that change on every call:

# %% tags=["nbval-check-output"]
show_json({key: reply[key] for key in ("object", "status", "error", "incomplete_details", "instructions",
                                       "max_output_tokens", "store", "usage")})

# %% [markdown]
# ## Usage: the same tokens, other names
#
# | Chat Completions `usage` | Responses `usage` |
# |---|---|
# | `prompt_tokens` | `input_tokens` |
# | `prompt_tokens_details.cached_tokens` | `input_tokens_details.cached_tokens` (2026 adds `cache_write_tokens`) |
# | `completion_tokens` | `output_tokens` |
# | `completion_tokens_details.reasoning_tokens` | `output_tokens_details.reasoning_tokens` |
# | `total_tokens` | `total_tokens` |
#
# **Predict:** the two requests above carried the same photo, the same question and the same
# system text. Will `input_tokens` equal Chat's `prompt_tokens`?

# %% tags=["nbval-check-output"]
chat_usage, usage = chat.json()["usage"], reply["usage"]
print("chat      prompt_tokens:", chat_usage["prompt_tokens"], " completion_tokens:", chat_usage["completion_tokens"])
print("responses input_tokens: ", usage["input_tokens"], " output_tokens:    ", usage["output_tokens"])

# %% [markdown]
# Offline they match: the emulator counts the image (lesson 12's algorithm) and the text the
# same way for both APIs. Live, compare the two numbers yourself: the APIs wrap the messages
# differently, so do not count on the very same figure. `output_tokens` **includes**
# `reasoning_tokens`: a reasoning model bills its thinking as output.

# %% [markdown]
# ## A PDF: `input_file`
#
# Lesson 10 sent the annual report to Chat Completions as a `file` part with `filename` and a
# data-URL `file_data`. In the Responses API the same two fields sit directly in an `input_file`
# part (the spec's `InputFileContent`; the spec caps `file_data` at 73,400,320 characters).

# %% tags=["nbval-check-output"]
pdf = datasets.path("documents/annual_report.pdf").read_bytes()
pdf_url = "data:application/pdf;base64," + base64.b64encode(pdf).decode("ascii")
PDF_QUESTION = "Which quarter had the highest revenue?"

chat_pdf = {"type": "file", "file": {"filename": "annual_report.pdf", "file_data": pdf_url}}
responses_pdf = {"type": "input_file", "filename": "annual_report.pdf", "file_data": pdf_url}

r = requests.post(RESPONSES_URL, headers=HEADERS, timeout=120, json={
    "model": MODEL,
    "input": [{"role": "user", "content": [responses_pdf, {"type": "input_text", "text": PDF_QUESTION}]}],
    "max_output_tokens": 2000,
})
r.raise_for_status()
pdf_reply = r.json()
print(output_text(pdf_reply))
print("input_tokens:", pdf_reply["usage"]["input_tokens"])

# %% [markdown]
# An uploaded file works the same way: `{"type": "input_file", "file_id": "file-..."}` for a PDF
# and `{"type": "input_image", "file_id": "file-..."}` for an image (upload images with purpose
# `vision`); lesson 10 compares inline data, file ids and URLs.

# %% [markdown] mmcourse={"exercise": "ex-responses-part", "role": "instructions", "title": "A Chat part as a Responses part", "points": 2, "difficulty": "easy"}
# ### Exercise 1: a Chat part as a Responses part
#
# Write `responses_part(chat_part)` that takes one content part of a **Chat Completions** user
# message and returns the equivalent **Responses** part:
#
# | Chat part | Responses part |
# |---|---|
# | `{"type": "text", "text": t}` | `{"type": "input_text", "text": t}` |
# | `{"type": "image_url", "image_url": {"url": u, "detail": d}}` | `{"type": "input_image", "image_url": u, "detail": d}` |
# | `{"type": "file", "file": {"filename": n, "file_data": f}}` | `{"type": "input_file", "filename": n, "file_data": f}` |
# | `{"type": "file", "file": {"file_id": i}}` | `{"type": "input_file", "file_id": i}` |
#
# Keep only the keys the Chat part has: no `detail` when the image part has none, no `filename`
# when the file part has none. Raise `ValueError` for any other part type (such as
# `input_audio`: the Responses API takes no audio input).

# %% [markdown] mmcourse={"exercise": "ex-responses-part", "role": "hint"}
# For the image and file parts, start from `{"type": ...}` and copy the inner object's keys:
# `{"type": "input_file", **chat_part["file"]}`.

# %% mmcourse={"exercise": "ex-responses-part", "role": "solution"}
def responses_part(chat_part):
    ### BEGIN SOLUTION
    kind = chat_part.get("type")
    if kind == "text":
        return {"type": "input_text", "text": chat_part["text"]}
    if kind == "image_url":
        image = chat_part["image_url"]
        part = {"type": "input_image", "image_url": image["url"]}
        if "detail" in image:
            part["detail"] = image["detail"]
        return part
    if kind == "file":
        return {"type": "input_file", **chat_part["file"]}
    raise ValueError(f"no Responses equivalent for a Chat part of type {kind!r}")
    ### END SOLUTION
    ### BEGIN STARTER
    # # One branch per Chat part type; the image URL moves up and becomes a plain string.
    # raise NotImplementedError("ex-responses-part: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-responses-part", "role": "visible-tests"}
def test_the_parts_of_this_lesson():
    expect(responses_part(chat_body["messages"][1]["content"][0]), body["input"][0]["content"][0],
           what="the text part")
    expect(responses_part(chat_body["messages"][1]["content"][1]), body["input"][0]["content"][1],
           what="the image part")
    expect(responses_part(chat_pdf), responses_pdf, what="the PDF part")


def test_no_detail_when_the_chat_part_has_none():
    expect(responses_part({"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw=="}}),
           {"type": "input_image", "image_url": "data:image/png;base64,iVBORw=="})


def test_audio_has_no_responses_part():
    try:
        responses_part({"type": "input_audio", "input_audio": {"data": "UklGR", "format": "wav"}})
    except ValueError:
        return
    raise AssertionError("an input_audio part should raise ValueError")

# %% mmcourse={"exercise": "ex-responses-part", "role": "hidden-tests"}
import base64 as _b64

from mmcourse.grading import expect


def _b64_of(rng, n):
    return _b64.b64encode(bytes(rng.randrange(256) for _ in range(n))).decode("ascii")


def test_random_parts(rng):
    for _ in range(25):
        kind = rng.choice(["text", "image", "image-no-detail", "file-data", "file-id", "file-data-no-name"])
        if kind == "text":
            text = rng.choice(["Compare these.", "Image 2:", ""]) + str(rng.randint(0, 999))
            chat, want = {"type": "text", "text": text}, {"type": "input_text", "text": text}
        elif kind.startswith("image"):
            url = rng.choice([f"data:image/png;base64,{_b64_of(rng, rng.randint(1, 40))}",
                              f"https://example.com/{rng.randint(0, 9999)}.jpg"])
            chat, want = {"type": "image_url", "image_url": {"url": url}}, {"type": "input_image", "image_url": url}
            if kind == "image":
                detail = rng.choice(["auto", "low", "high", "original"])
                chat["image_url"]["detail"] = want["detail"] = detail
        elif kind == "file-id":
            fid = f"file-{rng.randint(10**9, 10**10)}"
            chat, want = {"type": "file", "file": {"file_id": fid}}, {"type": "input_file", "file_id": fid}
        else:
            data = f"data:application/pdf;base64,{_b64_of(rng, rng.randint(1, 60))}"
            chat = {"type": "file", "file": {"file_data": data}}
            want = {"type": "input_file", "file_data": data}
            if kind == "file-data":
                name = f"report_{rng.randint(0, 999)}.pdf"
                chat["file"]["filename"] = want["filename"] = name
        expect(responses_part(chat), want, what=f"the Responses part for {chat['type']} ({kind})")


def test_other_types_raise():
    for part in ({"type": "input_audio", "input_audio": {"data": "AA==", "format": "mp3"}},
                 {"type": "refusal", "refusal": "no"}, {"type": "video", "url": "x"}):
        try:
            responses_part(part)
        except ValueError:
            continue
        raise AssertionError(f"a Chat part of type {part['type']!r} should raise ValueError")

# %% [markdown]
# ## Running out of tokens: `status` and `incomplete_details`
#
# Chat Completions says `finish_reason: "length"` when the answer hit the limit. The Responses
# API says it at the top: `status` becomes `incomplete` and `incomplete_details.reason` names why
# (`max_output_tokens` or `content_filter`).
#
# **Predict:** what does the Responses API answer to `max_output_tokens: 10`?

# %% tags=["nbval-check-output"]
r = requests.post(RESPONSES_URL, headers=HEADERS, timeout=60, json={**body, "max_output_tokens": 10})
print(r.status_code, r.json()["error"]["message"])

# %% [markdown]
# A 400: the spec's minimum is **16**, and the limit includes reasoning tokens. At 16, a long
# answer is cut:

# %% tags=["nbval-check-output"]
short = {"model": MODEL, "max_output_tokens": 16,
         "input": [{"role": "user", "content": [
             {"type": "input_text", "text": "Describe this photo in detail."},
             {"type": "input_image", "image_url": image_url}]}]}
cut = requests.post(RESPONSES_URL, headers=HEADERS, json=short, timeout=60).json()
print(cut["status"], cut["incomplete_details"])
print([(item["type"], item.get("status")) for item in cut["output"]])

# %% [markdown]
# Offline the message item is cut mid-sentence (status `incomplete`). Live, a reasoning model can
# spend all 16 tokens thinking: then `output` holds only a `reasoning` item and there is **no
# message at all**, which is why `output_text()` walks the list instead of indexing it. Check
# `status` before you trust the text.

# %% [markdown]
# ## Conversation state: `store` and `previous_response_id`
#
# With Chat Completions **you** keep the conversation: every request resends all earlier
# messages. The Responses API can keep it for you. A response is stored on OpenAI's side unless
# you send `store: false` (the default is `true`), and a new request can continue from it with
# `previous_response_id` instead of resending the history.

# %% tags=["nbval-check-output"]
follow_up = requests.post(RESPONSES_URL, headers=HEADERS, timeout=60, json={
    "model": MODEL,
    "previous_response_id": reply["id"],
    "input": "What colour is its fur?",
    "max_output_tokens": 300,
})
follow_up.raise_for_status()
second = follow_up.json()
print(second["previous_response_id"] == reply["id"], "| instructions:", second["instructions"])
print(output_text(second))

# %% [markdown]
# Offline, the emulator answered from the photo it found in the earlier turn (it describes the
# photo from the course data; it does not understand the question). Two facts from the spec:
#
# - `instructions` are **not carried over**: the follow-up above has none unless you send them again.
# - The earlier turns still count as **input tokens**: the photo is billed again on every turn.
#
# **Predict:** the follow-up sent five words and no image. Is its `input_tokens` about 5?

# %% tags=["nbval-check-output"]
print("first turn  input_tokens:", reply["usage"]["input_tokens"])
print("follow-up   input_tokens:", second["usage"]["input_tokens"])

# %% [markdown]
# No: `previous_response_id` saves you sending the bytes, not paying for them. A stored
# response can be read back, and deleted, by its id:

# %% tags=["nbval-check-output"]
got = requests.get(f"{RESPONSES_URL}/{second['id']}", headers=HEADERS, timeout=60)
print("GET:", got.status_code, output_text(got.json()) == output_text(second))
gone = requests.delete(f"{RESPONSES_URL}/{second['id']}", headers=HEADERS, timeout=60)
print("DELETE:", gone.status_code, {key: gone.json()[key] for key in ("object", "deleted")})
print("GET again:", requests.get(f"{RESPONSES_URL}/{second['id']}", headers=HEADERS, timeout=60).status_code)

# %% [markdown]
# With `store: false` nothing is kept: no `GET`, and no `previous_response_id` to continue from
# (you resend the history yourself, as with Chat). Use it for anything personal (lesson 16).

# %% tags=["nbval-check-output"]
private = requests.post(RESPONSES_URL, headers=HEADERS, timeout=60, json={**body, "store": False}).json()
print("store:", private["store"], "| GET:",
      requests.get(f"{RESPONSES_URL}/{private['id']}", headers=HEADERS, timeout=60).status_code)

# %% [markdown] mmcourse={"exercise": "ex-ask-responses", "role": "instructions", "title": "Ask the Responses API about a file", "points": 3, "difficulty": "medium"}
# ### Exercise 2: ask the Responses API about a file
#
# Write `ask_responses(base_url, api_key, model, path, question, instructions=None,
# max_output_tokens=300)` that sends the file at `path` (an image **or** a PDF) and the
# `question` in one user input item to `{base_url}/responses`, and returns a dict
# `{"id": ..., "text": ..., "input_tokens": ..., "output_tokens": ...}` from the response.
#
# - Take the MIME type from the file's bytes (`mmcourse.sniff_mime(data)`): an image goes in an
#   `input_image` part with a data URL; a PDF in an `input_file` part with the file's name as
#   `filename` and a data URL as `file_data`. The question is an `input_text` part after it.
# - Send `instructions` only when it is not `None`; limit the answer with `max_output_tokens`.
# - `text` is the text of every `output_text` part of every `message` item, joined with `""`.
# - Raise `requests.HTTPError` for an error status.
#
# The check reads what reached the emulator and reads your response back by its `id`.

# %% [markdown] mmcourse={"exercise": "ex-ask-responses", "role": "hint"}
# `Path(path).name` is the filename; `output_text(reply)` above gives the text and
# `reply["usage"]` the two counts.

# %% mmcourse={"exercise": "ex-ask-responses", "role": "solution"}
from pathlib import Path


def ask_responses(base_url, api_key, model, path, question, instructions=None, max_output_tokens=300):
    ### BEGIN SOLUTION
    data = Path(path).read_bytes()
    mime = mmcourse.sniff_mime(data)
    url = f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"
    if mime == "application/pdf":
        media = {"type": "input_file", "filename": Path(path).name, "file_data": url}
    else:
        media = {"type": "input_image", "image_url": url}
    request = {"model": model, "max_output_tokens": max_output_tokens,
               "input": [{"role": "user", "content": [media, {"type": "input_text", "text": question}]}]}
    if instructions is not None:
        request["instructions"] = instructions
    r = requests.post(f"{base_url}/responses", headers={"Authorization": f"Bearer {api_key}"},
                      json=request, timeout=120)
    r.raise_for_status()
    answer = r.json()
    return {"id": answer["id"], "text": output_text(answer),
            "input_tokens": answer["usage"]["input_tokens"], "output_tokens": answer["usage"]["output_tokens"]}
    ### END SOLUTION
    ### BEGIN STARTER
    # raise NotImplementedError("ex-ask-responses: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-ask-responses", "role": "visible-tests"}
import requests

from mmcourse import datasets, registry


def test_the_cat_photo_as_an_input_image():
    cfg = offline_config("openai")
    got = ask_responses(cfg.base_url, cfg.api_key, registry.default_model("openai"),
                        datasets.path("photos/chelsea.jpg"), "What animal is in the photo?")
    record = last_request("openai")
    assert record is not None and record["path"] == "/v1/responses", "no request reached /v1/responses"
    assert record["verdict"] == "accepted", f"the emulator refused the request: {record['error']}"
    parts = record["request"]["input"][-1]["content"]
    expect([p["type"] for p in parts], ["input_image", "input_text"], what="the part types")
    assert parts[0]["image_url"].startswith("data:image/jpeg;base64,"), "image_url is a data URL string"
    assert "instructions" not in record["request"], "send instructions only when they are given"
    assert type(got["text"]) is str and "cat" in got["text"], f"the emulator answered 'a cat.', you returned {got['text']!r}"


def test_the_pdf_as_an_input_file():
    cfg = offline_config("openai")
    got = ask_responses(cfg.base_url, cfg.api_key, registry.default_model("openai"),
                        datasets.path("documents/annual_report.pdf"), "Which quarter had the highest revenue?",
                        instructions="Answer with the quarter only.")
    record = last_request("openai")
    assert record["verdict"] == "accepted", f"the emulator refused the request: {record['error']}"
    pdf_part = record["request"]["input"][-1]["content"][0]
    expect(pdf_part.get("type"), "input_file", what="the PDF part's type")
    expect(pdf_part.get("filename"), "annual_report.pdf", what="the filename")
    expect(record["request"].get("instructions"), "Answer with the quarter only.", what="instructions")
    stored = requests.get(f"{cfg.base_url}/responses/{got['id']}", timeout=60,
                          headers={"Authorization": f"Bearer {cfg.api_key}"}).json()
    expect(got["input_tokens"], stored["usage"]["input_tokens"], what="input_tokens")

# %% mmcourse={"exercise": "ex-ask-responses", "role": "hidden-tests"}
import requests

from mmcourse import datasets
from mmcourse.grading import expect, last_request


def _stored(cfg, rid):
    r = requests.get(f"{cfg.base_url}/responses/{rid}", headers={"Authorization": f"Bearer {cfg.api_key}"},
                     timeout=60)
    assert r.status_code == 200, f"GET /responses/{rid} answered {r.status_code}: return the response's id (and keep store on)"
    return r.json()


def test_random_photos_and_documents(rng):
    cfg = offline_config("openai")
    photos = datasets.entries("photo")
    for _ in range(3):
        if rng.random() < 0.5:
            item = rng.choice(photos)
            question, fact = rng.choice(sorted(item["truth"]["facts"].items()))
            rel = item["path"]
        else:
            rel, question, fact = rng.choice([("documents/annual_report.pdf", "Which quarter had the highest revenue?", "Q4"),
                                              ("documents/invoice.pdf", "What is the total due?", None)])
            item = datasets.entry(rel)
        model = rng.choice(["gpt-4o", "gpt-5.4", "gpt-5.4-mini", "gpt-5-mini"])
        limit = rng.randint(200, 900)
        instructions = rng.choice([None, f"Answer in at most {rng.randint(5, 30)} words."])
        got = ask_responses(cfg.base_url, cfg.api_key, model, str(datasets.path(rel)), question, instructions, limit)
        record = last_request("openai")
        assert record["path"] == "/v1/responses", "send it to /responses"
        assert record["verdict"] == "accepted", f"{model} refused the request for {rel}: {record['error']}"
        expect(record["model"], model, what="the model your request named")
        expect([m["sha256"] for m in record["media"]], [item["sha256"]], what=f"the file that arrived ({rel})")
        expect(record["request"].get("max_output_tokens"), limit, what="max_output_tokens")
        expect(record["request"].get("instructions"), instructions, what="instructions")
        kinds = [p["type"] for p in record["request"]["input"][-1]["content"]]
        want = "input_file" if rel.endswith(".pdf") else "input_image"
        expect(kinds, [want, "input_text"], what=f"the part types for {rel}")
        stored = _stored(cfg, got["id"])
        text = "".join(p["text"] for i in stored["output"] if i["type"] == "message"
                       for p in i["content"] if p["type"] == "output_text")
        expect(got, {"id": stored["id"], "text": text, "input_tokens": stored["usage"]["input_tokens"],
                     "output_tokens": stored["usage"]["output_tokens"]}, what=f"the dict returned for {rel}")
        if fact:
            assert fact.lower() in got["text"].lower(), f"expected the answer to mention {fact!r}"


def test_errors_raise():
    cfg = offline_config("openai")
    try:
        ask_responses(cfg.base_url, "demo-invalid-key", "gpt-4o", datasets.path("photos/coffee.jpg"), "What drink is shown?")
    except requests.HTTPError:
        return
    raise AssertionError("a 401 should raise requests.HTTPError")

# %% [markdown]
# ## The mistakes people make moving from Chat
#
# Errors come in Chat's envelope (`{"error": {"message", "type", "param", "code"}}`, lesson 11),
# and most of them are Chat habits. The `param` names the field in the Responses style,
# `input[0].content[1].image_url`.

# %% tags=["nbval-check-output"]
def error_of(request_body):
    response = requests.post(RESPONSES_URL, headers=HEADERS, json=request_body, timeout=60)
    error = response.json()["error"]
    return f"{response.status_code} {error['code']}: {error['message']}"


user_turn = body["input"]
print(error_of({"model": MODEL, "messages": chat_body["messages"]}))
print(error_of({"model": MODEL, "input": user_turn, "max_completion_tokens": 300}))
print(error_of({"model": MODEL, "input": [{"role": "user", "content": [
    {"type": "input_text", "text": QUESTION},
    {"type": "input_image", "image_url": {"url": image_url}}]}]}))  # Chat's object
print(error_of({"model": MODEL, "input": [  # an earlier answer replayed as if the user wrote it
    {"role": "user", "content": "Hi"},
    {"role": "assistant", "content": [{"type": "input_text", "text": "Hello! How can I help?"}]},
    {"role": "user", "content": QUESTION}]}))
print(error_of({"model": MODEL, "previous_response_id": "resp_0000000000", "input": "And then?"}))

# %% [markdown]
# | mistake | error | fix |
# |---|---|---|
# | `messages` | 400 `unknown_parameter` | `input` |
# | `max_completion_tokens` (or `max_tokens`) | 400 `unknown_parameter` | `max_output_tokens`, at least 16 |
# | `"image_url": {"url": ...}` | 400 `invalid_type` | `"image_url": "data:..."`, a string |
# | `input_text` in an assistant turn you replay | 400 `invalid_value` (since October 2025) | `output_text`, as the API returned it |
# | a deleted, `store: false` or unknown id in `previous_response_id` | 400 `previous_response_not_found` | resend the history, or keep `store` on |
#
# (The status for an unknown `previous_response_id` is reported as 400 by most clients and 404 by
# one; the code and message are the observed ones.) A response can also **fail** after a 200:
# then `status` is `failed` and `error` holds `{"code", "message"}` (codes such as
# `invalid_image` or `rate_limit_exceeded`, from the spec's `ResponseErrorCode`).

# %% [markdown] mmcourse={"exercise": "ex-read-output", "role": "instructions", "title": "Walk a Responses output list", "points": 4, "difficulty": "hard"}
# ### Exercise 3: walk a Responses output list
#
# Write `read_output(response)` that takes the parsed JSON of a Responses API answer (a dict)
# and returns a dict with six keys:
#
# - `"status"`: the response's `status`;
# - `"incomplete_reason"`: `incomplete_details["reason"]` when there is one, else `None`;
# - `"text"`: the `text` of every `output_text` part of every `message` item, in order, joined
#   with `""` (what the SDKs' `output_text` returns: commentary messages included);
# - `"refusal"`: the `refusal` of the first `refusal` part of any message, else `None`;
# - `"function_calls"`: one dict `{"name", "call_id", "arguments"}` per `function_call` item, in
#   order, with `arguments` **parsed** from its JSON string into a dict;
# - `"reasoning_items"`: how many `reasoning` items `output` holds.
#
# Ignore item and part types you do not know (new ones appear every few months). If the body is
# an error (`{"error": {...}}` with no `output`), or a response whose `status` is `failed`, raise
# `RuntimeError` with the error's `message` in its text.

# %% [markdown] mmcourse={"exercise": "ex-read-output", "role": "hint"}
# Check `response.get("error")` first: it is `None` on a good response. Then one loop over
# `response["output"]` with a branch per `item["type"]`, and an inner loop over a message's
# `content`.

# %% [markdown] mmcourse={"exercise": "ex-read-output", "role": "hint"}
# `(response.get("incomplete_details") or {}).get("reason")` handles a `None` there;
# `json.loads(item["arguments"])` parses the arguments.

# %% mmcourse={"exercise": "ex-read-output", "role": "solution"}
def read_output(response):
    ### BEGIN SOLUTION
    error = response.get("error")
    if error or response.get("status") == "failed" or "output" not in response:
        raise RuntimeError(f"OpenAI error: {(error or {}).get('message', 'no output in the response')}")
    texts, refusal, calls, reasoning = [], None, [], 0
    for item in response["output"]:
        kind = item.get("type")
        if kind == "message":
            for part in item.get("content") or []:
                if part.get("type") == "output_text":
                    texts.append(part["text"])
                elif part.get("type") == "refusal" and refusal is None:
                    refusal = part["refusal"]
        elif kind == "function_call":
            calls.append({"name": item["name"], "call_id": item["call_id"],
                          "arguments": json.loads(item["arguments"])})
        elif kind == "reasoning":
            reasoning += 1
    return {
        "status": response["status"],
        "incomplete_reason": (response.get("incomplete_details") or {}).get("reason"),
        "text": "".join(texts),
        "refusal": refusal,
        "function_calls": calls,
        "reasoning_items": reasoning,
    }
    ### END SOLUTION
    ### BEGIN STARTER
    # # Errors first; then one pass over response["output"], one branch per item type.
    # raise NotImplementedError("ex-read-output: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-read-output", "role": "visible-tests"}
def test_the_photo_reply():
    expect(read_output(reply), {"status": "completed", "incomplete_reason": None, "text": output_text(reply),
                                "refusal": None, "function_calls": [], "reasoning_items": 0})


def test_the_recorded_output_with_reasoning_and_a_tool_call():
    got = read_output({"status": "completed", "error": None, "incomplete_details": None, "output": RECORDED_OUTPUT})
    expect(got["reasoning_items"], 1, what="reasoning items")
    expect(got["text"], "I'll check the capital lookup tool...", what="text")
    expect(got["function_calls"], [{"name": "get_capital", "call_id": "call_LabG58Uhrq9kZvR52BYKjToD",
                                    "arguments": {"country": "PotatoLand"}}], what="function calls")


def test_a_cut_answer_names_its_reason():
    expect(read_output(cut)["incomplete_reason"], "max_output_tokens")


def test_an_error_body_raises():
    try:
        read_output({"error": {"message": "Unknown parameter: 'messages'.", "type": "invalid_request_error",
                               "param": "messages", "code": "unknown_parameter"}})
    except NotImplementedError:
        raise
    except RuntimeError as exc:
        assert "Unknown parameter" in str(exc), f"the RuntimeError should carry the API's message, got {exc}"
        return
    raise AssertionError("an error body should raise RuntimeError")

# %% mmcourse={"exercise": "ex-read-output", "role": "hidden-tests"}
import json as _json

from mmcourse.grading import expect


def _random_response(rng):
    """A response with a random mix of items, and the reading the exercise asks for."""
    output, texts, refusal, calls, reasoning = [], [], None, [], 0
    for n in range(rng.randint(0, 6)):
        kind = rng.choice(["reasoning", "message", "message", "function_call", "web_search_call", "refusal"])
        if kind == "reasoning":
            reasoning += 1
            output.append({"id": f"rs_{n}", "type": "reasoning", "content": [], "encrypted_content": "gAAA",
                           "summary": [{"type": "summary_text", "text": f"thinking {rng.randint(0, 99)}"}]})
        elif kind in ("message", "refusal"):
            parts = []
            for _ in range(rng.randint(0, 3)):
                if kind == "refusal" and rng.random() < 0.6:
                    said = f"I can't help with request {rng.randint(0, 999)}."
                    parts.append({"type": "refusal", "refusal": said})
                    refusal = said if refusal is None else refusal
                else:
                    text = rng.choice(["The total is ", "Q4", " and ", "a cat.", ""]) + str(rng.randint(0, 99))
                    parts.append({"type": "output_text", "annotations": [], "logprobs": [], "text": text})
                    texts.append(text)
            item = {"id": f"msg_{n}", "type": "message", "status": "completed", "role": "assistant", "content": parts}
            if rng.random() < 0.5:
                item["phase"] = rng.choice(["commentary", "final_answer"])
            output.append(item)
        elif kind == "function_call":
            args = {"country": rng.choice(["France", "Peru", "Japan"]), "n": rng.randint(0, 9),
                    "tags": [rng.randint(0, 5) for _ in range(rng.randint(0, 3))]}
            call_id = f"call_{rng.randint(10**6, 10**7)}"
            name = rng.choice(["get_capital", "record_expense", "lookup"])
            output.append({"id": f"fc_{n}", "type": "function_call", "status": "completed",
                           "arguments": _json.dumps(args), "call_id": call_id, "name": name})
            calls.append({"name": name, "call_id": call_id, "arguments": args})
        else:  # a built-in tool's item: not one the exercise reads
            output.append({"id": f"ws_{n}", "type": "web_search_call", "status": "completed"})
    status = rng.choice(["completed", "completed", "incomplete"])
    reason = rng.choice(["max_output_tokens", "content_filter"]) if status == "incomplete" else None
    body = {"id": f"resp_{rng.randint(0, 10**9)}", "object": "response", "status": status, "error": None,
            "incomplete_details": {"reason": reason} if reason else None, "output": output,
            "usage": {"input_tokens": rng.randint(1, 9999), "output_tokens": rng.randint(0, 999)}}
    want = {"status": status, "incomplete_reason": reason, "text": "".join(texts), "refusal": refusal,
            "function_calls": calls, "reasoning_items": reasoning}
    return body, want


def test_random_mixed_output_lists(rng):
    for n in range(30):
        body, want = _random_response(rng)
        expect(read_output(body), want, what=f"the reading of output item types {[i['type'] for i in body['output']]}")


def test_failed_responses_and_error_bodies_raise(rng):
    for _ in range(4):
        message = f"Invalid image data (request {rng.randint(0, 10**6)})."
        for body in ({"id": "resp_x", "object": "response", "status": "failed", "output": [],
                      "incomplete_details": None, "error": {"code": "invalid_image", "message": message}},
                     {"error": {"message": message, "type": "invalid_request_error", "param": None, "code": None}}):
            try:
                read_output(body)
            except NotImplementedError:
                raise
            except RuntimeError as exc:
                assert message in str(exc), "the RuntimeError should contain the error's message"
                continue
            raise AssertionError(f"a body with status {body.get('status', '(an error envelope)')} should raise RuntimeError")

# %% [markdown] mmcourse={"exercise": "ex-chat-to-responses", "role": "instructions", "title": "Port a Chat Completions request", "points": 4, "difficulty": "hard"}
# ### Exercise 4: port a Chat Completions request
#
# Write `chat_to_responses(chat)` that takes a Chat Completions request body (a dict) and
# returns the equivalent Responses request body:
#
# - `model`, `temperature` and `top_p` are copied when present;
# - `max_completion_tokens` (or the deprecated `max_tokens`) becomes `max_output_tokens`;
# - a **first** message whose role is `system` or `developer` and whose content is a string
#   becomes `instructions`; every other message becomes an input item `{"role": ..., "content": ...}`
#   in the same order;
# - string content stays a string; a list of parts is converted part by part: a user's (or
#   system's) parts with `responses_part` from exercise 1, an assistant's `text` parts into
#   `{"type": "output_text", "text": ...}` (the Responses API refuses `input_text` from the assistant);
# - `response_format` becomes `text.format`: `{"type": "json_object"}` and `{"type": "text"}` stay as
#   they are; `{"type": "json_schema", "json_schema": {...}}` is flattened to
#   `{"type": "json_schema", **the inner object}`;
# - any other key raises `ValueError` naming it (a silent drop would change what the model is asked).

# %% [markdown] mmcourse={"exercise": "ex-chat-to-responses", "role": "hint"}
# Build the result key by key. For the messages: `messages = list(chat["messages"])`, pop the first
# one if it is a system or developer message with string content, then convert the rest.

# %% [markdown] mmcourse={"exercise": "ex-chat-to-responses", "role": "hint"}
# `{"type": "json_schema", **fmt["json_schema"]}` flattens the schema format; the result goes in
# `{"text": {"format": ...}}`.

# %% mmcourse={"exercise": "ex-chat-to-responses", "role": "solution"}
def chat_to_responses(chat):
    ### BEGIN SOLUTION
    known = {"model", "messages", "temperature", "top_p", "max_completion_tokens", "max_tokens", "response_format"}
    unknown = sorted(set(chat) - known)
    if unknown:
        raise ValueError(f"no Responses equivalent for Chat parameter {unknown[0]!r}")
    out = {key: chat[key] for key in ("model", "temperature", "top_p") if key in chat}
    messages = list(chat.get("messages", []))
    if messages and messages[0]["role"] in ("system", "developer") and isinstance(messages[0]["content"], str):
        out["instructions"] = messages.pop(0)["content"]
    items = []
    for message in messages:
        content = message["content"]
        if isinstance(content, list):
            if message["role"] == "assistant":
                content = [{"type": "output_text", "text": part["text"]} for part in content]
            else:
                content = [responses_part(part) for part in content]
        items.append({"role": message["role"], "content": content})
    out["input"] = items
    limit = chat.get("max_completion_tokens", chat.get("max_tokens"))
    if limit is not None:
        out["max_output_tokens"] = limit
    fmt = chat.get("response_format")
    if fmt is not None:
        out["text"] = {"format": {"type": "json_schema", **fmt["json_schema"]} if fmt["type"] == "json_schema"
                       else dict(fmt)}
    return out
    ### END SOLUTION
    ### BEGIN STARTER
    # # Copy, rename, move the system text, convert the parts, flatten the format; refuse the rest.
    # raise NotImplementedError("ex-chat-to-responses: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-chat-to-responses", "role": "visible-tests"}
def test_lesson_02s_request_becomes_this_lessons():
    expect(chat_to_responses(chat_body), body, what="the Responses body for chat_body")


def test_a_schema_format_is_flattened():
    schema = {"type": "object", "properties": {"total": {"type": "number"}}, "required": ["total"],
              "additionalProperties": False}
    got = chat_to_responses({"model": "gpt-4o", "messages": [{"role": "user", "content": "Total?"}],
                             "response_format": {"type": "json_schema",
                                                 "json_schema": {"name": "Total", "strict": True, "schema": schema}}})
    expect(got, {"model": "gpt-4o", "input": [{"role": "user", "content": "Total?"}],
                 "text": {"format": {"type": "json_schema", "name": "Total", "strict": True, "schema": schema}}})


def test_unknown_parameters_are_refused():
    try:
        chat_to_responses({"model": "gpt-4o", "messages": [], "n": 2})
    except ValueError as exc:
        assert "n" in str(exc), "name the parameter in the error"
        return
    raise AssertionError("a Chat parameter without a Responses equivalent (n) should raise ValueError")

# %% mmcourse={"exercise": "ex-chat-to-responses", "role": "hidden-tests"}
import base64 as _b64
import copy as _copy

import requests as _requests

from mmcourse import datasets as _datasets
from mmcourse.grading import expect, last_request


def _part(rng):
    kind = rng.choice(["text", "image", "pdf", "file_id"])
    if kind == "text":
        text = f"Question {rng.randint(0, 999)}?"
        return {"type": "text", "text": text}, {"type": "input_text", "text": text}
    if kind == "image":
        url = f"data:image/png;base64,{_b64.b64encode(bytes(rng.randrange(256) for _ in range(12))).decode()}"
        chat, resp = {"type": "image_url", "image_url": {"url": url}}, {"type": "input_image", "image_url": url}
        if rng.random() < 0.5:
            chat["image_url"]["detail"] = resp["detail"] = rng.choice(["low", "high", "auto"])
        return chat, resp
    if kind == "pdf":
        data = f"data:application/pdf;base64,{_b64.b64encode(b'%PDF-' + bytes(rng.randint(0, 9))).decode()}"
        name = f"doc{rng.randint(0, 99)}.pdf"
        return ({"type": "file", "file": {"filename": name, "file_data": data}},
                {"type": "input_file", "filename": name, "file_data": data})
    fid = f"file-{rng.randint(10**8, 10**9)}"
    return {"type": "file", "file": {"file_id": fid}}, {"type": "input_file", "file_id": fid}


def _random_chat(rng):
    chat = {"model": rng.choice(["gpt-4o", "gpt-5.4-mini", "gpt-5.5"]), "messages": []}
    want = {"model": chat["model"]}
    items = []
    if rng.random() < 0.6:
        role = rng.choice(["system", "developer"])
        text = f"Be brief ({rng.randint(0, 99)})."
        chat["messages"].append({"role": role, "content": text})
        want["instructions"] = text
    for turn in range(rng.randint(1, 4)):
        role = "user" if turn % 2 == 0 else "assistant"
        if role == "assistant":
            text = f"Answer {rng.randint(0, 99)}."
            if rng.random() < 0.5:
                chat["messages"].append({"role": role, "content": text})
                items.append({"role": role, "content": text})
            else:
                chat["messages"].append({"role": role, "content": [{"type": "text", "text": text}]})
                items.append({"role": role, "content": [{"type": "output_text", "text": text}]})
        elif rng.random() < 0.3:
            text = f"Hello {rng.randint(0, 99)}"
            chat["messages"].append({"role": role, "content": text})
            items.append({"role": role, "content": text})
        else:
            pairs = [_part(rng) for _ in range(rng.randint(1, 4))]
            chat["messages"].append({"role": role, "content": [c for c, _ in pairs]})
            items.append({"role": role, "content": [r for _, r in pairs]})
    if rng.random() < 0.3:  # a system message later in the conversation stays an item
        text = f"Now answer in French ({rng.randint(0, 9)})."
        chat["messages"].append({"role": "system", "content": text})
        items.append({"role": "system", "content": text})
    want["input"] = items
    for key, value in (("temperature", round(rng.uniform(0, 2), 2)), ("top_p", round(rng.uniform(0, 1), 2))):
        if rng.random() < 0.4:
            chat[key] = want[key] = value
    if rng.random() < 0.7:
        limit = rng.randint(16, 4000)
        chat[rng.choice(["max_completion_tokens", "max_tokens"])] = limit
        want["max_output_tokens"] = limit
    fmt = rng.choice([None, "text", "json_object", "json_schema"])
    if fmt == "json_schema":
        inner = {"name": f"Answer{rng.randint(0, 99)}", "strict": rng.random() < 0.5,
                 "schema": {"type": "object", "properties": {"x": {"type": "integer"}}, "required": ["x"],
                            "additionalProperties": False}}
        chat["response_format"] = {"type": "json_schema", "json_schema": inner}
        want["text"] = {"format": {"type": "json_schema", **inner}}
    elif fmt:
        chat["response_format"] = {"type": fmt}
        want["text"] = {"format": {"type": fmt}}
    return chat, want


def test_random_chat_bodies(rng):
    for _ in range(25):
        chat, want = _random_chat(rng)
        original = _copy.deepcopy(chat)
        expect(chat_to_responses(chat), want, what=f"the Responses body for {len(chat['messages'])} messages")
        expect(chat, original, what="the Chat body after converting it (leave it unchanged)")


def test_other_chat_parameters_are_refused(rng):
    for key, value in (("n", 2), ("logprobs", True), ("audio", {"voice": "alloy"}), ("modalities", ["text"])):
        chat = {"model": "gpt-4o", "messages": [{"role": "user", "content": "hi"}], key: value}
        try:
            chat_to_responses(chat)
        except NotImplementedError:
            raise
        except ValueError:
            continue
        raise AssertionError(f"Chat's {key!r} has no Responses equivalent: raise ValueError")


def test_a_ported_request_is_accepted_by_the_responses_api(rng):
    cfg = offline_config("openai")
    rel = rng.choice(["photos/chelsea.jpg", "photos/coffee.jpg", "charts/quarterly_revenue.png"])
    data = _datasets.path(rel).read_bytes()
    mime = _datasets.entry(rel)["mime"]
    chat = {"model": "gpt-5.4-mini", "max_completion_tokens": rng.randint(100, 900), "messages": [
        {"role": "system", "content": "Answer in one sentence."},
        {"role": "user", "content": [{"type": "text", "text": "Describe this image."},
                                     {"type": "image_url", "image_url": {
                                         "url": f"data:{mime};base64,{_b64.b64encode(data).decode()}",
                                         "detail": rng.choice(["low", "high"])}}]},
        {"role": "assistant", "content": [{"type": "text", "text": "It is a picture."}]},
        {"role": "user", "content": "Say more."}]}
    r = _requests.post(f"{cfg.base_url}/responses", headers={"Authorization": f"Bearer {cfg.api_key}"},
                       json=chat_to_responses(chat), timeout=60)
    record = last_request("openai")
    assert record["verdict"] == "accepted", f"the Responses API refused your ported body: {record['error']}"
    expect(r.status_code, 200, what="status")
    expect([m["sha256"] for m in record["media"]], [_datasets.entry(rel)["sha256"]], what="the image that arrived")

# %% [markdown]
# ## Which API when?
#
# Both reach the same models and bill the same tokens. Concretely:
#
# | you need | use | why |
# |---|---|---|
# | code that also talks to other "OpenAI-compatible" servers (local models, proxies, other vendors) | Chat Completions | nearly all of them implement `/chat/completions`; fewer implement `/responses` |
# | audio input (`input_audio`, lesson 08) | Chat Completions | the Responses API takes no audio input |
# | one question about an image or a PDF | either | same parts, other names; pick what the rest of your code speaks |
# | a multi-turn conversation without resending the history | Responses | `previous_response_id` (you still pay for the earlier tokens) |
# | reasoning models with tools, keeping their reasoning between turns | Responses | reasoning items travel in `output` and back in `input` |
# | OpenAI's hosted tools (file search, code interpreter, web search as a tool) | Responses | the Responses API offers them in `tools`; Chat Completions does not |
# | nothing stored at OpenAI | either | Chat, or Responses with `store: false` |
#
# The course's helper speaks both: `mmcourse.ask("openai", ..., api="responses")`.

# %% tags=["nbval-check-output"]
answer = mmcourse.ask("openai", "What animal is in the photo?", datasets.path("photos/chelsea.jpg"),
                      api="responses")
print(answer.text)

# %% [markdown]
# ## What you learned
#
# - `POST /v1/responses` takes `input` items: `input_text`, `input_image` (`image_url` a plain
#   string), `input_file` (`filename` + `file_data`, or `file_id`), and `instructions`.
# - `output` is a list of items: walk it for `message` → `output_text`; `reasoning` and
#   `function_call` items sit beside it. `output_text` is an SDK property, not JSON.
# - `usage` says `input_tokens` / `output_tokens`; `status: incomplete` with
#   `incomplete_details.reason` replaces `finish_reason: length`.
# - `store` (on by default) and `previous_response_id` keep the conversation at OpenAI; earlier
#   turns are billed again; `DELETE /v1/responses/{id}` removes one.
#
# Next: lesson 14, tools and structured outputs with images.
