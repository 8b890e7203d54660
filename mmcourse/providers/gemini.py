"""Google Gemini generateContent: build the request, parse the answer, the error and the stream.

Wire facts (google-genai source; Gemini API docs and cookbook REST notebooks, 2025-2026):
``POST {base}/v1beta/models/{model}:generateContent``; the key goes in the ``x-goog-api-key``
header (what the official SDK sends; a ``?key=`` query parameter also works but puts the key in
every URL, log line and proxy record, so the course uses the header). Media is an
``inline_data`` part (raw base64 + ``mime_type``) or a ``file_data`` part pointing at a File API
upload. Input accepts snake_case or camelCase; responses are camelCase. The answer is at
``candidates[0].content.parts[0].text``; errors are ``{"error": {code, message, status, details}}``.
"""

from __future__ import annotations

import re
from typing import Any

from .base import (
    DEFAULT_OPTIONS,
    Answer,
    APIError,
    FileRef,
    HttpRequest,
    Options,
    Part,
    Text,
    Usage,
    WireFacts,
    error_from_envelope,
)

NAME = "gemini"
DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com"
API_VERSION = "v1beta"
# google-genai reads GOOGLE_API_KEY first, then GEMINI_API_KEY.
KEY_ENV_VARS = ("GOOGLE_API_KEY", "GEMINI_API_KEY")
BASE_URL_ENV = "GOOGLE_GEMINI_BASE_URL"
ANSWER_PATH = "candidates[0].content.parts[0].text"
AUTH = "x-goog-api-key: <key> (or ?key=<key>, which leaks into URLs)"
MEDIA_FIELD = "inline_data = {mime_type, data: <raw base64>}"

WIRE_FACTS = WireFacts(
    # Gemini image/audio/video/document understanding docs (2025-2026); image/jpg is rejected.
    # The x-/wave/mpeg/quicktime/msvideo aliases and text/markdown are what Python's mimetypes
    # (and so the google-genai SDK) produce for .wav, .mp3, .mov, .avi, .wmv and .md files.
    image_mimes=("image/png", "image/jpeg", "image/webp", "image/heic", "image/heif"),
    audio_mimes=("audio/wav", "audio/x-wav", "audio/wave", "audio/mp3", "audio/mpeg", "audio/aiff",
                 "audio/x-aiff", "audio/aac", "audio/ogg", "audio/flac"),
    video_mimes=("video/mp4", "video/mpeg", "video/mov", "video/quicktime", "video/avi", "video/x-msvideo",
                 "video/x-flv", "video/mpg", "video/webm", "video/wmv", "video/x-ms-wmv", "video/3gpp"),
    # The document docs' text formats, text/xml included (the client refused it while the
    # emulator took it: one table now).
    document_mimes=("application/pdf", "text/plain", "text/html", "text/css", "text/md", "text/markdown",
                    "text/csv", "text/xml", "text/rtf", "text/javascript", "application/x-javascript",
                    "text/x-python", "application/x-python"),
    # 100 MB inline request since 2026-01-12 (20 MB before); File API: 2 GB per file, 48 h;
    # google-genai uploads in 8 MiB chunks.
    max_request_bytes=100 * 1024 * 1024,
    max_file_bytes=2 * 1024 * 1024 * 1024,
    upload_chunk_bytes=8 * 1024 * 1024,
)
# Gemini spells MP3 audio/mp3 where the IANA type is audio/mpeg.
_WIRE_MIME = {"audio/mpeg": "audio/mp3"}


def wire_mime(mime: str) -> str:
    """The MIME string Gemini expects for ``mime``."""
    return _WIRE_MIME.get(mime, mime)


def _part(part: Part) -> dict[str, Any]:
    if isinstance(part, Text):
        return {"text": part.text}
    if isinstance(part, FileRef):
        return {"file_data": {"mime_type": wire_mime(part.mime), "file_uri": part.ref}}
    return {"inline_data": {"mime_type": wire_mime(part.mime), "data": part.b64}}


def build_body(model: str, parts: list[Part], options: Options = DEFAULT_OPTIONS) -> dict[str, Any]:
    """The JSON body of a generateContent request (the model goes in the URL, not the body)."""
    body: dict[str, Any] = {"contents": [{"role": "user", "parts": [_part(p) for p in parts]}]}
    if options.system:
        body["system_instruction"] = {"parts": [{"text": options.system}]}
    config: dict[str, Any] = {"maxOutputTokens": options.max_output_tokens}
    if options.temperature is not None:
        config["temperature"] = options.temperature
    if options.json:
        config["responseMimeType"] = "application/json"
    body["generationConfig"] = config
    body.update(options.extra)
    return body


def model_url(base_url: str, model: str, method: str) -> str:
    """``{base}/v1beta/models/{model}:{method}`` (``method`` may carry a query, e.g. ``?alt=sse``)."""
    return f"{base_url.rstrip('/')}/{API_VERSION}/models/{model}:{method}"


def build_request(
    model: str, parts: list[Part], options: Options = DEFAULT_OPTIONS, *, base_url: str, api_key: str
) -> HttpRequest:
    """A ready-to-send generateContent (or streamGenerateContent with SSE) request."""
    method = "streamGenerateContent?alt=sse" if options.stream else "generateContent"
    return HttpRequest(
        "POST",
        model_url(base_url, model, method),
        {"x-goog-api-key": api_key, "Content-Type": "application/json"},
        build_body(model, parts, options),
        NAME,
    )


def parse_response(body: dict[str, Any]) -> Answer:
    """Text, usage and finish reason from a GenerateContentResponse (a blocked prompt gives '')."""
    candidates = body.get("candidates") or []
    parts = (candidates[0].get("content") or {}).get("parts", []) if candidates else []
    text = "".join(p.get("text", "") for p in parts if not p.get("thought"))
    usage = body.get("usageMetadata") or {}
    finish = candidates[0].get("finishReason") if candidates else (body.get("promptFeedback") or {}).get("blockReason")
    output = usage.get("candidatesTokenCount", 0) + usage.get("thoughtsTokenCount", 0)
    return Answer(NAME, body.get("modelVersion", ""), text, Usage(usage.get("promptTokenCount", 0), output), finish, body)


_DURATION = re.compile(r"^([\d.]+)s$")


def retry_delay(body: Any) -> float | None:
    """Seconds from a ``google.rpc.RetryInfo`` detail's ``retryDelay`` (a Duration like '20s')."""
    error = body.get("error") if isinstance(body, dict) else None
    for detail in (error or {}).get("details") or []:
        if str(detail.get("@type", "")).endswith("google.rpc.RetryInfo"):
            match = _DURATION.match(str(detail.get("retryDelay", "")))
            if match:
                return float(match.group(1))
    return None


def parse_error(status: int, headers: dict[str, str], body: Any) -> APIError:
    """An APIError from Google's envelope; the retry delay comes from RetryInfo in the body."""
    if isinstance(body, list) and body:  # some stream endpoints wrap the error in an array
        body = body[0]
    return error_from_envelope(NAME, status, headers, body, ("status",), retry_delay(body))


def stream_delta(event: str | None, data: dict[str, Any]) -> str | None:
    """The text in one streamed GenerateContentResponse chunk."""
    if "error" in data:
        raise parse_error(int(data["error"].get("code", 500)), {}, data)
    return parse_response(data).text or None


# -- the File API's resumable upload (the I/O is mmcourse.files.upload_gemini) ----------------
UPLOAD_CHUNK = 8 * 1024 * 1024  # bytes per chunk, as the official SDK sends


def upload_start_request(base_url: str, api_key: str, size: int, mime: str, display_name: str) -> HttpRequest:
    """Step 1 of a resumable upload: announce the file; the answer carries ``x-goog-upload-url``."""
    headers = {
        "x-goog-api-key": api_key,
        "X-Goog-Upload-Protocol": "resumable",
        "X-Goog-Upload-Command": "start",
        "X-Goog-Upload-Header-Content-Length": str(size),
        "X-Goog-Upload-Header-Content-Type": mime,
        "Content-Type": "application/json",
    }
    url = f"{base_url.rstrip('/')}/upload/{API_VERSION}/files"
    return HttpRequest("POST", url, headers, {"file": {"display_name": display_name}}, NAME)


def upload_chunk_headers(api_key: str, offset: int, length: int, last: bool) -> dict[str, str]:
    """Headers for one chunk: where it starts, and whether it is the last (``upload, finalize``)."""
    return {
        "x-goog-api-key": api_key,
        "Content-Length": str(length),
        "X-Goog-Upload-Offset": str(offset),
        "X-Goog-Upload-Command": "upload, finalize" if last else "upload",
    }
