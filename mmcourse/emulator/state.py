"""The emulator's state, apart from HTTP: uploaded files, the request log, rate limits, faults.

Everything is kept per *scope* (one learner, one grading run) so that two users of one
emulator never see each other's log, faults or limits. All methods are thread-safe: uvicorn
runs the app on one event loop, but handlers run in worker threads and `start()` / tests call
in from other threads.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import deque
from dataclasses import dataclass, field, fields, replace

# The identity of a request (its scope, the course's offline key) has one home: mmcourse.identity.
from mmcourse.identity import default_scope, offline_key, scope_of

__all__ = ["EmulatorState", "Fault", "RateLimiter", "Settings", "StoreFull", "StoredFile", "Upload",
           "default_scope", "offline_key", "scope_of"]

# Bounds that keep a long-running emulator's memory flat.
MAX_FILE_STORE_BYTES = 512 * 1024 * 1024
MAX_LOG_RECORDS = 1000


@dataclass(frozen=True)
class Settings:
    """Tunable emulator behaviour (``start(**settings)``)."""

    # Seconds an uploaded Gemini video stays PROCESSING before it turns ACTIVE.
    video_processing_seconds: float = 2.0
    max_file_store_bytes: int = MAX_FILE_STORE_BYTES
    max_log_records: int = MAX_LOG_RECORDS
    # When set (a class-wide emulator: MMCOURSE_ADMIN_TOKEN), the admin endpoints serve a scope
    # only to its own key's holder or to whoever presents this token. Never shown by health.
    admin_token: str | None = None

    def public(self) -> dict:
        """The settings health may show (the admin token is replaced by whether there is one)."""
        shown = {k: v for k, v in self.__dict__.items() if k != "admin_token"}
        return {**shown, "admin_token_required": self.admin_token is not None}

    def updated(self, **changes) -> Settings:
        unknown = set(changes) - set(self.__dataclass_fields__)
        if unknown:
            raise TypeError(
                f"unknown emulator setting(s) {sorted(unknown)}; "
                f"known: {sorted(self.__dataclass_fields__)}"
            )
        return replace(self, **changes)


@dataclass
class StoredFile:
    """One uploaded file, whichever provider's Files API received it."""

    id: str
    provider: str
    scope: str
    filename: str
    mime: str
    data: bytes
    created: float
    purpose: str | None = None
    display_name: str | None = None
    ready_at: float = 0.0  # Gemini: when PROCESSING turns ACTIVE
    meta: dict = field(default_factory=dict)

    @property
    def size(self) -> int:
        return len(self.data)

    def active(self, now: float | None = None) -> bool:
        return (time.time() if now is None else now) >= self.ready_at


@dataclass(frozen=True)
class Fault:
    """One injected failure: an HTTP status (or None for latency only) and/or added latency.

    It is also the admin endpoint's JSON (``POST /_mmcourse/faults`` takes these fields, plus
    ``provider`` and ``count``; ``GET /_mmcourse/faults/schema`` returns ``json_schema()``). A new
    kind of fault is one more field here, read by each wire's ``fault``.
    """

    status: int | None = None
    latency_ms: int = 0
    retry_after: float | None = None

    def __post_init__(self) -> None:
        if self.status is not None and (isinstance(self.status, bool) or not isinstance(self.status, int)
                                        or not 400 <= self.status <= 599):
            raise ValueError(f"fault status must be a 4xx/5xx code or None, not {self.status!r}")
        if isinstance(self.latency_ms, bool) or not isinstance(self.latency_ms, int) or self.latency_ms < 0:
            raise ValueError(f"latency_ms must be a whole number of milliseconds >= 0, not {self.latency_ms!r}")
        if self.retry_after is not None and (isinstance(self.retry_after, bool)
                                             or not isinstance(self.retry_after, int | float)
                                             or not 0 <= self.retry_after <= 3600):
            raise ValueError(f"retry_after must be seconds from 0 to 3600 or None, not {self.retry_after!r}")
        if self.status is None and not self.latency_ms:
            raise ValueError("a fault needs a status, a latency_ms, or both")

    @classmethod
    def from_json(cls, data: dict) -> Fault:
        """A Fault from the admin endpoint's JSON, naming any field it does not know."""
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown fault field(s) {unknown}; a fault takes {sorted(known)}")
        return cls(**data)

    @classmethod
    def json_schema(cls) -> dict:
        """The JSON Schema of ``POST /_mmcourse/faults`` (its fields are this dataclass's)."""
        kinds = {"status": {"type": ["integer", "null"], "minimum": 400, "maximum": 599},
                 "latency_ms": {"type": "integer", "minimum": 0},
                 "retry_after": {"type": ["number", "null"], "minimum": 0, "maximum": 3600}}
        properties = {f.name: kinds[f.name] for f in fields(cls)}
        properties |= {"provider": {"type": "string"}, "count": {"type": "integer", "minimum": 1}}
        return {"type": "object", "properties": properties, "required": ["provider"],
                "additionalProperties": False}


@dataclass
class Upload:
    """A Gemini resumable upload in progress."""

    id: str
    scope: str
    mime: str
    declared_size: int | None
    display_name: str | None
    name: str | None
    received: bytearray = field(default_factory=bytearray)


class StoreFull(Exception):
    """The emulator's file store would exceed its memory cap."""


class RateLimiter:
    """Sliding one-minute window of request times per (scope, provider)."""

    def __init__(self) -> None:
        self._limits: dict[tuple[str, str], int] = {}
        self._hits: dict[tuple[str, str], deque[float]] = {}

    def set(self, scope: str, provider: str, per_minute: int | None) -> None:
        key = (scope, provider)
        if per_minute is None:
            self._limits.pop(key, None)
        else:
            self._limits[key] = int(per_minute)
        self._hits.pop(key, None)

    def limit(self, scope: str, provider: str) -> int | None:
        return self._limits.get((scope, provider))

    def hit(self, scope: str, provider: str, now: float) -> tuple[bool, int | None, int, float]:
        """Record one request: (allowed, limit, remaining, seconds until a slot frees)."""
        key = (scope, provider)
        limit = self._limits.get(key)
        hits = self._hits.setdefault(key, deque())
        while hits and now - hits[0] >= 60.0:
            hits.popleft()
        if limit is None:
            return True, None, 0, 0.0
        if len(hits) >= limit:
            return False, limit, 0, max(0.0, 60.0 - (now - hits[0]))
        hits.append(now)
        reset = 60.0 - (now - hits[0]) if hits else 0.0
        return True, limit, limit - len(hits), reset

    def clear(self, scope: str) -> None:
        for store in (self._limits, self._hits):
            for key in [k for k in store if k[0] == scope]:
                del store[key]


class EmulatorState:
    """All mutable emulator state behind one lock."""

    def __init__(self, settings: Settings | None = None) -> None:
        self.settings = settings or Settings()
        self._lock = threading.RLock()
        self._files: dict[str, StoredFile] = {}
        self._uploads: dict[str, Upload] = {}
        self._log: dict[str, deque[dict]] = {}
        self._seq = itertools.count(1)
        self._counters: dict[str, int] = {}
        self._faults: dict[tuple[str, str], deque[Fault]] = {}
        self.limiter = RateLimiter()

    # -- ids -------------------------------------------------------------------------------
    def next_count(self, scope: str) -> int:
        """A per-scope counter: request ids derive from it so a replayed scope replays ids."""
        with self._lock:
            self._counters[scope] = self._counters.get(scope, 0) + 1
            return self._counters[scope]

    # -- files -----------------------------------------------------------------------------
    def add_file(self, f: StoredFile) -> StoredFile:
        with self._lock:
            used = sum(x.size for x in self._files.values())
            if used + f.size > self.settings.max_file_store_bytes:
                raise StoreFull(
                    f"the emulator's file store holds {used} bytes and its cap is "
                    f"{self.settings.max_file_store_bytes} bytes: delete uploaded files first"
                )
            self._files[f.id] = f
            return f

    def get_file(self, provider: str, file_id: str) -> StoredFile | None:
        # Ids are unguessable, so lookup by id is global (as in the real APIs, a file id
        # works for whoever holds it); listing is per scope.
        with self._lock:
            f = self._files.get(file_id)
            return f if f is not None and f.provider == provider else None

    def list_files(self, provider: str, scope: str) -> list[StoredFile]:
        with self._lock:
            found = [f for f in self._files.values() if f.provider == provider and f.scope == scope]
        return sorted(found, key=lambda f: (f.created, f.id), reverse=True)

    def delete_file(self, provider: str, file_id: str) -> bool:
        with self._lock:
            f = self._files.get(file_id)
            if f is None or f.provider != provider:
                return False
            del self._files[file_id]
            return True

    # -- resumable uploads (Gemini) --------------------------------------------------------
    def start_upload(self, upload: Upload) -> None:
        with self._lock:
            self._uploads[upload.id] = upload

    def get_upload(self, upload_id: str) -> Upload | None:
        with self._lock:
            return self._uploads.get(upload_id)

    def append_upload(self, upload_id: str, chunk: bytes) -> int:
        with self._lock:
            upload = self._uploads[upload_id]
            used = sum(x.size for x in self._files.values()) + sum(
                len(u.received) for u in self._uploads.values()
            )
            if used + len(chunk) > self.settings.max_file_store_bytes:
                raise StoreFull(
                    f"the emulator's file store cap of {self.settings.max_file_store_bytes} "
                    "bytes would be exceeded: delete uploaded files first"
                )
            upload.received.extend(chunk)
            return len(upload.received)

    def finish_upload(self, upload_id: str) -> Upload | None:
        with self._lock:
            return self._uploads.pop(upload_id, None)

    # -- request log -----------------------------------------------------------------------
    def log(self, record: dict) -> dict:
        with self._lock:
            record = {"seq": next(self._seq), **record}
            scope = record.get("scope", "")
            log = self._log.get(scope)
            if log is None:
                log = self._log[scope] = deque(maxlen=self.settings.max_log_records)
            log.append(record)
            return record

    def records(self, scope: str | None, provider: str | None = None) -> list[dict]:
        """Log records of one scope (all scopes when ``scope`` is None), oldest first."""
        with self._lock:
            if scope is None:
                found = [r for log in self._log.values() for r in log]
            else:
                found = list(self._log.get(scope, ()))
        found = [r for r in found if provider in (None, r.get("provider"))]
        return sorted(found, key=lambda r: r["seq"])

    def clear_log(self, scope: str) -> None:
        with self._lock:
            self._log.pop(scope, None)

    # -- faults and rate limits ------------------------------------------------------------
    def inject_fault(
        self,
        scope: str,
        provider: str,
        status: int | None,
        count: int = 1,
        latency_ms: int = 0,
        retry_after: float | None = None,
    ) -> None:
        """Make the next ``count`` requests to ``provider`` in ``scope`` fail or slow down."""
        self.add_fault(scope, provider, Fault(None if status is None else int(status), int(latency_ms),
                                              retry_after), count)

    def add_fault(self, scope: str, provider: str, fault: Fault, count: int = 1) -> None:
        """Queue ``fault`` for the next ``count`` requests to ``provider`` in ``scope``."""
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValueError(f"count must be a whole number of at least 1, not {count!r}")
        with self._lock:
            self._faults.setdefault((scope, provider), deque()).extend([fault] * count)

    def next_fault(self, scope: str, provider: str) -> Fault | None:
        with self._lock:
            queue = self._faults.get((scope, provider))
            return queue.popleft() if queue else None

    def pending_faults(self, scope: str, provider: str) -> int:
        with self._lock:
            return len(self._faults.get((scope, provider), ()))

    def clear_faults(self, scope: str, provider: str | None = None) -> None:
        with self._lock:
            for key in [k for k in self._faults if k[0] == scope and provider in (None, k[1])]:
                del self._faults[key]

    def set_rate_limit(self, scope: str, provider: str, per_minute: int | None) -> None:
        if per_minute is not None and int(per_minute) < 1:
            raise ValueError(f"requests_per_minute must be at least 1 or None, not {per_minute!r}")
        with self._lock:
            self.limiter.set(scope, provider, per_minute)

    def rate_hit(self, scope: str, provider: str) -> tuple[bool, int | None, int, float]:
        with self._lock:
            return self.limiter.hit(scope, provider, time.monotonic())

    # -- reset -----------------------------------------------------------------------------
    def reset(self, scope: str) -> None:
        """Forget everything a scope did: log, faults, limits, counters, files and uploads."""
        with self._lock:
            self.clear_log(scope)
            self.clear_faults(scope)
            self.limiter.clear(scope)
            self._counters.pop(scope, None)
            for fid in [i for i, f in self._files.items() if f.scope == scope]:
                del self._files[fid]
            for uid in [i for i, u in self._uploads.items() if u.scope == scope]:
                del self._uploads[uid]
