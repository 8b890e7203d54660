"""Engine: several media in one request (differences, order, frames of one video)."""

from __future__ import annotations

from mmcourse.emulator.answers.common import _first_sentence, _lower_article, _sentence, _truth
from mmcourse.emulator.answers.prose import _describe
from mmcourse.emulator.prompting import Intent
from mmcourse.emulator.recognise import (
    Recognition,
)


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

