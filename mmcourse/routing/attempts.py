"""What each try cost and returned, when to fall back, and the table and plot of tries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from .. import client as clientmod
from ..providers.base import APIError, LiveCallError
from .plans import Plan, approx_usd


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


def plot_attempts(attempts: Sequence[Attempt], ax=None):
    """A horizontal bar per attempt: latency, green if it answered, red if not."""
    import matplotlib.pyplot as plt

    records = [a.record() for a in attempts]
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
