"""OpenAI's Responses API: ``POST /v1/responses`` (plain and streamed), ``GET``/``DELETE
/v1/responses/{id}``, ``GET /v1/responses/{id}/input_items`` and ``POST /v1/responses/input_tokens``.

Shapes follow OpenAI's official OpenAPI spec (``CreateResponse``, ``Response``, ``ResponseUsage``,
``ResponseStreamEvent``; openai/openai-openapi, 2026-08) and real 2026 recordings (pydantic-ai's
VCR cassettes of the live API). Validation, auth and the error envelope are Chat Completions'
(``openai_wire``'s helpers); only what differs lives here: the item-based input, ``image_url`` as
a plain string, flat function tools, ``text.format``, stored responses and named stream events.

The JSON never carries ``output_text``: that is an SDK-only convenience property (spec and
openai-python's ``Response.output_text``); read ``output[i].content[j].text``.
"""

from __future__ import annotations

import hashlib
import re
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Any

from mmcourse.emulator import caching, urls
from mmcourse.emulator.attached import attached
from mmcourse.emulator.generate import compose, truncate_to_tokens, usage_for
from mmcourse.emulator.media import Media
from mmcourse.emulator.openai_common import (
    IMAGE_FORMATS,
    NAME,
    UNSUPPORTED_IMAGE,
    _error,
    _invalid_type,
    _invalid_value,
    _missing,
    _number,
)
from mmcourse.emulator.routes import path_convertor
from mmcourse.emulator.tools import (
    ToolCall,
    ToolChoice,
    ToolResult,
    ToolSpec,
    answer_after_results,
    choose_tool_calls,
)
from mmcourse.emulator.wire import (
    Call,
    Reply,
    decode_std_base64,
    split_data_url,
    sse,
    stable_token,
    word_chunks,
)

# CreateResponse = CreateModelResponseProperties + ResponseProperties + its own fields (spec, 2026-08).
KNOWN_PARAMS = frozenset(
    "background context_management conversation include input instructions max_output_tokens "
    "max_tool_calls metadata model moderation parallel_tool_calls previous_response_id prompt "
    "prompt_cache_key prompt_cache_options prompt_cache_retention reasoning safety_identifier "
    "service_tier store stream stream_options temperature text tool_choice tools top_logprobs "
    "top_p truncation user".split()
)
# TokenCountsBody (POST /v1/responses/input_tokens).
COUNT_PARAMS = frozenset(
    "model input previous_response_id tools text reasoning truncation instructions personality "
    "conversation tool_choice parallel_tool_calls".split()
)
# Known to the real API but not emulated: refused with a clear 400 rather than silently ignored.
NOT_EMULATED = {
    "background": "background responses (queued, then polled)",
    "conversation": "server-side conversations (use previous_response_id)",
    "prompt": "reusable prompt templates from the dashboard",
    "context_management": "server-side context compaction",
}
ROLES = ("user", "assistant", "system", "developer")
path_convertor("openai_response_id", r"resp_[^/]+")  # a stored response's id
INPUT_PARTS = ("input_text", "input_image", "input_file")
# An assistant turn replayed in ``input`` holds what the model wrote: since October 2025 the real
# API refuses input_text there ("Invalid value: 'input_text'. Supported values are: 'output_text'
# and 'refusal'.", param input[N].content[M], quoted in many public client issues, 2025-2026).
ASSISTANT_PARTS = ("output_text", "refusal")
ITEM_TYPES = ("message", "function_call", "function_call_output")
IMAGE_DETAILS = ("low", "high", "auto", "original")
TEXT_FORMATS = ("text", "json_object", "json_schema")
MIN_OUTPUT_TOKENS = 16  # CreateResponse.max_output_tokens minimum (spec)
TOOL_NAME = re.compile(r"[a-zA-Z0-9_-]{1,128}")  # FunctionToolParam.name (spec)
SCHEMA_NAME = re.compile(r"[a-zA-Z0-9_-]{1,64}")  # TextResponseFormatJsonSchema.name (spec)
MAX_STORED = 500  # emulator memory cap on stored responses (the real API keeps them 30 days)


def rpath(*parts: object) -> str:
    """The Responses API's param path style: ``input[0].content[1].image_url``.

    Chat Completions writes ``messages.[0]``; Responses writes ``input[0]`` (real 400s quoted
    by clients, 2026: "Unknown parameter: 'input[0].namespace'.").
    """
    out = ""
    for p in parts:
        out += f"[{p}]" if isinstance(p, int) else (f".{p}" if out else str(p))
    return out


def _unknown(param: str):
    return _error(400, f"Unknown parameter: '{param}'.", param, "unknown_parameter")


# -- stored responses ------------------------------------------------------------------------
@dataclass
class StoredResponse:
    """A response kept for ``GET``, ``previous_response_id`` and ``input_items``."""

    scope: str
    body: dict
    input_items: list  # this turn's input items, with ids
    conversation: list  # every item so far (earlier turns, this input, this output)


class ResponseStore:
    """Responses created with ``store`` (the default), the newest ``MAX_STORED`` per emulator."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: OrderedDict[str, StoredResponse] = OrderedDict()

    def put(self, rid: str, stored: StoredResponse) -> None:
        with self._lock:
            self._items[rid] = stored
            while len(self._items) > MAX_STORED:
                self._items.popitem(last=False)

    def get(self, rid: str) -> StoredResponse | None:
        with self._lock:
            return self._items.get(rid)

    def delete(self, rid: str) -> bool:
        with self._lock:
            return self._items.pop(rid, None) is not None

    def forget(self, scope: str) -> None:
        with self._lock:
            for rid in [r for r, s in self._items.items() if s.scope == scope]:
                del self._items[rid]


# -- the request, gathered -------------------------------------------------------------------
@dataclass
class Gathered:
    """What the input items say: texts (for usage), system text, the prompt, media, tool turns."""

    texts: list[str] = field(default_factory=list)
    system: list[str] = field(default_factory=list)
    prompt: str = ""
    media: list[Media] = field(default_factory=list)
    blocks: list[dict] = field(default_factory=list)  # content parts in order, for prompt caching
    calls: dict[str, str] = field(default_factory=dict)  # call_id -> name of function_call items
    outputs: list[str] = field(default_factory=list)  # call_ids of function_call_output items
    results: list[ToolResult] = field(default_factory=list)  # tool results since the last user turn


class ResponsesApi:
    """The Responses routes; ``wire`` is the OpenAI wire (auth, JSON body, model lookup)."""

    def __init__(self, wire: Any, body_limit: int) -> None:
        self.wire = wire
        one = "/v1/responses/{response_id:openai_response_id}"
        self.routes = [
            ("POST", "/v1/responses", self.create, body_limit),
            ("POST", "/v1/responses/input_tokens", self.input_tokens, body_limit),
            ("GET", one, self.retrieve, body_limit),
            ("DELETE", one, self.delete, body_limit),
            ("GET", one + "/input_items", self.input_items, body_limit),
            ("POST", one + "/cancel", self.cancel, body_limit),
        ]

    # -- create ----------------------------------------------------------------------------
    def create(self, call: Call) -> Reply:
        body = self.wire._json_body(call)
        model = self._validate_top(call, body, KNOWN_PARAMS)
        max_out = _number(body, "max_output_tokens", MIN_OUTPUT_TOKENS, float("inf"), integer=True)
        if max_out is not None and max_out > model.max_output_tokens:
            raise _error(400, f"Invalid 'max_output_tokens': integer above maximum value. Expected a value "
                         f"<= {model.max_output_tokens}, but got {max_out} instead.", "max_output_tokens",
                         "integer_above_max_value")
        _number(body, "temperature", 0, 2)
        _number(body, "top_p", 0, 1)
        stream = _flag(body, "stream", False)
        store = _flag(body, "store", True)
        stream_options = body.get("stream_options")
        if stream_options is not None and not stream:
            raise _error(400, "The 'stream_options' parameter is only allowed when 'stream' is enabled.",
                         "stream_options")
        fmt, json_schema = _text_format(body)
        tools = _tools(body)
        choice = _tool_choice(body, tools)
        previous, gathered, items = self._conversation(call, body, model)
        if fmt["type"] == "json_object" and "json" not in "\n".join(gathered.texts).lower():
            # Chat's rule, as the Responses API words it (UNCONFIRMED).
            raise _error(400, "Response input messages must contain the word 'json' in some form to use "
                         "'text.format' of type 'json_object'.", "input")
        system = "\n".join(gathered.system) or None
        count = call.state.next_count(call.scope)
        seed = hashlib.sha256(call.body).hexdigest()
        calls = choose_tool_calls(gathered.prompt, gathered.media, tools, choice, system=system,
                                  provider=NAME, model=model.id, answered_calls=len(gathered.results),
                                  parallel=body.get("parallel_tool_calls", True) is not False)
        if calls:
            output = [_function_call_item(seed, count, i, c) for i, c in enumerate(calls)]
            produced = "".join(c.arguments_json for c in calls)
            cut = False
        else:
            json_args = {"json_mode": fmt["type"] != "text", "json_schema": json_schema}
            if gathered.results:  # a turn after tool results answers from them
                answer = answer_after_results(gathered.prompt, gathered.media, gathered.results, system=system,
                                              provider=NAME, model=model.id, **json_args)
            else:
                answer = compose(gathered.prompt, gathered.media, system=system, provider=NAME,
                                 model=model.id, **json_args)
            answer, cut = truncate_to_tokens(answer, max_out)
            output = [_message_item("msg_" + stable_token(seed, count, "msg", length=48,
                                                          alphabet="0123456789abcdef"),
                                    answer, "incomplete" if cut else "completed")]
            produced = answer
        usage = usage_for(NAME, model.id, gathered.texts, gathered.media, produced)
        cached = caching.openai_cached_tokens(call, model.id, gathered.blocks, gathered.media,
                                              usage.input_tokens, key=body.get("prompt_cache_key"))
        rid = "resp_" + stable_token(seed, count, length=50, alphabet="0123456789abcdef")
        now = int(time.time())
        response = {
            "id": rid, "object": "response", "created_at": now,
            "status": "incomplete" if cut else "completed",
            "background": False, "completed_at": None if cut else now, "error": None,
            "incomplete_details": {"reason": "max_output_tokens"} if cut else None,
            "instructions": body.get("instructions"), "max_output_tokens": max_out,
            "max_tool_calls": body.get("max_tool_calls"), "model": call.model, "output": output,
            "parallel_tool_calls": body.get("parallel_tool_calls", True),
            "previous_response_id": body.get("previous_response_id"),
            "prompt_cache_key": body.get("prompt_cache_key"),
            "reasoning": {"effort": (body.get("reasoning") or {}).get("effort"), "summary": None},
            "safety_identifier": body.get("safety_identifier"), "service_tier": "default",
            "store": store, "temperature": body.get("temperature", 1.0),
            "text": {"format": fmt, "verbosity": "medium"},
            "tool_choice": body.get("tool_choice", "auto"), "tools": [_tool_echo(t) for t in body.get("tools") or []],
            "top_logprobs": body.get("top_logprobs", 0), "top_p": body.get("top_p", 1.0),
            "truncation": body.get("truncation", "disabled"),
            "usage": {
                "input_tokens": usage.input_tokens,
                "input_tokens_details": {"cached_tokens": cached, "cache_write_tokens": 0},
                "output_tokens": usage.output_tokens,
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": usage.input_tokens + usage.output_tokens,
            },
            "user": body.get("user"), "metadata": body.get("metadata") or {},
        }
        if store:
            conversation = [*(previous.conversation if previous else []), *items, *output]
            attached(call.state, ResponseStore).put(rid, StoredResponse(call.scope, response, items, conversation))
        if stream:
            obfuscate = (stream_options or {}).get("include_obfuscation", True) is not False
            return Reply(stream=stream_events(response, obfuscate), media_type="text/event-stream")
        return Reply(response)

    def _validate_top(self, call: Call, body: dict, known: frozenset) -> Any:
        unknown = sorted(set(body) - known)
        if unknown:
            raise _unknown(unknown[0])
        if body.get("model") in (None, ""):
            raise _missing("model")  # wording for Responses UNCONFIRMED (Chat's style)
        if not isinstance(body["model"], str):
            raise _invalid_type("model", "a string", body["model"])
        call.model = body["model"]
        model = self.wire._model(call.model)
        for name, what in NOT_EMULATED.items():
            if body.get(name) not in (None, False):
                raise _error(400, f"The mmcourse offline emulator does not emulate '{name}' ({what}): "
                             "leave it out offline.", name, "unsupported_parameter")
        if "input" not in body and not body.get("previous_response_id"):
            raise _missing("input")
        return model

    def _conversation(self, call: Call, body: dict, model) -> tuple[StoredResponse | None, Gathered, list]:
        """Earlier turns (``previous_response_id``) plus this input, validated and gathered."""
        previous = None
        gathered = Gathered()
        instructions = body.get("instructions")
        if instructions is not None:
            if not isinstance(instructions, str):
                raise _invalid_type("instructions", "a string", instructions)
            gathered.system.append(instructions)
            gathered.texts.append(instructions)
            gathered.blocks.append({"type": "instructions", "text": instructions})
        prev_id = body.get("previous_response_id")
        if prev_id is not None:
            previous = attached(call.state, ResponseStore).get(str(prev_id))
            if previous is None:
                # Status UNCONFIRMED (400 in most third-party fixtures); code and wording observed.
                raise _error(400, f"Previous response with id '{prev_id}' not found.",
                             "previous_response_id", "previous_response_not_found")
            for item in previous.conversation:
                self._item(call, item, ("previous",), model, gathered)  # validated when first sent
        items = _input_items(body.get("input", []))
        for i, item in enumerate(items):
            self._item(call, item, ("input", i), model, gathered)
        call.media = gathered.media
        for call_id in gathered.calls:
            if call_id not in gathered.outputs:
                raise _error(400, f"No tool output found for function call {call_id}.", "input")
        for call_id in gathered.outputs:
            if call_id not in gathered.calls:  # wording UNCONFIRMED
                raise _error(400, f"No tool call found for function call output with call_id {call_id}.", "input")
        if not gathered.texts and not gathered.media:
            raise _error(400, "Invalid 'input': empty array. Expected an array with minimum length 1, "
                         "but got an empty array instead.", "input", "empty_array")
        return previous, gathered, [_with_id(call, i, item) for i, item in enumerate(items)]

    def _item(self, call: Call, item: Any, where: tuple, model, out: Gathered) -> None:
        if not isinstance(item, dict):
            raise _invalid_type(rpath(*where), "an object", item)
        kind = item.get("type", "message" if "role" in item else None)
        if kind is None:
            raise _missing(rpath(*where, "type"))
        if kind not in ITEM_TYPES:
            raise _invalid_value(rpath(*where, "type"), kind, ITEM_TYPES)
        if kind == "function_call":
            for key in ("call_id", "name", "arguments"):
                if not isinstance(item.get(key), str):
                    raise _missing(rpath(*where, key))
            out.calls[item["call_id"]] = item["name"]
            out.texts.append(item["arguments"])
            return
        if kind == "function_call_output":
            if not isinstance(item.get("call_id"), str):
                raise _missing(rpath(*where, "call_id"))
            output = item.get("output")
            said: list[str] = []
            if isinstance(output, str):
                said.append(output)
            elif isinstance(output, list):  # a tool may return text, images and files
                for j, part in enumerate(output):
                    self._part(call, part, (*where, "output", j), INPUT_PARTS, model, out, said)
            else:
                raise _invalid_type(rpath(*where, "output"), "one of a string or array of objects", output)
            out.texts.append("\n".join(said))
            out.outputs.append(item["call_id"])
            out.results.append(ToolResult(out.calls.get(item["call_id"]), "\n".join(said), item["call_id"]))
            return
        role = item.get("role")
        if role is None:
            raise _missing(rpath(*where, "role"))
        if role not in ROLES:
            raise _invalid_value(rpath(*where, "role"), role, ROLES)
        if "content" not in item:
            raise _missing(rpath(*where, "content"))
        content = item["content"]
        texts: list[str] = []
        if isinstance(content, str):
            texts.append(content)
            out.blocks.append({"role": role, "text": content})
        elif isinstance(content, list):
            allowed = ASSISTANT_PARTS if role == "assistant" else INPUT_PARTS
            for j, part in enumerate(content):
                self._part(call, part, (*where, "content", j), allowed, model, out, texts)
        else:
            raise _invalid_type(rpath(*where, "content"), "one of a string or array of objects", content)
        joined = "\n".join(texts)
        out.texts.append(joined)
        if role in ("system", "developer"):
            out.system.append(joined)
        elif role == "user":
            out.prompt = joined
            out.results = []

    def _part(self, call: Call, part: Any, where: tuple, allowed: tuple, model, out: Gathered,
              texts: list[str]) -> None:
        if not isinstance(part, dict):
            raise _invalid_type(rpath(*where), "an object", part)
        kind = part.get("type")
        if kind is None:
            raise _missing(rpath(*where, "type"))
        if allowed == ASSISTANT_PARTS and kind not in allowed:
            raise _error(400, f"Invalid value: '{kind}'. Supported values are: 'output_text' and 'refusal'.",
                         rpath(*where), "invalid_value")
        if kind not in allowed:
            raise _invalid_value(rpath(*where, "type"), kind, allowed)
        out.blocks.append(part)
        if kind in ("input_text", "output_text", "refusal"):
            key = "refusal" if kind == "refusal" else "text"
            if key not in part:
                raise _missing(rpath(*where, key))
            if not isinstance(part[key], str):
                raise _invalid_type(rpath(*where, key), "a string", part[key])
            texts.append(part[key])
            return
        if kind == "input_image":
            out.media.append(self._image(call, part, where, model))
        else:
            out.media.append(self._file(call, part, where, model))

    def _image(self, call: Call, part: dict, where: tuple, model) -> Media:
        if "image" not in model.modalities:
            raise _error(400, "Invalid content type. input_image is only supported by certain models.",
                         rpath(*where, "type"))
        detail = part.get("detail", "auto")
        if detail not in IMAGE_DETAILS:
            raise _invalid_value(rpath(*where, "detail"), detail, IMAGE_DETAILS)
        if part.get("file_id") is not None:
            stored = call.state.get_file(NAME, str(part["file_id"]))
            if stored is None:
                raise _error(400, f"No such File object: {part['file_id']}", rpath(*where, "file_id"))
            item = Media(mime=stored.mime, data=stored.data, name=stored.filename, detail=detail)
        else:
            url = part.get("image_url")
            if url is None:
                raise _missing(rpath(*where, "image_url"))
            if not isinstance(url, str):  # a plain string here, not Chat's {"url": ...} object
                raise _invalid_type(rpath(*where, "image_url"), "a string", url)
            if url.startswith(("http://", "https://")):
                fetched = urls.fetch(call, url)
                if fetched is None:
                    raise _error(400, urls.openai_download_error(url), rpath(*where, "image_url"),
                                 "invalid_image_url")
                item = Media(mime=fetched.mime, data=fetched.data, name=fetched.name, detail=detail)
            else:
                parsed = split_data_url(url)
                data = decode_std_base64(parsed[2]) if parsed and parsed[1] else None
                if not data:
                    raise _error(400, f"Invalid '{rpath(*where, 'image_url')}'. Expected a base64-encoded data "
                                 "URL with an image MIME type (e.g. 'data:image/png;base64,aW1nIGJ5dGVzIGhlcmU='), "
                                 "or an https URL.", rpath(*where, "image_url"), "invalid_value")
                item = Media(mime=parsed[0], data=data, detail=detail)
        facts = item.measured()
        if facts["sniffed"] not in IMAGE_FORMATS or not facts["decodable"]:
            raise _error(400, UNSUPPORTED_IMAGE, rpath(*where), "invalid_image_format")
        item.mime = facts["sniffed"]
        return item

    def _file(self, call: Call, part: dict, where: tuple, model) -> Media:
        if "pdf" not in model.modalities:
            raise _error(400, "Invalid content type. input_file is only supported by certain models.",
                         rpath(*where, "type"))
        if part.get("file_id") is not None:
            stored = call.state.get_file(NAME, str(part["file_id"]))
            if stored is None:
                raise _error(400, f"No such File object: {part['file_id']}", rpath(*where, "file_id"))
            item = Media(mime=stored.mime, data=stored.data, name=stored.filename)
        elif part.get("file_url") is not None:
            fetched = urls.fetch(call, str(part["file_url"]))
            if fetched is None:
                raise _error(400, urls.openai_download_error(str(part["file_url"])), rpath(*where, "file_url"),
                             "invalid_value")
            item = Media(mime=fetched.mime, data=fetched.data, name=fetched.name)
        elif part.get("file_data") is not None:
            raw = part["file_data"]
            parsed = split_data_url(raw) if isinstance(raw, str) else None
            data = decode_std_base64(parsed[2]) if parsed and parsed[1] else None
            if not data:
                raise _error(400, f"Invalid '{rpath(*where, 'file_data')}'. Expected a base64-encoded data URL "
                             "with a file MIME type (e.g. 'data:application/pdf;base64,JVBERi0...').",
                             rpath(*where, "file_data"), "invalid_value")
            item = Media(mime=parsed[0], data=data, name=part.get("filename"))
        else:
            raise _missing(rpath(*where, "file_id"))
        facts = item.measured()
        if facts["sniffed"] != "application/pdf" or not facts["decodable"]:
            raise _error(400, "Invalid input_file: the mmcourse emulator reads PDF files only (the bytes are "
                         f"{facts['sniffed'] or 'not a recognised format'}).", rpath(*where), "invalid_value")
        item.mime = "application/pdf"
        return item

    # -- other routes ----------------------------------------------------------------------
    def input_tokens(self, call: Call) -> Reply:
        body = self.wire._json_body(call)
        model = self._validate_top(call, body, COUNT_PARAMS)
        _tools(body)
        _, gathered, _ = self._conversation(call, body, model)
        usage = usage_for(NAME, model.id, gathered.texts, gathered.media, "")
        return Reply({"object": "response.input_tokens", "input_tokens": usage.input_tokens})

    def _stored(self, call: Call) -> StoredResponse:
        rid = call.params["response_id"]
        stored = attached(call.state, ResponseStore).get(rid)
        if stored is None:  # wording UNCONFIRMED (the normal Error envelope, per the spec)
            raise _error(404, f"Response with id '{rid}' not found.", "response_id")
        return stored

    def retrieve(self, call: Call) -> Reply:
        """The stored response; ``?stream=true`` replays its events (after ``starting_after``)."""
        stored = self._stored(call)
        call.model = stored.body["model"]
        if call.query.get("stream", "").lower() == "true":
            after = call.query.get("starting_after")
            skip = int(after) + 1 if after and after.isdigit() else 0
            events = stream_events(stored.body, call.query.get("include_obfuscation", "true") != "false")
            return Reply(stream=(e for i, e in enumerate(events) if i >= skip), media_type="text/event-stream")
        return Reply(stored.body)

    def cancel(self, call: Call) -> Reply:
        self._stored(call)
        # Only background responses can be cancelled (spec); the emulator makes none. Wording UNCONFIRMED.
        raise _error(400, "Only responses created with background=true can be cancelled.", "response_id")

    def delete(self, call: Call) -> Reply:
        stored = self._stored(call)
        attached(call.state, ResponseStore).delete(stored.body["id"])
        return Reply({"id": stored.body["id"], "object": "response", "deleted": True})

    def input_items(self, call: Call) -> Reply:
        data = list(self._stored(call).input_items)
        if call.query.get("order", "desc") == "desc":
            data.reverse()
        return Reply({"object": "list", "data": data, "first_id": data[0]["id"] if data else None,
                      "last_id": data[-1]["id"] if data else None, "has_more": False})


# -- request fields --------------------------------------------------------------------------
def _flag(body: dict, name: str, default: bool) -> bool:
    value = body.get(name)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise _invalid_type(name, "a boolean", value)
    return value


def _input_items(value: Any) -> list:
    """``input`` as a list of items: a string is one user message."""
    if isinstance(value, str):
        return [{"type": "message", "role": "user", "content": value}]
    if not isinstance(value, list):
        raise _invalid_type("input", "one of a string or array of objects", value)
    return value


def _with_id(call: Call, index: int, item: dict) -> dict:
    """An input item as ``input_items`` lists it (messages get a ``msg_`` id and a status)."""
    if item.get("id"):
        return dict(item)
    token = stable_token(call.request_id, index, length=48, alphabet="0123456789abcdef")
    if item.get("type", "message") == "message":
        content = item.get("content")
        if isinstance(content, str):
            content = [{"type": "input_text", "text": content}]
        return {"id": "msg_" + token, "type": "message", "role": item.get("role"), "status": "completed",
                "content": content}
    prefix = {"function_call": "fc_", "function_call_output": "fco_"}[item["type"]]
    return {**item, "id": prefix + token}


def _text_format(body: dict) -> tuple[dict, dict | None]:
    """The echoed ``text.format`` and the JSON Schema the answer must follow (if any)."""
    text = body.get("text")
    if text is None:
        return {"type": "text"}, None
    if not isinstance(text, dict):
        raise _invalid_type("text", "an object", text)
    fmt = text.get("format")
    if fmt is None:
        return {"type": "text"}, None
    if not isinstance(fmt, dict):
        raise _invalid_type("text.format", "an object", fmt)
    if "type" not in fmt:
        raise _missing("text.format.type")
    if fmt["type"] not in TEXT_FORMATS:
        raise _invalid_value("text.format.type", fmt["type"], TEXT_FORMATS)
    if fmt["type"] != "json_schema":
        return {"type": fmt["type"]}, None
    name = fmt.get("name")
    if name is None:
        raise _missing("text.format.name")
    if not isinstance(name, str) or not SCHEMA_NAME.fullmatch(name):
        raise _error(400, f"Invalid 'text.format.name': string does not match pattern. Expected a string "
                     f"that matches the pattern '^[a-zA-Z0-9_-]+$', but got '{name}' instead.",
                     "text.format.name", "invalid_value")
    schema = fmt.get("schema")
    if schema is None:
        raise _missing("text.format.schema")
    if not isinstance(schema, dict):
        raise _invalid_type("text.format.schema", "an object", schema)
    echo = {"type": "json_schema", "description": fmt.get("description"), "name": name,
            "schema": schema, "strict": bool(fmt.get("strict", False))}
    return echo, schema


def _tools(body: dict) -> list[ToolSpec]:
    """Flat function tools: ``{"type": "function", "name", "description", "parameters", "strict"}``."""
    tools = body.get("tools")
    if tools is None:
        return []
    if not isinstance(tools, list):
        raise _invalid_type("tools", "an array", tools)
    out = []
    for i, tool in enumerate(tools):
        if not isinstance(tool, dict):
            raise _invalid_type(rpath("tools", i), "an object", tool)
        if tool.get("type") != "function":
            raise _error(400, f"The mmcourse offline emulator runs function tools only, not "
                         f"{tool.get('type')!r} (built-in tools need OpenAI's servers).",
                         rpath("tools", i, "type"), "invalid_value")
        if "function" in tool:  # Chat's nested shape sent to the Responses API
            raise _unknown(rpath("tools", i, "function"))
        name = tool.get("name")
        if name is None:
            raise _missing(rpath("tools", i, "name"))
        if not isinstance(name, str) or not TOOL_NAME.fullmatch(name):
            raise _error(400, f"Invalid '{rpath('tools', i, 'name')}': string does not match pattern. Expected "
                         f"a string that matches the pattern '^[a-zA-Z0-9_-]+$', but got '{name}' instead.",
                         rpath("tools", i, "name"), "invalid_value")
        params = tool.get("parameters") or {}
        if not isinstance(params, dict):
            raise _invalid_type(rpath("tools", i, "parameters"), "an object", params)
        out.append(ToolSpec(name, tool.get("description") or "", params))
    return out


def _tool_choice(body: dict, tools: list[ToolSpec]) -> ToolChoice:
    """``none|auto|required``, ``{"type": "function", "name"}`` or ``{"type": "allowed_tools", ...}``."""
    value = body.get("tool_choice")
    if value is None:
        return ToolChoice("auto")
    if isinstance(value, str):
        if value not in ("none", "auto", "required"):
            raise _invalid_value("tool_choice", value, ("none", "auto", "required"))
        return ToolChoice(value)  # type: ignore[arg-type]
    if not isinstance(value, dict):
        raise _invalid_type("tool_choice", "one of a string or object", value)
    if value.get("type") == "function":
        name = value.get("name")
        if name not in [t.name for t in tools]:  # wording UNCONFIRMED
            raise _error(400, f"Tool choice '{name}' not found in 'tools' parameter.", "tool_choice")
        return ToolChoice("tool", name)
    if value.get("type") == "allowed_tools":
        mode = value.get("mode", "auto")
        allowed = {t.get("name") for t in value.get("tools") or [] if isinstance(t, dict)}
        tools[:] = [t for t in tools if t.name in allowed]
        return ToolChoice("required" if mode == "required" else "auto")
    raise _invalid_value("tool_choice.type", value.get("type"), ("function", "allowed_tools"))


def _strict_compatible(schema: dict) -> bool:
    """Whether a schema meets strict mode's rules (closed objects, every property required)."""
    if not isinstance(schema, dict):
        return True
    if schema.get("type") == "object":
        props = schema.get("properties") or {}
        if schema.get("additionalProperties") is not False or set(schema.get("required") or []) != set(props):
            return False
        return all(_strict_compatible(p) for p in props.values())
    if schema.get("type") == "array":
        return _strict_compatible(schema.get("items") or {})
    return True


def _tool_echo(tool: dict) -> dict:
    """A tool as the response echoes it: ``strict`` always explicit (spec: without it, Responses
    uses strict mode when the schema is compatible)."""
    params = tool.get("parameters") or {}
    strict = tool["strict"] if isinstance(tool.get("strict"), bool) else _strict_compatible(params)
    return {"type": "function", "name": tool.get("name"), "description": tool.get("description"),
            "parameters": params, "strict": strict}


# -- output items ----------------------------------------------------------------------------
def _message_item(mid: str, text: str, status: str) -> dict:
    return {"id": mid, "type": "message", "status": status, "role": "assistant",
            "content": [{"type": "output_text", "annotations": [], "logprobs": [], "text": text}]}


def _function_call_item(seed: str, count: int, index: int, tool_call: ToolCall) -> dict:
    token = stable_token(seed, count, "fc", index, length=48, alphabet="0123456789abcdef")
    return {"id": "fc_" + token, "type": "function_call", "status": "completed",
            "arguments": tool_call.arguments_json,
            "call_id": "call_" + stable_token(seed, count, "call", index, length=24),
            "name": tool_call.name}


# -- streaming -------------------------------------------------------------------------------
def stream_events(response: dict, obfuscate: bool = True):
    """The named SSE events of a streamed response, in the real order, numbered from 0.

    created -> in_progress -> per item: output_item.added, (content_part.added, output_text.delta
    x N, output_text.done, content_part.done | function_call_arguments.delta x N, .done),
    output_item.done -> completed (or incomplete). No ``[DONE]``.
    """
    seq = iter(range(1_000_000))

    def event(kind: str, **fields: Any) -> str:
        return sse({"type": kind, **fields, "sequence_number": next(seq)}, event=kind)

    def pad(piece: str) -> dict:
        # The real API pads deltas to normalise their sizes unless include_obfuscation is false.
        return {"obfuscation": stable_token(piece, length=max(1, 16 - len(piece) % 16))} if obfuscate else {}

    opening = {**response, "status": "in_progress", "completed_at": None, "output": [], "usage": None,
               "incomplete_details": None}
    yield event("response.created", response=opening)
    yield event("response.in_progress", response=opening)
    for index, item in enumerate(response["output"]):
        ids = {"item_id": item["id"], "output_index": index}
        if item["type"] == "message":
            yield event("response.output_item.added", output_index=index,
                        item={**item, "status": "in_progress", "content": []})
            part = item["content"][0]
            yield event("response.content_part.added", **ids, content_index=0, part={**part, "text": ""})
            for piece in word_chunks(part["text"]):
                yield event("response.output_text.delta", **ids, content_index=0, delta=piece,
                            logprobs=[], **pad(piece))
            yield event("response.output_text.done", **ids, content_index=0, text=part["text"], logprobs=[])
            yield event("response.content_part.done", **ids, content_index=0, part=part)
        else:
            yield event("response.output_item.added", output_index=index,
                        item={**item, "status": "in_progress", "arguments": ""})
            for piece in _argument_chunks(item["arguments"]):
                yield event("response.function_call_arguments.delta", **ids, delta=piece, **pad(piece))
            yield event("response.function_call_arguments.done", **ids, name=item["name"],
                        arguments=item["arguments"])
        yield event("response.output_item.done", output_index=index, item=item)
    final = "response.incomplete" if response["status"] == "incomplete" else "response.completed"
    yield event(final, response=response)


def _argument_chunks(arguments: str, size: int = 12) -> list[str]:
    return [arguments[i:i + size] for i in range(0, len(arguments), size)] or [""]
