# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 08 · Audio: transcripts, summaries, action items
#
# A recorded meeting is the audio version of the receipt: you want a record out of it (who
# agreed what, who does what by when). The three providers differ most here: Gemini listens
# to audio natively, OpenAI only through its audio models, Claude not at all.
#
# **Objectives**
# - Read a WAV file's header yourself: sample rate, channels, bit depth, duration, size as base64.
# - Send audio to Gemini as `inline_data` and get a transcript, a summary and action items as JSON.
# - Send audio to OpenAI as an `input_audio` part, to a model that accepts it.
# - Transcribe with OpenAI's speech-to-text endpoint (`/v1/audio/transcriptions`): a multipart
#   upload, `whisper-1` or `gpt-4o-transcribe`, and its `response_format`s (text, subtitles, timestamps).
# - Build a transcribe-then-analyse pipeline for Claude, which takes no audio.
#
# **Estimated time: 45 min**
#
# **Exercises:** 4 (1 easy, 3 medium).
#
# **You need:** lessons 05-07. No API key: offline answers come from the emulator, which
# recognises the course's recordings (and their transcripts) and answers from their recorded
# notes; it is not a model.

# %%
import mmcourse

conf = mmcourse.setup()

# %%
import base64
import json
import struct
import wave
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import requests

from mmcourse import datasets, registry
meeting = datasets.path("audio/meeting_excerpt.wav")
wav = meeting.read_bytes()
print(f"{meeting.name}: {len(wav):,} bytes")

# %% [markdown]
# Listen first: this is the clip the providers will transcribe. (The player links to the file in
# `data/` instead of copying its 600 KB into the notebook.)

# %%
import os

from IPython.display import Audio

Audio(url=os.path.relpath(meeting))

# %% [markdown]
# ## What is in a WAV file
#
# A WAV file is a RIFF container: a 12-byte header (`RIFF`, the file size, `WAVE`), then
# chunks, each a 4-letter id, a 4-byte little-endian length and the data. The `fmt ` chunk says
# how to read the samples; the `data` chunk holds them. Look at the first 44 bytes:

# %% tags=["nbval-check-output"]
print(wav[:44])

# %% [markdown]
# `struct.unpack` reads binary fields: `<` little-endian, `4s` four bytes, `I` a 4-byte
# unsigned int, `H` a 2-byte one. In this file the `fmt ` chunk sits right after the header:

# %% tags=["nbval-check-output"]
riff, size, wave_id = struct.unpack("<4sI4s", wav[:12])
chunk_id, chunk_size, audio_format, channels, rate, byte_rate, block_align, bits = struct.unpack(
    "<4sIHHIIHH", wav[12:36])
print(riff, size + 8, wave_id, chunk_id)
print(f"format {audio_format} (1 = PCM), {channels} channel(s), {rate} Hz, {bits}-bit, {byte_rate:,} bytes/s")

# %% [markdown]
# **Predict the output.** 16,000 samples a second, 2 bytes each, one channel. How long is the
# recording, and how big is it once base64-encoded for JSON?

# %% tags=["nbval-check-output"]
data_id, data_size = struct.unpack("<4sI", wav[36:44])
seconds = data_size / byte_rate
print(data_id, f"{data_size:,} bytes of samples = {seconds:.2f} s")
print(f"base64: {len(base64.b64encode(wav)):,} characters ({len(base64.b64encode(wav)) / len(wav):.0%} of the file)")
with wave.open(str(meeting)) as w:  # the standard library agrees
    print("wave module:", w.getframerate(), "Hz,", w.getnchannels(), "channel,", f"{w.getnframes() / w.getframerate():.2f} s")

# %% [markdown]
# Reading the `fmt ` chunk at a fixed offset worked here, but other WAV writers put extra
# chunks (`LIST` with metadata, `fact`) before `data`. Exercise 1 walks the chunks properly.
#
# The samples themselves, drawn with who speaks when (the course data records the speaker
# turns):

# %%
samples = np.frombuffer(wav[44:44 + data_size], dtype="<i2")
truth = datasets.entry("audio/meeting_excerpt.wav")["truth"]
fig, ax = plt.subplots(figsize=(7, 1.6), dpi=80)
times = np.arange(len(samples))[::40] / rate
ax.plot(times, samples[::40], linewidth=0.4, color="#444")
for segment in truth["segments"]:
    color = "#1f5f99" if segment["speaker"] == "Maya" else "#e07b39"
    ax.axvspan(segment["start"], segment["end"], color=color, alpha=0.25)
    ax.text(segment["start"], samples.max() * 0.8, segment["speaker"], fontsize=7)
ax.set_yticks([])
ax.set_xlabel("seconds")
fig.tight_layout()
plt.show()

# %% [markdown]
# ## Gemini: audio is just another part
#
# Gemini takes audio inline exactly like an image: `inline_data` with the audio MIME type.
# Gemini's audio docs (2026) list WAV, MP3, AIFF, AAC, OGG and FLAC, and bill audio at 32 tokens
# per second.

# %%
def gemini_audio(prompt, audio, generation_config=None):
    cfg = conf["gemini"]
    url = f"{cfg.base_url}/v1beta/models/{registry.default_model('gemini', 'audio')}:generateContent"
    body = {"contents": [{"role": "user", "parts": [
        {"text": prompt},
        {"inline_data": {"mime_type": mmcourse.sniff_mime(audio), "data": base64.b64encode(audio).decode("ascii")}},
    ]}]}
    if generation_config:
        body["generationConfig"] = generation_config
    response = requests.post(url, headers={"x-goog-api-key": cfg.api_key}, json=body, timeout=120)
    response.raise_for_status()
    return response.json()


# %% tags=["nbval-check-output"]
reply = gemini_audio("Transcribe this recording word for word.", wav)
transcript = reply["candidates"][0]["content"]["parts"][0]["text"]
print(transcript)
print(reply["usageMetadata"]["promptTokensDetails"])

# %% [markdown]
# 606 audio tokens for 18.9 seconds: 32 a second, as documented. Now the useful part, the
# meeting notes as JSON:

# %%
NOTES_PROMPT = (
    "These are meeting notes to fill in. Reply with JSON only, in this shape: "
    '{"summary": string, "decisions": [string], '
    '"action_items": [{"owner": string, "task": string, "due": string}]}'
)

# %% tags=["nbval-check-output"]
reply = gemini_audio(NOTES_PROMPT, wav, {"responseMimeType": "application/json"})
notes = json.loads(reply["candidates"][0]["content"]["parts"][0]["text"])
print(notes["summary"])
print("decisions:", notes["decisions"])
for item in notes["action_items"]:
    print(f"- {item['owner']}: {item['task']} (due {item['due']})")

# %% [markdown]
# The voicemail also exists as FLAC (half the size). Gemini reads it as it is:

# %% tags=["nbval-check-output"]
flac = datasets.path("audio/delivery_voicemail.flac").read_bytes()
print(mmcourse.sniff_mime(flac), f"{len(flac):,} bytes")
print(gemini_audio("Summarise this voicemail in one sentence.", flac)["candidates"][0]["content"]["parts"][0]["text"])

# %% [markdown]
# ## OpenAI: `input_audio`, on audio models only
#
# Chat Completions takes audio as an `input_audio` part: **raw** base64 (no `data:` prefix,
# unlike `image_url`) and a `format`, `"wav"` or `"mp3"` (OpenAI's audio guide, 2026). Only the
# audio models accept it.
#
# **Predict the output.** What happens when the course's default OpenAI model gets audio?

# %%
def openai_audio_body(model, prompt, audio, fmt="wav"):
    return {"model": model, "messages": [{"role": "user", "content": [
        {"type": "text", "text": prompt},
        {"type": "input_audio", "input_audio": {"data": base64.b64encode(audio).decode("ascii"), "format": fmt}},
    ]}]}


def post_openai(body):
    cfg = conf["openai"]
    return requests.post(f"{cfg.base_url}/chat/completions", json=body, timeout=120,
                         headers={"Authorization": f"Bearer {cfg.api_key}"})


# %% tags=["nbval-check-output"]
response = post_openai(openai_audio_body(registry.default_model("openai"), "Transcribe this.", wav))
print(response.status_code, response.json()["error"]["message"])

# %% [markdown]
# A 400: the model reads images, not sound (the live message may be worded differently). The
# registry knows which models accept audio:

# %% tags=["nbval-check-output"]
print([m.id for m in registry.models_for("openai") if registry.accepts(m.id, "audio")])
audio_model = registry.default_model("openai", "audio")
print("course default for audio:", audio_model)

# %% tags=["nbval-check-output"]
response = post_openai(openai_audio_body(audio_model, "Transcribe this recording word for word.", wav))
response.raise_for_status()
print(response.json()["choices"][0]["message"]["content"])

# %% [markdown]
# ## OpenAI's speech-to-text endpoint: `/v1/audio/transcriptions`
#
# When a tutorial says "use Whisper", it means this endpoint, not a chat model: you send the
# audio file and get its words back, nothing else. It is also the course's first request that is
# **not JSON**: a `multipart/form-data` form, like a file upload (lesson 10), with the raw bytes
# and no base64 (OpenAI's OpenAPI spec, `CreateTranscriptionRequest`, 2026):
#
# | field | value |
# |---|---|
# | `file` | the audio, with a filename whose extension names the format: flac, mp3, mp4, mpeg, mpga, m4a, ogg, wav, webm |
# | `model` | `whisper-1`, `gpt-4o-transcribe`, `gpt-4o-mini-transcribe` (and a few newer variants) |
# | `response_format` | `json` (the default), `text`, `srt`, `verbose_json`, `vtt`; `gpt-4o-transcribe` and `gpt-4o-mini-transcribe` answer `json` only |
# | `language`, `prompt` | optional: an ISO-639-1 code (`en`), and words to expect (names, jargon) |
#
# The request body may be at most 25 MB (26,214,400 bytes); above that the answer is a 413.
# Offline, the emulator recognises the course recording by its bytes and answers with its
# recorded transcript: no speech recognition runs.

# %% tags=["nbval-check-output"]
TRANSCRIBE_URL = f"{conf['openai'].base_url}/audio/transcriptions"
OPENAI_AUTH = {"Authorization": f"Bearer {conf['openai'].api_key}"}

response = requests.post(
    TRANSCRIBE_URL, headers=OPENAI_AUTH, timeout=120,
    files={"file": ("meeting_excerpt.wav", wav, "audio/wav")},  # (filename, bytes, MIME type)
    data={"model": "gpt-4o-transcribe"},
)
response.raise_for_status()
heard = response.json()
print(heard["text"])
print(heard["usage"])

# %% [markdown]
# `requests` builds the form for you from `files=` (the file parts) and `data=` (the text
# fields); do not set `Content-Type` yourself, because it carries the boundary between the parts.
#
# **Predict:** the JSON requests above carried the WAV as base64, a third bigger than the file.
# How big is this multipart body compared with the file?

# %% tags=["nbval-check-output"]
prepared = requests.Request("POST", TRANSCRIBE_URL, files={"file": ("meeting_excerpt.wav", wav, "audio/wav")},
                            data={"model": "gpt-4o-transcribe"}).prepare()
print(prepared.headers["Content-Type"].split(";")[0])
print(f"file {len(wav):,} bytes; multipart body {len(prepared.body):,} bytes; "
      f"as base64 in JSON {len(base64.b64encode(wav)):,} characters")

# %% [markdown]
# The file plus a few hundred bytes of form: no base64, so nearly all of the 25 MB limit is
# audio.
#
# `whisper-1` also writes **subtitles** and **timestamps**. `srt` and `vtt` come back as plain
# text, not JSON; `verbose_json` adds the segments with their start and end times:

# %% tags=["nbval-check-output"]
srt = requests.post(TRANSCRIBE_URL, headers=OPENAI_AUTH, timeout=120,
                    files={"file": ("meeting_excerpt.wav", wav, "audio/wav")},
                    data={"model": "whisper-1", "response_format": "srt"})
srt.raise_for_status()
print(srt.headers["content-type"].split(";")[0])
print("\n".join(srt.text.splitlines()[:7]))

# %% tags=["nbval-check-output"]
verbose = requests.post(TRANSCRIBE_URL, headers=OPENAI_AUTH, timeout=120,
                        files={"file": ("meeting_excerpt.wav", wav, "audio/wav")},
                        data={"model": "whisper-1", "response_format": "verbose_json"}).json()
print(verbose["language"], verbose["duration"], "s;", verbose.get("usage"))
for segment in verbose["segments"][:3]:
    print(f"{segment['start']:6.2f} - {segment['end']:6.2f} {segment['text'].strip()}")

# %% [markdown]
# `whisper-1` bills by the second (`usage.type: "duration"`), `gpt-4o-transcribe` and `gpt-4o-mini-transcribe` by tokens.
# Offline the segment times are the course data's speaker turns.
#
# **Predict:** subtitles from `gpt-4o-transcribe`, with `response_format: "srt"`?

# %% tags=["nbval-check-output"]
response = requests.post(TRANSCRIBE_URL, headers=OPENAI_AUTH, timeout=120,
                         files={"file": ("meeting_excerpt.wav", wav, "audio/wav")},
                         data={"model": "gpt-4o-transcribe", "response_format": "srt"})
print(response.status_code, response.json()["error"]["param"])

# %% [markdown]
# A 400: the spec says "For `gpt-4o-transcribe` and `gpt-4o-mini-transcribe`, the only supported
# format is `json`" (the live message may be worded differently). For subtitles, use `whisper-1`.
#
# | you want | use |
# |---|---|
# | the words of a recording, cheaply, or subtitles and timestamps | `/v1/audio/transcriptions` (`whisper-1` for `srt`/`vtt`/`verbose_json`) |
# | an answer about the audio in one call (a summary, action items) | a chat model that listens: Gemini `inline_data`, or OpenAI `input_audio` on an audio model |
# | Claude to analyse a meeting | a transcript from either, then text to Claude (next section) |

# %% [markdown]
# ## Claude: transcribe, then analyse
#
# Claude's Messages API has no audio block: its content blocks are text, images and documents
# (PDF or plain text). **Predict the output:** what if you send the WAV as a document anyway?

# %% tags=["nbval-check-output"]
cfg = conf["anthropic"]
claude_headers = {"x-api-key": cfg.api_key, "anthropic-version": "2023-06-01"}
body = {"model": registry.default_model("anthropic"), "max_tokens": 500, "messages": [{"role": "user", "content": [
    {"type": "document", "source": {"type": "base64", "media_type": "audio/wav",
                                    "data": base64.b64encode(wav).decode("ascii")}},
    {"type": "text", "text": "Summarise this meeting."}]}]}
response = requests.post(f"{cfg.base_url}/v1/messages", json=body, headers=claude_headers, timeout=60)
print(response.status_code, response.json()["error"]["message"])

# %% [markdown]
# So Claude gets the meeting as text: a transcript made by a model that can listen (Gemini or
# an OpenAI audio model, above), then Claude does the analysis. Two calls, two bills, and the
# analysis can only be as good as the transcript; in exchange you can pick the best listener and
# the best analyst separately, and keep the transcript for search.

# %% tags=["nbval-check-output"]
ANALYSE = ("Below is the transcript of a meeting. List the decisions and the action items "
           "(owner, task, due date).\n\nTranscript:\n")
body = {"model": registry.default_model("anthropic"), "max_tokens": 500,
        "messages": [{"role": "user", "content": ANALYSE + transcript}]}
response = requests.post(f"{cfg.base_url}/v1/messages", json=body, headers=claude_headers, timeout=60)
response.raise_for_status()
print(response.json()["content"][0]["text"])

# %% [markdown]
# Offline, the emulator says where its answer came from: it found the course recording's
# transcript in your text and answered from that recording's notes; no audio reached it, as
# none would reach Claude. With an Anthropic key set, the same cell returns Claude's own notes.
#
# ## Judging a transcript
#
# A live model's transcript differs from the truth in small ways (a comma, "OK" for "okay", a
# dropped "um"), so comparing the two strings exactly says "wrong" to a fine transcript. Count
# the words instead: the share of the true words that the transcript has, in order (the
# complement of the word error rate used to rate speech recognition). The checks below use it.

# %% tags=["nbval-check-output"]
import difflib
import re


def words_right(got, want):
    """The share of the true words a transcript got, in order (case and punctuation ignored)."""
    a, b = (re.findall(r"[a-z0-9']+", text.lower()) for text in (got, want))
    matcher = difflib.SequenceMatcher(a=a, b=b, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) / len(b)


print(f"{words_right(transcript, truth['transcript']):.0%} of the words right")
print(f"{words_right('okay so the launch moves to friday', 'OK, so the launch moves to Friday.'):.0%}")

# %% [markdown]
# ## Exercises

# %% [markdown] mmcourse={"exercise": "ex-wav-info", "role": "instructions", "title": "Read any WAV header", "points": 3, "difficulty": "medium"}
# ### Exercise 1: read any WAV header
# Write `wav_info(data)` that takes the bytes of a PCM WAV file and returns a dict
# `{"sample_rate": int, "channels": int, "bits": int, "seconds": float}` by **walking the
# chunks**: after the 12-byte `RIFF....WAVE` header, read each chunk's id and length, parse
# `fmt `, and use the length of `data` for the duration (`seconds = data length / (sample_rate
# * channels * bits / 8)`). Skip chunks you do not need (`LIST`, `fact`, ...); a chunk with an
# odd length is followed by one padding byte. Raise `ValueError` if the bytes are not a WAV file.

# %% [markdown] mmcourse={"exercise": "ex-wav-info", "role": "hint"}
# A loop: `offset = 12`, then `chunk_id, length = struct.unpack("<4sI", data[offset:offset + 8])`,
# handle the chunk, `offset += 8 + length + (length % 2)`.

# %% [markdown] mmcourse={"exercise": "ex-wav-info", "role": "hint"}
# Inside `fmt `: `struct.unpack("<HHIIHH", data[offset + 8:offset + 24])` gives format,
# channels, rate, byte rate, block align and bits.

# %% mmcourse={"exercise": "ex-wav-info", "role": "solution"}
def wav_info(data):
    ### BEGIN SOLUTION
    if len(data) < 12 or data[:4] != b"RIFF" or data[8:12] != b"WAVE":
        raise ValueError("not a WAV file: it must start with RIFF....WAVE")
    info, data_length = None, None
    offset = 12
    while offset + 8 <= len(data):
        chunk_id, length = struct.unpack("<4sI", data[offset:offset + 8])
        if chunk_id == b"fmt ":
            _fmt, channels, rate, _byte_rate, _align, bits = struct.unpack("<HHIIHH", data[offset + 8:offset + 24])
            info = {"sample_rate": rate, "channels": channels, "bits": bits}
        elif chunk_id == b"data":
            data_length = length
        offset += 8 + length + (length % 2)
    if info is None or data_length is None:
        raise ValueError("WAV file without a fmt or data chunk")
    info["seconds"] = data_length / (info["sample_rate"] * info["channels"] * info["bits"] / 8)
    return info
    ### END SOLUTION
    ### BEGIN STARTER
    # raise NotImplementedError("ex-wav-info: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-wav-info", "role": "visible-tests"}
import io


def test_the_meeting_recording():
    got = wav_info(wav)
    expect(got, {"sample_rate": 16000, "channels": 1, "bits": 16, "seconds": 18.911875})


def test_a_list_chunk_before_the_data():
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as w:
        w.setnchannels(2)
        w.setsampwidth(2)
        w.setframerate(8000)
        w.writeframes(b"\x00\x00" * 2 * 8000 * 3)
    plain = buffer.getvalue()
    listed = plain[:36] + b"LIST" + struct.pack("<I", 5) + b"INFO!" + b"\x00" + plain[36:]
    listed = listed[:4] + struct.pack("<I", len(listed) - 8) + listed[8:]
    expect(wav_info(listed), {"sample_rate": 8000, "channels": 2, "bits": 16, "seconds": 3.0})


def test_not_a_wav_raises():
    try:
        wav_info(b"ID3\x04 this is an mp3")
    except ValueError:
        return
    raise AssertionError("wav_info should raise ValueError for bytes that are not a WAV file")

# %% mmcourse={"exercise": "ex-wav-info", "role": "hidden-tests"}
import io
import struct
import wave

from mmcourse import datasets
from mmcourse.grading import expect


def test_random_wavs(rng):
    for _ in range(8):
        channels, width = rng.choice([1, 2]), rng.choice([1, 2, 3])
        rate = rng.choice([8000, 11025, 16000, 22050, 44100, 48000])
        frames = rng.randint(1, 4 * rate)
        buffer = io.BytesIO()
        with wave.open(buffer, "wb") as w:
            w.setnchannels(channels)
            w.setsampwidth(width)
            w.setframerate(rate)
            w.writeframes(bytes(frames * channels * width))
        data = buffer.getvalue()
        if rng.random() < 0.5:
            extra = b"x" * rng.randint(1, 9)
            chunk = b"LIST" + struct.pack("<I", len(extra)) + extra + (b"\x00" if len(extra) % 2 else b"")
            data = data[:36] + chunk + data[36:]
            data = data[:4] + struct.pack("<I", len(data) - 8) + data[8:]
        want = {"sample_rate": rate, "channels": channels, "bits": 8 * width, "seconds": frames / rate}
        expect(wav_info(data), want, what=f"{channels} ch, {width * 8}-bit, {rate} Hz, {frames} frames")


def test_the_voicemail():
    got = wav_info(datasets.path("audio/delivery_voicemail.wav").read_bytes())
    expect(got["sample_rate"], 16000)
    expect(round(got["seconds"], 2), 17.24)

# %% [markdown] mmcourse={"exercise": "ex-openai-audio", "role": "instructions", "title": "Transcribe with OpenAI", "points": 2, "difficulty": "easy"}
# ### Exercise 2: transcribe with OpenAI
# Write `openai_transcribe(path)` that sends the WAV or MP3 file at `path` to an OpenAI model
# that accepts audio (ask the registry) as an `input_audio` part with the right `format`, asks for
# a word-for-word transcript, and returns the text. The check looks at what the emulator received.

# %% [markdown] mmcourse={"exercise": "ex-openai-audio", "role": "hint"}
# `registry.default_model("openai", "audio")` names the model; `openai_audio_body` and
# `post_openai` above do most of the work. The format is `"wav"` for `audio/wav` and `"mp3"` for `audio/mpeg`.

# %% mmcourse={"exercise": "ex-openai-audio", "role": "solution"}
def openai_transcribe(path):
    ### BEGIN SOLUTION
    audio = Path(path).read_bytes()
    fmt = {"audio/wav": "wav", "audio/mpeg": "mp3"}[mmcourse.sniff_mime(audio)]
    body = openai_audio_body(registry.default_model("openai", "audio"),
                             "Transcribe this recording word for word.", audio, fmt)
    response = post_openai(body)
    response.raise_for_status()
    return response.json()["choices"][0]["message"]["content"]
    ### END SOLUTION
    ### BEGIN STARTER
    # raise NotImplementedError("ex-openai-audio: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-openai-audio", "role": "visible-tests"}
from mmcourse.grading import last_request


def test_the_meeting_transcript():
    text = openai_transcribe(meeting)
    assert isinstance(text, str), f"return the transcript text, got {type(text).__name__}"
    share = words_right(text, truth["transcript"])
    assert share >= 0.9, f"the transcript has {share:.0%} of the words right: return the whole answer text"


def test_the_request_used_input_audio_on_an_audio_model():
    openai_transcribe(meeting)
    record = last_request("openai")
    assert record["verdict"] == "accepted", f"OpenAI refused it: {record['error']}"
    assert registry.accepts(record["model"], "audio"), f"{record['model']} does not accept audio"
    parts = [p for p in record["request"]["messages"][-1]["content"] if p.get("type") == "input_audio"]
    assert len(parts) == 1, "send exactly one input_audio part"
    assert parts[0]["input_audio"]["format"] == "wav", 'a WAV file is format "wav"'
    assert parts[0]["input_audio"]["data"].startswith("UklGR"), "data is the raw base64 of the file (no data: prefix)"

# %% mmcourse={"exercise": "ex-openai-audio", "role": "hidden-tests"}
import hashlib

from mmcourse import datasets, registry
from mmcourse.grading import expect, last_request


def test_the_voicemail():
    path = datasets.path("audio/delivery_voicemail.wav")
    expect(openai_transcribe(path), datasets.entry("audio/delivery_voicemail.wav")["truth"]["transcript"])
    record = last_request("openai")
    assert registry.accepts(record["model"], "audio")
    assert [m["sha256"] for m in record["media"]] == [hashlib.sha256(path.read_bytes()).hexdigest()]

# %% [markdown] mmcourse={"exercise": "ex-transcribe-analyse", "role": "instructions", "title": "A pipeline for Claude", "points": 3, "difficulty": "medium"}
# ### Exercise 3: a pipeline for Claude
# Write `claude_meeting_notes(path)` that returns `(transcript, notes)`:
#
# 1. get a word-for-word transcript of the audio at `path` from Gemini (`gemini_audio` above
#    is fine);
# 2. send that transcript to Claude **as text** (no audio, no document block) in one user
#    message that starts with `ANALYSE` and ends with the transcript;
# 3. return the transcript and Claude's answer text.

# %% [markdown] mmcourse={"exercise": "ex-transcribe-analyse", "role": "hint"}
# Step 1 is `gemini_audio("Transcribe this recording word for word.", audio)` and the text path
# `["candidates"][0]["content"]["parts"][0]["text"]`. Step 2 is the Claude cell above with your
# transcript.

# %% mmcourse={"exercise": "ex-transcribe-analyse", "role": "solution"}
def claude_meeting_notes(path):
    ### BEGIN SOLUTION
    audio = Path(path).read_bytes()
    reply = gemini_audio("Transcribe this recording word for word.", audio)
    text = reply["candidates"][0]["content"]["parts"][0]["text"]
    cfg = conf["anthropic"]
    body = {"model": registry.default_model("anthropic"), "max_tokens": 1000,
            "messages": [{"role": "user", "content": ANALYSE + text}]}
    response = requests.post(f"{cfg.base_url}/v1/messages", json=body, timeout=60,
                             headers={"x-api-key": cfg.api_key, "anthropic-version": "2023-06-01"})
    response.raise_for_status()
    return text, response.json()["content"][0]["text"]
    ### END SOLUTION
    ### BEGIN STARTER
    # raise NotImplementedError("ex-transcribe-analyse: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-transcribe-analyse", "role": "visible-tests"}
from mmcourse.grading import last_request


def user_text(request):
    """All the text of the last user message, whether content is a string or a list of blocks."""
    content = request["messages"][-1]["content"]
    if isinstance(content, str):
        return content
    return "".join(block.get("text", "") for block in content if block.get("type") == "text")


def test_transcript_from_gemini_then_text_to_claude():
    transcript_text, notes_text = claude_meeting_notes(meeting)
    share = words_right(transcript_text, truth["transcript"])
    assert share >= 0.9, f"the transcript from step 1 has {share:.0%} of the words right"
    assert isinstance(notes_text, str) and notes_text, "return Claude's answer text"
    heard = last_request("gemini")
    assert [m["mime"] for m in heard["media"]] == ["audio/wav"], "step 1 sends the audio to Gemini"
    record = last_request("anthropic")
    assert record["verdict"] == "accepted", f"Claude refused it: {record['error']}"
    assert record["media"] == [], "Claude gets text only: no audio, no document"
    text = user_text(record["request"])
    assert text.startswith(ANALYSE), "the message starts with ANALYSE"
    assert text.rstrip().endswith(transcript_text.strip()), "the message ends with the transcript from step 1"

# %% mmcourse={"exercise": "ex-transcribe-analyse", "role": "hidden-tests"}
import hashlib

from mmcourse import datasets
from mmcourse.grading import expect, last_request


def test_the_voicemail_in_either_format(rng):
    rel = rng.choice(["audio/delivery_voicemail.wav", "audio/delivery_voicemail.flac"])
    path = datasets.path(rel)
    transcript_text, _notes = claude_meeting_notes(path)
    expect(transcript_text, datasets.entry(rel)["truth"]["transcript"], what=f"transcript of {rel}")
    assert [m["sha256"] for m in last_request("gemini")["media"]] == [hashlib.sha256(path.read_bytes()).hexdigest()]
    record = last_request("anthropic")
    assert record["media"] == [], "Claude gets text only"
    content = record["request"]["messages"][-1]["content"]
    text = content if isinstance(content, str) else "".join(b.get("text", "") for b in content)
    assert text.endswith(transcript_text), "the Claude message ends with the transcript"

# %% [markdown] mmcourse={"exercise": "ex-whisper-segments", "role": "instructions", "title": "Timestamps from the transcription endpoint", "points": 3, "difficulty": "medium"}
# ### Exercise 4: timestamps from the transcription endpoint
# Write `transcribe_segments(base_url, api_key, path)` that sends the audio file at `path` to
# `{base_url}/audio/transcriptions` as a multipart form: the `file` with the file's own name and
# its MIME type (`mmcourse.sniff_mime` reads it from the bytes), `model` `whisper-1` and
# `response_format` `verbose_json`. Return the segments as a list of dicts
# `{"start": float, "end": float, "text": str}`, in order, with each text stripped of the
# spaces around it. Raise `requests.HTTPError` for an error status.

# %% [markdown] mmcourse={"exercise": "ex-whisper-segments", "role": "hint"}
# `files={"file": (Path(path).name, audio, mime)}` and `data={"model": ..., "response_format": ...}`,
# like the `verbose` cell above; then one dict per item of `r.json()["segments"]`.

# %% mmcourse={"exercise": "ex-whisper-segments", "role": "solution"}
def transcribe_segments(base_url, api_key, path):
    ### BEGIN SOLUTION
    audio = Path(path).read_bytes()
    r = requests.post(f"{base_url}/audio/transcriptions", headers={"Authorization": f"Bearer {api_key}"},
                      files={"file": (Path(path).name, audio, mmcourse.sniff_mime(audio))},
                      data={"model": "whisper-1", "response_format": "verbose_json"}, timeout=120)
    r.raise_for_status()
    return [{"start": float(s["start"]), "end": float(s["end"]), "text": s["text"].strip()}
            for s in r.json()["segments"]]
    ### END SOLUTION
    ### BEGIN STARTER
    # raise NotImplementedError("ex-whisper-segments: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-whisper-segments", "role": "visible-tests"}
from mmcourse.grading import last_request


def test_the_meetings_speaker_turns():
    cfg = offline_config("openai")
    segments = transcribe_segments(cfg.base_url, cfg.api_key, meeting)
    expect(len(segments), len(truth["segments"]), what="the number of segments")
    expect(segments[0], {"start": 0.25, "end": 4.61,
                         "text": "Okay, let's wrap up. We agreed to move the launch to April fourteenth."},
           what="the first segment")


def test_the_form_that_reached_the_endpoint():
    cfg = offline_config("openai")
    transcribe_segments(cfg.base_url, cfg.api_key, meeting)
    record = last_request("openai")
    assert record is not None and record["path"] == "/v1/audio/transcriptions", "send it to /audio/transcriptions"
    assert record["verdict"] == "accepted", f"the endpoint refused it: {record['error']}"
    expect(record["request"].get("model"), "whisper-1", what="model")
    expect(record["request"].get("response_format"), "verbose_json", what="response_format")
    expect((record["request"].get("file") or {}).get("filename"), "meeting_excerpt.wav", what="the file's name")

# %% mmcourse={"exercise": "ex-whisper-segments", "role": "hidden-tests"}
import hashlib

import requests

from mmcourse import datasets
from mmcourse.grading import expect, last_request


def test_random_recordings(rng):
    cfg = offline_config("openai")
    rel = rng.choice(["audio/delivery_voicemail.wav", "audio/delivery_voicemail.flac", "audio/meeting_excerpt.wav"])
    path = datasets.path(rel)
    segments = transcribe_segments(cfg.base_url, cfg.api_key, str(path))
    want = [{"start": float(s["start"]), "end": float(s["end"]), "text": s["text"].strip()}
            for s in datasets.entry(rel)["truth"]["segments"]]
    expect(segments, want, what=f"the segments of {rel}")
    record = last_request("openai")
    expect(record["media"][0]["sha256"], hashlib.sha256(path.read_bytes()).hexdigest(), what="the audio sent")
    expect(record["request"]["file"]["filename"], path.name, what="the file's name")


def test_a_file_that_is_not_audio_raises(rng):
    cfg = offline_config("openai")
    rel = rng.choice(["documents/invoice.pdf", "photos/coffee.jpg"])
    try:
        transcribe_segments(cfg.base_url, cfg.api_key, str(datasets.path(rel)))
    except requests.HTTPError:
        return
    raise AssertionError(f"the endpoint answers 400 for {rel}: raise requests.HTTPError")
