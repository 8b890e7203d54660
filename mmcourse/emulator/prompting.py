"""Read a prompt deterministically: what form of answer does it ask for?

No language model here: a handful of patterns that cover how the course's lessons (and most
people) ask for JSON, a label from a list, a transcript, a summary, chart values, a comparison,
a video walk-through or a PDF page. ``parse_intent`` turns prompt + system text into an
``Intent``; the answer engine renders ground truth in that form.

The work is linear in the prompt's size whatever it contains: a prompt is read in a bounded
slice (``bounded``: its first ``ANALYSED_HEAD`` and last ``ANALYSED_TAIL`` characters, where
people write what they want), and the patterns that could backtrack (listed keys, labels) run
on clauses of at most ``CLAUSE_WINDOW`` characters.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

# How much of a prompt is read for what it asks (see the module docstring).
ANALYSED_HEAD = 16_000
ANALYSED_TAIL = 4_000
CLAUSE_WINDOW = 400
MAX_PAGES_NAMED = 1000  # "pages 1-1000000" names at most this many
MAX_CANDIDATES = 32  # brace blocks tried as a JSON shape, label markers tried as a list of labels

# A JSON shape is what the prompt's skeleton or schema asks for: a dict of key -> shape, a
# one-element list holding the shape of every item, or a Leaf for a single value.


@dataclass(frozen=True)
class Leaf:
    """One value the prompt asks for, with its JSON Schema type and enum when it gave them."""

    type: str | None = None
    enum: tuple[str, ...] | None = None


Shape = dict | list | Leaf


@dataclass(frozen=True)
class Intent:
    """What the prompt asks for. ``tasks`` holds task names; see ``TASK_PATTERNS``."""

    json: bool = False
    shape: Shape | None = None  # None with json=True: no keys named, answer with all of them
    labels: tuple[str, ...] = ()
    one_word: bool = False
    brief: bool = False
    tasks: frozenset[str] = field(default_factory=frozenset)
    pages: tuple[int, ...] = ()


# Task name -> pattern. Several may match ("summarise the meeting and list action items").
TASK_PATTERNS: dict[str, re.Pattern] = {
    name: re.compile(pattern, re.IGNORECASE)
    for name, pattern in {
        "transcript": r"transcri|verbatim|word for word|what (?:is|was) said|exact words",
        "summary": r"summar|tl;?dr|gist|main points|key points|overview|minutes|meeting notes",
        "decisions": r"decision|decided|agreed|minutes|meeting notes",
        "action_items": r"action items?|to-?dos?|next steps|follow[- ]ups?|who (?:will|should|must)|assign|minutes|meeting notes",
        "compare": r"compar|differen|differ\b|what changed|changes?\b|\bvs\.?\b|versus|between (?:the|these|both)|before and after|evolv|iteration",
        "walkthrough": r"timestamps?|walk ?-?through|scenes?|what happens|timeline|step by step|each second|chapters?",
        "values": r"\bvalues?\b|numbers?|data points?|\bdata\b|how much|how many|extract|exact figures|amounts?|revenue|read (?:off|the)",
        "trend": r"trend|increas|decreas|grow|declin|\brise|rising|\bfall|pattern|insight|overall|highest|lowest|\bpeak|\bmax|\bmin(?:imum)?\b|best|worst",
        "text": r"\btext\b|\bocr\b|\bread\b|extract|what does (?:it|the \w+) say|written|line by line|contents?",
        "facts": r"\bfacts?\b|key (?:facts|details|information|figures)|\bdetails\b|\?",
        "describe": r"describ|caption|alt[- ]?text|what (?:is|do you see) in|what's in|tell me about|explain",
        "frames": r"\bframes?\b|\btimes?\b|\bmoments?\b|\bwhen\b",
    }.items()
}

_BRIEF = re.compile(
    r"one sentence|single sentence|briefly|\bbrief\b|short caption|\bshort\b|concise|few words|one line|alt[- ]?text",
    re.IGNORECASE,
)
_JSON_WORD = re.compile(r"\bjson\b", re.IGNORECASE)
_PAGE = re.compile(r"\bpages?\s+(\d{1,6})(?:\s*(?:-|to|and|&|,)\s*(\d{1,6}))?(?!\d)", re.IGNORECASE)
_ORDINAL_PAGE = re.compile(r"\b(first|second|third|fourth|fifth|last)\s+page\b", re.IGNORECASE)
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "last": -1}

# "one of: a, b, c" / "Answer with one word: a, b or c" / "categories: a | b" / "choose from [a, b]"
_LABEL_MARKERS = re.compile(
    r"(?:exactly\s+)?one\s+of(?:\s+the\s+following)?(?:\s+(?:labels|categories|options|words|classes|values))?"
    r"|(?:one|single)\s+word(?:\s+(?:from|among))?(?:\s+(?:these|the following))?"
    r"|(?:possible\s+|allowed\s+|valid\s+)?(?:categories|labels|options|classes|choices)(?:\s+are)?"
    r"|choose\s+(?:from|between|among)|pick\s+(?:one\s+)?(?:from|of)"
    r"|classify\s+(?:it|this|the\s+\w+|this\s+\w+)?\s*(?:as|into)(?:\s+either|\s+one\s+of)?"
    r"|categori[sz]e\s+(?:it|this|the\s+\w+|this\s+\w+)?\s*(?:as|into)(?:\s+either|\s+one\s+of)?",
    re.IGNORECASE,
)
# Word ends matter: "write only the words spoken" (a transcription prompt) is not a one-word answer.
_ONE_WORD = re.compile(r"(?:one|single)[ -]word\b|only the (?:label|category|word|name)\b|nothing else", re.IGNORECASE)
_EITHER_OR = re.compile(
    r"\b(?:is|are)\s+(?:this|it|these|that)\s+(?:an?\s+)?([\w-]+(?:\s[\w-]+)?)\s+or\s+(?:an?\s+)?([\w-]+(?:\s[\w-]+)?)\s*\?",
    re.IGNORECASE,
)
_IDENT = r"[A-Za-z_][\w-]*"
# A listed key, optionally with its sub-keys: "items (name, price)".
_ELEM = rf"{_IDENT}(?:\s*\(\s*{_IDENT}(?:\s*(?:,|\band\b|&)\s*{_IDENT})*\s*\))?"
_SEP = r"\s*(?:,\s*(?:and\s+|&\s*)?|\band\b\s*|&\s*)"
_KEY_LIST = re.compile(
    rf"(?:keys|fields|properties|attributes|columns)\s*(?:named|called|for|like)?\s*:?\s*"
    rf"({_ELEM}(?:{_SEP}{_ELEM})+)",
    re.IGNORECASE,
)
_QUOTED_KEY = re.compile(r"[`\"']([A-Za-z_][\w-]*)[`\"']")
# "Extract store, date, items and total as JSON": a bare list of three or more words.
_BARE_LIST = re.compile(rf"(?<![\w-])({_ELEM}(?:\s*,\s*{_ELEM})+\s*,?\s*(?:and|&)\s*{_ELEM})(?![\w-])")


def bounded(text: str) -> str:
    """The part of ``text`` that is analysed: all of it, or its head and tail when it is long.

    >>> len(bounded("x" * 1_000_000)) == ANALYSED_HEAD + ANALYSED_TAIL + 1
    True
    """
    if len(text) <= ANALYSED_HEAD + ANALYSED_TAIL:
        return text
    return f"{text[:ANALYSED_HEAD]}\n{text[-ANALYSED_TAIL:]}"


_CLAUSE_END = re.compile(r"[.!?](?=\s|$)|\n[ \t]*\n")


def _clauses(text: str) -> Iterator[str]:
    """Sentences (or paragraphs) of ``text``, each cut into pieces of at most CLAUSE_WINDOW chars."""
    start = 0
    for m in _CLAUSE_END.finditer(text):
        yield from _windows(text[start:m.end()])  # with its end mark: "... a or b?" is a question
        start = m.end()
    yield from _windows(text[start:])


def _windows(clause: str) -> Iterator[str]:
    for i in range(0, len(clause), CLAUSE_WINDOW):
        yield clause[i : i + CLAUSE_WINDOW]


def parse_intent(prompt: str, system: str | None = None, json_mode: bool = False,
                 json_schema: dict | None = None) -> Intent:
    """Work out the form of answer ``prompt`` (and ``system``) ask for.

    >>> parse_intent('Return JSON with keys "store", "total"').shape
    {'store': Leaf(type=None, enum=None), 'total': Leaf(type=None, enum=None)}
    """
    prompt = bounded(prompt or "")
    system = bounded(system) if system else system
    text = f"{system}\n{prompt}" if system else prompt
    shape = shape_from_schema(json_schema) if json_schema else None
    wants_json = json_mode or json_schema is not None or bool(_JSON_WORD.search(text))
    if shape is None:
        shape = find_json_shape(prompt) or (find_json_shape(system) if system else None)
    if shape is None and wants_json:
        shape = find_key_list(prompt) or (find_key_list(system) if system else None)
    if shape is not None:
        wants_json = True
    labels = find_labels(prompt) or (find_labels(system) if system else ())
    tasks = frozenset(name for name, pattern in TASK_PATTERNS.items() if pattern.search(prompt))
    return Intent(
        json=wants_json,
        shape=shape,
        labels=labels,
        one_word=bool(_ONE_WORD.search(text)),
        brief=bool(_BRIEF.search(text)),
        tasks=tasks,
        pages=find_pages(prompt),
    )


# --------------------------------------------------------------------------- JSON shapes


def find_json_shape(text: str) -> Shape | None:
    """The shape of the first JSON object (skeleton or JSON Schema) written in ``text``."""
    for block in _brace_blocks(text):
        parsed = _lenient_json(block)
        if isinstance(parsed, dict) and parsed:
            return shape_from_schema(parsed) if _is_schema(parsed) else shape_from_example(parsed)
        keys = _top_level_keys(block)
        if keys:
            return {k: Leaf() for k in keys}
    return None


def _brace_blocks(text: str) -> list[str]:
    """Every outermost ``{...}`` in the text, balanced (string contents are not special)."""
    blocks, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "{":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "}" and depth:
            depth -= 1
            if depth == 0:
                blocks.append(text[start : i + 1])
                if len(blocks) == MAX_CANDIDATES:
                    break
    return blocks


def _lenient_json(block: str) -> object:
    """Parse a JSON skeleton as people write them: ``"total": number``, ``...``, trailing commas."""
    for candidate in (block, _relax(block)):
        try:
            return json.loads(candidate)
        except (ValueError, RecursionError):
            continue
    return None


def _relax(block: str) -> str:
    text = re.sub(r"//[^\n]*", "", block)  # comments
    text = re.sub(r"'([^'\n]*)'", r'"\1"', text)  # single quotes
    text = re.sub(r"([{,]\s*)([A-Za-z_][\w-]*)\s*:", r'\1"\2":', text)  # bare keys
    text = re.sub(r"\.\.\.|…", "", text)  # ellipses
    # Bare placeholders as values (string, number, <date>, YYYY-MM-DD, float|null) become null.
    text = re.sub(r':\s*(?!true\b|false\b|null\b|-?\d)(<[^>\n]*>|[A-Za-z_][^,}\]\n"]*)', ": null", text)
    text = re.sub(r"\[\s*(?!true\b|false\b|null\b|-?\d)([A-Za-z_<][^,\]\[{}\"\n]*)\s*\]", "[null]", text)
    text = re.sub(r",\s*([}\]])", r"\1", text)  # trailing commas
    text = re.sub(r"([\[{])\s*,", r"\1", text)
    return text


def _top_level_keys(block: str) -> list[str]:
    """Keys written as ``"key":`` at the first brace level, for skeletons nothing can parse."""
    keys, depth = [], 0
    for m in re.finditer(r'[{}\[\]]|"([^"\n]+)"\s*:', block):
        token = m.group(0)
        if token in "{[":
            depth += 1
        elif token in "}]":
            depth -= 1
        elif depth == 1 and m.group(1) not in keys:
            keys.append(m.group(1))
    return keys


def _is_schema(obj: dict) -> bool:
    return isinstance(obj.get("properties"), dict) or obj.get("type") == "object" or (
        "schema" in obj and isinstance(obj["schema"], dict)
    )


def shape_from_schema(schema: dict) -> Shape:
    """The shape a JSON Schema describes (OpenAI ``json_schema`` wrappers are unwrapped)."""
    if isinstance(schema.get("schema"), dict) and "properties" not in schema:
        schema = schema["schema"]  # OpenAI response_format.json_schema {name, schema}
    kind = schema.get("type")
    if isinstance(kind, list):  # ["string", "null"]
        kind = next((k for k in kind if k != "null"), None)
    kind = kind.lower() if isinstance(kind, str) else kind  # Gemini writes "OBJECT", "STRING"
    if isinstance(schema.get("properties"), dict):
        return {key: shape_from_schema(sub) if isinstance(sub, dict) else Leaf()
                for key, sub in schema["properties"].items()}
    if kind == "array":
        items = schema.get("items")
        return [shape_from_schema(items) if isinstance(items, dict) else Leaf()]
    enum = schema.get("enum")
    return Leaf(kind, tuple(str(e) for e in enum) if isinstance(enum, list) else None)


def shape_from_example(example: object) -> Shape:
    """The shape of a JSON skeleton such as ``{"store": "", "items": [{"name": ""}]}``."""
    if isinstance(example, dict):
        return {str(k): shape_from_example(v) for k, v in example.items()}
    if isinstance(example, list):
        return [shape_from_example(example[0]) if example else Leaf()]
    if isinstance(example, bool):
        return Leaf("boolean")
    if isinstance(example, (int, float)):
        return Leaf("number")
    if isinstance(example, str) and "|" in example and " " not in example.strip():
        return Leaf("string", tuple(example.split("|")))  # "cat|dog|bird": an enum
    return Leaf("string" if isinstance(example, str) and example else None)


def find_key_list(text: str) -> Shape | None:
    """Keys listed in prose: ``fields: store, date, items (name, price) and total``,
    quoted/backticked names, or a bare list of three or more words."""
    for clause in _clauses(text):
        m = _KEY_LIST.search(clause)
        if m:
            shape = _listed_shape(m.group(1))
            if len(shape) >= 2:
                return shape
            break
    quoted = list(dict.fromkeys(_QUOTED_KEY.findall(text)))
    if quoted:
        return {k: Leaf() for k in quoted}
    for clause in _clauses(text):
        m = _BARE_LIST.search(clause)
        if m:
            shape = _listed_shape(m.group(1))
            if len(shape) >= 3:
                return shape
            break
    return None


def _listed_shape(listed: str) -> dict:
    """Shape of "store, items (name, price) and total": sub-keys make an object, or a list of
    objects when the key is plural."""
    shape: dict = {}
    for m in re.finditer(rf"({_IDENT})(?:\s*\(([^()]*)\))?", listed):
        key, inner = m.group(1), m.group(2)
        if key.lower() == "and":
            continue
        if inner:
            sub = {k: Leaf() for k in re.split(r"\s*(?:,|\band\b|&)\s*", inner.strip()) if k}
            shape[key] = [sub] if key.lower().endswith("s") or key.lower() == "data" else sub
        else:
            shape.setdefault(key, Leaf())
    return shape


# --------------------------------------------------------------------------- labels, pages


def find_labels(text: str) -> tuple[str, ...]:
    """The labels a classification prompt offers, in its order (empty if it offers none)."""
    for tried, m in enumerate(_LABEL_MARKERS.finditer(text)):
        labels = _split_labels(text[m.end() : m.end() + CLAUSE_WINDOW])
        if len(labels) >= 2:
            return labels
        if tried == MAX_CANDIDATES:
            break
    for clause in _clauses(text):
        m = _EITHER_OR.search(clause)
        if m:
            return (m.group(1).strip(), m.group(2).strip())
    return ()


def _split_labels(rest: str) -> tuple[str, ...]:
    rest = rest.lstrip(" \t:-=")
    if rest[:1] and rest[0] in "[(":
        close = "]" if rest[0] == "[" else ")"
        end = rest.find(close)
        chunk = rest[1:end] if end > 0 else rest[1:]
    else:
        chunk = re.split(r"[.?!\n]|;\s|\s+-\s|\s(?:answer|reply|respond|return|output)\b", rest, maxsplit=1,
                         flags=re.IGNORECASE)[0]
    parts = re.split(r"\s*(?:,|\||/|\bor\b|\band\b)\s*", chunk)
    labels = []
    for part in parts:
        label = part.strip().strip("`\"'*").strip()
        label = re.sub(r"^(?:either|an?|the)\s+", "", label, flags=re.IGNORECASE).strip("`\"'* ")
        if not label:
            continue
        if len(label.split()) > 3 or not re.fullmatch(r"[\w][\w\s-]*", label):
            return ()
        labels.append(label)
    return tuple(dict.fromkeys(labels))


def find_pages(text: str) -> tuple[int, ...]:
    """Pages a prompt names: "page 2", "pages 1-3", "the last page" (-1 means the last)."""
    pages: list[int] = []
    for m in _PAGE.finditer(text):
        first = int(m.group(1))
        last = int(m.group(2)) if m.group(2) else first
        pages.extend(range(first, min(max(first, last), first + MAX_PAGES_NAMED - 1) + 1))
        if len(pages) >= MAX_PAGES_NAMED:
            break
    for m in _ORDINAL_PAGE.finditer(text):
        pages.append(_ORDINALS[m.group(1).lower()])
    return tuple(dict.fromkeys(pages))
