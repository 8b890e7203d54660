"""Documents the emulator did not ship with, whose ground truth a grader registers at run time.

The emulator answers from ground truth (``recognise.py``), so on its own it knows only the
course files of ``data/manifest.json``. A hidden test that renders fresh documents at grading
time (``mmcourse.databuild.hidden``) registers each one's truth here, through the admin route
``POST /_mmcourse/documents`` (``EmulatorControl.register_documents``), before it sends them
through the learner's code. While the tests run, the grader's network filter refuses every
admin write from the learner's sandbox (``mmcourse.grading.network.admin_refusal``), so only the
judge can register.

A registered entry is recognised by the SHA-256 of its exact bytes only (no perceptual match:
its picture is nowhere on disk to settle near-ties with). Truth is keyed by content, so it is
the same whichever scope asks; a registered entry never overrides a course file with the same
bytes. The registry is bounded: the oldest entries go first.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict

# The kinds a registered document may have: those the answer engine renders JSON and prose for.
KINDS = ("receipt", "chart", "pdf", "photo")
MAX_ENTRIES = 2000
_SHA256 = re.compile(r"[0-9a-f]{64}")
_FIELDS = ("path", "kind", "mime", "sha256", "width", "height", "pages", "truth")

_LOCK = threading.Lock()
_ENTRIES: OrderedDict[str, dict] = OrderedDict()


def _checked(entry: object, n: int) -> dict:
    """A copy of one manifest-like entry with only the fields recognition uses, or ValueError."""
    if not isinstance(entry, dict):
        raise ValueError(f"documents[{n}] must be an object like a data/manifest.json entry")
    missing = [key for key in ("path", "kind", "mime", "sha256", "truth") if key not in entry]
    if missing:
        raise ValueError(f"documents[{n}] lacks {', '.join(missing)}: send path, kind, mime, sha256 and truth")
    if entry["kind"] not in KINDS:
        raise ValueError(f"documents[{n}].kind {entry['kind']!r} is not one of {list(KINDS)}")
    if not isinstance(entry["sha256"], str) or not _SHA256.fullmatch(entry["sha256"]):
        raise ValueError(f"documents[{n}].sha256 must be 64 lower-case hex digits")
    if not isinstance(entry["truth"], dict):
        raise ValueError(f"documents[{n}].truth must be an object")
    if not isinstance(entry["path"], str) or not entry["path"]:
        raise ValueError(f"documents[{n}].path must be a non-empty string (a name for answers)")
    return {key: entry[key] for key in _FIELDS if key in entry}


def register(entries: list) -> int:
    """Register manifest-like entries (all or none); returns how many are registered now."""
    if not isinstance(entries, list) or not entries:
        raise ValueError("send {'documents': [entry, ...]} with at least one entry")
    if len(entries) > MAX_ENTRIES:
        raise ValueError(f"at most {MAX_ENTRIES} documents per request")
    checked = [_checked(entry, n) for n, entry in enumerate(entries)]
    with _LOCK:
        for entry in checked:
            _ENTRIES[entry["sha256"]] = entry
            _ENTRIES.move_to_end(entry["sha256"])
        while len(_ENTRIES) > MAX_ENTRIES:
            _ENTRIES.popitem(last=False)
        return len(_ENTRIES)


def clear() -> None:
    """Forget every registered document."""
    with _LOCK:
        _ENTRIES.clear()


def count() -> int:
    with _LOCK:
        return len(_ENTRIES)


def with_registered(manifest: dict) -> dict:
    """``manifest`` plus the registered entries whose bytes are not a file of it.

    The same dict when nothing is registered, so recognition's caches keyed on the manifest
    stay warm for the course files.
    """
    with _LOCK:
        extra = list(_ENTRIES.values())
    if not extra:
        return manifest
    known = {f.get("sha256") for f in manifest.get("files", [])}
    added = [entry for entry in extra if entry["sha256"] not in known]
    if not added:
        return manifest
    return {**manifest, "files": [*manifest.get("files", []), *added]}


def admin(method: str, data: dict) -> dict | None:
    """The ``/_mmcourse/documents`` admin route: POST registers, GET counts, DELETE clears."""
    if method == "POST":
        return {"registered": register(data.get("documents"))}
    if method == "GET":
        return {"registered": count()}
    if method == "DELETE":
        clear()
        return {"registered": 0}
    return None
