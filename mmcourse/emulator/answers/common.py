"""Shared pieces of the answer engine: the media item type, small formatters, measured facts
for unknown media, and views of a recognised file's ground truth."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mmcourse.emulator.recognise import (
    Facts,
    Recognition,
)

UNKNOWN_PREFIX = "Offline emulator: I do not recognise this"


@dataclass(frozen=True)
class MediaItem:
    """One media part of a request: its declared MIME type, its bytes, and a name if it had one."""

    mime: str
    data: bytes
    name: str | None = None
    sha256: str | None = None  # the bytes' SHA-256 when the caller has it already (not hashed twice)


# --------------------------------------------------------------------------- small formatters
def _num(value: object) -> str:
    """420.0 -> "420", 12.5 -> "12.5"."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _money(value: object) -> str:
    return f"{value:.2f}" if isinstance(value, (int, float)) else str(value)


def _clock(seconds: float) -> str:
    whole = int(round(seconds))
    return f"{whole // 60:02d}:{whole % 60:02d}"


def _sentence(text: str) -> str:
    text = str(text).strip()
    return text if not text or text[-1] in ".!?" else text + "."


def _first_sentence(text: str) -> str:
    m = re.match(r"(.+?[.!?])(\s|$)", str(text).strip(), re.DOTALL)
    return m.group(1) if m else _sentence(text)


def _lower_article(text: str) -> str:
    """"A red square" -> "a red square", for use inside a sentence."""
    return text[0].lower() + text[1:] if re.match(r"(?:A|An|The)\b", text) else text


def _kib(n: int) -> str:
    return f"{n} bytes" if n < 1024 else f"{n / 1024:.1f} KB" if n < 1024 * 1024 else f"{n / 1048576:.2f} MB"


def _words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z0-9]+", text.lower()) if w not in _STOPWORDS}


def _singular(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") and not word.endswith("ss") else word


_STOPWORDS = frozenset(
    "a an the is are was were be this that these those it its of in on at to for with and or what "
    "which who whom how many much does do did there here image picture photo please tell me you "
    "your can could would should i we my our in from by as about".split()
)


_NOUN = {"image": "image", "audio": "audio clip", "video": "video", "application": "file",
         "text": "transcript"}


def _noun(rec: Recognition) -> str:
    if rec.facts.mime == "application/pdf":
        return "PDF"
    return _NOUN.get(rec.facts.mime.split("/")[0], "file")


# --------------------------------------------------------------------------- unknown media
def measured(facts: Facts) -> str:
    """What can be measured about a file, as one plain sentence (no content is guessed)."""
    parts = []
    kind = facts.format or facts.mime
    if facts.problem:
        return f"{facts.bytes} bytes declared or sniffed as {facts.mime}, but {facts.problem}"
    parts.append(f"{kind} ({facts.mime})")
    if facts.width and facts.height:
        parts.append(f"{facts.width}x{facts.height} pixels")
    if facts.duration_s is not None:
        parts.append(f"{_num(facts.duration_s)} s long")
    if facts.sample_rate:
        channels = {1: "mono", 2: "stereo"}.get(facts.channels or 0, f"{facts.channels} channels")
        parts.append(f"{facts.sample_rate} Hz {channels}")
    if facts.fps:
        parts.append(f"{_num(facts.fps)} frames per second")
    elif facts.frames:
        parts.append(f"{facts.frames} frames")
    if facts.pages is not None:
        parts.append(f"{facts.pages} page{'s' if facts.pages != 1 else ''}")
    parts.append(_kib(facts.bytes))
    text = ", ".join(parts)
    if facts.colours:
        named = ", ".join(f"{name} ({share}%)" for name, share in facts.colours)
        text += f"; dominant colours: {named}"
    return text


def _unknown(rec: Recognition) -> str:
    facts = rec.facts
    text = f"{UNKNOWN_PREFIX} {_noun(rec)}; here is what I can measure: {measured(facts)}."
    if facts.text and any(facts.text):
        pages = [(i + 1, t) for i, t in enumerate(facts.text) if t]
        extract = "\n\n".join(f"Page {n}:\n{t}" for n, t in pages[:3])
        more = f"\n\n({len(pages) - 3} more pages with text.)" if len(pages) > 3 else ""
        text += f"\nText extracted from the PDF:\n{extract}{more}"
    return text


# --------------------------------------------------------------------------- ground-truth views
def _truth(rec: Recognition) -> dict:
    return dict((rec.entry or {}).get("truth") or {})


def _chart_values(truth: dict) -> str:
    labels = truth.get("labels") or []
    unit = f" ({truth['unit']})" if truth.get("unit") else ""
    series = truth.get("series") or {}
    if len(series) > 1:
        lines = []
        for name, values in series.items():
            pairs = ", ".join(f"{lab}: {_num(v)}" for lab, v in zip(labels, values, strict=False))
            lines.append(f"{name}: {pairs}")
        return "; ".join(lines) + unit
    values = truth.get("values") or next(iter(series.values()), [])
    return ", ".join(f"{lab}: {_num(v)}" for lab, v in zip(labels, values, strict=False)) + unit


def _extremes(truth: dict) -> tuple[tuple[str, float], tuple[str, float]] | None:
    labels, values = truth.get("labels") or [], truth.get("values") or []
    pairs = [(str(lab), v) for lab, v in zip(labels, values, strict=False) if isinstance(v, (int, float))]
    if not pairs:
        return None
    high = max(pairs, key=lambda p: p[1])  # max/min keep the first of equal values
    low = min(pairs, key=lambda p: p[1])
    return high, low


def _scene_at(truth: dict, t: float) -> dict | None:
    for scene in truth.get("scenes") or []:
        if scene.get("start", 0) <= t < scene.get("end", 0):
            return scene
    scenes = truth.get("scenes") or []
    return scenes[-1] if scenes and t >= scenes[-1].get("start", 0) else None


def _norm_key(key: str) -> str:
    key = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", str(key))  # camelCase -> camel_case
    return re.sub(r"[^a-z0-9]+", "_", key.lower()).strip("_")


def _plain(value: object) -> str:
    if isinstance(value, dict):
        for key in ("name", "title", "task", "label", "caption"):
            if key in value:
                return str(value[key])
        return "; ".join(f"{k}: {_plain(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_plain(v) for v in value)
    return _num(value) if isinstance(value, float) else str(value)

