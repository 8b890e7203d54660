"""The processes of one grading batch: the zygote, a reference per assignment, a network per
submission, and one attempt (a sandbox running the cells, then a judge running the tests).

Everything here runs in the grader's own process; code from a submission only ever runs in a
sandbox forked by the zygote (zygote.py, sandbox.py), and verdicts are only ever decided by a
judge forked from the reference (judge.py).
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from mmcourse.grading import wire
from mmcourse.grading.sandbox import (
    SANDBOX_HOME,
    Limits,
    make_cgroups,
    remove_cgroups,
    unsandboxed_uid_drop,
)
from mmcourse.identity import EMULATOR_URL_ENV, SCOPE_ENV

UID_BASE = 720000  # sandboxes run as uids of their own from here on (no name, no files)
START_TIMEOUT = 60.0
SECRET_NAMES = ("API_KEY", "_TOKEN", "SECRET", "PASSWORD", "CREDENTIAL")


class SandboxUnavailable(RuntimeError):
    """This machine cannot build the sandbox, and unsandboxed grading was not asked for."""


@dataclass
class Attempt:
    """What one sandbox run achieved."""

    cell_errors: dict[int, str] = field(default_factory=dict)
    truncated: set[int] = field(default_factory=set)
    fatal_cell: tuple[int, str] | None = None  # (cell index, "timeout" | "crash")
    results: dict[str, dict] = field(default_factory=dict)
    fatal_test: tuple[str, str] | None = None  # (key, "died" | "stuck") of the test that stopped it


def scrub_environment(environ=os.environ) -> list[str]:
    """Remove key-shaped variables from the grader's own environment; return their values."""
    removed = []
    for name in list(environ):
        if any(part in name.upper() for part in SECRET_NAMES) and name != SCOPE_ENV:
            removed.append(environ.pop(name))
    return [v for v in removed if len(v) >= 6]


def package_root() -> Path:
    import mmcourse

    return Path(mmcourse.__file__).resolve().parent.parent


class Child:
    """A forked process (sandbox, reference or judge) and the grader's end of its socket."""

    def __init__(self, pid: int, sock: socket.socket, isolated: bool, cgroups: list[str] | None = None):
        self.pid, self.sock, self.isolated = pid, sock, isolated
        self.cgroups = cgroups or []

    def kill(self) -> None:
        """End it and everything it started (its namespace, or its subreaper's descendants)."""
        with contextlib.suppress(OSError):
            self.sock.close()
        with contextlib.suppress(ProcessLookupError):
            if self.isolated:
                os.kill(self.pid, signal.SIGKILL)
            else:
                os.kill(self.pid, signal.SIGTERM)  # its subreaper kills its descendants first
                for _ in range(50):
                    os.kill(self.pid, 0)
                    time.sleep(0.02)
                os.kill(self.pid, signal.SIGKILL)
        remove_cgroups(self.cgroups)  # whatever escaped the process tree is still in its cgroup


class Batch:
    """Shared context of one ``grade_all``: start with ``with Batch(settings) as batch:``."""

    def __init__(self, settings, log):
        self.settings, self.log = settings, log
        self.secrets = scrub_environment()
        self.scope = secrets.token_hex(12)
        self.root = Path(tempfile.mkdtemp(prefix="mmcourse-batch-"))
        os.chmod(self.root, 0o755)  # unsandboxed learners (another uid) reach their home inside
        self._uids = itertools.count(UID_BASE + (os.getpid() % 1000) * 1000)
        self._spawn_lock = threading.Lock()
        self._references: dict[str, tuple[Child, threading.Lock]] = {}
        self._reference_lock = threading.Lock()
        self._starting: dict[str, threading.Lock] = {}
        self.emulator = None
        self.zygote = None
        self._closing: list[threading.Thread] = []

    # -- start and stop ---------------------------------------------------------------------
    def launch(self) -> None:
        """Start the emulator and the zygote without waiting for them (its imports take a while)."""
        if self.zygote is None:
            try:
                self._launch()
            except BaseException:
                self.close()
                raise

    def __enter__(self) -> Batch:
        try:
            self._launch()
            self._await_ready()
        except BaseException:
            self.close()
            raise
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _launch(self) -> None:
        if self.zygote is not None:
            return
        if self.settings.emulator_url:
            self.origin = self.settings.emulator_url.rstrip("/")
        else:
            from mmcourse.emulator import start

            self.emulator = start(port=0)
            self.origin = self.emulator.base_url.rstrip("/")
        self.port = int(self.origin.rsplit(":", 1)[1].split("/")[0])
        ours, theirs = socket.socketpair()
        env = self.base_env(str(self.root), self.scope)
        debug = os.environ.get("MMCOURSE_GRADER_DEBUG")
        self.zygote = subprocess.Popen(
            [sys.executable, "-m", "mmcourse.grading.zygote", str(theirs.fileno())],
            pass_fds=(theirs.fileno(),), env=env, cwd=self.root, stdin=subprocess.DEVNULL,
            stdout=None if debug else subprocess.DEVNULL, stderr=None if debug else subprocess.DEVNULL)
        theirs.close()
        self._control = ours

    def _await_ready(self) -> None:
        ours = self._control
        ours.settimeout(START_TIMEOUT)
        ready = wire.recv(ours)
        ours.settimeout(None)
        problem = self.sandbox_problem(ready.get("probe"))
        if problem and not self.settings.unsandboxed:
            raise SandboxUnavailable(
                f"{problem}. Grading runs each submission in a Linux namespace sandbox and refuses "
                "to run without one. To grade anyway, on purpose, with NO isolation (submissions can "
                "read your files and each other's), pass --unsandboxed.")
        self.isolated = problem is None and not self.settings.unsandboxed
        why = "asked for with --unsandboxed" if self.settings.unsandboxed else problem
        self.mode = ("linux namespaces (pid, mount, network, ipc, uts), own uid, no_new_privs, "
                     f"memory {self.settings.memory_mb} MB, {self.settings.processes} processes, "
                     f"disk {self.settings.disk_mb} MB" if self.isolated else
                     f"NONE: unsandboxed ({why}); submissions ran " +
                     ("as an unprivileged uid, reading what any user may"
                      if unsandboxed_uid_drop(package_root()) else "with the grader's file access"))

    @staticmethod
    def sandbox_problem(reported: str | None) -> str | None:
        """Why this machine cannot build the sandbox (None when it can), as the zygote found."""
        return reported

    def retire(self, network) -> None:
        """Stop a submission's emulator in the background (uvicorn takes ~0.1 s to notice)."""
        if network is not None:
            thread = threading.Thread(target=network.close, daemon=True)
            thread.start()
            self._closing.append(thread)

    def close(self) -> None:
        for thread in self._closing:
            thread.join(15)
        for child, _ in self._references.values():
            child.kill()
        if self.zygote is not None:
            with contextlib.suppress(OSError):
                self._control.close()
            self.zygote.kill()
            self.zygote.wait()
        if self.emulator is not None:
            self.emulator.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    # -- processes --------------------------------------------------------------------------
    def scope_for(self, assignment) -> str:
        """The emulator scope of one assignment's reference, sandboxes and judges: its own, so
        that one solution's lesson cells (injecting faults) never reach another's requests."""
        return hashlib.sha256(f"{self.scope}:{assignment.stem}".encode()).hexdigest()[:24]

    def base_env(self, home: str, scope: str) -> dict[str, str]:
        """The environment of everything forked for grading: no keys, offline, one emulator URL."""
        env = {k: os.environ[k] for k in ("PATH", "LANG", "LC_ALL", "TZ") if k in os.environ}
        env.update({
            "HOME": home, "TMPDIR": "/tmp", "IPYTHONDIR": str(self.root / ".ipython"),
            "MPLBACKEND": "Agg", "MMCOURSE_MODE": "offline", "MMCOURSE_PLAIN": "1",
            SCOPE_ENV: scope, EMULATOR_URL_ENV: self.origin,
            "PYTHONPATH": str(package_root()), "PYTHONHASHSEED": "0",
            "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
        })
        return env

    def _spawn(self, message: dict, isolated: bool) -> Child:
        with self._spawn_lock:
            wire.send(self._control, message)
            reply = wire.recv(self._control)
            _, fds, _, _ = socket.recv_fds(self._control, 1, 1)
        return Child(int(reply["pid"]), socket.socket(fileno=fds[0]), isolated, message.get("cgroups"))

    def spawn_sandbox(self, network, assignment) -> Child:
        """A fresh sandbox for one attempt at a submission."""
        uid = next(self._uids)
        if self.isolated:
            home, socket_dir = SANDBOX_HOME, network.sandbox_dir
        else:
            home, socket_dir = tempfile.mkdtemp(prefix="home-", dir=self.root), None
            if unsandboxed_uid_drop(package_root()):
                os.chown(home, uid, uid)  # the learner runs as this uid (sandbox.enter_sandbox)
        limits = Limits(memory_mb=self.settings.memory_mb, cpu_seconds=self.settings.cpu_seconds,
                        processes=self.settings.processes, disk_mb=self.settings.disk_mb)
        env = self.base_env(home, self.scope_for(assignment))
        env.pop("IPYTHONDIR")
        cgroups = make_cgroups(f"{self.scope}-{uid}", limits)
        return self._spawn({"kind": "sandbox", "limits": asdict(limits), "package_root": str(package_root()),
                            "socket_dir": socket_dir, "uid": uid, "isolate": self.isolated, "cgroups": cgroups,
                            "port": self.port, "env": env, "output_cap": self.settings.output_cap},
                           self.isolated)

    def reference(self, assignment) -> tuple[Child, threading.Lock]:
        """The assignment's reference process (the solution's cells run once), started on first use."""
        with self._reference_lock:
            if assignment.stem in self._references:
                return self._references[assignment.stem]
            starting = self._starting.setdefault(assignment.stem, threading.Lock())
        with starting:  # one assignment's solution runs while other assignments' start too
            if assignment.stem not in self._references:
                home = tempfile.mkdtemp(prefix="reference-", dir=self.root)
                env = {**self.base_env(home, self.scope_for(assignment)), "PWD": home}
                child = self._spawn({"kind": "reference", "env": env}, False)
                wire.send(child.sock, {"op": "cell", "index": -1, "source": f"import os\nos.chdir({home!r})"})
                wire.recv(child.sock)
                child.sock.settimeout(max(300.0, 5 * self.settings.timeout))
                for index, source in assignment.reference_cells:
                    wire.send(child.sock, {"op": "cell", "index": index, "source": source})
                    reply = wire.recv(child.sock)
                    if reply.get("error"):
                        self.log(f"{assignment.stem}: the solution's cell {index} raised {reply['error']}")
                child.sock.settimeout(None)
                with self._reference_lock:
                    self._references[assignment.stem] = (child, threading.Lock())
            return self._references[assignment.stem]

    def fork_judge(self, assignment, network) -> Child:
        reference, lock = self.reference(assignment)
        message = {"op": "judge", "env": {}, "isolate": self.isolated, "port": self.port,
                   "trusted_socket": network.trusted_socket if network else None}
        with lock:
            wire.send(reference.sock, message)
            reply = wire.recv(reference.sock)
            _, fds, _, _ = socket.recv_fds(reference.sock, 1, 1)
        return Child(int(reply["pid"]), socket.socket(fileno=fds[0]), False)

    def network(self, assignment):
        """A private emulator for one submission (isolated mode), else the batch's one, reset."""
        if self.isolated:
            from mmcourse.grading.network import SubmissionNetwork

            return SubmissionNetwork()
        from mmcourse.config import offline_key, scope_of
        from mmcourse.emulator.control import EmulatorControl

        scope = scope_of(offline_key({"MMCOURSE_SCOPE": self.scope_for(assignment)}))
        with contextlib.suppress(Exception):
            EmulatorControl(self.origin, scope=scope).reset()
        return None

    # -- one attempt ------------------------------------------------------------------------
    def attempt(self, assignment, cells: list[tuple[int, str]], skip: set[int], tests: list[dict],
                network) -> Attempt:
        """Run the cells not in ``skip`` in a fresh sandbox, then ``tests`` through a judge."""
        attempt = Attempt()
        sandbox = self.spawn_sandbox(network, assignment)
        judge = None
        try:
            for index, source in cells:
                if index in skip:
                    continue
                started = time.monotonic()
                try:
                    wire.send(sandbox.sock, {"op": "cell", "index": index, "source": source})
                    sandbox.sock.settimeout(self.settings.timeout)
                    reply = wire.recv(sandbox.sock)
                except (wire.ChannelClosed, OSError):
                    late = time.monotonic() - started >= self.settings.timeout - 0.05
                    attempt.fatal_cell = (index, "timeout" if late else "crash")
                    break
                if reply.get("error"):
                    attempt.cell_errors[index] = str(reply["error"])[:400]
                if reply.get("truncated"):
                    attempt.truncated.add(index)
            if attempt.fatal_cell or not tests:
                return attempt
            sandbox.sock.settimeout(None)
            if network is not None:
                network.testing = True
            judge = self.fork_judge(assignment, network)
            wire.send(judge.sock, {"tests": tests, "seed": self.settings.seed, "timeout": self.settings.timeout,
                                   "names": sorted(assignment.names)})
            socket.send_fds(judge.sock, [b"S"], [sandbox.sock.fileno()])
            judge.sock.settimeout(len(tests) * (self.settings.timeout + 5) + 60)
            self._collect(judge, tests, attempt)
        finally:
            sandbox.kill()
            if judge is not None:
                judge.kill()
            if network is not None:
                network.testing = False
        return attempt

    def _collect(self, judge: Child, tests: list[dict], attempt: Attempt) -> None:
        keys = {t["key"] for t in tests}
        while True:
            try:
                message = wire.recv(judge.sock)
            except wire.ChannelClosed:
                pending = [t["key"] for t in tests if t["key"] not in attempt.results]
                if pending:
                    attempt.fatal_test = (pending[0], "died")
                return
            op = message.get("op")
            if op == "verdict" and message.get("key") in keys:
                attempt.results[message["key"]] = {"status": str(message["status"]),
                                                   "message": str(message.get("message", ""))}
            elif op in ("sandbox-died", "sandbox-stuck"):
                attempt.fatal_test = (message["key"], op.removeprefix("sandbox-"))
                return
            elif op == "done":
                return
