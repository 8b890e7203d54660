# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 10 · Several images and PDFs
#
# **Objectives**
# - Send several images in one request to OpenAI, Claude and Gemini, labelled so the model can
#   tell them apart.
# - Compare two versions of a dashboard and check the answer against the known differences.
# - Send a PDF three ways: Claude's `document` block, Gemini's `inline_data` (or an uploaded
#   file), OpenAI's `file` part.
# - Know the limits per request and why the same PDF costs different token counts per provider.
# - Choose how to hand a file over: base64 inline, a file id (upload once, refer many times) or
#   a URL, knowing what each provider accepts and what each costs in bytes sent.
# - Delete the files you uploaded.
#
# **Estimated time: 45 min**
#
# **Exercises:** 2 (1 easy, 1 medium).
#
# **You need:** lessons 02 to 04 (one image to each provider over raw HTTP). No key: offline,
# the emulator answers from the course data's ground truth, not from a model.

# %%
import mmcourse

conf = mmcourse.setup()

# %% [markdown]
# The three providers, their base URLs and the course's default model for each. Every request
# below is plain `requests` code you could paste into your own project.

# %% tags=["nbval-check-output"]
import base64
import re

import requests
from pypdf import PdfReader

from mmcourse import datasets, registry
from mmcourse.display import show_images

OPENAI, ANTHROPIC, GEMINI = conf["openai"], conf["anthropic"], conf["gemini"]
MODELS = {provider: registry.default_model(provider) for provider in ("openai", "anthropic", "gemini")}
print(MODELS)


def b64_of(rel):
    """A course file's bytes as base64 text: what a JSON body carries."""
    return base64.b64encode(datasets.path(rel).read_bytes()).decode("ascii")


# %% [markdown]
# ## Two dashboards: what changed?
#
# A common job: "here is last week's dashboard and this week's, what changed?". Look first.

# %%
DASHBOARDS = ["dashboards/dashboard_v1.png", "dashboards/dashboard_v2.png"]
show_images([datasets.path(rel) for rel in DASHBOARDS], max_edge=320, labels=["image 1", "image 2"])

# %% [markdown]
# Several images go in **one user message**, one part each, in the order you want them read.
# Put a short text label before each image ("Image 1:", "Image 2:") so that the question can
# refer to them; Anthropic's vision docs (2026) recommend exactly this, and it helps every
# provider. The question goes last.
#
# OpenAI first: one `image_url` part per image, each a data URL.

# %%
QUESTION = "These are two versions of the same dashboard. List every difference between image 1 and image 2."

content = []
for n, rel in enumerate(DASHBOARDS, start=1):
    content.append({"type": "text", "text": f"Image {n}:"})
    content.append({"type": "image_url", "image_url": {"url": f"data:image/png;base64,{b64_of(rel)}"}})
content.append({"type": "text", "text": QUESTION})

response = requests.post(
    f"{OPENAI.base_url}/chat/completions",
    headers={"Authorization": f"Bearer {OPENAI.api_key}"},
    json={
        "model": MODELS["openai"],
        "max_completion_tokens": 2000,  # reasoning models spend some of this thinking
        "messages": [{"role": "user", "content": content}],
    },
    timeout=120,
)
response.raise_for_status()
openai_answer = response.json()["choices"][0]["message"]["content"]
print(openai_answer)

# %% [markdown]
# **Predict the output.** Claude's version of the same message has text and image blocks.
# Which block types does it hold, in which order? Write the list down, then run the cell.

# %% tags=["nbval-check-output"]
blocks = []
for n, rel in enumerate(DASHBOARDS, start=1):
    blocks.append({"type": "text", "text": f"Image {n}:"})
    blocks.append({"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": b64_of(rel)}})
blocks.append({"type": "text", "text": QUESTION})
print([block["type"] for block in blocks])

# %%
response = requests.post(
    f"{ANTHROPIC.base_url}/v1/messages",
    headers={"x-api-key": ANTHROPIC.api_key, "anthropic-version": "2023-06-01"},
    json={"model": MODELS["anthropic"], "max_tokens": 1000, "messages": [{"role": "user", "content": blocks}]},
    timeout=120,
)
response.raise_for_status()
claude_answer = response.json()["content"][0]["text"]
print(claude_answer)

# %% [markdown]
# Gemini: the same idea with `parts`: a `text` part, an `inline_data` part, and so on.

# %%
parts = []
for n, rel in enumerate(DASHBOARDS, start=1):
    parts.append({"text": f"Image {n}:"})
    parts.append({"inline_data": {"mime_type": "image/png", "data": b64_of(rel)}})
parts.append({"text": QUESTION})

response = requests.post(
    f"{GEMINI.base_url}/v1beta/models/{MODELS['gemini']}:generateContent",
    headers={"x-goog-api-key": GEMINI.api_key},
    json={"contents": [{"role": "user", "parts": parts}]},
    timeout=120,
)
response.raise_for_status()
gemini_answer = response.json()["candidates"][0]["content"]["parts"][0]["text"]
print(gemini_answer)

# %% [markdown]
# ## Check the answers against what really changed
#
# The course data knows the true differences between the two dashboards. A cheap automatic
# check: a difference counts as found when the answer names its key terms (the numbers in it,
# or the "from X to Y" words). It is a sanity check, not a judge: a live model may phrase a
# difference so that the check misses it, so read the misses yourself.

# %% tags=["nbval-check-output"]
differences = datasets.entry(DASHBOARDS[0])["truth"]["differences_from"][DASHBOARDS[1]]


def key_terms(difference):
    """The numbers in a difference, else the words of 'from X to Y'."""
    numbers = re.findall(r"\d+(?:\.\d+)?", difference)
    if numbers:
        return numbers
    match = re.search(r"from (\w+) to (\w+)", difference)
    return list(match.groups()) if match else [difference]


def mentions(answer, term):
    """A number not inside a longer number ('8' is in 'W8' but not in '18'), or a whole word."""
    if term[0].isdigit():
        return re.search(rf"(?<![\d.]){re.escape(term)}(?!\d|\.\d)", answer) is not None
    return re.search(rf"\b{re.escape(term)}\b", answer, re.IGNORECASE) is not None


def found(answer, difference):
    """True when the answer mentions every key term of the difference."""
    return all(mentions(answer, term) for term in key_terms(difference))


for difference in differences:
    print(f"{difference[:60]:<60} terms={key_terms(difference)}")

# %% tags=["nbval-check-output"]
for provider, answer in (("openai", openai_answer), ("anthropic", claude_answer), ("gemini", gemini_answer)):
    hits = sum(found(answer, d) for d in differences)
    print(f"{provider:<10} found {hits} of {len(differences)} differences")

# %% [markdown]
# ## More than two images: a logo's three iterations
#
# The same pattern scales: here three design iterations, asked in one request (Gemini this
# time). With many images, numbering them is what makes "what changed at iteration 3?"
# answerable.

# %%
LOGOS = ["designs/logo_v1.png", "designs/logo_v2.png", "designs/logo_v3.png"]
show_images([datasets.path(rel) for rel in LOGOS], max_edge=120, labels=["image 1", "image 2", "image 3"])

# %%
parts = []
for n, rel in enumerate(LOGOS, start=1):
    parts.append({"text": f"Image {n}:"})
    parts.append({"inline_data": {"mime_type": "image/png", "data": b64_of(rel)}})
parts.append({"text": "These are three iterations of a logo. What changed at each iteration?"})

response = requests.post(
    f"{GEMINI.base_url}/v1beta/models/{MODELS['gemini']}:generateContent",
    headers={"x-goog-api-key": GEMINI.api_key},
    json={"contents": [{"role": "user", "parts": parts}]},
    timeout=120,
)
response.raise_for_status()
print(response.json()["candidates"][0]["content"]["parts"][0]["text"])

# %% [markdown]
# ### Limits on many images (2026)
#
# | | OpenAI Chat Completions | Anthropic Messages | Gemini generateContent |
# |---|---|---|---|
# | images per request | 1,500 | 100 (200k-context models), 600 (others) | 3,600 |
# | request size | 512 MB | 32 MB (larger: 413 `request_too_large`) | 100 MB inline (20 MB before Jan 2026) |
# | per image | within the request size | 10 MB of base64; 8000 px per side, **2000 px when a request has more than 20 images** | scaled down by Google |
#
# Sources: OpenAI "Images and vision" guide (2026), Anthropic vision docs (2026), Google's Gemini
# image docs and the Gemini API blog post of 12 January 2026. Every image also costs tokens:
# lesson 12 counts them.

# %% [markdown]
# ## PDFs
#
# A PDF is a document, not an image: all three providers read its **text** and look at an
# **image of each page** (Anthropic's PDF docs and OpenAI's file-inputs guide say so; Gemini's
# document docs bill each page like an image). The course's annual report has three pages;
# `pypdf` shows the text layer the providers extract.

# %% tags=["nbval-check-output"]
PDF = "documents/annual_report.pdf"
reader = PdfReader(datasets.path(PDF))
print(f"{len(reader.pages)} pages, {datasets.path(PDF).stat().st_size:,} bytes")
print(reader.pages[1].extract_text())

# %% [markdown]
# ### Claude: a `document` block
#
# Same shape as an image block, with `"type": "document"` and `media_type: application/pdf`.
# Raw base64 again, no `data:` prefix.

# %%
PDF_QUESTION = "Which quarter had the highest revenue?"
pdf_b64 = b64_of(PDF)

response = requests.post(
    f"{ANTHROPIC.base_url}/v1/messages",
    headers={"x-api-key": ANTHROPIC.api_key, "anthropic-version": "2023-06-01"},
    json={
        "model": MODELS["anthropic"],
        "max_tokens": 500,
        "messages": [{"role": "user", "content": [
            {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": pdf_b64}},
            {"type": "text", "text": PDF_QUESTION},
        ]}],
    },
    timeout=120,
)
response.raise_for_status()
claude_pdf = response.json()
print(claude_pdf["content"][0]["text"])

# %% [markdown]
# ### Gemini: `inline_data` with `application/pdf`
#
# Exactly like an image part; only the MIME type changes.

# %%
response = requests.post(
    f"{GEMINI.base_url}/v1beta/models/{MODELS['gemini']}:generateContent",
    headers={"x-goog-api-key": GEMINI.api_key},
    json={"contents": [{"role": "user", "parts": [
        {"inline_data": {"mime_type": "application/pdf", "data": pdf_b64}},
        {"text": PDF_QUESTION},
    ]}]},
    timeout=120,
)
response.raise_for_status()
gemini_pdf = response.json()
print(gemini_pdf["candidates"][0]["content"]["parts"][0]["text"])

# %% [markdown]
# ### OpenAI: a `file` part
#
# Chat Completions takes a PDF as `{"type": "file", "file": {"filename", "file_data"}}` where
# `file_data` is a **data URL** (like `image_url`), and the filename is required with it.

# %%
response = requests.post(
    f"{OPENAI.base_url}/chat/completions",
    headers={"Authorization": f"Bearer {OPENAI.api_key}"},
    json={
        "model": MODELS["openai"],
        "max_completion_tokens": 2000,
        "messages": [{"role": "user", "content": [
            {"type": "file", "file": {"filename": "annual_report.pdf",
                                      "file_data": f"data:application/pdf;base64,{pdf_b64}"}},
            {"type": "text", "text": PDF_QUESTION},
        ]}],
    },
    timeout=120,
)
response.raise_for_status()
openai_pdf = response.json()
print(openai_pdf["choices"][0]["message"]["content"])

# %% [markdown]
# **Predict the output.** The same three-page PDF went to all three. Which provider counted the
# most input tokens, and which the fewest? Gemini 2.5 bills 258 tokens per page; Claude and
# OpenAI bill the page text plus an image of every page.

# %% tags=["nbval-check-output"]
print(f"{'openai':<10} {openai_pdf['usage']['prompt_tokens']:>6} input tokens")
print(f"{'anthropic':<10} {claude_pdf['usage']['input_tokens']:>6} input tokens")
print(f"{'gemini':<10} {gemini_pdf['usageMetadata']['promptTokenCount']:>6} input tokens")

# %% [markdown]
# Offline these counts come from each provider's published algorithm (lesson 12); live they are
# the real bills. Either way, the cheapest way to send a long PDF is rarely the same provider
# as for one photo.
#
# ### Big or reused files: upload once, refer to it
#
# Inline base64 travels with every request. For a big PDF, or one you ask about many times,
# upload it once and send a reference:
#
# | provider | upload | reference in a request |
# |---|---|---|
# | Gemini | File API, resumable upload (lesson 09) | `{"file_data": {"mime_type": "application/pdf", "file_uri": ...}}` |
# | OpenAI | `POST /v1/files`, multipart, `purpose=user_data` | `{"type": "file", "file": {"file_id": "file-..."}}` |
# | Anthropic | `POST /v1/files` with header `anthropic-beta: files-api-2025-04-14` (beta) | `{"type": "document", "source": {"type": "file", "file_id": "file_..."}}` |
#
# You wrote Gemini's resumable upload by hand in lesson 09, so here `mmcourse.files` does it.

# %%
from mmcourse import files

uploaded = files.upload_gemini(datasets.path(PDF))
print(uploaded["state"], uploaded["mimeType"])

response = requests.post(
    f"{GEMINI.base_url}/v1beta/models/{MODELS['gemini']}:generateContent",
    headers={"x-goog-api-key": GEMINI.api_key},
    json={"contents": [{"role": "user", "parts": [
        {"file_data": {"mime_type": "application/pdf", "file_uri": uploaded["uri"]}},
        {"text": "Summarise this report in two sentences."},
    ]}]},
    timeout=120,
)
response.raise_for_status()
print(response.json()["candidates"][0]["content"]["parts"][0]["text"])

# %% [markdown]
# OpenAI's upload is one multipart `POST`; the answer's `id` is what later requests send.

# %%
response = requests.post(
    f"{OPENAI.base_url}/files",
    headers={"Authorization": f"Bearer {OPENAI.api_key}"},
    data={"purpose": "user_data"},
    files={"file": ("annual_report.pdf", datasets.path(PDF).read_bytes(), "application/pdf")},
    timeout=120,
)
response.raise_for_status()
file_id = response.json()["id"]

response = requests.post(
    f"{OPENAI.base_url}/chat/completions",
    headers={"Authorization": f"Bearer {OPENAI.api_key}"},
    json={
        "model": MODELS["openai"],
        "max_completion_tokens": 2000,
        "messages": [{"role": "user", "content": [
            {"type": "file", "file": {"file_id": file_id}},
            {"type": "text", "text": "What was total revenue in 2025?"},
        ]}],
    },
    timeout=120,
)
response.raise_for_status()
print(response.json()["choices"][0]["message"]["content"])

# %% [markdown]
# PDF limits (2026): Claude 32 MB per request and 100 pages for models with a context window
# under 1M tokens (600 pages otherwise); Gemini 50 MB or 1,000 pages per PDF; OpenAI 512 MB per
# file upload. Sources: Anthropic PDF-support docs, Gemini document-processing docs, OpenAI
# files API reference.
#
# ### Clean up: delete what you uploaded
#
# An uploaded file stays at OpenAI (and at Anthropic) until **you** delete it; Gemini removes
# it after 48 hours. Both files above have done their job, so delete them now, with the same
# `DELETE` requests as lesson 16 (which comes back to retention and to all three providers):
# `DELETE {base}/files/{id}` at OpenAI, `DELETE /v1beta/{name}` at Gemini.

# %% tags=["nbval-check-output"]
gone = requests.delete(f"{OPENAI.base_url}/files/{file_id}",
                       headers={"Authorization": f"Bearer {OPENAI.api_key}"}, timeout=60)
print("openai:", gone.status_code, {key: gone.json()[key] for key in ("object", "deleted")})
gone = requests.delete(f"{GEMINI.base_url}/v1beta/{uploaded['name']}",
                       headers={"x-goog-api-key": GEMINI.api_key}, timeout=60)
print("gemini:", gone.status_code, gone.json())

# %% [markdown]
# **Predict:** what does OpenAI answer now to a `GET` of the file you just deleted?

# %% tags=["nbval-check-output"]
again = requests.get(f"{OPENAI.base_url}/files/{file_id}", headers={"Authorization": f"Bearer {OPENAI.api_key}"},
                     timeout=60)
print(again.status_code, again.json()["error"]["type"])

# %% [markdown]
# A 404: the id is gone for good, so a request that still names it fails too. Delete a file when
# you no longer ask about it, not while requests that use it may still be sent.
#
# ## Three ways to hand over a file: inline, file id, URL
#
# Every request so far carried the file itself or a reference to an upload. There is a third
# way: a **URL** that the provider downloads itself. What each provider accepts (2026; provider
# API references and the 2026 facts sheet):
#
# | | inline (base64 in the JSON) | file id (upload once) | URL (the provider downloads it) |
# |---|---|---|---|
# | OpenAI Chat | `image_url.url` = data URL; `file.file_data` = data URL | `{"type": "file", "file": {"file_id"}}` (PDF) | `image_url.url` = https URL (images only) |
# | OpenAI Responses (lesson 13) | `input_image.image_url`, `input_file.file_data` | `input_image.file_id`, `input_file.file_id` | `input_image.image_url`, `input_file.file_url` |
# | Anthropic | `source: {"type": "base64", ...}` | `source: {"type": "file", "file_id"}` (beta header) | `source: {"type": "url", "url"}` for images and PDFs |
# | Gemini | `inline_data` | `file_data.file_uri` from the File API | `file_data.file_uri` = public https URL (since 12 January 2026), or a YouTube link |
#
# **Predict:** you ask 10 questions about the annual report. How many bytes of request body does
# each way send in all? Write down a guess for each, then run the cell.

# %% tags=["nbval-check-output"]
import json

QUESTIONS = 10
pdf_bytes = datasets.path(PDF).read_bytes()
question = {"type": "text", "text": PDF_QUESTION}


def body_size(pdf_block):
    """The bytes of one Claude request body that carries the PDF as ``pdf_block``."""
    return len(json.dumps({"model": MODELS["anthropic"], "max_tokens": 500,
                           "messages": [{"role": "user", "content": [pdf_block, question]}]}))


inline = body_size({"type": "document", "source": {"type": "base64", "media_type": "application/pdf",
                                                   "data": base64.b64encode(pdf_bytes).decode("ascii")}})
by_id = body_size({"type": "document", "source": {"type": "file", "file_id": "file_011CNha8iCJcU1wXNR6q4V8w"}})
by_url = body_size({"type": "document", "source": {"type": "url",
                                                   "url": "https://example.com/reports/annual_report.pdf"}})
print(f"the PDF: {len(pdf_bytes):,} bytes, {len(base64.b64encode(pdf_bytes)):,} as base64")
print(f"inline:  {QUESTIONS} x {inline:,} = {QUESTIONS * inline:>8,} bytes sent")
print(f"file id: {len(pdf_bytes):,} once + {QUESTIONS} x {by_id} = {len(pdf_bytes) + QUESTIONS * by_id:>8,} bytes sent")
print(f"URL:     {QUESTIONS} x {by_url} = {QUESTIONS * by_url:>8,} bytes sent (the provider downloads the PDF)")

# %% [markdown]
# Base64 makes the file a third bigger, and inline sends it with **every** request. A file id
# sends it once. A URL sends almost nothing, but the provider downloads it, so it must be
# reachable from the provider's servers. None of this changes the **tokens**: the model reads the
# same pages however they arrive, and you pay for them on every request (lesson 12).
#
# ### URLs offline: the emulator never fetches the internet
#
# The emulator has no network access and **never fetches a URL from the internet**. It serves the
# course's own `data/` folder at its own address, `<emulator>/_mmcourse/data/<path>`, and
# "downloads" only URLs of that form, reading them from disk. Any other URL gets the error the
# real provider answers when it cannot download one. Live, the provider really downloads the
# URL, so it must be public (`127.0.0.1` is your machine, which OpenAI's servers cannot reach).

# %%
from mmcourse.emulator import urls

photo_url = urls.data_url_for(ANTHROPIC.base_url, "photos/chelsea.jpg") if ANTHROPIC.offline else None
print(photo_url or "anthropic is live: the emulator's data URLs are not reachable from Anthropic")

# %% tags=["nbval-check-output"]
if photo_url:
    response = requests.post(
        f"{ANTHROPIC.base_url}/v1/messages",
        headers={"x-api-key": ANTHROPIC.api_key, "anthropic-version": "2023-06-01"},
        json={"model": MODELS["anthropic"], "max_tokens": 300, "messages": [{"role": "user", "content": [
            {"type": "image", "source": {"type": "url", "url": photo_url}},
            {"type": "text", "text": "What animal is in the photo?"},
        ]}]},
        timeout=120,
    )
    response.raise_for_status()
    print(response.json()["content"][0]["text"])

# %% [markdown]
# A URL that cannot be downloaded is a **400**, not a retry: each provider words it its own way.
# This one fails offline and live alike (`example.com` serves no such photo):

# %% tags=["nbval-check-output"]
missing = "https://example.com/no-such-photo.jpg"
response = requests.post(
    f"{OPENAI.base_url}/chat/completions", headers={"Authorization": f"Bearer {OPENAI.api_key}"},
    json={"model": MODELS["openai"], "max_completion_tokens": 300, "messages": [{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": missing}}, {"type": "text", "text": "What is this?"}]}]},
    timeout=120,
)
print("openai:", response.status_code, response.json()["error"]["code"])
response = requests.post(
    f"{GEMINI.base_url}/v1beta/models/{MODELS['gemini']}:generateContent",
    headers={"x-goog-api-key": GEMINI.api_key},
    json={"contents": [{"role": "user", "parts": [
        {"file_data": {"mime_type": "image/jpeg", "file_uri": missing}}, {"text": "What is this?"}]}]},
    timeout=120,
)
print("gemini:", response.status_code, response.json()["error"]["status"])

# %% [markdown]
# ### Which one when
#
# | situation | use | why |
# |---|---|---|
# | one small file, asked about once (a photo, a one-page scan) | inline base64 | one request, nothing to clean up; a third bigger on the wire |
# | a file asked about many times, or a big one | file id | sent once, and each request stays small under Claude's 32 MB and Gemini's 100 MB per-request caps (upload limits: OpenAI 512 MB, Anthropic 500 MB, Gemini 2 GB per file) |
# | the file is already public on the web (a product image, a published report) | URL | you send a few bytes; the provider downloads it, every time |
# | anything private | inline, or a file id you delete afterwards | a URL must be public, which a private file should never be |
# | video longer than a few seconds (lesson 09) | Gemini File API (file id) | too big to inline; it needs processing before use |

# %% [markdown] mmcourse={"exercise": "ex-labelled-images", "role": "instructions", "title": "Several labelled images to Claude", "points": 3, "difficulty": "medium"}
# ### Exercise: several labelled images to Claude
#
# Write `ask_claude_about_images(paths, question)`: `paths` are course files relative to
# `data/` (use `datasets.path(rel)` to read them). Send **one** Messages request whose user
# message holds, for each file in order, a text block `"Image 1:"`, `"Image 2:"`, ... followed
# by its image block, and then the question as the last text block. Return the answer text.
#
# Declare each image's `media_type` from its **bytes**, not its file name: some files lie
# about their type. The check reads what reached the emulator, not your variables.

# %% [markdown] mmcourse={"exercise": "ex-labelled-images", "role": "hint"}
# Build `blocks` in a loop with `enumerate(paths, start=1)`, append the question after the loop,
# and post it like the Claude cell above (`x-api-key`, `anthropic-version`, `max_tokens`).

# %% [markdown] mmcourse={"exercise": "ex-labelled-images", "role": "hint"}
# `mmcourse.sniff_mime(data)` reads the magic bytes: `errors/screenshot.jpg` is really a PNG.

# %% mmcourse={"exercise": "ex-labelled-images", "role": "solution"}
def ask_claude_about_images(paths, question):
    ### BEGIN SOLUTION
    blocks = []
    for n, rel in enumerate(paths, start=1):
        data = datasets.path(rel).read_bytes()
        blocks.append({"type": "text", "text": f"Image {n}:"})
        blocks.append({"type": "image", "source": {
            "type": "base64", "media_type": mmcourse.sniff_mime(data),
            "data": base64.b64encode(data).decode("ascii"),
        }})
    blocks.append({"type": "text", "text": question})
    response = requests.post(
        f"{ANTHROPIC.base_url}/v1/messages",
        headers={"x-api-key": ANTHROPIC.api_key, "anthropic-version": "2023-06-01"},
        json={"model": MODELS["anthropic"], "max_tokens": 1000,
              "messages": [{"role": "user", "content": blocks}]},
        timeout=120,
    )
    response.raise_for_status()
    return response.json()["content"][0]["text"]
    ### END SOLUTION
    ### BEGIN STARTER
    # # One text block "Image N:" and one image block per path, then the question; post; return the text.
    # raise NotImplementedError("ex-labelled-images: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-labelled-images", "role": "visible-tests"}
from mmcourse.grading import last_request


def test_two_dashboards_reach_claude_labelled_in_order():
    paths = ["dashboards/dashboard_v1.png", "dashboards/dashboard_v2.png"]
    answer = ask_claude_about_images(paths, "What changed between image 1 and image 2?")
    record = last_request("anthropic")
    assert record is not None, "no request reached the emulator"
    assert record["verdict"] == "accepted", f"the emulator refused the request: {record['error']}"
    blocks = record["request"]["messages"][-1]["content"]
    expect([b["type"] for b in blocks], ["text", "image", "text", "image", "text"], what="block types")
    expect([b["text"] for b in blocks if b["type"] == "text"],
           ["Image 1:", "Image 2:", "What changed between image 1 and image 2?"], what="text blocks")
    expect([m["sha256"] for m in record["media"]], [datasets.entry(p)["sha256"] for p in paths],
           what="images, in order")
    assert isinstance(answer, str) and answer, "return the answer text"


def test_media_type_comes_from_the_bytes():
    ask_claude_about_images(["errors/screenshot.jpg"], "What is this?")
    record = last_request("anthropic")
    assert record["verdict"] == "accepted", f"the emulator refused the request: {record['error']}"
    expect(record["request"]["messages"][-1]["content"][1]["source"]["media_type"], "image/png",
           what="media_type of errors/screenshot.jpg")

# %% mmcourse={"exercise": "ex-labelled-images", "role": "hidden-tests"}
from mmcourse import datasets as _datasets
from mmcourse.grading import expect, last_request

_POOL = ["photos/chelsea.jpg", "photos/coffee.jpg", "charts/quarterly_revenue.png", "designs/logo_v2.png",
         "receipts/maple_bean_cafe.png", "errors/screenshot.jpg", "dashboards/dashboard_v2.png"]


def test_random_sets_of_images_in_the_order_given(rng):
    for _ in range(2):
        paths = rng.sample(_POOL, rng.randint(1, 4))
        question = rng.choice(["Compare these images.", "What do these images have in common?",
                               "Describe each image in one sentence."])
        ask_claude_about_images(paths, question)
        record = last_request("anthropic")
        assert record["verdict"] == "accepted", f"the emulator refused a request with {paths}: {record['error']}"
        blocks = record["request"]["messages"][-1]["content"]
        expected_types = ["text", "image"] * len(paths) + ["text"]
        expect([b["type"] for b in blocks], expected_types, what=f"block types for {len(paths)} images")
        expect([b["text"] for b in blocks if b["type"] == "text"],
               [f"Image {n}:" for n in range(1, len(paths) + 1)] + [question], what="text blocks")
        expect([m["sha256"] for m in record["media"]], [_datasets.entry(p)["sha256"] for p in paths],
               what="images in the order given")


def test_one_request_per_call():
    from mmcourse.grading import requests_log

    before = len(requests_log("anthropic"))
    ask_claude_about_images(["photos/rocket.jpg", "photos/astronaut.jpg"], "Which one shows a person?")
    assert len(requests_log("anthropic")) == before + 1, "send all the images in one request"

# %% [markdown] mmcourse={"exercise": "ex-pdf-part", "role": "instructions", "title": "A PDF part for each provider", "points": 3, "difficulty": "easy"}
# ### Exercise: a PDF part for each provider
#
# Write `pdf_part(provider, pdf_bytes, filename)` returning the content part that carries a PDF
# for `provider` (`"openai"`, `"anthropic"` or `"gemini"`), exactly as in the cells above:
# OpenAI's `file` part with `filename` and a data-URL `file_data`; Claude's `document` block
# with raw base64; Gemini's `inline_data` part (snake_case, like the cells above). Raise
# `ValueError` for any other provider. The check also sends your parts to the emulator.

# %% [markdown] mmcourse={"exercise": "ex-pdf-part", "role": "hint"}
# Encode once: `b64 = base64.b64encode(pdf_bytes).decode("ascii")`; only OpenAI's needs the
# `data:application/pdf;base64,` prefix.

# %% mmcourse={"exercise": "ex-pdf-part", "role": "solution"}
def pdf_part(provider, pdf_bytes, filename):
    ### BEGIN SOLUTION
    b64 = base64.b64encode(pdf_bytes).decode("ascii")
    if provider == "openai":
        return {"type": "file", "file": {"filename": filename, "file_data": f"data:application/pdf;base64,{b64}"}}
    if provider == "anthropic":
        return {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": b64}}
    if provider == "gemini":
        return {"inline_data": {"mime_type": "application/pdf", "data": b64}}
    raise ValueError(f"unknown provider {provider!r}: use openai, anthropic or gemini")
    ### END SOLUTION

# %% mmcourse={"exercise": "ex-pdf-part", "role": "visible-tests"}
def test_parts_have_each_providers_shape():
    data = b"%PDF-1.4 tiny"
    b64 = base64.b64encode(data).decode("ascii")
    expect(pdf_part("openai", data, "a.pdf"),
           {"type": "file", "file": {"filename": "a.pdf", "file_data": f"data:application/pdf;base64,{b64}"}})
    expect(pdf_part("anthropic", data, "a.pdf"),
           {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": b64}})
    expect(pdf_part("gemini", data, "a.pdf"), {"inline_data": {"mime_type": "application/pdf", "data": b64}})


def test_unknown_provider_raises():
    try:
        pdf_part("mistral", b"%PDF", "a.pdf")
    except ValueError:
        return
    raise AssertionError("pdf_part('mistral', ...) should raise ValueError")

# %% mmcourse={"exercise": "ex-pdf-part", "role": "hidden-tests"}
import base64 as _b64

import requests as _requests

from mmcourse import datasets as _ds
from mmcourse import registry as _registry
from mmcourse.grading import expect, last_request


def test_random_bytes_and_names(rng):
    for _ in range(5):
        data = b"%PDF-1.7\n" + bytes(rng.randrange(256) for _ in range(rng.randint(1, 300)))
        name = f"doc_{rng.randint(0, 9999)}.pdf"
        b64 = _b64.b64encode(data).decode("ascii")
        expect(pdf_part("openai", data, name)["file"],
               {"filename": name, "file_data": f"data:application/pdf;base64,{b64}"}, what="OpenAI file")
        expect(pdf_part("anthropic", data, name)["source"]["data"], b64, what="Claude data")
        expect(pdf_part("gemini", data, name)["inline_data"]["data"], b64, what="Gemini data")


def test_the_parts_are_accepted_by_each_provider():
    import mmcourse as _mmcourse

    conf = _mmcourse.setup(quiet=True)
    data = _ds.path("documents/invoice.pdf").read_bytes()
    question = {"type": "text", "text": "What is the total due?"}
    o, a, g = conf["openai"], conf["anthropic"], conf["gemini"]
    _requests.post(f"{o.base_url}/chat/completions", headers={"Authorization": f"Bearer {o.api_key}"},
                   json={"model": _registry.default_model("openai"), "messages": [
                       {"role": "user", "content": [pdf_part("openai", data, "invoice.pdf"), question]}]},
                   timeout=60)
    _requests.post(f"{a.base_url}/v1/messages",
                   headers={"x-api-key": a.api_key, "anthropic-version": "2023-06-01"},
                   json={"model": _registry.default_model("anthropic"), "max_tokens": 200, "messages": [
                       {"role": "user", "content": [pdf_part("anthropic", data, "invoice.pdf"), question]}]},
                   timeout=60)
    _requests.post(f"{g.base_url}/v1beta/models/{_registry.default_model('gemini')}:generateContent",
                   headers={"x-goog-api-key": g.api_key},
                   json={"contents": [{"role": "user", "parts": [pdf_part("gemini", data, "invoice.pdf"),
                                                                 {"text": "What is the total due?"}]}]},
                   timeout=60)
    for provider in ("openai", "anthropic", "gemini"):
        record = last_request(provider)
        assert record["verdict"] == "accepted", f"{provider} refused your PDF part: {record['error']}"
        expect(record["media"][0]["sha256"], _ds.entry("documents/invoice.pdf")["sha256"],
               what=f"the PDF {provider} received")

# %% [markdown]
# ## What you learned
#
# - Several images: one message, one part per image, a text label before each, the question last.
# - A PDF is an image part with another type: Claude `document`, Gemini `inline_data` with
#   `application/pdf`, OpenAI `file` with a filename and a data URL.
# - Upload big or reused files once and send a reference; inline base64 travels every time;
#   a URL sends a few bytes but must be public. Delete what you uploaded when you are done.
# - Providers count the same PDF very differently: lesson 12 turns token counts into money.
#
# Next: lesson 11, when calls fail.
