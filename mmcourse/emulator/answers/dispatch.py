"""Which engine answers a request: JSON, a label, prose, or a comparison of several media."""

from __future__ import annotations

from mmcourse.emulator.answers.common import _noun, _unknown
from mmcourse.emulator.answers.compare import _differences, _render_compare, _same_video
from mmcourse.emulator.answers.json_answers import _render_json
from mmcourse.emulator.answers.labels import _classify
from mmcourse.emulator.answers.prose import _describe, _render_frames
from mmcourse.emulator.prompting import Intent
from mmcourse.emulator.recognise import (
    Recognition,
)


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

