"""The course data in data/: find files, read their ground truth, recognise them by content.

    >>> from mmcourse import datasets
    >>> datasets.entry("charts/quarterly_revenue.png")["truth"]["values"]
    [420, 510, 480, 620]
    >>> datasets.path("photos/coffee.jpg").exists()
    True

data/manifest.json lists every file with its MIME type, size, SHA-256, perceptual hash and
ground truth (schema in data/README.md; `validate_manifest` checks it). The emulator uses
`find_by_sha256` / `find_by_image_hash` to recognise a course file inside a request, even
after the learner resized or re-encoded it, or sampled a frame from the course video.
"""

from __future__ import annotations

import functools
import io
import json
import os
import re
from pathlib import Path, PurePosixPath
from typing import Any

from .media.fingerprint import MATCH_DISTANCE, hamming

ENV_DATA_DIR = "MMCOURSE_DATA_DIR"
SCHEMA_VERSION = 1

KINDS = ("photo", "chart", "receipt", "speech", "video", "dashboard", "design", "pdf",
         "error-example")
PHOTO_CATEGORIES = ("photo", "chart", "diagram", "screenshot", "document", "receipt")
CHART_TYPES = ("bar", "line", "pie", "stacked_bar")

_NUMBER = (int, float)
# Required truth keys per kind, with their JSON types. Extra keys are allowed (documented in
# data/README.md), so a builder can add detail without breaking readers.
TRUTH_SCHEMA: dict[str, dict[str, type | tuple[type, ...]]] = {
    "photo": {"caption": str, "category": str, "subjects": list, "colors": list, "facts": dict},
    "chart": {"chart_type": str, "title": str, "x_label": str, "y_label": str, "unit": str,
              "series": dict, "labels": list, "values": list, "trend": str, "category": str},
    "receipt": {"category": str, "store": str, "address": str, "date": str, "time": str,
                "currency": str, "items": list, "subtotal": _NUMBER, "tax_rate": _NUMBER,
                "tax": _NUMBER, "total": _NUMBER, "payment_method": str},
    "speech": {"transcript": str, "speakers": list, "summary": str, "decisions": list,
               "action_items": list, "language": str},
    "video": {"duration_s": _NUMBER, "fps": _NUMBER, "scenes": list, "summary": str},
    "dashboard": {"version": int, "title": str, "metrics": dict, "differences_from": dict},
    "design": {"iteration": int, "description": str, "changes_from_previous": list},
    "pdf": {"title": str, "pages": int, "text": list, "facts": dict, "summary": str},
    "error-example": {"true_mime": str, "claimed_extension": str, "lesson": str},
}
# Keys of the items inside some truth lists.
ITEM_KEYS = {
    ("receipt", "items"): ("name", "quantity", "unit_price", "total"),
    ("speech", "action_items"): ("owner", "task", "due"),
    ("video", "scenes"): ("start", "end", "title", "description"),
}
ENTRY_SCHEMA: dict[str, type | tuple[type, ...]] = {
    "path": str, "kind": str, "mime": str, "bytes": int, "sha256": str, "license": str,
    "source": str, "truth": dict,
}
OPTIONAL_SCHEMA: dict[str, type | tuple[type, ...]] = {
    "width": int, "height": int, "duration_s": _NUMBER, "pages": int, "image_hash": str,
    "frames": list,
}
_HEX16 = re.compile(r"^[0-9a-f]{16}$")
_HEX64 = re.compile(r"^[0-9a-f]{64}$")
_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")


# ---------------------------------------------------------------- locating the data


def data_dir() -> Path:
    """The data folder: $MMCOURSE_DATA_DIR if set, else data/ beside the mmcourse package."""
    override = os.environ.get(ENV_DATA_DIR)
    if override:
        return Path(override).expanduser()
    return Path(__file__).resolve().parent.parent / "data"


def manifest() -> dict[str, Any]:
    """The parsed data/manifest.json (cached; re-read when the file changes)."""
    path = data_dir() / "manifest.json"
    try:
        stamp = path.stat().st_mtime_ns
    except FileNotFoundError:
        raise FileNotFoundError(
            f"{path} not found: the course data is missing. Run `mmcourse data build` "
            f"(or set {ENV_DATA_DIR} to a folder holding manifest.json)"
        ) from None
    return _load_manifest(str(path), stamp)


@functools.lru_cache(maxsize=4)
def _load_manifest(path: str, _stamp: int) -> dict[str, Any]:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def entries(kind: str | None = None) -> list[dict[str, Any]]:
    """All manifest entries, or those of one kind (e.g. "photo", "speech")."""
    if kind is not None and kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}: choose from {', '.join(KINDS)}")
    return [e for e in manifest()["files"] if kind is None or e["kind"] == kind]


def entry(rel: str) -> dict[str, Any]:
    """The manifest entry of one file, by its path relative to data/ (e.g. "photos/coffee.jpg")."""
    rel = _normalise(rel)
    for item in manifest()["files"]:
        if item["path"] == rel:
            return item
    known = ", ".join(e["path"] for e in manifest()["files"][:6])
    raise KeyError(f"{rel!r} is not in the course data manifest; known paths include {known}, ...")


def path(rel: str) -> Path:
    """The absolute path of a course file, e.g. path("audio/meeting_excerpt.wav")."""
    target = data_dir() / _normalise(rel)
    if not target.exists():
        raise FileNotFoundError(
            f"{target} does not exist: check the name with mmcourse.datasets.entries(), or "
            "rebuild the data with `mmcourse data build`"
        )
    return target


def _normalise(rel: str) -> str:
    pure = PurePosixPath(str(rel).replace("\\", "/"))
    if pure.is_absolute() or ".." in pure.parts:
        raise ValueError(f"{rel!r}: give a path relative to data/, e.g. 'photos/coffee.jpg'")
    return pure.as_posix().removeprefix("data/")


# ---------------------------------------------------------------- recognising content


def find_by_sha256(digest: str) -> dict[str, Any] | None:
    """The entry whose bytes have this SHA-256 (hex), or None."""
    digest = digest.lower()
    return next((e for e in manifest()["files"] if e["sha256"] == digest), None)


def find_by_image_hash(
    image_hash: str, max_distance: int = MATCH_DISTANCE
) -> tuple[dict[str, Any], float | None] | None:
    """The closest course image (or video frame) to a dHash, within max_distance bits.

    Returns (entry, t): t is the frame time in seconds when a video frame matched, else None.
    Ties go to the earlier entry in the manifest (and the earlier frame).
    """
    best: tuple[int, dict[str, Any], float | None] | None = None
    for item in manifest()["files"]:
        candidates: list[tuple[str, float | None]]
        if item.get("frames"):
            candidates = [(f["image_hash"], float(f["t"])) for f in item["frames"]]
        elif item.get("image_hash"):
            candidates = [(item["image_hash"], None)]
        else:
            continue
        for candidate, t in candidates:
            distance = hamming(image_hash, candidate)
            if distance <= max_distance and (best is None or distance < best[0]):
                best = (distance, item, t)
    return None if best is None else (best[1], best[2])


# ---------------------------------------------------------------- schema validation


def validate_manifest(doc: Any) -> list[str]:
    """Every way `doc` breaks the manifest schema (data/README.md), as messages; [] if valid."""
    if not isinstance(doc, dict):
        return ["manifest must be a JSON object"]
    problems = []
    if doc.get("schema_version") != SCHEMA_VERSION:
        problems.append(f"schema_version must be {SCHEMA_VERSION}, got {doc.get('schema_version')!r}")
    if not isinstance(doc.get("generated_by"), str):
        problems.append("generated_by must be a string")
    if "built_with" in doc and not isinstance(doc["built_with"], dict):
        problems.append("built_with must map package names to versions")
    files = doc.get("files")
    if not isinstance(files, list):
        return problems + ["files must be a list of entries"]
    seen: set[str] = set()
    for index, item in enumerate(files):
        label = item.get("path", f"files[{index}]") if isinstance(item, dict) else f"files[{index}]"
        if not isinstance(item, dict):
            problems.append(f"{label}: entry must be an object")
            continue
        problems += [f"{label}: {p}" for p in _entry_problems(item)]
        if item.get("path") in seen:
            problems.append(f"{label}: duplicate path")
        seen.add(item.get("path"))
    return problems


def _type_problems(obj: dict[str, Any], schema: dict[str, Any], where: str, required: bool) -> list[str]:
    problems = []
    for key, kind in schema.items():
        if key not in obj:
            if required:
                problems.append(f"{where}missing key {key!r}")
            continue
        value = obj[key]
        # bool is an int subclass in Python but not a number in a JSON schema sense.
        if isinstance(value, bool) or not isinstance(value, kind):
            names = kind.__name__ if isinstance(kind, type) else "number"
            problems.append(f"{where}{key!r} must be {names}, got {type(value).__name__}")
    return problems


def _entry_problems(item: dict[str, Any]) -> list[str]:
    problems = _type_problems(item, ENTRY_SCHEMA, "", required=True)
    problems += _type_problems(item, OPTIONAL_SCHEMA, "", required=False)
    if problems:
        return problems
    rel = PurePosixPath(item["path"])
    if rel.is_absolute() or ".." in rel.parts or "\\" in item["path"]:
        problems.append("path must be relative to data/ with forward slashes")
    if item["kind"] not in KINDS:
        problems.append(f"kind {item['kind']!r} is not one of {', '.join(KINDS)}")
        return problems
    if "/" not in item["mime"]:
        problems.append(f"mime {item['mime']!r} is not a MIME type")
    if not _HEX64.match(item["sha256"]):
        problems.append("sha256 must be 64 lowercase hex digits")
    if item["bytes"] <= 0:
        problems.append("bytes must be positive")
    if not item["license"].strip() or not item["source"].strip():
        problems.append("license and source must not be empty")
    problems += _media_problems(item)
    problems += _truth_problems(item["kind"], item["truth"])
    return problems


def _media_problems(item: dict[str, Any]) -> list[str]:
    """Fields each kind of file must carry: dimensions and hash, duration, pages, frames."""
    mime = item["mime"]
    problems = []
    needs = []
    if mime.startswith("image/"):
        needs = ["width", "height", "image_hash"]
    elif mime.startswith("audio/"):
        needs = ["duration_s"]
    elif mime.startswith("video/"):
        needs = ["width", "height", "duration_s", "image_hash", "frames"]
    elif mime == "application/pdf":
        needs = ["pages"]
    problems += [f"{mime} entry needs {key!r}" for key in needs if key not in item]
    if "image_hash" in item and not _HEX16.match(item["image_hash"]):
        problems.append("image_hash must be 16 lowercase hex digits")
    for n, frame in enumerate(item.get("frames", [])):
        if not (isinstance(frame, dict) and isinstance(frame.get("t"), _NUMBER)
                and _HEX16.match(str(frame.get("image_hash", "")))):
            problems.append(f"frames[{n}] must be {{'t': seconds, 'image_hash': 16 hex}}")
    return problems


def _truth_problems(kind: str, truth: dict[str, Any]) -> list[str]:
    problems = _type_problems(truth, TRUTH_SCHEMA[kind], "truth: ", required=True)
    if problems:
        return problems
    for (item_kind, key), keys in ITEM_KEYS.items():
        if item_kind != kind:
            continue
        for n, element in enumerate(truth[key]):
            missing = [k for k in keys if not isinstance(element, dict) or k not in element]
            if missing:
                problems.append(f"truth: {key}[{n}] lacks {', '.join(missing)}")
    if kind == "photo" and truth["category"] not in PHOTO_CATEGORIES:
        problems.append(f"truth: category must be one of {', '.join(PHOTO_CATEGORIES)}")
    if kind == "chart" and truth["chart_type"] not in CHART_TYPES:
        problems.append(f"truth: chart_type must be one of {', '.join(CHART_TYPES)}")
    if kind == "chart" and len(truth["values"]) != len(truth["labels"]):
        problems.append("truth: values and labels must have the same length")
    if kind == "receipt" and not _DATE.match(truth["date"]):
        problems.append("truth: date must be YYYY-MM-DD")
    if kind == "pdf" and len(truth["text"]) != truth["pages"]:
        problems.append("truth: text must hold one string per page")
    return problems


# ---------------------------------------------------------------- made on demand


def make_oversized_image(
    tmp_dir: str | Path, megapixels: float = 24.0, target_bytes: int = 8_000_000, seed: int = 0
) -> Path:
    """Write a 3:2 JPEG of at least `megapixels` MP and `target_bytes` bytes into tmp_dir.

    For the size-limit lessons: the defaults (6000x4000 like a phone camera, >= 8 MB, so
    >= 10.7 MB as base64) exceed Anthropic's per-image limit (5 MB, 10 MB of base64 from
    2026; Anthropic vision docs); megapixels=45 also passes its 8000 px side limit. The picture
    is a course photo (when data/ is present) enlarged, with film grain so JPEG cannot shrink
    it. Deterministic for a given seed; made in a temp folder, never committed.

    >>> p = make_oversized_image(tmp, megapixels=2, target_bytes=1_000_000)  # doctest: +SKIP
    """
    import numpy as np
    from PIL import Image

    width = int(round((megapixels * 1e6 * 1.5) ** 0.5))
    height = int(np.ceil(megapixels * 1e6 / width))
    base = _oversized_base(width, height)
    rng = np.random.default_rng(seed)
    out = Path(tmp_dir) / f"oversized_{width}x{height}.jpg"
    out.parent.mkdir(parents=True, exist_ok=True)
    # Grain in strips keeps memory near one copy of the picture; stronger grain, bigger file.
    for sigma, quality in ((6, 90), (12, 93), (24, 95), (48, 97)):
        pixels = np.asarray(base, dtype=np.uint8).copy()
        for top in range(0, height, 512):
            strip = pixels[top : top + 512].astype(np.int16)
            strip += rng.normal(0, sigma, strip.shape).astype(np.int16)
            pixels[top : top + 512] = np.clip(strip, 0, 255).astype(np.uint8)
        buf = io.BytesIO()
        Image.fromarray(pixels).save(buf, format="JPEG", quality=quality)
        if buf.tell() >= target_bytes:
            out.write_bytes(buf.getvalue())
            return out
    raise ValueError(
        f"a {megapixels} MP JPEG reached only {buf.tell():,} bytes, short of {target_bytes:,}: "
        "ask for more megapixels or a smaller target_bytes"
    )


def _oversized_base(width: int, height: int) -> Any:
    """A course photo enlarged to width x height, or a colour gradient without the data."""
    from PIL import Image

    try:
        photo = next(e for e in entries("photo") if e["mime"] == "image/jpeg")
        with Image.open(path(photo["path"])) as img:
            return img.convert("RGB").resize((width, height), Image.Resampling.BICUBIC)
    except (FileNotFoundError, StopIteration, KeyError):
        gradient = Image.linear_gradient("L").resize((width, height))
        return Image.merge("RGB", (gradient, gradient.transpose(Image.Transpose.FLIP_LEFT_RIGHT), gradient))
