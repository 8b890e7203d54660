"""Producing an answer and its token usage for a validated request (provider-neutral).

The text comes from ``mmcourse.emulator.answers.compose_answer`` (ground truth of the course
data, or facts measured from the media), never from a model. Token counts use
``mmcourse.tokens``: media counts follow each provider's published algorithm; text counts are
an approximation (no provider tokenizer ships offline).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from mmcourse import tokens
from mmcourse.emulator import livelike  # CI's live-like answers: off unless switched on
from mmcourse.emulator.media import Media
from mmcourse.emulator.prompting import bounded

# What a thinking block or thought part says: no model runs, so there is no reasoning to show.
NO_THOUGHTS = ("Offline emulator: no model runs here, so there is no reasoning to show; the answer "
               "comes from the course data and what can be measured in the media.")


@dataclass
class Usage:
    """Input tokens split by modality (TEXT, IMAGE, AUDIO, VIDEO, DOCUMENT) and output tokens."""

    input_by_modality: dict[str, int] = field(default_factory=dict)
    output_tokens: int = 0

    @property
    def input_tokens(self) -> int:
        return sum(self.input_by_modality.values())


def compose(
    prompt: str,
    media: list[Media],
    *,
    system: str | None,
    provider: str,
    model: str,
    json_mode: bool = False,
    json_schema: dict | None = None,
) -> str:
    """The answer text for a request (deterministic: same request, same answer).

    ``json_schema`` is a structured-output schema the request carried outside the prompt
    (OpenAI ``response_format.json_schema``, Anthropic ``output_config.format``, Gemini
    ``responseSchema``/``responseJsonSchema``): the answer is JSON with exactly its keys.
    """
    # Imported on first use: the answer engine loads the image libraries and the course manifest,
    # and the emulator should be up (and answer /health) before the first request needs them.
    from mmcourse.emulator.answers import MediaItem, compose_answer

    items = [MediaItem(mime=m.mime, data=m.data, name=m.name, sha256=m.sha256) for m in media]
    prompt, system = bounded(prompt), bounded(system) if system else system  # work linear in size
    text = compose_answer(
        prompt, items, system=system, provider=provider, model=model,
        json_mode=json_mode or json_schema is not None, json_schema=json_schema,
    )
    return livelike.apply(text, provider=provider, structured=json_mode or json_schema is not None)


# -- tokens ---------------------------------------------------------------------------------
def text_tokens(text: str) -> int:
    """Approximate text tokens (providers' tokenizers are not available offline)."""
    return tokens.estimate_text_tokens(text)


def media_tokens(provider: str, model: str, media: Media) -> tuple[str, int]:
    """(usage modality name, tokens) for one media item, by the provider's published rules."""
    facts = media.measured()
    kind = media.kind
    if kind == "image":
        w, h = facts.get("width", 512), facts.get("height", 512)
        return "IMAGE", tokens.estimate_image_tokens(provider, model, w, h, media.detail or "auto")
    if kind == "audio":
        return "AUDIO", tokens.estimate_audio_tokens(provider, model, float(facts.get("seconds", 0.0)))
    if kind == "video":
        return "VIDEO", tokens.estimate_video_tokens(provider, model, float(facts.get("seconds", 0.0)))
    if kind == "pdf":
        pages, chars = int(facts.get("pages", 1)), int(facts.get("text_chars", 0))
        return "DOCUMENT", tokens.estimate_pdf_tokens(provider, model, pages, chars)
    return "TEXT", text_tokens(media.data.decode("utf-8", "replace"))


def usage_for(provider: str, model: str, texts: list[str], media: list[Media], answer: str,
              tool_tokens: int = 0) -> Usage:
    """Token usage of a request: its text parts (one per message) with the provider's framing,
    its tool definitions (``tokens.tool_tokens``), its media, and the answer."""
    usage = Usage()
    text = "\n".join(t for t in texts if t)
    usage.input_by_modality["TEXT"] = (text_tokens(text) + tokens.framing_tokens(provider, len(texts))
                                       + tool_tokens)
    for item in media:
        name, count = media_tokens(provider, model, item)
        usage.input_by_modality[name] = usage.input_by_modality.get(name, 0) + int(count)
    usage.output_tokens = max(1, text_tokens(answer))
    return usage


def truncate_to_tokens(text: str, max_tokens: int | None) -> tuple[str, bool]:
    """Cut ``text`` to about ``max_tokens`` tokens at a word boundary: (text, was_cut)."""
    if max_tokens is None or text_tokens(text) <= max_tokens:
        return text, False
    words = text.split(" ")
    lo, hi = 0, len(words)
    while lo < hi:  # longest word prefix within the budget
        mid = (lo + hi + 1) // 2
        if text_tokens(" ".join(words[:mid])) <= max_tokens:
            lo = mid
        else:
            hi = mid - 1
    return " ".join(words[:lo]), True
