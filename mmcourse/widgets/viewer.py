"""``ResponseViewer``: a provider's raw JSON response as a tree, the answer's path marked, with
the usage the provider reported and what it costs.

Works on an ``Answer`` from ``ask``, a raw response dict (or its JSON text), an ``APIError`` or
the ``Client.last`` exchange; ``ResponseViewer.last()`` shows the last call ``ask`` made.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from mmcourse import pricing, providers, registry
from mmcourse.client import Exchange
from mmcourse.encoding import preview
from mmcourse.providers.base import Answer, APIError
from mmcourse.widgets.base import STYLE, Displayable, escape
from mmcourse.widgets.jsonpath import (
    JsonPath,
    annotated_lines,
    find_paths,
    format_path,
    parse_path,
    resolve,
)

# Order matters: "local" speaks OpenAI's format, so a bare OpenAI-shaped body reads as openai.
DETECT_ORDER = registry.PROVIDERS  # the order a response's shape is tried in
MARKERS = {"answer": "  ◀ answer", "error": "  ◀ error message"}
MEDIA_MIN = 200  # a string this long with no spaces is base64 (or a data URL), not prose


def shorten_media(value: Any) -> Any:
    """A copy with base64 and data URLs cut short; long prose (the answer) is kept whole."""
    if isinstance(value, dict):
        return {k: shorten_media(v) for k, v in value.items()}
    if isinstance(value, list):
        return [shorten_media(v) for v in value]
    if isinstance(value, str) and len(value) > MEDIA_MIN and " " not in value:
        return preview(value)
    return value


# Fields that change on every call (ids, clocks). The plain text masks them, so a notebook's
# committed output stays the same on every run; the widget shows the real values.
VOLATILE_KEYS = frozenset({"id", "created", "responseId", "request_id", "createTime", "updateTime",
                           "expirationTime"})


def mask_volatile(value: Any) -> Any:
    """A copy of a JSON value with per-call ids and timestamps replaced by a placeholder."""
    if isinstance(value, dict):
        return {k: "<varies per call>" if k in VOLATILE_KEYS and isinstance(v, (str, int))
                else mask_volatile(v) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_volatile(v) for v in value]
    return value


def detect_provider(raw: Any) -> str:
    """The provider whose answer path exists in ``raw`` (ValueError when none fits)."""
    for name in DETECT_ORDER:
        try:
            resolve(raw, parse_path(providers.get(name).ANSWER_PATH))
            return name
        except LookupError:
            continue
    raise ValueError(
        "this JSON has none of the answer paths "
        f"({', '.join(providers.get(n).ANSWER_PATH for n in DETECT_ORDER)}): "
        "pass provider='openai' (or anthropic, gemini) to ResponseViewer"
    )


def estimated_cost(model: str, input_tokens: int, output_tokens: int) -> tuple[Decimal | None, str]:
    """(USD or None, a note saying which price table or why there is no price)."""
    try:
        usd = pricing.cost(model, input_tokens, output_tokens)
    except (LookupError, ValueError) as exc:
        return None, f"no price: {exc}"
    return usd, f"standard rates as of {pricing.PRICES_AS_OF}"


@dataclass(frozen=True)
class Summary:
    """What the viewer says above the tree."""

    provider: str
    model: str
    answer_path: JsonPath | None
    answer: str | None
    input_tokens: int | None
    output_tokens: int | None
    cost: Decimal | None
    cost_note: str
    error: str | None = None

    @property
    def marker(self) -> str:
        """What the marked line is: the answer, or an error response's message."""
        return MARKERS["error" if self.error else "answer"]

    def lines(self) -> list[str]:
        if self.error:
            where = f" · message at {format_path(self.answer_path)}" if self.answer_path else ""
            return [f"{self.provider} error response{where}", f"error: {self.error}"]
        where = f"answer at {format_path(self.answer_path)}" if self.answer_path else "no answer"
        head = f"{self.provider} response · model {self.model or '?'} · {where}"
        if self.input_tokens is None:
            return [head]
        usd = pricing.format_usd(self.cost) if self.cost is not None else "n/a"
        return [head, f"usage: {self.input_tokens:,} input + {self.output_tokens:,} output tokens"
                      f" · estimated cost {usd} ({self.cost_note})"]


def summarize(raw: Any, provider: str) -> Summary:
    """Answer path, usage and estimated cost of a success response (pure)."""
    module = providers.get(provider)
    path = parse_path(module.ANSWER_PATH)
    try:
        answer: Answer = module.parse_response(raw)
        resolve(raw, path)
    except (LookupError, TypeError, AttributeError) as exc:
        return Summary(provider, "", None, None, None, None, None, "",
                       f"not a {provider} success response ({exc})")
    usd, note = estimated_cost(answer.model, answer.usage.input_tokens, answer.usage.output_tokens)
    return Summary(provider, answer.model, path, answer.text, answer.usage.input_tokens,
                   answer.usage.output_tokens, usd, note)


def summarize_error(error: APIError) -> Summary:
    """The summary of an error response: the message's path is the one to look at."""
    paths = find_paths(error.raw, lambda v: v == error.message) if error.raw is not None else []
    return Summary(error.provider, "", paths[0] if paths else None, None, None, None, None, "",
                   f"HTTP {error.status} {error.error_type}: {error.message}")


def count(n: int, noun: str) -> str:
    """'1 item', '2 items', '0 keys'."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def tree_html(value: Any, highlight: JsonPath | None = None, path: JsonPath = (),
              key: str | int | None = None, marker: str = MARKERS["answer"]) -> str:
    """Nested ``<details>``: the root and the branches leading to ``highlight`` start open."""
    label = "" if key is None else f"<b>{escape(json.dumps(key))}</b>: "
    if isinstance(value, (dict, list)) and value:
        on_path = highlight is not None and highlight[: len(path)] == path
        opened = " open" if (not path or on_path) else ""
        kind = f"{{…}} {count(len(value), 'key')}" if isinstance(value, dict) else f"[…] {count(len(value), 'item')}"
        items = value.items() if isinstance(value, dict) else enumerate(value)
        children = "".join(tree_html(v, highlight, (*path, k), k, marker) for k, v in items)
        return f"<details{opened}><summary>{label}<span class='mm-note'>{kind}</span></summary>{children}</details>"
    text = escape(json.dumps(value, ensure_ascii=False))
    if highlight is not None and path == highlight:
        text = f"<mark class='mm-answer'>{text}</mark>{escape(marker)}"
    return f"<div class='mm-leaf'>{label}{text}</div>"


class ResponseViewer(Displayable):
    """A response as a collapsible JSON tree with the answer marked, plus usage and cost.

    >>> ResponseViewer(mmcourse.ask("gemini", "Describe this.", "data/photos/chelsea.jpg"))  # doctest: +SKIP
    """

    def __init__(self, answer_or_raw_json: Any, provider: str | None = None) -> None:
        value = answer_or_raw_json
        if isinstance(value, APIError):
            self.raw, self.summary = value.raw, summarize_error(value)
            return
        if isinstance(value, Answer):
            provider, value = provider or value.provider, value.raw
        elif isinstance(value, Exchange):  # Client.last: the request sent and its response
            provider, value = provider or value.request.provider, value.response
        if isinstance(value, (str, bytes)):
            value = json.loads(value)
        self.raw = value
        self.summary = summarize(value, provider or detect_provider(value))

    @classmethod
    def last(cls) -> ResponseViewer:
        """The response to the last request ``mmcourse.ask`` sent."""
        from mmcourse.client import default_client

        exchange = default_client().last
        if exchange is None or exchange.response is None:
            raise LookupError("no response yet: call mmcourse.ask(...) first")
        return cls(exchange)

    def to_text(self) -> str:
        """The summary, then the JSON with the answer's line marked."""
        marked = self.summary.answer_path
        lines = [text + (self.summary.marker if marked is not None and path == marked else "")
                 for path, text in annotated_lines(mask_volatile(shorten_media(self.raw)))]
        return "\n".join([*self.summary.lines(), "", *lines])

    def build_widget(self):
        import ipywidgets as widgets

        summary = "<br>".join(escape(line) for line in self.summary.lines())
        tree = tree_html(shorten_media(self.raw), self.summary.answer_path, marker=self.summary.marker)
        box = widgets.VBox([
            widgets.HTML(f"{STYLE}<div class='mmcourse-w'>{summary}</div>"),
            widgets.HTML(f"<div class='mmcourse-w'>{tree}</div>"),
        ])
        box.add_class("mmcourse-response-viewer")
        return box
