"""Batches: bounded concurrency, a correct summary (cost, tokens, percentiles, failures per
provider), a progress line, and the cost of a batch before running it."""

from __future__ import annotations

import io
import threading
import time
from decimal import Decimal

from conftest import make_image

from mmcourse import pricing
from mmcourse.batch import (
    BatchRequest,
    compare_plans,
    percentile,
    plan_batch,
    run_batch,
    summarise,
)
from mmcourse.providers.base import Answer, Usage
from mmcourse.routing import Attempt, Plan, Route, Router, RouteResult, RoutingError
from tests.conftest import offline_configs


class FakeRouter:
    """Answers after a short pause, counting how many calls are in flight at once.

    Prompts starting with "fail" raise RoutingError after one recorded failed attempt.
    """

    def __init__(self, pause: float = 0.05) -> None:
        self.pause = pause
        self.in_flight = self.peak = 0
        self._lock = threading.Lock()

    def ask(self, prompt: str, *files, **kwargs) -> RouteResult:
        with self._lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
        try:
            time.sleep(self.pause)
            route = Route("gemini", "gemini-2.5-flash")
            if prompt.startswith("fail"):
                failed = Attempt("gemini", "gemini-2.5-flash", "native", "answer", 503, 0.01,
                                 error_type="UNAVAILABLE")
                raise RoutingError("all 1 routes failed", [failed])
            attempt = Attempt("gemini", "gemini-2.5-flash", "native", "answer", 200, 0.01,
                              100, 10, pricing.cost("gemini-2.5-flash", 100, 10))
            answer = Answer("gemini", "gemini-2.5-flash", prompt.upper(), Usage(100, 10), "STOP", {})
            return RouteResult(answer, route, Plan("describe", prompt, (route,)), [attempt])
        finally:
            with self._lock:
                self.in_flight -= 1


def test_no_more_than_concurrency_requests_are_in_flight():
    router = FakeRouter()
    result = run_batch(router, [BatchRequest(f"q{i}") for i in range(12)], concurrency=4)

    assert router.peak == 4
    assert result.answers == [f"Q{i}" for i in range(12)]  # input order, whatever finished first


def test_failed_requests_are_kept_and_counted_and_the_batch_goes_on():
    jobs = [BatchRequest("fail 0"), BatchRequest("ok 1"), BatchRequest("fail 2"), BatchRequest("ok 3")]
    result = run_batch(FakeRouter(pause=0), jobs, concurrency=2)

    assert [item.ok for item in result.items] == [False, True, False, True]
    assert isinstance(result.items[0].error, RoutingError)
    s = result.summary
    assert (s.requests, s.succeeded, s.failed) == (4, 2, 2)
    gemini = s.providers["gemini"]
    assert (gemini.attempts, gemini.ok, gemini.failed, gemini.errors) == (4, 2, 2, {"UNAVAILABLE": 2})
    assert s.cost_usd == 2 * pricing.cost("gemini-2.5-flash", 100, 10)


def test_progress_bar_counts_up_with_failures_and_cost_and_ends_with_a_newline():
    out = io.StringIO()
    run_batch(FakeRouter(pause=0), [BatchRequest("ok"), BatchRequest("fail")], concurrency=1,
              progress=True, out=out)

    text = out.getvalue()
    assert text.endswith("\n")
    final = text.rstrip("\n").rsplit("\r", 1)[-1]
    assert final.startswith("batch [####################] 2/2 done, 1 failed, $"), final


def test_without_progress_the_batch_prints_nothing(capsys):
    run_batch(FakeRouter(pause=0), [BatchRequest("ok")])
    assert capsys.readouterr().out == ""


def test_percentiles_are_nearest_rank():
    values = [0.9, 0.1, 0.5, 0.3, 0.7, 0.2, 0.4, 0.8, 0.6, 1.0]
    assert percentile(values, 50) == 0.5
    assert percentile(values, 95) == 1.0
    assert percentile([], 50) == 0.0


def test_summary_of_nothing_is_zero():
    s = summarise([])
    assert (s.requests, s.cost_usd, s.p95_s, s.providers) == (0, Decimal(0), 0.0, {})


# ------------------------------------------------------------------------------ against the emulator


def test_twenty_requests_with_faults_give_a_correct_summary(emulator, control, api_key):
    router = Router(offline_configs(emulator.base_url.rstrip("/"), api_key), retries=1,
                    sleep=lambda s: None)
    control.inject_fault("gemini", 503, count=3)
    image = make_image(seed=2)
    jobs = [BatchRequest(f"Describe picture {i}.", (image,), task="describe") for i in range(20)]

    result = run_batch(router, jobs, concurrency=4)

    s = result.summary
    assert (s.requests, s.succeeded, s.failed) == (20, 20, 0)
    attempts = [a for item in result.items for a in item.attempts]
    assert len(attempts) == 23  # each injected fault costs exactly one extra attempt
    gemini = s.providers["gemini"]
    assert (gemini.failed, gemini.errors) == (3, {"UNAVAILABLE": 3})
    answered = sum(p.answered for p in s.providers.values())
    assert answered == 20 and gemini.answered >= 17
    assert s.cost_usd == sum((item.result.cost_usd for item in result.items), Decimal(0)) > 0
    assert s.input_tokens == sum(a.input_tokens for a in attempts) > 0
    latencies = sorted(item.latency_s for item in result.items)
    assert s.p50_s == latencies[9] and s.p95_s == latencies[18]
    # The server saw exactly the attempts the summary counts.
    log = control.log()
    assert len(log) == 23
    assert sum(r["status"] == 503 for r in log) == 3
    table = s.table().splitlines()
    assert table[0].startswith("20 requests: 20 answered, 0 failed; cost $")
    assert any(line.startswith("gemini") and "UNAVAILABLE x3" in line for line in table)


# ------------------------------------------------------------------------------ cost before running


def test_ten_thousand_documents_all_opus_versus_routed_flash_and_opus():
    all_opus = plan_batch({"claude-opus-4-7": 10_000}, input_tokens_each=1_000)
    routed = plan_batch({"gemini-2.5-flash": 7_000, "claude-opus-4-7": 3_000}, input_tokens_each=1_000)

    assert all_opus.total_usd == Decimal("50.00")
    assert routed.total_usd == Decimal("17.10")
    assert [(m, n, pricing.format_usd(usd)) for m, n, usd in routed.rows] == [
        ("gemini-2.5-flash", 7_000, "$2.10"), ("claude-opus-4-7", 3_000, "$15.00")]
    assert compare_plans(all_opus=all_opus, routed=routed).splitlines()[2].split() == [
        "routed", "10,000", "$17.10", "$32.90"]
