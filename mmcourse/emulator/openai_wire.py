"""OpenAI's wire format: Chat Completions (plain and streamed), Models and Files.

Shapes follow OpenAI's official OpenAPI spec (CreateChatCompletionRequest/Response/StreamResponse,
ErrorResponse, ListModelsResponse, OpenAIFile; openai/openai-openapi, 2026-08). Error wording is
the real API's where it has been observed (OpenAI error-code guide and real responses quoted in
public issues, 2024-2026); wording marked UNCONFIRMED follows the same house style.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

from mmcourse import tokens
from mmcourse.emulator import caching, openai_tools, urls
from mmcourse.emulator import models as served_models
from mmcourse.emulator.batch_wires import OpenAIBatches
from mmcourse.emulator.generate import compose, truncate_to_tokens, usage_for
from mmcourse.emulator.media import Media
from mmcourse.emulator.openai_common import (
    FACTS,
    IMAGE_FORMATS,
    NAME,
    UNSUPPORTED_IMAGE,
    _an,
    _error,
    _invalid_type,
    _invalid_value,
    _jtype,
    _missing,
    _number,
    _path,
)
from mmcourse.emulator.openai_responses import ResponsesApi
from mmcourse.emulator.state import Fault, StoredFile, StoreFull
from mmcourse.emulator.strict import parse_int
from mmcourse.emulator.tools import answer_after_results, choose_tool_calls
from mmcourse.emulator.transcription import TranscriptionApi
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
    split_data_url,
    sse,
    stable_token,
    word_chunks,
)

# The real limit is 512 MB per request (OpenAI vision guide, 2026); the emulator stops at 64 MB
# so a runaway request cannot exhaust memory, answering with OpenAI's own error shape.
BODY_LIMIT = 64 * 1024 * 1024
UPLOAD_LIMIT = 128 * 1024 * 1024  # real: 512 MB per file; emulator memory cap
MAX_IMAGES = FACTS.max_images
AUDIO_FORMATS = tuple(FACTS.audio_formats.values())
ROLES = ("system", "assistant", "user", "function", "tool", "developer")
# Content-part types each role may send (CreateChatCompletionRequest message schemas).
PART_TYPES = {
    "user": ("text", "image_url", "input_audio", "file"),
    "system": ("text",),
    "developer": ("text",),
    "assistant": ("text", "refusal"),
    "tool": ("text",),
    "function": ("text",),
}
FILE_PURPOSES = ("assistants", "batch", "fine-tune", "vision", "user_data", "evals")
KNOWN_PARAMS = frozenset(
    "audio frequency_penalty function_call functions logit_bias logprobs max_completion_tokens "
    "max_tokens messages metadata modalities model moderation n parallel_tool_calls prediction "
    "presence_penalty prompt_cache_key prompt_cache_options prompt_cache_retention "
    "reasoning_effort response_format safety_identifier seed service_tier stop store stream "
    "stream_options temperature tool_choice tools top_logprobs top_p user verbosity "
    "web_search_options".split()
)
DEFAULT_RPM = 10_000  # what x-ratelimit-limit-requests reports when no limit is set
DEFAULT_TPM = 30_000_000

BAD_JSON = (
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using "
    "your HTTP library correctly. The OpenAI API expects a JSON payload, but what was sent was not "
    "valid JSON. If you have trouble figuring out how to fix this, please contact us through our "
    "help center at help.openai.com.)"
)
NO_KEY = (
    "You didn't provide an API key. You need to provide your API key in an Authorization header "
    "using Bearer auth (i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank "
    "username) if you're accessing the API from your browser and are prompted for a username and "
    "password. You can obtain an API key from https://platform.openai.com/account/api-keys."
)
# Fault statuses -> (type, code, message); 500/503 wording per OpenAI's error-code guide.
FAULTS = {
    500: ("server_error", None, "The server had an error while processing your request. Sorry about that!"),
    502: ("server_error", None, "Bad gateway."),
    503: ("service_unavailable_error", "server_is_overloaded", "The engine is currently overloaded, please try again later."),
    504: ("server_error", None, "Gateway timeout. Please try again."),
}
















def redact_key(key: str) -> str:
    """How OpenAI echoes a wrong key: first 6 and last 4 characters, the rest as stars."""
    if len(key) <= 10:
        return key[:2] + "*" * max(0, len(key) - 2)
    return key[:6] + "*" * (len(key) - 10) + key[-4:]


def _go_duration(seconds: float) -> str:
    """x-ratelimit-reset-* values are Go-style durations: ``12ms``, ``6m0s``."""
    if seconds < 1:
        return f"{int(seconds * 1000)}ms"
    minutes, secs = divmod(seconds, 60)
    return f"{int(minutes)}m{secs:.0f}s" if minutes else f"{secs:.3g}s"


class OpenAIWire:
    """The OpenAI provider as the app sees it (see app.py for the protocol)."""

    name = NAME
    # /v1/batches is not owned: the Gemini SDK polls /v1/batches/{id} too (told apart by headers).
    owns_paths = (r"/v1/chat/.*", r"/v1/completions", r"/v1/responses.*", r"/v1/embeddings", r"/v1/audio/.*")
    marker_headers = ("authorization", "openai-organization", "openai-project")

    def __init__(self) -> None:
        # These modules build on this one, so they are imported once it is complete.

        self.routes = [
            ("POST", "/v1/chat/completions", self.chat_completions, BODY_LIMIT),
            *ResponsesApi(self, BODY_LIMIT).routes,
            *OpenAIBatches(self, BODY_LIMIT).routes,
            *TranscriptionApi(self).routes,
            ("GET", "/v1/models", self.list_models, BODY_LIMIT),
            ("GET", "/v1/models/{model}", self.get_model, BODY_LIMIT),
            *file_routes(self, BODY_LIMIT, UPLOAD_LIMIT),
        ]

    # -- protocol: auth, errors, headers ---------------------------------------------------
    def api_key(self, call: Call) -> str | None:
        auth = call.header("authorization") or ""
        scheme, _, token = auth.partition(" ")
        return token.strip() or None if scheme.lower() == "bearer" else None

    def authenticate(self, call: Call) -> None:
        key = self.api_key(call)
        if key is None:
            raise _error(401, NO_KEY)
        if "invalid" in key:  # the emulator's documented way to show a wrong-key error
            raise _error(
                401,
                f"Incorrect API key provided: {redact_key(key)}. You can find your API key at "
                "https://platform.openai.com/account/api-keys.",
                code="invalid_api_key",
            )

    def error_reply(self, err: ApiError, call: Call) -> Reply:
        body = {"error": {"message": err.message, "type": err.type or "invalid_request_error",
                          "param": err.param, "code": err.code}}
        return Reply(body, status=err.status, headers=err.headers)

    def bad_json(self, call: Call, reason: str) -> ApiError:
        return _error(400, BAD_JSON)

    def too_large(self, call: Call, limit: int) -> ApiError:
        # OpenAI's status for oversize bodies is UNCONFIRMED; 413 is what its edge answers.
        return _error(
            413,
            f"Request too large: the body exceeds {limit // (1024 * 1024)} MB, the mmcourse "
            "emulator's limit (the real API allows 512 MB). Send fewer or smaller images.",
            code="request_too_large",
        )

    def no_route(self, call: Call) -> ApiError:
        return _error(404, f"Invalid URL ({call.method} {call.path})")

    def fault(self, call: Call, fault: Fault) -> ApiError:
        status, retry_after = fault.status, fault.retry_after
        if status == 429:
            err = self.rate_limited(call, None, retry_after or 1.0)
        else:
            type_, code, message = FAULTS.get(status, ("server_error", None, FAULTS[500][2]))
            err = _error(status, message, code=code, type=type_)
        if retry_after is not None:
            err.headers.update(retry_after_headers(retry_after))
        return err

    def rate_limited(self, call: Call, limit: int | None, reset: float) -> ApiError:
        model = call.model or "the model"
        limit_text = f"Limit {limit}, Used {limit}, Requested 1. " if limit else ""
        err = _error(
            429,
            f"Rate limit reached for {model} in organization org-mmcourse on requests per min "
            f"(RPM): {limit_text}Please try again in {reset:.3g}s. Visit "
            "https://platform.openai.com/account/rate-limits to learn more.",
            code="rate_limit_exceeded",
            type="requests",
        )
        err.headers.update(retry_after_headers(reset))
        if limit:
            err.headers.update(self._rate_headers(limit, 0, reset))
        return err

    def headers(self, call: Call, rate: tuple[int | None, int, float]) -> dict:
        limit, remaining, reset = rate
        out = {"x-request-id": call.request_id, "openai-processing-ms": "1",
               "openai-version": "2020-10-01", "openai-organization": "mmcourse-offline"}
        out.update(self._rate_headers(limit or DEFAULT_RPM,
                                      remaining if limit else DEFAULT_RPM - 1, reset))
        return out

    @staticmethod
    def _rate_headers(limit: int, remaining: int, reset: float) -> dict:
        return {
            "x-ratelimit-limit-requests": str(limit),
            "x-ratelimit-remaining-requests": str(max(0, remaining)),
            "x-ratelimit-reset-requests": _go_duration(reset),
            "x-ratelimit-limit-tokens": str(DEFAULT_TPM),
            "x-ratelimit-remaining-tokens": str(DEFAULT_TPM),
            "x-ratelimit-reset-tokens": "0s",
        }

    def new_request_id(self, call: Call, count: int) -> str:
        return "req_" + stable_token(call.scope, count, call.path, length=32, alphabet="0123456789abcdef")

    # -- chat completions ------------------------------------------------------------------
    def _json_body(self, call: Call) -> dict:
        try:
            body = parse_json(call.body)
        except BadJson:
            raise _error(400, BAD_JSON) from None
        call.request_json = body
        if not isinstance(body, dict):
            raise _error(400, f"Invalid type for body: expected an object, but got {_an(_jtype(body))} instead.",
                         code="invalid_type")
        return body

    def chat_completions(self, call: Call) -> Reply:
        body = self._json_body(call)
        if "model" not in body or body.get("model") in ("", None):
            raise _error(400, "you must provide a model parameter")
        if not isinstance(body["model"], str):
            raise _invalid_type("model", "a string", body["model"])
        call.model = body["model"]
        unknown = sorted(set(body) - KNOWN_PARAMS)
        if unknown:
            raise _error(400, f"Unrecognized request argument supplied: {unknown[0]}")
        if "messages" not in body:
            raise _missing("messages")
        messages = body["messages"]
        if not isinstance(messages, list):
            raise _invalid_type("messages", "an array", messages)
        if not messages:
            raise _error(400, "Invalid 'messages': empty array. Expected an array with minimum "
                         "length 1, but got an empty array instead.", "messages", "empty_array")
        model = self._model(call.model)
        if body.get("web_search_options") is not None:
            # Only the search models take it (gpt-4o-search-preview ...), none of which the
            # course serves (real 400 recorded in pydantic-ai's cassettes, 2025).
            raise _error(400, "Web search options not supported with this model.", "web_search_options")
        options = _options(body, model)
        gathered = self._gather(call, messages, model)
        call.media = gathered["media"]
        if options["json_mode"] == "json_object" and "json" not in gathered["all_text"].lower():
            raise _error(400, "'messages' must contain the word 'json' in some form, to use "
                         "'response_format' of type 'json_object'.", "messages")
        tooling = openai_tools.read(body, messages)
        system = gathered["system"] or None
        calls = choose_tool_calls(gathered["prompt"], gathered["media"], tooling.tools, tooling.choice,
                                  system=system, provider=NAME, model=model.id,
                                  answered_calls=len(tooling.results), parallel=tooling.parallel)
        json_args = {"json_mode": bool(options["json_mode"]), "json_schema": options["json_schema"]}
        if calls:
            answer = openai_tools.output_text(calls)
        elif tooling.results:
            answer = answer_after_results(tooling.prompt or gathered["prompt"], gathered["media"],
                                          tooling.results, system=system, provider=NAME, model=model.id,
                                          **json_args)
        else:
            answer = compose(gathered["prompt"], gathered["media"], system=system, provider=NAME,
                             model=model.id, **json_args)
        answer, cut = truncate_to_tokens(answer, None if calls else options["max_tokens"])
        usage = usage_for(NAME, model.id, gathered["texts"], gathered["media"], answer,
                          tokens.tool_tokens(NAME, body.get("tools") or [], tooling.choice.mode))
        wire_model = served_models.response_model(call.model)
        count = call.state.next_count(call.scope)
        cid = "chatcmpl-" + stable_token(hashlib.sha256(call.body).hexdigest(), count, length=29)
        finish = "tool_calls" if calls else "length" if cut else "stop"
        usage_body = _usage(usage, audio_model="audio" in model.modalities)
        caching.openai_chat_usage(call, body, model.id, gathered["media"], usage_body)
        ids = openai_tools.call_ids(calls, cid)
        if options["stream"]:
            deltas = openai_tools.stream_deltas(calls, ids) if calls else None
            return Reply(stream=_stream_chunks(cid, wire_model, answer, finish, usage_body, options, deltas),
                         media_type="text/event-stream")
        reply = (openai_tools.message(calls, ids) if calls else
                 {"role": "assistant", "content": answer, "refusal": None, "annotations": []})
        choices = [{"index": i, "message": reply, "logprobs": None, "finish_reason": finish}
                   for i in range(options["n"])]
        if options["n"] > 1:
            usage_body["completion_tokens"] *= options["n"]
            usage_body["total_tokens"] = usage_body["prompt_tokens"] + usage_body["completion_tokens"]
        return Reply({
            "id": cid, "object": "chat.completion", "created": int(time.time()),
            "model": wire_model, "choices": choices, "usage": usage_body,
            "service_tier": "default", "system_fingerprint": "fp_mmcourse",
        })

    def _model(self, model_id: str):
        try:
            return served_models.resolve(NAME, model_id)
        except served_models.ModelNotFound as exc:
            if exc.retired is not None:
                raise _error(404, f"The model `{model_id}` has been deprecated, learn more here: "
                             "https://platform.openai.com/docs/deprecations", code="model_not_found") from None
            raise _error(404, f"The model `{model_id}` does not exist or you do not have access to it.",
                         code="model_not_found") from None

    def _gather(self, call: Call, messages: list, model) -> dict:
        """Validate every message and part; collect texts, the prompt, system text and media."""
        texts: list[str] = []
        system: list[str] = []
        prompt = ""
        media: list[Media] = []
        images = 0
        for i, message in enumerate(messages):
            if not isinstance(message, dict):
                raise _invalid_type(_path("messages", i), "an object", message)
            if "role" not in message:
                raise _missing(_path("messages", i, "role"))
            role = message["role"]
            if role not in ROLES:
                raise _invalid_value(_path("messages", i, "role"), role, ROLES)
            content = message.get("content")
            if "content" not in message and role in ("user", "system", "developer", "tool"):
                raise _missing(_path("messages", i, "content"))
            if content is None and role in ("user", "system", "developer", "tool"):
                raise _invalid_type(_path("messages", i, "content"), "one of a string or array of objects", content)
            message_text: list[str] = []
            if isinstance(content, str):
                message_text.append(content)
            elif isinstance(content, list):
                for j, part in enumerate(content):
                    text, item = self._part(call, i, j, role, part, model)
                    if text is not None:
                        message_text.append(text)
                    if item is not None:
                        images += item.kind == "image"
                        media.append(item)
            elif content is not None:
                raise _invalid_type(_path("messages", i, "content"), "one of a string or array of objects", content)
            joined = "\n".join(message_text)
            texts.append(joined)
            if role in ("system", "developer"):
                system.append(joined)
            elif role == "user":
                prompt = joined
        if images > MAX_IMAGES:
            raise _error(400, f"Too many images in request: {images}. The maximum is {MAX_IMAGES}.",
                         "messages")  # wording UNCONFIRMED; limit from the 2026 vision guide
        return {"texts": texts, "all_text": "\n".join(texts), "system": "\n".join(system),
                "prompt": prompt, "media": media}

    def _part(self, call: Call, i: int, j: int, role: str, part: Any, model) -> tuple[str | None, Media | None]:
        where = ("messages", i, "content", j)
        if not isinstance(part, dict):
            raise _invalid_type(_path(*where), "an object", part)
        if "type" not in part:
            raise _missing(_path(*where, "type"))
        kind = part["type"]
        allowed = PART_TYPES[role]
        if kind not in allowed:
            raise _invalid_value(_path(*where, "type"), kind, allowed)
        if kind in ("text", "refusal"):
            if kind not in part:
                raise _missing(_path(*where, kind))
            if not isinstance(part[kind], str):
                raise _invalid_type(_path(*where, kind), "a string", part[kind])
            return part[kind], None
        if kind == "image_url":
            return None, self._image(call, part, where, model)
        if kind == "input_audio":
            return None, self._audio(part, where, model)
        return None, self._file(call, part, where, model)

    def _image(self, call: Call, part: dict, where: tuple, model) -> Media:
        spec = part.get("image_url")
        if spec is None:
            raise _missing(_path(*where, "image_url"))
        if not isinstance(spec, dict):
            raise _invalid_type(_path(*where, "image_url"), "an object", spec)
        if "image" not in model.modalities:
            raise _error(400, "Invalid content type. image_url is only supported by certain models.",
                         _path(*where, "type"))
        url = spec.get("url")
        if url is None:
            raise _missing(_path(*where, "image_url", "url"))
        if not isinstance(url, str):
            raise _invalid_type(_path(*where, "image_url", "url"), "a string", url)
        detail = spec.get("detail", "auto")
        details = ("auto", "low", "high") + (("original",) if "original_budget" in model.image_tokens else ())
        if detail not in details:
            raise _invalid_value(_path(*where, "image_url", "detail"), detail, details)
        fetched = urls.fetch(call, url) if url.startswith(("http://", "https://")) else None
        if url.startswith(("http://", "https://")) and fetched is None:
            raise _error(400, urls.openai_download_error(url), _path(*where, "image_url", "url"),
                         "invalid_image_url")
        parsed = ("", True, "") if fetched else split_data_url(url)
        if parsed is None:
            # Wording of OpenAI's newer APIs for a bare string (UNCONFIRMED for Chat Completions).
            raise _error(400, f"Invalid '{_path(*where, 'image_url', 'url')}'. Expected a base64-encoded "
                         "data URL with an image MIME type (e.g. 'data:image/png;base64,aW1nIGJ5dGVzIGhlcmU='), "
                         "but got a value without the 'data:' prefix.",
                         _path(*where, "image_url", "url"), "invalid_value")
        mime, is_b64, payload = (fetched.mime, True, "") if fetched else parsed
        data = fetched.data if fetched else decode_std_base64(payload) if is_b64 else None
        if not data:
            raise _error(400, "Invalid base64 image_url.", _path(*where, "image_url", "url"))
        if not mime.startswith("image/"):
            raise _error(400, "Invalid MIME type. Only image types are supported.",
                         _path(*where, "image_url", "url"), "invalid_image_format")
        item = Media(mime=mime, data=data, detail=detail)
        facts = item.measured()
        # OpenAI decodes the bytes rather than trusting the data-URL prefix (a mismatch is not an
        # error there: UNCONFIRMED), so the real format decides.
        if facts["sniffed"] not in IMAGE_FORMATS or not facts["decodable"] or facts.get("frames", 1) > 1 and facts["sniffed"] == "image/gif":
            raise _error(400, UNSUPPORTED_IMAGE, code="invalid_image_format")
        item.mime = facts["sniffed"]
        return item

    def _audio(self, part: dict, where: tuple, model) -> Media:
        spec = part.get("input_audio")
        if spec is None:
            raise _missing(_path(*where, "input_audio"))
        if not isinstance(spec, dict):
            raise _invalid_type(_path(*where, "input_audio"), "an object", spec)
        for key in ("data", "format"):
            if key not in spec:
                raise _missing(_path(*where, "input_audio", key))
        if spec["format"] not in AUDIO_FORMATS:
            raise _invalid_value(_path(*where, "input_audio", "format"), spec["format"], AUDIO_FORMATS)
        if "audio" not in model.modalities:
            # The 2026 wording names the message, not the part (real 400 for gpt-5-mini recorded
            # in pydantic-ai's cassettes, 2026).
            message = f"messages[{where[1]}]"
            raise _error(400, f"Invalid '{message}'. Content blocks are expected to be either text or "
                         "image_url type.", message, "invalid_value")
        data = decode_std_base64(spec["data"]) if isinstance(spec["data"], str) else None
        if not data:
            raise _error(400, f"Invalid value for '{_path(*where, 'input_audio', 'data')}': expected raw "
                         "base64-encoded audio bytes (no 'data:' prefix).",
                         _path(*where, "input_audio", "data"), "invalid_value")
        item = Media(mime="audio/wav" if spec["format"] == "wav" else "audio/mpeg", data=data)
        facts = item.measured()
        if not facts["decodable"] or facts["sniffed"] not in ("audio/wav", "audio/mpeg"):
            raise _error(400, f"The audio data is not valid {spec['format']}: the file might be "
                         "corrupted or in another format.", _path(*where, "input_audio", "data"),
                         "invalid_value")
        return item

    def _file(self, call: Call, part: dict, where: tuple, model) -> Media:
        spec = part.get("file")
        if spec is None:
            raise _missing(_path(*where, "file"))
        if not isinstance(spec, dict):
            raise _invalid_type(_path(*where, "file"), "an object", spec)
        if "pdf" not in model.modalities:
            raise _error(400, "Invalid content type. file is only supported by certain models.",
                         _path(*where, "type"))
        if spec.get("file_id") is not None:
            stored = call.state.get_file(NAME, str(spec["file_id"]))
            if stored is None:
                raise _error(400, f"No such File object: {spec['file_id']}", _path(*where, "file", "file_id"))
            item = Media(mime=stored.mime, data=stored.data, name=stored.filename)
        elif spec.get("file_data") is not None:
            parsed = split_data_url(spec["file_data"]) if isinstance(spec["file_data"], str) else None
            data = decode_std_base64(parsed[2]) if parsed and parsed[1] else None
            if not data:
                raise _error(400, f"Invalid '{_path(*where, 'file', 'file_data')}'. Expected a base64-encoded "
                             "data URL with a file MIME type (e.g. 'data:application/pdf;base64,JVBERi0...').",
                             _path(*where, "file", "file_data"), "invalid_value")
            item = Media(mime=parsed[0], data=data, name=spec.get("filename"))
        else:
            raise _missing(_path(*where, "file", "file_id"))
        facts = item.measured()
        if facts["sniffed"] != "application/pdf" or not facts["decodable"]:
            raise _error(400, "Invalid file data: only PDF files are supported as file inputs in Chat "
                         f"Completions (the bytes are {facts['sniffed'] or 'not a recognised format'}).",
                         _path(*where, "file"), "invalid_value")
        item.mime = "application/pdf"
        return item

    # -- models ----------------------------------------------------------------------------
    @staticmethod
    def _model_object(model) -> dict:
        created = int(time.mktime(time.strptime(model.released, "%Y-%m-%d")))
        return {"id": model.id, "object": "model", "created": created, "owned_by": "system"}

    def list_models(self, call: Call) -> Reply:
        return Reply({"object": "list", "data": [self._model_object(m) for m in served_models.served(NAME)]})

    def get_model(self, call: Call) -> Reply:
        call.model = call.params["model"]
        return Reply(self._model_object(self._model(call.model)))

    # -- files -----------------------------------------------------------------------------
    @staticmethod
    def _file_object(f: StoredFile) -> dict:
        # expires_at and status_details are omitted, not null: the OpenAPI schema types them
        # as integer and string (optional).
        return {"id": f.id, "object": "file", "bytes": f.size, "created_at": int(f.created),
                "filename": f.filename, "purpose": f.purpose, "status": "processed"}

    def upload_file(self, call: Call) -> Reply:
        try:
            form = parse_multipart(call.body, call.header("content-type", ""))
        except ValueError as exc:
            raise _error(400, f"Invalid multipart/form-data request: {exc}. Upload with "
                         "files={'file': ...} and data={'purpose': 'user_data'}.") from None
        upload = form.get("file")
        purpose = form["purpose"].data.decode("utf-8", "replace") if "purpose" in form else None
        call.request_json = {"purpose": purpose,
                             "file": None if upload is None else {"filename": upload.filename, "bytes": len(upload.data)}}
        if upload is None or upload.filename is None:
            raise _missing("file")
        if purpose is None:
            raise _missing("purpose")
        if purpose not in FILE_PURPOSES:
            raise _invalid_value("purpose", purpose, FILE_PURPOSES)
        item = Media(mime=upload.content_type or "application/octet-stream", data=upload.data, name=upload.filename)
        item.mime = item.measured()["sniffed"] or item.mime
        call.media = [item]
        count = call.state.next_count(call.scope)
        fid = "file-" + stable_token(item.sha256, call.scope, count, length=22)
        try:
            stored = call.state.add_file(StoredFile(
                id=fid, provider=NAME, scope=call.scope, filename=upload.filename, mime=item.mime,
                data=upload.data, created=time.time(), purpose=purpose))
        except StoreFull as exc:
            raise _error(400, f"File storage quota exceeded: {exc}.", "file", "quota_exceeded") from None
        return Reply(self._file_object(stored))

    def _stored(self, call: Call) -> StoredFile:
        stored = call.state.get_file(NAME, call.params["file_id"])
        if stored is None:
            raise _error(404, f"No such File object: {call.params['file_id']}", "id")
        return stored

    def list_files(self, call: Call) -> Reply:
        files = call.state.list_files(NAME, call.scope)
        purpose = call.query.get("purpose")
        if purpose:
            files = [f for f in files if f.purpose == purpose]
        if call.query.get("order") == "asc":
            files.reverse()
        after = call.query.get("after")
        if after:
            ids = [f.id for f in files]
            files = files[ids.index(after) + 1:] if after in ids else []
        limit = parse_int(call.query.get("limit", "10000"))
        if limit is None:
            raise _error(400, f"Invalid 'limit': expected an integer, but got '{call.query['limit'][:100]}'.",
                         "limit", "invalid_type")
        limit = max(1, min(10_000, limit))
        page = files[:limit]
        data = [self._file_object(f) for f in page]
        return Reply({"object": "list", "data": data, "first_id": data[0]["id"] if data else None,
                      "last_id": data[-1]["id"] if data else None, "has_more": len(files) > limit})

    def get_file(self, call: Call) -> Reply:
        return Reply(self._file_object(self._stored(call)))

    def delete_file(self, call: Call) -> Reply:
        stored = self._stored(call)
        call.state.delete_file(NAME, stored.id)
        return Reply({"id": stored.id, "object": "file", "deleted": True})

    def file_content(self, call: Call) -> Reply:
        stored = self._stored(call)
        return Reply(raw=stored.data, media_type=stored.mime or "application/octet-stream")




def _options(body: dict, model) -> dict:
    """Validate the generation options a chat request may carry."""
    if "max_tokens" in body and body["max_tokens"] is not None and model.rejects_max_tokens:
        raise _error(400, "Unsupported parameter: 'max_tokens' is not supported with this model. "
                     "Use 'max_completion_tokens' instead.", "max_tokens", "unsupported_parameter")
    max_tokens = None
    for name in ("max_completion_tokens", "max_tokens"):
        value = _number(body, name, 1, float("inf"), integer=True)
        if value is not None:
            if value > model.max_output_tokens:
                raise _error(400, f"max_tokens is too large: {value}. This model supports at most "
                             f"{model.max_output_tokens} completion tokens, whereas you provided {value}.",
                             name, "invalid_value")
            max_tokens = int(value)
    _number(body, "temperature", 0, 2)
    _number(body, "top_p", 0, 1)
    _number(body, "presence_penalty", -2, 2)
    _number(body, "frequency_penalty", -2, 2)
    n = _number(body, "n", 1, 128, integer=True) or 1
    stream = body.get("stream") or False
    if not isinstance(stream, bool):
        raise _invalid_type("stream", "a boolean", stream)
    stream_options = body.get("stream_options")
    if stream_options is not None:
        if not stream:
            raise _error(400, "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
                         "stream_options")
        if not isinstance(stream_options, dict):
            raise _invalid_type("stream_options", "an object", stream_options)
    json_mode, json_schema = None, None
    fmt = body.get("response_format")
    if fmt is not None:
        if not isinstance(fmt, dict):
            raise _invalid_type("response_format", "an object", fmt)
        if "type" not in fmt:
            raise _missing("response_format.type")
        if fmt["type"] not in ("text", "json_object", "json_schema"):
            raise _invalid_value("response_format.type", fmt["type"], ("text", "json_object", "json_schema"))
        if fmt["type"] == "json_schema":
            schema = fmt.get("json_schema")
            if not isinstance(schema, dict):
                raise _missing("response_format.json_schema")
            if not schema.get("name"):
                raise _missing("response_format.json_schema.name")
            # The {name, schema, strict} wrapper: the answer engine takes the inner schema.
            inner = schema.get("schema")
            if inner is not None and not isinstance(inner, dict):
                raise _invalid_type("response_format.json_schema.schema", "an object", inner)
            if schema.get("strict") is True and isinstance(inner, dict):
                problem = openai_tools.strict_problem(inner, ())
                if problem:  # real 400s quoted by client libraries (2025-2026)
                    raise _error(400, f"Invalid schema for response_format '{schema['name']}': {problem}",
                                 "response_format", "invalid_json_schema")
            json_schema = inner
        json_mode = None if fmt["type"] == "text" else fmt["type"]
    modalities = body.get("modalities")
    if modalities is not None:
        if not isinstance(modalities, list) or any(m not in ("text", "audio") for m in modalities):
            raise _invalid_value("modalities", modalities, ("text", "audio"))
        if "audio" in modalities:
            raise _error(400, "The mmcourse offline emulator does not produce audio output: send "
                         "modalities ['text'] (or leave it out) to get a text answer.", "modalities")
    return {"max_tokens": max_tokens, "n": int(n), "stream": stream,
            "stream_options": stream_options or {}, "json_mode": json_mode,
            "json_schema": json_schema}


def _usage(usage, *, audio_model: bool = False) -> dict:
    """Chat usage; audio models also split prompt and completion by modality (real bodies, 2025)."""
    body = {
        "prompt_tokens": usage.input_tokens,
        "completion_tokens": usage.output_tokens,
        "total_tokens": usage.input_tokens + usage.output_tokens,
        "prompt_tokens_details": {"cached_tokens": 0,
                                  "audio_tokens": usage.input_by_modality.get("AUDIO", 0)},
        "completion_tokens_details": {"reasoning_tokens": 0, "audio_tokens": 0,
                                      "accepted_prediction_tokens": 0, "rejected_prediction_tokens": 0},
    }
    if audio_model:
        body["prompt_tokens_details"].update(text_tokens=usage.input_by_modality.get("TEXT", 0),
                                             image_tokens=usage.input_by_modality.get("IMAGE", 0))
        body["completion_tokens_details"]["text_tokens"] = usage.output_tokens
    return body


def _stream_chunks(cid: str, model: str, answer: str, finish: str, usage: dict, options: dict,
                   tool_deltas: list[dict] | None = None):
    """OpenAI SSE: role delta, content (or tool-call) deltas, finish chunk, usage chunk, [DONE]."""
    include_usage = bool(options["stream_options"].get("include_usage"))
    obfuscate = options["stream_options"].get("include_obfuscation", True) is not False
    created = int(time.time())

    def chunk(choices: list, usage_value: Any = None) -> str:
        body = {"id": cid, "object": "chat.completion.chunk", "created": created, "model": model,
                "service_tier": "default", "system_fingerprint": "fp_mmcourse", "choices": choices}
        if include_usage:
            body["usage"] = usage_value
        if obfuscate:
            # Padding that normalises chunk sizes, as the real API sends by default.
            body["obfuscation"] = stable_token(json.dumps(choices), length=max(1, 16 - len(json.dumps(choices)) % 16))
        return sse(body)

    for index in range(options["n"]):
        if tool_deltas:
            for delta in tool_deltas:
                yield chunk([{"index": index, "delta": delta, "logprobs": None, "finish_reason": None}])
            yield chunk([{"index": index, "delta": {}, "logprobs": None, "finish_reason": finish}])
            continue
        yield chunk([{"index": index, "delta": {"role": "assistant", "content": "", "refusal": None},
                      "logprobs": None, "finish_reason": None}])
        for piece in word_chunks(answer):
            yield chunk([{"index": index, "delta": {"content": piece}, "logprobs": None, "finish_reason": None}])
        yield chunk([{"index": index, "delta": {}, "logprobs": None, "finish_reason": finish}])
    if include_usage:
        yield chunk([], usage)
    yield sse("[DONE]")


WIRE = OpenAIWire()
