"""The emulator's answer engine: ground truth from the course data, in the form the prompt asks.

One module per engine, behind ``compose_answer``: ``transcripts`` (a course transcript pasted
into the prompt), ``json_answers`` (JSON with exactly the keys asked for), ``labels`` (one of the
offered labels), ``prose`` (a description per kind of media), ``compare`` (several media),
``text_only`` (no media); ``dispatch`` picks one, ``common`` holds what they share.

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

from pathlib import Path

from mmcourse.emulator import registered
from mmcourse.emulator.answers.common import UNKNOWN_PREFIX, MediaItem
from mmcourse.emulator.answers.dispatch import _dispatch
from mmcourse.emulator.answers.text_only import _text_only, evaluate_arithmetic
from mmcourse.emulator.answers.transcripts import _from_transcripts
from mmcourse.emulator.prompting import parse_intent
from mmcourse.emulator.recognise import default_manifest, find_transcripts, recognise

__all__ = ["UNKNOWN_PREFIX", "MediaItem", "compose_answer", "evaluate_arithmetic"]


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
        manifest = registered.with_registered(manifest)  # documents a grader made at run time
        data_dir = data_dir or default_dir
    prompt = prompt or ""
    seen = [recognise(m.data, m.mime, manifest=manifest, data_dir=data_dir, digest=m.sha256) for m in media]
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

