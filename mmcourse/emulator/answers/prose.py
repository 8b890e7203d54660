"""Engine: prose answers, one renderer per kind of course media (photo, chart, receipt, ...)."""

from __future__ import annotations

import re

from mmcourse.emulator.answers.common import (
    _chart_values,
    _clock,
    _extremes,
    _first_sentence,
    _money,
    _num,
    _plain,
    _scene_at,
    _sentence,
    _singular,
    _truth,
    _words,
    measured,
)
from mmcourse.emulator.prompting import Intent
from mmcourse.emulator.recognise import (
    Recognition,
)


def _describe(rec: Recognition, intent: Intent, prompt: str = "") -> str:
    kind = (rec.entry or {}).get("kind", "")
    renderer = RENDERERS.get(kind, _render_generic)
    return renderer(rec, intent, prompt)


def _fact_answer(rec: Recognition, prompt: str) -> str | None:
    """The answer to one of the file's recorded fact questions, if the prompt asks it."""
    facts = _truth(rec).get("facts") or {}
    asked = {_singular(w) for w in _words(prompt)}
    if not asked or not isinstance(facts, dict):
        return None
    best, best_score = None, 0.0
    for question, answer in facts.items():
        words = {_singular(w) for w in _words(str(question))}
        if not words:
            continue
        score = len(words & asked) / len(words)
        if score > best_score:
            best, best_score = answer, score
    if best is None or best_score < 0.6:
        return None
    return _sentence(_plain(best))


def _render_photo(rec: Recognition, intent: Intent, prompt: str) -> str:
    truth = _truth(rec)
    caption = _sentence(truth.get("caption", ""))
    fact = _fact_answer(rec, prompt) if "describe" not in intent.tasks else None
    if fact is not None:
        return fact
    if intent.brief:
        return _first_sentence(caption)
    parts = [caption]
    if truth.get("subjects"):
        parts.append(f"Main subjects: {', '.join(map(str, truth['subjects']))}.")
    if truth.get("colors"):
        parts.append(f"Main colours: {', '.join(map(str, truth['colors']))}.")
    if rec.t is None and rec.facts.width:
        parts.append(f"({rec.facts.width}x{rec.facts.height} pixels.)")
    return " ".join(p for p in parts if p)


def _render_chart(rec: Recognition, intent: Intent, prompt: str) -> str:
    truth = _truth(rec)
    chart_type = str(truth.get("chart_type", "")).replace("_", " ")
    title = truth.get("title", "")
    axes = ""
    if truth.get("x_label") or truth.get("y_label"):
        axes = f" ({truth.get('x_label', '')} on the x-axis, {truth.get('y_label', '')} on the y-axis)"
    head = f"A {chart_type} chart titled \"{title}\"{axes}."
    values = f"Values: {_chart_values(truth)}."
    trend = _sentence(truth.get("trend", ""))
    ext = _extremes(truth)
    extremes = ""
    if ext and chart_type != "pie":
        (hl, hv), (ll, lv) = ext
        unit = f" {truth['unit']}" if truth.get("unit") else ""
        extremes = f"Highest: {hl} ({_num(hv)}{unit}); lowest: {ll} ({_num(lv)}{unit})."
    if intent.brief:
        return f"{head} {trend}".strip()
    specific = _chart_question(truth, prompt) if "describe" not in intent.tasks else None
    if specific:
        return f"{specific} {values}"
    if "values" in intent.tasks and "trend" not in intent.tasks and "describe" not in intent.tasks:
        return f"{_chart_values(truth)}\n{trend}".strip()
    if "trend" in intent.tasks and "values" not in intent.tasks and "describe" not in intent.tasks:
        return " ".join(p for p in (trend, extremes, values) if p)
    return " ".join(p for p in (head, values, trend, extremes) if p)


_HIGH = re.compile(r"highest|largest|biggest|most|\bmax|\bpeak|\bbest|\btop\b", re.IGNORECASE)


_LOW = re.compile(r"lowest|smallest|least|\bmin|\bworst|\bbottom\b", re.IGNORECASE)


def _chart_question(truth: dict, prompt: str) -> str | None:
    """A direct answer to "which is highest?" or "what was Q3?", or None for other prompts."""
    unit = f" {truth['unit']}" if truth.get("unit") else ""
    ext = _extremes(truth)
    answers = []
    if ext and _HIGH.search(prompt):
        answers.append(f"{ext[0][0]} has the highest value: {_num(ext[0][1])}{unit}.")
    if ext and _LOW.search(prompt):
        answers.append(f"{ext[1][0]} has the lowest value: {_num(ext[1][1])}{unit}.")
    if not answers:
        labels, values = truth.get("labels") or [], truth.get("values") or []
        for label, value in zip(labels, values, strict=False):
            if re.search(rf"(?<!\w){re.escape(str(label))}(?!\w)", prompt, re.IGNORECASE):
                answers.append(f"{label}: {_num(value)}{unit}.")
    return " ".join(answers) or None


_RECEIPT_FIELDS: tuple[tuple[str, str], ...] = (
    ("store", r"store|shop|merchant|vendor|where|business|name of"),
    ("address", r"address|located|location"),
    ("date", r"date|when|day"),
    ("time", r"\btime\b|what time|o'clock"),
    ("items", r"\bitems?\b|bought|purchased|products?|\blines?\b|what did (?:i|we|they|you) (?:buy|get|order)"),
    ("subtotal", r"subtotal|sub-total|before tax"),
    ("tax", r"\btax|vat"),
    ("total", r"(?<!sub)total|how much|amount|paid|cost|spend|spent|grand"),
    ("payment_method", r"pay(?:ment|ed)? (?:method|with|by)|how (?:was it|did .* pay)|card|cash"),
)


def _receipt_line(field: str, truth: dict) -> str | None:
    cur = truth.get("currency", "")
    if field == "items":
        lines = [f"- {it.get('quantity', 1)} x {it.get('name')} at {_money(it.get('unit_price'))} = "
                 f"{_money(it.get('total'))} {cur}".rstrip() for it in truth.get("items") or []]
        return "Items:\n" + "\n".join(lines)
    if field == "tax":
        rate = truth.get("tax_rate")
        rate_text = f" ({_num(round(rate * 100, 2)) if isinstance(rate, float) and rate < 1 else _num(rate)}%)" if rate is not None else ""
        return f"Tax{rate_text}: {_money(truth.get('tax'))} {cur}".rstrip()
    if field in ("subtotal", "total"):
        return f"{field.capitalize()}: {_money(truth.get(field))} {cur}".rstrip()
    value = truth.get(field)
    if value is None:
        return None
    return f"{field.replace('_', ' ').capitalize()}: {value}"


def _render_receipt(rec: Recognition, intent: Intent, prompt: str) -> str:
    truth = _truth(rec)
    cur = truth.get("currency", "")
    if "text" in intent.tasks and "describe" not in intent.tasks:
        lines = [str(truth.get("store", "")), str(truth.get("address", "")),
                 f"{truth.get('date', '')} {truth.get('time', '')}".strip()]
        lines += [f"{it.get('quantity', 1)} x {it.get('name')} {_money(it.get('unit_price'))} "
                  f"{_money(it.get('total'))}" for it in truth.get("items") or []]
        lines += [f"Subtotal {_money(truth.get('subtotal'))}", (_receipt_line("tax", truth) or "").replace(":", ""),
                  f"Total {_money(truth.get('total'))} {cur}".rstrip(),
                  f"Paid by {truth.get('payment_method', '')}"]
        return "\n".join(line for line in lines if line.strip())
    asked = [f for f, pattern in _RECEIPT_FIELDS if re.search(pattern, prompt, re.IGNORECASE)]
    if asked and "describe" not in intent.tasks and "summary" not in intent.tasks and len(asked) <= 4:
        return "\n".join(line for f in asked if (line := _receipt_line(f, truth)))
    n = len(truth.get("items") or [])
    head = (f"A receipt from {truth.get('store')} ({truth.get('address')}) dated {truth.get('date')} "
            f"at {truth.get('time')}: {n} item{'s' if n != 1 else ''}, total {_money(truth.get('total'))} "
            f"{cur}, paid by {truth.get('payment_method')}.")
    if intent.brief:
        return head
    body = [_receipt_line(f, truth) for f in ("items", "subtotal", "tax", "total")]
    return head + "\n" + "\n".join(b for b in body if b)


def _render_speech(rec: Recognition, intent: Intent, prompt: str) -> str:
    truth = _truth(rec)
    if "transcript" in intent.tasks and not intent.tasks & {"summary", "decisions", "action_items"}:
        return str(truth.get("transcript", ""))  # verbatim: a transcript is only the words
    parts = []
    if "transcript" in intent.tasks:
        parts.append(f"Transcript: {truth.get('transcript', '')}")
    if "summary" in intent.tasks or not intent.tasks & {"decisions", "action_items"}:
        parts.append(f"Summary: {truth.get('summary', '')}" if intent.tasks & {"decisions", "action_items", "transcript"}
                     else str(truth.get("summary", "")))
    if "decisions" in intent.tasks:
        decisions = truth.get("decisions") or []
        parts.append("Decisions:\n" + ("\n".join(f"- {d}" for d in decisions) or "- none recorded"))
    if "action_items" in intent.tasks:
        items = truth.get("action_items") or []
        lines = [f"- {a.get('owner')}: {a.get('task')}" + (f" (due {a['due']})" if a.get("due") else "") for a in items]
        parts.append("Action items:\n" + ("\n".join(lines) or "- none recorded"))
    if not intent.tasks & {"summary", "decisions", "action_items", "transcript"} and not intent.brief:
        speakers = truth.get("speakers") or []
        if speakers:
            parts.append(f"Speakers: {', '.join(map(str, speakers))}.")
        parts.append(f"Transcript: {truth.get('transcript', '')}")
    return "\n\n".join(p for p in parts if p)


def _walkthrough(truth: dict) -> str:
    lines = [f"{_clock(s.get('start', 0))}-{_clock(s.get('end', 0))} {s.get('title', '')}: {s.get('description', '')}"
             for s in truth.get("scenes") or []]
    return "\n".join(lines)


def _render_video(rec: Recognition, intent: Intent, prompt: str) -> str:
    truth = _truth(rec)
    if rec.t is not None:  # one sampled frame
        return _frame_line(rec)
    if intent.brief or ("summary" in intent.tasks and "walkthrough" not in intent.tasks):
        return str(truth.get("summary", ""))
    duration = truth.get("duration_s") or rec.facts.duration_s
    head = _sentence(truth.get("summary", ""))
    if duration:
        head += f" Length: {_clock(float(duration))} ({_num(duration)} s)."
    return f"{head}\n{_walkthrough(truth)}".strip()


def _scene_text(rec: Recognition) -> str:
    """'the scene "Title" (00:03-00:06): description' for a sampled frame."""
    scene = _scene_at(_truth(rec), rec.t or 0.0) or {}
    if not scene:
        return "a moment with no recorded scene."
    span = f"{_clock(scene.get('start', 0))}-{_clock(scene.get('end', 0))}"
    return f"the scene \"{scene.get('title', '')}\" ({span}): {_sentence(scene.get('description', ''))}"


def _frame_line(rec: Recognition) -> str:
    t = rec.t or 0.0
    return f"A frame from the course video at {_clock(t)} (t = {_num(t)} s), during {_scene_text(rec)}"


def _render_frames(seen: list[Recognition], intent: Intent) -> str:
    lines = [f"Frame {i} ({_clock(r.t or 0)}): {_scene_text(r)}" for i, r in enumerate(seen, start=1)]
    times = [r.t or 0.0 for r in seen]
    span = f"The frames span {_clock(min(times))} to {_clock(max(times))} of the video."
    tail = "" if intent.brief else _sentence(_truth(seen[0]).get("summary", ""))
    return "\n".join(lines) + "\n" + " ".join(p for p in (span, tail) if p)


def _render_dashboard(rec: Recognition, intent: Intent, prompt: str) -> str:
    truth = _truth(rec)
    metrics = truth.get("metrics") or {}
    listed = ", ".join(f"{k}: {_plain(v)}" for k, v in metrics.items())
    text = f"A dashboard screenshot, \"{truth.get('title', '')}\" (version {truth.get('version', '?')})."
    if "compare" in intent.tasks and not intent.brief:
        for other, differences in (truth.get("differences_from") or {}).items():
            text += f"\nRecorded differences between {other} and {rec.entry.get('path')} (older to newer):\n"
            text += "\n".join(f"- {_sentence(d)}" for d in differences)
        return text
    return text if intent.brief or not listed else f"{text} Metrics: {listed}."


def _render_design(rec: Recognition, intent: Intent, prompt: str) -> str:
    truth = _truth(rec)
    text = f"Design iteration {truth.get('iteration', '?')}: {_sentence(truth.get('description', ''))}"
    changes = truth.get("changes_from_previous") or []
    if changes and ("compare" in intent.tasks) and not intent.brief:
        text += "\nChanges from the previous iteration:\n" + "\n".join(f"- {c}" for c in changes)
    return text


def _pdf_pages(truth: dict, pages: tuple[int, ...]) -> list[tuple[int, str]]:
    texts = truth.get("text") or []
    chosen = []
    for page in pages:
        number = len(texts) if page == -1 else page
        if 1 <= number <= len(texts):
            chosen.append((number, texts[number - 1]))
    return chosen


def _render_pdf(rec: Recognition, intent: Intent, prompt: str) -> str:
    truth = _truth(rec)
    texts = truth.get("text") or []
    n = truth.get("pages") or len(texts)
    pages = intent.pages or ((rec.page,) if rec.page and "text" in intent.tasks else ())
    if pages:
        chosen = _pdf_pages(truth, pages)
        if not chosen:
            return f"The PDF \"{truth.get('title', '')}\" has {n} page{'s' if n != 1 else ''}; page {pages[0]} does not exist."
        return "\n\n".join(f"Page {p}:\n{t}" for p, t in chosen)
    if "text" in intent.tasks and not intent.tasks & {"summary", "describe"}:
        return "\n\n".join(f"Page {i}:\n{t}" for i, t in enumerate(texts, start=1))
    facts = truth.get("facts") or {}
    if "facts" in intent.tasks and facts and "summary" not in intent.tasks:
        fact = _fact_answer(rec, prompt)
        if fact is not None:
            return fact
        return "\n".join(f"- {k.replace('_', ' ')}: {_plain(v)}" for k, v in facts.items())
    head = f"\"{truth.get('title', '')}\", a {n}-page PDF. {_sentence(truth.get('summary', ''))}"
    if intent.brief or not facts:
        return head
    return head + "\nKey facts:\n" + "\n".join(f"- {k.replace('_', ' ')}: {_plain(v)}" for k, v in facts.items())


def _render_error_example(rec: Recognition, intent: Intent, prompt: str) -> str:
    truth = _truth(rec)
    return (f"This is the course's mislabelled example file {rec.entry.get('path')}: its bytes are "
            f"{truth.get('true_mime')} although its name ends in {truth.get('claimed_extension')}. "
            f"{_sentence(truth.get('lesson', ''))} Measured: {measured(rec.facts)}.")


def _render_generic(rec: Recognition, intent: Intent, prompt: str) -> str:
    truth = _truth(rec)
    text = truth.get("caption") or truth.get("description") or truth.get("summary") or ""
    return f"{_sentence(text)} Measured: {measured(rec.facts)}.".strip()


RENDERERS = {
    "photo": _render_photo,
    "chart": _render_chart,
    "receipt": _render_receipt,
    "speech": _render_speech,
    "video": _render_video,
    "dashboard": _render_dashboard,
    "design": _render_design,
    "pdf": _render_pdf,
    "error-example": _render_error_example,
}

