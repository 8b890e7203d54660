"""One retry policy for every call: how long to wait before trying again, or whether to stop.

The client (``mmcourse.client.Client``) and the router (``mmcourse.routing.Router``) both ask a
``RetryPolicy``. It follows the official SDKs: honour the server's delay (``retry-after``,
``retry-after-ms``, Gemini's ``RetryInfo``) when it is positive and at most ``max_server_delay``;
otherwise exponential backoff with jitter. What differs is only what a caller does with a delay
longer than the cap: the client backs off and tries again (it has nowhere else to go), the
router falls back to its next route at once (``long_delay="give_up"``).

>>> RetryPolicy(retries=2).delay(APIError("openai", 429, "rate_limit", "slow down", retry_after=1.5), 0)
1.5
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

from .providers.base import APIError

MAX_SERVER_DELAY = 60.0  # never sleep longer than this for one retry (the SDKs cap at 60-120 s)


def backoff_delay(attempt: int, base: float = 0.5, cap: float = 8.0, rng: random.Random | None = None) -> float:
    """Exponential backoff with jitter, as the official SDKs do: 0.5 s x 2^n, capped, minus up to 25%."""
    jitter = 1 - 0.25 * (rng or random).random()
    return min(cap, base * 2**attempt) * jitter


@dataclass(frozen=True)
class RetryPolicy:
    """How many retries, which backoff, and what to do when the server asks for a long wait."""

    retries: int = 2
    base: float = 0.5
    cap: float = 8.0
    max_server_delay: float = MAX_SERVER_DELAY
    long_delay: Literal["backoff", "give_up"] = "backoff"

    def delay(self, error: Exception, attempt: int, rng: random.Random | None = None) -> float | None:
        """Seconds to wait before retry number ``attempt + 1``, or None: stop retrying now.

        Non-API errors (a timeout, a refused connection) are retried with backoff; an API error
        only when it is retryable (408, 409, 429, 5xx and the providers' overloaded codes).
        """
        if attempt >= self.retries:
            return None
        if isinstance(error, APIError):
            if not error.retryable:
                return None
            asked = error.retry_after
            if asked is not None and asked > 0:
                if asked <= self.max_server_delay:
                    return asked
                if self.long_delay == "give_up":
                    return None  # "come back in an hour": another provider is the better bet
        return backoff_delay(attempt, self.base, self.cap, rng)
