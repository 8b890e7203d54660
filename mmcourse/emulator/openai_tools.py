"""OpenAI Chat Completions tool calling: ``tools``, ``tool_choice``, ``tool_calls`` and ``role: tool``.

Reads a request's tools into the provider-neutral ``tools`` types, checks them and the
call/result pairing the way the real API does, and shapes the emulator's calls as a message
and as stream deltas. Shapes: OpenAI OpenAPI spec (ChatCompletionTool, ChatCompletionToolChoiceOption,
ChatCompletionMessageToolCall(Chunk)), 2026-08; error wording observed in real 400s quoted by
client libraries (openai-python, LiteLLM, LangChain issues, 2024-2026).
"""

from __future__ import annotations

import json
import re
from typing import Any

from mmcourse.emulator.tools import ToolCall, ToolChoice, Tooling, ToolResult, ToolSpec, text_of
from mmcourse.emulator.wire import ApiError, stable_token

NAME_PATTERN = re.compile(r"[a-zA-Z0-9_-]{1,64}")
CHOICES = ("none", "auto", "required")


def _error(message: str, param: str | None = None, code: str | None = None) -> ApiError:
    return ApiError(400, message, type="invalid_request_error", param=param, code=code)


def read(body: dict, messages: list) -> Tooling:
    """Validate ``tools`` / ``tool_choice`` / ``parallel_tool_calls`` and the messages' pairing."""
    tools = _tools(body.get("tools"))
    if not tools:
        for name in ("tool_choice", "parallel_tool_calls"):
            if body.get(name) is not None:
                raise _error(f"Invalid value for '{name}': '{name}' is only allowed when 'tools' are "
                             "specified.", name)
    parallel = body.get("parallel_tool_calls")
    if parallel is not None and not isinstance(parallel, bool):
        raise _error(f"Invalid type for 'parallel_tool_calls': expected a boolean, but got "
                     f"{type(parallel).__name__} instead.", "parallel_tool_calls", "invalid_type")
    tooling = Tooling(tools, _choice(body.get("tool_choice"), tools), parallel is not False)
    tooling.results, tooling.prompt = _pairing(messages)
    return tooling


def _tools(value: Any) -> list[ToolSpec]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _error(f"Invalid type for 'tools': expected an array, but got {type(value).__name__} instead.",
                     "tools", "invalid_type")
    specs = []
    for i, tool in enumerate(value):
        where = f"tools[{i}]"
        if not isinstance(tool, dict):
            raise _error(f"Invalid type for '{where}': expected an object.", where, "invalid_type")
        if tool.get("type") not in ("function", "custom"):
            raise _error(f"Invalid value: '{tool.get('type')}'. Supported values are: 'function' and "
                         "'custom'.", f"{where}.type", "invalid_value")
        function = tool.get("function")
        if not isinstance(function, dict):
            raise _error(f"Missing required parameter: '{where}.function'.", f"{where}.function",
                         "missing_required_parameter")
        name = function.get("name")
        if not isinstance(name, str):
            raise _error(f"Missing required parameter: '{where}.function.name'.", f"{where}.function.name",
                         "missing_required_parameter")
        if not NAME_PATTERN.fullmatch(name):
            raise _error(f"Invalid '{where}.function.name': string does not match pattern. Expected a "
                         "string that matches the pattern '^[a-zA-Z0-9_-]+$'.", f"{where}.function.name",
                         "invalid_value")
        parameters = function.get("parameters")
        _check_schema(name, parameters, strict=function.get("strict") is True)
        specs.append(ToolSpec(name, str(function.get("description") or ""), parameters or {}))
    return specs


def _check_schema(name: str, schema: Any, *, strict: bool) -> None:
    """A function's parameters: an object schema; strict ones closed and fully required."""
    if schema is None:
        return  # no parameters: the function takes no arguments
    kind = schema.get("type") if isinstance(schema, dict) else None
    if kind != "object":
        shown = "null" if kind is None else f'"{kind}"'
        raise _error(f"Invalid schema for function '{name}': schema must be a JSON Schema of "
                     f"'type: \"object\"', got 'type: {shown}'.", "tools", "invalid_function_parameters")
    if strict:
        problem = strict_problem(schema, ())
        if problem:
            raise _error(f"Invalid schema for function '{name}': {problem}", "tools",
                         "invalid_function_parameters")


def strict_problem(schema: dict, context: tuple[str, ...]) -> str | None:
    """What strict mode refuses in an object schema (OpenAI structured-outputs rules): every
    object closed (``additionalProperties: false``) and every property required."""
    where = "In context=(" + ", ".join(f"'{c}'" for c in context) + ("," if len(context) == 1 else "") + ")"
    if schema.get("type") == "object" or "properties" in schema:
        if schema.get("additionalProperties") is not False:
            return f"{where}, 'additionalProperties' is required to be supplied and to be false."
        props = schema.get("properties") or {}
        missing = [k for k in props if k not in (schema.get("required") or [])]
        if missing:
            return (f"{where}, 'required' is required to be supplied and to be an array including every "
                    f"key in properties. Missing '{missing[0]}'.")
        for key, sub in props.items():
            if isinstance(sub, dict):
                found = strict_problem(sub, (*context, "properties", key))
                if found:
                    return found
    if isinstance(schema.get("items"), dict):
        return strict_problem(schema["items"], (*context, "items"))
    return None


def _choice(value: Any, tools: list[ToolSpec]) -> ToolChoice:
    if value is None:
        return ToolChoice("auto" if tools else "none")
    if isinstance(value, str):
        if value not in CHOICES:
            raise _error(f"Invalid value: '{value}'. Supported values are: 'none', 'auto', and 'required'.",
                         "tool_choice", "invalid_value")
        return ToolChoice(value)
    if not isinstance(value, dict):
        raise _error("Invalid type for 'tool_choice': expected one of a string or object.", "tool_choice",
                     "invalid_type")
    if value.get("type") == "allowed_tools":
        spec = value.get("allowed_tools") or {}
        names = [t.get("function", {}).get("name") for t in spec.get("tools") or [] if isinstance(t, dict)]
        mode = "required" if spec.get("mode") == "required" else "auto"
        return ToolChoice(mode) if len(names) != 1 else ToolChoice("tool", names[0])
    name = (value.get("function") or {}).get("name") if isinstance(value.get("function"), dict) else None
    if value.get("type") != "function" or not isinstance(name, str):
        raise _error("Missing required parameter: 'tool_choice.function.name'.", "tool_choice.function.name",
                     "missing_required_parameter")
    if name not in {t.name for t in tools}:
        raise _error(f"Tool choice '{name}' not found in 'tools' parameter.", "tool_choice")
    return ToolChoice("tool", name)


def _pairing(messages: list) -> tuple[list[ToolResult], str | None]:
    """Check that tool messages answer a preceding ``tool_calls`` message and every call is answered.

    Returns the results that end the conversation (after its last assistant ``tool_calls``
    message) and the user text they answer.
    """
    pending: dict[str, str] = {}  # call id -> function name, for the open assistant turn
    names: dict[str, str] = {}
    opened = None
    results: list[ToolResult] = []
    last_user, question = None, None
    for i, message in enumerate(messages):
        role = message.get("role")
        if pending and role != "tool":
            raise _unanswered(opened, pending)
        if role == "assistant" and message.get("tool_calls"):
            calls = message["tool_calls"]
            if not isinstance(calls, list):
                raise _error(f"Invalid type for 'messages[{i}].tool_calls': expected an array.",
                             f"messages[{i}].tool_calls", "invalid_type")
            for call in calls:
                call_id = call.get("id") if isinstance(call, dict) else None
                name = ((call.get("function") or {}).get("name") if isinstance(call, dict) else None) or ""
                if not isinstance(call_id, str):
                    raise _error(f"Missing required parameter: 'messages[{i}].tool_calls[0].id'.",
                                 f"messages[{i}].tool_calls[0].id", "missing_required_parameter")
                pending[call_id], names[call_id] = name, name
            opened, results, question = i, [], last_user
        elif role == "assistant":
            opened, results = None, []  # answered in text: a new exchange starts
        elif role == "tool":
            call_id = message.get("tool_call_id")
            if not isinstance(call_id, str):
                raise _error(f"Missing required parameter: 'messages[{i}].tool_call_id'.",
                             f"messages[{i}].tool_call_id", "missing_required_parameter")
            if call_id not in pending:
                raise _error("Invalid parameter: messages with role 'tool' must be a response to a preceeding "
                             "message with 'tool_calls'.", f"messages.[{i}].role")
            pending.pop(call_id)
            results.append(ToolResult(names.get(call_id), text_of(message.get("content")), call_id))
        elif role == "user":
            last_user = text_of(message.get("content"))
            if opened is not None and results:
                question = f"{question or ''}\n{last_user}".strip()
                continue
            results, opened = [], None
    if pending:
        raise _unanswered(opened, pending)
    return results, question if results else None


def _unanswered(index: int | None, pending: dict[str, str]) -> ApiError:
    return _error("An assistant message with 'tool_calls' must be followed by tool messages responding to "
                  "each 'tool_call_id'. The following tool_call_ids did not have response messages: "
                  + ", ".join(pending), f"messages.[{index}].role")


def call_ids(calls: list[ToolCall], seed: str) -> list[str]:
    """``call_`` + 24 characters, deterministic per request."""
    return ["call_" + stable_token(seed, k, c.name, length=24) for k, c in enumerate(calls)]


def message(calls: list[ToolCall], ids: list[str]) -> dict:
    """The assistant message of a tool-call answer (``content`` null, ``arguments`` a JSON string)."""
    return {"role": "assistant", "content": None, "refusal": None, "annotations": [],
            "tool_calls": [{"id": cid, "type": "function",
                            "function": {"name": c.name, "arguments": c.arguments_json}}
                           for cid, c in zip(ids, calls, strict=True)]}


def argument_pieces(arguments: str, size: int = 8) -> list[str]:
    """The ``arguments`` string cut into stream fragments whose concatenation is the string."""
    return [arguments[i:i + size] for i in range(0, len(arguments), size)] or [""]


def stream_deltas(calls: list[ToolCall], ids: list[str]) -> list[dict]:
    """Chunk deltas: per call one header (index, id, type, name, empty arguments), then fragments.

    The first delta also carries ``role``, ``content: null`` and ``refusal: null``, as in real
    streams (gpt-4o-mini, 2026-07).
    """
    deltas: list[dict] = []
    for index, (cid, call) in enumerate(zip(ids, calls, strict=True)):
        head = {"index": index, "id": cid, "type": "function",
                "function": {"name": call.name, "arguments": ""}}
        first = {"tool_calls": [head]}
        if index == 0:
            first = {"role": "assistant", "content": None, **first, "refusal": None}
        deltas.append(first)
        for piece in argument_pieces(call.arguments_json):
            deltas.append({"tool_calls": [{"index": index, "function": {"arguments": piece}}]})
    return deltas


def output_text(calls: list[ToolCall]) -> str:
    """What the calls cost in output tokens is counted on (names and arguments)."""
    return " ".join(f"{c.name} {json.dumps(c.arguments)}" for c in calls)
