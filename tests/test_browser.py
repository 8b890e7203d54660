"""A real browser runs a notebook in JupyterLab: the widgets render and an exercise card reports.

Then the notebook is saved, its kernel shut down, and it is opened again, as a learner does the
next day: the saved outputs (widgets and check cards) still show, with no "Error displaying
widget: model not found". The Lab settings are the ones ``mmcourse open`` ships
(``mmcourse.cli.LAB_OVERRIDES``: no news prompt, widget state saved with the notebook).

JupyterLab starts headless on a free loopback port with token auth, over a temporary copy of the
course's first lesson (or, until that exists, the fixture notebook in tests/browser/). Debian's
Chromium, driven by Playwright, opens it, runs all cells from the Run menu and waits for the
kernel to go idle. The kernel talks to this test session's emulator, offline.

Needs ``apt-get install chromium`` and ``pip install playwright`` (no ``playwright install``:
the Debian browser is used through ``executable_path``); skips only when either is missing.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from mmcourse.cli import LAB_OVERRIDES
from tests.browser import fixture_notebook

ROOT = Path(__file__).resolve().parents[1]
LESSON = ROOT / "notebooks" / "00_start_here.ipynb"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    # Belt and braces: the browser resolves no host but loopback, so it can reach nothing else.
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
]
KEY_VARS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY")
# JupyterLab user settings: every cell in the DOM (so prompts can be read), plus what
# `mmcourse open` ships (no news or update pop-ups, widget state saved with the notebook).
LAB_SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": '{"windowingMode": "none"}',
    **{"/".join(plugin.split(":")) + ".jupyterlab-settings": json.dumps(values)
       for plugin, values in LAB_OVERRIDES.items()},
}
EXERCISE_RESULT = re.compile(r"not attempted|visible tests passed")  # check()'s report
SERVER_START_S = 45
RUN_ALL_S = 90
NOTEBOOK = ".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Notebook"  # the open tab's notebook only

# Evaluated in the page, on the current notebook: True once every code cell has run, or as
# soon as one shows a traceback (Lab stops a Run All at an error, leaving later cells unrun).
ALL_RAN_JS = """() => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  if (!w) return false;
  const prompts = [...w.node.querySelectorAll('.jp-CodeCell .jp-InputArea-prompt')];
  if (!prompts.length) return false;
  const errors = [...w.node.querySelectorAll(
    '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')];
  if (errors.some(e => e.textContent.includes('Traceback'))) return true;
  return prompts.every(p => /\\[\\d+\\]/.test(p.textContent));
}"""
NONE_RAN_JS = """() => [...window.jupyterapp.shell.currentWidget.node.querySelectorAll(
  '.jp-CodeCell .jp-InputArea-prompt')].every(p => !/\\d/.test(p.textContent))"""
KERNEL_IDLE_JS = """() => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  const k = w && w.sessionContext && w.sessionContext.session && w.sessionContext.session.kernel;
  return !!k && k.status === 'idle';
}"""


def browser_or_skip():
    """Playwright's sync API, or a skip naming what is missing and how to install it."""
    if not CHROMIUM.exists():
        pytest.skip("no /usr/bin/chromium: apt-get install -y chromium (Debian's browser; "
                    "Playwright's own browser download does not work here)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.skip("playwright is not installed: pip install playwright (no 'playwright install')")
    return sync_playwright


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def stage_notebooks(root: Path) -> list[tuple[Path, str]]:
    """The first lesson (when it exists) and the fixture under ``root``, each with a label."""
    folder = root / "notebooks"
    folder.mkdir()
    (root / "data").symlink_to(ROOT / "data")  # lessons open ../data/... as in the repo
    staged = []
    if LESSON.exists():
        staged.append((Path(shutil.copy(LESSON, folder / LESSON.name)), "lesson"))
    staged.append((fixture_notebook.write(folder / "browser_fixture.ipynb"), "fixture"))
    return staged


def lab_env(home: Path, emulator_origin: str) -> dict[str, str]:
    """The server's (and so the kernel's) environment: offline, isolated Jupyter dirs, widgets on."""
    env = {k: v for k, v in os.environ.items() if k not in KEY_VARS and k != "MMCOURSE_PLAIN"}
    env.update({
        "MMCOURSE_MODE": "offline",
        "MMCOURSE_EMULATOR_URL": emulator_origin,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "JUPYTERLAB_SETTINGS_DIR": str(home / "settings"),
        "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
        "IPYTHONDIR": str(home / "ipython"),
    })
    for name, text in LAB_SETTINGS.items():
        path = home / "settings" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return env


def start_lab(root: Path, home: Path, env: dict[str, str]) -> tuple[subprocess.Popen, str, str]:
    """JupyterLab on a free loopback port; (process, base URL, token) once it answers."""
    port, token = free_port(), secrets.token_hex(16)
    with open(home / "jupyter.log", "w") as log:  # the server keeps its own copy of the handle
        proc = subprocess.Popen(
            [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root",
             "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
             f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
             "--LabApp.expose_app_in_browser=True",
             "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
            env=env, stdout=log, stderr=subprocess.STDOUT, cwd=root,
        )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        try:
            if requests.get(f"{base}/api/status", params={"token": token}, timeout=2).ok:
                return proc, base, token
        except requests.ConnectionError:
            pass
        time.sleep(0.3)
    proc.kill()
    raise AssertionError(f"JupyterLab did not answer within {SERVER_START_S} s; its log:\n"
                         + (home / "jupyter.log").read_text()[-3000:])


def stop_lab(proc: subprocess.Popen, base: str, token: str) -> None:
    """Ask the server to shut down (it stops its kernels), then make sure it is gone."""
    try:
        requests.post(f"{base}/api/shutdown", params={"token": token}, timeout=5)
        proc.wait(timeout=20)
    except (requests.RequestException, subprocess.TimeoutExpired):
        proc.kill()
        proc.wait(timeout=10)


def run_all_cells(page) -> None:
    """Clear the saved outputs, then Run > Run All Cells as a learner would; wait for the kernel."""
    # A committed notebook already shows [1], [2] ...: cleared, a number means this run made it.
    page.evaluate("window.jupyterapp.commands.execute('notebook:clear-all-cell-outputs')")
    page.wait_for_function(NONE_RAN_JS, timeout=10_000, polling=100)
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    page.wait_for_function(ALL_RAN_JS, timeout=RUN_ALL_S * 1000, polling=250)
    page.wait_for_function(KERNEL_IDLE_JS, timeout=30_000, polling=250)


def tracebacks(notebook) -> list[str]:
    errors = notebook.locator('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
    return [t for t in errors.all_inner_texts() if "Traceback" in t or "Error" in t]


CURRENT_IS_JS = """(rel) => {
  const w = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  return !!w && !!w.context && w.context.path === rel;
}"""


def open_and_run(page, base: str, token: str, rel: str):
    """Open a notebook in Lab, wait for its kernel, run all cells; the notebook's locator."""
    page.goto(f"{base}/lab/tree/{rel}?token={token}")
    page.wait_for_function(CURRENT_IS_JS, arg=rel, timeout=60_000, polling=250)
    page.wait_for_selector(f"{NOTEBOOK} .jp-CodeCell", timeout=60_000)
    page.wait_for_function(KERNEL_IDLE_JS, timeout=60_000, polling=250)
    run_all_cells(page)
    return page.locator(NOTEBOOK)


def check_cards(notebook):
    """The outputs of check cells: static Markdown cards (no widget in them)."""
    return notebook.locator('.jp-OutputArea-output[data-mime-type="text/markdown"]').filter(
        has_text=EXERCISE_RESULT)


def assert_widgets_and_card(notebook, shots: Path, name: str) -> None:
    """No cell raised, widgets rendered, and an exercise card reported its result."""
    errors = tracebacks(notebook)
    assert errors == [], f"{name}: a cell raised:\n" + "\n\n".join(errors)
    text = notebook.inner_text()
    assert "Error displaying widget" not in text, f"{name}: the widget manager failed to render"
    views = notebook.locator(".jp-OutputArea .jupyter-widgets")
    assert views.count() > 0, f"{name}: no widget rendered"
    cards = check_cards(notebook)
    assert cards.count() > 0, f"{name}: no exercise card reported a result; the page says:\n" + text[-2000:]
    cards.last.scroll_into_view_if_needed()
    cards.last.screenshot(path=str(shots / f"{name}-exercise-card.png"))


def assert_course_widgets(notebook, shots: Path) -> None:
    """The fixture's PayloadInspector, ResponseViewer, Compare and both cards, as a learner sees them."""
    inspector = notebook.locator(".mmcourse-payload-inspector")
    assert inspector.locator(".lm-TabBar-tab").count() == 5  # compare, three providers, curl
    assert "x-goog-api-key" in inspector.inner_text() and "mm-diff" in inspector.inner_html()
    viewer = notebook.locator(".mmcourse-response-viewer")
    assert viewer.locator("mark.mm-answer").count() == 1 and "estimated cost" in viewer.inner_text()
    compare = notebook.locator(".mmcourse-compare")
    assert compare.locator("img").count() == 1 and "anthropic" in compare.inner_text()
    text = notebook.inner_text()
    assert "All 1 visible tests passed" in text
    assert "browser-halve · Halve · 1 points: not attempted yet" in text
    assert "Write `halve`" not in text and "Write halve" not in text, "the card repeats the exercise statement"
    # A hint waits behind its toggle, rendered as Markdown, and needs no kernel to open.
    halve_card = check_cards(notebook).filter(has_text="browser-halve")
    hint = halve_card.locator("details")
    assert hint.count() == 1 and not hint.get_attribute("open")
    hint.locator("summary", has_text="Hint 1 of 1").click()
    halve_card.get_by_text("Read the test.").wait_for(timeout=5_000)
    for name, widget in (("inspector", inspector), ("viewer", viewer), ("compare", compare)):
        widget.scroll_into_view_if_needed()
        widget.screenshot(path=str(shots / f"fixture-{name}.png"))


def save_and_wait(page, base: str, token: str, rel: str) -> None:
    """Save the open notebook until the file on disk holds the state of every widget shown.

    The widget manager writes its state into the notebook's metadata asynchronously, so one save
    can store the state of an earlier save (fewer models than are on the page): save again until
    the saved state has at least one model per widget view shown."""
    shown = page.locator(f"{NOTEBOOK} .jp-OutputArea .jupyter-widgets").count()
    models = 0
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        page.evaluate("window.jupyterapp.commands.execute('docmanager:save')")
        saved = requests.get(f"{base}/api/contents/{rel}", params={"token": token}, timeout=5).json()
        state = saved["content"]["metadata"].get("widgets", {}).get("application/vnd.jupyter.widget-state+json")
        models = len((state or {}).get("state", {}))
        if state is not None and models >= shown:
            return
        time.sleep(0.5)
    raise AssertionError(f"{rel} was saved with {models} widget models for {shown} widgets shown "
                         "(saveState is off?)")


def shut_down_kernels(base: str, token: str) -> None:
    for session in requests.get(f"{base}/api/sessions", params={"token": token}, timeout=5).json():
        requests.delete(f"{base}/api/sessions/{session['id']}", params={"token": token}, timeout=10)


def assert_reopened_notebook_shows_its_outputs(page, base: str, token: str, rel: str, shots: Path) -> None:
    """Saved, kernel gone, opened again: widgets from the saved state, check cards as they were."""
    save_and_wait(page, base, token, rel)
    shut_down_kernels(base, token)
    page.goto(f"{base}/lab/tree/{rel}?token={token}")
    page.wait_for_function(CURRENT_IS_JS, arg=rel, timeout=60_000, polling=250)
    notebook = page.locator(NOTEBOOK)
    page.wait_for_selector(f"{NOTEBOOK} .jp-CodeCell", timeout=60_000)
    check_cards(notebook).first.wait_for(timeout=30_000)
    widgets = notebook.locator(".jp-OutputArea .jupyter-widgets")
    try:  # the widget manager restores the saved models once the notebook is ready
        widgets.first.wait_for(timeout=30_000)
    finally:
        page.screenshot(path=str(shots / "fixture-reopened.png"))
    text = notebook.inner_text()
    assert "Error displaying widget" not in text, "a reopened notebook lost its widgets"
    assert "All 1 visible tests passed" in text and "not attempted yet" in text, "the check cards are gone"


@pytest.mark.slow
def test_widgets_render_and_exercise_cards_report_in_chromium(emulator, tmp_path, capsys,
                                                              record_property):
    sync_playwright = browser_or_skip()
    root, home, shots = tmp_path / "root", tmp_path / "home", tmp_path / "screenshots"
    for folder in (root, home, shots):
        folder.mkdir()
    staged = stage_notebooks(root)
    with capsys.disabled():
        names = ", ".join(f"{path.name} ({label})" for path, label in staged)
        print(f"\n[browser test] running {names}" + ("" if LESSON.exists() else
              f"; {LESSON.relative_to(ROOT)} does not exist yet"))
    proc, base, token = start_lab(root, home, lab_env(home, emulator.base_url.rstrip("/")))
    try:
        with sync_playwright() as pw:
            context = pw.chromium.launch_persistent_context(
                str(home / "chromium-profile"), executable_path=str(CHROMIUM), headless=True,
                args=CHROMIUM_ARGS, viewport={"width": 1400, "height": 1000},
            )
            try:
                page = context.pages[0] if context.pages else context.new_page()
                # Leaving a notebook with unsaved outputs asks "leave the page?": yes (Playwright
                # would dismiss it, and stay).
                page.on("dialog", lambda dialog: dialog.accept())
                for path, label in staged:
                    started = time.monotonic()
                    notebook = open_and_run(page, base, token, path.relative_to(root).as_posix())
                    with capsys.disabled():
                        print(f"[browser test] {path.name}: opened and ran in "
                              f"{time.monotonic() - started:.1f} s")
                    page.screenshot(path=str(shots / f"{label}-after-run-all.png"))
                    assert_widgets_and_card(notebook, shots, label)
                    if label == "fixture":
                        assert_course_widgets(notebook, shots)
                        assert_reopened_notebook_shows_its_outputs(
                            page, base, token, path.relative_to(root).as_posix(), shots)
            finally:
                context.close()
    finally:
        stop_lab(proc, base, token)
        with capsys.disabled():
            print(f"[browser test] screenshots: {shots}")
        record_property("screenshots", str(shots))
