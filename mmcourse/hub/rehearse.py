"""Rehearsing a workshop on the real hub: N test learners pull the course, run notebooks at the
same time, and the emulator must keep each one's log and faults apart.

The code run in the learners' kernels lives in ``probes.py`` as ordinary functions; their source
is sent over the kernel's websocket (``probe_call``).
"""

from __future__ import annotations

import asyncio
import json
import time
import urllib.parse
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import probes
from .errors import HubError
from .links import FIRST_NOTEBOOK, checkout_name

MARKER = "mmcourse-rehearsal-marker"


@dataclass
class CellOutput:
    """What one executed cell printed or returned (text only) and its error, if any."""

    text: str = ""
    error: str | None = None


@dataclass
class NotebookRun:
    """One notebook executed in one learner's server."""

    path: str
    seconds: float = 0.0
    cells: int = 0
    error: str | None = None


@dataclass
class LearnerRun:
    """Everything rehearse() learned about one test learner."""

    user: str
    notebooks: list[NotebookRun] = field(default_factory=list)
    started: float = 0.0
    finished: float = 0.0
    markers_seen: list[str] = field(default_factory=list)
    fault_status: int | None = None
    error: str | None = None


@dataclass
class Rehearsal:
    """The outcome of rehearse(): per learner runs and the isolation checks' findings."""

    learners: list[LearnerRun]
    faulted_user: str | None = None

    def problems(self) -> list[str]:
        """Every failed expectation, as sentences (empty when the rehearsal passed)."""
        found = []
        for run in self.learners:
            if run.error:
                found.append(f"{run.user}: {run.error}")
            found += [f"{run.user}: {nb.path}: {nb.error}" for nb in run.notebooks if nb.error]
            if not run.error and run.markers_seen != [marker_for(run.user)]:
                found.append(f"{run.user} should see only their own request in their log, saw {run.markers_seen}")
            expected = 503 if run.user == self.faulted_user else 200
            if not run.error and run.fault_status != expected:
                found.append(f"{run.user}: expected HTTP {expected} after {self.faulted_user}'s injected fault, "
                             f"got {run.fault_status}")
        return found

    @property
    def ok(self) -> bool:
        return not self.problems()

    def overlapped(self) -> bool:
        """Whether every learner's notebooks were running at one same moment."""
        return max(r.started for r in self.learners) < min(r.finished for r in self.learners)

    def summary(self) -> str:
        lines = []
        for run in self.learners:
            timing = ", ".join(f"{Path(nb.path).name} {nb.seconds:.1f} s" for nb in run.notebooks)
            lines.append(f"{run.user:<16} {timing or run.error}")
        problems = self.problems()
        lines.append("rehearsal passed" if not problems else "rehearsal FAILED:\n  " + "\n  ".join(problems))
        return "\n".join(lines)


def marker_for(user: str) -> str:
    return f"{MARKER}-{user}"


class HubAPI:
    """The JupyterHub REST API with a token that has admin:users, admin:servers and access:servers."""

    def __init__(self, hub_url: str, token: str, timeout: float = 30.0) -> None:
        import requests

        self.url = hub_url.rstrip("/")
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"token {token}"

    def call(self, method: str, path: str, ok: Iterable[int] = (200, 201, 202, 204), **kwargs):
        response = self.session.request(method, f"{self.url}/hub/api{path}", timeout=self.timeout, **kwargs)
        if response.status_code not in ok:
            raise HubError(f"{method} /hub/api{path} answered {response.status_code}: {response.text[:300]}")
        return response.json() if response.content else None

    def create_users(self, names: Sequence[str]) -> None:
        # 409 means every one of them exists already: fine for a rehearsal run twice.
        self.call("POST", "/users", ok=(201, 409), json={"usernames": list(names)})

    def delete_user(self, name: str) -> None:
        self.call("DELETE", f"/users/{name}", ok=(204, 404))

    def start_server(self, name: str, timeout: float = 120.0) -> None:
        """Start ``name``'s default server and wait until the hub says it is ready."""
        self.call("POST", f"/users/{name}/server", ok=(201, 202, 400))  # 400: already running
        deadline = time.monotonic() + timeout
        while True:
            server = (self.call("GET", f"/users/{name}").get("servers") or {}).get("")
            if server and server.get("ready"):
                return
            if time.monotonic() > deadline:
                raise HubError(f"{name}'s server was not ready within {timeout:.0f} s: see the hub's log")
            time.sleep(0.3)

    def stop_server(self, name: str, timeout: float = 60.0) -> None:
        """Stop ``name``'s default server and wait until it has stopped."""
        self.call("DELETE", f"/users/{name}/server", ok=(202, 204, 400, 404))
        deadline = time.monotonic() + timeout
        while True:
            user = self.call("GET", f"/users/{name}", ok=(200, 404))
            if not user or not (user.get("servers") or {}).get(""):
                return
            if time.monotonic() > deadline:
                raise HubError(f"{name}'s server did not stop within {timeout:.0f} s")
            time.sleep(0.3)


class UserServer:
    """One learner's single-user Jupyter server, reached through the hub's proxy."""

    def __init__(self, hub_url: str, token: str, user: str, timeout: float = 60.0) -> None:
        import requests

        self.base = f"{hub_url.rstrip('/')}/user/{user}"
        self.user = user
        self.token = token
        self.timeout = timeout
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"token {token}"

    def call(self, method: str, path: str, **kwargs):
        response = self.session.request(method, f"{self.base}{path}", timeout=self.timeout, **kwargs)
        if not response.ok:
            raise HubError(f"{method} {self.base}{path} answered {response.status_code}: {response.text[:300]}")
        return response.json() if response.content else None

    def pull(self, link: str) -> str:
        """Follow an nbgitpuller link's pull for this user; return the checkout folder's name."""
        query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(link).query))
        query.pop("urlpath", None)
        response = self.session.get(f"{self.base}/git-pull/api", params=query, timeout=self.timeout * 3)
        events = [json.loads(line[6:]) for line in response.text.splitlines() if line.startswith("data: ")]
        if not response.ok or not events or events[-1].get("phase") != "finished":
            last = events[-1] if events else response.text[:300]
            raise HubError(f"nbgitpuller did not finish for {self.user}: {last}")
        return checkout_name(query["repo"], query.get("targetpath"))

    def read_notebook(self, path: str) -> dict:
        return self.call("GET", f"/api/contents/{urllib.parse.quote(path)}", params={"content": "1"})["content"]

    def save_notebook(self, path: str, notebook: dict) -> None:
        self.call("PUT", f"/api/contents/{urllib.parse.quote(path)}",
                  json={"type": "notebook", "format": "json", "content": notebook})

    def start_kernel(self, path: str) -> str:
        """A kernel for the notebook at ``path`` (its working folder is the notebook's folder)."""
        session = self.call("POST", "/api/sessions", json={"path": path, "name": Path(path).name,
                                                             "type": "notebook", "kernel": {"name": "python3"}})
        return session["kernel"]["id"]

    def stop_kernel(self, kernel_id: str) -> None:
        self.session.delete(f"{self.base}/api/kernels/{kernel_id}", timeout=self.timeout)

    async def connect(self, kernel_id: str) -> Kernel:
        from tornado.httpclient import HTTPRequest
        from tornado.websocket import websocket_connect

        ws_base = "ws" + self.base[len("http"):]
        url = f"{ws_base}/api/kernels/{kernel_id}/channels?session_id={uuid.uuid4().hex}"
        request = HTTPRequest(url, headers={"Authorization": f"token {self.token}"},
                              connect_timeout=self.timeout, request_timeout=self.timeout)
        connection = await websocket_connect(request, max_message_size=64 * 1024 * 1024)
        return Kernel(connection, self.user, kernel_id, reconnect=lambda: self.connect(kernel_id))


class Kernel:
    """Execute code over a kernel's websocket (the Jupyter messaging protocol, JSON frames)."""

    def __init__(self, connection, user: str, kernel_id: str, reconnect=None) -> None:
        self.connection = connection
        self.session = uuid.uuid4().hex
        self.user = user
        self.kernel_id = kernel_id
        self._reconnect = reconnect  # opens a new channel to the same kernel

    async def _send(self, frame: str) -> None:
        from tornado.websocket import WebSocketClosedError

        try:
            await self.connection.write_message(frame)
        except WebSocketClosedError:
            # A proxy or a busy server can drop a websocket that sat idle; the kernel is still
            # there, so open a new channel to it once and send the request on that.
            if self._reconnect is None:
                raise HubError(f"{self.user}: the kernel's websocket closed") from None
            self.connection = (await self._reconnect()).connection
            await self.connection.write_message(frame)

    async def execute(self, code: str, timeout: float = 120.0) -> CellOutput:
        msg_id = uuid.uuid4().hex
        header = {"msg_id": msg_id, "username": self.user, "session": self.session,
                  "msg_type": "execute_request", "version": "5.3"}
        content = {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                   "allow_stdin": False, "stop_on_error": True}
        await self._send(json.dumps(
            {"header": header, "parent_header": {}, "metadata": {}, "content": content,
             "channel": "shell", "buffers": []}))
        output, replied, idle = CellOutput(), False, False
        deadline = time.monotonic() + timeout
        while not (replied and idle):
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise HubError(f"{self.user}: a cell ran longer than {timeout:.0f} s")
            frame = await asyncio.wait_for(self.connection.read_message(), remaining)
            if frame is None:
                raise HubError(f"{self.user}: the kernel's websocket closed (did the kernel die?)")
            if isinstance(frame, bytes):
                continue  # binary frames carry widget buffers: nothing to check
            message = json.loads(frame)
            if message.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            kind, body = message["msg_type"], message["content"]
            if kind == "stream":
                output.text += body.get("text", "")
            elif kind in ("execute_result", "display_data"):
                output.text += body.get("data", {}).get("text/plain", "") + "\n"
            elif kind == "error":
                output.error = f"{body.get('ename')}: {body.get('evalue')}"
            elif kind == "status" and body.get("execution_state") == "idle":
                idle = True
            elif kind == "execute_reply":
                replied = True
                if body.get("status") == "error" and not output.error:
                    output.error = f"{body.get('ename')}: {body.get('evalue')}"
        return output

    async def close(self) -> None:
        self.connection.close()


async def run_notebook(server: UserServer, path: str, timeout: float = 120.0, save: bool = True) -> NotebookRun:
    """Execute every code cell of the notebook at ``path`` in a fresh kernel, like Run All.

    A cell tagged ``raises-exception`` may fail (as in nbclient); any other error stops the run.
    With ``save`` the notebook is written back with its outputs, as the learner's Save would.
    """
    run = NotebookRun(path)
    started = time.perf_counter()
    notebook = await asyncio.to_thread(server.read_notebook, path)
    kernel_id = await asyncio.to_thread(server.start_kernel, path)
    kernel = await server.connect(kernel_id)
    try:
        for index, cell in enumerate(notebook["cells"]):
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            if cell["cell_type"] != "code" or not source.strip():
                continue
            result = await kernel.execute(source, timeout)
            run.cells += 1
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": result.text}]
            if result.error and "raises-exception" not in cell.get("metadata", {}).get("tags", []):
                run.error = f"cell {index}: {result.error}"
                break
    finally:
        await kernel.close()
        await asyncio.to_thread(server.stop_kernel, kernel_id)
    run.seconds = time.perf_counter() - started
    if save:
        await asyncio.to_thread(server.save_notebook, path, notebook)
    return run


async def _learner(hub_url: str, token: str, user: str, link: str | None, notebooks: Sequence[str],
                   timeout: float, gate: asyncio.Event, ready: list[str], count: int) -> tuple[LearnerRun, Kernel | None, UserServer]:
    server = UserServer(hub_url, token, user)
    run = LearnerRun(user)
    kernel = None
    try:
        folder = await asyncio.to_thread(server.pull, link) if link else ""
        paths = [f"{folder}/{nb}" if folder else nb for nb in notebooks]
        ready.append(user)
        if len(ready) == count:
            gate.set()
        await gate.wait()  # every learner starts the notebooks at the same moment
        run.started = time.monotonic()
        for path in paths:
            run.notebooks.append(await run_notebook(server, path, timeout))
        run.finished = time.monotonic()
        kernel_id = await asyncio.to_thread(server.start_kernel, paths[0])
        kernel = await server.connect(kernel_id)
        probe = await kernel.execute(probes.probe_call(probes.log_markers, marker_for(user), MARKER), timeout)
        if probe.error:
            raise HubError(f"the log probe failed: {probe.error}")
        run.markers_seen = json.loads(probe.text.strip().splitlines()[-1])
    except Exception as exc:  # one learner's failure is reported, the others carry on
        run.error = str(exc) or type(exc).__name__
        run.finished = run.finished or time.monotonic()
        gate.set()
    return run, kernel, server


async def rehearse_async(hub_url: str, token: str, users: Sequence[str], link: str | None,
                         notebooks: Sequence[str] = (FIRST_NOTEBOOK,), timeout: float = 120.0,
                         start_timeout: float = 120.0) -> Rehearsal:
    """The steps of rehearse(), for callers that already run an event loop."""
    hub = HubAPI(hub_url, token)
    await asyncio.to_thread(hub.create_users, users)
    await asyncio.gather(*(asyncio.to_thread(hub.start_server, u, start_timeout) for u in users))
    gate, ready = asyncio.Event(), []
    results = await asyncio.gather(*(_learner(hub_url, token, u, link, notebooks, timeout, gate, ready, len(users))
                                     for u in users))
    report = Rehearsal([run for run, _, _ in results], faulted_user=users[0])
    kernels = [(run, kernel, server) for run, kernel, server in results if kernel is not None]
    try:
        faulted = next((k for run, k, _ in kernels if run.user == users[0]), None)
        if faulted is not None:
            injected = await faulted.execute(probes.probe_call(probes.inject_fault), timeout)
            if injected.error:
                report.learners[0].error = f"injecting the fault failed: {injected.error}"
        statuses = await asyncio.gather(*(kernel.execute(probes.probe_call(probes.status_after_fault), timeout) for _, kernel, _ in kernels))
        for (run, _, _), status in zip(kernels, statuses, strict=True):
            run.fault_status = int(status.text.split()[-1]) if not status.error else None
    finally:
        for _, kernel, server in kernels:
            await kernel.close()
            await asyncio.to_thread(server.stop_kernel, kernel.kernel_id)
    return report


def rehearse(hub_url: str, token: str, users: Sequence[str], link: str | None,
             notebooks: Sequence[str] = (FIRST_NOTEBOOK,), timeout: float = 120.0,
             start_timeout: float = 120.0, cleanup: bool = True) -> Rehearsal:
    """Test learners on a real hub: start their servers, pull the course through ``link`` (an
    nbgitpuller link; None when the notebooks are already in their homes), run ``notebooks`` in
    all of them at once, then check log and fault isolation. Stops the servers afterwards (and
    deletes the test users when ``cleanup``).
    """
    hub = HubAPI(hub_url, token)
    try:
        return asyncio.run(rehearse_async(hub_url, token, users, link, notebooks, timeout, start_timeout))
    finally:
        for user in users:
            hub.stop_server(user)
            if cleanup:
                hub.delete_user(user)
