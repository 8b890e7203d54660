# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 09 · Video: frames, uploads and timestamps
#
# Only Gemini watches video. For OpenAI and Claude a video becomes what a film strip is: a few
# still frames, each labelled with its time. For Gemini the video goes up whole, through its
# File API, and comes back with timestamps.
#
# **Objectives**
# - Sample frames from an MP4 with PyAV, and send them with time labels to OpenAI and Claude.
# - Upload a video to the Gemini File API by hand: the resumable protocol, polling until `ACTIVE`,
#   then a `file_data` part.
# - Ask for scenes with timestamps and turn them into data you can check against the truth.
#
# **Estimated time: 40 min**
#
# **Exercises:** 3 (1 easy, 2 medium, 0 hard).
#
# **You need:** lessons 05-08. No API key: offline answers come from the emulator, which
# recognises the course video and each frame sampled from it (and the frame's time) and answers
# from the recorded scene list; it is not a model.

# %%
import mmcourse

conf = mmcourse.setup()

# %%
import base64
import io
import json
import re
import time
from pathlib import Path

import av
import requests

from IPython.display import Image, display
from PIL import Image as PILImage
from PIL import ImageDraw

from mmcourse import datasets, registry

video = datasets.path("video/product_update.mp4")
print(f"{video.name}: {video.stat().st_size:,} bytes")

# %% [markdown]
# ## What is in the file
#
# PyAV (Python bindings for FFmpeg) opens the container and describes its streams.
# **Predict the output:** 20 seconds at 24 frames a second is how many frames? And how many of
# them would you send to a model?

# %% tags=["nbval-check-output"]
with av.open(str(video)) as container:
    stream = container.streams.video[0]
    print(stream.codec_context.name, f"{stream.width}x{stream.height},", stream.average_rate, "fps,",
          stream.frames, "frames,", float(stream.duration * stream.time_base), "s,",
          len(container.streams.audio), "audio streams")

# %% [markdown]
# 480 frames, and no soundtrack. Sending all 480 as images would cost hundreds of thousands
# of tokens and tell a model little more than a handful do: most neighbouring frames are nearly
# identical. Sample a few instead.
#
# ## Sampling frames with PyAV
#
# Seeking jumps to the keyframe before the time you ask for; decoding forward from there
# reaches the first frame at (or just after) that time. Each frame becomes a JPEG no larger
# than 512 pixels, which is plenty for a slide and keeps image tokens low.

# %%
def frames_at(path, times, max_edge=512):
    """[(seconds, jpeg_bytes)] for the first frame at or after each time."""
    frames = []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        half_frame = 0.5 / float(stream.average_rate)
        for t in times:
            container.seek(int(t / stream.time_base), stream=stream)
            for frame in container.decode(stream):
                if frame.time + half_frame >= t:
                    image = frame.to_image()
                    image.thumbnail((max_edge, max_edge))
                    buffer = io.BytesIO()
                    image.save(buffer, format="JPEG", quality=85)
                    frames.append((round(frame.time, 2), buffer.getvalue()))
                    break
    return frames


# %% tags=["nbval-check-output"]
frames = frames_at(video, [1, 6, 9, 12, 17])
print([(t, f"{len(jpeg):,} bytes") for t, jpeg in frames])

# %% [markdown]
# To look at them, paste small copies side by side into one film strip (one small JPEG keeps
# the notebook light):

# %%
def film_strip(frames, width=160):
    thumbs = []
    for t, jpeg in frames:
        thumb = PILImage.open(io.BytesIO(jpeg)).convert("RGB")
        thumb.thumbnail((width, width))
        draw = ImageDraw.Draw(thumb)
        draw.rectangle((0, thumb.height - 14, 36, thumb.height), fill="black")
        draw.text((3, thumb.height - 13), f"{t:g} s", fill="white")
        thumbs.append(thumb)
    strip = PILImage.new("RGB", (sum(t.width for t in thumbs), max(t.height for t in thumbs)), "white")
    x = 0
    for thumb in thumbs:
        strip.paste(thumb, (x, 0))
        x += thumb.width
    buffer = io.BytesIO()
    strip.save(buffer, format="JPEG", quality=70)
    return buffer.getvalue()


display(Image(data=film_strip(frames), format="jpeg"))

# %% [markdown]
# The course package has the same tool with the choice of times built in:
# `mmcourse.media.video.sample_frames(path, every_s=..., max_frames=...)` takes one frame every
# `every_s` seconds, or spreads `max_frames` evenly when that would be too many.

# %% tags=["nbval-check-output"]
from mmcourse.media.video import sample_frames

print([t for t, _ in sample_frames(video, every_s=1.0, max_frames=6)])

# %% [markdown]
# ## Frames to OpenAI and Claude
#
# A model sees the frames as separate images; nothing in the images says when each was taken
# (apart from this video's on-screen clock). So put a text label before each frame: the model
# can then answer with times. Low `detail` keeps OpenAI's cost at a fixed small amount per
# frame.

# %%
def label(t):
    return f"Frame at {int(t) // 60:02d}:{int(t) % 60:02d}"


VIDEO_PROMPT = "These are frames from one video, in order. Describe what happens, with timestamps."

content = []
for t, jpeg in frames:
    content.append({"type": "text", "text": label(t)})
    content.append({"type": "image_url", "image_url": {
        "url": f"data:image/jpeg;base64,{base64.b64encode(jpeg).decode('ascii')}", "detail": "low"}})
content.append({"type": "text", "text": VIDEO_PROMPT})

# %% tags=["nbval-check-output"]
cfg = conf["openai"]
body = {"model": registry.default_model("openai"), "messages": [{"role": "user", "content": content}]}
response = requests.post(f"{cfg.base_url}/chat/completions", json=body, timeout=120,
                         headers={"Authorization": f"Bearer {cfg.api_key}"})
response.raise_for_status()
print(response.json()["choices"][0]["message"]["content"])

# %% [markdown]
# Claude takes the same frames as `image` blocks, with raw base64 and the media type:

# %% tags=["nbval-check-output"]
blocks = []
for t, jpeg in frames:
    blocks.append({"type": "text", "text": label(t)})
    blocks.append({"type": "image", "source": {"type": "base64", "media_type": "image/jpeg",
                                               "data": base64.b64encode(jpeg).decode("ascii")}})
blocks.append({"type": "text", "text": VIDEO_PROMPT})
cfg = conf["anthropic"]
response = requests.post(f"{cfg.base_url}/v1/messages", timeout=120,
                         headers={"x-api-key": cfg.api_key, "anthropic-version": "2023-06-01"},
                         json={"model": registry.default_model("anthropic"), "max_tokens": 1000,
                               "messages": [{"role": "user", "content": blocks}]})
response.raise_for_status()
print(response.json()["usage"]["input_tokens"], "input tokens for", len(frames), "frames")

# %% [markdown]
# ## Gemini: upload the whole video
#
# Gemini could take this small file inline (`inline_data` with `video/mp4`; a request may be up to
# 100 MB since January 2026, 20 MB before). Real videos are bigger, and an upload can be reused
# for 48 hours, so learn the File API (Gemini File API docs, 2026). It is a **resumable upload**
# in two requests.
#
# **Step 1, start:** announce the size and type; the answer carries the URL to send the bytes to
# in its `x-goog-upload-url` header.

# %%
cfg = conf["gemini"]
data = video.read_bytes()
start = requests.post(
    f"{cfg.base_url}/upload/v1beta/files",
    headers={
        "x-goog-api-key": cfg.api_key,
        "X-Goog-Upload-Protocol": "resumable",
        "X-Goog-Upload-Command": "start",
        "X-Goog-Upload-Header-Content-Length": str(len(data)),
        "X-Goog-Upload-Header-Content-Type": "video/mp4",
    },
    json={"file": {"display_name": "product_update"}},
    timeout=60,
)
start.raise_for_status()
upload_url = start.headers["x-goog-upload-url"]
print("got an upload URL:", "x-goog-upload-url" in start.headers)

# %% [markdown]
# **Step 2, upload and finalize:** the bytes, their offset, and the command `upload, finalize`
# (a big file goes in several `upload` chunks, the last one with `finalize`). The answer is the
# File resource.

# %% tags=["nbval-check-output"]
finish = requests.post(
    upload_url,
    headers={"x-goog-api-key": cfg.api_key, "X-Goog-Upload-Offset": "0",
             "X-Goog-Upload-Command": "upload, finalize"},
    data=data,
    timeout=120,
)
finish.raise_for_status()
file = finish.json()["file"]
print(finish.headers["x-goog-upload-status"], "|", file["mimeType"], file["sizeBytes"], "bytes |", file["state"])

# %% [markdown]
# Note `sizeBytes` is a string (Google's JSON writes 64-bit integers as strings) and the state,
# usually `PROCESSING`: Gemini is still decoding the video (a short clip may already be `ACTIVE`).
#
# **Predict the output.** What happens if you ask about the video right now?

# %%
def gemini_video(prompt, file, generation_config=None):
    url = f"{cfg.base_url}/v1beta/models/{registry.default_model('gemini')}:generateContent"
    body = {"contents": [{"role": "user", "parts": [
        {"file_data": {"mime_type": file["mimeType"], "file_uri": file["uri"]}},
        {"text": prompt},
    ]}]}
    if generation_config:
        body["generationConfig"] = generation_config
    return requests.post(url, headers={"x-goog-api-key": cfg.api_key}, json=body, timeout=120)


# %% tags=["nbval-check-output"]
if file["state"] == "PROCESSING":
    early = gemini_video("Describe this video.", file)
    print(early.status_code, early.json()["error"]["status"])
else:
    print(f"already {file['state']}: this clip finished processing before we asked")

# %% [markdown]
# `400 FAILED_PRECONDITION`: the file is not `ACTIVE` yet. Poll it with a `GET` on its name
# (this one answers the bare File, not wrapped in `{"file": ...}`) until it is:

# %% tags=["nbval-check-output"]
states = []
deadline = time.monotonic() + 120
while True:
    polled = requests.get(f"{cfg.base_url}/v1beta/{file['name']}", headers={"x-goog-api-key": cfg.api_key},
                          timeout=30)
    polled.raise_for_status()
    file = polled.json()
    states.append(file["state"])
    if file["state"] in ("ACTIVE", "FAILED") or time.monotonic() > deadline:
        break
    time.sleep(1)
print(states[0], "->", states[-1], "| duration:", file.get("videoMetadata", {}).get("videoDuration"))

# %% [markdown]
# ## Timestamps
#
# Now ask for the scenes with timestamps:

# %% tags=["nbval-check-output"]
reply = gemini_video("List the scenes of this video as lines of the form MM:SS-MM:SS Title: description.", file)
reply.raise_for_status()
scenes_text = reply.json()["candidates"][0]["content"]["parts"][0]["text"]
print(scenes_text)
print(reply.json()["usageMetadata"]["promptTokensDetails"])

# %% [markdown]
# 5,800 tokens for 20 seconds: about 290 a second (Gemini's video docs, 2026: one frame per
# second at 258 tokens, plus audio and metadata). Claude read the five frames above for 1,085
# input tokens (each 512x288 frame is 19 x 11 = 209 patches of 28 px, Anthropic's vision docs,
# 2026): a fifth of the price, for five moments out of twenty seconds.
#
# Timestamps in prose must be parsed to be checked (exercise 3). JSON avoids the parsing:

# %% tags=["nbval-check-output"]
reply = gemini_video(
    'Return JSON only: {"scenes": [{"start": number, "end": number, "title": string}]} (seconds).',
    file, {"responseMimeType": "application/json"})
scenes = json.loads(reply.json()["candidates"][0]["content"]["parts"][0]["text"])["scenes"]
truth = datasets.entry("video/product_update.mp4")["truth"]
for got, want in zip(scenes, truth["scenes"]):
    same = (got["start"], got["end"]) == (want["start"], want["end"])
    print(f"{got['start']:>3}-{got['end']:<3} {got['title']:<20} {'✓' if same else '✗ true ' + str((want['start'], want['end']))}")

# %% [markdown]
# `mmcourse.files.upload_gemini(path)` does the upload and the polling in one call (with 8 MiB
# chunks for big files), and `mmcourse.ask("gemini", prompt, mmcourse.files.upload("gemini", path))`
# the whole round trip. A file expires after 48 hours; delete it sooner with
# `DELETE /v1beta/files/{id}`.
#
# ## Exercises

# %% [markdown] mmcourse={"exercise": "ex-upload-video", "role": "instructions", "title": "Upload and wait", "points": 3, "difficulty": "medium"}
# ### Exercise 1: upload and wait
# Write `upload_to_gemini(path, display_name)` that uploads the file at `path` with the
# resumable protocol (a `start` request, then the bytes with `upload, finalize`), polls the
# file until its state is `ACTIVE` (raise `RuntimeError` if it becomes `FAILED` or is still
# processing after 60 s), and returns the File resource (a dict) as the last poll returned it.
# Send the file's true MIME type.

# %% [markdown] mmcourse={"exercise": "ex-upload-video", "role": "hint"}
# The three steps are the cells above, in a function; `mmcourse.sniff_mime(data)` gives the type.

# %% [markdown] mmcourse={"exercise": "ex-upload-video", "role": "hint"}
# The poll: `requests.get(f"{cfg.base_url}/v1beta/{file['name']}", headers=...)`, then
# `time.sleep(1)` between polls.

# %% mmcourse={"exercise": "ex-upload-video", "role": "solution"}
def upload_to_gemini(path, display_name):
    ### BEGIN SOLUTION
    cfg = conf["gemini"]
    data = Path(path).read_bytes()
    mime = mmcourse.sniff_mime(data)
    start = requests.post(f"{cfg.base_url}/upload/v1beta/files", timeout=60, headers={
        "x-goog-api-key": cfg.api_key, "X-Goog-Upload-Protocol": "resumable", "X-Goog-Upload-Command": "start",
        "X-Goog-Upload-Header-Content-Length": str(len(data)), "X-Goog-Upload-Header-Content-Type": mime,
    }, json={"file": {"display_name": display_name}})
    start.raise_for_status()
    finish = requests.post(start.headers["x-goog-upload-url"], data=data, timeout=120, headers={
        "x-goog-api-key": cfg.api_key, "X-Goog-Upload-Offset": "0", "X-Goog-Upload-Command": "upload, finalize"})
    finish.raise_for_status()
    file = finish.json()["file"]
    deadline = time.monotonic() + 60
    while file["state"] != "ACTIVE":
        if file["state"] == "FAILED":
            raise RuntimeError(f"{file['name']} failed: {file.get('error')}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{file['name']} still {file['state']} after 60 s")
        time.sleep(1)
        polled = requests.get(f"{cfg.base_url}/v1beta/{file['name']}", headers={"x-goog-api-key": cfg.api_key},
                              timeout=30)
        polled.raise_for_status()
        file = polled.json()
    return file
    ### END SOLUTION
    ### BEGIN STARTER
    # raise NotImplementedError("ex-upload-video: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-upload-video", "role": "visible-tests"}
import hashlib

from mmcourse.grading import requests_log


def test_the_video_ends_up_active():
    uploaded = upload_to_gemini(video, "my video")
    expect(uploaded["state"], "ACTIVE")
    expect(uploaded["mimeType"], "video/mp4")
    expect(uploaded["displayName"], "my video")
    expect(uploaded["sizeBytes"], str(video.stat().st_size))


def test_the_protocol_on_the_wire():
    uploaded = upload_to_gemini(video, "protocol check")
    records = requests_log("gemini")
    uploads = [r for r in records if r["path"] == "/upload/v1beta/files"]
    assert len(uploads) >= 2, "a start request and an upload request, both to /upload/v1beta/files"
    assert uploads[-2]["headers"].get("x-goog-upload-command") == "start", "the first request says start"
    assert uploads[-1]["headers"].get("x-goog-upload-command") == "upload, finalize", "the last says upload, finalize"
    assert [m["sha256"] for m in uploads[-1]["media"]] == [hashlib.sha256(video.read_bytes()).hexdigest()], \
        "the bytes arrived intact"
    polls = [r for r in records if r["method"] == "GET" and r["path"] == f"/v1beta/{uploaded['name']}"]
    assert polls, "poll the file with GET /v1beta/files/{id} until it is ACTIVE"

# %% mmcourse={"exercise": "ex-upload-video", "role": "hidden-tests"}
from mmcourse import datasets
from mmcourse.grading import expect, last_request


def test_an_audio_file_with_a_random_name(rng):
    name = f"clip-{rng.randint(100, 999)}"
    path = datasets.path("audio/delivery_voicemail.flac")
    uploaded = upload_to_gemini(path, name)
    expect(uploaded["state"], "ACTIVE")
    expect(uploaded["displayName"], name)
    expect(uploaded["mimeType"], "audio/flac", what="the declared MIME type")
    expect(uploaded["sizeBytes"], str(path.stat().st_size))


def test_the_uploaded_video_can_be_used():
    uploaded = upload_to_gemini(datasets.path("video/product_update.mp4"), "use me")
    reply = gemini_video("Summarise this video in one sentence.", uploaded)
    assert reply.status_code == 200, f"the upload is not usable yet: {reply.text[:200]}"

# %% [markdown] mmcourse={"exercise": "ex-labelled-frames", "role": "instructions", "title": "Frames with time labels", "points": 2, "difficulty": "easy"}
# ### Exercise 2: frames with time labels
# Write `frames_content(provider, frames, prompt)` that returns the `content` list of one user
# message for `"openai"` or `"anthropic"`: for each `(t, jpeg)` in `frames`, a text part
# `label(t)` followed by that frame as an image part in the provider's format (OpenAI with
# `"detail": "low"`), then the prompt as a last text part. Then `ask_frames(provider, frames,
# prompt)` sends it (default model; Claude needs `max_tokens`) and returns the answer text.

# %% [markdown] mmcourse={"exercise": "ex-labelled-frames", "role": "hint"}
# The two loops above (`content` for OpenAI, `blocks` for Claude) are the two branches of
# `frames_content`.

# %% mmcourse={"exercise": "ex-labelled-frames", "role": "solution"}
def frames_content(provider, frames, prompt):
    ### BEGIN SOLUTION
    def image_part(jpeg):
        b64 = base64.b64encode(jpeg).decode("ascii")
        if provider == "openai":
            return {"type": "image_url", "image_url": {"url": f"data:image/jpeg;base64,{b64}", "detail": "low"}}
        return {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": b64}}

    parts = []
    for t, jpeg in frames:
        parts.append({"type": "text", "text": label(t)})
        parts.append(image_part(jpeg))
    parts.append({"type": "text", "text": prompt})
    return parts
    ### END SOLUTION
    ### BEGIN STARTER
    # raise NotImplementedError("ex-labelled-frames: write your code here")
    ### END STARTER


def ask_frames(provider, frames, prompt):
    ### BEGIN SOLUTION
    cfg = conf[provider]
    messages = [{"role": "user", "content": frames_content(provider, frames, prompt)}]
    if provider == "openai":
        response = requests.post(f"{cfg.base_url}/chat/completions", timeout=120,
                                 headers={"Authorization": f"Bearer {cfg.api_key}"},
                                 json={"model": registry.default_model("openai"), "messages": messages})
        response.raise_for_status()
        return response.json()["choices"][0]["message"]["content"]
    response = requests.post(f"{cfg.base_url}/v1/messages", timeout=120,
                             headers={"x-api-key": cfg.api_key, "anthropic-version": "2023-06-01"},
                             json={"model": registry.default_model("anthropic"), "max_tokens": 1000,
                                   "messages": messages})
    response.raise_for_status()
    return response.json()["content"][0]["text"]
    ### END SOLUTION
    ### BEGIN STARTER
    # raise NotImplementedError("ex-labelled-frames: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-labelled-frames", "role": "visible-tests"}
from mmcourse.grading import last_request


def test_labels_and_images_alternate():
    two = frames[:2]
    for provider, image_type in (("openai", "image_url"), ("anthropic", "image")):
        parts = frames_content(provider, two, "What happens?")
        expect([p["type"] for p in parts], ["text", image_type, "text", image_type, "text"], what=f"{provider} part types")
        expect([parts[0]["text"], parts[2]["text"], parts[4]["text"]], [label(two[0][0]), label(two[1][0]), "What happens?"])


def test_both_providers_accept_it_and_see_the_times():
    for provider in ("openai", "anthropic"):
        answer = ask_frames(provider, frames, VIDEO_PROMPT)
        record = last_request(provider)
        assert record["verdict"] == "accepted", f"{provider} refused it: {record['error']}"
        expect(len(record["media"]), len(frames), what=f"{provider} images received")
        content = record["request"]["messages"][-1]["content"]
        texts = [part["text"] for part in content if part.get("type") == "text"]
        expect(texts[:-1], [label(t) for t, _ in frames], what=f"the time labels {provider} received")
        assert isinstance(answer, str) and answer, f"{provider}: return the answer text"

# %% mmcourse={"exercise": "ex-labelled-frames", "role": "hidden-tests"}
from mmcourse import datasets
from mmcourse.grading import expect, last_request


def test_random_moments(rng):
    times = sorted(rng.sample(range(0, 20), 3))
    picked = frames_at(datasets.path("video/product_update.mp4"), times)
    for provider in ("openai", "anthropic"):
        ask_frames(provider, picked, "Describe these frames with timestamps.")
        record = last_request(provider)
        assert record["verdict"] == "accepted", record["error"]
        content = record["request"]["messages"][-1]["content"]
        labels = [p["text"] for p in content if p.get("type") == "text"][:-1]
        expect(labels, [label(t) for t, _ in picked], what=f"{provider} labels")
        expect(len(record["media"]), 3)
    detail = [p["image_url"].get("detail") for p in last_request("openai")["request"]["messages"][-1]["content"]
              if p.get("type") == "image_url"]
    expect(detail, ["low", "low", "low"], what="OpenAI image detail")

# %% [markdown] mmcourse={"exercise": "ex-parse-scenes", "role": "instructions", "title": "Timestamps into data", "points": 2, "difficulty": "medium"}
# ### Exercise 3: timestamps into data
# Write `parse_scenes(text)` that finds every line of the form `MM:SS-MM:SS Title: description`
# (or `H:MM:SS` times; a space around the dash and an en dash `–` are allowed) and returns
# `[{"start": seconds, "end": seconds, "title": str}]` in the order found, as ints, with the
# title stripped. Lines that do not start with a time range are ignored.

# %% [markdown] mmcourse={"exercise": "ex-parse-scenes", "role": "hint"}
# A time: `(?:(\d+):)?(\d{1,2}):(\d{2})`. A line: `^\s*TIME\s*[-–]\s*TIME\s+([^:]+):` with `re.MULTILINE`.

# %% [markdown] mmcourse={"exercise": "ex-parse-scenes", "role": "hint"}
# Seconds: `int(h or 0) * 3600 + int(m) * 60 + int(s)`.

# %% mmcourse={"exercise": "ex-parse-scenes", "role": "solution"}
def parse_scenes(text):
    ### BEGIN SOLUTION
    clock = r"(?:(\d+):)?(\d{1,2}):(\d{2})"
    pattern = re.compile(rf"^\s*{clock}\s*[-–]\s*{clock}\s+([^:\n]+):", re.MULTILINE)

    def seconds(h, m, s):
        return int(h or 0) * 3600 + int(m) * 60 + int(s)

    return [{"start": seconds(*m.group(1, 2, 3)), "end": seconds(*m.group(4, 5, 6)), "title": m.group(7).strip()}
            for m in pattern.finditer(text)]
    ### END SOLUTION
    ### BEGIN STARTER
    # raise NotImplementedError("ex-parse-scenes: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-parse-scenes", "role": "visible-tests"}
def _mmss(seconds):
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def test_the_scenes_of_the_course_video():
    text = "Here are the scenes:\n" + "\n".join(
        f"{_mmss(s['start'])}-{_mmss(s['end'])} {s['title']}: {s['description']}" for s in truth["scenes"])
    got = parse_scenes(text)
    expect([(s["start"], s["end"], s["title"]) for s in got],
           [(s["start"], s["end"], s["title"]) for s in truth["scenes"]])


def test_hours_dashes_and_noise():
    text = "Scenes:\n1:02:03 – 1:02:09 Intro: hello\n  00:10 - 00:12  Outro : bye\nnot 00:10-00:12 here: no"
    expect(parse_scenes(text), [{"start": 3723, "end": 3729, "title": "Intro"},
                                {"start": 10, "end": 12, "title": "Outro"}])

# %% mmcourse={"exercise": "ex-parse-scenes", "role": "hidden-tests"}
from mmcourse.grading import expect


def test_random_scene_lists(rng):
    def clock(seconds, hours):
        h, rest = divmod(seconds, 3600)
        m, s = divmod(rest, 60)
        return f"{h}:{m:02d}:{s:02d}" if hours else f"{m + 60 * h:02d}:{s:02d}"

    for _ in range(10):
        t, want, lines = 0, [], ["Here are the scenes."]
        hours = rng.random() < 0.3
        for i in range(rng.randint(1, 6)):
            start, end = t, t + rng.randint(1, 900)
            t = end
            title = rng.choice(["Intro", "Demo", "Q and A", "Chart 2", "Wrap up"]) + f" {i}"
            dash = rng.choice(["-", " - ", "–", " – "])
            lines.append(f"{clock(start, hours)}{dash}{clock(end, hours)} {title}: scene {i}.")
            want.append({"start": start, "end": end, "title": title})
            if rng.random() < 0.3:
                lines.append(f"(a note at {clock(start, hours)})")
        expect(parse_scenes("\n".join(lines)), want, what="\n".join(lines)[:80])
