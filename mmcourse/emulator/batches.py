"""Batch jobs, provider-neutral: a clock that moves a job through its states, faults, and the
runner that answers each item by calling the same handler a single request reaches.

The three wire formats live in ``batch_wires`` (OpenAI ``/v1/batches``, Anthropic
``/v1/messages/batches``, Gemini ``:batchGenerateContent``). Here:

* **The clock.** A job advances one state every ``seconds_per_stage`` (default 2 s, per scope;
  the real APIs take minutes to 24 hours), the way a Gemini video stays ``PROCESSING`` for a
  while. ``0`` finishes a job at once.
* **Faults.** ``POST /_mmcourse/batches {"provider": "openai", "outcome": "expired"}`` makes the
  next batch of that provider in the scope expire (``"failed"``: fail; ``"count"``: how many);
  ``{"id": "batch_...", "outcome": ...}`` forces one job; ``{"seconds_per_stage": 0.1}`` sets
  the clock; ``GET /_mmcourse/batches`` shows them.
* **Answers.** When a job reaches its processing stage, each item goes to the provider's own
  handler (``chat_completions``, ``messages``, ``generateContent``...) with the batch's scope, so
  validation, answers and usage are exactly a single request's. A body repeated in one job is
  answered until it is steady and then copied with fresh ids (``run_items``), so 10,000 lines
  over a few documents take well under a second.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from mmcourse.emulator.attached import attached
from mmcourse.emulator.routes import match_route
from mmcourse.emulator.wire import ApiError, Call, Reply

DEFAULT_STAGE_SECONDS = 2.0
OUTCOMES = ("failed", "expired")
MAX_JOBS = 1000  # emulator memory cap (oldest jobs are forgotten first)
# Headers an item's internal request keeps (never a key: handlers do not authenticate).
KEPT_HEADERS = ("anthropic-version", "anthropic-beta", "content-type", "x-mmcourse-scope")


@dataclass
class ItemResult:
    """One item's answer: the HTTP status and JSON body its single request would have got."""

    key: str
    status: int
    body: Any
    request_id: str

    @property
    def ok(self) -> bool:
        return self.status < 400


@dataclass
class Job:
    """One batch job of any provider; ``stage`` counts clock ticks since creation."""

    provider: str
    id: str
    scope: str
    items: list[tuple[str, dict]]  # (custom_id / key, request body)
    created: float
    seconds_per_stage: float
    origin: str
    headers: dict
    state: Any = field(repr=False, default=None)  # the EmulatorState its items are answered in
    meta: dict = field(default_factory=dict)
    outcome: str | None = None  # an injected "failed" / "expired"
    cancelled_at: float | None = None
    results: list[ItemResult] | None = None
    # Re-entrant: the result files are made under it, around run_items, which takes it too.
    lock: threading.RLock = field(default_factory=threading.RLock, repr=False)

    def stage(self, now: float | None = None) -> int:
        """Clock ticks since the job was created (a big number once the clock is 0)."""
        if self.seconds_per_stage <= 0:
            return 1_000_000
        return int(((time.time() if now is None else now) - self.created) / self.seconds_per_stage)

    def at(self, stage: int) -> float:
        """When the job reached ``stage``."""
        return self.created + stage * max(self.seconds_per_stage, 0.0)

    def cancel_done(self, now: float | None = None) -> bool:
        """Whether a requested cancellation has gone through (one tick after it was asked for)."""
        if self.cancelled_at is None:
            return False
        return (time.time() if now is None else now) >= self.cancelled_at + max(self.seconds_per_stage, 0.0)


class BatchBook:
    """Every batch job of one emulator, the per-scope clocks and the queued outcomes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._jobs: dict[str, Job] = {}
        self._clocks: dict[str, float] = {}
        self._queued: dict[tuple[str, str], deque[str]] = {}

    def seconds_per_stage(self, scope: str) -> float:
        with self._lock:
            return self._clocks.get(scope, DEFAULT_STAGE_SECONDS)

    def set_clock(self, scope: str, seconds: float) -> None:
        if not isinstance(seconds, (int, float)) or isinstance(seconds, bool) or seconds < 0:
            raise ValueError(f"seconds_per_stage must be a number >= 0, not {seconds!r}")
        with self._lock:
            self._clocks[scope] = float(seconds)

    def queue_outcome(self, scope: str, provider: str, outcome: str, count: int = 1) -> int:
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown batch outcome {outcome!r}; choose one of {list(OUTCOMES)}")
        if int(count) < 1:
            raise ValueError(f"count must be at least 1, not {count!r}")
        with self._lock:
            queue = self._queued.setdefault((scope, provider), deque())
            queue.extend([outcome] * int(count))
            return len(queue)

    def add(self, job: Job) -> Job:
        with self._lock:
            queue = self._queued.get((job.scope, job.provider))
            if queue:
                job.outcome = queue.popleft()
            while len(self._jobs) >= MAX_JOBS:
                del self._jobs[next(iter(self._jobs))]
            self._jobs[job.id] = job
            return job

    def get(self, provider: str, job_id: str) -> Job | None:
        with self._lock:
            job = self._jobs.get(job_id)
            return job if job is not None and job.provider == provider else None

    def listed(self, provider: str, scope: str) -> list[Job]:
        """A scope's jobs of one provider, newest first."""
        with self._lock:
            jobs = [j for j in self._jobs.values() if j.provider == provider and j.scope == scope]
        return sorted(jobs, key=lambda j: j.created, reverse=True)

    def delete(self, job_id: str) -> None:
        with self._lock:
            self._jobs.pop(job_id, None)

    def forget(self, scope: str) -> None:
        with self._lock:
            for key in [k for k, j in self._jobs.items() if j.scope == scope]:
                del self._jobs[key]
            self._clocks.pop(scope, None)
            for key in [k for k in self._queued if k[0] == scope]:
                del self._queued[key]

    def force(self, job_id: str, outcome: str) -> Job:
        if outcome not in OUTCOMES:
            raise ValueError(f"unknown batch outcome {outcome!r}; choose one of {list(OUTCOMES)}")
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise KeyError(f"no batch job {job_id!r}")
        with job.lock:
            if job.results is not None:
                raise ValueError(f"batch {job_id} has already been processed; inject the outcome "
                                 "before it finishes (or slow its clock with seconds_per_stage)")
            job.outcome = outcome
        return job

    def summary(self, scope: str) -> dict:
        with self._lock:
            jobs = [j for j in self._jobs.values() if j.scope == scope]
            queued = {p: list(q) for (s, p), q in self._queued.items() if s == scope and q}
            clock = self._clocks.get(scope, DEFAULT_STAGE_SECONDS)
        return {"scope": scope, "seconds_per_stage": clock, "queued_outcomes": queued,
                "jobs": [{"provider": j.provider, "id": j.id, "items": len(j.items), "stage": j.stage(),
                          "outcome": j.outcome, "processed": j.results is not None} for j in jobs]}


def book(state) -> BatchBook:
    return attached(state, BatchBook)


def new_job(call: Call, job_id: str, items: list[tuple[str, dict]], **meta: Any) -> Job:
    """A job for ``call``'s scope, on the scope's clock, remembering what its items need."""
    headers = {h: call.headers[h] for h in KEPT_HEADERS if h in call.headers}
    return book(call.state).add(Job(
        provider=call.provider, id=job_id, scope=call.scope, items=items, created=time.time(),
        seconds_per_stage=book(call.state).seconds_per_stage(call.scope), origin=call.origin,
        headers=headers, state=call.state, meta=meta))


# -- the request log --------------------------------------------------------------------------
LOGGED_ITEMS = 20  # a batch's requests kept in its request-log record


def logged_batch(body: dict, items: list, put) -> dict:
    """``body`` as the request log keeps it: its first ``LOGGED_ITEMS`` requests and a note.

    A record stays small (and logging fast) however many requests the batch holds, as the log
    already cuts long base64 and long text. ``put(body, first)`` returns the body with the list
    replaced by ``first``.
    """
    if len(items) <= LOGGED_ITEMS:
        return body
    return {**put(body, items[:LOGGED_ITEMS]),
            "_mmcourse_log": f"the first {LOGGED_ITEMS} of {len(items)} requests are logged"}


# -- answering the items ---------------------------------------------------------------------
# Top-level ids of an answer (OpenAI ``chatcmpl-``/``resp_``, Anthropic ``msg_``, Gemini
# ``responseId``) and of an error envelope (``request_id``): each copy of a repeated item gets
# its own, as each line of a real batch is its own request.
ANSWER_ID_FIELDS = ("id", "responseId", "request_id")
ID_TAIL = 16  # how many trailing characters of such an id a copy draws afresh
HEX = "0123456789abcdef"
HEX_CHARS = frozenset(HEX)
ALNUM = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
# A digest byte -> an id character, per alphabet (bytes.translate draws a tail in one call).
_TO_CHARS = {name: bytes(ord(chars[b % len(chars)]) for b in range(256)) for name, chars in (("hex", HEX), ("alnum", ALNUM))}
_BODY_KEY = json.JSONEncoder(sort_keys=True, separators=(",", ":")).encode  # one encoder for every item


def run_items(job: Job, wire, target) -> list[ItemResult]:
    """Each item's answer from the provider's own handler (once per job; later calls reuse it).

    ``target(body)`` gives the (method, path) a single request of that item would use.
    A request body that repeats within the job is answered by the handler twice (the first
    time cold, the second with whatever the first left behind, e.g. a warm prompt cache); the
    third and later copies reuse the second answer with fresh ids. The handlers are
    deterministic for a body and that state, so the result is the same as answering every
    copy, and a 10,000-line batch of a few documents takes a fraction of a second, not minutes.
    """
    with job.lock:
        if job.results is None:
            steady: dict[str, ItemResult] = {}
            seen: set[str] = set()
            results = []
            for key, body in job.items:
                digest = _BODY_KEY(body)
                if digest in steady:
                    results.append(_copy(job, steady[digest], key))
                    continue
                result = answer_item(job, wire, key, dict(body), *target(dict(body)))
                if digest in seen:
                    steady[digest] = result
                seen.add(digest)
                results.append(result)
            job.results = results
        return job.results


def _copy(job: Job, answer: ItemResult, key: str) -> ItemResult:
    """``answer`` for another item with the same request: its own request id and answer ids."""
    digest = hashlib.sha256(f"{job.id}\x1f{key}".encode("utf-8", "surrogatepass")).digest()
    body = answer.body
    if isinstance(body, dict):
        body = dict(body)  # shallow: only ids change (top level, Responses output items); nothing mutates it later
        for n, name in enumerate(ANSWER_ID_FIELDS):
            if isinstance(body.get(name), str):
                body[name] = _fresh_tail(body[name], digest[n:])
        if isinstance(body.get("output"), list):  # the Responses API's output items have ids too
            body["output"] = [{**item, "id": _fresh_tail(item["id"], digest[4 + k % 8:])}
                              if isinstance(item, dict) and isinstance(item.get("id"), str) else item
                              for k, item in enumerate(body["output"])]
    return ItemResult(key, answer.status, body, _fresh_tail(answer.request_id, digest[8:]))


def _fresh_tail(value: str, digest: bytes) -> str:
    """``value`` with its last ``ID_TAIL`` characters drawn from ``digest`` (same alphabet kind)."""
    if len(value) <= ID_TAIL:
        return value
    table = _TO_CHARS["hex" if set(value[-ID_TAIL:]) <= HEX_CHARS else "alnum"]
    return value[:-ID_TAIL] + digest[:ID_TAIL].translate(table).decode("ascii")


def answer_item(job: Job, wire, key: str, body: dict, method: str, path: str) -> ItemResult:
    """What one item's single request would have answered (an error reply included)."""

    count = job.state.next_count(job.scope)
    body = {k: v for k, v in body.items() if not k.startswith("__")}  # the runner's own notes
    call = Call(provider=wire.name, method=method, path=path, query={}, headers=dict(job.headers),
                body=json.dumps(body).encode(), origin=job.origin, state=job.state, scope=job.scope)
    call.request_id = wire.new_request_id(call, count)
    route = match_route(wire, method, path)
    try:
        if route is None:
            raise wire.no_route(call)
        handler, _, _, call.params = route
        reply: Reply = handler(call)
        if reply.stream is not None:
            raise ApiError(400, "Streaming is not supported in a batch: drop 'stream' from the request.",
                           type="invalid_request_error")
    except ApiError as exc:
        reply = wire.error_reply(exc, call)
    return ItemResult(key, reply.status, reply.body, call.request_id)


# -- admin -----------------------------------------------------------------------------------
def admin(state, method: str, scope: str, data: dict) -> dict | None:
    """``/_mmcourse/batches``: the clock, queued outcomes and forced outcomes (see the docstring)."""
    jobs = book(state)
    if method == "GET":
        return jobs.summary(scope)
    if method != "POST":
        return None
    if "seconds_per_stage" in data:
        jobs.set_clock(scope, data["seconds_per_stage"])
    if "outcome" in data:
        if data.get("id"):
            jobs.force(str(data["id"]), data["outcome"])
        elif data.get("provider"):
            jobs.queue_outcome(scope, data["provider"], data["outcome"], int(data.get("count", 1)))
        else:
            raise ValueError("a batch outcome needs a 'provider' (the next batch) or an 'id' (that batch)")
    elif "seconds_per_stage" not in data:
        raise ValueError("POST /_mmcourse/batches takes 'seconds_per_stage' and/or 'outcome' with "
                         "'provider' or 'id'")
    return jobs.summary(scope)
