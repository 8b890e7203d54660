"""Documents the emulator did not ship with, whose ground truth a grader registers at run time.

The emulator answers from ground truth (``recognise.py``), so on its own it knows only the
course files of ``data/manifest.json``. A hidden test that renders fresh documents at grading
time (``mmcourse.databuild.hidden``) registers each one's truth here, through the admin route
``POST /_mmcourse/documents`` (``EmulatorControl.register_documents``), before it sends them
through the learner's code. While the tests run, the grader's network filter refuses every
admin write from the learner's sandbox (``mmcourse.grading.network.admin_refusal``), so only the
judge can register.

A registered entry is recognised by the SHA-256 of its exact bytes only (no perceptual match:
its picture is nowhere on disk to settle near-ties with), and never overrides a course file with
the same bytes. Registrations belong to the scope that made them, like faults: on a class-wide
emulator a learner's practice documents are answered for that learner only, and nobody can
register, forget or crowd out another learner's. The request being answered names its scope
through ``answering_scope`` (set by the app for each API request). Each scope's registry is
bounded (the oldest entries go first), and so is the total (the least recently used scopes go).
"""

from __future__ import annotations

import contextlib
import contextvars
import re
import threading
from collections import OrderedDict
from collections.abc import Iterator

# The kinds a registered document may have: those the answer engine renders JSON and prose for.
KINDS = ("receipt", "chart", "pdf", "photo")
MAX_ENTRIES = 2000  # per scope (and per request)
MAX_TOTAL = 20_000  # in all scopes: past it, the least recently used scopes are forgotten whole
_SHA256 = re.compile(r"[0-9a-f]{64}")
_FIELDS = ("path", "kind", "mime", "sha256", "width", "height", "pages", "truth")

_LOCK = threading.Lock()
_SCOPES: OrderedDict[str, OrderedDict[str, dict]] = OrderedDict()  # scope -> sha256 -> entry
_ANSWERING: contextvars.ContextVar[str | None] = contextvars.ContextVar("mmcourse_answering_scope", default=None)


@contextlib.contextmanager
def answering_scope(scope: str) -> Iterator[None]:
    """Within this block, answers see the documents ``scope`` registered."""
    token = _ANSWERING.set(scope)
    try:
        yield
    finally:
        _ANSWERING.reset(token)


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


def register(entries: list, scope: str) -> int:
    """Register manifest-like entries for ``scope`` (all or none); returns how many it holds now."""
    if not isinstance(entries, list) or not entries:
        raise ValueError("send {'documents': [entry, ...]} with at least one entry")
    if len(entries) > MAX_ENTRIES:
        raise ValueError(f"at most {MAX_ENTRIES} documents per request")
    checked = [_checked(entry, n) for n, entry in enumerate(entries)]
    with _LOCK:
        held = _SCOPES.setdefault(scope, OrderedDict())
        _SCOPES.move_to_end(scope)
        for entry in checked:
            held[entry["sha256"]] = entry
            held.move_to_end(entry["sha256"])
        while len(held) > MAX_ENTRIES:
            held.popitem(last=False)
        while len(_SCOPES) > 1 and sum(map(len, _SCOPES.values())) > MAX_TOTAL:
            _SCOPES.popitem(last=False)  # never the scope that just registered (it is the newest)
        return len(held)


def clear(scope: str) -> None:
    """Forget every document ``scope`` registered."""
    with _LOCK:
        _SCOPES.pop(scope, None)


def count(scope: str) -> int:
    with _LOCK:
        return len(_SCOPES.get(scope, ()))


def with_registered(manifest: dict) -> dict:
    """``manifest`` plus the entries the answering scope registered whose bytes are not a file of it.

    The same dict when nothing is registered, so recognition's caches keyed on the manifest
    stay warm for the course files.
    """
    scope = _ANSWERING.get()
    with _LOCK:
        extra = list(_SCOPES.get(scope, {}).values()) if scope is not None else []
    if not extra:
        return manifest
    known = {f.get("sha256") for f in manifest.get("files", [])}
    added = [entry for entry in extra if entry["sha256"] not in known]
    if not added:
        return manifest
    return {**manifest, "files": [*manifest.get("files", []), *added]}


def admin(method: str, data: dict, scope: str) -> dict | None:
    """The ``/_mmcourse/documents`` admin route, in one scope: POST registers, GET counts, DELETE clears."""
    if method == "POST":
        return {"scope": scope, "registered": register(data.get("documents"), scope)}
    if method == "GET":
        return {"scope": scope, "registered": count(scope)}
    if method == "DELETE":
        clear(scope)
        return {"scope": scope, "registered": 0}
    return None
