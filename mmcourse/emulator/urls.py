"""URL inputs offline: the emulator serves the course data at its own origin and "fetches" only there.

The real APIs download an ``https://`` image or document themselves (OpenAI ``image_url`` /
``input_image.image_url`` / ``input_file.file_url``, Anthropic ``source: {"type": "url"}``,
Gemini ``fileData.fileUri``). The emulator has no network, so it serves ``data/`` at
``<origin>/_mmcourse/data/<path>`` (``GET`` it in a browser or with ``requests``) and resolves a
URL of that form from disk: same bytes, same answer as sending them inline. Any other URL gets
the provider's own download error, because that is what a learner sees when the real provider
cannot reach a URL (wording below, from real responses quoted in public issues, 2025-2026).
"""

from __future__ import annotations

import mimetypes
import urllib.parse
from dataclasses import dataclass
from pathlib import Path

from starlette.requests import Request
from starlette.responses import Response

from mmcourse import datasets
from mmcourse.emulator.media import sniff

DATA_PREFIX = "/_mmcourse/data/"
LOOPBACK = ("127.0.0.1", "localhost", "::1", "[::1]")


@dataclass(frozen=True)
class Fetched:
    """The bytes behind a course-data URL."""

    data: bytes
    mime: str
    name: str


def data_url_for(origin: str, rel: str) -> str:
    """The URL at which an emulator at ``origin`` serves the course file ``rel``.

    >>> data_url_for("http://127.0.0.1:8765", "photos/coffee.jpg")
    'http://127.0.0.1:8765/_mmcourse/data/photos/coffee.jpg'
    """
    return origin.rstrip("/") + DATA_PREFIX + urllib.parse.quote(rel.removeprefix("data/"))


def course_file(url: str, origin: str) -> Path | None:
    """The course file a URL names, when it is this emulator's data URL (else None)."""
    parts = urllib.parse.urlsplit(url)
    mine = urllib.parse.urlsplit(origin)
    same_port = (parts.port or _default_port(parts.scheme)) == (mine.port or _default_port(mine.scheme))
    same_host = parts.hostname == mine.hostname or (parts.hostname in LOOPBACK and mine.hostname in LOOPBACK)
    if not (same_host and same_port and parts.path.startswith(DATA_PREFIX)):
        return None
    rel = urllib.parse.unquote(parts.path[len(DATA_PREFIX):])
    try:
        target = datasets.path(rel)
    except (ValueError, FileNotFoundError):
        return None
    return target if target.is_file() else None


def fetch(call, url: str) -> Fetched | None:
    """The bytes behind ``url`` for a request ``call`` (None: the real API's download would fail)."""
    target = course_file(url, call.origin) if isinstance(url, str) else None
    if target is None:
        return None
    data = target.read_bytes()
    return Fetched(data, sniff(data) or mimetypes.guess_type(target.name)[0] or "application/octet-stream",
                   target.name)


def _default_port(scheme: str) -> int:
    return 443 if scheme == "https" else 80


# -- each provider's download failure --------------------------------------------------------
def openai_download_error(url: str) -> str:
    """OpenAI's 400 ``invalid_image_url`` text (openai/openai-python #2776, 2025-12)."""
    return f"Error while downloading {url[:500]}."


# Anthropic's 400 for a URL it could not download (real responses quoted in many public
# clients, 2025-2026; the same text arrives in Message Batch results).
ANTHROPIC_DOWNLOAD_ERROR = "Unable to download the file. Please verify the URL and try again."
# Gemini's 400 INVALID_ARGUMENT for a fileUri it cannot fetch (googleapis/js-genai#1385, 2026).
GEMINI_FETCH_ERROR = "Cannot fetch content from the provided URL."


def anthropic_media(call, url: str):
    """The media behind an Anthropic ``{"type": "url"}`` source, or Anthropic's 400."""
    from mmcourse.emulator.anthropic_common import _invalid
    from mmcourse.emulator.media import Media

    fetched = fetch(call, url)
    if fetched is None:
        raise _invalid(ANTHROPIC_DOWNLOAD_ERROR)
    return Media(mime=fetched.mime, data=fetched.data, name=fetched.name)


def gemini_media(call, uri: str):
    """The media behind a Gemini ``fileData.fileUri`` that is an https URL, or Gemini's 400."""
    from mmcourse.emulator.gemini_common import _invalid
    from mmcourse.emulator.media import Media

    fetched = fetch(call, uri)
    if fetched is None:
        raise _invalid(GEMINI_FETCH_ERROR)
    return Media(mime=fetched.mime, data=fetched.data, name=fetched.name)


# -- serving the data ------------------------------------------------------------------------
async def serve_data(request: Request) -> Response:
    """``GET /_mmcourse/data/<path>``: a course file's bytes (404 for anything else)."""
    rel = request.path_params["path"]
    try:
        target = datasets.path(rel)
    except (ValueError, FileNotFoundError) as exc:
        return Response(f"{exc}\n".encode(), status_code=404, media_type="text/plain")
    if not target.is_file():
        return Response(f"{rel} is a folder, not a course file\n".encode(), status_code=404,
                        media_type="text/plain")
    data = target.read_bytes()
    mime = sniff(data) or mimetypes.guess_type(target.name)[0] or "application/octet-stream"
    return Response(data, media_type=mime)
