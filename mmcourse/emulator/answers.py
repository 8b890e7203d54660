"""The emulator's answer engine: ground truth from the course data, in the form the prompt asks.

``compose_answer`` recognises each media item (``recognise.py``), reads the prompt
(``prompting.py``) and renders the matching manifest entry's ground truth as a description, one
label from the prompt's list, JSON with exactly the keys the prompt names, a transcript, a
summary, chart values and trend, a comparison, a video walk-through or PDF text. Media it does
not recognise get an honest, measured answer that says it comes from the offline emulator. A
course recording's transcript pasted into the prompt (``mmcourse.routing``'s
transcribe-then-analyse step, or a learner's paste) is answered from that recording's truth.

Conventions a learner can rely on:
* JSON answers are plain JSON text (no Markdown fence), whether or not JSON mode was set, with
  exactly the keys asked for; a key the ground truth has no value for is ``null`` ("not visible").
* A classification answer is exactly one of the offered labels, spelled as the prompt spelled it.
* The answer depends only on the prompt, system text, JSON settings and media bytes: the same
  request always gets the same answer (no randomness, no clock), whatever the provider or model.
"""

from __future__ import annotations

import ast
import hashlib
import itertools
import json
import operator
import re
from dataclasses import dataclass, replace
from pathlib import Path

from mmcourse.emulator.prompting import Intent, Leaf, Shape, parse_intent
from mmcourse.emulator.recognise import (
    ROUTING_TRANSCRIPT_HEADER,
    Facts,
    Recognition,
    TranscriptMatch,
    default_manifest,
    find_transcripts,
    recognise,
)

UNKNOWN_PREFIX = "Offline emulator: I do not recognise this"


@dataclass(frozen=True)
class MediaItem:
    """One media part of a request: its declared MIME type, its bytes, and a name if it had one."""

    mime: str
    data: bytes
    name: str | None = None


def compose_answer(
    prompt: str,
    media: list[MediaItem],
    *,
    system: str | None = None,
    provider: str,
    model: str,
    json_mode: bool = False,
    json_schema: dict | None = None,
    manifest: dict | None = None,
    data_dir: Path | None = None,
) -> str:
    """The emulator's answer text for one request.

    ``json_schema`` is the schema a request carried outside the prompt (OpenAI
    ``response_format.json_schema``, Anthropic ``output_config.format``, Gemini
    ``responseSchema``/``responseJsonSchema``); ``manifest``/``data_dir``
    default to the course data. ``provider`` and ``model`` do not change the answer: every
    provider is shown the same course truth, so lessons can compare wire formats, not luck.

    >>> compose_answer("What is 2+2?", [], provider="openai", model="any")
    '2 + 2 = 4 (worked out by the offline emulator)'
    """
    if manifest is None:
        manifest, default_dir = default_manifest()
        data_dir = data_dir or default_dir
    prompt = prompt or ""
    seen = [recognise(m.data, m.mime, manifest=manifest, data_dir=data_dir) for m in media]
    files = list(manifest.get("files", []))
    heard = {str((r.entry or {}).get("truth", {}).get("transcript")) for r in seen if r.known}
    pasted = [m for m in find_transcripts(prompt, manifest)
              if str(m.entry["truth"]["transcript"]) not in heard]  # already sent as audio
    if pasted:
        return _from_transcripts(prompt, system, json_mode, json_schema, seen, pasted, files)
    intent = parse_intent(prompt, system, json_mode, json_schema)
    if not seen:
        return _text_only(prompt, intent)
    return _dispatch(prompt, intent, seen, files)


def _dispatch(prompt: str, intent: Intent, seen: list[Recognition], files: list[dict],
              note: str | None = None) -> str:
    """The answer for recognised (or measured) items, in the form ``intent`` asks for.

    ``note`` (how the items were found) prefixes prose answers only: JSON stays plain JSON and
    a classification stays exactly one label.
    """
    if intent.json:
        return _render_json(intent, seen, files)
    if intent.labels and len(seen) > 1:
        return "\n".join(f"{_noun(r).capitalize()} {i}: {_classify(intent, r, prompt)}"
                         for i, r in enumerate(seen, start=1))
    # A transcript is never one word, whatever else the prompt says ("... and nothing else").
    if intent.labels or (intent.one_word and len(seen) == 1 and "transcript" not in intent.tasks):
        return _classify(intent, seen[0], prompt)
    text = _render_text(prompt, intent, seen, files)
    return f"{note}\n\n{text}" if note else text


# --------------------------------------------------------------------------- pasted transcripts

# Asking about a pasted transcript names it ("here is the transcript: ... summarise it"); that is
# a request for the words themselves only when it says so.
_WANTS_WORDS = re.compile(r"transcribe|verbatim|word for word|what (?:is|was) said|exact words|"
                          r"(?:clean|tidy|fix|correct|format)(?: up)? (?:the|this) transcript", re.IGNORECASE)


def _from_transcripts(prompt: str, system: str | None, json_mode: bool, json_schema: dict | None,
                      seen: list[Recognition], pasted: list[TranscriptMatch], files: list[dict]) -> str:
    """Answer from the truth of course recordings whose transcripts were pasted into the prompt
    (mmcourse.routing's transcribe-then-analyse route, or a learner's paste)."""
    question = _strip_transcripts(prompt, pasted)
    intent = parse_intent(question, system, json_mode, json_schema)
    if not _WANTS_WORDS.search(question):
        intent = replace(intent, tasks=intent.tasks - {"transcript"})
    texts = [prompt[m.start:m.end] for m in pasted]
    read = [Recognition(entry=m.entry, facts=_text_facts(t), how="transcript_text")
            for m, t in zip(pasted, texts, strict=True)]
    paths = ", ".join(str(m.entry.get("path")) for m in pasted)
    one = len(pasted) == 1
    note = (f"Offline emulator: I worked from the transcript text in your prompt (it matches the course "
            f"recording{'' if one else 's'} {paths}); no audio reached me.")
    return _dispatch(question, intent, seen + read, files, note)


def _strip_transcripts(prompt: str, pasted: list[TranscriptMatch]) -> str:
    """The prompt without the pasted transcripts and routing's "Transcript of the audio" headers,
    so their words are not read as the question."""
    pieces, at = [], 0
    for match in pasted:
        pieces.append(prompt[at:match.start])
        at = match.end
    pieces.append(prompt[at:])
    return ROUTING_TRANSCRIPT_HEADER.sub("", "".join(pieces)).strip()


def _text_facts(text: str) -> Facts:
    data = text.encode("utf-8")
    return Facts(mime="text/plain", bytes=len(data), sha256=hashlib.sha256(data).hexdigest(), format="text")


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


def _derived(rec: Recognition) -> dict:
    """Truth plus fields a prompt commonly asks for that the truth implies."""
    entry, truth, facts = rec.entry or {}, _truth(rec), rec.facts
    view: dict = {
        "file": entry.get("path"),
        "kind": entry.get("kind"),
        "mime": facts.mime,
        "bytes": facts.bytes,
        "width": facts.width or entry.get("width"),
        "height": facts.height or entry.get("height"),
        "duration_s": entry.get("duration_s", facts.duration_s),
        "pages": entry.get("pages", facts.pages),
        "dominant_colors": [name for name, _ in facts.colours] or None,
    }
    view.update({k: v for k, v in (truth.get("facts") or {}).items() if re.fullmatch(r"[\w ]+", str(k))})
    view.update(truth)
    kind = entry.get("kind")
    if kind == "chart":
        labels, values = truth.get("labels") or [], truth.get("values") or []
        # Each point also answers to the axis names: {"quarter": "Q1", "revenue": 420}.
        x_key, y_key = _norm_key(truth.get("x_label") or "x"), _norm_key(truth.get("y_label") or "y")
        series_key = _norm_key(next(iter(truth.get("series") or {"value": 0})))
        view["data"] = [{"label": lab, "value": v, x_key: lab, y_key: v, series_key: v}
                        for lab, v in zip(labels, values, strict=False)]
        ext = _extremes(truth)
        if ext:
            (hl, hv), (ll, lv) = ext
            view.update(highest={"label": hl, "value": hv}, lowest={"label": ll, "value": lv},
                        max_value=hv, min_value=lv, highest_label=hl, lowest_label=ll)
        if all(isinstance(v, (int, float)) for v in values) and values:
            view["sum"] = sum(values)
    if kind == "receipt":
        view["item_count"] = len(truth.get("items") or [])
    if kind == "dashboard":
        view["differences"] = [d for ds in (truth.get("differences_from") or {}).values() for d in ds]
    if kind == "design":
        view["changes"] = truth.get("changes_from_previous")
    if kind == "video":
        view["scene_count"] = len(truth.get("scenes") or [])
        if rec.t is not None:
            view.update(t=rec.t, timestamp=_clock(rec.t), scene=_scene_at(truth, rec.t))
    view["description"] = truth.get("description") or _describe(rec, Intent())
    return view


def _scene_at(truth: dict, t: float) -> dict | None:
    for scene in truth.get("scenes") or []:
        if scene.get("start", 0) <= t < scene.get("end", 0):
            return scene
    scenes = truth.get("scenes") or []
    return scenes[-1] if scenes and t >= scenes[-1].get("start", 0) else None


# --------------------------------------------------------------------------- JSON answers

# Prompt key (normalised) -> truth fields to try, in order. Context-free on purpose: the
# first field present in the object being filled wins, so "price" finds a receipt item's
# unit price and "amount" a receipt's total.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "merchant": ("store",), "store_name": ("store",), "vendor": ("store",), "shop": ("store",),
    "business": ("store",), "seller": ("store",), "restaurant": ("store",), "name": ("name", "store", "title"),
    "merchant_name": ("store",), "vendor_name": ("store",), "shop_name": ("store",),
    "total_amount": ("total",), "grand_total": ("total",), "amount_due": ("total",),
    "total_price": ("total",), "amount": ("total", "value"), "total_paid": ("total",),
    "line_items": ("items",), "products": ("items",), "purchases": ("items",), "articles": ("items",),
    "purchase_date": ("date",), "transaction_date": ("date",), "receipt_date": ("date",),
    "payment": ("payment_method",), "payment_type": ("payment_method",), "paid_with": ("payment_method",),
    "tender": ("payment_method",), "card": ("payment_method",),
    "tax_amount": ("tax",), "vat": ("tax",), "sales_tax": ("tax",), "vat_amount": ("tax",),
    "tax_percent": ("tax_rate",), "vat_rate": ("tax_rate",), "sub_total": ("subtotal",),
    "item": ("name", "task"), "item_name": ("name",), "product": ("name",), "product_name": ("name",),
    "description": ("description", "caption", "summary", "name", "task"),
    "qty": ("quantity",), "count": ("quantity", "item_count", "scene_count"),
    "price": ("unit_price", "total", "value"), "unit_cost": ("unit_price",), "each": ("unit_price",),
    "price_each": ("unit_price",), "line_total": ("total",), "total_cost": ("total",),
    "type": ("chart_type", "category", "kind"), "chart": ("chart_type",), "kind": ("kind", "category"),
    "x_axis": ("x_label",), "y_axis": ("y_label",), "x_axis_label": ("x_label",), "y_axis_label": ("y_label",),
    "categories": ("labels",), "quarters": ("labels",), "label": ("label", "title", "name"),
    "value": ("value",), "y": ("value",), "x": ("label",), "quarter": ("label",), "month": ("label",),
    "data_points": ("data",), "points": ("data",), "datapoints": ("data",),
    "maximum": ("highest", "max_value"), "max": ("highest", "max_value"), "peak": ("highest",),
    "minimum": ("lowest", "min_value"), "min": ("lowest", "min_value"), "units": ("unit",),
    "caption": ("caption", "description", "summary"), "alt_text": ("caption",), "alt": ("caption",),
    "objects": ("subjects",), "animals": ("subjects",), "subject": ("subjects",), "main_subject": ("subjects",),
    "items_visible": ("subjects",), "things": ("subjects",),
    "colours": ("colors", "dominant_colors"), "dominant_colours": ("colors", "dominant_colors"),
    "colors": ("colors", "dominant_colors"), "main_colors": ("colors",), "palette": ("colors",),
    "category": ("category", "kind"), "class": ("category",), "label_name": ("category",),
    "text": ("text", "transcript"), "transcription": ("transcript",), "speech": ("transcript",),
    "participants": ("speakers",), "people": ("speakers", "subjects"), "attendees": ("speakers",),
    "owner": ("owner",), "assignee": ("owner",), "person": ("owner",), "who": ("owner",),
    "responsible": ("owner",), "action": ("task",), "todo": ("task",), "deadline": ("due",),
    "due_date": ("due",), "when": ("due",), "by": ("due",), "tasks": ("action_items",),
    "todos": ("action_items",), "actions": ("action_items",), "next_steps": ("action_items",),
    "key_decisions": ("decisions",), "outcomes": ("decisions",),
    "start_time": ("start",), "from": ("start",), "begin": ("start",), "end_time": ("end",),
    "to": ("end",), "until": ("end",), "heading": ("title",), "scene": ("scene", "title"),
    "length": ("duration_s",), "duration": ("duration_s",), "duration_seconds": ("duration_s",),
    "page_count": ("pages",), "num_pages": ("pages",), "number_of_pages": ("pages",),
    "key_facts": ("facts",), "details": ("facts",), "abstract": ("summary",), "tldr": ("summary",),
    "differences": ("differences",), "changes": ("changes", "changes_from_previous", "differences"),
    "what_changed": ("changes", "changes_from_previous", "differences"), "diff": ("differences",),
    "kpis": ("metrics",), "timestamp": ("timestamp",), "time": ("time", "timestamp"),
    "filename": ("file",), "file_name": ("file",), "path": ("file",), "format": ("mime",),
    "mime_type": ("mime",), "media_type": ("mime",), "size_bytes": ("bytes",), "size": ("bytes",),
    "num_items": ("item_count",), "number_of_items": ("item_count",), "items_count": ("item_count",),
}


def _norm_key(key: str) -> str:
    key = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", str(key))  # camelCase -> camel_case
    return re.sub(r"[^a-z0-9]+", "_", key.lower()).strip("_")


def lookup(key: str, obj: object) -> object:
    """The value for a prompt's ``key`` in a truth object, by name, synonym or head word."""
    if not isinstance(obj, dict):
        return None
    by_norm = {_norm_key(k): v for k, v in obj.items()}
    norm = _norm_key(key)
    if key in obj:
        return obj[key]
    for candidate in (norm, *SYNONYMS.get(norm, ())):
        if candidate in by_norm:
            return by_norm[candidate]
    if norm.endswith("s") and norm[:-1] in by_norm:
        return by_norm[norm[:-1]]
    if norm + "s" in by_norm:
        return by_norm[norm + "s"]
    # "store_address" -> address, "receipt_total" -> total: English compounds end in their head.
    # Exact heads only, and never a generic one: "cashier_name" must stay null, not the store.
    for token in reversed(norm.split("_")[1:]):
        if token not in _GENERIC_HEADS and token in by_norm:
            return by_norm[token]
    return None


_GENERIC_HEADS = frozenset({"name", "id", "number", "value", "type", "text", "label", "list", "info", "data"})


def fill(shape: Shape, value: object) -> object:
    """Fill a JSON shape from a truth value, keeping exactly the shape's keys."""
    if isinstance(shape, dict):
        source = value if isinstance(value, dict) else {}
        return {key: fill(sub, lookup(key, source)) for key, sub in shape.items()}
    if isinstance(shape, list):
        inner = shape[0] if shape else Leaf()
        if isinstance(value, list):
            return [fill(inner, v) for v in value]
        if isinstance(value, dict) and value:
            if isinstance(inner, dict):  # {"Revenue": [..]} asked as [{"name", "values"}]
                return [fill(inner, {"name": k, "label": k, "values": v, "value": v}) for k, v in value.items()]
            return [fill(inner, f"{k}: {v}") for k, v in value.items()]
        return None if value is None else [fill(inner, value)]
    return _coerce(shape, value)


def _coerce(leaf: Leaf, value: object) -> object:
    if value is None:
        return None
    if leaf.enum:
        return _choose_label(leaf.enum, _label_candidates_from(value)) or None
    if leaf.type in ("string",) and not isinstance(value, str):
        if isinstance(value, list):
            return ", ".join(_plain(v) for v in value)
        return _plain(value)
    if leaf.type in ("number", "integer") and isinstance(value, str):
        try:
            number = float(value.replace(",", "").strip("$€£% "))
        except ValueError:
            return value
        return int(number) if leaf.type == "integer" or number.is_integer() else number
    if leaf.type == "integer" and isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _plain(value: object) -> str:
    if isinstance(value, dict):
        for key in ("name", "title", "task", "label", "caption"):
            if key in value:
                return str(value[key])
        return "; ".join(f"{k}: {_plain(v)}" for k, v in value.items())
    if isinstance(value, list):
        return ", ".join(_plain(v) for v in value)
    return _num(value) if isinstance(value, float) else str(value)


def _render_json(intent: Intent, seen: list[Recognition], files: list[dict]) -> str:
    if len(seen) == 1:
        view = _derived(seen[0]) if seen[0].known else _measured_view(seen[0])
        if intent.shape is None:
            payload = _truth(seen[0]) or view
        elif isinstance(intent.shape, dict) and not _any_found(intent.shape, view) and (
            rows := _rows_with(intent.shape, view)
        ):
            payload = [fill(intent.shape, row) for row in rows]  # "an array of {label, value}"
        else:
            payload = fill(intent.shape, view)
    else:
        views = [_derived(r) if r.known else _measured_view(r) for r in seen]
        combined = _combined_view(seen, views, files)
        if intent.shape is None:
            payload = combined
        elif isinstance(intent.shape, dict) and not _any_found(intent.shape, combined) and any(
            _any_found(intent.shape, v) for v in views
        ):
            payload = [fill(intent.shape, v) for v in views]  # "for each image: {store, total}"
        else:
            payload = fill(intent.shape, combined)
    return json.dumps(payload, indent=2, ensure_ascii=False)


def _any_found(shape: dict, view: dict) -> bool:
    return any(lookup(key, view) is not None for key in shape)


def _rows_with(shape: dict, view: dict) -> list[dict] | None:
    """The first list of objects in the truth whose objects have the shape's keys."""
    for value in view.values():
        if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
            if _any_found(shape, value[0]):
                return value
    return None


def _measured_view(rec: Recognition) -> dict:
    facts = rec.facts
    view = {
        "recognised": False,
        "note": f"{UNKNOWN_PREFIX} {_noun(rec)}; the values are measured from its bytes.",
        "mime": facts.mime, "format": facts.format, "bytes": facts.bytes, "width": facts.width,
        "height": facts.height, "duration_s": facts.duration_s, "pages": facts.pages,
        "dominant_colors": [name for name, _ in facts.colours] or None,
        "text": list(facts.text) or None,
    }
    return {k: v for k, v in view.items() if v is not None}


def _combined_view(seen: list[Recognition], views: list[dict], files: list[dict]) -> dict:
    differences = _differences(seen, files)
    view: dict = {
        "images": views, "count": len(seen),
        "differences": differences, "changes": differences,
        "summary": _render_compare(seen, Intent(), files) if differences else None,
    }
    video = _same_video(seen)
    if video is not None:
        view.update(_truth(seen[0]))
        view["frames"] = [
            {"t": r.t, "timestamp": _clock(r.t or 0), "scene": (_scene_at(_truth(r), r.t or 0) or {}).get("title"),
             "description": (_scene_at(_truth(r), r.t or 0) or {}).get("description")}
            for r in seen
        ]
    return view


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


# --------------------------------------------------------------------------- prose answers


def _render_text(prompt: str, intent: Intent, seen: list[Recognition], files: list[dict]) -> str:
    if len(seen) == 1:
        rec = seen[0]
        return _describe(rec, intent, prompt) if rec.known else _unknown(rec)
    if _same_video(seen) is not None:
        return _render_frames(seen, intent)
    if ("compare" in intent.tasks or _differences(seen, files)) and all(r.known for r in seen):
        return _render_compare(seen, intent, files)
    sections = []
    for i, rec in enumerate(seen, start=1):
        body = _describe(rec, intent, prompt) if rec.known else _unknown(rec)
        sections.append(f"{_noun(rec).capitalize()} {i}: {body}")
    return "\n\n".join(sections)


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


# --------------------------------------------------------------------------- several media


def _same_video(seen: list[Recognition]) -> dict | None:
    entries = {id(r.entry) for r in seen}
    if len(entries) == 1 and seen[0].entry and seen[0].entry.get("kind") == "video" and all(
        r.t is not None for r in seen
    ):
        return seen[0].entry
    return None


def _order_key(rec: Recognition) -> object:
    truth = _truth(rec)
    return truth.get("version", truth.get("iteration"))


def _pair_differences(a: Recognition, b: Recognition, files: list[dict]) -> tuple[bool, list[str]] | None:
    """(a is the older one, recorded differences older -> newer) for two course images, or None.

    The manifest lists a pair's differences from the older version to the newer one, whichever
    entry holds the list; design iterations list what changed from the previous iteration.
    """
    if not (a.known and b.known) or a.entry is b.entry:
        return None
    va, vb = _order_key(a), _order_key(b)
    forward = not (isinstance(va, int) and isinstance(vb, int) and va > vb)
    listed = (_truth(b).get("differences_from") or {}).get(a.entry.get("path"))
    if listed is None:
        listed = (_truth(a).get("differences_from") or {}).get(b.entry.get("path"))
    if listed is None and a.entry.get("kind") == b.entry.get("kind") == "design" and (
        isinstance(va, int) and isinstance(vb, int)
    ):
        low, high = sorted((va, vb))
        steps = sorted(
            (e for e in files if e.get("kind") == "design"
             and isinstance((e.get("truth") or {}).get("iteration"), int)
             and low < e["truth"]["iteration"] <= high),
            key=lambda e: e["truth"]["iteration"],
        )
        listed = [str(c) for e in steps for c in e["truth"].get("changes_from_previous") or []]
    if not listed:
        return None
    return forward, [str(d) for d in listed]


def _differences(seen: list[Recognition], files: list[dict]) -> list[str]:
    """All recorded differences between consecutive images of a request."""
    out: list[str] = []
    for a, b in zip(seen, seen[1:], strict=False):
        found = _pair_differences(a, b, files)
        if found:
            out.extend(found[1])
    return out


def _render_compare(seen: list[Recognition], intent: Intent, files: list[dict]) -> str:
    names = []
    for i, rec in enumerate(seen, start=1):
        truth = _truth(rec)
        if rec.entry.get("kind") == "dashboard":
            what = f"{truth.get('title', '')} (version {truth.get('version', '?')})"
        elif rec.entry.get("kind") == "design":
            what = _first_sentence(str(truth.get("description", ""))).rstrip(".")
            what = _lower_article(what)
            what = f"design iteration {truth.get('iteration', '?')}" + (f", {what}" if what else "")
        else:
            what = _describe(rec, Intent(brief=True))
        what = _first_sentence(str(what)).rstrip(".")
        what = _lower_article(what)
        names.append(f"Image {i} is {what}.")
    lines = []
    for i in range(1, len(seen)):
        a, b = seen[i - 1], seen[i]
        found = _pair_differences(a, b, files)
        if found:
            older, newer = (i, i + 1) if found[0] else (i + 1, i)
            lines.append(f"From image {older} to image {newer}:")
            lines.extend(f"- {_sentence(d)}" for d in found[1])
        elif a.entry is b.entry:
            lines.append(f"Images {i} and {i + 1} show the same course file; I see no difference.")
        else:
            lines.append(f"Images {i} and {i + 1} are different course files with no recorded list of "
                         "differences between them.")
    return "\n".join(names + lines)


# --------------------------------------------------------------------------- text-only prompts

_NUMBER = r"\(*\s*-?\d+(?:\.\d+)?\s*\)*"
# Linear on purpose (no nested optional whitespace), so a long prompt cannot make it backtrack.
# (?<!...\()(?=[(\d-]): a match starts only where a number can, at the first of a run of "(", so runs of
# spaces or brackets are not rescanned from each of their positions (linear, not quadratic).
_ARITH = re.compile(rf"(?<![\w.(])(?=[(\d-]){_NUMBER}(?:\s*(?:\*\*|//|[-+*/x×÷^%])\s*{_NUMBER})+")
_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
        ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow}
# "Reply with exactly the word pong" / "Say 'ready'": connection checks want the word back.
_SAY = re.compile(
    r"^\s*(?:please\s+)?(?:say|reply with|respond with|answer with|return|output|print)\s+"
    r"(?:(?:only|exactly|just)\s+(?:the\s+(?:single\s+)?word\s+)?|the\s+(?:single\s+)?word\s+(?=\S)|(?=[\"'`]))"
    r"[\"'`]?([^\"'`\n]{1,40}?)[\"'`]?\s*[.!]?\s*$",
    re.IGNORECASE,
)
_GREETING = re.compile(r"\b(?:hello|hi|hey|greetings|good (?:morning|afternoon|evening))\b", re.IGNORECASE)
_MEDIA_WORDS = re.compile(r"\b(?:image|photo|picture|chart|receipt|audio|recording|video|pdf|document|screenshot)s?\b",
                          re.IGNORECASE)


def evaluate_arithmetic(expression: str) -> float | int | None:
    """Safely evaluate + - * / // % ** on numbers; None for anything else (or absurd powers)."""
    text = expression.replace("×", "*").replace("x", "*").replace("÷", "/").replace("^", "**").replace(",", "")
    if len(text) > 200:
        return None  # not a sum a person types; also keeps the parser's recursion shallow
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except (SyntaxError, RecursionError, ValueError):
        return None

    def walk(node: ast.AST) -> float | int:
        if isinstance(node, ast.Expression):
            return walk(node.body)
        if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)):
            return node.value
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            value = walk(node.operand)
            return -value if isinstance(node.op, ast.USub) else value
        if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
            left, right = walk(node.left), walk(node.right)
            if isinstance(node.op, ast.Pow) and (abs(right) > 64 or abs(left) > 1e6):
                raise ValueError("power too large")
            return _OPS[type(node.op)](left, right)
        raise ValueError("not arithmetic")

    try:
        result = walk(tree)
    except (ValueError, ZeroDivisionError, OverflowError, TypeError, RecursionError):
        return None
    if isinstance(result, float) and result.is_integer() and abs(result) < 1e15:
        return int(result)
    return round(result, 10) if isinstance(result, float) else result


_ARITH_CUE = re.compile(r"what(?:'s| is| are)|calculate|compute|evaluate|how much is|solve|=", re.IGNORECASE)


def _arithmetic(prompt: str) -> tuple[str, float | int] | None:
    """The first arithmetic expression a prompt asks to compute ("What is 2+2?")."""
    for m in itertools.islice(_ARITH.finditer(prompt), 16):  # the first few: linear work per prompt
        rest = (prompt[: m.start()] + prompt[m.end() :]).split()
        if not _ARITH_CUE.search(prompt) and len(rest) > 2:
            continue  # "a 512 x 512 image" or a date is not a sum to work out
        expression = m.group(0).strip().rstrip("?.!")
        value = evaluate_arithmetic(expression)
        if value is not None:
            shown = re.sub(r"\s*(\*\*|[-+*/x×÷^%])\s*", r" \1 ", expression).strip()
            return shown, value
    return None


def _text_only(prompt: str, intent: Intent) -> str:
    arithmetic = _arithmetic(prompt)
    if intent.json:
        answer: object = arithmetic[1] if arithmetic else None
        if intent.shape is None:
            payload: object = {"answer": answer, "note": _NO_MEDIA_NOTE}
        else:
            payload = fill(intent.shape, {"answer": answer, "result": answer, "value": answer,
                                          "note": _NO_MEDIA_NOTE, "message": _NO_MEDIA_NOTE})
        return json.dumps(payload, indent=2, ensure_ascii=False)
    if arithmetic:
        return f"{arithmetic[0]} = {_num(arithmetic[1])} (worked out by the offline emulator)"
    say = _SAY.match(prompt)
    if say:
        return say.group(1).strip()
    if _GREETING.search(prompt) or re.match(r"\s*say\b", prompt, re.IGNORECASE):
        return ("Hello! This is the mmcourse offline emulator. It answers from the course's data files and "
                "what it can measure in the media you send; set an API key to talk to a live model.")
    if _MEDIA_WORDS.search(prompt):
        return ("Offline emulator: this request carried no image, audio, video or PDF part, so there is nothing "
                "to look at. Check that your request includes the media part (and that it is in the right "
                "place for this provider's format).")
    return (f"Offline emulator: {_NO_MEDIA_NOTE} Received a text prompt of {len(prompt.split())} "
            f"words and no media.")


_NO_MEDIA_NOTE = ("I answer from the course's data files and what I can measure in media; "
                  "I can also do simple arithmetic, but I cannot answer open questions offline. "
                  "Set an API key to ask a live model.")
