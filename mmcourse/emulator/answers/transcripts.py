"""Engine: a course recording's transcript pasted into the prompt, answered from its truth."""

from __future__ import annotations

import hashlib
import re
from dataclasses import replace

from mmcourse.emulator.answers.dispatch import _dispatch
from mmcourse.emulator.prompting import parse_intent
from mmcourse.emulator.recognise import (
    ROUTING_TRANSCRIPT_HEADER,
    Facts,
    Recognition,
    TranscriptMatch,
)

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

