"""Gemini function calling: ``functionDeclarations``, ``functionCallingConfig``, ``functionCall`` /
``functionResponse`` parts.

Reads a request's tools (camelCase or snake_case, as proto3 JSON allows) into the
provider-neutral ``tools`` types, checks the modes and the call/response turn order as the real
API does, and shapes the emulator's calls as parts. Shapes: google-genai ``types.py``
(FunctionDeclaration, FunctionCallingConfig, FunctionCall, FunctionResponse), 2026-08; the
cookbook's Function_calling_config_REST notebook; real responses in pydantic-ai cassettes.
"""

from __future__ import annotations

import json
import re
from typing import Any

from mmcourse.emulator.gemini_usage import signature
from mmcourse.emulator.tools import ToolCall, ToolChoice, Tooling, ToolResult, ToolSpec
from mmcourse.emulator.wire import ApiError

NAME_PATTERN = re.compile(r"[a-zA-Z_][a-zA-Z0-9_.:-]{0,127}")
MODES = ("MODE_UNSPECIFIED", "AUTO", "ANY", "NONE", "VALIDATED")
CALL_FINISH_MESSAGE = "Model generated function call(s)."  # real 2026 responses (gemini-2.5-flash)
ENUM_TYPE = "type.googleapis.com/google.ai.generativelanguage.v1beta.FunctionCallingConfig.Mode"


def _invalid(message: str, field_path: str | None = None) -> ApiError:
    details = None
    if field_path:
        details = [{"@type": "type.googleapis.com/google.rpc.BadRequest",
                    "fieldViolations": [{"field": field_path, "description": message}]}]
    return ApiError(400, message, type="INVALID_ARGUMENT", details=details)


def _field(path: str, message: str) -> ApiError:
    return _invalid(f"* GenerateContentRequest.{path}: {message}\n", path)


def _get(obj: Any, camel: str) -> Any:
    """A field by its camelCase or snake_case name (proto3 JSON takes both)."""
    if not isinstance(obj, dict):
        return None
    snake = re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), camel)
    return obj.get(camel, obj.get(snake))


def read(request: dict, model_id: str = "") -> Tooling:
    """Validate ``tools`` and ``toolConfig.functionCallingConfig``; check the turn order (and, for
    Gemini 3, that function calls sent back carry their ``thoughtSignature``)."""
    tools = _declarations(request.get("tools"))
    tooling = Tooling(tools, _choice(request.get("tool_config"), tools))
    contents = request.get("contents") or []
    if model_id.startswith(SIGNED_MODELS):
        _check_signatures(contents)
    tooling.results, tooling.prompt = _turns(contents)
    return tooling


# Gemini 3 refuses a replayed function call without the thoughtSignature it came with (real 400s
# quoted by many clients, 2025-12 .. 2026-08); 2.5 models do not check.
SIGNED_MODELS = ("gemini-3",)


def _check_signatures(contents: list) -> None:
    for i, content in enumerate(contents):
        if (_get(content, "role") or "user") != "model":
            continue
        calls = [p for p in _parts(content) if _get(p, "functionCall") is not None]
        if calls and not _get(calls[0], "thoughtSignature"):
            name = _get(_get(calls[0], "functionCall"), "name")
            # The first sentence is the real one; what follows it is UNCONFIRMED.
            raise _invalid(f"Function call is missing a thought_signature in functionCall parts. This is "
                           f"required for tools to work correctly: send back the model's parts unchanged "
                           f"(function call `{name}` in contents[{i}]).")


def _declarations(value: Any) -> list[ToolSpec]:
    if value is None:
        return []
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        raise _invalid(f"Invalid value at 'tools' ({json.dumps(value)[:100]})", "tools")
    specs = []
    for i, tool in enumerate(value):
        for j, decl in enumerate(_get(tool, "functionDeclarations") or []):
            where = f"tools[{i}].function_declarations[{j}]"
            name = _get(decl, "name")
            if not isinstance(name, str) or not NAME_PATTERN.fullmatch(name):
                # Wording as real 400s quote it (2025, "maximum length of 64" then; 128 in the 2026
                # SDK docstring): UNCONFIRMED for 2026.
                raise _field(f"{where}.name", "Invalid function name. Must start with a letter or an "
                             "underscore. Must be alphameric (a-z, A-Z, 0-9), underscores (_), dots (.), "
                             "colons (:), or dashes (-), with a maximum length of 128.")
            openapi, plain = _get(decl, "parameters"), _get(decl, "parametersJsonSchema")
            if openapi is not None and plain is not None:  # wording UNCONFIRMED
                raise _field(f"{where}.parameters", "parameters and parameters_json_schema are mutually "
                             "exclusive: send only one of them.")
            schema = plain if plain is not None else _json_schema(openapi)
            specs.append(ToolSpec(name, str(_get(decl, "description") or ""), schema or {}))
    return specs


def _json_schema(schema: Any) -> Any:
    """Gemini's OpenAPI-subset Schema (``type: "OBJECT"``) as JSON Schema (lower-case types)."""
    if isinstance(schema, list):
        return [_json_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: _json_schema(v) for k, v in schema.items()}
    if isinstance(out.get("type"), str):
        out["type"] = out["type"].lower()
    return out


def _choice(config: Any, tools: list[ToolSpec]) -> ToolChoice:
    calling = _get(config, "functionCallingConfig") or {}
    mode = _get(calling, "mode")
    names = _get(calling, "allowedFunctionNames") or []
    path = "tool_config.function_calling_config"
    if mode is None:
        mode = "AUTO"
    if not isinstance(mode, str) or mode.upper() not in MODES:  # enum names are case-insensitive
        raise _invalid(f"Invalid value at '{path}.mode' ({ENUM_TYPE}), {json.dumps(mode)}", f"{path}.mode")
    mode = mode.upper()
    if names and mode != "ANY":  # the API docs: "only set when the Mode is ANY"; wording UNCONFIRMED
        raise _field(f"{path}.allowed_function_names", "allowed_function_names may only be set when "
                     "mode is ANY.")
    declared = {t.name for t in tools}
    for k, name in enumerate(names):
        if name not in declared:  # wording UNCONFIRMED
            raise _field(f"{path}.allowed_function_names[{k}]", f"function '{name}' is not declared in "
                         "tools.function_declarations.")
    if mode == "NONE" or not tools:
        return ToolChoice("none")
    if mode == "ANY":
        return ToolChoice("tool", names[0]) if len(names) == 1 else ToolChoice("required")
    return ToolChoice("auto")


def allowed(tooling: Tooling, config: Any) -> list[ToolSpec]:
    """The declarations ``ANY`` may call (``allowedFunctionNames``, else all)."""
    names = _get(_get(config, "functionCallingConfig"), "allowedFunctionNames") or []
    return [t for t in tooling.tools if not names or t.name in names]


def _parts(content: Any) -> list[dict]:
    parts = _get(content, "parts") or []
    return [p for p in parts if isinstance(p, dict)]


def _turns(contents: list) -> tuple[list[ToolResult], str | None]:
    """Function responses right after function calls, one per call; the last turn's results."""
    previous_calls: list[str] = []
    asked, question = None, None
    results: list[ToolResult] = []
    for content in contents:
        parts = _parts(content)
        calls = [_get(_get(p, "functionCall"), "name") for p in parts if _get(p, "functionCall") is not None]
        responses = [_get(p, "functionResponse") for p in parts if _get(p, "functionResponse") is not None]
        text = "\n".join(p["text"] for p in parts if isinstance(p.get("text"), str))
        from_model = (_get(content, "role") or "user") == "model"
        if calls and previous_calls:
            raise _invalid("Please ensure that function call turn comes immediately after a user turn or "
                           "after a function response turn.")
        if responses:
            if not previous_calls:
                raise _invalid("Please ensure that function response turn comes immediately after a function "
                               "call turn.")
            if len(responses) != len(previous_calls):
                raise _invalid("Please ensure that the number of function response parts is equal to the number "
                               "of function call parts of the function call turn.")
            results = [ToolResult(_get(r, "name"), _response_text(_get(r, "response")), _get(r, "id"))
                       for r in responses]
            question = f"{question or ''}\n{text}".strip() if text else question
        elif calls:
            question, results = asked, []
        elif from_model:
            results = []  # answered in text: a new exchange starts
        elif results:
            # Media sent in a user turn right after the responses (what clients do with files a
            # function returned) belong to the same answer.
            question = f"{question or ''}\n{text}".strip()
        elif text:
            asked = text
        previous_calls = calls
    return results, question if results else None


def _response_text(response: Any) -> str:
    """A functionResponse's ``response`` object as text (its single value when it has one)."""
    if isinstance(response, dict) and len(response) == 1:
        (value,) = response.values()
        if isinstance(value, str):
            return value
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return "\n".join(value)
    return json.dumps(response, ensure_ascii=False)


def parts(calls: list[ToolCall], seed: str, *, signed: bool) -> list[dict]:
    """``functionCall`` parts (no ``id``, as the Developer API sends them); thinking models put
    a ``thoughtSignature`` on the first, which Gemini 3 needs echoed back."""
    out: list[dict] = []
    for k, call in enumerate(calls):
        part: dict = {"functionCall": {"name": call.name, "args": call.arguments}}
        if signed and k == 0:
            part["thoughtSignature"] = signature(seed)
        out.append(part)
    return out


def output_text(calls: list[ToolCall]) -> str:
    """The text a function-call answer's output tokens are counted on."""
    return " ".join(f"{c.name} {json.dumps(c.arguments)}" for c in calls)
