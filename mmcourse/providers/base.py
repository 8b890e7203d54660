"""The shapes every provider module shares: request parts, the HTTP request, answers and errors.

Provider modules turn these into their own wire format with pure functions; nothing here
knows any provider.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from ..encoding import preview


@dataclass(frozen=True)
class Text:
    """A text part of the user's message."""

    text: str


@dataclass(frozen=True)
class Media:
    """Inline media: base64 bytes and the MIME type sniffed from them."""

    mime: str
    b64: str
    name: str | None = None

    def __repr__(self) -> str:
        return f"Media({self.mime}, b64={preview(self.b64)}, name={self.name!r})"


@dataclass(frozen=True)
class FileRef:
    """Media uploaded earlier through a provider's file API (a Gemini URI or a file id)."""

    ref: str
    mime: str


Part = Text | Media | FileRef


@dataclass(frozen=True)
class Options:
    """Provider-neutral request options; each provider maps them onto its own fields."""

    max_output_tokens: int = 1024
    system: str | None = None
    temperature: float | None = None
    json: bool = False
    detail: str | None = None  # OpenAI image detail: auto | low | high | original
    stream: bool = False
    extra: dict[str, Any] = field(default_factory=dict)  # merged into the body as-is


DEFAULT_OPTIONS = Options()


@dataclass(frozen=True)
class WireFacts:
    """One provider's wire limits and allow-lists: the one table the client, the router and the
    emulator's validation all read (``providers.<name>.WIRE_FACTS``).

    MIME lists hold what the real API accepts, aliases included. A limit of ``None`` is one the
    provider does not state. Caps the emulator adds for its own memory stay in the emulator.
    """

    image_mimes: tuple[str, ...]
    document_mimes: tuple[str, ...]
    max_request_bytes: int  # the whole request body
    audio_mimes: tuple[str, ...] = ()
    video_mimes: tuple[str, ...] = ()
    # OpenAI's input_audio names a format, not a MIME type: MIME -> format.
    audio_formats: dict[str, str] = field(default_factory=dict, hash=False)
    max_images: int | None = None  # images per request
    max_images_long_context: int | None = None  # ... for models with a context over 200k tokens
    max_image_bytes: int | None = None  # decoded bytes per image
    max_image_b64_bytes: int | None = None  # base64 characters per image
    max_image_edge: int | None = None  # pixels on the longer side
    max_image_edge_many: int | None = None  # ... when a request has more than ``many_images``
    many_images: int | None = None
    max_pdf_pages: int | None = None
    max_file_bytes: int | None = None  # one file uploaded to the provider's file API
    upload_chunk_bytes: int | None = None  # what the official SDK sends per upload request

    def mimes(self, modality: str) -> tuple[str, ...]:
        """The MIME types this provider takes for a registry modality (image, audio, video, pdf)."""
        return {"image": self.image_mimes, "audio": self.audio_mimes or tuple(self.audio_formats),
                "video": self.video_mimes, "pdf": self.document_mimes}.get(modality, ())

    def takes(self, mime: str) -> bool:
        """Whether any of the allow-lists holds ``mime``."""
        mime = mime.lower()
        return any(mime in group for group in (self.image_mimes, self.document_mimes, self.audio_mimes,
                                               self.video_mimes, tuple(self.audio_formats)))

SECRET_HEADERS = frozenset({"authorization", "x-api-key", "x-goog-api-key"})
_KEY_IN_URL = re.compile(r"([?&]key=)[^&#]+")


def redact_key(key: str | None) -> str:
    """Show a key the way OpenAI echoes it: a few characters at each end, never the whole."""
    if not key:
        return "(none)"
    if len(key) <= 12:
        return "***"
    return f"{key[:6]}***{key[-4:]}"


def redact_url(url: str) -> str:
    """Hide a Gemini ``?key=`` in a URL (the header form keeps it out of URLs altogether)."""
    return _KEY_IN_URL.sub(r"\1***", url)


def redact_headers(headers: dict[str, str]) -> dict[str, str]:
    """Headers with every credential replaced by a redacted form."""
    out = {}
    for name, value in headers.items():
        if name.lower() in SECRET_HEADERS:
            scheme, _, token = value.rpartition(" ")
            out[name] = f"{scheme} {redact_key(token)}".strip()
        else:
            out[name] = value
    return out


def truncate_base64(value: Any, keep: int = 24) -> Any:
    """A copy of a JSON body with every long string (base64, data URLs) shortened for display."""
    if isinstance(value, dict):
        return {k: truncate_base64(v, keep) for k, v in value.items()}
    if isinstance(value, list):
        return [truncate_base64(v, keep) for v in value]
    if isinstance(value, str) and len(value) > 200:
        return preview(value, keep)
    return value


@dataclass(frozen=True)
class HttpRequest:
    """One HTTP request, ready to send. Its repr never shows a key or a whole base64 string."""

    method: str
    url: str
    headers: dict[str, str]
    json: dict[str, Any] | None = None
    provider: str = ""

    def __repr__(self) -> str:
        return (
            f"HttpRequest({self.method} {redact_url(self.url)}, headers={redact_headers(self.headers)}, "
            f"json={truncate_base64(self.json)})"
        )

    def display(self) -> dict[str, Any]:
        """A safe dict for printing: keys redacted, base64 truncated."""
        return {
            "method": self.method,
            "url": redact_url(self.url),
            "headers": redact_headers(self.headers),
            "json": truncate_base64(self.json),
        }


@dataclass(frozen=True)
class Usage:
    """Token counts as the provider reported them."""

    input_tokens: int
    output_tokens: int

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens


@dataclass(frozen=True)
class Answer:
    """A parsed success response: the text, its usage and the raw JSON it came from."""

    provider: str
    model: str
    text: str
    usage: Usage
    finish_reason: str | None
    raw: dict[str, Any] = field(repr=False)

    def __str__(self) -> str:
        return self.text


class APIError(Exception):
    """A provider's error response, parsed: status, the provider's error type, message, retry delay."""

    def __init__(
        self,
        provider: str,
        status: int,
        error_type: str,
        message: str,
        retry_after: float | None = None,
        raw: Any = None,
    ) -> None:
        self.provider = provider
        self.status = status
        self.error_type = error_type
        self.message = message
        self.retry_after = retry_after
        self.raw = raw
        super().__init__(f"{provider} {status} {error_type}: {message}")

    @property
    def retryable(self) -> bool:
        """Rate limits, overload and server errors are worth retrying; request mistakes are not."""
        return self.status in (408, 409, 429) or self.status >= 500


class LiveCallError(ConnectionError):
    """A live call that never got an HTTP answer. mmcourse never falls back to the emulator."""


def error_from_envelope(
    provider: str,
    status: int,
    headers: dict[str, str],
    body: Any,
    type_keys: tuple[str, ...],
    retry_after: float | None = None,
) -> APIError:
    """An APIError from a ``{"error": {..., "message"}}`` envelope (all three providers use one).

    ``type_keys`` names the field(s) holding the error's kind, first found wins; the retry
    delay is ``retry_after`` when the body gave one, else the ``retry-after`` headers.
    """
    error = body.get("error") if isinstance(body, dict) else None
    delay = retry_after if retry_after is not None else retry_after_from_headers(headers)
    if not isinstance(error, dict):
        return APIError(provider, status, "http_error", str(body)[:500], delay, body)
    kind = next((error[key] for key in type_keys if error.get(key)), "error")
    return APIError(provider, status, str(kind), str(error.get("message", "")), delay, body)


def retry_after_from_headers(headers: dict[str, str]) -> float | None:
    """Seconds to wait from ``retry-after-ms`` (preferred, as the official SDKs do) or ``retry-after``."""
    lower = {k.lower(): v for k, v in headers.items()}
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        value = lower.get(name)
        if value is None:
            continue
        try:
            return max(0.0, float(value) * scale)
        except ValueError:
            continue  # an HTTP-date retry-after: rare from these APIs; fall back to backoff
    return None
