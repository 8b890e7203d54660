"""Anthropic Messages: build the request, parse the answer, the error and the stream.

Wire facts (anthropic-sdk-python source; Anthropic vision, PDF and error docs, 2026):
``POST {base}/v1/messages`` with ``x-api-key`` and the required ``anthropic-version: 2023-06-01``;
``max_tokens`` is required; an image is ``{"type": "image", "source": {"type": "base64",
"media_type": ..., "data": <raw base64, no data: prefix>}}``; a PDF is a ``document`` block.
Claude takes no audio or video. The answer is at ``content[0].text``; errors are
``{"type": "error", "error": {type, message}, "request_id": ...}``.
"""

from __future__ import annotations

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

NAME = "anthropic"
DEFAULT_BASE_URL = "https://api.anthropic.com"
KEY_ENV_VARS = ("ANTHROPIC_API_KEY",)
BASE_URL_ENV = "ANTHROPIC_BASE_URL"
API_VERSION = "2023-06-01"  # the value every anthropic SDK release sends (2024-11 .. 2026-08)
FILES_BETA = "files-api-2025-04-14"
ANSWER_PATH = "content[0].text"
AUTH = "x-api-key: <key> + anthropic-version: 2023-06-01"
MEDIA_FIELD = "source = {type: base64, media_type, data: <raw base64>}"

WIRE_FACTS = WireFacts(
    image_mimes=("image/jpeg", "image/png", "image/gif", "image/webp"),
    document_mimes=("application/pdf", "text/plain"),
    # Anthropic vision docs, 2026: 10 MB per image measured on the base64 string (5 MB on
    # Bedrock/Vertex), 8000 px per side (2000 px when a request has more than 20 images), 100
    # images for 200k-context models (600 for others); PDF docs: 100 pages; 32 MB per
    # Messages request (413 request_too_large beyond).
    max_request_bytes=32 * 1024 * 1024,
    max_images=100,
    max_images_long_context=600,
    max_image_b64_bytes=10 * 1024 * 1024,
    max_image_edge=8000,
    max_image_edge_many=2000,
    many_images=20,
    max_pdf_pages=100,
    max_file_bytes=500 * 1024 * 1024,  # Files API (beta), per file
)


def _block(part: Part) -> dict[str, Any]:
    if isinstance(part, Text):
        return {"type": "text", "text": part.text}
    kind = "image" if part.mime.startswith("image/") else "document"
    if isinstance(part, FileRef):
        return {"type": kind, "source": {"type": "file", "file_id": part.ref}}
    if part.mime in WIRE_FACTS.image_mimes:
        return {"type": "image", "source": {"type": "base64", "media_type": part.mime, "data": part.b64}}
    if part.mime == "application/pdf":
        return {"type": "document", "source": {"type": "base64", "media_type": part.mime, "data": part.b64}}
    raise ValueError(
        f"Claude does not take {part.mime}: it reads images (JPEG, PNG, GIF, WebP) and PDFs. "
        "For audio, transcribe first; for video, sample frames (mmcourse.media.video)."
    )


def build_body(model: str, parts: list[Part], options: Options = DEFAULT_OPTIONS) -> dict[str, Any]:
    """The JSON body of a Messages request (text last, as Anthropic's docs recommend)."""
    ordered = [p for p in parts if not isinstance(p, Text)] + [p for p in parts if isinstance(p, Text)]
    body: dict[str, Any] = {
        "model": model,
        "max_tokens": options.max_output_tokens,
        "messages": [{"role": "user", "content": [_block(p) for p in ordered]}],
    }
    if options.system:
        body["system"] = options.system
    if options.temperature is not None:
        body["temperature"] = options.temperature
    if options.stream:
        body["stream"] = True
    body.update(options.extra)
    return body


def build_request(
    model: str, parts: list[Part], options: Options = DEFAULT_OPTIONS, *, base_url: str, api_key: str
) -> HttpRequest:
    """A ready-to-send Messages request."""
    headers = {
        "x-api-key": api_key,
        "anthropic-version": API_VERSION,
        "content-type": "application/json",
    }
    if any(isinstance(p, FileRef) for p in parts):
        headers["anthropic-beta"] = FILES_BETA
    return HttpRequest("POST", f"{base_url.rstrip('/')}/v1/messages", headers, build_body(model, parts, options), NAME)


def parse_response(body: dict[str, Any]) -> Answer:
    """Text (all text blocks joined), usage and stop reason from a ``message`` object."""
    text = "".join(b.get("text", "") for b in body.get("content", []) if b.get("type") == "text")
    usage = body.get("usage") or {}
    return Answer(
        NAME,
        body.get("model", ""),
        text,
        Usage(usage.get("input_tokens", 0), usage.get("output_tokens", 0)),
        body.get("stop_reason"),
        body,
    )


def parse_error(status: int, headers: dict[str, str], body: Any) -> APIError:
    """An APIError from Anthropic's envelope and its ``retry-after`` header."""
    return error_from_envelope(NAME, status, headers, body, ("type",))


def stream_delta(event: str | None, data: dict[str, Any]) -> str | None:
    """The text in a ``content_block_delta`` event; None for the other named events."""
    if data.get("type") == "error":
        raise parse_error(200, {}, data)
    if data.get("type") != "content_block_delta":
        return None
    delta = data.get("delta") or {}
    return delta.get("text") if delta.get("type") == "text_delta" else None


def files_upload_target(base_url: str, api_key: str, purpose: str = "") -> tuple[str, dict, dict]:
    """(URL, headers, form fields) for the Files API (beta): no purpose field, a beta header."""
    headers = {"x-api-key": api_key, "anthropic-version": API_VERSION, "anthropic-beta": FILES_BETA}
    return f"{base_url.rstrip('/')}/v1/files", headers, {}
