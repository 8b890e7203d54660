"""A made-up fourth provider, "echo", as a course provider module: its wire facts, its request
builder and its parsers. Nothing else in mmcourse knows it; ``providers.register`` adds it.

Its wire format: ``POST {base}/echo/v1/answer`` with ``x-echo-key``, a body
``{"model", "input": [{"text": ...} | {"image": {"mime", "base64"}}], "max_tokens"}``; the answer
``{"id", "model", "output", "done", "usage": {"in", "out"}}``; an error
``{"problem": {"kind", "detail"}}``.
"""

from __future__ import annotations

from typing import Any

from mmcourse.providers.base import (
    DEFAULT_OPTIONS,
    Answer,
    APIError,
    HttpRequest,
    Media,
    Options,
    Part,
    Text,
    Usage,
    WireFacts,
    retry_after_from_headers,
)

NAME = "echo"
KEY_ENV_VARS = ("ECHO_API_KEY",)
BASE_URL_ENV = "ECHO_BASE_URL"
DEFAULT_BASE_URL = "https://api.echo.invalid"
ANSWER_PATH = '["output"]'
WIRE_FACTS = WireFacts(image_mimes=("image/png", "image/jpeg"), document_mimes=(),
                       max_request_bytes=1024 * 1024, max_images=2)


def build_request(model: str, parts: list[Part], options: Options = DEFAULT_OPTIONS, *,
                  base_url: str, api_key: str) -> HttpRequest:
    """One answer request: text parts and inline images, in order."""
    items: list[dict[str, Any]] = []
    for part in parts:
        if isinstance(part, Text):
            items.append({"text": part.text})
        elif isinstance(part, Media):
            items.append({"image": {"mime": part.mime, "base64": part.b64}})
        else:
            raise ValueError(f"echo takes text and inline images, not {type(part).__name__}")
    body = {"model": model, "input": items, "max_tokens": options.max_output_tokens}
    headers = {"x-echo-key": api_key, "content-type": "application/json"}
    return HttpRequest("POST", f"{base_url.rstrip('/')}/echo/v1/answer", headers, body, NAME)


def parse_response(body: dict[str, Any]) -> Answer:
    usage = body.get("usage") or {}
    return Answer(NAME, body.get("model", ""), body.get("output", ""),
                  Usage(usage.get("in", 0), usage.get("out", 0)), body.get("done"), body)


def parse_error(status: int, headers: dict[str, str], body: Any) -> APIError:
    problem = body.get("problem") if isinstance(body, dict) else None
    if not isinstance(problem, dict):
        return APIError(NAME, status, "http_error", str(body)[:300], retry_after_from_headers(headers), body)
    return APIError(NAME, status, str(problem.get("kind", "error")), str(problem.get("detail", "")),
                    retry_after_from_headers(headers), body)


def stream_delta(event: str | None, data: dict[str, Any]) -> str | None:
    """Echo does not stream; a delta is never sent."""
    return None
