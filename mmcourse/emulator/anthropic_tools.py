"""Anthropic Messages tool use: ``tools``, ``tool_choice``, ``tool_use`` and ``tool_result`` blocks.

Reads a request's tools into the provider-neutral ``tools`` types, checks them and the
``tool_use`` / ``tool_result`` pairing as the real API does, and shapes the emulator's calls as
content blocks and as stream events. Shapes: anthropic-sdk-python types (ToolParam,
ToolChoice*Param, ToolUseBlock, ToolResultBlockParam, InputJSONDelta), 2026-08; error wording
from real 400s quoted in public issues (anthropics/claude-code, LiteLLM, 2025-2026).
"""

from __future__ import annotations

import json
import re
from typing import Any

from mmcourse.emulator.tools import ToolCall, ToolChoice, Tooling, ToolResult, ToolSpec, text_of
from mmcourse.emulator.wire import ApiError, sse, stable_token

NAME_PATTERN = re.compile(r"[a-zA-Z0-9_-]{1,128}")
CHOICE_TAGS = ("auto", "any", "tool", "none")


def _invalid(message: str) -> ApiError:
    return ApiError(400, message, type="invalid_request_error")


def read(body: dict) -> Tooling:
    """Validate ``tools`` / ``tool_choice`` and the messages' tool_use / tool_result pairing."""
    tools = _tools(body.get("tools"))
    choice, parallel = _choice(body.get("tool_choice"), tools, body.get("tools"))
    thinking = body.get("thinking")
    if choice.mode in ("required", "tool") and isinstance(thinking, dict) and thinking.get("type") == "enabled":
        raise _invalid("Thinking may not be enabled when tool_choice forces tool use.")
    tooling = Tooling(tools, choice, parallel)
    messages = body.get("messages") if isinstance(body.get("messages"), list) else []
    tooling.results, tooling.prompt = _pairing(messages)
    return tooling


def _tools(value: Any) -> list[ToolSpec]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _invalid("tools: Input should be a valid list")
    specs = []
    for i, tool in enumerate(value):
        if not isinstance(tool, dict):
            raise _invalid(f"tools.{i}: Input should be a valid dictionary or object to extract fields from")
        if tool.get("type") not in (None, "custom"):
            continue  # a server tool (web_search_…, code_execution_…): run by Anthropic, not called here
        where = f"tools.{i}.custom"
        name = tool.get("name")
        if not isinstance(name, str):
            raise _invalid(f"{where}.name: Field required")
        if not NAME_PATTERN.fullmatch(name):
            raise _invalid(f"{where}.name: String should match pattern '^[a-zA-Z0-9_-]{{1,128}}$'")
        if "input_schema" not in tool:
            raise _invalid(f"{where}.input_schema: Field required")
        schema = tool["input_schema"]
        if not isinstance(schema, dict):
            raise _invalid(f"{where}.input_schema: Input should be a valid dictionary")
        if schema.get("type") != "object":  # wording UNCONFIRMED (the SDK types it Literal["object"])
            raise _invalid(f"{where}.input_schema.type: Input should be 'object'")
        specs.append(ToolSpec(name, str(tool.get("description") or ""), schema))
    return specs


def _choice(value: Any, tools: list[ToolSpec], declared: Any) -> tuple[ToolChoice, bool]:
    if value is None:
        return ToolChoice("auto" if tools else "none"), True
    if not isinstance(value, dict):
        raise _invalid("tool_choice: Input should be a valid dictionary or object to extract fields from")
    tag = value.get("type")
    if tag not in CHOICE_TAGS:
        raise _invalid(f"tool_choice: Input tag '{tag}' found using 'type' does not match any of the "
                       "expected tags: " + ", ".join(f"'{t}'" for t in CHOICE_TAGS))
    if not declared and tag != "none":
        raise _invalid("tool_choice may only be specified while providing tools.")
    parallel = value.get("disable_parallel_tool_use") is not True
    if tag == "tool":
        name = value.get("name")
        if not isinstance(name, str):
            raise _invalid("tool_choice.tool.name: Field required")
        if name not in {t.name for t in tools}:  # wording UNCONFIRMED
            raise _invalid(f"tool_choice.tool.name: Tool '{name}' not found in the provided tools")
        return ToolChoice("tool", name), parallel
    return ToolChoice({"auto": "auto", "any": "required", "none": "none"}[tag]), parallel


def _blocks(message: dict) -> list[dict]:
    content = message.get("content")
    return [b for b in content if isinstance(b, dict)] if isinstance(content, list) else []


def _text(message: dict) -> str:
    content = message.get("content")
    if isinstance(content, str):
        return content
    return "\n".join(b.get("text", "") for b in _blocks(message) if b.get("type") == "text")


def _pairing(messages: list) -> tuple[list[ToolResult], str | None]:
    """Each ``tool_use`` answered in the next user turn; each ``tool_result`` answering one.

    Returns the results of the last turn (when it is a tool-result turn) and the user text
    they answer (the question before the calls, plus any text sent with the results).
    """
    previous_uses: dict[str, str] = {}
    question, asked = None, None
    results: list[ToolResult] = []
    for i, message in enumerate(messages):
        if not isinstance(message, dict):
            continue
        uses = {b.get("id"): b.get("name") for b in _blocks(message) if b.get("type") == "tool_use"}
        if message.get("role") == "assistant":
            if previous_uses:
                raise _unanswered(i - 1, previous_uses)
            previous_uses, results = uses, []
            if uses:
                question = asked
            continue
        answered: dict[str, str] = {}
        results = []
        for j, block in enumerate(_blocks(message)):
            if block.get("type") != "tool_result":
                continue
            use_id = block.get("tool_use_id")
            if use_id not in previous_uses:
                raise _invalid(f"messages.{i}.content.{j}: unexpected `tool_use_id` found in `tool_result` "
                               f"blocks: {use_id}. Each `tool_result` block must have a corresponding "
                               "`tool_use` block in the previous message.")
            answered[use_id] = previous_uses[use_id]
            results.append(ToolResult(previous_uses[use_id], text_of(block.get("content")), use_id,
                                      block.get("is_error") is True))
        missing = {k: v for k, v in previous_uses.items() if k not in answered}
        if missing:
            raise _unanswered(i - 1, missing)
        previous_uses = {}
        text = _text(message)
        if results:
            question = f"{question or ''}\n{text}".strip() if text else question
        else:
            asked = text
    if previous_uses:
        raise _unanswered(len(messages) - 1, previous_uses)
    return results, question if results else None


def _unanswered(index: int, uses: dict[str, str]) -> ApiError:
    return _invalid(f"messages.{index}: `tool_use` ids were found without `tool_result` blocks immediately "
                    f"after: {', '.join(uses)}. Each `tool_use` block must have a corresponding "
                    "`tool_result` block in the next message.")


def blocks(calls: list[ToolCall], seed: str) -> list[dict]:
    """``tool_use`` content blocks (ids ``toolu_01…``; ``input`` an object)."""
    return [{"type": "tool_use", "id": "toolu_01" + stable_token(seed, k, c.name, length=22),
             "name": c.name, "input": c.arguments} for k, c in enumerate(calls)]


def stream_block(index: int, block: dict, size: int = 8):
    """A ``tool_use`` block as events: start (empty input), ``input_json_delta`` fragments, stop.

    The first fragment is empty, as in real streams; joined, the fragments are the input's JSON.
    """
    yield sse({"type": "content_block_start", "index": index,
               "content_block": {**block, "input": {}}}, "content_block_start")
    text = json.dumps(block["input"], separators=(",", ":"))
    for piece in ["", *(text[i:i + size] for i in range(0, len(text), size))]:
        yield sse({"type": "content_block_delta", "index": index,
                   "delta": {"type": "input_json_delta", "partial_json": piece}}, "content_block_delta")
    yield sse({"type": "content_block_stop", "index": index}, "content_block_stop")


def output_text(calls: list[ToolCall]) -> str:
    """The text output tokens of a tool-use answer are counted on."""
    return " ".join(f"{c.name} {json.dumps(c.arguments)}" for c in calls)
