"""Drive a running emulator's admin endpoints over HTTP (faults, rate limits, the request log).

>>> ctl = EmulatorControl("http://127.0.0.1:8765")          # doctest: +SKIP
>>> ctl.inject_fault("anthropic", 529, count=2)               # doctest: +SKIP
>>> [r["verdict"] for r in ctl.log("anthropic")]              # doctest: +SKIP
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

from mmcourse import identity


class EmulatorControlError(RuntimeError):
    """The admin endpoint refused a request (its message says why)."""


class EmulatorControl:
    """Admin client for one scope (default: the scope of the course's own offline key).

    ``scope="*"`` reads the log of every scope (for graders); writes need one scope.
    """

    def __init__(self, origin: str, scope: str | None = None, timeout: float = 10.0) -> None:
        # Any provider's base URL works: OpenAI's carries /v1, the admin endpoints sit at the origin.
        self.origin = origin.rstrip("/").removesuffix("/v1")
        self.scope = scope or identity.default_scope()
        self.timeout = timeout

    def _headers(self) -> dict[str, str]:
        """Credentials for a class-wide emulator: this learner's own offline key (which reaches
        only their scope) and, for a teacher, ``MMCOURSE_ADMIN_TOKEN``."""
        headers = {"content-type": "application/json", identity.KEY_HEADER: identity.offline_key()}
        token = identity.admin_token()
        if token:
            headers[identity.ADMIN_TOKEN_HEADER] = token
        return headers

    def _call(self, method: str, action: str, body: dict | None = None, **query) -> dict:
        params = {"scope": self.scope, **{k: v for k, v in query.items() if v is not None}}
        url = f"{self.origin}/_mmcourse/{action}?{urllib.parse.urlencode(params)}"
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(url, data=data, method=method, headers=self._headers())
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as exc:
            detail = exc.read().decode("utf-8", "replace")
            try:
                detail = json.loads(detail).get("error", detail)
            except (ValueError, AttributeError):
                pass
            raise EmulatorControlError(f"{method} /_mmcourse/{action} failed ({exc.code}): {detail}") from None

    def health(self) -> dict:
        """``{"emulator": "mmcourse", "version", "providers", "settings"}``."""
        return self._call("GET", "health")

    def log(self, provider: str | None = None) -> list[dict]:
        """Request-log records of this scope, oldest first (optionally one provider's)."""
        return self._call("GET", "log", provider=provider)["records"]

    def reset_log(self) -> None:
        self._call("DELETE", "log")

    def inject_fault(self, provider: str, status: int | None, count: int = 1, latency_ms: int = 0,
                     retry_after: float | None = None) -> int:
        """Make the next ``count`` requests to ``provider`` fail with ``status`` (and/or be slow).

        Returns how many faults are now queued for that provider.
        """
        body = {"provider": provider, "status": status, "count": count, "latency_ms": latency_ms,
                "retry_after": retry_after}
        return self._call("POST", "faults", body)["pending"]

    def clear_faults(self, provider: str | None = None) -> None:
        self._call("DELETE", "faults", provider=provider)

    def set_rate_limit(self, provider: str, requests_per_minute: int | None) -> None:
        """Limit ``provider`` to ``requests_per_minute`` in this scope (None removes the limit)."""
        self._call("POST", "limits", {"provider": provider, "requests_per_minute": requests_per_minute})

    def register_documents(self, documents: list[dict]) -> int:
        """Register the ground truth of documents made at run time (manifest-like entries:
        path, kind, mime, sha256, truth), so the emulator answers about them
        (``mmcourse.emulator.registered``). Returns how many are registered."""
        return self._call("POST", "documents", {"documents": documents})["registered"]

    def clear_documents(self) -> None:
        self._call("DELETE", "documents")

    def set_batch_clock(self, seconds_per_stage: float) -> dict:
        """Move this scope's new batch jobs one state every ``seconds_per_stage`` (0: done at once)."""
        return self._call("POST", "batches", {"seconds_per_stage": seconds_per_stage})

    def queue_batch_outcome(self, provider: str, outcome: str, count: int = 1) -> dict:
        """Make the next ``count`` batches of ``provider`` in this scope end ``"expired"`` or ``"failed"``."""
        return self._call("POST", "batches", {"provider": provider, "outcome": outcome, "count": count})

    def reset(self) -> None:
        """Forget this scope's log, faults, limits and uploaded files."""
        self._call("POST", "reset")
