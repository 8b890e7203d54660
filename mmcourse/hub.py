"""Workshops at scale: one offline emulator for a whole class, on JupyterHub or Binder.

What a teacher calls (``python -m mmcourse.hub --help``; the guide is ``mmcourse/deploy/TEACHERS.md``):

- ``learner_scope(username)``: the ``MMCOURSE_SCOPE`` a learner's server gets, so their request
  log, faults and rate limits are theirs alone; ``emulator_scope(username)`` is the emulator's
  name for that scope (for ``EmulatorControl(origin, scope=...)``).
- ``nbgitpuller_link(...)`` / ``binder_link(...)``: the links that hand out the course.
- ``collect(homes, out)``: copy every learner's notebooks into one folder for ``mmcourse grade``.
- ``emulator_up(url)``: start a detached emulator unless one answers (the Binder start hook).
- ``rehearse(...)``: before a workshop, N test learners pull the course and run notebooks at the
  same time on the real hub; checks that each sees only their own log and their own faults.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import re
import shutil
import sys
import time
import urllib.parse
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .identity import admin_token, emulator_scope, emulator_url, learner_scope

SERVICE_NAME = "mmcourse-emulator"
FIRST_NOTEBOOK = "notebooks/00_start_here.ipynb"
DEFAULT_BINDERHUB = "https://mybinder.org"
# TLJH names each learner's system account (and so their home folder) jupyter-<username>.
TLJH_HOME_PREFIX = "jupyter-"
MARKER = "mmcourse-rehearsal-marker"


class HubError(RuntimeError):
    """A hub, server or emulator step failed; the message says which and what to do."""


# --- scopes ------------------------------------------------------------------------------------


# learner_scope(username, secret) and emulator_scope(username, secret) live in mmcourse.identity
# (imported above): the spawner's MMCOURSE_SCOPE and the emulator's name for it.


# --- links -------------------------------------------------------------------------------------


def checkout_name(repo: str, targetpath: str | None = None) -> str:
    """The folder nbgitpuller clones ``repo`` into: ``targetpath``, else the URL's last segment."""
    return targetpath or repo.rstrip("/").split("/")[-1]


def nbgitpuller_link(hub_url: str, repo: str, branch: str = "main", notebook: str = FIRST_NOTEBOOK,
                     targetpath: str | None = None, app: str = "lab") -> str:
    """A link that clones (first click) or updates (later clicks) the course, then opens ``notebook``.

    >>> nbgitpuller_link("https://hub.example.org", "https://github.com/me/mmcourse")
    'https://hub.example.org/hub/user-redirect/git-pull?repo=https%3A%2F%2Fgithub.com%2Fme%2Fmmcourse&branch=main&urlpath=lab%2Ftree%2Fmmcourse%2Fnotebooks%2F00_start_here.ipynb'
    """
    if app not in ("lab", "tree"):
        raise ValueError(f"app={app!r}: use 'lab' (JupyterLab) or 'tree' (classic Notebook)")
    folder = checkout_name(repo, targetpath)
    query = {"repo": repo, "branch": branch}
    if targetpath:
        query["targetpath"] = targetpath
    query["urlpath"] = f"{app}/tree/{folder}/{notebook}"
    return f"{hub_url.rstrip('/')}/hub/user-redirect/git-pull?{urllib.parse.urlencode(query)}"


def binder_link(repo: str, ref: str = "main", notebook: str = FIRST_NOTEBOOK,
                binderhub: str = DEFAULT_BINDERHUB) -> str:
    """A Binder launch link for a GitHub repository (``owner/name`` or its URL), opening ``notebook``.

    >>> binder_link("me/mmcourse")
    'https://mybinder.org/v2/gh/me/mmcourse/main?urlpath=lab/tree/notebooks/00_start_here.ipynb'
    """
    match = re.fullmatch(r"(?:https?://github\.com/)?([\w.-]+)/([\w.-]+?)(?:\.git)?/?", repo.strip())
    if not match:
        raise ValueError(f"{repo!r} is not a GitHub repository: give owner/name or https://github.com/owner/name")
    owner, name = match.groups()
    ref_part = urllib.parse.quote(ref, safe="")
    return f"{binderhub.rstrip('/')}/v2/gh/{owner}/{name}/{ref_part}?urlpath=lab/tree/{notebook}"


# --- collecting submissions ------------------------------------------------------------------


def collect(homes: str | Path, out: str | Path, checkout: str = "mmcourse",
            folder: str = "notebooks", home_prefix: str = TLJH_HOME_PREFIX) -> list[Path]:
    """Copy ``<homes>/<prefix><user>/<checkout>/<folder>/*.ipynb`` to ``<out>/<user>/``.

    ``mmcourse grade <out> --out grades`` then names each submission ``<user>-<notebook>``.
    Returns the copied files; learners without a checkout are skipped (the summary says so).
    """
    homes, out = Path(homes), Path(out)
    if not homes.is_dir():
        raise HubError(f"{homes} is not a folder: give the folder that holds the learners' homes (TLJH: /home)")
    copied: list[Path] = []
    for home in sorted(p for p in homes.iterdir() if p.is_dir() and p.name.startswith(home_prefix)):
        user = home.name[len(home_prefix):]
        source = home / checkout / folder
        for notebook in sorted(source.glob("*.ipynb")):
            target = out / user / notebook.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(notebook, target)
            copied.append(target)
    return copied


# --- the Binder start hook's emulator -----------------------------------------------------------


def emulator_up(url: str, timeout: float = 30.0, log_path: str | Path | None = None,
                pidfile: str | Path | None = None) -> int | None:
    """Make sure an mmcourse emulator answers at ``url`` (a loopback origin).

    Reuses one that already answers (returns None); else starts this user's detached emulator
    there (``mmcourse.emulator.service``: its own session, found by every kernel and command
    through the runtime folder, never stopping for idleness), waits until it answers and returns
    its pid (also written to ``pidfile``).
    """
    from .emulator import probe, service

    found = probe(url)
    if found == "mmcourse":
        return None
    parts = urllib.parse.urlsplit(url)
    if found == "other":
        raise HubError(f"{url} answers but is not the mmcourse emulator: choose another port in MMCOURSE_EMULATOR_URL")
    if parts.hostname not in ("127.0.0.1", "localhost", "::1") or not parts.port:
        raise HubError(f"{url} must be a loopback origin with a port, e.g. http://127.0.0.1:8765")
    try:
        running = service.start_detached(parts.hostname, parts.port, idle_timeout=0, timeout=timeout,
                                         log_path=Path(log_path) if log_path else None)
    except service.ServiceError as exc:
        raise HubError(str(exc)) from None
    if pidfile:
        Path(pidfile).write_text(f"{running.pid}\n")
    return running.pid


# --- driving a hub: the REST API and the kernels' websocket ---------------------------------------


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
        return Kernel(connection, self.user, kernel_id)


class Kernel:
    """Execute code over a kernel's websocket (the Jupyter messaging protocol, JSON frames)."""

    def __init__(self, connection, user: str, kernel_id: str) -> None:
        self.connection = connection
        self.session = uuid.uuid4().hex
        self.user = user
        self.kernel_id = kernel_id

    async def execute(self, code: str, timeout: float = 120.0) -> CellOutput:
        msg_id = uuid.uuid4().hex
        header = {"msg_id": msg_id, "username": self.user, "session": self.session,
                  "msg_type": "execute_request", "version": "5.3"}
        content = {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                   "allow_stdin": False, "stop_on_error": True}
        await self.connection.write_message(json.dumps(
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


# Code the rehearsal runs in each learner's kernel: the course's own client, the learner's env.
_MARKER_CODE = """
import json, re, requests, mmcourse
from mmcourse.grading import requests_log
mmcourse.setup(quiet=True)
_req = mmcourse.build_request("openai", {marker!r})
requests.request(_req.method, _req.url, headers=_req.headers, json=_req.json, timeout=30).raise_for_status()
_seen = set()
for _record in requests_log():
    _seen.update(re.findall({pattern!r} + r"-[A-Za-z0-9._-]+", json.dumps(_record.get("request"))))
print(json.dumps(sorted(_seen)))
"""
_FAULT_CODE = """
from mmcourse.emulator.control import EmulatorControl
import os
EmulatorControl(os.environ["MMCOURSE_EMULATOR_URL"]).inject_fault("openai", 503, count=1)
"""
_STATUS_CODE = """
import requests, mmcourse
_req = mmcourse.build_request("openai", "After the fault was injected: do I get an answer?")
print(requests.request(_req.method, _req.url, headers=_req.headers, json=_req.json, timeout=30).status_code)
"""


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
        probe = await kernel.execute(_MARKER_CODE.format(marker=marker_for(user), pattern=MARKER), timeout)
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
            injected = await faulted.execute(_FAULT_CODE, timeout)
            if injected.error:
                report.learners[0].error = f"injecting the fault failed: {injected.error}"
        statuses = await asyncio.gather(*(kernel.execute(_STATUS_CODE, timeout) for _, kernel, _ in kernels))
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


# --- command line ------------------------------------------------------------------------------


def _print_log(username: str, origin: str) -> int:
    from .emulator.control import EmulatorControl

    records = EmulatorControl(origin, scope=emulator_scope(username)).log()
    print(f"{username}: scope {emulator_scope(username)}, {len(records)} requests")
    for r in records:
        error = f"  {r['error']}" if r.get("error") else ""
        print(f"  #{r['seq']:<4} {r['provider']:<9} {r['status']} {r['verdict']:<22} {r.get('model') or '-'}{error}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m mmcourse.hub", description="Run mmcourse for a class "
                                     "(guide: mmcourse/deploy/TEACHERS.md).")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("link", help="print nbgitpuller links that hand out the course")
    p.add_argument("--hub", required=True, help="the hub's public URL, e.g. https://hub.example.org")
    p.add_argument("--repo", required=True, help="the course repository's clone URL")
    p.add_argument("--branch", default="main")
    p.add_argument("--targetpath", default=None, help="folder in each home (default: the repo's name)")
    p.add_argument("--app", default="lab", choices=["lab", "tree"])
    p.add_argument("notebooks", nargs="*", default=[FIRST_NOTEBOOK])
    p = sub.add_parser("binder-link", help="print the Binder launch link")
    p.add_argument("repo", help="owner/name on GitHub")
    p.add_argument("--ref", default="main")
    p.add_argument("--notebook", default=FIRST_NOTEBOOK)
    p = sub.add_parser("scope", help="print the emulator scope of each user (for EmulatorControl)")
    p.add_argument("users", nargs="+")
    p = sub.add_parser("log", help="show one learner's request log")
    p.add_argument("user")
    p.add_argument("--emulator", default=None, help="emulator origin (default: $MMCOURSE_EMULATOR_URL or :8765)")
    p = sub.add_parser("collect", help="copy each learner's notebooks into one folder for mmcourse grade")
    p.add_argument("--homes", default="/home")
    p.add_argument("--out", required=True)
    p.add_argument("--checkout", default="mmcourse", help="the course folder in each home")
    p.add_argument("--folder", default="notebooks", help="the notebooks' folder in it ('.' for a student branch)")
    p.add_argument("--home-prefix", default=TLJH_HOME_PREFIX)
    p = sub.add_parser("emulator-up", help="start a detached emulator unless one answers (Binder start hook)")
    p.add_argument("--url", default=None, help="default: $MMCOURSE_EMULATOR_URL or http://127.0.0.1:8765")
    p.add_argument("--timeout", type=float, default=30.0)
    p.add_argument("--log", default=None)
    p.add_argument("--pidfile", default=None)
    p = sub.add_parser("rehearse", help="N test learners run notebooks at once on a real hub")
    p.add_argument("--hub", required=True)
    p.add_argument("--token", required=True, help="a token with admin:users, admin:servers, access:servers")
    p.add_argument("--link", default=None, help="nbgitpuller link (from the link command)")
    p.add_argument("--users", type=int, default=5)
    p.add_argument("--keep-users", action="store_true", help="do not delete the rehearsal-N users afterwards")
    p.add_argument("notebooks", nargs="*", default=[FIRST_NOTEBOOK])
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "link":
        for notebook in args.notebooks:
            print(nbgitpuller_link(args.hub, args.repo, args.branch, notebook, args.targetpath, args.app))
    elif args.command == "binder-link":
        print(binder_link(args.repo, args.ref, args.notebook))
    elif args.command == "scope":
        for user in args.users:
            print(f"{user}\tMMCOURSE_SCOPE={learner_scope(user, admin_token())}\temulator scope {emulator_scope(user)}")
    elif args.command == "log":
        return _print_log(args.user, args.emulator or emulator_url())
    elif args.command == "collect":
        copied = collect(args.homes, args.out, args.checkout, args.folder, args.home_prefix)
        users = sorted({p.parent.name for p in copied})
        print(f"collected {len(copied)} notebooks from {len(users)} learners into {args.out}: "
              f"next, mmcourse grade {args.out} --out grades")
    elif args.command == "emulator-up":
        url = args.url or emulator_url()
        try:
            pid = emulator_up(url, args.timeout, args.log, args.pidfile)
        except HubError as exc:
            print(f"mmcourse.hub emulator-up: {exc}", file=sys.stderr)
            return 1
        print(f"mmcourse emulator {'started (pid ' + str(pid) + ')' if pid else 'already running'} at {url}")
    elif args.command == "rehearse":
        users = [f"rehearsal-{n}" for n in range(1, args.users + 1)]
        report = rehearse(args.hub, args.token, users, args.link, args.notebooks, cleanup=not args.keep_users)
        print(report.summary())
        return 0 if report.ok else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
