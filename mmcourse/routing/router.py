"""The router: runs a plan's routes in order, retrying with the server's delay, and falls back."""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from .. import client as clientmod
from .. import config as configmod
from .. import pricing, tokens
from ..encoding import (
    to_base64,
)
from ..providers.base import Answer, APIError, LiveCallError, Media
from ..resolved import ResolvedProvider, resolve
from ..retry import RetryPolicy
from .attempts import (
    Attempt,
    BudgetError,
    RoutingError,
    attempts_table,
    plot_attempts,
    should_fall_back,
)
from .capability import strategy_for
from .inputs import MediaItem, load_media
from .plans import (
    DEFAULT_FRAMES,
    FrameSettings,
    Plan,
    Route,
    _shrink_hint,
    _usd,
    approx_usd,
    estimate_route,
    transcript_tokens,
)
from .tasks import (
    AUDIO,
    DEFAULT_MAX_OUTPUT_TOKENS,
    DEFAULT_TASK,
    FRAMES,
    NATIVE,
    TASKS,
    TEXT,
    TRANSCRIBE,
    TRANSCRIBE_PROMPT,
    TRANSCRIBE_TASK,
    VIDEO,
)


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
    server's ``retry-after`` / ``RetryInfo`` up to ``mmcourse.retry.MAX_SERVER_DELAY`` seconds (a longer
    requested wait means "not soon": the router falls back at once instead of sleeping).
    """

    def __init__(
        self,
        configs: Mapping[str, configmod.ProviderConfig] | None = None,
        *,
        tasks: Mapping[str, Sequence[tuple[str, str]]] | None = None,
        retries: int = 1,
        timeout: float | tuple[float, float] = clientmod.DEFAULT_TIMEOUT,
        frames: FrameSettings = DEFAULT_FRAMES,
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
        from .. import session

        return session.ensure_provider(provider)

    def _provider(self, provider: str) -> ResolvedProvider | None:
        """``provider`` resolved once for one step of a route (None: not configured here)."""
        cfg = self._config(provider)
        return None if cfg is None else resolve(provider, cfg)

    def _modes(self) -> dict[str, str]:
        """Each provider's mode, without starting the emulator (planning sends nothing)."""
        if self.configs is not None:
            return {p: c.mode for p, c in self.configs.items()}
        from .. import session

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

    @property
    def retry(self) -> RetryPolicy:
        """mmcourse.retry's policy; a delay longer than its cap falls back to the next route."""
        return RetryPolicy(retries=self.retries, long_delay="give_up")

    def _wait(self, error: Exception, attempt: int) -> float | None:
        """Seconds to wait before retrying, or None to fall back now."""
        return self.retry.delay(error, attempt, self.rng)

    def _call(
        self, route: Route, step: str, model: str, provider: str, prompt: str,
        parts: list[Any], log: list[Attempt], audio_seconds: float = 0, **options: Any,
    ) -> Answer:
        """Send one step with retries, recording every attempt; raise the last error."""
        spec = self._provider(provider)  # resolved once for every attempt of this step
        for attempt in range(self.retries + 1):
            started = time.monotonic()
            try:
                if spec is None:
                    raise clientmod.CapabilityError(f"{provider} is not configured for this router")
                request = clientmod.build(spec, prompt, *parts, model=model, **options)
                answer = self._client().complete(request, spec)
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
                from ..media.video import sample_frames

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
        with self._lock:
            attempts = list(self.attempts)
        return plot_attempts(attempts, ax)

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
