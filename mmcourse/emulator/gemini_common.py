"""What Gemini's emulator modules share (the wire, explicit caches, URLs, batches): its name, the
request schema as proto field names (camelCase accepted), Google's error envelope and timestamps."""

from __future__ import annotations

import json
import re
import time
from dataclasses import dataclass
from typing import Any

from mmcourse.emulator.routes import path_convertor
from mmcourse.emulator.wire import (
    ApiError,
)
from mmcourse.providers import gemini as gemini_provider

TYPE_PREFIX = "type.googleapis.com/google.ai.generativelanguage.v1beta."
_SCALAR_TYPES = {"string": "TYPE_STRING", "number": "TYPE_FLOAT", "integer": "TYPE_INT32",
                 "boolean": "TYPE_BOOL", "bytes": "TYPE_BYTES"}

NAME = "gemini"

# Every Gemini route starts with its API version (the SDKs use v1beta; v1 and v1alpha exist too).
path_convertor("gemini_version", r"v1beta|v1alpha|v1")
VERSION_PATH = "/{version:gemini_version}"


FACTS = gemini_provider.WIRE_FACTS  # limits and allow-lists shared with the client


GOOGLE_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED",
                 404: "NOT_FOUND", 409: "ALREADY_EXISTS", 429: "RESOURCE_EXHAUSTED", 499: "CANCELLED",
                 500: "INTERNAL", 501: "UNIMPLEMENTED", 503: "UNAVAILABLE", 504: "DEADLINE_EXCEEDED"}


# -- request schema (proto field names; camelCase accepted) ---------------------------------
@dataclass(frozen=True)
class Msg:
    """A proto message type: its short name (for error messages) and its fields."""

    type_name: str
    fields: dict


@dataclass(frozen=True)
class Repeated:
    item: Any


ANY = "any"  # Struct, Schema, tools: accepted as given


_BLOB = Msg("Blob", {"mime_type": "string", "data": "bytes", "display_name": "string"})


_FILE_DATA = Msg("FileData", {"mime_type": "string", "file_uri": "string", "display_name": "string"})


_VIDEO_METADATA = Msg("VideoMetadata", {"start_offset": "string", "end_offset": "string", "fps": "number"})


_PART = Msg("Part", {
    "text": "string", "inline_data": _BLOB, "file_data": _FILE_DATA, "function_call": ANY,
    "function_response": ANY, "executable_code": ANY, "code_execution_result": ANY,
    "thought": "boolean", "thought_signature": "bytes", "video_metadata": _VIDEO_METADATA,
    "media_resolution": ANY, "part_metadata": ANY,
})


_CONTENT = Msg("Content", {"role": "string", "parts": Repeated(_PART)})


_THINKING = Msg("ThinkingConfig", {"thinking_budget": "integer", "include_thoughts": "boolean",
                                   "thinking_level": "string"})


_GENERATION_CONFIG = Msg("GenerationConfig", {
    "temperature": "number", "top_p": "number", "top_k": "number", "candidate_count": "integer",
    "max_output_tokens": "integer", "stop_sequences": Repeated("string"),
    "presence_penalty": "number", "frequency_penalty": "number", "seed": "integer",
    "response_mime_type": "string", "response_schema": ANY, "response_json_schema": ANY,
    "response_modalities": Repeated("string"), "response_logprobs": "boolean", "logprobs": "integer",
    "media_resolution": "string", "thinking_config": _THINKING, "speech_config": ANY,
    "image_config": ANY, "enable_enhanced_civic_answers": "boolean",
})


_SAFETY = Msg("SafetySetting", {"category": "string", "threshold": "string", "method": "string"})


_GENERATE_REQUEST = Msg("GenerateContentRequest", {
    "model": "string", "contents": Repeated(_CONTENT), "system_instruction": _CONTENT,
    "generation_config": _GENERATION_CONFIG, "safety_settings": Repeated(_SAFETY), "tools": ANY,
    "tool_config": ANY, "cached_content": "string",
})


_COUNT_REQUEST = Msg("CountTokensRequest", {
    "model": "string", "contents": Repeated(_CONTENT), "generate_content_request": _GENERATE_REQUEST,
})


def _snake(name: str) -> str:
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), name)


def _status(code: int) -> str:
    return GOOGLE_STATUS.get(code, "INTERNAL" if code >= 500 else "INVALID_ARGUMENT")


def _error(code: int, message: str, details: list | None = None, status: str | None = None) -> ApiError:
    return ApiError(code, message, type=status or _status(code), details=details)


def _invalid(message: str, field: str | None = None) -> ApiError:
    details = None
    if field is not None:
        violation = {"field": field, "description": message} if field else {"description": message}
        details = [{"@type": "type.googleapis.com/google.rpc.BadRequest", "fieldViolations": [violation]}]
    return _error(400, message, details)


def normalize(value: Any, spec: Any, path: str) -> Any:
    """Check a JSON value against the request schema; return it with snake_case keys."""
    if spec == ANY or value is None:
        return value
    if isinstance(spec, Repeated):
        if isinstance(value, dict):  # tolerated by the real parser (the cookbook relies on it)
            value = [value]
        if not isinstance(value, list):
            raise _invalid(f"Invalid value at '{path}' ({_type_of(spec.item)}), {json.dumps(value)[:200]}", path)
        return [normalize(v, spec.item, f"{path}[{i}]") for i, v in enumerate(value)]
    if isinstance(spec, Msg):
        if not isinstance(value, dict):
            raise _invalid(f"Invalid value at '{path}' ({TYPE_PREFIX}{spec.type_name}), {json.dumps(value)[:200]}", path)
        out = {}
        for key, item in value.items():
            snake = _snake(key)
            if snake not in spec.fields:
                where = f" at '{path}'" if path else ""
                raise _invalid(f'Invalid JSON payload received. Unknown name "{key}"{where}: Cannot find field.', path)
            if item is not None:  # proto3 JSON: null means "field not set"
                out[snake] = normalize(item, spec.fields[snake], f"{path}.{snake}" if path else snake)
        return out
    ok = {
        "string": isinstance(value, str),
        "bytes": isinstance(value, str),
        "boolean": isinstance(value, bool),
        "number": _is_number(value),
        "integer": _is_number(value, integer=True),
    }[spec]
    if not ok:
        raise _invalid(f"Invalid value at '{path}' ({_SCALAR_TYPES[spec]}), {json.dumps(value)[:200]}", path)
    if spec in ("number", "integer") and isinstance(value, str):
        return float(value) if spec == "number" else int(value)
    return value


def _type_of(spec: Any) -> str:
    return f"{TYPE_PREFIX}{spec.type_name}" if isinstance(spec, Msg) else _SCALAR_TYPES.get(spec, "TYPE_MESSAGE")


def _is_number(value: Any, integer: bool = False) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, str):  # proto3 JSON accepts numbers as strings
        return bool(re.fullmatch(r"-?[0-9]{1,19}" if integer else r"-?[0-9]+(\.[0-9]*)?([eE][-+]?[0-9]+)?", value.strip()))
    if integer:
        return isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    return isinstance(value, (int, float))


def _field_error(path: str, message: str) -> ApiError:
    """Google's request-validation style: ``* GenerateContentRequest.<path>: <message>\\n``."""
    return _invalid(f"* GenerateContentRequest.{path}: {message}\n", path)


def _timestamp(seconds: float) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds)) + f".{int(seconds % 1 * 1e6):06d}Z"
