"""Engine: JSON answers with exactly the keys the prompt (or a schema) asks for, from ground truth."""

from __future__ import annotations

import json
import re

from mmcourse.emulator.answers.common import (
    UNKNOWN_PREFIX,
    _clock,
    _extremes,
    _norm_key,
    _noun,
    _plain,
    _scene_at,
    _truth,
)
from mmcourse.emulator.answers.compare import _differences, _render_compare, _same_video
from mmcourse.emulator.answers.labels import _choose_label, _label_candidates_from
from mmcourse.emulator.answers.prose import _describe
from mmcourse.emulator.prompting import Intent, Leaf, Shape
from mmcourse.emulator.recognise import (
    Recognition,
)


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
        view["expense_category"] = expense_category(truth)
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
    "category": ("category", "expense_category", "kind"), "class": ("category",),
    "expense_type": ("expense_category",), "spending_category": ("expense_category",), "label_name": ("category",),
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


# What kind of expense a receipt is, by words in the store's name: a rule, not a reading of
# the receipt (the course data records no expense category). First match wins.
EXPENSE_CATEGORIES: tuple[tuple[str, frozenset[str]], ...] = (
    ("dining", frozenset("cafe café coffee restaurant bistro diner bakery bar pizzeria".split())),
    ("groceries", frozenset("market grocer grocery groceries supermarket foods".split())),
    ("hardware", frozenset("hardware tools diy lumber".split())),
    ("travel", frozenset("taxi airline airlines hotel rail railway fuel parking".split())),
)


def expense_category(truth: dict) -> str:
    """``dining``, ``groceries``, ``hardware``, ``travel`` or ``other``, from the store's name.

    >>> expense_category({"store": "Maple & Bean Café"}), expense_category({"store": "Acme Ltd"})
    ('dining', 'other')
    """
    words = set(re.findall(r"\w+", str(truth.get("store") or "").lower()))
    return next((name for name, marks in EXPENSE_CATEGORIES if words & marks), "other")


def _lookup_leaf(key: str, leaf: Shape, source: dict) -> object:
    """``lookup``, except that an enum takes the first synonym whose value is one of its labels
    (``category`` of a receipt is ``receipt``, but among expense labels its expense category)."""
    value = lookup(key, source)
    if not isinstance(leaf, Leaf) or not leaf.enum or _coerce(leaf, value) is not None:
        return value
    by_norm = {_norm_key(k): v for k, v in source.items()}
    for candidate in SYNONYMS.get(_norm_key(key), ()):
        other = by_norm.get(candidate)
        if other is not None and _coerce(leaf, other) is not None:
            return other
    return value


def fill(shape: Shape, value: object) -> object:
    """Fill a JSON shape from a truth value, keeping exactly the shape's keys."""
    if isinstance(shape, dict):
        source = value if isinstance(value, dict) else {}
        return {key: fill(sub, _lookup_leaf(key, sub, source)) for key, sub in shape.items()}
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

