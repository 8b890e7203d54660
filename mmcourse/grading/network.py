"""Each submission's network: a private emulator, reached from its sandbox only through a filter.

The grader starts one emulator per submission (nothing another submission does can reach its
log, faults or rate limits) and two unix sockets in front of it: ``sandbox/emulator.sock``, bind-mounted
into the sandbox, which passes provider requests and refuses the emulator's admin routes
(``/_mmcourse/...``: faults, reset, clearing the log) while the tests run, and ``trusted.sock`` for the grader's own judge.
Inside a network namespace ``forward_port`` makes ``127.0.0.1:PORT`` lead to one of them, so the
learner's code, the judge and the reference solution all use the same emulator URL.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import socket
import tempfile
import threading
from pathlib import Path
from urllib.parse import unquote, urlsplit

MAX_HEAD = 64 * 1024
DROPPED_HEADERS = {"connection", "keep-alive", "proxy-connection", "x-mmcourse-admin-token", "upgrade"}


def _pipe(src: socket.socket, dst: socket.socket) -> None:
    try:
        while chunk := src.recv(65536):
            dst.sendall(chunk)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            dst.shutdown(socket.SHUT_WR)


def _splice(client: socket.socket, upstream: socket.socket) -> None:
    back = threading.Thread(target=_pipe, args=(upstream, client), daemon=True)
    back.start()
    _pipe(client, upstream)
    back.join()
    client.close()
    upstream.close()


def _serve(listener: socket.socket, handle) -> threading.Thread:
    def loop() -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            threading.Thread(target=handle, args=(client,), daemon=True).start()

    thread = threading.Thread(target=loop, daemon=True, name="mmcourse-forward")
    thread.start()
    return thread


def forward_port(port: int, unix_path: str) -> socket.socket:
    """Listen on 127.0.0.1:``port`` (in this network namespace) and splice to ``unix_path``."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(64)

    def handle(client: socket.socket) -> None:
        upstream = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            upstream.connect(unix_path)
        except OSError:
            client.close()
            upstream.close()
            return
        _splice(client, upstream)

    _serve(listener, handle)
    return listener


def admin_refusal(method: str, target: str, testing: bool) -> str | None:
    """Why a request from a sandbox may not pass (None when it may).

    The emulator is this submission's alone, so while its cells run they may use it as a
    learner does (lesson cells inject faults and read the log). Once the tests run, the
    sandbox may only read: faults, limits and the log are the judge's alone.
    """
    path = unquote((target if target.startswith("/") else urlsplit(target).path or "/").split("?")[0])
    normal = "/" + path.lstrip("/")
    if normal.startswith("/_mmcourse") and testing and method.upper() != "GET":
        return "while the tests run, the emulator's admin routes are the grader's alone"
    return None


def filter_request(head: bytes, testing: bool = True) -> tuple[bytes | None, int, str | None]:
    """(rewritten request head, body length, refusal) for one HTTP/1.1 request head."""
    try:
        lines = head.decode("latin-1").split("\r\n")
        method, target, version = lines[0].split(" ")
    except ValueError:
        return None, 0, "a malformed request line"
    refusal = admin_refusal(method, target, testing)
    if refusal:
        return None, 0, refusal
    kept, length = [], 0
    for line in lines[1:]:
        if not line:
            continue
        name, _, value = line.partition(":")
        lower = name.strip().lower()
        if lower == "transfer-encoding":
            return None, 0, "chunked request bodies are not supported here: send a Content-Length"
        if lower == "content-length":
            try:
                length = int(value.strip())
            except ValueError:
                return None, 0, "a malformed Content-Length"
        if lower not in DROPPED_HEADERS:
            kept.append(line)
    rewritten = "\r\n".join([f"{method} {target} {version}", *kept, "Connection: close", "", ""])
    return rewritten.encode("latin-1"), length, None


def _refuse(client: socket.socket, reason: str) -> None:
    body = json.dumps({"error": {"type": "forbidden", "message": reason}}).encode()
    head = (f"HTTP/1.1 403 Forbidden\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n"
            "connection: close\r\n\r\n").encode()
    with contextlib.suppress(OSError):
        client.sendall(head + body)


class SubmissionNetwork:
    """A private emulator and the two unix sockets that lead to it (see the module docstring)."""

    def __init__(self) -> None:
        from mmcourse.emulator import start

        self.emulator = start(port=0)
        self.testing = False  # set by the grader while the judge runs the tests
        self.origin = self.emulator.base_url.rstrip("/")
        self.dir = tempfile.mkdtemp(prefix="mmcourse-net-")
        os.chmod(self.dir, 0o755)
        self.sandbox_dir = str(Path(self.dir) / "sandbox")  # bind-mounted into the sandbox
        os.mkdir(self.sandbox_dir)
        os.chmod(self.sandbox_dir, 0o755)
        self.sandbox_socket = str(Path(self.sandbox_dir) / "emulator.sock")
        self.trusted_socket = str(Path(self.dir) / "trusted.sock")
        self._listeners = [self._listen(self.sandbox_socket, self._filtered, 0o666),
                           self._listen(self.trusted_socket, self._trusted, 0o600)]

    def _listen(self, path: str, handle, mode: int) -> socket.socket:
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(path)
        os.chmod(path, mode)
        listener.listen(64)
        _serve(listener, handle)
        return listener

    def _upstream(self) -> socket.socket:
        return socket.create_connection((self.emulator.host, self.emulator.port), timeout=300)

    def _trusted(self, client: socket.socket) -> None:
        try:
            upstream = self._upstream()
        except OSError:
            client.close()
            return
        _splice(client, upstream)

    def _filtered(self, client: socket.socket) -> None:
        client.settimeout(300)
        try:
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = client.recv(65536)
                if not chunk or len(data) > MAX_HEAD:
                    return
                data += chunk
            head, _, rest = data.partition(b"\r\n\r\n")
            rewritten, length, refusal = filter_request(head + b"\r\n", self.testing)
            if refusal:
                _refuse(client, refusal)
                return
            upstream = self._upstream()
            upstream.sendall(rewritten + rest[:length])
            left = length - len(rest[:length])
            while left > 0:
                chunk = client.recv(min(left, 1 << 20))
                if not chunk:
                    break
                upstream.sendall(chunk)
                left -= len(chunk)
            _pipe(upstream, client)
            upstream.close()
        except OSError:
            pass
        finally:
            client.close()

    def close(self) -> None:
        for listener in self._listeners:
            with contextlib.suppress(OSError):
                listener.close()
        self.emulator.stop()
        shutil.rmtree(self.dir, ignore_errors=True)
