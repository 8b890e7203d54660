"""The bodies of Gemini's answers as they go out: the answer's parts, the chunks of a stream
(each with the running usageMetadata), and the JSON array a stream without ``alt=sse`` is."""

from __future__ import annotations

import json

from mmcourse.emulator.gemini_usage import details as _details
from mmcourse.emulator.gemini_usage import signature, thought_parts, usage_metadata
from mmcourse.emulator.wire import word_chunks


def answer_parts(answer: str, config: dict, thoughts: int, response_id: str) -> list[dict]:
    """The answer's parts: a thought part first when asked for, then the text (signed after it)."""
    thought = thought_parts(config, thoughts, response_id)
    text: dict = {"text": answer, **({"thoughtSignature": signature(response_id)} if thought else {})}
    return [*thought, text]


def stream_bodies(answer: str, finish: str, usage, thoughts: int, model: str, response_id: str,
                   thought: list[dict]) -> list[dict]:
    """Gemini stream chunks: every one carries the running usageMetadata, the last finishReason.

    ``candidatesTokenCount`` grows chunk by chunk; prompt and thought counts are there from the
    first (real alt=sse recordings, gemini-2.5-flash, 2026-07). Thought parts come first, in
    their own chunk, and the first answer part carries the ``thoughtSignature``.
    """
    from mmcourse.emulator.generate import text_tokens

    pieces = word_chunks(answer) or [""]
    bodies: list[dict] = [{"candidates": [{"content": {"parts": thought, "role": "model"}, "index": 0}],
                           "usageMetadata": usage_metadata(usage.input_tokens, 0, thoughts, _details(usage)),
                           "modelVersion": model, "responseId": response_id}] if thought else []
    sent = ""
    for k, piece in enumerate(pieces):
        sent += piece
        last = k == len(pieces) - 1
        part = {"text": piece, **({"thoughtSignature": signature(response_id)} if thought and k == 0 else {})}
        candidate: dict = {"content": {"parts": [part], "role": "model"}, "index": 0}
        so_far = usage.output_tokens if last else min(usage.output_tokens, max(1, text_tokens(sent)))
        body: dict = {"candidates": [candidate],
                      "usageMetadata": usage_metadata(usage.input_tokens, so_far, thoughts, _details(usage)),
                      "modelVersion": model, "responseId": response_id}
        if last:
            candidate["finishReason"] = finish
        bodies.append(body)
    return bodies


def json_array(bodies: list[dict]):
    """streamGenerateContent without alt=sse: one JSON array, written element by element."""
    for k, body in enumerate(bodies):
        yield ("[" if k == 0 else ",\r\n") + json.dumps(body)
    yield "]"
