"""Routing: pick a provider and model for a request, say why in one line, fall back when one fails.

A **plan** is made before anything is sent: the candidates for the task (a small table below),
kept if they can read the media (natively, as sampled video frames, or through a transcript)
and if their estimated worst-case cost fits the budget. The router then tries the plan's
routes in order, retrying each on 429/5xx/timeouts with the server's delay, and falls back to
the next route when one keeps failing. Every attempt is recorded for a table or a plot.

>>> router = Router()                                                          # doctest: +SKIP
>>> plan = router.route("What happens in this clip?", "data/video/tour.mp4", budget=0.01)  # doctest: +SKIP
>>> print(plan.explain())                                                      # doctest: +SKIP
gemini/gemini-2.5-flash: video input, first choice for 'video' under $0.01 (est. $0.0034); ...
>>> result = router.run(plan); print(router.attempts_table())                  # doctest: +SKIP
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from . import client as clientmod
from . import config as configmod
from . import pricing, providers, registry, tokens
from .encoding import (
    MIME_ALIASES,
    EncodedFile,
    detect_mime,
    from_base64,
    image_size,
    read_bytes,
    to_base64,
)
from .providers.base import Answer, APIError, FileRef, LiveCallError, Media

AUDIO, IMAGE, PDF, TEXT, VIDEO = registry.AUDIO, registry.IMAGE, registry.PDF, registry.TEXT, registry.VIDEO
NATIVE, FRAMES, TRANSCRIBE = "native", "frames", "transcribe_then_analyse"
STRATEGIES = (NATIVE, FRAMES, TRANSCRIBE)

# Task -> (provider, model) in order of preference. This order is the course's judgement of
# quality for the price in 2026 (cheap models for simple work, strong ones for "complex"), not a
# benchmark: edit it, or pass prefer=/order="cost" to a call. Ids are checked against the
# registry at import, so a retired id fails loudly here rather than at request time.
TASKS: dict[str, tuple[tuple[str, str], ...]] = {
    "classify": (("gemini", "gemini-2.5-flash-lite"), ("openai", "gpt-5.4-nano"),
                 ("anthropic", "claude-haiku-4-5")),
    "describe": (("gemini", "gemini-2.5-flash"), ("openai", "gpt-5.4-mini"),
                 ("anthropic", "claude-sonnet-4-6")),
    "ocr": (("gemini", "gemini-2.5-flash"), ("openai", "gpt-5.4-mini"),
            ("anthropic", "claude-sonnet-4-6")),
    "chart": (("gemini", "gemini-2.5-flash"), ("anthropic", "claude-sonnet-4-6"),
              ("openai", "gpt-5.4-mini")),
    "transcribe": (("gemini", "gemini-2.5-flash"), ("openai", "gpt-audio-mini")),
    "summarise_audio": (("gemini", "gemini-2.5-flash"), ("openai", "gpt-audio-mini"),
                        ("anthropic", "claude-sonnet-4-6")),
    "video": (("gemini", "gemini-2.5-flash"), ("openai", "gpt-5.4-mini"),
              ("anthropic", "claude-sonnet-4-6")),
    "document": (("gemini", "gemini-2.5-flash"), ("anthropic", "claude-sonnet-4-6"),
                 ("openai", "gpt-5.4-mini")),
    "complex": (("anthropic", "claude-opus-4-7"), ("openai", "gpt-5.5"),
                ("gemini", "gemini-3.1-pro-preview")),
}
# Who makes transcripts for a model without audio input (Claude): the "transcribe" candidates.
TRANSCRIBE_TASK = "transcribe"
# The task used when a call names none: by the first medium attached (text-only -> describe).
DEFAULT_TASK = {VIDEO: "video", AUDIO: "summarise_audio", PDF: "document", IMAGE: "describe",
                TEXT: "describe"}

TRANSCRIBE_PROMPT = (
    "Transcribe this audio verbatim. Write only the words spoken, one speaker turn per line, "
    "prefixed with the speaker's name if it is said."
)
# Speech runs ~150 words/min, ~1.3 tokens/word: ~3.3 tokens/s. 4/s, doubled for the transcript's
# max_output_tokens, keeps the estimate an upper bound (an approximation, not a measurement).
TRANSCRIPT_TOKENS_PER_SECOND = 4
DEFAULT_MAX_OUTPUT_TOKENS = 512



def _check_tasks() -> None:
    for task, candidates in TASKS.items():
        for provider, model in candidates:
            entry = registry.get_model(model)  # UnknownModelError names retired ids' replacements
            if entry.provider != provider:
                raise ValueError(f"TASKS[{task!r}] lists {model} under {provider}, not {entry.provider}")


_check_tasks()


# ------------------------------------------------------------------------------ media


@dataclass(frozen=True)
class MediaItem:
    """One attached file: its bytes, MIME type and measured size (pixels, seconds, pages)."""

    mime: str
    data: bytes = field(repr=False)
    name: str | None = None
    width: int | None = None
    height: int | None = None
    seconds: float | None = None
    pages: int | None = None

    @property
    def modality(self) -> str:
        return clientmod.modality(self.mime)

    def part(self) -> Media:
        return Media(self.mime, to_base64(self.data), self.name)


def measure(data: bytes, mime: str, name: str | None = None) -> MediaItem:
    """A MediaItem with the facts cost estimates need, read from the bytes themselves."""
    kind = clientmod.modality(mime)
    if kind == IMAGE:
        width, height = image_size(data)
        return MediaItem(mime, data, name, width=width, height=height)
    if kind in (AUDIO, VIDEO):
        from .media import video

        seconds = video.duration_seconds(data)
        if kind == AUDIO:
            return MediaItem(mime, data, name, seconds=seconds)
        width, height = _video_size(data)
        return MediaItem(mime, data, name, width=width, height=height, seconds=seconds)
    if kind == PDF:
        import io

        import pypdf

        return MediaItem(mime, data, name, pages=len(pypdf.PdfReader(io.BytesIO(data)).pages))
    return MediaItem(mime, data, name)


def _video_size(data: bytes) -> tuple[int | None, int | None]:
    import io

    import av

    with av.open(io.BytesIO(data)) as container:
        stream = next(iter(container.streams.video), None)
        if stream is None:
            return None, None
        return stream.codec_context.width, stream.codec_context.height


def load_media(item: clientmod.FileLike | MediaItem) -> MediaItem:
    """A MediaItem from a path, raw bytes, an EncodedFile or a Media part (FileRefs cannot be routed)."""
    if isinstance(item, MediaItem):
        return item
    if isinstance(item, FileRef):
        raise TypeError(
            f"{item.ref} is a file uploaded to one provider; the router may send the request to "
            "another one. Pass the file's path or bytes instead."
        )
    if isinstance(item, Media):
        return measure(from_base64(item.b64), item.mime, item.name)
    if isinstance(item, EncodedFile):
        return measure(from_base64(item.b64), item.mime, Path(item.path).name)
    if isinstance(item, (bytes, bytearray)):
        return measure(bytes(item), detect_mime(bytes(item)))
    data = read_bytes(item)
    return measure(data, detect_mime(data, item), Path(item).name)


# ------------------------------------------------------------------------------ capability


def _canonical(mime: str) -> str:
    return MIME_ALIASES.get(mime, mime)


def provider_takes(provider: str, mime: str) -> bool:
    """Whether the provider's wire format carries this MIME type (its module's WIRE_FACTS)."""
    kind = clientmod.modality(mime)
    facts = providers.get(provider).WIRE_FACTS
    # A text file is sent as a document part, so the provider's document list decides.
    allowed = facts.document_mimes if kind == TEXT else facts.mimes(kind)
    return _canonical(mime) in {_canonical(m) for m in allowed}


def strategy_for(provider: str, model: str, media: Sequence[MediaItem]) -> tuple[str | None, str]:
    """How ``model`` can take ``media``: (strategy, "") or (None, the reason it cannot)."""
    entry = registry.get_model(model)
    needs: set[str] = set()
    for item in media:
        kind = item.modality
        if kind in entry.modalities and provider_takes(provider, item.mime):
            continue
        if kind == VIDEO and IMAGE in entry.modalities and provider_takes(provider, "image/jpeg"):
            needs.add(FRAMES)
        elif kind == AUDIO:
            needs.add(TRANSCRIBE)
        else:
            return None, f"{model} does not take {item.mime}"
    if len(needs) > 1:
        return None, f"{model} would need both video frames and a transcript: send them separately"
    return (needs.pop() if needs else NATIVE), ""


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


class RoutingError(RuntimeError):
    """No route answered (each attempt is listed), or no candidate could be tried at all."""

    def __init__(self, message: str, attempts: Sequence[Attempt] = (), plan: Plan | None = None):
        self.attempts = list(attempts)
        self.plan = plan
        if self.attempts:
            message += "\n" + attempts_table(self.attempts)
        super().__init__(message)


class BudgetError(RoutingError):
    """Every capable candidate's estimate exceeds the budget; raised before any request is sent."""


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
        from .media.video import frame_times

        return len(frame_times(seconds, self.every_s, self.max_frames))


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


# ------------------------------------------------------------------------------ attempts


@dataclass(frozen=True)
class Attempt:
    """One HTTP attempt (or a check that stopped one): who, what happened, how long, what it cost."""

    provider: str
    model: str
    strategy: str
    step: str  # answer | transcribe | analyse
    status: int | None  # HTTP status; None when no response (timeout) or stopped before sending
    latency_s: float
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: Decimal = Decimal(0)
    error_type: str | None = None
    wait_s: float = 0.0  # the delay waited after this attempt before the next try
    message: str = ""

    @property
    def ok(self) -> bool:
        return self.error_type is None

    def record(self) -> dict[str, Any]:
        """A plain dict (cost as float) for plotting or a DataFrame."""
        row = asdict(self)
        row["cost_usd"] = float(self.cost_usd)
        row["ok"] = self.ok
        return row


_COLUMNS = (("#", 3), ("step", 10), ("provider/model", 32), ("strategy", 10), ("status", 6),
            ("latency", 8), ("in", 6), ("out", 5), ("cost", 10), ("error", 22), ("wait", 6))


def attempts_table(attempts: Sequence[Attempt]) -> str:
    """A plain-text table of attempts, one line each."""
    lines = ["  ".join(name.ljust(width) for name, width in _COLUMNS).rstrip()]
    for n, a in enumerate(attempts, 1):
        cells = (
            str(n), a.step, f"{a.provider}/{a.model}", a.strategy.replace("_then_analyse", ""),
            "-" if a.status is None else str(a.status), f"{a.latency_s:.3f}s", str(a.input_tokens),
            str(a.output_tokens), approx_usd(a.cost_usd), a.error_type or "ok",
            f"{a.wait_s:.2f}s" if a.wait_s else "",
        )
        lines.append("  ".join(c.ljust(w) for c, (_, w) in zip(cells, _COLUMNS, strict=True)).rstrip())
    return "\n".join(lines)


def should_fall_back(error: Exception) -> bool:
    """Rate limits, overload, server errors, timeouts and capability errors move to the next route.

    413 (request too large) is a capability limit of that provider: Gemini takes 100 MB inline
    where Claude takes 32 MB. Other client errors (400, 401, 403, 404 ...) mean the request or
    the key needs fixing: another provider would only hide the mistake.
    """
    if isinstance(error, APIError):
        return error.retryable or error.status == 413
    return isinstance(error, (LiveCallError, clientmod.CapabilityError))


@dataclass
class RouteResult:
    """The answer, the route that produced it, the plan and every attempt made for this call."""

    answer: Answer
    route: Route
    plan: Plan
    attempts: list[Attempt]
    transcripts: list[str] = field(default_factory=list)  # transcribe_then_analyse's first step

    @property
    def text(self) -> str:
        return self.answer.text

    @property
    def cost_usd(self) -> Decimal:
        return sum((a.cost_usd for a in self.attempts), Decimal(0))

    def explain(self) -> str:
        return self.plan.explain()

    def __str__(self) -> str:
        return self.answer.text


# ------------------------------------------------------------------------------ the router


class Router:
    """Plans, sends, retries and falls back; keeps every attempt in ``router.attempts``.

    ``configs`` maps provider -> ProviderConfig (default: what ``mmcourse.setup()`` resolves).
    ``retries`` is the number of retries per route before falling back; waits honour the
    server's ``retry-after`` / ``RetryInfo`` up to ``client.MAX_RETRY_DELAY`` seconds (a longer
    requested wait means "not soon": the router falls back at once instead of sleeping).
    """

    def __init__(
        self,
        configs: Mapping[str, configmod.ProviderConfig] | None = None,
        *,
        tasks: Mapping[str, Sequence[tuple[str, str]]] | None = None,
        retries: int = 1,
        timeout: float | tuple[float, float] = clientmod.DEFAULT_TIMEOUT,
        frames: FrameSettings = FrameSettings(),
        max_output_tokens: int = DEFAULT_MAX_OUTPUT_TOKENS,
        sleep: Callable[[float], None] = time.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.configs = dict(configs) if configs is not None else None
        self.tasks = {k: tuple(v) for k, v in (tasks or TASKS).items()}
        self.retries = retries
        self.timeout = timeout
        self.frames = frames
        self.max_output_tokens = max_output_tokens
        self.sleep = sleep
        self.rng = rng or random.Random()
        self.attempts: list[Attempt] = []
        self._lock = threading.Lock()
        self._local = threading.local()

    # -- configuration ---------------------------------------------------------------------
    def _config(self, provider: str) -> configmod.ProviderConfig | None:
        if self.configs is not None:
            return self.configs.get(provider)
        from . import session

        return session.ensure_provider(provider)

    def _modes(self) -> dict[str, str]:
        """Each provider's mode, without starting the emulator (planning sends nothing)."""
        if self.configs is not None:
            return {p: c.mode for p, c in self.configs.items()}
        from . import session

        resolved = session.current()
        return {p: (resolved[p] if p in resolved else configmod.provider_config(p)).mode
                for p in configmod.COURSE_PROVIDERS}

    def _usable(self) -> tuple[set[str], dict[str, str]]:
        modes = self._modes()
        live = any(m == "live" for m in modes.values())
        usable, why = set(), {}
        for provider in {p for cands in self.tasks.values() for p, _ in cands}:
            mode = modes.get(provider)
            if mode is None:
                why[provider] = "not configured"
            elif live and mode == "offline":
                # Mixing real and emulated answers would make a fallback look like a real reply.
                why[provider] = "offline (emulator) while another provider is live"
            else:
                usable.add(provider)
        return usable, why

    # -- planning --------------------------------------------------------------------------
    def _candidates(
        self, task: str, prefer: Sequence[str], allowed: set[str] | None
    ) -> list[tuple[str, str]]:
        try:
            candidates = list(self.tasks[task])
        except KeyError:
            raise ValueError(f"unknown task {task!r}; choose one of {', '.join(self.tasks)}") from None
        if allowed is not None:
            candidates = [c for c in candidates if c[0] in allowed]
        rank = {p: i for i, p in enumerate(prefer)}
        return sorted(candidates, key=lambda c: rank.get(c[0], len(rank)))  # stable: table order

    def _transcriber(self, usable: set[str], media: Sequence[MediaItem]) -> tuple[str, str] | None:
        audio = [m for m in media if m.modality == AUDIO]
        for provider, model in self.tasks.get(TRANSCRIBE_TASK, ()):
            if provider in usable and strategy_for(provider, model, audio)[0] == NATIVE:
                return provider, model
        return None

    def route(
        self,
        prompt: str,
        *files: clientmod.FileLike | MediaItem,
        task: str | None = None,
        budget: float | Decimal | str | None = None,
        prefer: Sequence[str] = (),
        providers: Iterable[str] | None = None,
        order: str = "preference",
        max_output_tokens: int | None = None,
        **options: Any,
    ) -> Plan:
        """The plan for a request: capable routes within ``budget`` (USD, worst case), in order.

        ``order="preference"`` keeps the task table's order (``prefer`` providers first);
        ``order="cost"`` puts the cheapest estimate first. Raises BudgetError when capable
        routes exist but none fits, RoutingError when no candidate can take the media.
        """
        if order not in ("preference", "cost"):
            raise ValueError(f"order must be 'preference' or 'cost', not {order!r}")
        media = tuple(load_media(f) for f in files)
        task = task or DEFAULT_TASK[media[0].modality if media else TEXT]
        limit = _usd(budget)
        max_out = max_output_tokens or self.max_output_tokens
        usable, unusable = self._usable()
        allowed = set(providers) if providers is not None else None
        routes: list[Route] = []
        rejected: list[tuple[str, str]] = []
        for provider, model in self._candidates(task, prefer, allowed):
            label = f"{provider}/{model}"
            if provider not in usable:
                rejected.append((label, unusable.get(provider, "not usable")))
                continue
            strategy, reason = strategy_for(provider, model, media)
            transcriber = self._transcriber(usable, media) if strategy == TRANSCRIBE else None
            if strategy is None or (strategy == TRANSCRIBE and transcriber is None):
                rejected.append((label, reason or "no usable transcriber for the audio"))
                continue
            try:
                estimate = estimate_route(
                    provider, model, strategy, prompt, media, max_out, frames=self.frames,
                    transcriber=transcriber, detail=options.get("detail") or "auto",
                )
            except (ValueError, LookupError) as exc:  # unpriced model, unsupported modality
                rejected.append((label, str(exc)))
                continue
            frames = sum(self.frames.count(m.seconds or 0) for m in media if m.modality == VIDEO)
            routes.append(Route(provider, model, strategy, estimate,
                                frames if strategy == FRAMES else 0, transcriber,
                                tuple(dict.fromkeys(m.modality for m in media))))
        if not routes:
            reasons = "; ".join(f"{label}: {why}" for label, why in rejected) or "the task has none"
            kinds = ", ".join(m.mime for m in media) or "text"
            raise RoutingError(f"no candidate for task {task!r} can take {kinds} ({reasons}).")
        if order == "cost":
            routes.sort(key=lambda r: r.estimate)  # stable: ties keep the preference order
        if limit is not None:
            fitting = [r for r in routes if r.estimate <= limit]
            if not fitting:
                cheapest = min(routes, key=lambda r: r.estimate)
                raise BudgetError(
                    f"no candidate fits a {pricing.format_usd(limit)} budget: cheapest is "
                    f"{cheapest.model} at {approx_usd(cheapest.estimate)} (est.); "
                    f"raise the budget or {_shrink_hint(media)}."
                )
            rejected += [(r.label, f"est. {approx_usd(r.estimate)} is over budget")
                         for r in routes if r.estimate > limit]
            routes = fitting
        opts = dict(options, max_output_tokens=max_out)
        return Plan(task, prompt, tuple(routes), tuple(rejected), limit, order, media, opts)

    # -- execution -------------------------------------------------------------------------
    def _client(self) -> clientmod.Client:
        # One Client (and connection pool) per thread: requests.Session is not thread-safe.
        if not hasattr(self._local, "client"):
            self._local.client = clientmod.Client(timeout=self.timeout, max_retries=0, sleep=self.sleep)
        return self._local.client

    def _record(self, attempt: Attempt, log: list[Attempt]) -> None:
        log.append(attempt)
        with self._lock:
            self.attempts.append(attempt)

    def _wait(self, error: Exception, attempt: int) -> float | None:
        """Seconds to wait before retrying, or None to fall back now."""
        if attempt >= self.retries:
            return None
        if isinstance(error, APIError):
            if not error.retryable:
                return None
            # Like the official SDKs, honour a server delay only when 0 < delay <= the cap.
            if error.retry_after is not None and error.retry_after > 0:
                if error.retry_after > clientmod.MAX_RETRY_DELAY:
                    return None  # "come back in an hour": another provider is the better bet
                return error.retry_after
        return clientmod.backoff_delay(attempt, rng=self.rng)

    def _call(
        self, route: Route, step: str, model: str, provider: str, prompt: str,
        parts: list[Any], log: list[Attempt], audio_seconds: float = 0, **options: Any,
    ) -> Answer:
        """Send one step with retries, recording every attempt; raise the last error."""
        for attempt in range(self.retries + 1):
            started = time.monotonic()
            try:
                cfg = self._config(provider)
                if cfg is None:
                    raise clientmod.CapabilityError(f"{provider} is not configured for this router")
                request = clientmod.build(provider, prompt, *parts, model=model, cfg=cfg, **options)
                answer = self._client().complete(request)
            except (APIError, LiveCallError, clientmod.CapabilityError) as error:
                latency = time.monotonic() - started
                wait = self._wait(error, attempt) if not isinstance(
                    error, clientmod.CapabilityError) else None
                self._record(Attempt(
                    provider, model, route.strategy, step,
                    error.status if isinstance(error, APIError) else None, latency,
                    error_type=_error_type(error), wait_s=wait or 0.0, message=str(error)[:300],
                ), log)
                if wait is None:
                    raise
                self.sleep(wait)
                continue
            latency = time.monotonic() - started
            usage = answer.usage
            audio = 0
            if audio_seconds:  # audio input has its own price; the usage field does not split it
                audio = min(usage.input_tokens,
                            tokens.estimate_audio_tokens(provider, model, audio_seconds))
            cost = pricing.cost(model, usage.input_tokens - audio, usage.output_tokens, audio)
            status = self._client().last.status  # type: ignore[union-attr]
            self._record(Attempt(provider, model, route.strategy, step, status, latency,
                                 usage.input_tokens, usage.output_tokens, cost), log)
            return answer
        raise AssertionError("unreachable")

    def _run_route(
        self, plan: Plan, route: Route, log: list[Attempt], transcripts: list[str]
    ) -> Answer:
        options = dict(plan.options)
        prompt = plan.prompt
        parts: list[Any] = []
        audio_s = 0.0
        for item in plan.media:
            if route.strategy == FRAMES and item.modality == VIDEO:
                from .media.video import sample_frames

                sampled = sample_frames(item.data, self.frames.every_s, self.frames.max_frames,
                                        self.frames.max_edge)
                parts += [Media("image/jpeg", to_base64(jpeg), f"frame-{t:.1f}s.jpg") for t, jpeg in sampled]
                times = ", ".join(f"{t:g}" for t, _ in sampled)
                prompt += (f"\n\n(The {len(sampled)} images are frames sampled from a video at "
                           f"{times} seconds.)")
            elif route.strategy == TRANSCRIBE and item.modality == AUDIO:
                assert route.transcriber is not None
                tp, tm = route.transcriber
                transcript = self._call(
                    route, "transcribe", tm, tp, TRANSCRIBE_PROMPT, [item.part()], log,
                    audio_seconds=item.seconds or 0,
                    max_output_tokens=transcript_tokens(item.seconds or 0),
                ).text
                transcripts.append(transcript)
                prompt += (f"\n\nTranscript of the audio{f' {item.name}' if item.name else ''} "
                           f"({item.seconds or 0:.0f} s, transcribed by {tp}/{tm}):\n{transcript}")
            else:
                if item.modality == AUDIO:
                    audio_s += item.seconds or 0
                parts.append(item.part())
        step = "analyse" if route.strategy == TRANSCRIBE else "answer"
        return self._call(route, step, route.model, route.provider, prompt, parts, log,
                          audio_seconds=audio_s, **options)

    def run(self, plan: Plan) -> RouteResult:
        """Try the plan's routes in order; return the first answer or raise RoutingError."""
        log: list[Attempt] = []
        for route in plan.routes:
            transcripts: list[str] = []
            try:
                answer = self._run_route(plan, route, log, transcripts)
            except (APIError, LiveCallError, clientmod.CapabilityError) as error:
                if should_fall_back(error):
                    continue
                raise RoutingError(
                    f"{route.label} refused the request ({error}); not rerouted, because the "
                    "request or the key needs fixing.", log, plan) from error
            return RouteResult(answer, route, plan, log, transcripts)
        raise RoutingError(
            f"all {len(plan.routes)} routes for task {plan.task!r} failed "
            f"({', '.join(r.label for r in plan.routes)}).", log, plan)

    def ask(self, prompt: str, *files: clientmod.FileLike | MediaItem, **kwargs: Any) -> RouteResult:
        """Plan (see :meth:`route` for the keyword arguments) and run in one call."""
        return self.run(self.route(prompt, *files, **kwargs))

    # -- reporting -------------------------------------------------------------------------
    def attempts_table(self) -> str:
        """Every attempt this router made, as a plain-text table."""
        with self._lock:
            return attempts_table(list(self.attempts))

    def attempts_records(self) -> list[dict[str, Any]]:
        """Every attempt as a dict (for plotting, or ``pandas.DataFrame(records)``)."""
        with self._lock:
            return [a.record() for a in self.attempts]

    def plot_attempts(self, ax=None):
        """A horizontal bar per attempt: latency, green if it answered, red if not."""
        import matplotlib.pyplot as plt

        records = self.attempts_records()
        if ax is None:
            _, ax = plt.subplots(figsize=(7, 0.4 * len(records) + 1))
        labels = [f"{n}. {r['provider']}/{r['model']} {r['step']}" for n, r in enumerate(records, 1)]
        colors = ["tab:green" if r["ok"] else "tab:red" for r in records]
        ax.barh(labels, [r["latency_s"] for r in records], color=colors)
        for y, r in enumerate(records):
            ax.annotate(str(r["status"] or r["error_type"]), (r["latency_s"], y),
                        xytext=(3, 0), textcoords="offset points", va="center", fontsize=8)
        ax.invert_yaxis()  # first attempt at the top, like the table
        ax.set_xlabel("latency (s)")
        return ax

    def reset(self) -> None:
        """Forget the recorded attempts."""
        with self._lock:
            self.attempts.clear()


def _error_type(error: Exception) -> str:
    if isinstance(error, APIError):
        return error.error_type or f"http_{error.status}"
    if isinstance(error, clientmod.CapabilityError):
        return "capability_error"
    return "no_response"  # timeout or connection failure


__all__ = [
    "FRAMES", "NATIVE", "STRATEGIES", "TASKS", "TRANSCRIBE", "Attempt", "BudgetError",
    "FrameSettings", "MediaItem", "Plan", "Route", "RouteResult", "Router", "RoutingError",
    "approx_usd", "attempts_table", "estimate_route", "load_media", "measure", "provider_takes",
    "should_fall_back", "strategy_for", "transcript_tokens",
]
