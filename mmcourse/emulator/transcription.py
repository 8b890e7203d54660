"""OpenAI speech to text: ``POST /v1/audio/transcriptions``, answered from the course recordings.

The course's first payload that is not base64 inside JSON: a ``multipart/form-data`` form with
the audio ``file`` and a ``model`` (OpenAPI ``CreateTranscriptionRequest``, 2026-08). A course
recording (recognised by its SHA-256) is answered with its manifest transcript and segments;
any other audio gets an honest "not recognised" text with what was measured. No model runs.

Facts: formats and models from the spec; ``gpt-4o-transcribe`` / ``gpt-4o-mini-transcribe``
answer ``json`` only ("For gpt-4o-transcribe and gpt-4o-mini-transcribe, the only supported
format is json."); ``json`` usage is ``tokens`` for them and ``duration`` for ``whisper-1``; the
25 MB limit is on the request body, answered 413 "Maximum content size limit (26214400)
exceeded (N bytes read)" (real responses in many public logs, 2024-2026).
"""

from __future__ import annotations

import math
from pathlib import PurePath
from typing import Any

from mmcourse import datasets
from mmcourse.emulator.answers import UNKNOWN_PREFIX
from mmcourse.emulator.generate import text_tokens
from mmcourse.emulator.media import Media
from mmcourse.emulator.openai_common import _error, _invalid_value, _missing
from mmcourse.emulator.wire import Call, Reply, parse_multipart, sse
from mmcourse.tokens import OPENAI_AUDIO_TOKENS_PER_SECOND

MAX_BODY = 26_214_400  # 25 MB of request body
# The route reads a little more, so the handler can say how many bytes it read.
READ_LIMIT = 64 * 1024 * 1024
EXTENSIONS = ("flac", "mp3", "mp4", "mpeg", "mpga", "m4a", "ogg", "wav", "webm")
MODELS = ("whisper-1", "gpt-4o-transcribe", "gpt-4o-mini-transcribe", "gpt-4o-mini-transcribe-2025-12-15",
          "gpt-4o-transcribe-diarize", "gpt-transcribe")
FORMATS = ("json", "text", "srt", "verbose_json", "vtt", "diarized_json")
FORMATS_BY_MODEL = {
    "whisper-1": ("json", "text", "srt", "verbose_json", "vtt"),
    "gpt-4o-transcribe-diarize": ("json", "text", "diarized_json"),
}
JSON_ONLY = ("json",)  # the gpt-4o transcribe models
FIELDS = frozenset({"file", "model", "language", "prompt", "response_format", "temperature",
                    "timestamp_granularities[]", "stream", "include[]", "chunking_strategy",
                    "known_speaker_names[]", "known_speaker_references[]"})
LANGUAGES = {"en": "english", "de": "german", "fr": "french", "es": "spanish", "it": "italian"}


class TranscriptionApi:
    """``POST /v1/audio/transcriptions``."""

    def __init__(self, wire: Any) -> None:
        self.wire = wire
        self.routes = [("POST", "/v1/audio/transcriptions", self.transcribe, READ_LIMIT)]

    def transcribe(self, call: Call) -> Reply:
        if len(call.body) > MAX_BODY:
            # Status and wording of the real API's edge (OBS); its error type is UNCONFIRMED.
            raise _error(413, f"Maximum content size limit ({MAX_BODY}) exceeded ({len(call.body)} bytes read)",
                         type="invalid_request_error")
        try:
            form = parse_multipart(call.body, call.header("content-type", ""))
        except ValueError as exc:
            raise _error(400, f"Invalid multipart/form-data request: {exc}. Send the audio as "
                         "files={'file': open(path, 'rb')} and data={'model': 'whisper-1'}.") from None
        fields = {k: v.data.decode("utf-8", "replace") for k, v in form.items() if v.filename is None}
        upload = form.get("file")
        call.request_json = {**fields, "file": None if upload is None else
                             {"filename": upload.filename, "bytes": len(upload.data)}}
        unknown = sorted(set(form) - FIELDS)
        if unknown:
            raise _error(400, f"Unrecognized request argument supplied: {unknown[0]}")
        if upload is None or upload.filename is None:
            raise _missing("file")
        if "model" not in fields:
            raise _missing("model")
        model = call.model = fields["model"]
        if model not in MODELS:
            raise _invalid_value("model", model, MODELS)  # wording UNCONFIRMED
        extension = PurePath(upload.filename).suffix.lower().lstrip(".")
        if extension not in EXTENSIONS:  # wording from a third-party probe of the real API
            raise _error(400, f"Unsupported file format {extension or '(none)'}", "file", "unsupported_value")
        fmt = fields.get("response_format", "json")
        if fmt not in FORMATS:
            raise _invalid_value("response_format", fmt, FORMATS)
        allowed = FORMATS_BY_MODEL.get(model, JSON_ONLY)
        if fmt not in allowed:  # wording UNCONFIRMED
            raise _error(400, f"response_format '{fmt}' is not compatible with model '{model}'. Use "
                         f"{' or '.join(repr(a) for a in allowed)} instead.", "response_format", "unsupported_value")
        stream = fields.get("stream", "false").lower() == "true"
        if stream and model == "whisper-1":  # wording UNCONFIRMED
            raise _error(400, "Streaming is not supported for the whisper-1 model.", "stream", "unsupported_value")
        media = Media(mime=upload.content_type or "application/octet-stream", data=upload.data, name=upload.filename)
        facts = media.measured()
        media.mime = facts["sniffed"] or media.mime
        call.media = [media]
        if not facts["decodable"] or not (facts["sniffed"] or "").startswith(("audio/", "video/")):
            raise _error(400, "Audio file might be corrupted or unsupported", "file", "invalid_value")
        heard = transcript_of(media)
        usage = _usage(model, heard, fields.get("prompt", ""))
        if stream:
            return Reply(stream=_events(heard["text"], usage), media_type="text/event-stream")
        if fmt == "text":
            return Reply(raw=(heard["text"] + "\n").encode(), media_type="text/plain")
        if fmt in ("srt", "vtt"):
            return Reply(raw=subtitles(heard["segments"], fmt).encode(), media_type="text/plain")
        if fmt == "verbose_json":
            words = "word" in _list_field(form, "timestamp_granularities[]")
            return Reply(verbose(heard, usage, words))
        if fmt == "diarized_json":
            return Reply(_diarized(heard, usage))
        return Reply({"text": heard["text"], "usage": usage})


def _list_field(form: dict, name: str) -> list[str]:
    part = form.get(name)
    return [part.data.decode("utf-8", "replace")] if part is not None else []


def transcript_of(media: Media) -> dict:
    """``{text, segments, language, seconds, known}`` for a recording: ground truth if it is one of
    the course's, else an honest not-recognised text."""
    seconds = float(media.measured().get("seconds") or 0.0)
    entry = datasets.find_by_sha256(media.sha256)
    truth = (entry or {}).get("truth") or {}
    if truth.get("transcript"):
        segments = truth.get("segments") or [{"text": truth["transcript"], "start": 0.0, "end": seconds}]
        return {"text": truth["transcript"], "segments": segments, "language": truth.get("language", "en"),
                "seconds": float(entry.get("duration_s") or seconds), "known": True}
    text = (f"{UNKNOWN_PREFIX} audio ({seconds:.1f} s, {media.mime}): only the course recordings in "
            "data/manifest.json have transcripts offline. Set an API key to transcribe it for real.")
    return {"text": text, "segments": [], "language": "en", "seconds": seconds, "known": False}


def _usage(model: str, heard: dict, prompt: str) -> dict:
    if model == "whisper-1":
        return {"type": "duration", "seconds": math.ceil(heard["seconds"])}
    # Audio tokens: mmcourse.tokens' estimate for OpenAI audio (~10 per second).
    audio = math.ceil(heard["seconds"] * OPENAI_AUDIO_TOKENS_PER_SECOND)
    text_in = text_tokens(prompt) if prompt else 0
    out = text_tokens(heard["text"])
    return {"type": "tokens", "input_tokens": audio + text_in,
            "input_token_details": {"text_tokens": text_in, "audio_tokens": audio},
            "output_tokens": out, "total_tokens": audio + text_in + out}


def verbose(heard: dict, usage: dict, words: bool) -> dict:
    """whisper-1's ``verbose_json``: task, language, duration, text, segments (and words)."""
    segments = [{"id": i, "seek": 0, "start": float(s["start"]), "end": float(s["end"]), "text": " " + s["text"],
                 "tokens": [], "temperature": 0.0, "avg_logprob": 0.0, "compression_ratio": 1.0,
                 "no_speech_prob": 0.0} for i, s in enumerate(heard["segments"])]
    body = {"task": "transcribe", "language": LANGUAGES.get(heard["language"], heard["language"]),
            "duration": round(heard["seconds"], 2), "text": heard["text"], "segments": segments,
            "usage": usage}
    if words:
        body["words"] = _words(heard["segments"])
    return body


def _words(segments: list[dict]) -> list[dict]:
    """Word timestamps, interpolated within each recorded segment by word length (an estimate:
    the manifest records segment times, not word times)."""
    out = []
    for s in segments:
        tokens = s["text"].split()
        total = sum(len(t) for t in tokens) or 1
        t = float(s["start"])
        span = float(s["end"]) - t
        for token in tokens:
            step = span * len(token) / total
            out.append({"word": token.strip(".,!?;:"), "start": round(t, 2), "end": round(t + step, 2)})
            t += step
    return out


def _diarized(heard: dict, usage: dict) -> dict:
    segments = [{"type": "transcript.text.segment", "id": f"seg_{i}", "speaker": s.get("speaker", "A"),
                 "start": float(s["start"]), "end": float(s["end"]), "text": s["text"]}
                for i, s in enumerate(heard["segments"])]
    return {"task": "transcribe", "duration": round(heard["seconds"], 2), "text": heard["text"],
            "segments": segments, "usage": usage}


def _clock(seconds: float, sep: str) -> str:
    ms = int(round(seconds * 1000))
    h, rest = divmod(ms, 3_600_000)
    m, rest = divmod(rest, 60_000)
    s, ms = divmod(rest, 1000)
    return f"{h:02d}:{m:02d}:{s:02d}{sep}{ms:03d}"


def subtitles(segments: list[dict], fmt: str) -> str:
    """SRT (``00:00:01,250``, numbered cues) or WebVTT (``WEBVTT`` header, ``00:00:01.250``)."""
    sep = "," if fmt == "srt" else "."
    cues = []
    for i, s in enumerate(segments, 1):
        timing = f"{_clock(float(s['start']), sep)} --> {_clock(float(s['end']), sep)}"
        cues.append(f"{i}\n{timing}\n{s['text']}\n" if fmt == "srt" else f"{timing}\n{s['text']}\n")
    body = "\n".join(cues)
    return body if fmt == "srt" else "WEBVTT\n\n" + body


def _events(text: str, usage: dict):
    """gpt-4o transcription streams: ``transcript.text.delta`` events, then ``transcript.text.done``."""
    words = text.split(" ")
    for i, word in enumerate(words):
        yield sse({"type": "transcript.text.delta", "delta": word if i == 0 else " " + word, "logprobs": []})
    yield sse({"type": "transcript.text.done", "text": text, "logprobs": [], "usage": usage})
