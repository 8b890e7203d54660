"""Gemini's wire format: generateContent (plain, SSE and JSON-array streams), countTokens, Models
and the File API with its resumable upload protocol.

Shapes follow the google-genai SDK types (GenerateContentResponse, File, ListFilesResponse,
Model; 2025 .. 2026-08), the Gemini API reference and cookbook REST notebooks. Input accepts the
proto field names and their lowerCamelCase forms (the proto3 JSON rule); output is camelCase;
error messages name fields by their proto path (``contents[0].parts[1].inline_data.data``).
Both ``/v1beta/`` and ``/v1/`` paths are served (current google-genai calls ``/v1``).
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
import time
from typing import Any

from mmcourse import tokens
from mmcourse.emulator import caching, gemini_tools, urls
from mmcourse.emulator import models as served_models
from mmcourse.emulator.batch_wires import GeminiBatches
from mmcourse.emulator.gemini_cached_contents import CachedContentsApi
from mmcourse.emulator.gemini_common import (
    _COUNT_REQUEST,
    _GENERATE_REQUEST,
    FACTS,
    NAME,
    VERSION_PATH,
    _error,
    _field_error,
    _invalid,
    _snake,
    _status,
    _timestamp,
    normalize,
)
from mmcourse.emulator.gemini_stream import answer_parts, json_array, stream_bodies
from mmcourse.emulator.gemini_usage import details as _details
from mmcourse.emulator.gemini_usage import thought_parts, thought_tokens, usage_metadata
from mmcourse.emulator.generate import compose, truncate_to_tokens, usage_for
from mmcourse.emulator.media import Media, modality
from mmcourse.emulator.routes import path_convertor
from mmcourse.emulator.state import Fault, StoredFile, StoreFull, Upload
from mmcourse.emulator.strict import parse_int
from mmcourse.emulator.tools import answer_after_results, choose_tool_calls
from mmcourse.emulator.wire import (
    ApiError,
    BadJson,
    Call,
    Reply,
    decode_proto_base64,
    duration_text,
    first_bad_base64_prefix,
    parse_json,
    sse,
    stable_token,
)

BODY_LIMIT = FACTS.max_request_bytes  # 100 MB inline since 2026-01-12 (Gemini API blog)
CHUNK_LIMIT = 64 * 1024 * 1024  # one resumable-upload request (the SDK sends 8 MiB chunks)
FILE_TTL = 48 * 3600  # uploaded files are kept 48 hours (File API docs)
# MIME types generateContent accepts inline or via fileData: the provider's allow-lists.
SUPPORTED_MIME = frozenset(FACTS.image_mimes + FACTS.audio_mimes + FACTS.video_mimes + FACTS.document_mimes)
# Commands an upload URL accepts (the resumable protocol; "start" only opens a session).
UPLOAD_COMMANDS = frozenset(frozenset(c) for c in (
    {"upload"}, {"upload", "finalize"}, {"finalize"}, {"query"}, {"cancel"}))
RESPONSE_MIME = ("text/plain", "application/json", "application/xml", "application/yaml", "text/x.enum")
FAULT_MESSAGES = {
    500: "An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting",
    503: "The model is overloaded. Please try again later.",
    504: "Deadline expired before operation could complete.",
}
NO_KEY = ("Method doesn't allow unregistered callers (callers without established identity). "
          "Please use API Key or other form of API consumer identity to call this API.")
BAD_KEY = "API key not valid. Please pass a valid API key."
# What Google answers when a bearer token is not an OAuth access token. A Gemini API key sent
# as "Authorization: Bearer" is tried as OAuth, so the real API answers this 401 rather than
# the 403 for a missing key (Google's canonical UNAUTHENTICATED wording; UNCONFIRMED for Gemini).
BAD_BEARER = ("Request had invalid authentication credentials. Expected OAuth 2 access token, "
              "login cookie or other valid authentication credential. See "
              "https://developers.google.com/identity/sign-in/web/devconsole-project.")


























# The model methods a ``models/{model}:{method}`` path may name (batchGenerateContent is the batches').
path_convertor("gemini_method", r"generateContent|streamGenerateContent|countTokens")

class GeminiWire:
    """The Gemini provider as the app sees it (see app.py for the protocol)."""

    name = NAME
    owns_paths = (
        r"/(v1beta|v1alpha)/.*",
        r"/upload/.*",
        r"/v1/models/[^/]+:[A-Za-z]+",
        r"/v1/files/[^/]+:download",
    )
    marker_headers = ("x-goog-api-key", "x-goog-api-client", "x-goog-upload-protocol",
                      "x-goog-upload-command")

    def __init__(self) -> None:
        # These modules build on this one, so they are imported once it is complete.

        self.cached_contents = CachedContentsApi(self, BODY_LIMIT)
        v = VERSION_PATH
        self.routes = [
            ("POST", v + "/models/{model:resource}:{method:gemini_method}", self.model_method, BODY_LIMIT),
            *self.cached_contents.routes,
            *GeminiBatches(self, BODY_LIMIT).routes,
            ("GET", v + "/models", self.list_models, BODY_LIMIT),
            ("GET", v + "/models/{model:resource}", self.get_model, BODY_LIMIT),
            ("POST", "/upload" + v + "/files", self.upload, CHUNK_LIMIT, False),
            ("GET", v + "/files", self.list_files, BODY_LIMIT),
            ("GET", v + "/files/{file_id:resource}", self.get_file, BODY_LIMIT),
            ("DELETE", v + "/files/{file_id:resource}", self.delete_file, BODY_LIMIT),
            ("GET", v + "/files/{file_id:resource}:download", self.download_file, BODY_LIMIT),
        ]

    # -- protocol --------------------------------------------------------------------------
    def api_key(self, call: Call) -> str | None:
        key = call.header("x-goog-api-key") or call.query.get("key")
        return key.strip() if key and key.strip() else None

    def authenticate(self, call: Call) -> None:
        key = self.api_key(call)
        if key is None:
            if (call.header("authorization") or "").lower().startswith("bearer "):
                raise _error(401, BAD_BEARER)
            raise _error(403, NO_KEY)
        if "invalid" in key:  # the emulator's documented way to show a wrong-key error
            raise _error(400, BAD_KEY, [
                {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID",
                 "domain": "googleapis.com", "metadata": {"service": "generativelanguage.googleapis.com"}},
                {"@type": "type.googleapis.com/google.rpc.LocalizedMessage", "locale": "en-US",
                 "message": BAD_KEY},
            ])

    def error_reply(self, err: ApiError, call: Call) -> Reply:
        inner = {"code": err.status, "message": err.message, "status": err.type or _status(err.status)}
        if err.details:
            inner["details"] = err.details
        body: Any = {"error": inner}
        # streamGenerateContent without alt=sse answers errors inside a JSON array.
        if call.params.get("method") == "streamGenerateContent" and call.query.get("alt") != "sse":
            body = [body]
        headers = dict(err.headers)
        if call.path.startswith("/upload/") and "upload_id" in call.query:
            headers["x-goog-upload-status"] = "final"  # tells the SDK to stop and raise
        return Reply(body, status=err.status, headers=headers)

    def bad_json(self, call: Call, reason: str) -> ApiError:
        return _invalid(f"Invalid JSON payload received. {reason}", "")

    def too_large(self, call: Call, limit: int) -> ApiError:
        # Older Google APIs' wording (UNCONFIRMED for current Gemini).
        return _invalid(f"Request payload size exceeds the limit: {limit} bytes.")

    def no_route(self, call: Call) -> ApiError:
        return _error(404, f"Method not found: {call.method} {call.path}.")

    def fault(self, call: Call, fault: Fault) -> ApiError:
        status, retry_after = fault.status, fault.retry_after
        if status == 429:
            # An injected delay is kept exact in RetryInfo (a Duration may carry fractions).
            err = self.rate_limited(call, None, retry_after or 1.0, exact=retry_after is not None)
        else:
            err = _error(status, FAULT_MESSAGES.get(status, FAULT_MESSAGES[500]))
        if retry_after is not None:
            # Whether Gemini sends an HTTP Retry-After is UNCONFIRMED; when asked for one we send
            # whole seconds rounded up, so a positive delay never reads as 0.
            err.headers["retry-after"] = str(math.ceil(max(0.0, retry_after)))
        return err

    def rate_limited(self, call: Call, limit: int | None, reset: float, *, exact: bool = False) -> ApiError:
        model = call.params.get("model") or "gemini"
        metric = "generativelanguage.googleapis.com/generate_content_requests"
        err = _error(429, (
            "You exceeded your current quota, please check your plan and billing details. For more "
            "information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. "
            f"\n* Quota exceeded for metric: {metric}, limit: {limit or 0}, model: {model}\n"
            f"Please retry in {reset:.2f}s."), [
            {"@type": "type.googleapis.com/google.rpc.Help", "links": [
                {"description": "Learn more about Gemini API quotas",
                 "url": "https://ai.google.dev/gemini-api/docs/rate-limits"}]},
            {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": [
                {"quotaMetric": metric, "quotaId": "GenerateRequestsPerMinutePerProjectPerModel",
                 "quotaDimensions": {"location": "global", "model": model},
                 **({"quotaValue": str(limit)} if limit else {})}]},
            # The emulator's own quota window reports whole seconds, as Google's errors do.
            {"@type": "type.googleapis.com/google.rpc.RetryInfo",
             "retryDelay": duration_text(reset if exact else max(1, round(reset)))},
        ])
        return err

    def headers(self, call: Call, rate: tuple) -> dict:
        return {}  # Gemini sends no rate-limit headers; retry timing lives in the body

    def new_request_id(self, call: Call, count: int) -> str:
        return stable_token(call.scope, count, call.path, length=22)

    # -- generateContent / streamGenerateContent / countTokens -----------------------------
    def _json_body(self, call: Call) -> Any:
        try:
            body = parse_json(call.body)
        except BadJson as exc:
            raise self.bad_json(call, str(exc)) from None
        call.request_json = body
        return body

    def _model(self, call: Call):
        call.model = call.params["model"]
        try:
            return served_models.resolve(NAME, call.model)
        except served_models.ModelNotFound:
            # The real text names the method, and generateContent's (2025-2026) says
            # "ModelService.ListModels" where countTokens' says "ListModels" (real bodies:
            # pydantic-ai cassettes; google-genai issues quoting both).
            method = call.params.get("method") or "generateContent"
            lister = "ListModels" if method == "countTokens" else "ModelService.ListModels"
            raise _error(404, f"models/{call.model} is not found for API version {call.params['version']}, "
                         f"or is not supported for {method}. Call {lister} to see the list "
                         "of available models and their supported methods.") from None

    def model_method(self, call: Call) -> Reply:
        model = self._model(call)
        body = self._json_body(call)
        method = call.params["method"]
        spec = _COUNT_REQUEST if method == "countTokens" else _GENERATE_REQUEST
        if not isinstance(body, dict):
            raise _invalid(f"Invalid JSON payload received. Expected an object for {spec.type_name}.", "")
        request = normalize(body, spec, "")
        if method == "countTokens" and request.get("generate_content_request"):
            request = request["generate_content_request"]
        request, cached_tokens = self.cached_contents.apply(call, request, model)
        found = self._gather(call, request, model)
        call.media = found["media"]
        if method == "countTokens":
            usage = usage_for(NAME, model.id, found["texts"], found["media"], "",
                              tokens.tool_tokens(NAME, request.get("tools") or []))
            return Reply({"totalTokens": usage.input_tokens, "promptTokensDetails": _details(usage)})
        config = request.get("generation_config") or {}
        tooling = gemini_tools.read(request, model.id)
        found["tools"] = request.get("tools") or []
        system = found["system"] or None
        json_args = {"json_mode": found["json_mode"], "json_schema": found["json_schema"]}
        offered = gemini_tools.allowed(tooling, request.get("tool_config"))
        calls = choose_tool_calls(found["prompt"], found["media"], offered, tooling.choice, system=system,
                                  provider=NAME, model=model.id, answered_calls=len(tooling.results),
                                  parallel=True)
        count = call.state.next_count(call.scope)
        response_id = stable_token(hashlib.sha256(call.body).hexdigest(), count, length=22)
        if calls:
            return self._function_calls(call, model, config, found, calls, response_id)
        if tooling.results:
            answer = answer_after_results(tooling.prompt or found["prompt"], found["media"], tooling.results,
                                          system=system, provider=NAME, model=model.id, **json_args)
        else:
            answer = compose(found["prompt"], found["media"], system=system, provider=NAME, model=model.id,
                             **json_args)
        finish = "STOP"
        for stop in config.get("stop_sequences") or []:
            if stop and stop in answer:
                answer = answer.split(stop, 1)[0]
                break
        max_out = config.get("max_output_tokens")
        answer, cut = truncate_to_tokens(answer, int(max_out) if max_out else None)
        if cut:
            finish = "MAX_TOKENS"
        usage = usage_for(NAME, model.id, found["texts"], found["media"], answer,
                          tokens.tool_tokens(NAME, request.get("tools") or []))
        candidates = int(config.get("candidate_count") or 1)
        thoughts = thought_tokens(model.id, config, usage.output_tokens)
        usage_meta = usage_metadata(usage.input_tokens, usage.output_tokens * candidates, thoughts, _details(usage))
        caching.gemini_usage(call, model.id, request, found["media"], usage_meta, cached_tokens)
        if method == "streamGenerateContent":
            chunks = caching.gemini_stream_usage(
                stream_bodies(answer, finish, usage, thoughts, model.id, response_id,
                               thought_parts(config, thoughts, response_id)), usage_meta)
            if call.query.get("alt") == "sse":
                return Reply(stream=(sse(c) for c in chunks), media_type="text/event-stream")
            return Reply(stream=json_array(chunks), media_type="application/json")
        return Reply({
            "candidates": [{"content": {"parts": answer_parts(answer, config, thoughts, response_id),
                                        "role": "model"},
                            "finishReason": finish, "index": i} for i in range(candidates)],
            "usageMetadata": usage_meta, "modelVersion": model.id, "responseId": response_id,
        })

    def _function_calls(self, call: Call, model, config: dict, found: dict, calls: list,
                        response_id: str) -> Reply:
        """An answer of ``functionCall`` parts: ``finishReason`` stays STOP (real 2026 responses)."""
        usage = usage_for(NAME, model.id, found["texts"], found["media"], gemini_tools.output_text(calls),
                          tokens.tool_tokens(NAME, found["tools"]))
        thoughts = thought_tokens(model.id, config, usage.output_tokens)
        candidate = {"content": {"parts": gemini_tools.parts(calls, response_id, signed=thoughts > 0),
                                 "role": "model"},
                     "finishReason": "STOP", "finishMessage": gemini_tools.CALL_FINISH_MESSAGE, "index": 0}
        body = {"candidates": [candidate],
                "usageMetadata": usage_metadata(usage.input_tokens, usage.output_tokens, thoughts, _details(usage)),
                "modelVersion": model.id, "responseId": response_id}
        if call.params["method"] != "streamGenerateContent":
            return Reply(body)
        # Streams carry the calls whole, in one chunk (they are not split into fragments).
        if call.query.get("alt") == "sse":
            return Reply(stream=iter([sse(body)]), media_type="text/event-stream")
        return Reply(stream=json_array([body]), media_type="application/json")

    def _gather(self, call: Call, request: dict, model) -> dict:
        contents = request.get("contents")
        if not contents:
            raise _field_error("contents", "contents is not specified")
        texts: list[str] = []
        media: list[Media] = []
        prompt = ""
        for i, content in enumerate(contents):
            if content is None:
                raise _field_error(f"contents[{i}]", "content is not specified")
            role = content.get("role") or "user"
            if role not in ("user", "model"):
                raise _invalid("Please use a valid role: user, model.")
            parts = content.get("parts")
            if not parts:
                raise _field_error(f"contents[{i}].parts", "contents.parts must not be empty.")
            own = self._parts(call, parts, f"contents[{i}].parts", media, model)
            texts.append(own)
            if role == "user":
                prompt = own
        system = ""
        instruction = request.get("system_instruction")
        if instruction:
            system = self._parts(call, instruction.get("parts") or [], "system_instruction.parts", media, model)
            texts.insert(0, system)
        config = request.get("generation_config") or {}
        mime = config.get("response_mime_type")
        if mime is not None and mime not in RESPONSE_MIME:
            raise _field_error("generation_config.response_mime_type",
                               "allowed mimetypes are `text/plain`, `application/json`, `application/xml`, "
                               "`application/yaml` and `text/x.enum`.")
        temperature = config.get("temperature")
        if temperature is not None and not 0 <= temperature <= 2:
            raise _field_error("generation_config.temperature", "temperature must be in the range [0.0, 2.0]")
        candidates = config.get("candidate_count")
        if candidates is not None and not 1 <= candidates <= 8:
            raise _field_error("generation_config.candidate_count", "candidate_count must be in the range [1, 8]")
        max_out = config.get("max_output_tokens")
        if max_out is not None and max_out < 0:
            raise _field_error("generation_config.max_output_tokens", "max_output_tokens must be positive.")
        if max_out is not None and max_out > model.max_output_tokens:
            raise _invalid(f"The input max_output_tokens value ({int(max_out)}) is out of range: the "
                           f"supported range is from 1 (inclusive) to {model.max_output_tokens + 1} (exclusive).")
        json_mode = mime == "application/json"
        # responseJsonSchema (JSON Schema) or responseSchema (OpenAPI subset, "OBJECT"...): both
        # name the keys the answer must have; they shape JSON answers only.
        schema = config.get("response_json_schema") or config.get("response_schema")
        return {"texts": texts, "media": media, "prompt": prompt, "system": system,
                "json_mode": json_mode,
                "json_schema": schema if json_mode and isinstance(schema, dict) else None}

    def _parts(self, call: Call, parts: list, path: str, media: list, model) -> str:
        texts = []
        for j, part in enumerate(parts):
            where = f"{path}[{j}]"
            if not part:
                raise _field_error(f"{where}.data", "required oneof field 'data' must have one initialized field")
            if "text" in part:
                texts.append(part["text"])
            if part.get("inline_data") is not None:
                media.append(self._inline(part["inline_data"], f"{where}.inline_data", model))
            if part.get("file_data") is not None:
                media.append(self._file_part(call, part["file_data"], f"{where}.file_data", model))
            response = part.get("function_response")
            for k, inner in enumerate(response.get("parts") or [] if isinstance(response, dict) else []):
                blob = (inner.get("inlineData") or inner.get("inline_data")) if isinstance(inner, dict) else None
                if isinstance(blob, dict):  # Gemini 3 multimodal function results
                    media.append(self._inline({"mime_type": blob.get("mimeType") or blob.get("mime_type"),
                                               "data": blob.get("data")},
                                              f"{where}.function_response.parts[{k}].inline_data", model))
        return "\n".join(texts)

    def _check_mime(self, mime: str | None, where: str, model) -> str:
        if not mime:
            raise _field_error(f"{where}.mime_type", "mime_type is not specified")  # wording UNCONFIRMED
        if mime.lower() not in SUPPORTED_MIME:
            raise _invalid(f"Unsupported MIME type: {mime}")
        kind = modality(mime)
        if kind and kind != "text" and not served_models.registry.accepts(model.id, kind):
            raise _invalid(f"Unsupported MIME type: {mime}")
        return mime.lower()

    def _inline(self, blob: dict, where: str, model) -> Media:
        raw = blob.get("data")
        if not raw:
            raise _field_error(f"{where}.data", "data is not specified")  # wording UNCONFIRMED
        data = decode_proto_base64(raw)
        if data is None:
            message = (f"Invalid value at '{where}.data' (TYPE_BYTES), Base64 decoding failed for "
                       f"\"{first_bad_base64_prefix(raw)}\"")
            raise _invalid(message, f"{where}.data")
        mime = self._check_mime(blob.get("mime_type"), where, model)
        return self._measured(Media(mime=mime, data=data))

    @staticmethod
    def _measured(item: Media) -> Media:
        facts = item.measured()
        if not facts["decodable"]:
            if item.kind == "image":
                raise _invalid("Unable to process input image. Please retry or report in "
                               "https://developers.generativeai.google/guide/troubleshooting")
            raise _invalid("Request contains an invalid argument.")
        # A declared type that disagrees with the bytes is not known to be an error at Gemini
        # (UNCONFIRMED); the answer engine gets what the bytes really are.
        if facts["sniffed"] and modality(facts["sniffed"]) == item.kind:
            item.mime = facts["sniffed"]
        return item

    def _file_part(self, call: Call, ref: dict, where: str, model) -> Media:
        uri = ref.get("file_uri")
        if not uri:
            raise _field_error(f"{where}.file_uri", "file_uri is not specified")  # wording UNCONFIRMED
        m = re.search(r"(?:^|/)files/([a-z0-9-]{1,40})$", uri)
        if not m:  # an https URL: only the emulator's own course-data URLs can be fetched
            item = urls.gemini_media(call, uri)
            item.mime = self._check_mime(ref.get("mime_type") or item.mime, where, model)
            return self._measured(item)
        stored = call.state.get_file(NAME, m.group(1))
        if stored is None:
            # Google answers 403 (not 404) for a file id the caller cannot see, so as not to
            # reveal whether it exists (real responses quoted in public issues, 2025).
            raise _error(403, f"You do not have permission to access the File {m.group(1)} or it may not exist.")
        if not stored.active():
            raise _error(400, f"The File {stored.id} is not in an ACTIVE state and usage is not allowed.",
                         status="FAILED_PRECONDITION")
        mime = self._check_mime(ref.get("mime_type") or stored.mime, where, model)
        return self._measured(Media(mime=mime, data=stored.data, name=stored.display_name))

    # -- models ----------------------------------------------------------------------------
    @staticmethod
    def _model_object(model) -> dict:
        return {"name": f"models/{model.id}", "version": "001", "displayName": model.display_name,
                "description": f"{model.display_name} (served by the mmcourse offline emulator)",
                "inputTokenLimit": model.context_window, "outputTokenLimit": model.max_output_tokens,
                "supportedGenerationMethods": ["generateContent", "countTokens"],
                "temperature": 1, "topP": 0.95, "topK": 64, "maxTemperature": 2, "thinking": True}

    def list_models(self, call: Call) -> Reply:
        items = [self._model_object(m) for m in served_models.served(NAME)]
        page, token = _page(call, items, default=50, maximum=1000)
        return Reply({"models": page, **({"nextPageToken": token} if token else {})})

    def get_model(self, call: Call) -> Reply:
        return Reply(self._model_object(self._model(call)))

    # -- File API --------------------------------------------------------------------------
    def _file_object(self, call: Call, f: StoredFile) -> dict:
        active = f.active()
        obj = {"name": f"files/{f.id}"}
        if f.display_name:
            obj["displayName"] = f.display_name
        obj.update({
            "mimeType": f.mime, "sizeBytes": str(f.size),
            "createTime": _timestamp(f.created),
            "updateTime": _timestamp(f.ready_at if active else f.created),
            "expirationTime": _timestamp(f.created + FILE_TTL),
            "sha256Hash": base64.b64encode(hashlib.sha256(f.data).hexdigest().encode()).decode(),
            "uri": f"{call.origin}/v1beta/files/{f.id}",
            "state": "ACTIVE" if active else "PROCESSING",
            "source": "UPLOADED",
        })
        if active and "seconds" in f.meta:
            obj["videoMetadata"] = {"videoDuration": f"{f.meta['seconds']:.6g}s"}
        return obj

    def upload(self, call: Call) -> Reply:
        if "upload_id" in call.query:
            return self._upload_chunk(call)
        self.authenticate(call)
        protocol = (call.header("x-goog-upload-protocol") or "").lower()
        command = (call.header("x-goog-upload-command") or "").lower()
        if protocol != "resumable" or command != "start":
            raise _invalid("Start an upload with the headers X-Goog-Upload-Protocol: resumable and "
                           "X-Goog-Upload-Command: start (the resumable protocol of the File API).")
        meta = self._start_body(call)
        declared = call.header("x-goog-upload-header-content-length")
        if declared is not None and parse_int(declared.strip(), 0) is None:
            raise _invalid(f"Invalid X-Goog-Upload-Header-Content-Length: {declared!r}")
        name = meta.get("name")
        file_id = None
        if name:
            m = re.fullmatch(r"(?:files/)?([a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?)", str(name))
            if not m:
                raise _invalid(f"Invalid file name {name!r}: use up to 40 lowercase letters, digits or "
                               "dashes, not starting or ending with a dash.", "file.name")
            file_id = m.group(1)
            if call.state.get_file(NAME, file_id) is not None:
                raise _error(409, f"File files/{file_id} already exists.")
        display = meta.get("display_name")
        if display is not None and len(str(display)) > 512:
            raise _invalid("display_name must be at most 512 characters.", "file.display_name")
        count = call.state.next_count(call.scope)
        upload_id = "mmc-" + stable_token(call.scope, count, time.time(), length=24)
        call.state.start_upload(Upload(
            id=upload_id, scope=call.scope,
            mime=(call.header("x-goog-upload-header-content-type") or meta.get("mime_type") or "").strip(),
            declared_size=parse_int(declared.strip()) if declared else None,
            display_name=None if display is None else str(display), name=file_id))
        url = f"{call.origin}/upload/{call.params['version']}/files?upload_id={upload_id}&upload_protocol=resumable"
        return Reply(None, headers={"x-goog-upload-url": url, "x-goog-upload-status": "active",
                                    "x-goog-upload-chunk-granularity": "262144",
                                    "x-guploader-uploadid": upload_id}, media_type="text/plain")

    def _start_body(self, call: Call) -> dict:
        if not call.body.strip():
            return {}
        try:
            body = parse_json(call.body)
        except BadJson as exc:
            # The cookbook's sample.sh sends single-quoted JSON and the real API takes it.
            try:
                body = parse_json(call.body.replace(b"'", b'"'))
            except BadJson:
                raise self.bad_json(call, str(exc)) from None
        call.request_json = body
        if not isinstance(body, dict) or not isinstance(body.get("file", {}), dict):
            raise _invalid("Invalid JSON payload received. Expected {\"file\": {...}}.", "")
        file_meta = body.get("file") or {}
        unknown = [k for k in file_meta if _snake(k) not in
                   ("display_name", "mime_type", "size_bytes", "name", "source", "video_metadata")]
        if unknown:
            raise _invalid(f'Invalid JSON payload received. Unknown name "{unknown[0]}" at \'file\': '
                           "Cannot find field.", "file")
        return {_snake(k): v for k, v in file_meta.items()}

    def _upload_chunk(self, call: Call) -> Reply:
        upload = call.state.get_upload(call.query["upload_id"])
        call.request_json = {"upload_id": call.query["upload_id"], "bytes": len(call.body)}
        if upload is None:
            raise _error(404, "No upload session with this upload_id (it was finalised, cancelled "
                              "or never started): start a new upload.")
        call.scope = upload.scope
        commands = frozenset(c.strip() for c in (call.header("x-goog-upload-command") or "").lower().split(","))
        if commands not in UPLOAD_COMMANDS:
            raise _invalid("X-Goog-Upload-Command must be 'upload', 'upload, finalize', 'finalize', "
                           f"'query' or 'cancel' on an upload URL, not {call.header('x-goog-upload-command')!r}.")
        if "query" in commands:
            return Reply(None, headers={"x-goog-upload-status": "active",
                                        "x-goog-upload-size-received": str(len(upload.received))})
        if "cancel" in commands:
            call.state.finish_upload(upload.id)
            return Reply(None, headers={"x-goog-upload-status": "cancelled"})
        offset = call.header("x-goog-upload-offset")
        if "upload" in commands:
            if parse_int((offset or "").strip()) != len(upload.received):
                raise _invalid(f"Invalid X-Goog-Upload-Offset {offset!r}: the server has received "
                               f"{len(upload.received)} bytes, so the next chunk must start there.")
            try:
                call.state.append_upload(upload.id, call.body)
            except StoreFull as exc:
                call.state.finish_upload(upload.id)
                raise _error(429, f"File storage quota exceeded: {exc}.") from None
        if "finalize" not in commands:
            return Reply(None, headers={"x-goog-upload-status": "active",
                                        "x-goog-upload-size-received": str(len(upload.received))})
        call.state.finish_upload(upload.id)
        return self._finalize(call, upload)

    def _finalize(self, call: Call, upload: Upload) -> Reply:
        data = bytes(upload.received)
        if upload.declared_size is not None and len(data) != upload.declared_size:
            raise _invalid(f"The upload was finalised with {len(data)} bytes, but "
                           f"X-Goog-Upload-Header-Content-Length declared {upload.declared_size}.")
        item = Media(mime=upload.mime or "application/octet-stream", data=data)
        facts = item.measured()
        if not upload.mime:
            item.mime = facts["sniffed"] or "application/octet-stream"
        call.media = [item]
        now = time.time()
        is_video = item.kind == "video"
        meta = {"seconds": facts["seconds"]} if is_video and "seconds" in facts else {}
        file_id = upload.name or stable_token(item.sha256, upload.id, length=12,
                                              alphabet="abcdefghijklmnopqrstuvwxyz0123456789")
        try:
            stored = call.state.add_file(StoredFile(
                id=file_id, provider=NAME, scope=upload.scope, filename=upload.display_name or file_id,
                mime=item.mime, data=data, created=now, display_name=upload.display_name,
                ready_at=now + (call.state.settings.video_processing_seconds if is_video else 0.0),
                meta=meta))
        except StoreFull as exc:
            raise _error(429, f"File storage quota exceeded: {exc}.") from None
        return Reply({"file": self._file_object(call, stored)}, headers={"x-goog-upload-status": "final"})

    def _stored(self, call: Call) -> StoredFile:
        stored = call.state.get_file(NAME, call.params["file_id"])
        if stored is None:
            raise _error(403, f"You do not have permission to access the File {call.params['file_id']} "
                              "or it may not exist.")
        return stored

    def get_file(self, call: Call) -> Reply:
        return Reply(self._file_object(call, self._stored(call)))

    def delete_file(self, call: Call) -> Reply:
        call.state.delete_file(NAME, self._stored(call).id)
        return Reply({})

    def download_file(self, call: Call) -> Reply:
        self._stored(call)
        raise _invalid("Only generated or registered files can be downloaded; uploaded files cannot.")

    def list_files(self, call: Call) -> Reply:
        items = [self._file_object(call, f) for f in call.state.list_files(NAME, call.scope)]
        page, token = _page(call, items, default=10, maximum=100)
        body: dict = {"files": page} if page else {}
        if token:
            body["nextPageToken"] = token
        return Reply(body)


def _page(call: Call, items: list, *, default: int, maximum: int) -> tuple[list, str | None]:
    """Google paging: ``pageSize`` (clamped to ``maximum``) and an opaque ``pageToken``."""
    raw_size = call.query.get("pageSize") or call.query.get("page_size") or str(default)
    size = parse_int(raw_size, 0)
    if size is None:
        raise _invalid(f"Invalid value at 'page_size' (TYPE_INT32), \"{raw_size[:100]}\"", "page_size")
    size = min(size or default, maximum)
    token = call.query.get("pageToken") or call.query.get("page_token")
    start = 0
    if token:
        try:
            start = int(base64.urlsafe_b64decode(token.encode() + b"==").decode())
        except (ValueError, UnicodeDecodeError):
            raise _invalid("Invalid page_token.", "page_token") from None
    page = items[start:start + size]
    more = start + size < len(items)
    return page, base64.urlsafe_b64encode(str(start + size).encode()).decode().rstrip("=") if more else None


WIRE = GeminiWire()
