"""Reading request bodies within a route's limit, and refusing the rest without reading it.

- A ``Content-Length`` over the limit is refused before a byte of the body is read.
- A body without one (chunked) is read until it passes the limit, then cut.
- Either way the connection is then closed (``connection: close``) after a short, bounded drain
  (at most ``DRAIN_BYTES`` discarded, for at most ``DRAIN_SECONDS``), which lets an ordinary
  client that sends its whole body before reading read the refusal instead of a reset.
  Nothing drained is kept: memory stays flat whatever a client sends.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

ADMIN_BODY_LIMIT = 1024 * 1024
# A refused body is read and discarded up to this much, for this long, before the connection closes.
DRAIN_BYTES = 64 * 1024 * 1024
DRAIN_SECONDS = 10.0  # generous: on a loaded 2-core machine a client can take seconds to push 32 MB
# More digits than this in Content-Length: a number no route accepts (no int() of it needed).
_MAX_LENGTH_DIGITS = 15


@dataclass
class Body:
    """A request body as far as it was read."""

    data: bytes = b""
    too_large: bool = False
    complete: bool = True  # the client's whole body was received (the connection can be reused)
    received: int = 0
    declared: int | None = None  # Content-Length, None when absent; -1 when absurdly large


def declared_length(headers) -> int | None:
    """``Content-Length`` as an int (None when absent; -1 when it has too many digits to matter)."""
    value = headers.get("content-length")
    if value is None:
        return None
    value = value.strip()
    if not (value.isascii() and value.isdigit()):
        return None  # the HTTP server refuses such a request before the app sees it
    return -1 if len(value) > _MAX_LENGTH_DIGITS else int(value)


def unread(headers) -> Body:
    """The body of a request refused before reading: complete only if there is none to read."""
    declared = declared_length(headers)
    has_body = (declared not in (None, 0)) or "chunked" in headers.get("transfer-encoding", "").lower()
    return Body(complete=not has_body, declared=declared)


async def read_body(request, limit: int) -> Body:
    """The whole body when it fits in ``limit`` bytes; else ``too_large`` with nothing kept."""
    declared = declared_length(request.headers)
    if declared is not None and (declared < 0 or declared > limit):
        return Body(too_large=True, complete=False, declared=declared)
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await request.receive()
        if message["type"] == "http.disconnect":
            return Body(b"".join(chunks), complete=False, received=size, declared=declared)
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > limit:
            return Body(too_large=True, complete=False, received=size, declared=declared)
        chunks.append(chunk)
        if not message.get("more_body", False):
            return Body(b"".join(chunks), received=size, declared=declared)


async def drain(request, body: Body) -> None:
    """Discard what is left of a refused body, within the drain budget (then the caller closes)."""
    if body.complete:
        return
    if body.declared is not None and (body.declared < 0 or body.declared - body.received > DRAIN_BYTES):
        return  # too much to wait for: close at once
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DRAIN_SECONDS
    budget = DRAIN_BYTES
    while budget > 0:
        remaining = deadline - loop.time()
        if remaining <= 0:
            return
        try:
            message = await asyncio.wait_for(request.receive(), remaining)
        except TimeoutError:
            return
        if message["type"] == "http.disconnect":
            return
        budget -= len(message.get("body", b""))
        if not message.get("more_body", False):
            body.complete = True
            return
