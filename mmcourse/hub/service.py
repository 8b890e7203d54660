"""The emulator a Binder session (or one teacher's machine) shares: the start hook's ``emulator_up``."""

from __future__ import annotations

import urllib.parse
from pathlib import Path

from .errors import HubError

SERVICE_NAME = "mmcourse-emulator"  # the JupyterHub service (TLJH) and the Kubernetes Deployment (Z2JH)


def emulator_up(url: str, timeout: float = 30.0, log_path: str | Path | None = None,
                pidfile: str | Path | None = None) -> int | None:
    """Make sure an mmcourse emulator answers at ``url`` (a loopback origin).

    Reuses one that already answers (returns None); else starts this user's detached emulator
    there (``mmcourse.emulator.service``: its own session, found by every kernel and command
    through the runtime folder, never stopping for idleness), waits until it answers and returns
    its pid (also written to ``pidfile``).
    """
    from ..emulator import probe, service

    found = probe(url)
    if found == "mmcourse":
        return None
    parts = urllib.parse.urlsplit(url)
    if found == "other":
        raise HubError(f"{url} answers but is not the mmcourse emulator: choose another port in MMCOURSE_EMULATOR_URL")
    if parts.hostname not in ("127.0.0.1", "localhost", "::1") or not parts.port:
        raise HubError(f"{url} must be a loopback origin with a port, e.g. http://127.0.0.1:8765")
    try:
        running = service.start_detached(parts.hostname, parts.port, idle_timeout=0, timeout=timeout,
                                         log_path=Path(log_path) if log_path else None)
    except service.ServiceError as exc:
        raise HubError(str(exc)) from None
    if pidfile:
        Path(pidfile).write_text(f"{running.pid}\n")
    return running.pid
