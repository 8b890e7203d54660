"""The judge: runs an exercise's tests in the reference solution's process and decides verdicts.

A judge is forked from the reference (the solution notebook, executed once per batch) for one
submission. Each test runs here, in a copy of the reference's namespace from which the
learner's names (what the exercise's solution cells define) are removed and replaced by
stand-ins for the sandbox's objects (``rpc.Stub``). So everything a test computes, its
expected values, its ``assert``s, ``expect``, the emulator's log, happens here, outside the
sandbox; the sandbox only runs the learner's functions and hands back their values.
"""

from __future__ import annotations

import socket
import time

from mmcourse.grading import rpc, testing, wire

HELPERS = ("expect", "last_request", "requests_log", "offline_config")
SETUP_REF = -1  # the sandbox's run_in_sandbox (zygote.learner_main registers it)
GRACE = 2.0  # seconds past a test's time limit before the sandbox counts as stuck


def learner_values(endpoint: rpc.Endpoint, names: list[str]) -> dict:
    """The sandbox's current values of the learner's names (missing ones are left out)."""
    found = {}
    for name in names:
        try:
            found[name] = endpoint.request("getitem", 0, (name,))
        except (rpc.SandboxDied, rpc.SandboxStuck):
            raise
        except BaseException:  # noqa: B036 - KeyError (not defined) or anything a sandbox raises
            continue
    return found


def run_test(test: dict, base: dict, endpoint: rpc.Endpoint, names: list[str], seed: str,
             timeout: float) -> tuple[dict, str | None]:
    """One test's {"status", "message"}, and "died"/"stuck" when the sandbox stopped answering."""
    endpoint.forget()
    endpoint.deadline = time.monotonic() + timeout + GRACE
    endpoint.call_timeout = timeout
    problem = None
    error: BaseException | None = None
    try:
        ns = {k: v for k, v in base.items() if k not in names}
        ns.update(learner_values(endpoint, names))
        ns.update({name: getattr(testing, name) for name in HELPERS})
        ns["run_in_sandbox"] = testing.run_in_sandbox
        ns["__name__"] = "__grading__"
        exec(compile(test["source"], test["file"], "exec"), ns)  # noqa: S102 - the author's test
        testing.call_test(ns[test["name"]], seed, test["exercise"])
    except rpc.SandboxDied:
        problem = "died"
    except rpc.SandboxStuck:
        problem = "stuck"
    except BaseException as exc:  # noqa: B036 - every outcome of a test is a verdict
        error = exc
    finally:
        endpoint.deadline = None
    if problem == "died":
        return {"status": testing.CRASHED, "message": "the sandbox died while this test ran"}, problem
    if problem == "stuck":
        return {"status": testing.TIMEOUT, "message": "ran past the time limit (an endless loop?)"}, problem
    return testing.outcome(error, test_file=test["file"], test_source=test["source"],
                           show_source=test["kind"] == "visible-tests"), None


def judge_main(sock: socket.socket, base: dict) -> None:
    """Receive the plan and the sandbox's socket from the grader; stream one verdict per test."""
    plan = wire.recv(sock)
    _, fds, _, _ = socket.recv_fds(sock, 1, 1)
    sandbox_sock = socket.socket(fileno=fds[0])
    endpoint = rpc.Endpoint(sandbox_sock, trusted=True)
    testing._SANDBOX_HOOK[:] = [lambda source: endpoint.request("call", SETUP_REF, (str(source),))]
    names = [str(n) for n in plan["names"]]
    for test in plan["tests"]:
        result, problem = run_test(test, base, endpoint, names, str(plan["seed"]), float(plan["timeout"]))
        wire.send(sock, {"op": "verdict", "key": test["key"], **result})
        if problem:
            wire.send(sock, {"op": "sandbox-" + problem, "key": test["key"]})
            return
    wire.send(sock, {"op": "done"})
