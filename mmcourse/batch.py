"""Many requests through the router: a bounded number in flight, a progress line, a cost summary.

>>> jobs = [BatchRequest("Classify this receipt.", (path,), task="classify") for path in paths]  # doctest: +SKIP
>>> result = run_batch(Router(), jobs, concurrency=4)                              # doctest: +SKIP
>>> print(result.summary.table())                                                 # doctest: +SKIP

And what a batch will cost before you run it (the 10,000-documents example):

>>> plan = plan_batch({"gemini-2.5-flash": 7_000, "claude-opus-4-7": 3_000}, input_tokens_each=1_000)
>>> pricing.format_usd(plan.total_usd)
'$17.10'
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, TextIO

from . import pricing
from .progress import progress_bar
from .routing import Attempt, Router, RouteResult, RoutingError


@dataclass(frozen=True)
class BatchRequest:
    """One request of a batch: what :meth:`Router.ask` takes, as data."""

    prompt: str
    files: Sequence[Any] = ()
    task: str | None = None
    budget: float | Decimal | str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class BatchItem:
    """The outcome of one request: a RouteResult or the RoutingError, and its wall time."""

    index: int
    request: BatchRequest
    result: RouteResult | None
    error: RoutingError | None
    latency_s: float

    @property
    def ok(self) -> bool:
        return self.result is not None

    @property
    def attempts(self) -> list[Attempt]:
        if self.result is not None:
            return self.result.attempts
        return self.error.attempts if self.error is not None else []


def percentile(values: Sequence[float], p: float) -> float:
    """The nearest-rank percentile (p in 0..100) of ``values``; 0.0 for none.

    >>> percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95)
    10
    """
    if not values:
        return 0.0
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class ProviderStats:
    """One provider's share of a batch, counted per HTTP attempt."""

    provider: str
    attempts: int
    ok: int
    failed: int
    errors: dict[str, int]  # error type -> count
    input_tokens: int
    output_tokens: int
    cost_usd: Decimal
    p50_s: float
    p95_s: float
    answered: int  # requests whose final answer came from this provider


@dataclass(frozen=True)
class BatchSummary:
    """Cost, tokens, latency percentiles (per request, end to end) and failures per provider."""

    requests: int
    succeeded: int
    failed: int
    cost_usd: Decimal
    input_tokens: int
    output_tokens: int
    p50_s: float
    p95_s: float
    wall_s: float
    providers: dict[str, ProviderStats]

    def table(self) -> str:
        """A plain-text summary: one line for the batch, then one line per provider."""
        lines = [
            f"{self.requests} requests: {self.succeeded} answered, {self.failed} failed; "
            f"cost {pricing.format_usd(self.cost_usd)}; tokens {self.input_tokens:,} in / "
            f"{self.output_tokens:,} out; latency p50 {self.p50_s:.3f}s p95 {self.p95_s:.3f}s; "
            f"wall {self.wall_s:.2f}s",
            f"{'provider':<10} {'attempts':>8} {'ok':>4} {'failed':>6} {'answered':>8} "
            f"{'tokens in':>9} {'out':>6} {'cost':>10} {'p50':>7} {'p95':>7}  errors",
        ]
        for s in self.providers.values():
            errors = ", ".join(f"{k} x{v}" for k, v in sorted(s.errors.items())) or "-"
            lines.append(
                f"{s.provider:<10} {s.attempts:>8} {s.ok:>4} {s.failed:>6} {s.answered:>8} "
                f"{s.input_tokens:>9,} {s.output_tokens:>6,} {pricing.format_usd(s.cost_usd):>10} "
                f"{s.p50_s:>6.3f}s {s.p95_s:>6.3f}s  {errors}"
            )
        return "\n".join(lines)


def summarise(items: Sequence[BatchItem], wall_s: float = 0.0) -> BatchSummary:
    """The summary of finished batch items (pure: no I/O)."""
    attempts = [a for item in items for a in item.attempts]
    per: dict[str, list[Attempt]] = {}
    for a in attempts:
        per.setdefault(a.provider, []).append(a)
    answered: dict[str, int] = {}
    for item in items:
        if item.result is not None:
            answered[item.result.route.provider] = answered.get(item.result.route.provider, 0) + 1
    stats = {}
    for provider, group in sorted(per.items()):
        errors: dict[str, int] = {}
        for a in group:
            if not a.ok:
                errors[a.error_type] = errors.get(a.error_type, 0) + 1
        latencies = [a.latency_s for a in group]
        stats[provider] = ProviderStats(
            provider, len(group), sum(a.ok for a in group), sum(not a.ok for a in group), errors,
            sum(a.input_tokens for a in group), sum(a.output_tokens for a in group),
            sum((a.cost_usd for a in group), Decimal(0)),
            percentile(latencies, 50), percentile(latencies, 95), answered.get(provider, 0),
        )
    request_latencies = [item.latency_s for item in items if item.ok]
    return BatchSummary(
        requests=len(items),
        succeeded=sum(item.ok for item in items),
        failed=sum(not item.ok for item in items),
        cost_usd=sum((a.cost_usd for a in attempts), Decimal(0)),
        input_tokens=sum(a.input_tokens for a in attempts),
        output_tokens=sum(a.output_tokens for a in attempts),
        p50_s=percentile(request_latencies, 50),
        p95_s=percentile(request_latencies, 95),
        wall_s=wall_s,
        providers=stats,
    )


@dataclass
class BatchResult:
    """Every item in input order, and the summary."""

    items: list[BatchItem]
    summary: BatchSummary

    @property
    def answers(self) -> list[str | None]:
        return [item.result.text if item.result is not None else None for item in self.items]


class BatchProgress:
    """Counts finished items on a progress bar (mmcourse.progress), with failures and cost."""

    def __init__(self, total: int, out: TextIO | None) -> None:
        self.bar = progress_bar(total, desc="batch ", out=out)
        self.failed = 0
        self.cost = Decimal(0)
        self._lock = threading.Lock()

    def update(self, item: BatchItem) -> None:
        with self._lock:
            self.failed += not item.ok
            self.cost += sum((a.cost_usd for a in item.attempts), Decimal(0))
            self.bar.set_postfix_str(f"{self.failed} failed, {pricing.format_usd(self.cost)}",
                                     refresh=False)
            self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


def run_batch(
    router: Router,
    requests: Iterable[BatchRequest],
    concurrency: int = 4,
    progress: bool = False,
    out: TextIO | None = None,
) -> BatchResult:
    """Run ``requests`` through ``router`` with at most ``concurrency`` in flight.

    Prints nothing unless ``progress=True`` (a tqdm bar: a widget in a notebook, text on ``out``), so notebook outputs stay
    the same from run to run; print ``result.summary.table()`` yourself. A request that fails
    every route is kept as an item with its RoutingError; the batch goes on.
    """
    if concurrency < 1:
        raise ValueError(f"concurrency must be at least 1, got {concurrency!r}")
    jobs = list(requests)
    bar = BatchProgress(len(jobs), out) if progress and jobs else None

    def one(index: int, job: BatchRequest) -> BatchItem:
        started = time.monotonic()
        try:
            result = router.ask(job.prompt, *job.files, task=job.task, budget=job.budget,
                                **dict(job.options))
            item = BatchItem(index, job, result, None, time.monotonic() - started)
        except RoutingError as error:
            item = BatchItem(index, job, None, error, time.monotonic() - started)
        if bar is not None:
            bar.update(item)
        return item

    started = time.monotonic()
    try:
        with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="mmcourse-batch") as pool:
            items = list(pool.map(one, range(len(jobs)), jobs))  # map keeps the input order
    finally:
        if bar is not None:
            bar.close()
    return BatchResult(items, summarise(items, time.monotonic() - started))


# ------------------------------------------------------------------------------ cost before running


@dataclass(frozen=True)
class BatchCostPlan:
    """What a batch costs at standard rates: documents per model, and the total."""

    rows: tuple[tuple[str, int, Decimal], ...]  # (model, documents, USD)
    input_tokens_each: int
    output_tokens_each: int

    @property
    def total_usd(self) -> Decimal:
        return sum((usd for _, _, usd in self.rows), Decimal(0))

    @property
    def documents(self) -> int:
        return sum(n for _, n, _ in self.rows)

    def table(self) -> str:
        lines = [f"{'model':<26} {'documents':>9} {'cost':>10}"]
        lines += [f"{m:<26} {n:>9,} {pricing.format_usd(usd):>10}" for m, n, usd in self.rows]
        lines.append(f"{'total':<26} {self.documents:>9,} {pricing.format_usd(self.total_usd):>10}")
        return "\n".join(lines)


def plan_batch(
    documents_per_model: Mapping[str, int], input_tokens_each: int, output_tokens_each: int = 0
) -> BatchCostPlan:
    """The cost of sending ``n`` documents to each model (``pricing.batch_cost`` per row).

    >>> format_plan = lambda p: pricing.format_usd(p.total_usd)
    >>> format_plan(plan_batch({"claude-opus-4-7": 10_000}, input_tokens_each=1_000))
    '$50.00'
    """
    rows = tuple(
        (model, n, pricing.batch_cost(model, n, input_tokens_each, output_tokens_each))
        for model, n in documents_per_model.items()
    )
    return BatchCostPlan(rows, input_tokens_each, output_tokens_each)


def compare_plans(**plans: BatchCostPlan) -> str:
    """Named plans side by side, with each one's saving against the most expensive.

    >>> print(compare_plans(all_opus=plan_batch({"claude-opus-4-7": 10_000}, 1_000),
    ...                     routed=plan_batch({"gemini-2.5-flash": 7_000, "claude-opus-4-7": 3_000}, 1_000)))
    plan         documents       cost    saving
    all_opus        10,000     $50.00     $0.00
    routed          10,000     $17.10    $32.90
    """
    top = max(p.total_usd for p in plans.values())
    lines = [f"{'plan':<10} {'documents':>11} {'cost':>10} {'saving':>9}"]
    for name, p in plans.items():
        lines.append(f"{name:<10} {p.documents:>11,} {pricing.format_usd(p.total_usd):>10} "
                     f"{pricing.format_usd(top - p.total_usd):>9}")
    return "\n".join(lines)
