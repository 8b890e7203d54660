"""One emulator per user that no kernel owns: a detached process found through a runtime folder.

``mmcourse.setup()`` in any kernel, and every ``mmcourse`` command, reuse the same emulator: the
first one to need it starts ``python -m mmcourse.emulator`` in a session of its own (so shutting
down or restarting that kernel does not take it along); the server writes its pid and URL to
``<runtime folder>/emulator.json`` once it listens and removes the file when it stops. It stops
by itself after ``idle_timeout`` seconds without a request; the next call then starts it again.

The runtime folder is ``$MMCOURSE_RUNTIME_DIR``, else ``$XDG_RUNTIME_DIR/mmcourse``, else
``<temp dir>/mmcourse-<uid>``; it is made with mode 0700 and refused if another user owns it.

On a shared machine another user's emulator may hold 127.0.0.1:8765. Each user's folder holds a
random owner key (``owner.key``, mode 0600); an emulator started by that user answers a health
check's ``owner_challenge`` with an HMAC of it (``owner_proof``), so a client reuses an emulator
only when it proves to be its user's own (``ownership``). ``status_lines`` is ``mmcourse doctor``'s
view of the folder.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
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
OWNER_FILE = "owner.key"
OWNER_CHALLENGE = "owner_challenge"  # health-check query parameter; the answer is "owner_proof"
MAX_CHALLENGE_CHARS = 128
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
    started: float | None = None  # time.time() when it began to listen
    idle_timeout: float | None = None  # seconds without a request before it stops (0/None: never)


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
    running = recorded_state(folder)
    return running if running is not None and _alive(running.pid) else None


def recorded_state(folder: Path | None = None) -> Running | None:
    """What the state file says, whether or not its process still lives (None: no readable file)."""
    path = (folder or runtime_dir()) / STATE_FILE
    try:
        data = json.loads(path.read_text())
        return Running(int(data["pid"]), str(data["url"]), str(data.get("version", "")),
                       _number(data.get("started")), _number(data.get("idle_timeout")))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _number(value) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def write_state(path: Path, url: str, version: str, idle_timeout: float | None = None) -> None:
    """Record this process as the running emulator (atomically: readers never see half a file)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}")
    tmp.write_text(json.dumps({"pid": os.getpid(), "url": url, "version": version, "started": time.time(),
                               "idle_timeout": idle_timeout}))
    os.replace(tmp, path)


# ---------------------------------------------------------------- whose emulator it is


def owner_key(folder: Path | None = None) -> bytes:
    """This user's owner key (made on first use: 32 random bytes, hex, in a 0600 file)."""
    path = (folder or runtime_dir()) / OWNER_FILE
    with contextlib.suppress(FileExistsError):
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_hex(32))
    key = path.read_bytes().strip()
    if len(key) < 32:
        raise ServiceError(f"{path} is damaged (too short): remove it; the next start makes a new one")
    return key


def own_key() -> bytes | None:
    """This user's owner key for an emulator this process serves; None where there is no private
    runtime folder (the emulator then proves no owner, and nobody reuses it by its port alone)."""
    try:
        return owner_key()
    except (ServiceError, OSError):
        return None


def owner_proof(key: bytes, challenge: str) -> str:
    """The answer to a health check's ``owner_challenge``: HMAC-SHA256 of it under the owner key."""
    return hmac.new(key, challenge.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def health_extra(key: bytes | None, query) -> dict:
    """What the health answer adds for an ``owner_challenge`` (nothing without a key or challenge)."""
    challenge = query.get(OWNER_CHALLENGE)
    if key is None or not challenge or len(challenge) > MAX_CHALLENGE_CHARS:
        return {}
    return {"owner_proof": owner_proof(key, challenge)}


def ownership(url: str, folder: Path | None = None, timeout: float = 2.0) -> str:
    """Whose emulator answers at ``url``: ``"mine"`` (it proved this user's owner key),
    ``"another"`` (an mmcourse emulator that did not: another user's, or one started without a
    key), ``"other"`` (not the emulator) or ``"absent"``."""
    key = owner_key(folder)
    challenge = secrets.token_hex(16)
    body = _health(url, f"?{OWNER_CHALLENGE}={challenge}", timeout)
    if not isinstance(body, dict):
        return body
    proof = body.get("owner_proof")
    mine = isinstance(proof, str) and hmac.compare_digest(proof, owner_proof(key, challenge))
    return "mine" if mine else "another"


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
               "--idle-timeout", str(idle_timeout), "--state-file", str(folder / STATE_FILE),
               "--owner-key-file", str(folder / OWNER_FILE), *extra_args]
    owner_key(folder)  # made before the child reads it
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
    body = _health(url, "", timeout)
    return "mmcourse" if isinstance(body, dict) else body


def _health(url: str, query: str, timeout: float) -> dict | str:
    """The emulator's health answer at ``url`` (a dict), else ``"other"`` (something else
    answers) or ``"absent"`` (nothing does)."""
    try:
        with urllib.request.urlopen(f"{url.rstrip('/')}/_mmcourse/health{query}", timeout=timeout) as r:
            body = json.loads(r.read(65536) or b"{}")
    except urllib.error.HTTPError:
        return "other"
    except (urllib.error.URLError, OSError):
        return "absent"
    except ValueError:
        return "other"
    return body if isinstance(body, dict) and body.get("emulator") == "mmcourse" else "other"


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


# ---------------------------------------------------------------- mmcourse doctor


def status_lines(folder: Path | None = None, default_url: str | None = None) -> list[str]:
    """``mmcourse doctor``'s view of this user's detached emulator: whether it runs (pid, URL,
    idle shutdown), stale files left by a crash, and what to do about them. ``default_url``:
    the shared port's origin, said to be another user's when its emulator is not this user's."""
    try:
        folder = folder or runtime_dir()
    except ServiceError as exc:
        return [f"emulator  {exc}"]
    lines = [f"emulator  runtime folder {folder}"]
    state = folder / STATE_FILE
    recorded = recorded_state(folder)
    mine_at: str | None = None
    if recorded is None:
        lines.append(f"emulator  {state} is unreadable: remove it; the next mmcourse.setup() starts a new emulator"
                     if state.exists() else
                     "emulator  no detached emulator is running; the next mmcourse.setup() or mmcourse command starts one")
    elif not _alive(recorded.pid):
        lines.append(f"emulator  stale: {state} names pid {recorded.pid} at {recorded.url}, which is gone (it "
                     "crashed, was killed or the machine restarted): remove that file, or just run "
                     "mmcourse.setup(), which starts a new emulator")
    else:
        who = ownership(recorded.url, folder)
        if who == "mine":
            mine_at = recorded.url
            lines.append(f"emulator  running: pid {recorded.pid} at {recorded.url} (version {recorded.version or '?'}"
                         f"{_uptime(recorded)}); {_idle_text(recorded.idle_timeout)}")
        elif who == "absent":
            lines.append(f"emulator  pid {recorded.pid} is alive but nothing answers at {recorded.url}: it is "
                         f"starting, or hung; if this lasts, stop it (kill {recorded.pid}) and run mmcourse.setup()")
        else:
            lines.append(f"emulator  stale: pid {recorded.pid} is now another program and {recorded.url} is not your "
                         f"emulator: remove {state}; the next mmcourse.setup() starts a new one")
    lock = folder / LOCK_FILE
    with contextlib.suppress(OSError):
        age = time.time() - lock.stat().st_mtime
        lines.append(f"emulator  stale start lock {lock} ({age:.0f} s old): remove it (a start that crashed left it)"
                     if age > STALE_LOCK_SECONDS else
                     f"emulator  being started right now ({lock}, {age:.0f} s old)")
    if default_url and default_url.rstrip("/") != (mine_at or "").rstrip("/"):
        who = ownership(default_url, folder, timeout=1.0)
        if who == "another":
            lines.append(f"emulator  {default_url} is an emulator that is not yours (another user's on this machine): "
                         "yours runs on its own port, as above")
        elif who == "mine":
            lines.append(f"emulator  {default_url}: your emulator (started in the foreground or by a kernel)")
    if (folder / LOG_FILE).exists():
        lines.append(f"emulator  log {folder / LOG_FILE}")
    return lines


def _uptime(running: Running) -> str:
    if running.started is None:
        return ""
    return f", up {_duration(max(0.0, time.time() - running.started))}"


def _idle_text(idle_timeout: float | None) -> str:
    if not idle_timeout:
        return "it never stops by itself (stop it: kill its pid)"
    return f"it stops by itself after {_duration(idle_timeout)} without a request (the next call starts it again)"


def _duration(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
