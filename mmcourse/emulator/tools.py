"""Tool (function) calling, provider-neutral: which tool the emulator calls, and with what.

Each wire module turns its own request fields into these types (OpenAI ``tools`` /
``tool_choice``, Anthropic ``tools`` / ``tool_choice``, Gemini ``functionDeclarations`` /
``functionCallingConfig``, the Responses API's flat function tools) and shapes the result
into its own output blocks. The arguments come from the answer engine, filled in the tool's
parameter schema from the course data's ground truth, as a structured-output answer would be.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Literal

Mode = Literal["auto", "required", "none", "tool"]


@dataclass(frozen=True)
class ToolSpec:
    """One function tool: its name, description and JSON Schema for its arguments."""

    name: str
    description: str = ""
    parameters: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ToolChoice:
    """``auto`` (the emulator decides), ``required`` (some tool), ``none``, or ``tool`` (``name``)."""

    mode: Mode = "auto"
    name: str | None = None


@dataclass(frozen=True)
class ToolCall:
    """A call the emulator makes: the tool's name and its arguments (a JSON object)."""

    name: str
    arguments: dict

    @property
    def arguments_json(self) -> str:
        return json.dumps(self.arguments, separators=(",", ":"))


_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset("a an and the of to for in on with by is are be this that it its from as or".split())


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower().replace("_", " ")) if w not in _STOP and len(w) > 2}


def wanted_tool(prompt: str, tools: list[ToolSpec]) -> ToolSpec | None:
    """The tool a prompt asks for under ``auto``: its name, or enough of its description's words.

    >>> wanted_tool("Record this expense", [ToolSpec("record_expense", "Save one expense")]).name
    'record_expense'
    """
    asked = _words(prompt)
    best, best_score = None, 0
    for tool in tools:
        name_words = _words(tool.name)
        if tool.name.lower() in prompt.lower() or (name_words and name_words <= asked):
            return tool
        score = len(asked & (name_words | _words(tool.description)))
        if score > best_score:
            best, best_score = tool, score
    return best if best_score >= 2 else None


def choose_tool_calls(
    prompt: str,
    media: list,
    tools: list[ToolSpec],
    choice: ToolChoice,
    *,
    system: str | None,
    provider: str,
    model: str,
    answered_calls: int = 0,
) -> list[ToolCall]:
    """The calls to answer with (empty: answer in text). ``media`` are ``emulator.media.Media``.

    ``answered_calls`` counts tool results already in the conversation: once a result has
    come back, ``auto`` answers in text from it instead of calling again.
    """
    if not tools or choice.mode == "none":
        return []
    if choice.mode == "tool":
        tool = next((t for t in tools if t.name == choice.name), None)
        if tool is None:
            return []
    elif choice.mode == "required":
        tool = wanted_tool(prompt, tools) or tools[0]
    else:
        if answered_calls:
            return []
        tool = wanted_tool(f"{system or ''}\n{prompt}", tools)
        if tool is None:
            return []
    return [ToolCall(tool.name, tool_arguments(prompt, media, tool, system=system,
                                               provider=provider, model=model))]


def tool_arguments(prompt: str, media: list, tool: ToolSpec, *, system: str | None,
                   provider: str, model: str) -> dict:
    """The arguments for one call, filled from ground truth in the tool's parameter schema."""
    from mmcourse.emulator.generate import compose

    schema = tool.parameters if isinstance(tool.parameters, dict) else {}
    if schema.get("type") != "object" or not schema.get("properties"):
        return {}
    text = compose(prompt, media, system=system, provider=provider, model=model,
                   json_mode=True, json_schema=schema)
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}
