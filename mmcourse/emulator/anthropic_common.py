"""What Anthropic's emulator modules share (the wire, caching, URLs, batches): its name, error
envelopes, location style, timestamps and list paging."""

from __future__ import annotations

import time

from mmcourse.emulator.strict import parse_int
from mmcourse.emulator.wire import (
    ApiError,
    Call,
)
from mmcourse.providers import anthropic as anthropic_provider

NAME = "anthropic"
FACTS = anthropic_provider.WIRE_FACTS  # limits and allow-lists shared with the client


def _error(status: int, message: str, type: str = "invalid_request_error") -> ApiError:
    return ApiError(status, message, type=type)


def _invalid(message: str) -> ApiError:
    return _error(400, message)


def _loc(*parts: object) -> str:
    """Anthropic's location style: ``messages.0.content.1.image.source.base64.data``."""
    return ".".join(str(p) for p in parts)


def _rfc3339(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(seconds))


def _page(call: Call, items: list[dict]) -> dict:
    """Anthropic list paging: ``limit`` (1-1000, default 20), ``after_id``, ``before_id``."""
    limit = parse_int(call.query.get("limit", "20"))
    if limit is None:
        raise _invalid("limit: Input should be a valid integer")
    if not 1 <= limit <= 1000:
        raise _invalid("limit: Input should be greater than or equal to 1 and less than or equal to 1000")
    ids = [x["id"] for x in items]
    if call.query.get("after_id") in ids:
        items = items[ids.index(call.query["after_id"]) + 1:]
    elif call.query.get("before_id") in ids:
        items = items[:ids.index(call.query["before_id"])][-limit:]
    page = items[:limit]
    return {"data": page, "has_more": len(items) > limit,
            "first_id": page[0]["id"] if page else None, "last_id": page[-1]["id"] if page else None}
