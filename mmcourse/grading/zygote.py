"""A warm interpreter that forks sandboxes and reference solutions in milliseconds.

The grader starts ``python -m mmcourse.grading.zygote FD`` once per batch, with a scrubbed
environment. It imports what notebooks use (IPython, requests, Pillow, numpy, mmcourse), then
forks on request:

- a **sandbox** (``sandbox.enter_sandbox``) that runs one submission's cells in an IPython
  shell and then answers the judge's calls (``rpc.Endpoint``, untrusted side);
- a **reference**: the solution notebook's cells run once per batch, then it forks one
  **judge** per submission, which runs the tests with the learner's names standing in for
  the sandbox's objects and decides every verdict.

The zygote never holds a solution or a hidden test (they go straight to the reference over
its own socket), so nothing forked from it for a submission can find them in memory.
Each child's end of a fresh socket pair goes back to the grader with SCM_RIGHTS.
"""

from __future__ import annotations

import io
import os
import signal
import socket
import sys
import traceback
from pathlib import Path

from mmcourse.grading import rpc, sandbox, wire

WARM_MODULES = ("IPython.core.interactiveshell", "requests", "PIL.Image", "numpy", "json", "base64",
                "matplotlib.pyplot", "pypdf", "wave", "mmcourse", "mmcourse.datasets", "mmcourse.display",
                "mmcourse.grading.testing", "mmcourse.grading.check", "mmcourse.emulator.control")


class CappedOutput(io.TextIOBase):
    """stdout/stderr of a cell: counts what is written, keeps nothing (outputs play no part)."""

    def __init__(self, cap: int):
        self.cap, self.used = cap, 0

    def writable(self) -> bool:
        return True

    def write(self, text) -> int:
        self.used += len(text)
        return len(text)


def make_shell():
    """A plain IPython shell (no kernel, no history database)."""
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    config = Config()
    config.HistoryManager.enabled = False
    config.InteractiveShell.colors = "NoColor"
    return InteractiveShell.instance(config=config)


def run_cell(shell, source: str, cap: int) -> dict:
    """Run one cell; report whether it raised and whether it printed more than ``cap``."""
    out = CappedOutput(cap)
    saved = sys.stdout, sys.stderr
    sys.stdout = sys.stderr = out
    try:
        result = shell.run_cell(source, store_history=False)
        error = result.error_before_exec or result.error_in_exec
        text = None
        if error is not None:
            try:
                text = f"{type(error).__name__}: {str(error)[:300]}"
            except BaseException:  # noqa: B036 - a hostile __str__
                text = type(error).__name__
    finally:
        sys.stdout, sys.stderr = saved
    return {"op": "cell-done", "error": text, "truncated": out.used > cap}


def _is_learner_file(filename: str) -> bool:
    return filename.startswith("<") or "/ipykernel_" in filename or "ipython-input" in filename


# --- the sandbox side ---------------------------------------------------------------------------


def learner_main(sock: socket.socket, shell, settings: dict) -> None:
    """In the sandbox: run cells as asked, then answer calls on the learner's objects."""
    from mmcourse.grading.testing import TestTimeout, run_in_sandbox

    if settings.get("port") and settings.get("isolate"):
        from mmcourse.grading.network import forward_port

        forward_port(int(settings["port"]), f"{sandbox.SOCKET_DIR}/emulator.sock")
    rpc.install_alarm_handler(TestTimeout)
    endpoint = rpc.Endpoint(sock, trusted=False, is_learner_file=_is_learner_file)
    endpoint.objects[0] = shell.user_ns
    endpoint.objects[-1] = run_in_sandbox
    while True:
        try:
            message = wire.recv(sock)
        except wire.ChannelClosed:
            return
        if message.get("op") == "cell":
            wire.send(sock, {**run_cell(shell, str(message.get("source", "")), int(settings["output_cap"])),
                             "index": message.get("index")})
        else:
            endpoint.serve(message)


# --- the reference side -------------------------------------------------------------------------


def reference_main(sock: socket.socket, shell, settings: dict) -> None:
    """The solution notebook's cells, once; then one judge forked per submission."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    while True:
        try:
            message = wire.recv(sock)
        except wire.ChannelClosed:
            return
        if message.get("op") == "cell":
            wire.send(sock, {**run_cell(shell, str(message.get("source", "")), 1 << 30),
                             "index": message.get("index")})
        elif message.get("op") == "judge":
            _fork(sock, lambda child, message=message: _judge_child(child, shell, message))


def _judge_child(sock: socket.socket, shell, message: dict) -> None:
    from mmcourse.grading import judge

    sandbox.die_with_parent()
    os.environ.update({str(k): str(v) for k, v in (message.get("env") or {}).items()})
    if message.get("isolate"):
        from mmcourse.grading.network import forward_port

        sandbox.enter_network_namespace()
        forward_port(int(message["port"]), str(message["trusted_socket"]))
    judge.judge_main(sock, shell.user_ns)


# --- the zygote ---------------------------------------------------------------------------------


def _fork(control: socket.socket, child_main) -> None:
    """Fork a child that runs ``child_main(its socket)``; send the grader our end and its pid."""
    ours, theirs = socket.socketpair()
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            control.close()
            ours.close()
            child_main(theirs)
        except BaseException:  # noqa: B036 - a child reports and ends, it never returns to the loop
            traceback.print_exc()
            code = 70
        os._exit(code)
    theirs.close()
    wire.send(control, {"pid": pid})
    socket.send_fds(control, [b"F"], [ours.fileno()])
    ours.close()


def _sandbox_child(sock: socket.socket, shell, message: dict) -> None:
    limits = sandbox.Limits(**message["limits"])
    sandbox.enter_sandbox(Path(message["package_root"]), message.get("socket_dir"), limits,
                          int(message["uid"]), keep_fds=(sock.fileno(),), isolate=bool(message["isolate"]),
                          cgroups=tuple(message.get("cgroups") or ()))
    os.environ.clear()
    os.environ.update({str(k): str(v) for k, v in message["env"].items()})
    learner_main(sock, shell, message)


def _reference_child(sock: socket.socket, shell, message: dict) -> None:
    sandbox.die_with_parent()
    os.environ.update({str(k): str(v) for k, v in message["env"].items()})
    reference_main(sock, shell, message)


def main(argv: list[str]) -> None:
    control = socket.socket(fileno=int(argv[0]))
    sandbox.die_with_parent()
    for name in WARM_MODULES:
        try:
            __import__(name)
        except Exception:  # noqa: BLE001 - a missing optional module only costs speed
            pass
    shell = make_shell()
    problem = sandbox.probe()
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    wire.send(control, {"ready": True, "probe": problem})
    while True:
        try:
            message = wire.recv(control)
        except wire.ChannelClosed:
            return
        kind = message.get("kind")
        if kind == "sandbox":
            _fork(control, lambda child, message=message: _sandbox_child(child, shell, message))
        elif kind == "reference":
            _fork(control, lambda child, message=message: _reference_child(child, shell, message))


if __name__ == "__main__":
    main(sys.argv[1:])
