"""Plans: the routes that fit a task, its media and its budget, estimated before sending."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .. import pricing, tokens
from .inputs import MediaItem
from .tasks import (
    AUDIO,
    FRAMES,
    IMAGE,
    NATIVE,
    PDF,
    TEXT,
    TRANSCRIBE,
    TRANSCRIBE_PROMPT,
    TRANSCRIPT_TOKENS_PER_SECOND,
    VIDEO,
)


# ------------------------------------------------------------------------------ plans
@dataclass(frozen=True)
class Route:
    """One way to answer: a provider/model and how the media reaches it, with its estimated cost."""

    provider: str
    model: str
    strategy: str = NATIVE
    estimate: Decimal = Decimal(0)
    frames: int = 0
    transcriber: tuple[str, str] | None = None
    modalities: tuple[str, ...] = ()

    @property
    def label(self) -> str:
        return f"{self.provider}/{self.model}"

    def how(self) -> str:
        """How the media gets there: 'video input', 'via 5 sampled frames', 'via a ... transcript'."""
        if self.strategy == FRAMES:
            return f"via {self.frames} sampled frames"
        if self.strategy == TRANSCRIBE and self.transcriber:
            return f"via a {'/'.join(self.transcriber)} transcript"
        return f"{'+'.join(self.modalities) or TEXT} input"

    def describe(self) -> str:
        """'openai/gpt-5.4-mini via 5 sampled frames' (native routes are just the label)."""
        return self.label if self.strategy == NATIVE else f"{self.label} {self.how()}"


@dataclass(frozen=True)
class Plan:
    """The routes to try in order, and the candidates left out with the reason."""

    task: str
    prompt: str
    routes: tuple[Route, ...]
    rejected: tuple[tuple[str, str], ...] = ()
    budget: Decimal | None = None
    order: str = "preference"
    media: tuple[MediaItem, ...] = field(default=(), repr=False)
    options: dict[str, Any] = field(default_factory=dict, repr=False)

    @property
    def first(self) -> Route:
        return self.routes[0]

    def explain(self) -> str:
        """One line: the choice, why, its estimated cost, and the fallbacks."""
        rank = "cheapest" if self.order == "cost" else f"first choice for {self.task!r}"
        if self.budget is not None:
            rank += f" under {pricing.format_usd(self.budget)}"
        fallbacks = ", ".join(r.describe() for r in self.routes[1:]) or "none"
        first = self.first
        return (
            f"{first.label}: {first.how()}, {rank} (est. {approx_usd(first.estimate)}); "
            f"fallbacks: {fallbacks}"
        )


def approx_usd(amount: Decimal) -> str:
    """Dollars to two significant figures below a cent ($0.0015), else to the cent ($0.42)."""
    if amount >= Decimal("0.01") or amount == 0:
        return pricing.format_usd(amount)
    digits = -amount.adjusted() + 1  # two significant figures
    return pricing.format_usd(round(amount, digits))


def _usd(value: float | Decimal | str | None) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _shrink_hint(media: Sequence[MediaItem]) -> str:
    kinds = {m.modality for m in media}
    hint = {VIDEO: "sample fewer frames or trim the video", AUDIO: "trim the audio",
            PDF: "send fewer pages", IMAGE: "shrink the image"}
    parts = [hint[k] for k in (VIDEO, AUDIO, PDF, IMAGE) if k in kinds]
    return " or ".join(parts + ["lower max_output_tokens"])


def frame_size(item: MediaItem, max_edge: int) -> tuple[int, int]:
    """The pixel size a sampled frame of ``item`` is sent at (long edge at most ``max_edge``)."""
    w, h = item.width or tokens.DEFAULT_FRAME_SIZE[0], item.height or tokens.DEFAULT_FRAME_SIZE[1]
    scale = min(1.0, max_edge / max(w, h))
    return max(1, int(w * scale)), max(1, int(h * scale))


def transcript_tokens(seconds: float) -> int:
    """The max_output_tokens given to a transcription of ``seconds`` of speech (an upper bound)."""
    return max(256, math.ceil(seconds * TRANSCRIPT_TOKENS_PER_SECOND * 2))


@dataclass(frozen=True)
class FrameSettings:
    """How videos are sampled for models without video input."""

    every_s: float = 1.0
    max_frames: int = 8
    max_edge: int = 768

    def count(self, seconds: float) -> int:
        from ..media.video import frame_times

        return len(frame_times(seconds, self.every_s, self.max_frames))


DEFAULT_FRAMES = FrameSettings()


def estimate_route(
    provider: str,
    model: str,
    strategy: str,
    prompt: str,
    media: Sequence[MediaItem],
    max_output_tokens: int,
    *,
    frames: FrameSettings = FrameSettings(),
    transcriber: tuple[str, str] | None = None,
    detail: str = "auto",
) -> Decimal:
    """Worst-case USD for one route (output at ``max_output_tokens``), estimated before sending."""
    images = [(m.width, m.height) for m in media if m.modality == IMAGE]
    video_s = sum(m.seconds or 0 for m in media if m.modality == VIDEO)
    if strategy == FRAMES:
        for m in media:
            if m.modality == VIDEO:
                images += [frame_size(m, frames.max_edge)] * frames.count(m.seconds or 0)
        video_s = 0
    audio_s = sum(m.seconds or 0 for m in media if m.modality == AUDIO)
    extra_input = 0
    total = Decimal(0)
    if strategy == TRANSCRIBE:
        if transcriber is None:
            raise ValueError("a transcribe_then_analyse route needs a transcriber")
        for m in media:
            if m.modality == AUDIO:
                cap = transcript_tokens(m.seconds or 0)
                request = pricing.CostRequest(*transcriber, prompt=TRANSCRIBE_PROMPT,
                                              audio_seconds=m.seconds or 0, max_output_tokens=cap)
                total += pricing.estimate_cost(request).total_usd
                extra_input += cap  # the transcript becomes part of the analyser's prompt
        audio_s = 0
    request = pricing.CostRequest(
        provider, model, prompt=prompt, images=images, audio_seconds=audio_s, video_seconds=video_s,
        pdf_pages=sum(m.pages or 0 for m in media if m.modality == PDF),
        max_output_tokens=max_output_tokens, detail=detail,
    )
    total += pricing.estimate_cost(request).total_usd
    return total + (pricing.cost(model, extra_input) if extra_input else 0)

