"""Live-like answers: the emulator's ground-truth text, written the ways real models write it.

A lesson that passes against the plain emulator can still break on a real model: Claude wraps
JSON in a Markdown fence when no structured output was asked for, models put a sentence before
the JSON, paraphrase, order keys their own way and write numbers differently. With the switch
on (``MMCOURSE_LIVE_LIKE=1`` in the emulator's environment, or ``mmcourse emulator
--live-like``), ``generate.compose`` hands every answer to ``apply`` before it is sent. The
validation, the response shapes and the token accounting do not change; only the answer text.

The variation is deterministic (the same request gets the same answer), so a failure in CI can
be reproduced. It is meant for CI runs of the lessons through the live code path (keys set,
base URLs pointing at a live-like emulator on its own port), never for teaching: the offline
emulator learners use answers plainly.

What varies, per provider (the habits reported for each model family, written down here as
test behaviour, not measured from any model):

- structured output asked (a JSON switch or a schema): still valid JSON, as the APIs guarantee
  (so still the schema's types), but with the keys of every object in reverse order;
- JSON without a switch: keys in reverse order and whole numbers written as ``420.0``; Claude
  fences it after a sentence, OpenAI puts a sentence before it, Gemini fences it bare;
- prose: a provider-specific opening phrase, a few words paraphrased (``shows`` becomes
  ``depicts``, ``grew`` becomes ``rose``, ...), and numbers of four or more digits written with
  thousands separators (``5800`` becomes ``5,800``; times, years, ids and decimals are left alone).
"""

from __future__ import annotations

import json
import os
import re

ENV_SWITCH = "MMCOURSE_LIVE_LIKE"

# How each provider's answer differs from the plain one (see the module docstring).
STYLES = {
    "openai": {"opening": "Sure, ", "json_intro": "Here is the JSON you asked for:\n", "fence": False},
    "anthropic": {"opening": "Looking at this, ", "json_intro": "Here is the data as JSON:\n\n", "fence": True},
    "gemini": {"opening": "Okay, here's what I found: ", "json_intro": "", "fence": True},
}
DEFAULT_STYLE = STYLES["openai"]
# Whole words a model says another way (lower case; a capitalised word keeps its capital).
PARAPHRASES = {"shows": "depicts", "grew": "rose", "photo": "picture", "approximately": "roughly",
               "highest": "largest", "contains": "holds"}
WORD = re.compile(r"\b(" + "|".join(PARAPHRASES) + r")\b", re.IGNORECASE)
# A run of 4+ digits standing alone: not part of a decimal, a time (12:30), an id (a1234) or 1,234.
BIG_NUMBER = re.compile(r"(?<![\w.,:])(\d{4,})(?![\w.,:]|\.\d)")
YEAR = re.compile(r"(19|20)\d\d")


def enabled(env=None) -> bool:
    """Whether this emulator process answers live-like (``MMCOURSE_LIVE_LIKE`` set and not 0)."""
    value = (os.environ if env is None else env).get(ENV_SWITCH, "")
    return value not in ("", "0")


def apply(text: str, *, provider: str, structured: bool) -> str:
    """``vary(text)`` when this process answers live-like, else ``text`` unchanged."""
    return vary(text, provider=provider, structured=structured) if enabled() else text


def vary(text: str, *, provider: str, structured: bool) -> str:
    """``text`` as a real model of ``provider`` would more likely write it.

    ``structured`` is True when the request asked for JSON through the API (a JSON mode or a
    schema): then the answer stays valid JSON.
    """
    value = _as_json(text)
    style = STYLES.get(provider, DEFAULT_STYLE)
    if value is not None:
        if structured:
            return json.dumps(_reordered(value, floats=False), ensure_ascii=False)
        body = json.dumps(_reordered(value, floats=True), ensure_ascii=False, indent=2)
        if style["fence"]:
            body = f"```json\n{body}\n```"
        return style["json_intro"] + body
    if structured or not text.strip():
        return text
    return style["opening"] + _lower_first(_paraphrased(_with_separators(text)))


def _as_json(text: str):
    stripped = text.strip()
    if not stripped.startswith(("{", "[")):
        return None
    try:
        return json.loads(stripped)
    except ValueError:
        return None


def _reordered(value, *, floats: bool):
    """Every object's keys in reverse order; with ``floats``, whole numbers as 420.0."""
    if isinstance(value, dict):
        return {key: _reordered(value[key], floats=floats) for key in reversed(list(value))}
    if isinstance(value, list):
        return [_reordered(item, floats=floats) for item in value]
    if floats and type(value) is int:
        return float(value)
    return value


def _paraphrased(text: str) -> str:
    def other(match: re.Match) -> str:
        word = match.group(1)
        said = PARAPHRASES[word.lower()]
        return said.capitalize() if word[0].isupper() else said

    return WORD.sub(other, text)


def _with_separators(text: str) -> str:
    def group(match: re.Match) -> str:
        digits = match.group(1)
        if len(digits) == 4 and YEAR.fullmatch(digits):
            return digits  # a year stays a year
        return f"{int(digits):,}"

    return BIG_NUMBER.sub(group, text)


def _lower_first(text: str) -> str:
    """Join an opening phrase smoothly: 'The cat' -> 'the cat', but 'I', 'Q4' and names stay."""
    first = text.split(" ", 1)[0]
    if first in ("The", "This", "A", "An", "It", "There") and text[len(first):len(first) + 1] == " ":
        return first.lower() + text[len(first):]
    return text
