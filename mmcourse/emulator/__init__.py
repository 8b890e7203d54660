"""The offline emulator: a real local HTTP server speaking the OpenAI, Anthropic and Gemini wire
formats on one origin (OpenAI base ``<origin>/v1``, Anthropic and Gemini base ``<origin>``).

>>> with start() as emu:                                       # doctest: +SKIP
...     requests.post(emu.base_url + "/v1/chat/completions", ...)

``ensure_running()`` returns the origin of an emulator, reusing one that already answers.
How answers are produced: see ``mmcourse/emulator/README.md``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

from mmcourse.emulator.app import VERSION, EmulatorApp, create_app
from mmcourse.emulator.control import EmulatorControl
from mmcourse.emulator.state import EmulatorState, Settings

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
DEFAULT_URL = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"
ENV_URL = "MMCOURSE_EMULATOR_URL"
START_TIMEOUT = 15.0

__all__ = ["DEFAULT_URL", "Emulator", "EmulatorControl", "VERSION", "ensure_running", "main",
           "serve", "start"]


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
    """Start an emulator in a background thread (``port=0`` picks a free port) and return it.

    Settings: ``video_processing_seconds`` (Gemini videos stay PROCESSING that long, default 2.0),
    ``max_file_store_bytes``, ``max_log_records``.
    """
    import uvicorn

    app = create_app(EmulatorState(Settings().updated(**settings)))
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


def probe(url: str, timeout: float = 2.0) -> str:
    """What answers at ``url``: ``"mmcourse"``, ``"other"`` (something else) or ``"absent"``."""
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/_mmcourse/health", timeout=timeout) as r:
            body = json.loads(r.read(65536) or b"{}")
    except urllib.error.HTTPError:
        return "other"
    except (urllib.error.URLError, OSError):
        return "absent"
    except ValueError:
        return "other"
    return "mmcourse" if isinstance(body, dict) and body.get("emulator") == "mmcourse" else "other"


_RUNNING: Emulator | None = None
_LOCK = threading.Lock()


def ensure_running(url: str | None = None, **settings) -> str:
    """The origin of a running mmcourse emulator, starting one in the background if needed.

    Reuses the emulator at ``url``, ``$MMCOURSE_EMULATOR_URL`` or http://127.0.0.1:8765 when the
    health check proves it is one. If the default port is taken by something else, starts on a
    free port instead, says so on stderr and exports ``MMCOURSE_EMULATOR_URL``.
    """
    global _RUNNING
    explicit = url or os.environ.get(ENV_URL)
    target = (explicit or DEFAULT_URL).rstrip("/")
    with _LOCK:
        if _RUNNING is not None and _RUNNING.running and _RUNNING.base_url == target:
            return target
        found = probe(target)
        if found == "mmcourse":
            return target
        parsed = urllib.parse.urlsplit(target)
        loopback = parsed.hostname in ("127.0.0.1", "localhost", "::1")
        if found == "other" and explicit:
            raise RuntimeError(f"{target} (from {'the url argument' if url else ENV_URL}) answers, but "
                               "it is not the mmcourse emulator: point it at a free port or unset it.")
        if found == "absent" and explicit and not loopback:
            raise RuntimeError(f"nothing answers at {target} (from {ENV_URL}) and it is not a local "
                               "address the emulator could start on: fix or unset it.")
        if found == "absent" and loopback:
            try:
                _RUNNING = start(parsed.hostname, parsed.port or DEFAULT_PORT, **settings)
                return _RUNNING.base_url
            except OSError:
                if probe(target) == "mmcourse":  # another process won the race for the port
                    return target
        _RUNNING = start(DEFAULT_HOST, 0, **settings)
        print(f"mmcourse: {target} is taken by another program; started the offline emulator on "
              f"{_RUNNING.base_url} instead (exported as {ENV_URL}).", file=sys.stderr)
        os.environ[ENV_URL] = _RUNNING.base_url
        return _RUNNING.base_url


def serve(host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, **settings) -> None:
    """Run the emulator in the foreground until interrupted.

    ``MMCOURSE_ADMIN_TOKEN`` in the environment locks the admin endpoints per scope (a class).
    """
    import uvicorn

    if os.environ.get("MMCOURSE_ADMIN_TOKEN") and "admin_token" not in settings:
        settings["admin_token"] = os.environ["MMCOURSE_ADMIN_TOKEN"]
    app = create_app(EmulatorState(Settings().updated(**settings)))
    origin = f"http://{host}:{port}"
    print(f"mmcourse offline emulator {VERSION} on {origin}\n"
          f"  OpenAI base URL:    {origin}/v1\n"
          f"  Anthropic base URL: {origin}\n"
          f"  Gemini base URL:    {origin}  (paths /v1beta/... and /v1/...)\n"
          f"  admin:              {origin}/_mmcourse/health", file=sys.stderr)
    uvicorn.run(app, host=host, port=port, log_level="warning", lifespan="off")


def main(argv: list[str] | None = None) -> int:
    """``mmcourse emulator`` / ``python -m mmcourse.emulator``: serve in the foreground."""
    parser = argparse.ArgumentParser(prog="mmcourse emulator", description=serve.__doc__)
    parser.add_argument("--host", default=DEFAULT_HOST)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    parser.add_argument("--video-processing-seconds", type=float, default=Settings.video_processing_seconds)
    args = parser.parse_args(argv)
    serve(args.host, args.port, video_processing_seconds=args.video_processing_seconds)
    return 0
