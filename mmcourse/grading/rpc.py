"""Calls across the grading channel: the judge calls the learner's functions in the sandbox.

Both ends hold an ``Endpoint``. The judge (trusted) sends ``call``/``getattr``/``next``... on a
numbered reference and waits for ``result`` or ``raised``; while it waits, the sandbox may call
back into the few objects the judge handed it (a ``sleep`` function, ``list.append``). Only
values cross (wire.py); a sandbox that lies can only lie about what the learner's code
returned. The judge side refuses anything but calling what it passed and reading public
attributes, so nothing on the sandbox's side can reach the judge's modules or globals.
"""

from __future__ import annotations

import signal
import socket
import sys
import time

from mmcourse.grading import wire

REQUESTS = ("call", "getattr", "iter", "next", "len", "getitem", "contains", "bool", "repr", "str")
REMOTE_OPS_FOR_TRUSTED = ("call", "getattr")  # all a sandbox may do with the judge's objects


class SandboxDied(BaseException):
    """The sandbox closed the channel or broke the protocol (its process is gone or hostile)."""


class SandboxStuck(BaseException):
    """The sandbox did not answer before the test's deadline."""


class Stub:
    """Stands in for an object on the other side of the channel."""

    __slots__ = ("_endpoint", "_ref", "_type")

    def __init__(self, endpoint: Endpoint, ref: int, type_name: str):
        object.__setattr__(self, "_endpoint", endpoint)
        object.__setattr__(self, "_ref", ref)
        object.__setattr__(self, "_type", type_name)

    def describe_type(self) -> str:
        """The name of the object's type on the other side (for feedback messages)."""
        return self._type.rsplit(".", 1)[-1]

    def _ask(self, op: str, *args, **kwargs):
        return self._endpoint.request(op, self._ref, args, kwargs)

    def __call__(self, *args, **kwargs):
        return self._ask("call", *args, **kwargs)

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        return self._ask("getattr", name)

    def __iter__(self):
        return self._ask("iter")

    def __next__(self):
        return self._ask("next")

    def __len__(self):
        return self._ask("len")

    def __getitem__(self, key):
        return self._ask("getitem", key)

    def __contains__(self, item):
        return self._ask("contains", item)

    def __bool__(self):
        return self._ask("bool")

    def __repr__(self):
        return self._ask("repr")

    def __str__(self):
        return self._ask("str")


class Endpoint:
    """One side of the channel: a table of the objects it referred to, and the request loop."""

    def __init__(self, sock: socket.socket, *, trusted: bool, is_learner_file=None):
        self.sock = sock
        self.trusted = trusted  # the judge: serve only what it explicitly handed over
        self.objects: dict[int, object] = {}  # 0: the learner's namespace, -1: run_in_sandbox
        self._next = 1
        self.is_learner_file = is_learner_file
        self.deadline: float | None = None
        self.call_timeout: float | None = None  # the sandbox's own alarm per top-level call
        self._depth = 0

    # -- values ---------------------------------------------------------------------------
    def refer(self, value) -> int:
        ref, self._next = self._next, self._next + 1
        self.objects[ref] = value
        return ref

    def encode(self, value):
        return wire.encode(value, self.refer)

    def decode(self, data):
        return wire.decode(data, lambda ref: Stub(self, ref["id"], str(ref.get("type", "?"))))

    def forget(self) -> None:
        """Drop every reference but the namespace (between tests)."""
        self.objects = {k: v for k, v in self.objects.items() if k <= 0}

    # -- transport ------------------------------------------------------------------------
    def _send(self, message: dict) -> None:
        try:
            wire.send(self.sock, message)
        except OSError as exc:
            raise SandboxDied(f"the channel broke ({exc})") from None

    def _recv(self) -> dict:
        if self.deadline is not None:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise SandboxStuck("no answer before the deadline")
            self.sock.settimeout(left)
        try:
            return wire.recv(self.sock)
        except wire.ChannelClosed as exc:
            if self.deadline is not None and time.monotonic() >= self.deadline:
                raise SandboxStuck("no answer before the deadline") from None
            raise SandboxDied(str(exc)) from None

    # -- asking -----------------------------------------------------------------------------
    def request(self, op: str, ref: int, args: tuple = (), kwargs: dict | None = None):
        """Ask the other side to do ``op`` on its object ``ref``; serve its requests meanwhile."""
        kwargs = kwargs or {}
        message = {"op": op, "ref": ref, "args": [self.encode(a) for a in args],
                   "kwargs": {str(k): self.encode(v) for k, v in kwargs.items()}}
        if self.call_timeout is not None and self._depth == 0:
            message["timeout"] = self.call_timeout
        self._send(message)
        while True:
            reply = self._recv()
            kind = reply.get("op")
            if kind == "result":
                try:
                    value = self.decode(reply.get("value"))
                    if op == "call":
                        _write_back(args, kwargs, reply.get("writeback") or {}, self.decode)
                except wire.ChannelClosed as exc:
                    raise SandboxDied(f"an unreadable answer ({exc})") from None
                return value
            if kind == "raised":
                raise wire.decode_exception(reply.get("error") or {}, sys.modules)
            if kind in REQUESTS:
                self.serve(reply)
                continue
            raise SandboxDied(f"an unexpected message {kind!r}")

    # -- answering --------------------------------------------------------------------------
    def serve(self, message: dict) -> None:
        """Do one request from the other side and send back its result or exception."""
        op, ref = message.get("op"), message.get("ref")
        self._depth += 1
        alarm = message.get("timeout") if not self.trusted and self._depth == 1 else None
        try:
            if self.trusted and op not in REMOTE_OPS_FOR_TRUSTED:
                raise PermissionError(f"the grader does not {op} its objects for a sandbox")
            if type(ref) is not int or ref not in self.objects:
                raise LookupError("no such object")
            target = self.objects[ref]
            args = [self.decode(a) for a in message.get("args", [])]
            kwargs = {str(k): self.decode(v) for k, v in (message.get("kwargs") or {}).items()}
            if alarm:
                _arm(float(alarm))
            try:
                value = self._do(op, target, args, kwargs)
                if op == "call" and not self.trusted:
                    writeback = _mutated(args, kwargs)
                else:
                    writeback = {}
            finally:
                if alarm:
                    _arm(0)
            reply = {"op": "result", "value": self._encode_result(value), "writeback": writeback}
        except wire.ChannelClosed:
            raise
        except BaseException as exc:  # noqa: B036 - whatever the code raised is the answer
            if isinstance(exc, (SandboxDied, SandboxStuck)):
                raise
            reply = {"op": "raised", "error": wire.encode_exception(exc, self.is_learner_file)}
        finally:
            self._depth -= 1
        try:
            self._send(reply)
        except wire.NotPlain as exc:  # a value too large for one message
            self._send({"op": "raised", "error": wire.encode_exception(exc)})

    def _encode_result(self, value):
        if not self.trusted:
            return self.encode(value)
        try:
            return wire.encode(value)
        except wire.NotPlain:
            if callable(value):
                return self.encode(value)
            raise PermissionError("the grader only shares plain values and functions with a sandbox") from None

    def _do(self, op: str, target, args: list, kwargs: dict):
        if op == "call":
            if not callable(target):
                raise TypeError("not callable")
            return target(*args, **kwargs)
        if op == "getattr":
            name = str(args[0]) if args else ""
            if self.trusted and name.startswith("_"):
                raise AttributeError(f"{name} is not shared with a sandbox")
            return getattr(target, name)
        if op == "iter":
            return iter(target)
        if op == "next":
            return next(target)
        if op == "len":
            return len(target)
        if op == "getitem":
            return target[args[0]]
        if op == "contains":
            return args[0] in target
        if op == "bool":
            return bool(target)
        if op == "repr":
            return repr(target)
        if op == "str":
            return str(target)
        raise ValueError(f"unknown request {op!r}")


def _mutated(args: list, kwargs: dict) -> dict:
    """The final state of the mutable plain arguments, so the judge sees in-place changes."""
    out: dict = {"args": {}, "kwargs": {}}
    for where, items in (("args", enumerate(args)), ("kwargs", kwargs.items())):
        for key, value in items:
            if type(value) in (list, dict, set, bytearray):
                try:
                    out[where][str(key)] = wire.encode(value)
                except (wire.NotPlain, RecursionError):
                    pass
    return out


def _write_back(args: tuple, kwargs: dict, writeback: dict, decode) -> None:
    for where, items in (("args", dict(enumerate(args))), ("kwargs", kwargs)):
        for key, data in (writeback.get(where) or {}).items():
            original = items.get(int(key) if where == "args" else key)
            if original is None or not wire.is_plain(original):
                continue
            new = decode(data)
            if type(new) is not type(original) or new == original:
                continue
            if isinstance(original, (list, bytearray)):
                original[:] = new
            else:
                original.clear()
                original.update(new)


def _arm(seconds: float) -> None:
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 0.0))


def install_alarm_handler(exc_type) -> None:
    """In the sandbox: SIGALRM raises ``exc_type`` in the learner's code (a courtesy time limit)."""
    def on_alarm(signum, frame):
        raise exc_type()

    signal.signal(signal.SIGALRM, on_alarm)
