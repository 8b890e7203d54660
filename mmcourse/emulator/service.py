"""One emulator per user that no kernel owns: a detached process found through a runtime folder.

``mmcourse.setup()`` in any kernel, and every ``mmcourse`` command, reuse the same emulator: the
first one to need it starts ``python -m mmcourse.emulator`` in a session of its own (so shutting
down or restarting that kernel does not take it along); the server writes its pid and URL to
``<runtime folder>/emulator.json`` once it listens and removes the file when it stops. It stops
by itself after ``idle_timeout`` seconds without a request; the next call then starts it again.

The runtime folder is ``$MMCOURSE_RUNTIME_DIR``, else ``$XDG_RUNTIME_DIR/mmcourse``, else
``<temp dir>/mmcourse-<uid>``; it is made with mode 0700 and refused if another user owns it.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from mmcourse.identity import RUNTIME_DIR_ENV

STATE_FILE = "emulator.json"
LOCK_FILE = "emulator.lock"
LOG_FILE = "emulator.log"
IDLE_TIMEOUT = 3600.0  # seconds without a request before a detached emulator stops by itself
START_TIMEOUT = 30.0
# A start lock older than this is left over from a crashed start, and is taken over.
STALE_LOCK_SECONDS = START_TIMEOUT + 10.0


class ServiceError(RuntimeError):
    """The per-user emulator could not be found or started; the message says what to do."""


@dataclass(frozen=True)
class Running:
    """What a running detached emulator wrote about itself."""

    pid: int
    url: str
    version: str = ""


def runtime_dir(env: dict[str, str] | None = None) -> Path:
    """This user's private folder for the emulator's pid, URL and log (made 0700 if missing)."""
    env = os.environ if env is None else env
    if env.get(RUNTIME_DIR_ENV):
        folder = Path(env[RUNTIME_DIR_ENV])
    elif env.get("XDG_RUNTIME_DIR"):
        folder = Path(env["XDG_RUNTIME_DIR"]) / "mmcourse"
    else:
        user = os.getuid() if hasattr(os, "getuid") else os.environ.get("USERNAME", "user")
        folder = Path(tempfile.gettempdir()) / f"mmcourse-{user}"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = folder.stat()
    if hasattr(os, "getuid") and (info.st_uid != os.getuid() or stat.S_IMODE(info.st_mode) & 0o077):
        raise ServiceError(f"{folder} belongs to another user or is open to others: remove it, or set "
                           f"{RUNTIME_DIR_ENV} to a folder of your own")
    return folder


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def read_state(folder: Path | None = None) -> Running | None:
    """The running emulator the runtime folder names, if its process is still alive."""
    path = (folder or runtime_dir()) / STATE_FILE
    try:
        data = json.loads(path.read_text())
        running = Running(int(data["pid"]), str(data["url"]), str(data.get("version", "")))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return running if _alive(running.pid) else None


def write_state(path: Path, url: str, version: str) -> None:
    """Record this process as the running emulator (atomically: readers never see half a file)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_text(json.dumps({"pid": os.getpid(), "url": url, "version": version, "started": time.time()}))
    os.replace(tmp, path)


def clear_state(path: Path) -> None:
    """Remove the state file if it still names this process."""
    with contextlib.suppress(OSError, ValueError, KeyError):
        if json.loads(path.read_text())["pid"] == os.getpid():
            path.unlink()


@contextlib.contextmanager
def start_lock(folder: Path, timeout: float = START_TIMEOUT):
    """Only one process at a time starts the emulator (a lock file; works on every platform)."""
    path = folder / LOCK_FILE
    deadline = time.monotonic() + timeout
    while True:
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            break
        except FileExistsError:
            with contextlib.suppress(OSError):
                if time.time() - path.stat().st_mtime > STALE_LOCK_SECONDS:
                    path.unlink()
                    continue
            if time.monotonic() > deadline:
                raise ServiceError(f"another process has been starting the emulator for {timeout:.0f} s: "
                                   f"remove {path} if no mmcourse process is running") from None
            time.sleep(0.05)
    try:
        os.write(fd, str(os.getpid()).encode())
        os.close(fd)
        yield
    finally:
        with contextlib.suppress(OSError):
            path.unlink()


def spawn(host: str, port: int, folder: Path, idle_timeout: float = IDLE_TIMEOUT,
          extra_args: tuple[str, ...] = (), log_path: Path | None = None) -> subprocess.Popen:
    """Start ``python -m mmcourse.emulator`` detached (its own session), logging to the folder.

    ``idle_timeout`` 0 means it never stops by itself.
    """
    command = [sys.executable, "-m", "mmcourse.emulator", "--host", host, "--port", str(port),
               "--idle-timeout", str(idle_timeout), "--state-file", str(folder / STATE_FILE), *extra_args]
    with open(log_path or folder / LOG_FILE, "ab") as log:
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=log, stderr=log,
                                   close_fds=True, start_new_session=True)
    # Reap it when it exits (no zombie while this process lives); it never depends on us.
    threading.Thread(target=process.wait, name="mmcourse-emulator-reaper", daemon=True).start()
    return process


def start_detached(host: str, port: int, *, folder: Path | None = None, idle_timeout: float = IDLE_TIMEOUT,
                   timeout: float = START_TIMEOUT, extra_args: tuple[str, ...] = (),
                   log_path: Path | None = None) -> Running:
    """Start a detached emulator on ``host:port`` (0: any free port) and wait until it answers."""
    folder = folder or runtime_dir()
    log_path = Path(log_path) if log_path else folder / LOG_FILE
    process = spawn(host, port, folder, idle_timeout, extra_args, log_path)
    deadline = time.monotonic() + timeout
    while True:
        running = read_state(folder)
        if running is not None and running.pid == process.pid and probe(running.url, timeout=1.0) == "mmcourse":
            return running
        if process.poll() is not None:
            raise ServiceError(f"the emulator exited (status {process.returncode}) before answering on "
                               f"{host}:{port}: see {log_path}")
        if time.monotonic() > deadline:
            process.terminate()
            raise ServiceError(f"the emulator did not answer within {timeout:.0f} s: see {log_path}")
        time.sleep(0.05)


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


def stop(folder: Path | None = None, timeout: float = 10.0) -> bool:
    """Stop the detached emulator the runtime folder names (True if one was running)."""
    import signal

    folder = folder or runtime_dir()
    running = read_state(folder)
    if running is None:
        return False
    os.kill(running.pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _alive(running.pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    return True
