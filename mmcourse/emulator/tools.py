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
from typing import Any, Literal

from mmcourse.emulator.generate import compose

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


@dataclass(frozen=True)
class ToolResult:
    """A tool's result sent back in a later turn: which call it answers and what it said.

    ``media`` holds ``emulator.media.Media`` a result carried (Anthropic images inside a
    ``tool_result``, Gemini 3 ``functionResponse.parts``): the answer engine reads them.
    """

    name: str | None
    text: str
    call_id: str | None = None
    is_error: bool = False
    media: tuple = ()


@dataclass
class Tooling:
    """What a request says about tools (each wire reads its own spelling into this), plus the
    results its last turn carries and the question they answer."""

    tools: list[ToolSpec] = field(default_factory=list)
    choice: ToolChoice = ToolChoice("auto")
    parallel: bool = True  # OpenAI parallel_tool_calls, Anthropic disable_parallel_tool_use
    results: list[ToolResult] = field(default_factory=list)
    prompt: str | None = None  # the question the results answer, when they end the conversation


_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset("a an and the of to for in on with by is are be this that it its from as or".split())
# Verbs a tool name starts with that say nothing about what it does (get_capital -> capital).
_NAME_VERBS = frozenset("get fetch find lookup look retrieve read list do make run call use".split())
# "Use the tool", "call the get_images tool", "call a function": an explicit request for a call.
_ASKS_FOR_A_TOOL = re.compile(r"\b(?:use|call|invoke|run)\b[^.?!]{0,40}\b(?:tools?|functions?)\b", re.I)


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower().replace("_", " ")) if w not in _STOP and len(w) > 2}


def _name_words(name: str) -> set[str]:
    words = _words(name)
    return (words - _NAME_VERBS) or words


def wanted_tools(prompt: str, tools: list[ToolSpec]) -> list[ToolSpec]:
    """The tools a prompt asks for under ``auto``, in the order of the tools list.

    A tool is wanted when the prompt names it, uses every word of its name (``record_expense``
    in "Record this expense"; a leading ``get_`` does not count), or shares at least two words
    with its name and description. A prompt that asks to "use the tool" wants the best match,
    or the only tool there is.

    >>> [t.name for t in wanted_tools("Record this expense", [ToolSpec("record_expense", "Save one expense")])]
    ['record_expense']
    """
    asked, lowered = _words(prompt), prompt.lower()
    wanted, best, best_score = [], None, 0
    for tool in tools:
        name_words = _name_words(tool.name)
        if tool.name.lower() in lowered or (name_words and name_words <= asked):
            wanted.append(tool)
            continue
        score = len(asked & (name_words | _words(tool.description)))
        if score >= 2:
            wanted.append(tool)
        if score > best_score:
            best, best_score = tool, score
    if not wanted and _ASKS_FOR_A_TOOL.search(prompt):
        if best is not None:
            return [best]
        if len(tools) == 1:
            return list(tools)
    return wanted


def wanted_tool(prompt: str, tools: list[ToolSpec]) -> ToolSpec | None:
    """The first tool a prompt asks for under ``auto`` (see ``wanted_tools``), or None."""
    found = wanted_tools(prompt, tools)
    return found[0] if found else None


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
    parallel: bool = False,
) -> list[ToolCall]:
    """The calls to answer with (empty: answer in text). ``media`` are ``emulator.media.Media``.

    ``answered_calls`` counts tool results already in the conversation: once a result has
    come back, ``auto`` answers in text from it instead of calling again. ``parallel`` lets
    one turn call every tool the prompt asks for (OpenAI ``parallel_tool_calls``, Anthropic
    without ``disable_parallel_tool_use``, Gemini always); otherwise at most one is called.
    """
    if not tools or choice.mode == "none":
        return []
    if choice.mode == "tool":
        chosen = [t for t in tools if t.name == choice.name][:1]
    elif choice.mode == "required":
        chosen = wanted_tools(prompt, tools) or tools[:1]
    else:
        if answered_calls:
            return []
        chosen = wanted_tools(f"{system or ''}\n{prompt}", tools)
    if not parallel:
        chosen = chosen[:1]
    return [ToolCall(tool.name, tool_arguments(prompt, media, tool, system=system,
                                               provider=provider, model=model))
            for tool in chosen]


def answer_from_results(results: list[ToolResult]) -> str:
    """A text answer that uses the tool results of the last turn (what they returned, verbatim).

    No model runs, so the emulator reports what the tools returned rather than reasoning about
    it; media inside results are answered by the answer engine instead.

    >>> print(answer_from_results([ToolResult("get_capital", "London")]))
    Offline emulator: from the get_capital tool's result: London
    """
    lines = []
    for result in results:
        who = f"the {result.name} tool" if result.name else "the tool"
        verb = "reported an error" if result.is_error else "result"
        text = " ".join(result.text.split()) or "(empty)"
        lines.append(f"from {who}'s {verb}: {text}" if verb == "result" else f"{who} {verb}: {text}")
    return "Offline emulator: " + "; ".join(lines)


def tool_arguments(prompt: str, media: list, tool: ToolSpec, *, system: str | None,
                   provider: str, model: str) -> dict:
    """The arguments for one call, filled from ground truth in the tool's parameter schema.

    A string argument the truth has no value for is taken from the prompt when the prompt
    names it ("the weather in Paris" -> ``city: "Paris"``); anything else unknown stays null.
    """
    schema = tool.parameters if isinstance(tool.parameters, dict) else {}
    if schema.get("type") != "object" or not schema.get("properties"):
        return {}
    text = compose(prompt, media, system=system, provider=provider, model=model,
                   json_mode=True, json_schema=schema)
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    if not isinstance(value, dict):
        return {}
    for key, spec in schema["properties"].items():
        if value.get(key) is None and isinstance(spec, dict) and spec.get("type") == "string":
            named = named_in_prompt(key, prompt)
            if named is not None:
                value[key] = named
    return value


_NAMED_AFTER = re.compile(r"\b(?:in|of|for|at|from|to|about|called|named)\s+(?:the\s+)?"
                          r"([A-Z][\w.'-]*(?:\s+[A-Z][\w.'-]*)*)")


# Argument names that hold a proper name, which a prompt gives after "in", "of", "for" ...
_ENTITY_KEYS = ("city", "country", "location", "place", "region", "state", "name", "company", "store",
                "person", "user", "topic", "query", "title", "language", "product")


def named_in_prompt(key: str, prompt: str) -> str | None:
    """A value the prompt gives for ``key``: ``key: value`` / ``key = value``, a quoted string,
    or a capitalised name after "in", "of", "for" ... ("the capital of the UK" -> "UK").

    >>> named_in_prompt("city", "What's the weather in Paris?"), named_in_prompt("country", "Capital of the UK?")
    ('Paris', 'UK')
    """
    spelled = re.search(rf"\b{re.escape(key)}\s*[:=]\s*[\"']?([^\"',.?!\n]+)", prompt, re.I)
    if spelled:
        return spelled.group(1).strip()
    quoted = re.search(r"[\"\u201c]([^\"\u201d]{1,80})[\"\u201d]", prompt)
    if quoted:
        return quoted.group(1)
    if not any(word in key.lower() for word in _ENTITY_KEYS):
        return None  # "in English" says nothing about a ``summary``
    after = _NAMED_AFTER.search(prompt)
    return after.group(1) if after else None


def text_of(content: Any) -> str:
    """The text of a tool result's (or a message's) content: a string, or its ``text`` parts joined.

    OpenAI and Anthropic both write content as a string or a list of ``{"type": "text", ...}``.
    """
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(b.get("text", "") for b in content if isinstance(b, dict) and b.get("type") == "text")
    return ""


def answer_after_results(
    prompt: str,
    media: list,
    results: list[ToolResult],
    *,
    system: str | None,
    provider: str,
    model: str,
    json_mode: bool = False,
    json_schema: dict | None = None,
) -> str:
    """The answer of a turn that follows tool results: it is built from what they returned.

    A JSON answer takes its values from JSON results (``{"city": "Mexico City"}`` fills a
    ``city`` key), or from the media when there are any; prose reports the results as they came
    back, followed by the answer engine's reply about the media (sent in the request or inside
    a result) when there are some.
    """
    media = [*media, *(m for r in results for m in r.media)]
    # The results' own text stays out of the engine's prompt: a JSON result would read as a
    # JSON skeleton to fill.
    if json_mode or json_schema is not None:
        if media:
            return compose(prompt, media, system=system, provider=provider, model=model,
                           json_mode=json_mode, json_schema=json_schema)
        return _json_from_results(results, json_schema)
    report = answer_from_results(results)
    if not media:
        return report
    about = compose(prompt, media, system=system, provider=provider, model=model)
    return f"{report}\n\n{about}"


def _json_from_results(results: list[ToolResult], json_schema: dict | None) -> str:
    values: dict = {}
    for result in results:
        try:
            value = json.loads(result.text)
        except ValueError:
            value = result.text
        if isinstance(value, dict):
            values.update(value)
        elif result.name:
            values[result.name] = value
    keys = list((json_schema or {}).get("properties") or values)
    lowered = {k.lower(): v for k, v in values.items()}
    return json.dumps({k: values.get(k, lowered.get(k.lower())) for k in keys}, ensure_ascii=False)
