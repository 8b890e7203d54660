"""Uploading media through each provider's file API, for files too big (or too reused) to inline.

- Gemini: the resumable protocol (its requests are built in ``mmcourse.providers.gemini``): a
  ``start`` request returns an upload URL, the bytes follow in chunks with
  ``X-Goog-Upload-Offset``, the last chunk says ``upload, finalize``; videos are ``PROCESSING``
  until ``ACTIVE`` and cannot be used before.
- OpenAI: ``POST /v1/files`` (multipart, ``purpose=user_data``) returns ``file-...``.
- Anthropic: ``POST /v1/files`` with the ``files-api-2025-04-14`` beta header returns ``file_...``.

Each returns a ``FileRef`` that ``ask`` and the payload builders accept like inline media.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from . import providers
from .client import Client, default_client
from .encoding import detect_mime, iter_chunks, read_bytes
from .providers.base import APIError, FileRef
from .session import ensure_provider

GEMINI_CHUNK = providers.gemini.UPLOAD_CHUNK


def _check(provider: str, response) -> Any:
    if response.status_code != 200:  # the File API answers exactly 200 on success
        try:
            body = response.json()
        except ValueError:
            body = response.text
        raise providers.get(provider).parse_error(response.status_code, dict(response.headers), body)
    return response.json() if response.content else {}


def upload_gemini(
    path: str | Path,
    *,
    display_name: str | None = None,
    chunk_size: int = GEMINI_CHUNK,
    wait_active: bool = True,
    poll_seconds: float = 0.5,
    timeout: float = 120.0,
    client: Client | None = None,
) -> dict[str, Any]:
    """Upload a file to the Gemini File API in chunks; return the File (``name``, ``uri``, ``state``)."""
    cfg = ensure_provider("gemini")
    session = (client or default_client()).session
    path = Path(path)
    size = path.stat().st_size
    with open(path, "rb") as handle:
        mime = detect_mime(handle.read(64), path)
    start = providers.gemini.upload_start_request(cfg.base_url, cfg.api_key, size, providers.gemini.wire_mime(mime),
                                 display_name or path.name)
    response = session.post(start.url, headers=start.headers, json=start.json, timeout=30)
    _check("gemini", response)
    upload_url = response.headers.get("x-goog-upload-url")
    if not upload_url:
        raise APIError("gemini", response.status_code, "NO_UPLOAD_URL", "the start request returned no upload URL")
    result: dict[str, Any] = {}
    for offset, chunk in iter_chunks(path, chunk_size):
        last = offset + len(chunk) >= size
        headers = providers.gemini.upload_chunk_headers(cfg.api_key, offset, len(chunk), last)
        result = _check("gemini", session.post(upload_url, headers=headers, data=chunk, timeout=120))
    file = result.get("file", result)
    return wait_until_active(file["name"], poll_seconds, timeout, client) if wait_active else file


def gemini_file(name: str, client: Client | None = None) -> dict[str, Any]:
    """The current File resource (``GET /v1beta/files/{id}`` returns it bare, not wrapped)."""
    cfg = ensure_provider("gemini")
    url = f"{cfg.base_url.rstrip('/')}/{providers.gemini.API_VERSION}/{name}"
    response = (client or default_client()).session.get(url, headers={"x-goog-api-key": cfg.api_key}, timeout=30)
    return _check("gemini", response)


def wait_until_active(name: str, poll_seconds: float = 0.5, timeout: float = 120.0,
                      client: Client | None = None) -> dict[str, Any]:
    """Poll a Gemini file until it is ACTIVE (videos are PROCESSING first); raise if it FAILED."""
    deadline = time.monotonic() + timeout
    while True:
        file = gemini_file(name, client)
        state = file.get("state")
        if state == "ACTIVE":
            return file
        if state == "FAILED":
            raise APIError("gemini", 200, "FAILED", f"{name} failed processing: {file.get('error')}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"{name} still {state} after {timeout:.0f} s: try again later.")
        time.sleep(poll_seconds)


def upload_multipart(provider: str, path: str | Path, *, purpose: str = "user_data",
                     client: Client | None = None) -> dict[str, Any]:
    """Upload to OpenAI's or Anthropic's ``/v1/files`` (multipart form); return the file object."""
    cfg = ensure_provider(provider)
    path = Path(path)
    data = read_bytes(path)
    mime = detect_mime(data, path)
    url, headers, form = providers.get(provider).files_upload_target(cfg.base_url, cfg.api_key, purpose)
    response = (client or default_client()).session.post(
        url, headers=headers, data=form, files={"file": (path.name, data, mime)}, timeout=120)
    return _check(provider, response)


def upload(provider: str, path: str | Path, **kwargs: Any) -> FileRef:
    """Upload ``path`` with ``provider``'s file API and return a FileRef to use in ``ask``."""
    if provider not in UPLOADERS:
        raise ValueError(f"{provider!r} has no file API in this course; use one of {sorted(UPLOADERS)}.")
    with open(path, "rb") as handle:
        mime = detect_mime(handle.read(64), path)
    return FileRef(UPLOADERS[provider](provider, path, **kwargs), mime)


def _gemini_uri(provider: str, path: str | Path, **kwargs: Any) -> str:
    return upload_gemini(path, **kwargs)["uri"]


def _file_id(provider: str, path: str | Path, **kwargs: Any) -> str:
    return upload_multipart(provider, path, **kwargs)["id"]


# Gemini refers to uploads by URI, OpenAI and Anthropic by file id.
UPLOADERS = {"gemini": _gemini_uri, "openai": _file_id, "anthropic": _file_id}
