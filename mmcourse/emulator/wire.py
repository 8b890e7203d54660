"""Plumbing the three wire modules share: the request context, replies, errors, JSON, base64, SSE.

Nothing here knows a provider's format; each ``*_wire`` module shapes its own errors and bodies.
"""

from __future__ import annotations

import binascii
import hashlib
import json
import math
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import pybase64

from mmcourse.emulator.state import EmulatorState, Fault


class ApiError(Exception):
    """A provider error: the wire module that raised it turns it into its own envelope.

    ``type`` is the provider's type string (OpenAI ``error.type``, Anthropic ``error.type``,
    Gemini ``error.status``); it becomes the request log's verdict.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        type: str | None = None,
        param: str | None = None,
        code: str | None = None,
        details: list | None = None,
        headers: dict | None = None,
        edge: bool = False,
    ) -> None:
        super().__init__(message)
        self.edge = edge  # answered by the provider's edge layer (its bare shape), not the API
        self.status = status
        self.message = message
        self.type = type
        self.param = param
        self.code = code
        self.details = details
        self.headers = dict(headers or {})


@dataclass
class Reply:
    """What a handler returns: JSON, raw bytes or an iterator of text chunks (a stream)."""

    body: Any = None
    status: int = 200
    headers: dict = field(default_factory=dict)
    stream: Iterator[str] | None = None
    raw: bytes | None = None
    media_type: str = "application/json"


@dataclass
class Call:
    """One request as the wire modules see it, plus what they learn for the request log."""

    provider: str
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: bytes
    origin: str  # scheme://host[:port] the client used, for absolute URLs we hand back
    state: EmulatorState
    params: dict[str, str] = field(default_factory=dict)
    scope: str = ""
    request_id: str = ""
    api_key: str | None = None
    # Filled in by handlers for the request log:
    model: str | None = None
    request_json: Any = None
    media: list = field(default_factory=list)
    form: dict | None = None

    def header(self, name: str, default: str | None = None) -> str | None:
        return self.headers.get(name.lower(), default)


class Wire(Protocol):
    """The contract every ``*_wire.py`` module's ``WIRE`` object keeps (``app.py`` calls only this).

    ``routes`` are ``(method, path template, handler, body limit[, auth])`` rows, served as
    Starlette routes (``mmcourse.emulator.routes``: ``/v1/models/{model}``); a handler takes a
    ``Call`` and returns a ``Reply`` or raises ``ApiError``, which ``error_reply`` shapes.
    """

    name: str
    owns_paths: Sequence[str]  # regexes of paths only this provider has
    marker_headers: Sequence[str]  # headers that say "this provider" on shared paths
    routes: Sequence[tuple]

    def api_key(self, call: Call) -> str | None: ...
    def authenticate(self, call: Call) -> None: ...
    def error_reply(self, err: ApiError, call: Call) -> Reply: ...
    def bad_json(self, call: Call, reason: str) -> ApiError: ...
    def too_large(self, call: Call, limit: int) -> ApiError: ...
    def no_route(self, call: Call) -> ApiError: ...
    def fault(self, call: Call, fault: Fault) -> ApiError: ...
    def rate_limited(self, call: Call, limit: int | None, reset: float) -> ApiError: ...
    def headers(self, call: Call, rate: tuple[int | None, int, float]) -> dict: ...
    def new_request_id(self, call: Call, count: int) -> str: ...


WIRE_CONTRACT = ("name", "owns_paths", "marker_headers", "routes", "api_key", "authenticate",
                 "error_reply", "bad_json", "too_large", "no_route", "fault", "rate_limited",
                 "headers", "new_request_id")


# -- JSON -----------------------------------------------------------------------------------
class BadJson(ValueError):
    """The body is not a JSON document (or not UTF-8, or nested absurdly deep)."""


def parse_json(body: bytes) -> Any:
    """Parse a request body, raising BadJson with a short reason on any failure."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BadJson(f"body is not UTF-8 ({exc.reason} at byte {exc.start})") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise BadJson(f"{exc.msg}: line {exc.lineno} column {exc.colno} (char {exc.pos})") from None
    except RecursionError:
        raise BadJson("JSON nested too deeply") from None


# -- base64 ---------------------------------------------------------------------------------
_ANY_B64 = re.compile(r"[A-Za-z0-9+/_\-]*={0,2}")


def decode_std_base64(text: str) -> bytes | None:
    """Strict standard base64 (with padding), as OpenAI and Anthropic require; None if invalid.

    One pass, checking the alphabet and the padding as it decodes (``_strict_b64``).
    """
    if not isinstance(text, str):
        return None
    try:
        return _strict_b64(text.encode("ascii"))
    except UnicodeEncodeError:
        return None


def _strict_b64(data: bytes) -> bytes | None:
    """``a2b_base64(data, strict_mode=True)``, or None where it raises, at SIMD speed.

    pybase64's validating decoder (AVX2: 0.1 ms for a 1 MB image, where binascii takes 5 ms)
    accepts a subset of what strict binascii accepts, with the same bytes; only what it refuses
    is checked again by binascii, which also accepts padding after a full quad (``AAAA=``)."""
    try:
        return pybase64.b64decode(data, validate=True)
    except (binascii.Error, ValueError):
        pass
    try:
        return binascii.a2b_base64(data, strict_mode=True)
    except (binascii.Error, ValueError):
        return None


_URL_SAFE_TO_STD = bytes.maketrans(b"-_", b"+/")


def decode_proto_base64(text: str) -> bytes | None:
    """proto3-JSON bytes: standard or URL-safe alphabet, padded or not (Gemini); None if invalid."""
    if not isinstance(text, str):
        return None
    try:
        raw = text.encode("ascii")
    except UnicodeEncodeError:
        return None
    if len(raw) % 4 == 0 and not raw.endswith(b"====") and b"-" not in raw and b"_" not in raw:
        return _strict_b64(raw)  # padded standard base64 (what encoders write): no copies made
    body = raw.rstrip(b"=").translate(_URL_SAFE_TO_STD)
    if len(body) % 4 == 1:
        return None
    return _strict_b64(body + b"=" * (-len(body) % 4))


def first_bad_base64_prefix(text: str) -> str:
    """The part of a bad ``bytes`` value Google quotes: up to its first comma (at most 100 chars).

    A data URL is quoted as ``"data:image/png;base64"`` (real 400 quoted in
    musistudio/claude-code-router#845, 2025).

    >>> first_bad_base64_prefix("data:image/png;base64,iVBORw0KGgo=")
    'data:image/png;base64'
    """
    return text.split(",", 1)[0][:100]


_DATA_URL = re.compile(r"data:([^;,]*)((?:;[^;,]*)*),(.*)", re.S)


def split_data_url(url: str) -> tuple[str, bool, str] | None:
    """``data:<mime>[;...][;base64],<payload>`` -> (mime, is_base64, payload); None if not one."""
    m = _DATA_URL.fullmatch(url) if isinstance(url, str) else None
    if not m:
        return None
    params = [p.strip().lower() for p in m.group(2).split(";") if p.strip()]
    return m.group(1).strip().lower(), "base64" in params, m.group(3)


# -- ids, redaction, SSE --------------------------------------------------------------------
def retry_after_headers(seconds: float) -> dict[str, str]:
    """``retry-after`` (whole seconds, rounded up) and ``retry-after-ms`` for a delay.

    The official Stainless SDKs (openai-python, anthropic-sdk-python) read ``retry-after-ms``
    first, then ``retry-after``, and only honour a value above 0; HTTP's ``Retry-After`` is an
    integer. So 0.01 s becomes ``retry-after: 1`` and ``retry-after-ms: 10``: an SDK waits the
    exact 10 ms, a hand-written client that reads only ``retry-after`` waits a safe 1 s, and a
    positive delay never turns into 0. Whether the real APIs send ``retry-after-ms``:
    UNCONFIRMED (we follow what the official SDKs read).

    >>> retry_after_headers(0.01)
    {'retry-after': '1', 'retry-after-ms': '10'}
    """
    seconds = max(0.0, float(seconds))
    return {"retry-after": str(math.ceil(seconds)), "retry-after-ms": str(math.ceil(seconds * 1000))}


def duration_text(seconds: float) -> str:
    """A protobuf Duration in JSON, exact to the nanosecond (``"20s"``, ``"0.500s"``).

    >>> duration_text(0.5), duration_text(20), duration_text(0.01)
    ('0.500s', '20s', '0.010s')
    """
    seconds = max(0.0, float(seconds))
    if seconds.is_integer():
        return f"{int(seconds)}s"
    # Protobuf's JSON mapping writes Durations with 0, 3, 6 or 9 fractional digits, as Google's
    # servers do; parsers accept any number (so "0.5s" and "0.500s" mean the same).
    for digits in (3, 6, 9):
        text = f"{seconds:.{digits}f}"
        if float(text) == round(seconds, 9):
            return text + "s"
    return f"{seconds:.9f}s"


def stable_token(*parts: object, length: int = 24, alphabet: str = "") -> str:
    """A deterministic id fragment from the request (same request + counter -> same id)."""
    digest = hashlib.sha256("\x1f".join(map(str, parts)).encode("utf-8", "surrogatepass")).digest()
    chars = alphabet or "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    value = int.from_bytes(digest, "big")
    out = []
    for _ in range(length):
        value, rem = divmod(value, len(chars))
        out.append(chars[rem])
    return "".join(out)


def sse(data: Any, event: str | None = None) -> str:
    """One server-sent event: optional ``event:`` line, one ``data:`` line, blank line."""
    payload = data if isinstance(data, str) else json.dumps(data, separators=(",", ":"))
    head = f"event: {event}\n" if event else ""
    return f"{head}data: {payload}\n\n"


def truncate_base64(value: Any, keep: int = 64) -> Any:
    """A copy of a JSON value with every long base64-looking string cut to ``keep`` chars."""
    if isinstance(value, dict):
        return {k: truncate_base64(v, keep) for k, v in value.items()}
    if isinstance(value, list):
        return [truncate_base64(v, keep) for v in value]
    if isinstance(value, str) and len(value) > 256 and _looks_base64(value):
        return f"{value[:keep]}...({len(value)} chars)"
    return value


def _looks_base64(value: str) -> bool:
    tail = value.split(",", 1)[1] if value.startswith("data:") and "," in value else value
    sample = tail[:512]
    return bool(sample) and _ANY_B64.fullmatch(sample.rstrip("=")) is not None


def word_chunks(text: str, words_per_chunk: int = 4) -> list[str]:
    """Split an answer into a few word-group deltas whose concatenation is exactly ``text``."""
    pieces = re.findall(r"\S+\s*|\s+", text)
    if not pieces:
        return [text] if text else []
    lead = ""
    if pieces[0].strip() == "":
        lead, pieces = pieces[0], pieces[1:]
    chunks = ["".join(pieces[i : i + words_per_chunk]) for i in range(0, len(pieces), words_per_chunk)]
    if lead:
        chunks = [lead + chunks[0]] + chunks[1:] if chunks else [lead]
    return chunks


# -- multipart ------------------------------------------------------------------------------
@dataclass
class FormPart:
    """One multipart/form-data field: a file when ``filename`` is set."""

    name: str
    data: bytes
    filename: str | None = None
    content_type: str | None = None


def parse_multipart(body: bytes, content_type: str) -> dict[str, FormPart]:
    """Parse a multipart/form-data body; raise ValueError with a reason if it is not one."""
    from python_multipart.multipart import MultipartParser, parse_options_header

    ctype, options = parse_options_header(content_type or "")
    if ctype != b"multipart/form-data":
        raise ValueError(f"expected Content-Type multipart/form-data, got {content_type or 'none'!r}")
    boundary = options.get(b"boundary")
    if not boundary:
        raise ValueError("the multipart Content-Type has no boundary")
    parts: dict[str, FormPart] = {}
    current: dict = {}

    def on_part_begin() -> None:
        current.clear()
        current.update(headers={}, data=bytearray(), field=b"", value=b"")

    def on_header_field(data: bytes, start: int, end: int) -> None:
        current["field"] += data[start:end]

    def on_header_value(data: bytes, start: int, end: int) -> None:
        current["value"] += data[start:end]

    def on_header_end() -> None:
        current["headers"][current["field"].decode("latin-1").lower()] = current["value"]
        current["field"], current["value"] = b"", b""

    def on_part_data(data: bytes, start: int, end: int) -> None:
        current["data"] += data[start:end]

    def on_part_end() -> None:
        _, disp = parse_options_header(current["headers"].get("content-disposition", b""))
        name = disp.get(b"name", b"").decode("utf-8", "replace")
        filename = disp.get(b"filename")
        ctype_part = current["headers"].get("content-type")
        parts[name] = FormPart(
            name=name,
            data=bytes(current["data"]),
            filename=None if filename is None else filename.decode("utf-8", "replace"),
            content_type=None if ctype_part is None else ctype_part.decode("latin-1").strip(),
        )

    parser = MultipartParser(
        boundary,
        {
            "on_part_begin": on_part_begin,
            "on_header_field": on_header_field,
            "on_header_value": on_header_value,
            "on_header_end": on_header_end,
            "on_part_data": on_part_data,
            "on_part_end": on_part_end,
        },
    )
    try:
        parser.write(body)
        parser.finalize()
    except Exception as exc:  # the parser raises its own error types on malformed input
        raise ValueError(f"malformed multipart body: {exc}") from None
    return parts


def file_routes(wire: Any, body_limit: int, upload_limit: int) -> list[tuple]:
    """The ``/v1/files`` routes OpenAI and Anthropic share (told apart by their auth headers)."""
    file_path = "/v1/files/{file_id}"
    return [
        ("POST", "/v1/files", wire.upload_file, upload_limit),
        ("GET", "/v1/files", wire.list_files, body_limit),
        ("GET", file_path, wire.get_file, body_limit),
        ("DELETE", file_path, wire.delete_file, body_limit),
        ("GET", file_path + "/content", wire.file_content, body_limit),
    ]
