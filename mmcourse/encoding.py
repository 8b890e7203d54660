"""Bytes to base64 and back: MIME types from magic bytes, data URLs, resizing, chunked reads.

Every provider wants media inside JSON, and JSON cannot hold raw bytes, so the bytes travel
as base64 text (4 characters for every 3 bytes: a third larger). OpenAI wants a *data URL*
(``data:image/png;base64,...``); Anthropic and Gemini want the bare base64 string with the
MIME type in a separate field.
"""

from __future__ import annotations

import base64
import binascii
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

# Magic bytes: (offset, signature, MIME). Order matters where signatures share a prefix.
_SIGNATURES: tuple[tuple[int, bytes, str], ...] = (
    (0, b"\xff\xd8\xff", "image/jpeg"),
    (0, b"\x89PNG\r\n\x1a\n", "image/png"),
    (0, b"GIF87a", "image/gif"),
    (0, b"GIF89a", "image/gif"),
    (0, b"%PDF-", "application/pdf"),
    (0, b"fLaC", "audio/flac"),
    (0, b"OggS", "audio/ogg"),
    (0, b"ID3", "audio/mpeg"),
    (0, b"\x1aE\xdf\xa3", "video/webm"),
    (0, b"BM", "image/bmp"),
    (0, b"II*\x00", "image/tiff"),
    (0, b"MM\x00*", "image/tiff"),
    (0, b"<svg", "image/svg+xml"),
)
# RIFF containers: the format is named at offset 8.
_RIFF = {b"WEBP": "image/webp", b"WAVE": "audio/wav", b"AVI ": "video/avi"}
# ISO base media (MP4, MOV, HEIC): the brand after "ftyp" at offset 4.
_FTYP_BRANDS = {
    b"heic": "image/heic", b"heix": "image/heic", b"mif1": "image/heif", b"msf1": "image/heif",
    b"qt  ": "video/mov", b"M4A ": "audio/mp4", b"3gp4": "video/3gpp", b"3gp5": "video/3gpp",
}

EXTENSIONS: dict[str, str] = {
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif",
    ".webp": "image/webp", ".heic": "image/heic", ".heif": "image/heif", ".bmp": "image/bmp",
    ".wav": "audio/wav", ".mp3": "audio/mpeg", ".flac": "audio/flac", ".ogg": "audio/ogg",
    ".m4a": "audio/mp4", ".mp4": "video/mp4", ".mov": "video/mov", ".webm": "video/webm",
    ".avi": "video/avi", ".pdf": "application/pdf", ".txt": "text/plain", ".csv": "text/csv",
}

# Gemini names MP3 "audio/mp3"; the IANA type (and OpenAI's format enum) says mpeg/mp3.
MIME_ALIASES = {"image/jpg": "image/jpeg", "audio/mp3": "audio/mpeg", "audio/x-wav": "audio/wav"}


class EncodingError(ValueError):
    """A file that cannot be sent as it is; the message says why and what to do."""


def sniff_mime(data: bytes) -> str | None:
    """MIME type from a file's first bytes (its magic number), or None if unknown.

    >>> sniff_mime(b"\\x89PNG\\r\\n\\x1a\\n....")
    'image/png'
    """
    head = bytes(data[:64])
    if head[:4] == b"RIFF" and head[8:12] in _RIFF:
        return _RIFF[head[8:12]]
    if head[:4] == b"FORM" and head[8:12] in (b"AIFF", b"AIFC"):
        return "audio/aiff"
    if head[4:8] == b"ftyp":
        return _FTYP_BRANDS.get(head[8:12], "video/mp4")
    for offset, signature, mime in _SIGNATURES:
        if head[offset:offset + len(signature)] == signature:
            return mime
    # MPEG audio frame sync (an MP3 without an ID3 tag): 11 set bits.
    if len(head) >= 2 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0:
        return "audio/mpeg"
    return None


def mime_from_extension(path: str | Path) -> str | None:
    """What the file's name claims its type is (not to be trusted: see ``sniff_mime``)."""
    return EXTENSIONS.get(Path(path).suffix.lower())


@dataclass(frozen=True)
class EncodedFile:
    """A file read for sending: its bytes' MIME type, base64 text and what its name claimed."""

    path: str
    mime: str
    size: int
    b64: str
    extension_mime: str | None

    @property
    def extension_lies(self) -> bool:
        """True when the name says one type and the bytes say another (a PNG named .jpg)."""
        return self.extension_mime is not None and self.extension_mime != self.mime

    @property
    def data_url(self) -> str:
        """The ``data:<mime>;base64,<...>`` form OpenAI's ``image_url`` wants."""
        return data_url(self.mime, self.b64)

    def __repr__(self) -> str:
        note = f", name claims {self.extension_mime}" if self.extension_lies else ""
        return f"EncodedFile({self.path!r}, {self.mime}, {self.size:,} bytes{note}, b64={preview(self.b64)})"


def read_bytes(path: str | Path) -> bytes:
    """Read a file, with an error that says what to check when it is missing."""
    p = Path(path)
    if not p.exists():
        raise EncodingError(f"{p} does not exist: check the path (relative to {Path.cwd().name}/).")
    if p.is_dir():
        raise EncodingError(f"{p} is a folder, not a file: name one file inside it.")
    return p.read_bytes()


def detect_mime(data: bytes, path: str | Path = "") -> str:
    """The MIME type from magic bytes; an error naming the file when neither bytes nor name help."""
    mime = sniff_mime(data)
    if mime is not None:
        return mime
    claimed = mime_from_extension(path) if path else None
    if claimed and claimed.startswith("text/"):
        return claimed
    raise EncodingError(
        f"{path or 'these bytes'}: unsupported file type (first bytes {bytes(data[:8])!r} match no "
        f"known image, audio, video or PDF signature); convert it to PNG, JPEG, WAV, MP3, MP4 or PDF."
    )


def encode_file(path: str | Path) -> EncodedFile:
    """Read a file to base64 with its MIME type taken from its bytes, not its name."""
    data = read_bytes(path)
    if not data:
        raise EncodingError(f"{path} is empty (0 bytes): nothing to send.")
    mime = detect_mime(data, path)
    return EncodedFile(str(path), mime, len(data), to_base64(data), mime_from_extension(path))


def to_base64(data: bytes) -> str:
    """Standard base64 text of ``data`` (what all three providers accept)."""
    return base64.b64encode(data).decode("ascii")


def from_base64(text: str) -> bytes:
    """Decode standard or URL-safe base64, padded or not; a clear error otherwise."""
    cleaned = "".join(text.split())
    if cleaned.startswith("data:"):
        raise EncodingError(
            "this is a data URL, not bare base64: strip the 'data:<mime>;base64,' prefix "
            "(or use parse_data_url)."
        )
    cleaned += "=" * (-len(cleaned) % 4)
    altchars = b"-_" if ("-" in cleaned or "_" in cleaned) else None
    try:
        return base64.b64decode(cleaned, altchars=altchars, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise EncodingError(f"not valid base64 ({exc}): {preview(text)}") from None


def base64_length(n_bytes: int) -> int:
    """Length of the base64 text for ``n_bytes`` bytes: 4 characters per 3 bytes, padded."""
    return 4 * ((n_bytes + 2) // 3)


_DATA_URL = re.compile(r"^data:(?P<mime>[\w.+-]+/[\w.+-]+)(?P<params>(;[\w-]+=[^;,]+)*);base64,(?P<b64>.*)$", re.S)


def data_url(mime: str, b64: str) -> str:
    """Build a data URL: ``data:<mime>;base64,<b64>``."""
    return f"data:{mime};base64,{b64}"


def parse_data_url(url: str) -> tuple[str, str]:
    """Split a base64 data URL into (mime, base64); an error if it is not one."""
    match = _DATA_URL.match(url)
    if not match:
        raise EncodingError(
            f"not a base64 data URL: {preview(url)}; expected 'data:<mime>;base64,<data>'."
        )
    return match["mime"], match["b64"]


def preview(text: str, keep: int = 24) -> str:
    """A short, safe preview of a long string (base64, a URL): the start and its length."""
    if len(text) <= keep + 3:
        return text
    return f"{text[:keep]}...({len(text):,} chars)"


def iter_chunks(path: str | Path, chunk_size: int = 8 * 1024 * 1024) -> Iterator[tuple[int, bytes]]:
    """Yield (offset, chunk) pairs from a file without reading it whole.

    8 MiB is the chunk size the official google-genai SDK uses for resumable uploads.
    """
    with open(path, "rb") as handle:
        offset = 0
        while chunk := handle.read(chunk_size):
            yield offset, chunk
            offset += len(chunk)


def base64_file_chunks(path: str | Path, chunk_size: int = 3 * 1024 * 1024) -> Iterator[str]:
    """Yield a file's base64 text in pieces (chunk_size is rounded to a multiple of 3 bytes).

    Joining the pieces gives exactly ``to_base64(file bytes)``, but the file's bytes and
    their base64 text are never both held whole: useful for streaming a large request body.
    """
    size = max(3, chunk_size - chunk_size % 3)
    for _, chunk in iter_chunks(path, size):
        yield to_base64(chunk)


def image_size(data: bytes) -> tuple[int, int]:
    """(width, height) of an encoded image."""
    from PIL import Image

    with Image.open(io.BytesIO(data)) as img:
        return img.size


def resize_image(
    source: str | Path | bytes,
    *,
    max_edge: int | None = None,
    max_bytes: int | None = None,
    format: str = "JPEG",
    quality: int = 85,
) -> bytes:
    """Shrink an image so its long edge is at most ``max_edge`` px and its file at most ``max_bytes``.

    Keeps the aspect ratio and never enlarges. If the bytes limit is still exceeded, lowers the
    JPEG quality, then the size, step by step. Returns the encoded bytes.
    """
    from PIL import Image

    data = read_bytes(source) if isinstance(source, (str, Path)) else bytes(source)
    with Image.open(io.BytesIO(data)) as opened:
        img = opened.convert("RGB") if format.upper() == "JPEG" else opened.copy()
    if max_edge and max(img.size) > max_edge:
        img.thumbnail((max_edge, max_edge), Image.Resampling.LANCZOS)
    for _ in range(40):
        buffer = io.BytesIO()
        img.save(buffer, format=format, quality=quality, optimize=True)
        out = buffer.getvalue()
        if max_bytes is None or len(out) <= max_bytes:
            return out
        if format.upper() == "JPEG" and quality > 40:
            quality -= 10
        else:
            img = img.resize((max(1, int(img.width * 0.8)), max(1, int(img.height * 0.8))))
    raise EncodingError(f"could not bring the image under {max_bytes:,} bytes; crop it first.")


def check_size(size_bytes: int, limit_bytes: int, what: str, provider: str, fix: str) -> None:
    """Raise an EncodingError naming the limit and the fix when ``size_bytes`` exceeds it."""
    if size_bytes > limit_bytes:
        raise EncodingError(
            f"{what} is {size_bytes / 1e6:.1f} MB; {provider} accepts up to "
            f"{limit_bytes / 1e6:.1f} MB: {fix}"
        )
