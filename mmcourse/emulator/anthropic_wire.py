"""Anthropic's wire format: Messages (plain and streamed), token counting, Models and Files (beta).

Shapes follow the official anthropic SDK types (Message, Usage, streaming events, ModelInfo,
FileMetadata; 2025-10 .. 2026-08) and Anthropic's errors page. Validation messages copy the
real API's pydantic-style wording (``messages.0.content.1.image.source.base64.media_type:
Input should be ...``) as observed in public issues; wording marked UNCONFIRMED follows suit.
"""

from __future__ import annotations

import base64
import hashlib
import re
import time
from typing import Any

from mmcourse import tokens
from mmcourse.emulator import anthropic_tools, caching, urls
from mmcourse.emulator import models as served_models
from mmcourse.emulator.anthropic_common import (
    FACTS,
    NAME,
    _error,
    _invalid,
    _page,
    _rfc3339,
)
from mmcourse.emulator.batch_wires import AnthropicBatches
from mmcourse.emulator.generate import NO_THOUGHTS, compose, truncate_to_tokens, usage_for
from mmcourse.emulator.media import Media
from mmcourse.emulator.state import Fault, StoredFile, StoreFull
from mmcourse.emulator.tools import answer_after_results, choose_tool_calls
from mmcourse.emulator.wire import (
    ApiError,
    BadJson,
    Call,
    Reply,
    decode_std_base64,
    file_routes,
    parse_json,
    parse_multipart,
    retry_after_headers,
    sse,
    stable_token,
    word_chunks,
)

BODY_LIMIT = FACTS.max_request_bytes  # Messages API request limit (Anthropic errors page)
UPLOAD_LIMIT = 128 * 1024 * 1024  # real: 500 MB per file; emulator memory cap
VERSIONS = ("2023-06-01",)
FILES_BETA = "files-api-2025-04-14"  # sent by 2025-2026 SDKs; no longer required
IMAGE_TYPES = FACTS.image_mimes
MAX_IMAGE_BASE64 = FACTS.max_image_b64_bytes
MAX_PIXELS, MAX_PIXELS_MANY, MANY_IMAGES = FACTS.max_image_edge, FACTS.max_image_edge_many, FACTS.many_images
MAX_PDF_PAGES = FACTS.max_pdf_pages
# Content-block tags the Messages API accepts (as listed in its own error message, 2026-01).
BLOCK_TAGS = ("document", "image", "redacted_thinking", "search_result", "server_tool_use",
              "text", "thinking", "tool_result", "tool_use", "web_search_tool_result")
KNOWN_PARAMS = frozenset(
    "model messages max_tokens system metadata stop_sequences stream temperature top_k top_p "
    "tools tool_choice thinking service_tier container mcp_servers context_management "
    "output_format output_config inference_geo cache_control betas".split()
)
# output_config.effort levels each model takes (effort docs 2025-11 .. 2026; the per-model
# lists for Opus 4.7+ / Sonnet 5 are UNCONFIRMED and follow the SDK's EffortLevel literal).
EFFORT_LEVELS = ("low", "medium", "high", "xhigh", "max")
MODEL_EFFORTS = {
    "claude-opus-4-5": ("high", "low", "medium"),
    "claude-opus-4-6": ("high", "low", "max", "medium"),
    "claude-sonnet-4-6": ("high", "low", "max", "medium"),
}
# usage.inference_geo: "not_available" for models before the 2026 geo routing, "global" after
# (real bodies: claude-sonnet-4-5 vs claude-sonnet-4-6 / claude-sonnet-5, pydantic-ai, 2026).
GEO_BEFORE_2026 = ("claude-haiku-4-5", "claude-sonnet-4-5", "claude-opus-4-5")
DEFAULT_RPM = 4_000
DEFAULT_TOKENS = 2_000_000
# Fault statuses -> (error.type, message); types from Anthropic's errors page (2026).
FAULTS = {
    500: ("api_error", "Internal server error"),
    502: ("api_error", "Bad gateway"),
    503: ("api_error", "Service unavailable"),
    504: ("timeout_error", "Request timed out"),
    529: ("overloaded_error", "Overloaded"),
}








def _tags(tags: tuple[str, ...]) -> str:
    return ", ".join(f"'{t}'" for t in tags)


def _or_list(values: tuple[str, ...]) -> str:
    quoted = [f"'{v}'" for v in values]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + f" or {quoted[-1]}"




class AnthropicWire:
    """The Anthropic provider as the app sees it (see app.py for the protocol)."""

    name = NAME
    owns_paths = (r"/v1/messages(/.*)?",)
    marker_headers = ("x-api-key", "anthropic-version", "anthropic-beta")

    def __init__(self) -> None:

        self.routes = [
            ("POST", "/v1/messages", self.messages, BODY_LIMIT),
            *AnthropicBatches(self, BODY_LIMIT).routes,
            ("POST", "/v1/messages/count_tokens", self.count_tokens, BODY_LIMIT),
            ("GET", "/v1/models", self.list_models, BODY_LIMIT),
            ("GET", "/v1/models/{model}", self.get_model, BODY_LIMIT),
            *file_routes(self, BODY_LIMIT, UPLOAD_LIMIT),
        ]

    # -- protocol --------------------------------------------------------------------------
    def api_key(self, call: Call) -> str | None:
        key = call.header("x-api-key")
        if key:
            return key.strip()
        scheme, _, token = (call.header("authorization") or "").partition(" ")
        return token.strip() or None if scheme.lower() == "bearer" else None

    def authenticate(self, call: Call) -> None:
        key = self.api_key(call)
        if key is None:
            raise _error(401, "x-api-key header is required", "authentication_error")
        if "invalid" in key:  # the emulator's documented way to show a wrong-key error
            message = "invalid x-api-key" if call.header("x-api-key") else "Invalid bearer token"
            raise _error(401, message, "authentication_error")
        version = call.header("anthropic-version")
        if not version:
            raise _error(400, "anthropic-version: header is required")
        # SDKs send dated versions (2023-06-01 for years; newer SDKs newer dates): accept any
        # date, refuse anything else (wording UNCONFIRMED).
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", version.strip()):
            raise _error(400, f"anthropic-version: invalid version {version!r}; send a dated "
                              f"version such as {VERSIONS[0]}")

    def error_reply(self, err: ApiError, call: Call) -> Reply:
        inner = {"type": err.type or "invalid_request_error", "message": err.message}
        if err.edge:  # the edge's 413 has no top-level type and no request_id (real body, 2025)
            return Reply({"error": inner}, status=err.status, headers=err.headers)
        body = {"type": "error", "error": inner, "request_id": call.request_id}
        return Reply(body, status=err.status, headers=err.headers)

    def bad_json(self, call: Call, reason: str) -> ApiError:
        return _invalid(f"The request body is not valid JSON: {reason}")  # wording UNCONFIRMED

    def too_large(self, call: Call, limit: int) -> ApiError:
        # The edge answers before the API does (errors page), in its own bare shape (real 413
        # quoted in anthropics/claude-code#8184, 2025).
        return ApiError(413, "Request exceeds the maximum size", type="request_too_large", edge=True)

    def no_route(self, call: Call) -> ApiError:
        return _error(404, "Not Found", "not_found_error")

    def fault(self, call: Call, fault: Fault) -> ApiError:
        status, retry_after = fault.status, fault.retry_after
        if status == 429:
            err = self.rate_limited(call, None, retry_after or 1.0)
        else:
            type_, message = FAULTS.get(status, FAULTS[500])
            err = _error(status, message, type_)
        if retry_after is not None:
            err.headers.update(retry_after_headers(retry_after))
        return err

    def rate_limited(self, call: Call, limit: int | None, reset: float) -> ApiError:
        what = f"of {limit} requests per minute" if limit else "on requests per minute"
        err = _error(
            429,
            f"This request would exceed the rate limit for your organization {what}. For details, "
            "refer to: https://docs.claude.com/en/api/rate-limits. You can see the response "
            "headers for current usage. Please try again later.",
            "rate_limit_error",
        )
        err.headers.update(retry_after_headers(reset))
        if limit:
            err.headers.update(self._rate_headers(limit, 0, reset))
        return err

    def headers(self, call: Call, rate: tuple[int | None, int, float]) -> dict:
        limit, remaining, reset = rate
        return {"request-id": call.request_id,
                **self._rate_headers(limit or DEFAULT_RPM, remaining if limit else DEFAULT_RPM - 1, reset)}

    @staticmethod
    def _rate_headers(limit: int, remaining: int, reset: float) -> dict:
        reset_at = _rfc3339(time.time() + reset)
        out = {"anthropic-ratelimit-requests-limit": str(limit),
               "anthropic-ratelimit-requests-remaining": str(max(0, remaining)),
               "anthropic-ratelimit-requests-reset": reset_at}
        for kind in ("tokens", "input-tokens", "output-tokens"):
            out[f"anthropic-ratelimit-{kind}-limit"] = str(DEFAULT_TOKENS)
            out[f"anthropic-ratelimit-{kind}-remaining"] = str(DEFAULT_TOKENS)
            out[f"anthropic-ratelimit-{kind}-reset"] = _rfc3339(time.time())
        return out

    def new_request_id(self, call: Call, count: int) -> str:
        return "req_011C" + stable_token(call.scope, count, call.path, length=20)

    # -- messages --------------------------------------------------------------------------
    def _json_body(self, call: Call) -> dict:
        try:
            body = parse_json(call.body)
        except BadJson as exc:
            raise self.bad_json(call, str(exc)) from None
        call.request_json = body
        if not isinstance(body, dict):
            raise _invalid("Input should be a valid dictionary or object to extract fields from")
        return body

    def _validate(self, call: Call, body: dict, *, need_max_tokens: bool) -> dict:
        """Validate a Messages request; return the gathered texts, prompt, system and media."""
        for name in sorted(set(body) - KNOWN_PARAMS - ({"max_tokens"} if not need_max_tokens else set())):
            raise _invalid(f"{name}: Extra inputs are not permitted")
        if "model" not in body:
            raise _invalid("model: Field required")
        if not isinstance(body["model"], str):
            raise _invalid("model: Input should be a valid string")
        call.model = body["model"]
        if "messages" not in body:
            raise _invalid("messages: Field required")
        if need_max_tokens:
            if "max_tokens" not in body:
                raise _invalid("max_tokens: Field required")
            mt = body["max_tokens"]
            if isinstance(mt, bool) or not isinstance(mt, int):
                raise _invalid("max_tokens: Input should be a valid integer")
            if mt < 1:
                raise _invalid("max_tokens: Input should be greater than or equal to 1")
        for name, low, high in (("temperature", 0, 1), ("top_p", 0, 1)):
            value = body.get(name)
            if value is None:
                continue
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise _invalid(f"{name}: Input should be a valid number")
            if value < low:
                raise _invalid(f"{name}: Input should be greater than or equal to {low}")
            if value > high:
                raise _invalid(f"{name}: Input should be less than or equal to {high}")
        if "stream" in body and not isinstance(body["stream"], bool):
            raise _invalid("stream: Input should be a valid boolean")
        stops = body.get("stop_sequences")
        if stops is not None and (not isinstance(stops, list) or not all(isinstance(s, str) for s in stops)):
            raise _invalid("stop_sequences: Input should be a valid list of strings")
        try:
            model = served_models.resolve(NAME, call.model)
        except served_models.ModelNotFound:
            raise _error(404, f"model: {call.model}", "not_found_error") from None
        if need_max_tokens and body["max_tokens"] > model.max_output_tokens:
            raise _invalid(f"max_tokens: {body['max_tokens']} > {model.max_output_tokens}, which is the "
                           f"maximum allowed number of output tokens for {model.id}")
        _check_output_config(body.get("output_config"), model.id)
        _check_thinking(body.get("thinking"), body.get("max_tokens") if need_max_tokens else None)
        system = self._system(body.get("system"))
        messages = body["messages"]
        if not isinstance(messages, list):
            raise _invalid("messages: Input should be a valid list")
        if not messages:
            raise _invalid("messages: at least one message is required")
        texts, media, prompt = [system] if system else [], [], ""
        for i, message in enumerate(messages):
            if not isinstance(message, dict):
                raise _invalid(f"messages.{i}: Input should be a valid dictionary or object to extract fields from")
            if "role" not in message:
                raise _invalid(f"messages.{i}.role: Field required")
            if message["role"] not in ("user", "assistant"):
                raise _invalid(f"messages.{i}.role: Input should be 'user' or 'assistant'")
            if "content" not in message:
                raise _invalid(f"messages.{i}.content: Field required")
            content = message["content"]
            if isinstance(content, str):
                parts = [content]
            elif isinstance(content, list):
                parts = []
                for j, block in enumerate(content):
                    self._block(call, (f"messages.{i}.content.{j}",), block, parts, media)
            else:
                raise _invalid(f"messages.{i}.content: Input should be a valid string")
            joined = "\n".join(parts)
            texts.append(joined)
            if message["role"] == "user":
                prompt = joined
        self._check_media(model, media)
        return {"model": model, "texts": texts, "media": media, "prompt": prompt, "system": system}

    @staticmethod
    def _system(system: Any) -> str:
        if system is None:
            return ""
        if isinstance(system, str):
            return system
        if not isinstance(system, list):
            raise _invalid("system: Input should be a valid string")
        out = []
        for k, block in enumerate(system):
            if not isinstance(block, dict) or block.get("type") != "text":
                raise _invalid(f"system.{k}.type: Input should be 'text'")
            if not isinstance(block.get("text"), str):
                raise _invalid(f"system.{k}.text: Field required")
            out.append(block["text"])
        return "\n".join(out)

    def _block(self, call: Call, where: tuple, block: Any, texts: list, media: list) -> None:
        loc = where[0]
        if not isinstance(block, dict):
            raise _invalid(f"{loc}: Input should be a valid dictionary or object to extract fields from")
        if "type" not in block:
            raise _invalid(f"{loc}: Unable to extract tag using discriminator 'type'")
        tag = block["type"]
        if tag not in BLOCK_TAGS:
            raise _invalid(f"{loc}: Input tag '{tag}' found using 'type' does not match any of the "
                           f"expected tags: {_tags(BLOCK_TAGS)}")
        if tag == "text":
            if "text" not in block:
                raise _invalid(f"{loc}.text.text: Field required")
            if not isinstance(block["text"], str):
                raise _invalid(f"{loc}.text.text: Input should be a valid string")
            texts.append(block["text"])
        elif tag == "image":
            media.append(self._image(call, f"{loc}.image", block))
        elif tag == "document":
            item = self._document(call, f"{loc}.document", block, texts, media)
            if item is not None:
                media.append(item)
        elif tag == "tool_result" and isinstance(block.get("content"), list):
            for k, inner in enumerate(block["content"]):
                self._block(call, (f"{loc}.tool_result.content.{k}",), inner, texts, media)

    def _source(self, loc: str, block: dict, allowed: tuple[str, ...]) -> dict:
        if "source" not in block:
            raise _invalid(f"{loc}.source: Field required")
        source = block["source"]
        if not isinstance(source, dict):
            raise _invalid(f"{loc}.source: Input should be a valid dictionary or object to extract fields from")
        # File sources came with the files-api beta header in 2025; the 2026-10 SDK sends them
        # without it, so they are accepted either way.
        tags = allowed
        if "type" not in source:
            raise _invalid(f"{loc}.source: Unable to extract tag using discriminator 'type'")
        if source["type"] not in tags:
            raise _invalid(f"{loc}.source: Input tag '{source['type']}' found using 'type' does not "
                           f"match any of the expected tags: {_tags(tags)}")
        if source["type"] == "url" and not isinstance(source.get("url"), str):
            raise _invalid(f"{loc}.source.url.url: Field required")
        return source

    def _stored(self, call: Call, loc: str, source: dict) -> StoredFile:
        file_id = source.get("file_id")
        if not isinstance(file_id, str):
            raise _invalid(f"{loc}.source.file.file_id: Field required")
        stored = call.state.get_file(NAME, file_id)
        if stored is None:  # wording UNCONFIRMED
            raise _invalid(f"{loc}.source.file.file_id: File '{file_id}' not found.")
        return stored

    def _image(self, call: Call, loc: str, block: dict) -> Media:
        source = self._source(loc, block, ("base64", "file", "url"))
        if source["type"] == "url":
            item, where = urls.anthropic_media(call, source["url"]), f"{loc}.source.url"
        elif source["type"] == "file":
            stored = self._stored(call, loc, source)
            if stored.mime not in IMAGE_TYPES:
                raise _invalid(f"{loc}.source.file: file '{stored.id}' is {stored.mime}; image blocks "
                               f"accept {_or_list(IMAGE_TYPES)}")
            item = Media(mime=stored.mime, data=stored.data, name=stored.filename)
            base64_size = (stored.size + 2) // 3 * 4
            where = f"{loc}.source.file"
        else:
            where = f"{loc}.source.base64"
            if "media_type" not in source:
                raise _invalid(f"{where}.media_type: Field required")
            if source["media_type"] not in IMAGE_TYPES:
                raise _invalid(f"{where}.media_type: Input should be {_or_list(IMAGE_TYPES)}")
            if "data" not in source:
                raise _invalid(f"{where}.data: Field required")
            if not isinstance(source["data"], str):
                raise _invalid(f"{where}.data: Input should be a valid string")
            base64_size = len(source["data"])
            if base64_size > MAX_IMAGE_BASE64:
                raise _invalid(f"{where}: image exceeds 10 MB maximum: {base64_size} bytes > "
                               f"{MAX_IMAGE_BASE64} bytes")
            data = decode_std_base64(source["data"])
            if not data:
                raise _invalid(f"{where}: invalid base64 data")
            item = Media(mime=source["media_type"], data=data)
        facts = item.measured()
        if facts["sniffed"] not in IMAGE_TYPES or not facts["decodable"]:
            raise _invalid(f"{where}.data: Could not process image")
        if facts["sniffed"] != item.mime:
            raise _invalid(f"{where}: The image was specified using the {item.mime} media type, but "
                           f"the image appears to be a {facts['sniffed']} image")
        item.info["where"] = where
        return item

    def _document(self, call: Call, loc: str, block: dict, texts: list, media: list) -> Media | None:
        source = self._source(loc, block, ("base64", "content", "file", "text", "url"))
        kind = source["type"]
        if kind == "text":
            if source.get("media_type") != "text/plain":
                raise _invalid(f"{loc}.source.text.media_type: Input should be 'text/plain'")
            if not isinstance(source.get("data"), str):
                raise _invalid(f"{loc}.source.text.data: Field required")
            texts.append(source["data"])
            return None
        if kind == "content":
            content = source.get("content")
            if isinstance(content, str):
                texts.append(content)
                return None
            if not isinstance(content, list):
                raise _invalid(f"{loc}.source.content.content: Field required")
            for k, inner in enumerate(content):
                self._block(call, (f"{loc}.source.content.content.{k}",), inner, texts, media)
            return None
        if kind == "url":
            item, where = urls.anthropic_media(call, source["url"]), f"{loc}.source.url"
        elif kind == "file":
            stored = self._stored(call, loc, source)
            if stored.mime == "text/plain":
                texts.append(stored.data.decode("utf-8", "replace"))
                return None
            item, where = Media(mime=stored.mime, data=stored.data, name=stored.filename), f"{loc}.source.file"
        else:
            where = f"{loc}.source.base64"
            if source.get("media_type") != "application/pdf":
                raise _invalid(f"{where}.media_type: Input should be 'application/pdf'")
            data = decode_std_base64(source.get("data")) if isinstance(source.get("data"), str) else None
            if not data:
                raise _invalid(f"{where}: invalid base64 data")
            item = Media(mime="application/pdf", data=data)
        facts = item.measured()
        if facts["sniffed"] != "application/pdf" or not facts["decodable"]:
            raise _invalid(f"{where}.data: The PDF specified was not valid.")
        if facts.get("encrypted"):
            raise _invalid(f"{where}.data: The PDF specified is password protected.")
        item.mime = "application/pdf"
        return item

    def _check_media(self, model, media: list[Media]) -> None:
        images = [m for m in media if m.kind == "image"]
        max_images = FACTS.max_images if model.context_window <= 200_000 else FACTS.max_images_long_context
        if len(images) > max_images:  # wording UNCONFIRMED; limits from the 2026 vision docs
            raise _invalid(f"messages: Too many images in request: {len(images)} > {max_images}, the "
                           f"maximum for {model.id}.")
        limit = MAX_PIXELS_MANY if len(images) > MANY_IMAGES else MAX_PIXELS
        for item in images:
            facts = item.measured()
            if max(facts["width"], facts["height"]) > limit:
                suffix = " for many-image requests" if limit == MAX_PIXELS_MANY else ""
                raise _invalid(f"{item.info['where']}.data: At least one of the image dimensions "
                               f"exceed max allowed size{suffix}: {limit} pixels")
        pages = sum(m.measured().get("pages", 0) for m in media if m.kind == "pdf")
        if pages > MAX_PDF_PAGES:
            raise _invalid(f"messages: A maximum of {MAX_PDF_PAGES} PDF pages may be provided.")

    def messages(self, call: Call) -> Reply:
        body = self._json_body(call)
        found = self._validate(call, body, need_max_tokens=True)
        call.media = found["media"]
        model = found["model"]
        tooling = anthropic_tools.read(body)
        found["tool_tokens"] = tokens.tool_tokens(NAME, body.get("tools") or [], tooling.choice.mode)
        system = found["system"] or None
        calls = choose_tool_calls(found["prompt"], found["media"], tooling.tools, tooling.choice,
                                  system=system, provider=NAME, model=model.id,
                                  answered_calls=len(tooling.results), parallel=tooling.parallel)
        count = call.state.next_count(call.scope)
        mid = "msg_01" + stable_token(hashlib.sha256(call.body).hexdigest(), count, length=22)
        if calls:
            return self._tool_use(call, body, found, calls, mid)
        if tooling.results:
            answer = answer_after_results(tooling.prompt or found["prompt"], found["media"], tooling.results,
                                          system=system, provider=NAME, model=model.id,
                                          json_schema=_output_schema(body))
        else:
            answer = compose(found["prompt"], found["media"], system=system,
                             provider=NAME, model=model.id, json_schema=_output_schema(body))
        stop_reason, stop_sequence = "end_turn", None
        for stop in body.get("stop_sequences") or []:
            if stop and stop in answer:
                answer, stop_reason, stop_sequence = answer.split(stop, 1)[0], "stop_sequence", stop
                break
        answer, cut = truncate_to_tokens(answer, body["max_tokens"])
        if cut:
            stop_reason, stop_sequence = "max_tokens", None
        content = [*_thinking_blocks(body, mid), {"type": "text", "text": answer}]
        usage = usage_for(NAME, model.id, found["texts"], found["media"],
                          " ".join(b.get("thinking") or b.get("text") or "" for b in content), found["tool_tokens"])
        message = self._message(call, mid, model, content, stop_reason, stop_sequence, usage)
        caching.anthropic_usage(call, body, model.id, found["media"], message["usage"])
        if body.get("stream"):
            return Reply(stream=_stream_events(message), media_type="text/event-stream")
        return Reply(message)

    def _tool_use(self, call: Call, body: dict, found: dict, calls: list, mid: str) -> Reply:
        """An answer that calls tools: ``tool_use`` blocks and ``stop_reason: "tool_use"``."""
        thinking = _thinking_blocks(body, mid)
        usage = usage_for(NAME, found["model"].id, found["texts"], found["media"],
                          " ".join([*(b["thinking"] for b in thinking), anthropic_tools.output_text(calls)]),
                          found["tool_tokens"])
        message = self._message(call, mid, found["model"], [*thinking, *anthropic_tools.blocks(calls, mid)],
                                "tool_use", None, usage)
        caching.anthropic_usage(call, body, found["model"].id, found["media"], message["usage"])
        if body.get("stream"):
            return Reply(stream=_stream_events(message), media_type="text/event-stream")
        return Reply(message)

    @staticmethod
    def _message(call: Call, mid: str, model, content: list, stop_reason: str, stop_sequence, usage) -> dict:
        usage_body = {"input_tokens": usage.input_tokens, "output_tokens": usage.output_tokens,
                      "cache_creation_input_tokens": 0, "cache_read_input_tokens": 0,
                      "cache_creation": {"ephemeral_5m_input_tokens": 0, "ephemeral_1h_input_tokens": 0},
                      "service_tier": "standard",
                      "inference_geo": "not_available" if model.id in GEO_BEFORE_2026 else "global"}
        return {"id": mid, "type": "message", "role": "assistant",
                "model": served_models.response_model(call.model), "content": content,
                "stop_reason": stop_reason, "stop_sequence": stop_sequence, "stop_details": None,
                "usage": usage_body}

    def count_tokens(self, call: Call) -> Reply:
        body = self._json_body(call)
        found = self._validate(call, body, need_max_tokens=False)
        call.media = found["media"]
        tooling = anthropic_tools.read(body)  # count_tokens checks and counts the tools too
        usage = usage_for(NAME, found["model"].id, found["texts"], found["media"], "",
                          tokens.tool_tokens(NAME, body.get("tools") or [], tooling.choice.mode))
        return Reply({"input_tokens": usage.input_tokens})

    # -- models ----------------------------------------------------------------------------
    @staticmethod
    def _model_info(model) -> dict:
        return {"type": "model", "id": model.id, "display_name": model.display_name,
                "created_at": f"{model.released}T00:00:00Z",
                "max_input_tokens": model.context_window, "max_tokens": model.max_output_tokens}

    def list_models(self, call: Call) -> Reply:
        return Reply(_page(call, [self._model_info(m) for m in served_models.served(NAME)]))

    def get_model(self, call: Call) -> Reply:
        call.model = call.params["model"]
        try:
            model = served_models.resolve(NAME, call.model)
        except served_models.ModelNotFound:
            raise _error(404, f"model: {call.model}", "not_found_error") from None
        return Reply(self._model_info(model))

    # -- files (beta) ----------------------------------------------------------------------
    @staticmethod
    def _file_meta(f: StoredFile) -> dict:
        return {"id": f.id, "type": "file", "filename": f.filename, "mime_type": f.mime,
                "size_bytes": f.size, "created_at": _rfc3339(f.created), "downloadable": False}

    def upload_file(self, call: Call) -> Reply:
        try:
            form = parse_multipart(call.body, call.header("content-type", ""))
        except ValueError as exc:
            raise _invalid(f"Invalid multipart/form-data request: {exc}; send the file in a part named 'file'.") from None
        upload = form.get("file")
        call.form = {"file": None if upload is None else {"filename": upload.filename, "bytes": len(upload.data)}}
        if upload is None:
            raise _invalid("file: Field required")
        item = Media(mime=upload.content_type or "application/octet-stream", data=upload.data,
                     name=upload.filename)
        item.mime = item.measured()["sniffed"] or (upload.content_type or "application/octet-stream").split(";")[0]
        call.media = [item]
        fid = "file_011C" + stable_token(item.sha256, call.scope, call.state.next_count(call.scope), length=20)
        try:
            stored = call.state.add_file(StoredFile(
                id=fid, provider=NAME, scope=call.scope, filename=upload.filename or "upload",
                mime=item.mime, data=upload.data, created=time.time()))
        except StoreFull as exc:
            raise _error(413, f"File storage limit reached: {exc}.", "request_too_large") from None
        return Reply(self._file_meta(stored))

    def _file(self, call: Call) -> StoredFile:
        stored = call.state.get_file(NAME, call.params["file_id"])
        if stored is None:  # wording UNCONFIRMED
            raise _error(404, f"File not found: {call.params['file_id']}", "not_found_error")
        return stored

    def list_files(self, call: Call) -> Reply:
        return Reply(_page(call, [self._file_meta(f) for f in call.state.list_files(NAME, call.scope)]))

    def get_file(self, call: Call) -> Reply:
        return Reply(self._file_meta(self._file(call)))

    def delete_file(self, call: Call) -> Reply:
        stored = self._file(call)
        call.state.delete_file(NAME, stored.id)
        return Reply({"id": stored.id, "type": "file_deleted"})

    def file_content(self, call: Call) -> Reply:
        stored = self._file(call)
        # Only files created by skills or code execution are downloadable (Files docs).
        raise _invalid(f"File {stored.id} is not downloadable: only files created by skills or the "
                       "code execution tool can be downloaded.")




def _stream_events(message: dict):
    """Anthropic's named SSE events, with a ping after the first content block starts."""
    start = {**message, "content": [], "stop_reason": None, "stop_sequence": None,
             "stop_details": None, "usage": {**message["usage"], "output_tokens": 1}}
    yield sse({"type": "message_start", "message": start}, "message_start")
    for index, block in enumerate(message["content"]):
        events = (anthropic_tools.stream_block(index, block) if block["type"] == "tool_use"
                  else _thinking_events(index, block) if block["type"] == "thinking"
                  else _text_block_events(index, block["text"]))
        for k, event in enumerate(events):
            yield event
            if index == 0 and k == 0:
                yield sse({"type": "ping"}, "ping")
    # message_delta.usage is cumulative and repeats the input and cache counts (SDK
    # MessageDeltaUsage; real streams 2026), but not cache_creation, service_tier or inference_geo.
    usage = message["usage"]
    yield sse({"type": "message_delta",
               "delta": {"stop_reason": message["stop_reason"], "stop_sequence": message["stop_sequence"],
                         "stop_details": None},
               "usage": {k: usage[k] for k in ("input_tokens", "cache_creation_input_tokens",
                                               "cache_read_input_tokens", "output_tokens")}},
              "message_delta")
    yield sse({"type": "message_stop"}, "message_stop")


def _check_thinking(thinking: Any, max_tokens: int | None) -> None:
    """``thinking``: enabled with a budget of at least 1024 tokens, below ``max_tokens``."""
    if thinking is None:
        return
    if not isinstance(thinking, dict):
        raise _invalid("thinking: Input should be a valid dictionary or object to extract fields from")
    if thinking.get("type") not in ("enabled", "disabled", "adaptive"):
        raise _invalid(f"thinking: Input tag '{thinking.get('type')}' found using 'type' does not match any "
                       "of the expected tags: 'enabled', 'disabled', 'adaptive'")
    if thinking["type"] != "enabled":
        return
    budget = thinking.get("budget_tokens")
    if isinstance(budget, bool) or not isinstance(budget, int):
        raise _invalid("thinking.enabled.budget_tokens: Field required")
    if budget < 1024:
        raise _invalid("thinking.enabled.budget_tokens: Input should be greater than or equal to 1024")
    if max_tokens is not None and budget >= max_tokens:  # wording UNCONFIRMED past the first sentence
        raise _invalid("`max_tokens` must be greater than `thinking.budget_tokens`. Please consult our "
                       "documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking"
                       "#max-tokens-and-context-window-size")


def _check_output_config(config: Any, model_id: str) -> None:
    """``output_config.effort``: one of the five levels, and one the model supports."""
    if not isinstance(config, dict) or config.get("effort") is None:
        return
    effort = config["effort"]
    if effort not in EFFORT_LEVELS:
        raise _invalid(f"output_config.effort: Input should be {_or_list(EFFORT_LEVELS)}")
    supported = MODEL_EFFORTS.get(model_id)
    if supported is not None and effort not in supported:
        # Real 400 for claude-opus-4-6 + "xhigh" (pydantic-ai cassette, 2026).
        raise _invalid(f"This model does not support effort level '{effort}'. Supported levels: "
                       f"{', '.join(sorted(supported))}.")


def _thinking_blocks(body: dict, seed: str) -> list[dict]:
    """A thinking block when ``thinking`` is enabled (or adaptive): it says there is no reasoning."""
    thinking = body.get("thinking")
    if not isinstance(thinking, dict) or thinking.get("type") not in ("enabled", "adaptive"):
        return []
    signature = base64.b64encode(f"mmcourse-offline-{stable_token(seed, 'thinking', length=48)}".encode())
    return [{"type": "thinking", "thinking": NO_THOUGHTS, "signature": signature.decode()}]


def _thinking_events(index: int, block: dict):
    """A thinking block streamed: empty start, thinking deltas, one signature delta, stop."""
    yield sse({"type": "content_block_start", "index": index,
               "content_block": {"type": "thinking", "thinking": "", "signature": ""}}, "content_block_start")
    for piece in word_chunks(block["thinking"]):
        yield sse({"type": "content_block_delta", "index": index,
                   "delta": {"type": "thinking_delta", "thinking": piece}}, "content_block_delta")
    yield sse({"type": "content_block_delta", "index": index,
               "delta": {"type": "signature_delta", "signature": block["signature"]}}, "content_block_delta")
    yield sse({"type": "content_block_stop", "index": index}, "content_block_stop")


def _text_block_events(index: int, text: str):
    yield sse({"type": "content_block_start", "index": index, "content_block": {"type": "text", "text": ""}},
              "content_block_start")
    for piece in word_chunks(text):
        yield sse({"type": "content_block_delta", "index": index,
                   "delta": {"type": "text_delta", "text": piece}}, "content_block_delta")
    yield sse({"type": "content_block_stop", "index": index}, "content_block_stop")


def _output_schema(body: dict) -> dict | None:
    """The JSON Schema of a structured-output request, or None.

    ``output_config.format`` is the current form and ``output_format`` the beta one, both
    ``{"type": "json_schema", "schema": {...}}`` (anthropic-sdk-python ``JSONOutputFormatParam``,
    2026).
    """
    config = body.get("output_config")
    candidates = [config.get("format") if isinstance(config, dict) else None, body.get("output_format")]
    for fmt in candidates:
        if isinstance(fmt, dict) and fmt.get("type") == "json_schema" and isinstance(fmt.get("schema"), dict):
            return fmt["schema"]
    return None

WIRE = AnthropicWire()
