"""OpenAI Chat Completions: build the request, parse the answer, the error and the stream.

Wire facts (OpenAI OpenAPI spec, 2026-08; openai-python source): ``POST {base}/chat/completions``
with ``Authorization: Bearer <key>``; inline images are ``image_url`` parts holding a *data URL*;
audio is an ``input_audio`` part (raw base64 + ``format``) for audio models only; PDFs are ``file``
parts with a data URL in ``file_data`` (or a ``file_id``). The answer is at
``choices[0].message.content``; errors are ``{"error": {message, type, param, code}}``.
"""

from __future__ import annotations

from typing import Any

from ..encoding import data_url
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

NAME = "openai"
DEFAULT_BASE_URL = "https://api.openai.com/v1"
KEY_ENV_VARS = ("OPENAI_API_KEY",)
BASE_URL_ENV = "OPENAI_BASE_URL"
ANSWER_PATH = "choices[0].message.content"
AUTH = "Authorization: Bearer <key>"
MEDIA_FIELD = "image_url.url = data:<mime>;base64,<...>"

WIRE_FACTS = WireFacts(
    image_mimes=("image/png", "image/jpeg", "image/gif", "image/webp"),
    audio_formats={"audio/wav": "wav", "audio/mpeg": "mp3"},
    document_mimes=("application/pdf",),
    # OpenAI images-and-vision guide, 2026: up to 512 MB per request and 1,500 images; the
    # older 20 MB per image became 50 MB (2026 states only the request cap).
    max_request_bytes=512 * 1024 * 1024,
    max_images=1500,
    max_image_bytes=50 * 1024 * 1024,
)


def _content_part(part: Part, options: Options) -> dict[str, Any]:
    if isinstance(part, Text):
        return {"type": "text", "text": part.text}
    if isinstance(part, FileRef):
        return {"type": "file", "file": {"file_id": part.ref}}
    if part.mime in WIRE_FACTS.image_mimes:
        image: dict[str, Any] = {"url": data_url(part.mime, part.b64)}
        if options.detail:
            image["detail"] = options.detail
        return {"type": "image_url", "image_url": image}
    if part.mime in WIRE_FACTS.audio_formats:
        # input_audio takes raw base64 (no data: prefix) and a format name.
        return {
            "type": "input_audio",
            "input_audio": {"data": part.b64, "format": WIRE_FACTS.audio_formats[part.mime]},
        }
    if part.mime in WIRE_FACTS.document_mimes:
        return {
            "type": "file",
            "file": {"filename": part.name or "document.pdf", "file_data": data_url(part.mime, part.b64)},
        }
    raise ValueError(
        f"OpenAI Chat Completions does not take {part.mime} inline; "
        "send images, WAV/MP3 audio (audio models) or PDFs, or sample video frames first."
    )


def build_body(model: str, parts: list[Part], options: Options = DEFAULT_OPTIONS) -> dict[str, Any]:
    """The JSON body of a chat completion request."""
    messages: list[dict[str, Any]] = []
    if options.system:
        messages.append({"role": "system", "content": options.system})
    messages.append({"role": "user", "content": [_content_part(p, options) for p in parts]})
    body: dict[str, Any] = {"model": model, "messages": messages}
    # max_tokens is deprecated and rejected by reasoning models (GPT-5, o-series):
    # max_completion_tokens works for every current model.
    body["max_completion_tokens"] = options.max_output_tokens
    if options.temperature is not None:
        body["temperature"] = options.temperature
    if options.json:
        body["response_format"] = {"type": "json_object"}
    if options.stream:
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}
    body.update(options.extra)
    return body


def build_request(
    model: str, parts: list[Part], options: Options = DEFAULT_OPTIONS, *, base_url: str, api_key: str
) -> HttpRequest:
    """A ready-to-send chat completion request."""
    return _post(base_url, "chat/completions", api_key, build_body(model, parts, options))


def _post(base_url: str, path: str, api_key: str, body: dict[str, Any]) -> HttpRequest:
    """A JSON POST to ``{base_url}/{path}`` with OpenAI's bearer auth (both wire formats')."""
    return HttpRequest(
        "POST",
        f"{base_url.rstrip('/')}/{path}",
        {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"},
        body,
        NAME,
    )


def parse_response(body: dict[str, Any]) -> Answer:
    """Text, usage and finish reason from a ``chat.completion`` (or a Responses ``response``) object."""
    if body.get("object") == "response":
        return parse_responses_response(body)
    choice = body["choices"][0]
    usage = body.get("usage") or {}
    return Answer(
        NAME,
        body.get("model", ""),
        choice["message"].get("content") or "",
        Usage(usage.get("prompt_tokens", 0), usage.get("completion_tokens", 0)),
        choice.get("finish_reason"),
        body,
    )


def parse_error(status: int, headers: dict[str, str], body: Any) -> APIError:
    """An APIError from OpenAI's ``{"error": {...}}`` envelope and its retry headers (kind: code, else type)."""
    return error_from_envelope(NAME, status, headers, body, ("code", "type"))


def stream_delta(event: str | None, data: dict[str, Any]) -> str | None:
    """The text in one ``chat.completion.chunk`` (None for role, finish and usage chunks).

    A failure after the stream started arrives as a ``data:`` line holding ``{"error": ...}``
    with HTTP status 200 already sent: raise it as the APIError it is. Responses API events are
    told apart by their name (``event: response.output_text.delta``).
    """
    if event == "error" or data.get("type") == "error":  # the Responses API's in-stream error
        raise parse_error(200, {}, {"error": data})
    if event is not None and event.startswith("response."):
        return responses_stream_delta(event, data)
    if "error" in data:
        raise parse_error(200, {}, data)
    choices = data.get("choices") or []
    if not choices:
        return None
    return (choices[0].get("delta") or {}).get("content") or None



def files_upload_target(base_url: str, api_key: str, purpose: str = "user_data") -> tuple[str, dict, dict]:
    """(URL, headers, form fields) for ``POST /v1/files``; PDFs for chat use purpose ``user_data``."""
    return f"{base_url.rstrip('/')}/files", {"Authorization": f"Bearer {api_key}"}, {"purpose": purpose}


# -- the Responses API: the same provider, a second wire format --------------------------------
# POST {base}/responses (OpenAPI CreateResponse, 2026-08). Differences from Chat Completions:
# ``input`` items instead of ``messages``, ``instructions`` for the system text, parts named
# input_text / input_image (``image_url`` is a plain data-URL *string*) / input_file,
# ``max_output_tokens`` (minimum 16), ``text.format`` instead of ``response_format``, and the
# answer in the ``output_text`` parts of the ``message`` items of ``output`` (not a fixed path:
# ``output[0]`` is a ``reasoning`` item on reasoning models; ``parse_responses_response`` walks the
# list). The JSON has no ``output_text`` field; that is an SDK-only property. The Responses API
# takes no audio input.
RESPONSES_MIN_OUTPUT_TOKENS = 16


def _responses_part(part: Part, options: Options) -> dict[str, Any]:
    if isinstance(part, Text):
        return {"type": "input_text", "text": part.text}
    if isinstance(part, FileRef):
        kind = "input_image" if part.mime.startswith("image/") else "input_file"
        return {"type": kind, "file_id": part.ref}
    if part.mime in WIRE_FACTS.image_mimes:
        image: dict[str, Any] = {"type": "input_image", "image_url": data_url(part.mime, part.b64)}
        if options.detail:
            image["detail"] = options.detail
        return image
    if part.mime in WIRE_FACTS.document_mimes:
        return {"type": "input_file", "filename": part.name or "document.pdf",
                "file_data": data_url(part.mime, part.b64)}
    if part.mime in WIRE_FACTS.audio_formats:
        raise ValueError(
            "The Responses API takes no audio input: transcribe the audio first "
            "(POST /v1/audio/transcriptions) or use api='chat' with an audio model."
        )
    raise ValueError(
        f"The OpenAI Responses API does not take {part.mime} inline; send images or PDFs, "
        "or sample video frames first."
    )


def build_responses_body(model: str, parts: list[Part], options: Options = DEFAULT_OPTIONS) -> dict[str, Any]:
    """The JSON body of a Responses API request (``POST /v1/responses``)."""
    if options.max_output_tokens < RESPONSES_MIN_OUTPUT_TOKENS:
        raise ValueError(f"max_output_tokens={options.max_output_tokens}: the Responses API needs at "
                         f"least {RESPONSES_MIN_OUTPUT_TOKENS}.")
    body: dict[str, Any] = {
        "model": model,
        "input": [{"role": "user", "content": [_responses_part(p, options) for p in parts]}],
        "max_output_tokens": options.max_output_tokens,
    }
    if options.system:
        body["instructions"] = options.system
    if options.temperature is not None:
        body["temperature"] = options.temperature
    if options.json:
        body["text"] = {"format": {"type": "json_object"}}
    if options.stream:
        body["stream"] = True
    body.update(options.extra)
    return body


def build_responses_request(
    model: str, parts: list[Part], options: Options = DEFAULT_OPTIONS, *, base_url: str, api_key: str
) -> HttpRequest:
    """A ready-to-send Responses API request."""
    return _post(base_url, "responses", api_key, build_responses_body(model, parts, options))


def parse_responses_response(body: dict[str, Any]) -> Answer:
    """Text, usage and finish reason from a Responses ``response`` object.

    The text joins every ``output_text`` of every ``message`` item (what the SDKs'
    ``output_text`` property does); the finish reason is ``status``, or the incomplete reason.
    """
    texts = [
        part.get("text", "")
        for item in body.get("output") or []
        if item.get("type") == "message"
        for part in item.get("content") or []
        if part.get("type") == "output_text"
    ]
    usage = body.get("usage") or {}
    reason = (body.get("incomplete_details") or {}).get("reason") or body.get("status")
    return Answer(
        NAME,
        body.get("model", ""),
        "".join(texts),
        Usage(usage.get("input_tokens", 0), usage.get("output_tokens", 0)),
        reason,
        body,
    )


def responses_stream_delta(event: str | None, data: dict[str, Any]) -> str | None:
    """The text in one Responses stream event (only ``response.output_text.delta`` carries some)."""
    if (event or data.get("type")) == "response.output_text.delta":
        return data.get("delta") or None
    return None


# Which wire format ``mmcourse.ask(..., api=...)`` speaks to this provider.
APIS = {"chat": build_request, "responses": build_responses_request}
DEFAULT_API = "chat"
