"""Engine: a classification answer, exactly one of the labels the prompt offers."""

from __future__ import annotations

import re

from mmcourse.emulator.answers.common import (
    UNKNOWN_PREFIX,
    _first_sentence,
    _noun,
    _singular,
    _truth,
    _words,
    measured,
)
from mmcourse.emulator.answers.prose import _describe, _fact_answer
from mmcourse.emulator.prompting import Intent
from mmcourse.emulator.recognise import (
    Recognition,
)


# --------------------------------------------------------------------------- classification
def _label_candidates(rec: Recognition) -> list[str]:
    """What a course file *is*, most specific first: category, kind, chart type, subjects."""
    entry, truth = rec.entry or {}, _truth(rec)
    out = [truth.get("category"), entry.get("kind")]
    # What each kind is called in the photo categories (photo|chart|diagram|screenshot|document|receipt).
    kind_alias = {"pdf": ("document",), "dashboard": ("screenshot",), "design": ("logo", "diagram"),
                  "error-example": ("screenshot",)}
    out += kind_alias.get(entry.get("kind", ""), ())
    if truth.get("chart_type"):
        out += [f"{truth['chart_type']} chart", truth["chart_type"].replace("_", " ")]
    out += list(truth.get("subjects") or [])
    return [str(c) for c in out if c]


def _label_candidates_from(value: object) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [str(value)]


def _canon(text: str) -> tuple[str, ...]:
    return tuple(_singular(w) for w in re.findall(r"[a-z0-9]+", text.lower()))


def _choose_label(labels: tuple[str, ...] | list[str], candidates: list[str], caption: str = "") -> str | None:
    """The offered label that best matches what the file is; None if none fits."""
    best: tuple | None = None
    for rank, candidate in enumerate(candidates):
        cand = _canon(candidate)
        for order, label in enumerate(labels):
            lab = _canon(label)
            if not lab or not cand:
                continue
            if lab == cand:
                score = (0, rank, order)
            elif set(lab) <= set(cand) or set(cand) <= set(lab):
                score = (1, rank, order)
            else:
                continue
            if best is None or score < best[0]:
                best = (score, label)
    if best is None and caption:
        words = {_singular(w) for w in _words(caption)}
        for label in labels:
            if set(_canon(label)) and set(_canon(label)) <= words:
                return label
    return best[1] if best else None


_CATCH_ALL = ("other", "unknown", "none", "neither", "none of the above", "n/a")


def _classify(intent: Intent, rec: Recognition, prompt: str) -> str:
    if not rec.known:
        offered = ", ".join(intent.labels) if intent.labels else "the possible answers"
        return (f"{UNKNOWN_PREFIX} {_noun(rec)}, so I cannot say which of {offered} it is; "
                f"here is what I can measure: {measured(rec.facts)}.")
    truth = _truth(rec)
    caption = str(truth.get("caption") or truth.get("description") or truth.get("title") or "")
    if not intent.labels:  # "Answer with one word": the main subject, else the category
        fact = _fact_answer(rec, prompt)
        if fact is not None and len(fact.split()) <= 3:
            return re.sub(r"^(?:an?|the)\s+", "", fact.rstrip("."), flags=re.IGNORECASE)
        subjects = truth.get("subjects") or []
        return str(subjects[0] if subjects else truth.get("category") or rec.entry.get("kind"))
    label = _choose_label(intent.labels, _label_candidates(rec), caption)
    if label is not None:
        return label
    for label in intent.labels:
        if label.lower() in _CATCH_ALL:
            return label
    return f"None of the offered labels ({', '.join(intent.labels)}) fits: {_first_sentence(_describe(rec, Intent()))}"

