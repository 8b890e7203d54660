"""The offline emulator: a real local HTTP server speaking the OpenAI, Anthropic and Gemini wire
formats on one origin (OpenAI base ``<origin>/v1``, Anthropic and Gemini base ``<origin>``).

>>> with start() as emu:                                       # doctest: +SKIP
...     requests.post(emu.base_url + "/v1/chat/completions", ...)

``ensure_running()`` returns the origin of an emulator, reusing one that already answers.
How answers are produced: see ``mmcourse/emulator/README.md``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import sys
import threading
import time
import urllib.parse
from pathlib import Path

from mmcourse import identity
from mmcourse.emulator import service
from mmcourse.emulator.app import VERSION, EmulatorApp, create_app, warm_up
from mmcourse.emulator.control import EmulatorControl
from mmcourse.emulator.service import probe
from mmcourse.emulator.state import EmulatorState, Settings

DEFAULT_HOST = identity.DEFAULT_HOST
DEFAULT_PORT = identity.DEFAULT_PORT
DEFAULT_URL = identity.DEFAULT_EMULATOR_URL
ENV_URL = identity.EMULATOR_URL_ENV
START_TIMEOUT = 15.0
LOOPBACK = ("127.0.0.1", "localhost", "::1")

__all__ = ["DEFAULT_URL", "Emulator", "EmulatorControl", "VERSION", "ensure_running", "main",
           "probe", "serve", "start"]


class Emulator:
    """A running emulator in a background thread; a context manager that stops it on exit."""

    def __init__(self, app: EmulatorApp, server, thread: threading.Thread, host: str, port: int) -> None:
        self.app = app
        self._server = server
        self._thread = thread
        self.host = host
        self.port = port

    @property
    def base_url(self) -> str:
        """The origin, e.g. ``http://127.0.0.1:8765`` (OpenAI's base URL is this + ``/v1``)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    origin = base_url

    @property
    def state(self):
        """The live EmulatorState (faults, limits, log) for in-process control."""
        return self.app.state

    @property
    def control(self) -> EmulatorControl:
        """An admin client for the default scope; ``EmulatorControl(url, scope=...)`` for others."""
        return EmulatorControl(self.base_url)

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and not self._server.should_exit

    def stop(self, timeout: float = 10.0) -> None:
        """Stop serving and wait for the thread to end."""
        self._server.should_exit = True
        self._thread.join(timeout)

    def __enter__(self) -> Emulator:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def __repr__(self) -> str:
        return f"<mmcourse Emulator {self.base_url} {'running' if self.running else 'stopped'}>"


def start(host: str = DEFAULT_HOST, port: int = 0, **settings) -> Emulator:
    """Start an emulator in a background thread of this process (``port=0`` picks a free port).

    Settings: ``video_processing_seconds`` (Gemini videos stay PROCESSING that long, default 2.0),
    ``max_file_store_bytes``, ``max_log_records``, ``admin_token``. For tests and graders: it stops
    with this process. ``ensure_running()`` gives notebooks one that outlives their kernels.
    """
    import uvicorn

    app = create_app(EmulatorState(Settings().updated(**settings)), owner_key=service.own_key())
    warm_up()
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off",
                            access_log=False)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"mmcourse-emulator-{port}", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT
    while not server.started:
        if not thread.is_alive():
            raise OSError(f"the emulator could not listen on {host}:{port} (is the port in use?)")
        if time.monotonic() > deadline:
            server.should_exit = True
            raise TimeoutError(f"the emulator did not start on {host}:{port} within {START_TIMEOUT} s")
        time.sleep(0.01)
    real_port = server.servers[0].sockets[0].getsockname()[1]
    return Emulator(app, server, thread, host, real_port)


_RUNNING: Emulator | None = None  # only when a detached emulator could not be started
_LOCK = threading.Lock()


def ensure_running(url: str | None = None, **settings) -> str:
    """The origin of a running mmcourse emulator, starting this user's detached one if needed.

    Reuses, in this order, the emulator at ``url`` or ``$MMCOURSE_EMULATOR_URL`` (a class-wide
    or Binder one), this user's detached emulator (its runtime folder says where), or this
    user's own at http://127.0.0.1:8765 (one that proves this user's owner key: never another
    user's on a shared machine). Otherwise starts a detached emulator (see ``service``) that every
    kernel and ``mmcourse`` command then shares and that outlives them all: on port 8765, or on
    a free port when something else holds 8765 (said on stderr, exported as
    ``MMCOURSE_EMULATOR_URL``).
    """
    explicit = url.rstrip("/") if url else identity.explicit_emulator_url()
    with _LOCK:
        if _RUNNING is not None and _RUNNING.running and explicit in (None, _RUNNING.base_url):
            return _RUNNING.base_url
        if explicit:
            return _ensure_at(explicit, "the url argument" if url else ENV_URL, settings)
        folder = service.runtime_dir()
        running = service.read_state(folder)
        # Only an emulator that proves this user's owner key is reused (service.ownership): on a
        # shared machine, 8765 (or a port a dead emulator left) may be another user's.
        if running is not None and service.ownership(running.url, folder) == "mine":
            return running.url
        found = service.ownership(DEFAULT_URL, folder)
        if found == "mine":
            return DEFAULT_URL
        default = urllib.parse.urlsplit(DEFAULT_URL)
        with service.start_lock(folder):
            running = service.read_state(folder)  # another kernel may have started it meanwhile
            if running is not None and service.ownership(running.url, folder) == "mine":
                return running.url
            if found == "absent":
                started = _start_service(default.hostname, default.port or DEFAULT_PORT, settings, folder)
                if started:
                    return started
                found = service.ownership(DEFAULT_URL, folder)  # what won the race for the port
                if found == "mine":
                    return DEFAULT_URL
            started = _start_service(DEFAULT_HOST, 0, settings, folder) or _start_in_process(settings)
        holder = {"another": "an emulator that cannot prove it is yours (another user's on this machine, "
                             "or an older mmcourse's)"}.get(found, "taken by another program")
        print(f"mmcourse: {DEFAULT_URL} is {holder}; started your offline emulator on {started} instead "
              f"(exported as {ENV_URL}).", file=sys.stderr)
        os.environ[ENV_URL] = started
        return started


def _ensure_at(target: str, source: str, settings: dict) -> str:
    """An emulator at an explicit origin: reuse it, or start one there if it is a local address."""
    found = probe(target)
    if found == "mmcourse":
        return target
    if found == "other":
        raise RuntimeError(f"{target} (from {source}) answers, but it is not the mmcourse emulator: "
                           "point it at a free port or unset it.")
    parts = urllib.parse.urlsplit(target)
    if parts.hostname not in LOOPBACK:
        raise RuntimeError(f"nothing answers at {target} (from {source}) and it is not a local address the "
                           "emulator could start on: fix or unset it.")
    folder = service.runtime_dir()
    with service.start_lock(folder):
        if probe(target) == "mmcourse":
            return target
        started = _start_service(parts.hostname, parts.port or DEFAULT_PORT, settings, folder)
    if started:
        return started
    if probe(target) == "mmcourse":
        return target
    global _RUNNING
    _RUNNING = start(parts.hostname, parts.port or DEFAULT_PORT, **settings)
    return _RUNNING.base_url


def _start_service(host: str, port: int, settings: dict, folder: Path) -> str | None:
    """Start the detached emulator; None when it could not listen there."""
    Settings().updated(**settings)  # unknown settings fail here, in the caller's process
    extra = ("--settings", json.dumps(settings)) if settings else ()
    try:
        return service.start_detached(host, port, folder=folder, extra_args=extra).url
    except service.ServiceError:
        return None


def _start_in_process(settings: dict) -> str:
    """Last resort (no process could be started): an emulator in this process, on a free port."""
    global _RUNNING
    _RUNNING = start(DEFAULT_HOST, 0, **settings)
    print(f"mmcourse: could not start a detached emulator (see {service.runtime_dir() / service.LOG_FILE}); "
          "started one inside this process, which stops with it.", file=sys.stderr)
    return _RUNNING.base_url


def serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, *, idle_timeout: float | None = None,
          state_file: str | Path | None = None, owner_key_file: str | Path | None = None, **settings) -> None:
    """Run the emulator in the foreground until interrupted (or ``idle_timeout`` s without a request).

    ``MMCOURSE_ADMIN_TOKEN`` in the environment locks the admin endpoints per scope (a class).
    ``state_file`` receives ``{"pid", "url"}`` once it listens (removed when it stops).
    ``owner_key_file`` (default: this user's runtime folder's) proves to this user's kernels that
    the emulator is theirs (``service.ownership``).
    """
    import uvicorn

    token = identity.admin_token()
    if token and "admin_token" not in settings:
        settings["admin_token"] = token
    key = Path(owner_key_file).read_bytes().strip() if owner_key_file else service.own_key()
    app = create_app(EmulatorState(Settings().updated(**settings)), owner_key=key)
    warm_up()
    config = uvicorn.Config(app, host=host, port=port, log_level="warning", lifespan="off", access_log=False)
    asyncio.run(_serve(_ForegroundServer(config), app, host, idle_timeout, Path(state_file) if state_file else None))


def _ForegroundServer(config):
    """A uvicorn server whose SIGINT/SIGTERM ``_serve`` handles: uvicorn's own handling re-raises
    the signal after shutdown, which would end the process before the state file is removed."""
    import uvicorn

    class Server(uvicorn.Server):
        @contextlib.contextmanager
        def capture_signals(self):
            yield

    return Server(config)


async def _serve(server, app: EmulatorApp, host: str, idle_timeout: float | None, state_file: Path | None) -> None:
    def stop_serving(*_) -> None:
        server.should_exit = True

    for signum in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signum, stop_serving)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            await task
            raise OSError(f"the emulator could not listen on {host}:{server.config.port} (is the port in use?)")
        await asyncio.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    origin = f"http://{f'[{host}]' if ':' in host else host}:{port}"
    print(f"mmcourse offline emulator {VERSION} on {origin} (pid {os.getpid()})\n"
          f"  OpenAI base URL:    {origin}/v1\n"
          f"  Anthropic base URL: {origin}\n"
          f"  Gemini base URL:    {origin}  (paths /v1beta/... and /v1/...)\n"
          f"  admin:              {origin}/_mmcourse/health", file=sys.stderr, flush=True)
    if state_file is not None:
        service.write_state(state_file, origin, VERSION, idle_timeout)
    try:
        while not task.done():
            await asyncio.wait([task], timeout=1.0 if not idle_timeout else min(1.0, idle_timeout / 10))
            if idle_timeout and time.monotonic() - app.last_request > idle_timeout:
                print(f"mmcourse emulator: no request for {idle_timeout:.0f} s, stopping", file=sys.stderr)
                server.should_exit = True
        await task
    finally:
        if state_file is not None:
            service.clear_state(state_file)


def main(argv: list[str] | None = None) -> int:
    """``mmcourse emulator`` / ``python -m mmcourse.emulator``: serve in the foreground."""
    parser = argparse.ArgumentParser(prog="mmcourse emulator", description=serve.__doc__)
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--video-processing-seconds", type=float, default=Settings.video_processing_seconds)
    parser.add_argument("--idle-timeout", type=float, default=None,
                        help="stop after this many seconds without a request (default: never)")
    parser.add_argument("--state-file", default=None, help="write {pid, url} here once listening")
    parser.add_argument("--settings", default=None, help="more emulator settings as a JSON object")
    parser.add_argument("--owner-key-file", default=None,
                        help="the owner key it proves itself with (default: this user's runtime folder's)")
    args = parser.parse_args(argv)
    settings = {"video_processing_seconds": args.video_processing_seconds}
    if args.settings:
        settings.update(json.loads(args.settings))
    serve(args.host, args.port, idle_timeout=args.idle_timeout, state_file=args.state_file,
          owner_key_file=args.owner_key_file, **settings)
    return 0
