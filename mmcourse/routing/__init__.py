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

One module per idea: ``tasks`` (models per task), ``inputs`` (the media as the router measures them),
``capability`` (who reads what), ``plans`` (routes and estimates), ``attempts`` (tries, fallback,
table and plot), ``router`` (running a plan). The retry policy is ``mmcourse.retry``'s.
"""

from __future__ import annotations

from .attempts import Attempt, BudgetError, RoutingError, attempts_table, should_fall_back
from .capability import provider_takes, strategy_for
from .inputs import MediaItem, load_media, measure
from .plans import (
    FrameSettings,
    Plan,
    Route,
    approx_usd,
    estimate_route,
    frame_size,
    transcript_tokens,
)
from .router import Router, RouteResult
from .tasks import (
    DEFAULT_MAX_OUTPUT_TOKENS,
    DEFAULT_TASK,
    FRAMES,
    NATIVE,
    STRATEGIES,
    TASKS,
    TRANSCRIBE,
    TRANSCRIBE_PROMPT,
    TRANSCRIBE_TASK,
    TRANSCRIPT_TOKENS_PER_SECOND,
)

__all__ = [
    "DEFAULT_MAX_OUTPUT_TOKENS", "DEFAULT_TASK", "TRANSCRIBE_PROMPT", "TRANSCRIBE_TASK",
    "TRANSCRIPT_TOKENS_PER_SECOND", "frame_size", "FRAMES", "NATIVE", "STRATEGIES", "TASKS", "TRANSCRIBE", "Attempt", "BudgetError",
    "FrameSettings", "MediaItem", "Plan", "Route", "RouteResult", "Router", "RoutingError",
    "approx_usd", "attempts_table", "estimate_route", "load_media", "measure", "provider_takes",
    "should_fall_back", "strategy_for", "transcript_tokens",
]

