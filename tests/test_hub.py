"""Workshops at scale: scopes, links, collection, the shipped hub and Binder configs, and a real
JupyterHub on loopback where five learners run the course against one shared emulator at once."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import uuid
from pathlib import Path

import pytest
import requests
import yaml
from traitlets.config import Config

from mmcourse import config as configmod
from mmcourse import hub, registry
from mmcourse.emulator import probe
from mmcourse.emulator.control import EmulatorControl, EmulatorControlError
from mmcourse.emulator.state import scope_of as emulator_scope_of

ROOT = Path(__file__).resolve().parents[1]
DEPLOY = ROOT / "mmcourse" / "deploy"
TLJH_SNIPPET = DEPLOY / "tljh" / "jupyterhub_config.d" / "mmcourse.py"
Z2JH_VALUES = DEPLOY / "z2jh" / "config.yaml"
Z2JH_EMULATOR = DEPLOY / "z2jh" / "emulator.yaml"
BINDER = ROOT / ".binder"
FIXTURES = Path(__file__).parent / "hub"
# The lessons the hub test runs; tests/hub/notebooks/ stands in for any not written yet.
LESSONS = {"00_start_here.ipynb": "00_start_here.ipynb", "01_bytes_base64_mime.ipynb": "01_exercise.ipynb"}


class FakeUser:
    def __init__(self, name: str) -> None:
        self.name = name


class FakeSpawner:
    def __init__(self, name: str) -> None:
        self.user = FakeUser(name)


def load_jupyterhub_config(path: Path, base: Config | None = None) -> Config:
    """Run a jupyterhub_config snippet as JupyterHub's load_subconfig does: own Config, then merged."""
    own = Config()
    exec(compile(path.read_text(), str(path), "exec"), {"get_config": lambda: own, "__file__": str(path)})
    merged = base if base is not None else Config()
    merged.merge(own)
    return merged


def resolved(value, default):
    """A config value as the trait will see it (LazyConfigValue append/update applied)."""
    return value.get_value(default) if hasattr(value, "get_value") else value


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- scopes --------------------------------------------------------------------------------------


SECRET = "hub-secret-for-tests"


@pytest.mark.parametrize("secret, digits", [(SECRET, 32), (None, 16)])
def test_learner_scope_is_stable_distinct_and_safe_in_an_http_header(secret, digits):
    names = ["alice", "Alice", "bob", "zoë", "invalid-ivan", "o'brien"]
    scopes = [hub.learner_scope(n, secret) for n in names]
    assert len(set(scopes)) == len(names)
    assert hub.learner_scope("alice", secret) == scopes[0]
    for scope in scopes:
        assert re.fullmatch(rf"learner-[0-9a-f]{{{digits}}}", scope)
        # the emulator refuses any key containing "invalid" (its auth lesson): a scope never does
        assert "invalid" not in configmod.offline_key({"MMCOURSE_SCOPE": scope})


def test_a_learner_scope_depends_on_the_class_secret():
    assert hub.learner_scope("alice", SECRET) != hub.learner_scope("alice", "another-secret")
    assert hub.learner_scope("alice", SECRET) != hub.learner_scope("alice")


def test_emulator_scope_is_what_the_emulator_computes_for_that_learners_key():
    key = f"mmcourse-offline-{hub.learner_scope('alice', SECRET)}"
    assert hub.emulator_scope("alice", SECRET) == emulator_scope_of(key) == hashlib.sha256(key.encode()).hexdigest()[:12]
    assert hub.emulator_scope("alice", SECRET) != hub.emulator_scope("bob", SECRET)


def test_emulator_scope_takes_the_secret_from_the_teachers_environment(monkeypatch):
    monkeypatch.setenv("MMCOURSE_ADMIN_TOKEN", SECRET)
    assert hub.emulator_scope("alice") == hub.emulator_scope("alice", SECRET)


def test_a_learners_kernel_lands_in_that_learners_scope(origin):
    """What the spawner env does: MMCOURSE_SCOPE set per learner, the course's client sends it."""
    env = {"MMCOURSE_SCOPE": hub.learner_scope(f"learner-{uuid.uuid4().hex[:6]}"), "MMCOURSE_MODE": "offline"}
    cfg = configmod.provider_config("anthropic", env=env, dotenv={}, origin=origin)
    response = requests.post(f"{cfg.base_url}/v1/messages", timeout=10, headers={
        "x-api-key": cfg.api_key, "anthropic-version": "2023-06-01"},
        json={"model": registry.default_model("anthropic"), "max_tokens": 20, "messages": [{"role": "user", "content": "hi"}]})
    assert response.status_code == 200, response.text
    scope = configmod.scope_of(cfg.api_key)
    assert [r["scope"] for r in EmulatorControl(origin, scope=scope).log()] == [scope]


def test_log_command_shows_the_teacher_one_learners_requests(origin, capsys):
    user = f"learner-{uuid.uuid4().hex[:6]}"
    env = {"MMCOURSE_SCOPE": hub.learner_scope(user), "MMCOURSE_MODE": "offline"}
    cfg = configmod.provider_config("openai", env=env, dotenv={}, origin=origin)
    response = requests.post(f"{cfg.base_url}/chat/completions", timeout=10,
                             headers={"Authorization": f"Bearer {cfg.api_key}"},
                             json={"model": "no-such-model", "messages": [{"role": "user", "content": "hi"}]})
    assert response.status_code == 404
    assert hub.main(["log", user, "--emulator", origin]) == 0
    out = capsys.readouterr().out
    assert f"{user}: scope {hub.emulator_scope(user)}, 1 requests" in out
    assert re.search(r"#\d+\s+openai\s+404 ", out) and "no-such-model" in out


# --- links ---------------------------------------------------------------------------------------


def test_nbgitpuller_link_clones_into_the_repo_folder_and_opens_the_notebook():
    link = hub.nbgitpuller_link("https://hub.example.org/", "https://github.com/me/mmcourse", branch="spring")
    parts = urllib.parse.urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "hub.example.org", "/hub/user-redirect/git-pull")
    query = dict(urllib.parse.parse_qsl(parts.query))
    assert query == {"repo": "https://github.com/me/mmcourse", "branch": "spring",
                     "urlpath": "lab/tree/mmcourse/notebooks/00_start_here.ipynb"}


def test_nbgitpuller_link_with_a_target_folder_and_the_classic_interface():
    link = hub.nbgitpuller_link("https://hub.example.org", "https://github.com/me/mmcourse",
                                notebook="notebooks/03_charts.ipynb", targetpath="course", app="tree")
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(link).query))
    assert query["targetpath"] == "course"
    assert query["urlpath"] == "tree/tree/course/notebooks/03_charts.ipynb"
    with pytest.raises(ValueError, match="lab"):
        hub.nbgitpuller_link("https://h", "https://github.com/me/x", app="voila")


@pytest.mark.parametrize("repo", ["me/mmcourse", "https://github.com/me/mmcourse", "https://github.com/me/mmcourse.git"])
def test_binder_link_from_owner_name_or_url(repo):
    assert hub.binder_link(repo, ref="v1.0") == (
        "https://mybinder.org/v2/gh/me/mmcourse/v1.0?urlpath=lab/tree/notebooks/00_start_here.ipynb")


def test_binder_link_refuses_what_is_not_a_github_repository():
    with pytest.raises(ValueError, match="owner/name"):
        hub.binder_link("https://gitlab.com/me/group/mmcourse")


def test_link_command_prints_one_link_per_notebook(capsys):
    assert hub.main(["link", "--hub", "https://h.org", "--repo", "https://github.com/me/mmcourse",
                     "notebooks/00_start_here.ipynb", "notebooks/01_bytes_base64_mime.ipynb"]) == 0
    lines = capsys.readouterr().out.split()
    assert len(lines) == 2 and "01_bytes_base64_mime.ipynb" in urllib.parse.unquote(lines[1])


# --- collecting submissions ----------------------------------------------------------------------


def test_collect_gathers_each_learners_notebooks_under_their_name(tmp_path):
    from mmcourse.grading.runner import expand_submissions, submission_ids

    homes = tmp_path / "home"
    for user in ("alice", "bob"):
        folder = homes / f"jupyter-{user}" / "mmcourse" / "notebooks"
        folder.mkdir(parents=True)
        (folder / "01_bytes_base64_mime.ipynb").write_text(f'{{"by": "{user}"}}')
        (folder / ".ipynb_checkpoints").mkdir()
    (homes / "jupyter-carol").mkdir()          # never pulled the course: skipped
    (homes / "ubuntu" / "mmcourse" / "notebooks").mkdir(parents=True)  # not a learner's home
    copied = hub.collect(homes, tmp_path / "submissions")
    assert sorted(p.relative_to(tmp_path / "submissions").as_posix() for p in copied) == [
        "alice/01_bytes_base64_mime.ipynb", "bob/01_bytes_base64_mime.ipynb"]
    assert (tmp_path / "submissions" / "bob" / "01_bytes_base64_mime.ipynb").read_text() == '{"by": "bob"}'
    # mmcourse grade names them apart by folder
    ids = submission_ids(expand_submissions([str(tmp_path / "submissions")]))
    assert ids == ["alice-01_bytes_base64_mime", "bob-01_bytes_base64_mime"]


def test_collect_command_reads_a_student_branch_checkout(tmp_path, capsys):
    """A student branch holds the notebooks at its root (no solutions/): --folder ."""
    home = tmp_path / "home" / "jupyter-alice" / "course"
    home.mkdir(parents=True)
    (home / "00_start_here.ipynb").write_text("{}")
    assert hub.main(["collect", "--homes", str(tmp_path / "home"), "--out", str(tmp_path / "subs"),
                     "--checkout", "course", "--folder", "."]) == 0
    assert (tmp_path / "subs" / "alice" / "00_start_here.ipynb").exists()
    assert "collected 1 notebooks from 1 learners" in capsys.readouterr().out


def test_collect_says_what_to_give_when_the_homes_folder_is_missing(tmp_path):
    with pytest.raises(hub.HubError, match="learners' homes"):
        hub.collect(tmp_path / "nope", tmp_path / "out")


# --- the shipped JupyterHub configs --------------------------------------------------------------


def test_tljh_snippet_runs_one_emulator_service_and_scopes_each_learner(monkeypatch):
    monkeypatch.setenv("MMCOURSE_ADMIN_TOKEN", SECRET)
    base = Config()
    base.JupyterHub.services = [{"name": "cull-idle", "command": ["cull"]}]  # TLJH's own service stays
    cfg = load_jupyterhub_config(TLJH_SNIPPET, base)
    services = resolved(cfg.JupyterHub.services, [])
    assert [s["name"] for s in services] == ["cull-idle", hub.SERVICE_NAME]
    emulator = services[1]
    assert emulator["command"] == ["/opt/tljh/user/bin/python", "-m", "mmcourse", "emulator",
                                   "--host", "127.0.0.1", "--port", "8765"]
    assert "url" not in emulator, "a url would publish the emulator's admin endpoints on the public proxy"
    env = resolved(cfg.Spawner.environment, {})
    assert env["MMCOURSE_EMULATOR_URL"] == "http://127.0.0.1:8765" == configmod.DEFAULT_EMULATOR_URL
    for name in ("alice", "zoë", "invalid-ivan"):
        assert env["MMCOURSE_SCOPE"](FakeSpawner(name)) == hub.learner_scope(name, SECRET)
    # the emulator service holds the secret; the learners' environment never does
    assert emulator["environment"]["MMCOURSE_ADMIN_TOKEN"] == SECRET
    assert SECRET not in json.dumps({k: v for k, v in env.items() if isinstance(v, str)})


def test_tljh_snippet_makes_and_keeps_a_class_secret_when_none_is_set(monkeypatch, tmp_path):
    monkeypatch.delenv("MMCOURSE_ADMIN_TOKEN", raising=False)
    monkeypatch.setenv("MMCOURSE_SECRET_FILE", str(tmp_path / "state" / "mmcourse-admin-token"))
    first = resolved(load_jupyterhub_config(TLJH_SNIPPET).JupyterHub.services, [])[0]["environment"]
    second = resolved(load_jupyterhub_config(TLJH_SNIPPET).JupyterHub.services, [])[0]["environment"]
    secret_file = tmp_path / "state" / "mmcourse-admin-token"
    assert first == second and len(first["MMCOURSE_ADMIN_TOKEN"]) == 48
    assert secret_file.read_text().strip() == first["MMCOURSE_ADMIN_TOKEN"]
    assert secret_file.stat().st_mode & 0o777 == 0o600


def test_tljh_snippet_takes_python_and_port_from_the_environment(monkeypatch):
    monkeypatch.setenv("MMCOURSE_ADMIN_TOKEN", SECRET)
    monkeypatch.setenv("MMCOURSE_PYTHON", "/srv/env/bin/python")
    monkeypatch.setenv("MMCOURSE_EMULATOR_PORT", "9911")
    cfg = load_jupyterhub_config(TLJH_SNIPPET)
    (service,) = resolved(cfg.JupyterHub.services, [])
    assert service["command"][0] == "/srv/env/bin/python" and service["command"][-1] == "9911"
    assert resolved(cfg.Spawner.environment, {})["MMCOURSE_EMULATOR_URL"] == "http://127.0.0.1:9911"


def _z2jh():
    values = yaml.safe_load(Z2JH_VALUES.read_text())
    objects = {(o["kind"], o["metadata"]["name"]): o for o in yaml.safe_load_all(Z2JH_EMULATOR.read_text()) if o}
    return values, objects


def test_z2jh_emulator_deployment_serves_the_port_its_service_and_the_learners_use():
    values, objects = _z2jh()
    deployment = objects[("Deployment", hub.SERVICE_NAME)]
    service = objects[("Service", hub.SERVICE_NAME)]
    pod = deployment["spec"]["template"]
    (container,) = pod["spec"]["containers"]
    command = container["command"] + container.get("args", [])
    assert command[:4] == ["python", "-m", "mmcourse", "emulator"]
    port = int(command[command.index("--port") + 1])
    assert command[command.index("--host") + 1] == "0.0.0.0"  # reached from the learners' pods
    assert deployment["spec"]["replicas"] == 1, "one emulator: the request logs live in its memory"
    assert container["ports"][0]["containerPort"] == port
    assert container["readinessProbe"]["httpGet"]["path"] == "/_mmcourse/health"
    labels = pod["metadata"]["labels"]
    assert service["spec"]["selector"].items() <= labels.items()
    assert service["spec"]["ports"][0]["targetPort"] == port
    env = values["singleuser"]["extraEnv"]
    assert env["MMCOURSE_EMULATOR_URL"] == f"http://{hub.SERVICE_NAME}:{service['spec']['ports'][0]['port']}"
    assert container["image"] == f"{values['singleuser']['image']['name']}:{values['singleuser']['image']['tag']}"


def test_z2jh_learners_may_reach_the_emulator_despite_the_default_egress_policy():
    values, objects = _z2jh()
    labels = objects[("Deployment", hub.SERVICE_NAME)]["spec"]["template"]["metadata"]["labels"]
    port = objects[("Service", hub.SERVICE_NAME)]["spec"]["ports"][0]["targetPort"]
    rules = values["singleuser"]["networkPolicy"]["egress"]
    assert any(
        any(peer.get("podSelector", {}).get("matchLabels", {}).items() <= labels.items() for peer in rule["to"])
        and any(p["port"] == port for p in rule["ports"])
        for rule in rules
    )
    # and nothing else may talk to the emulator's unauthenticated admin endpoints
    policy = objects[("NetworkPolicy", hub.SERVICE_NAME)]
    assert policy["spec"]["podSelector"]["matchLabels"].items() <= labels.items()
    (ingress,) = policy["spec"]["ingress"]
    assert ingress["from"] == [{"podSelector": {"matchLabels": {"component": "singleuser-server"}}}]


def test_z2jh_hub_config_gives_each_learner_the_same_scope_as_tljh(monkeypatch):
    values, _ = _z2jh()
    code = values["hub"]["extraConfig"]["mmcourse"]
    cfg = Config()
    exec(compile(code, "z2jh extraConfig", "exec"), {"c": cfg})
    env = resolved(cfg.KubeSpawner.environment, {})
    monkeypatch.setenv("MMCOURSE_ADMIN_TOKEN", SECRET)  # what hub.extraEnv gives the hub
    for name in ("alice", "zoë"):
        assert env["MMCOURSE_SCOPE"](FakeSpawner(name)) == hub.learner_scope(name, SECRET)


def test_z2jh_hub_and_emulator_read_the_class_secret_from_one_kubernetes_secret():
    values, objects = _z2jh()
    (container,) = objects[("Deployment", hub.SERVICE_NAME)]["spec"]["template"]["spec"]["containers"]
    emulator_ref = next(e for e in container["env"] if e["name"] == "MMCOURSE_ADMIN_TOKEN")["valueFrom"]
    assert values["hub"]["extraEnv"]["MMCOURSE_ADMIN_TOKEN"]["valueFrom"] == emulator_ref
    assert "MMCOURSE_ADMIN_TOKEN" not in values["singleuser"]["extraEnv"]


# --- Binder --------------------------------------------------------------------------------------


def test_binder_installs_the_course_after_its_cached_environment():
    """repo2docker reads only .binder/ once that folder exists (its pins: tests/test_packaging.py);
    the course itself is installed by postBuild from the copied repository."""
    assert "pip install --no-deps -e ." in (BINDER / "postBuild").read_text()
    assert not (ROOT / "binder").exists(), "repo2docker refuses a repository with both binder/ and .binder/"


@pytest.mark.parametrize("hook", ["postBuild", "start"])
def test_binder_hooks_are_executable_bash_scripts(hook):
    path = BINDER / hook
    assert os.access(path, os.X_OK), f"chmod +x .binder/{hook}"
    assert path.read_text().startswith("#!/bin/bash\n")
    assert subprocess.run(["bash", "-n", str(path)], capture_output=True).returncode == 0


def test_binder_start_hook_ends_by_running_the_command_it_was_given():
    lines = [line.strip() for line in (BINDER / "start").read_text().splitlines() if line.strip()]
    assert lines[-1] == 'exec "$@"'


def test_binder_start_hook_serves_one_emulator_to_the_command_it_starts(tmp_path):
    url = f"http://127.0.0.1:{free_port()}"
    check = ("import os, mmcourse.emulator as e; u = os.environ['MMCOURSE_EMULATOR_URL']; "
             "print(u, e.probe(u))")
    # the hook runs `python`: the one these tests run on (Binder's is the environment's own)
    path = f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}"
    env = {**os.environ, "MMCOURSE_EMULATOR_URL": url, "TMPDIR": str(tmp_path), "PATH": path}
    pidfile = tmp_path / "mmcourse-emulator.pid"
    try:
        done = subprocess.run([str(BINDER / "start"), sys.executable, "-c", check], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert done.stdout.split()[-2:] == [url, "mmcourse"]
        assert pidfile.exists(), done.stderr
        # a second start (a kernel restart, a second terminal) reuses the running emulator
        again = subprocess.run([str(BINDER / "start"), "true"], env=env, cwd=ROOT, capture_output=True,
                               text=True, timeout=60)
        assert again.returncode == 0 and "already running" in again.stdout + again.stderr
    finally:
        if pidfile.exists():
            os.kill(int(pidfile.read_text()), signal.SIGTERM)
    deadline = time.monotonic() + 10
    while probe(url, timeout=0.5) != "absent" and time.monotonic() < deadline:
        time.sleep(0.1)
    assert probe(url, timeout=0.5) == "absent"


def test_emulator_up_reuses_an_emulator_that_answers(origin):
    assert hub.emulator_up(origin) is None


def test_emulator_up_refuses_a_port_held_by_another_program(tmp_path):
    import http.server
    import threading

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):  # keep the test's output clean
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Quiet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with pytest.raises(hub.HubError, match="not the mmcourse emulator"):
            hub.emulator_up(f"http://127.0.0.1:{server.server_address[1]}")
    finally:
        server.shutdown()


# --- a real JupyterHub on loopback ---------------------------------------------------------------


def course_repository(path: Path) -> tuple[Path, list[str]]:
    """A git repository holding the lessons the test runs (real ones where they exist)."""
    notebooks = path / "notebooks"
    notebooks.mkdir(parents=True)
    for name, fixture in LESSONS.items():
        real = ROOT / "notebooks" / name
        shutil.copy(real if real.exists() else FIXTURES / "notebooks" / fixture, notebooks / name)
    git = ["git", "-c", "user.name=mmcourse test", "-c", "user.email=test@localhost", "-C", str(path)]
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "course"]):
        subprocess.run(git + args, check=True, capture_output=True)
    return path, [f"notebooks/{name}" for name in LESSONS]


class RunningHub:
    def __init__(self, url: str, token: str, emulator_url: str, homes: Path, log: Path) -> None:
        self.url, self.token, self.emulator_url, self.homes, self.log = url, token, emulator_url, homes, log

    def log_tail(self, lines: int = 60) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


def _wait(what: str, ready, timeout: float, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        if process.poll() is not None:
            pytest.fail(f"JupyterHub exited ({process.returncode}) before {what}:\n{log.read_text()[-4000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {timeout:.0f} s:\n{log.read_text()[-4000:]}")
        time.sleep(0.2)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).status_code == 200
    except requests.RequestException:
        return False


ADMIN_TOKEN = "teacher-" + uuid.uuid4().hex


@pytest.fixture
def jupyterhub(tmp_path):
    """A JupyterHub on loopback: dummy logins, local processes, the shipped TLJH snippet."""
    if importlib.util.find_spec("jupyterhub") is None:
        pytest.skip("jupyterhub is not installed (pip install jupyterhub)")
    if shutil.which("configurable-http-proxy") is None:
        pytest.skip("configurable-http-proxy is not installed (npm install -g configurable-http-proxy)")
    assert importlib.util.find_spec("nbgitpuller"), "pip install nbgitpuller: the course is handed out with it"
    state = tmp_path / "hub"
    state.mkdir()
    port, emulator_port = free_port(), free_port()
    token = uuid.uuid4().hex
    env = {k: v for k, v in os.environ.items() if not k.startswith(("MMCOURSE_", "JUPYTERHUB_"))}
    env.update({
        "MMCOURSE_HUB_TEST_DIR": str(state), "MMCOURSE_HUB_TEST_PORT": str(port),
        "MMCOURSE_HUB_TEST_HUB_PORT": str(free_port()), "MMCOURSE_HUB_TEST_PROXY_API_PORT": str(free_port()),
        "MMCOURSE_HUB_TEST_TOKEN": token, "MMCOURSE_HUB_TEST_SNIPPET": str(TLJH_SNIPPET),
        "MMCOURSE_PYTHON": sys.executable, "MMCOURSE_EMULATOR_PORT": str(emulator_port),
        # the class emulator locks each learner's scope; the hub never hands this to learners
        "MMCOURSE_ADMIN_TOKEN": ADMIN_TOKEN,
    })
    log = state / "jupyterhub.log"
    with open(log, "wb") as out:
        process = subprocess.Popen([sys.executable, "-m", "jupyterhub", "-f", str(FIXTURES / "jupyterhub_config.py")],
                                   cwd=state, env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                   start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    emulator_url = f"http://127.0.0.1:{emulator_port}"
    emulator_pid = 0
    try:
        _wait("the hub answered", lambda: _answers(f"{url}/hub/api/"), 60, process, log)
        _wait("the emulator service answered", lambda: probe(emulator_url, timeout=0.5) == "mmcourse", 60, process, log)
        emulator_pid = requests.get(f"{url}/hub/api/services/{hub.SERVICE_NAME}", timeout=10,
                                    headers={"Authorization": f"token {token}"}).json()["pid"]
        yield RunningHub(url, token, emulator_url, state / "homes", log)
    finally:
        process.send_signal(signal.SIGTERM)  # the hub stops its servers and services, then the proxy
        try:
            process.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # the group this fixture created
            process.wait(10)
        if emulator_pid and probe(emulator_url, timeout=0.5) != "absent":
            os.kill(emulator_pid, signal.SIGKILL)
            pytest.fail("the hub left its emulator service running")


@pytest.mark.slow
def test_a_class_of_five_runs_the_course_on_jupyterhub_against_one_emulator(jupyterhub, tmp_path, monkeypatch):
    repo, notebooks = course_repository(tmp_path / "course" / "mmcourse")
    link = hub.nbgitpuller_link(jupyterhub.url, str(repo), notebook=notebooks[0])
    users = [f"learner{n}" for n in range(1, 6)]
    report = hub.rehearse(jupyterhub.url, jupyterhub.token, users, link, notebooks, timeout=120,
                          start_timeout=90, cleanup=False)
    print(report.summary())
    assert report.ok, report.summary() + "\n" + jupyterhub.log_tail()
    assert report.overlapped(), "the learners' notebooks should have run at the same time"
    assert all(len(run.notebooks) == 2 and run.notebooks[1].cells > 0 for run in report.learners)

    # Without the teacher's token, one learner's key reaches no other learner's log.
    monkeypatch.delenv("MMCOURSE_ADMIN_TOKEN", raising=False)
    monkeypatch.setenv("MMCOURSE_SCOPE", hub.learner_scope(users[0], ADMIN_TOKEN))
    with pytest.raises(EmulatorControlError, match="403"):
        EmulatorControl(jupyterhub.emulator_url, scope=hub.emulator_scope(users[1], ADMIN_TOKEN)).log()

    # The teacher's side: the one emulator holds one scope per learner, each with only their requests.
    monkeypatch.setenv("MMCOURSE_ADMIN_TOKEN", ADMIN_TOKEN)
    everyone = EmulatorControl(jupyterhub.emulator_url, scope="*").log()
    assert {r["scope"] for r in everyone} == {hub.emulator_scope(u) for u in users}
    for user in users:
        own = EmulatorControl(jupyterhub.emulator_url, scope=hub.emulator_scope(user)).log()
        assert {r["scope"] for r in own} == {hub.emulator_scope(user)}
        bodies = " ".join(str(r["request"]) for r in own)
        assert set(re.findall(rf"{hub.MARKER}-\w+", bodies)) == {hub.marker_for(user)}
        # the lessons' own calls landed here too, beside the rehearsal's two probes
        assert len([r for r in own if r["verdict"] == "accepted"]) > 2, own
        faults = [r for r in own if r["status"] == 503]
        assert len(faults) == (1 if user == users[0] else 0), f"{user}: {faults}"

    # After the workshop: the learners' saved notebooks are collected for mmcourse grade.
    copied = hub.collect(jupyterhub.homes, tmp_path / "submissions", checkout="mmcourse", home_prefix="")
    assert sorted({p.parent.name for p in copied}) == users
    assert {p.name for p in copied} == {Path(n).name for n in notebooks}
    for path in copied:  # saved with the outputs the learner's run produced
        cells = json.loads(path.read_text())["cells"]
        assert any(o.get("text") for c in cells if c["cell_type"] == "code" for o in c["outputs"]), path


def test_the_rehearsal_probes_run_as_sent_to_a_kernel(origin):
    """The probes' source, as rehearse sends it, runs in a fresh interpreter with a learner's env."""
    from mmcourse.hub import probes

    env = {**os.environ, "PYTHONPATH": str(ROOT), "MMCOURSE_EMULATOR_URL": origin, "MMCOURSE_MODE": "offline",
           "MMCOURSE_SCOPE": f"probe-{uuid.uuid4().hex[:8]}"}

    def run(code: str) -> str:
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, done.stderr
        return (done.stdout.strip().splitlines() or [""])[-1]

    marker = hub.marker_for("probe-user")
    assert json.loads(run(probes.probe_call(probes.log_markers, marker, hub.MARKER))) == [marker]
    run(probes.probe_call(probes.inject_fault))
    assert run(probes.probe_call(probes.status_after_fault)) == "503"
    assert run(probes.probe_call(probes.status_after_fault)) == "200"


def test_a_dropped_kernel_websocket_is_reopened_once_and_the_cell_still_runs():
    """A proxy or a busy server may drop an idle websocket; the rehearsal opens a new channel."""
    import asyncio
    import json as _json

    from tornado.websocket import WebSocketClosedError

    from mmcourse.hub.rehearse import Kernel

    class Dropped:
        async def write_message(self, frame):
            raise WebSocketClosedError()

    class Fresh:
        def __init__(self):
            self.replies: list[str] = []

        async def write_message(self, frame):
            msg_id = _json.loads(frame)["header"]["msg_id"]
            parent = {"msg_id": msg_id}
            self.replies = [_json.dumps({"parent_header": parent, "msg_type": t, "content": c}) for t, c in (
                ("stream", {"text": "4\n"}), ("execute_reply", {"status": "ok"}),
                ("status", {"execution_state": "idle"}))]

        async def read_message(self):
            return self.replies.pop(0)

    fresh = Fresh()

    async def reconnect():
        return Kernel(fresh, "learner1", "k1")

    kernel = Kernel(Dropped(), "learner1", "k1", reconnect=reconnect)
    output = asyncio.run(kernel.execute("print(2 + 2)", timeout=5))
    assert output.text == "4\n" and kernel.connection is fresh
