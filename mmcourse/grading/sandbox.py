"""The grading kernel: resource limits, then a test harness, then an ordinary IPython kernel.

The grader starts ``python -m mmcourse.grading.sandbox SOCKET MEMORY_MB -f CONNECTION_FILE``.
Before any submission code exists in the process this module

1. caps memory (RLIMIT_AS), file size and core dumps,
2. connects to the grader's private unix socket (the only channel verdicts travel on; cell
   outputs and tracebacks play no part, so silencing them changes nothing),
3. freezes copies of the test helpers whose globals and builtins are snapshots, so a submission
   that patches ``builtins``, ``mmcourse.grading`` or redefines ``expect``/``check`` cannot
   change how tests judge it,
4. starts the harness thread, then hands the main thread to ipykernel.

The harness waits until the grader has executed the student's cells, then receives the tests
(hidden ones only now, after the student's code ran), runs each in its own copy of the
student's namespace with a time limit, and streams one JSON line per test back.
"""

from __future__ import annotations

import builtins
import ctypes
import json
import resource
import socket
import sys
import threading
import types

from mmcourse.grading import testing

HELPERS = ("expect", "last_request", "requests_log", "offline_config")


def apply_limits(memory_mb: int, file_mb: int = 512) -> None:
    """Cap the address space, file sizes and core dumps of this process and its children."""
    if memory_mb > 0:
        limit = memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    size = file_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def freeze_module(module: types.ModuleType) -> dict:
    """A snapshot of a module's namespace whose functions look names up in the snapshot.

    Later patches to the module, or to ``builtins``, do not reach the snapshot's functions.
    """
    frozen = dict(module.__dict__)
    frozen["__builtins__"] = dict(builtins.__dict__)
    for name, value in list(frozen.items()):
        if isinstance(value, types.FunctionType) and value.__module__ == module.__name__:
            copy = types.FunctionType(value.__code__, frozen, value.__name__, value.__defaults__, value.__closure__)
            copy.__kwdefaults__ = value.__kwdefaults__
            frozen[name] = copy
    return frozen


def make_harness(conn: socket.socket):
    """Build the harness loop with every reference it needs bound now, before student code runs."""
    tools = freeze_module(testing)
    pristine_builtins = dict(builtins.__dict__)
    helpers = {name: tools[name] for name in HELPERS}
    call_test, outcome, timeout_exc = tools["call_test"], tools["outcome"], tools["TestTimeout"]
    dumps, loads, Thread, compile_, exec_, dict_ = json.dumps, json.loads, threading.Thread, compile, exec, dict
    set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc
    c_ulong, py_object = ctypes.c_ulong, ctypes.py_object
    get_shell = _shell_getter()

    def run_one(test: dict, user_ns: dict, seed: str, limit: float) -> dict:
        box: dict = {}

        def target():
            error = None
            try:
                ns = dict_(user_ns)
                ns["__builtins__"] = dict_(pristine_builtins)
                ns["__name__"] = "__grading__"
                exec_(compile_(test["source"], test["file"], "exec"), ns)
                ns.update(helpers)  # after the test's own imports, which a submission may have patched
                fn = ns.get(test["name"])
                call_test(fn, seed, test["exercise"])
            except BaseException as exc:  # noqa: B036 - everything the learner's code raises is a verdict
                error = exc
            box["result"] = outcome(
                error, test_file=test["file"], test_source=test["source"],
                show_source=test["kind"] == "visible-tests",
            )

        worker = Thread(target=target, daemon=True)
        worker.start()
        worker.join(limit)
        if worker.is_alive():
            set_async_exc(c_ulong(worker.ident), py_object(timeout_exc))
            worker.join(2.0)
        result = box.get("result") or {"status": "timeout", "message": "ran past the time limit (an endless loop?)"}
        return {"key": test["key"], **result}

    def serve():
        reader = conn.makefile("rb")
        line = reader.readline()
        if not line:
            return
        payload = loads(line)
        shell = get_shell()
        user_ns = shell.user_ns if shell is not None else {}
        for test in payload["tests"]:
            result = run_one(test, user_ns, payload["seed"], payload["timeout"])
            conn.sendall((dumps(result) + "\n").encode("utf-8"))
        conn.sendall(b'{"done": true}\n')

    return serve


def _shell_getter():
    from IPython.core.interactiveshell import InteractiveShell

    def get_shell():
        return InteractiveShell._instance

    return get_shell


def main(argv: list[str]) -> None:
    """Entry point of the grading kernel process."""
    if len(argv) < 3:
        raise SystemExit("usage: python -m mmcourse.grading.sandbox SOCKET MEMORY_MB -f CONNECTION_FILE")
    socket_path, memory_mb, kernel_args = argv[0], int(argv[1]), argv[2:]
    apply_limits(memory_mb)
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(socket_path)
    threading.Thread(target=make_harness(conn), name="mmcourse-harness", daemon=True).start()
    from ipykernel.kernelapp import IPKernelApp

    sys.argv = [sys.argv[0], *kernel_args]
    IPKernelApp.launch_instance()


if __name__ == "__main__":
    main(sys.argv[1:])
