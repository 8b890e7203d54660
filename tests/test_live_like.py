"""Every lesson, live: the model answers in the exercise cells, keys set, base URLs at a live-like server.

The live code path is the one a learner with keys takes: ``conf = mmcourse.setup()`` sees a key
and goes live, and every call goes to the base URL the SDK variables name. Here those point at
an emulator started with ``--live-like`` on its own port (``mmcourse/emulator/livelike.py``):
the same validation and response shapes, but answers written the ways real models write them
(a sentence before the JSON, Claude's code fences, paraphrased prose, another key order,
numbers written differently). Providers without a key stay offline at the plain emulator.

Each lesson runs once with one provider live (mixed mode) and once with all three: every cell
must run and every check cell must report all its visible tests passed. Checks always judge
against the plain emulator (``check()`` points every provider offline while tests run), so a
live answer is never taken as ground truth.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import nbformat
import pytest
import requests

from mmcourse.emulator import livelike
from mmcourse.grading.exercise import CHECK, META_KEY, read_notebook
from mmcourse.grading.release import answered_notebook

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "solutions").glob("[0-9][0-9]_*.py"))
KEY_VARS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY")
# Keys the emulator accepts (no "invalid" in them) and that look like no real key.
LIVE = {
    "openai": {"OPENAI_API_KEY": "livelike-openai-{mode}", "OPENAI_BASE_URL": "{origin}/v1"},
    "anthropic": {"ANTHROPIC_API_KEY": "livelike-anthropic-{mode}", "ANTHROPIC_BASE_URL": "{origin}"},
    "gemini": {"GEMINI_API_KEY": "livelike-gemini-{mode}", "GOOGLE_GEMINI_BASE_URL": "{origin}"},
}
MODES = {"anthropic-live": ("anthropic",), "all-live": ("openai", "anthropic", "gemini")}
CELL_TIMEOUT_S = 180
START_S = 30

@pytest.fixture(scope="module")
def live_like_origin(tmp_path_factory):
    """A live-like emulator in its own process, on a free port (its own state, its own switch)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in KEY_VARS}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    log = tmp_path_factory.mktemp("livelike") / "emulator.log"
    with open(log, "w") as out:
        proc = subprocess.Popen([sys.executable, "-m", "mmcourse", "emulator", "--port", str(port), "--live-like"],
                                env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
    origin = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_S
        while True:
            try:
                if requests.get(f"{origin}/_mmcourse/health", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, \
                f"the live-like emulator did not start:\n{log.read_text()[-2000:]}"
            time.sleep(0.2)
        yield origin
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)


def kernel_env(mode: str, live_origin: str, offline_origin: str) -> dict[str, str]:
    """Keys and base URLs for the providers ``mode`` makes live; the rest offline at the plain emulator."""
    env = {k: v for k, v in os.environ.items()
           if k not in KEY_VARS and not k.startswith("MMCOURSE_") and not k.endswith("_BASE_URL")}
    env.update({"MMCOURSE_EMULATOR_URL": offline_origin, "MMCOURSE_PLAIN": "1", "PYTHONHASHSEED": "0",
                "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))})
    for provider in MODES[mode]:  # a key per mode: each mode's live calls have a log of their own
        env.update({name: value.format(origin=live_origin, mode=mode) for name, value in LIVE[provider].items()})
    return env


def run_lesson(source: Path, env: dict[str, str], workdir: Path) -> list[str]:
    """Execute a lesson with its answers in; every problem found (a cell that raised, a failed check)."""
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError

    nb = answered_notebook(read_notebook(source), source.stem)
    # Its own emulator scope: lessons run side by side, and a check reads "the last request".
    env = {**env, "MMCOURSE_SCOPE": f"livelike-{workdir.name}-{source.stem[:2]}"}
    workdir.mkdir(parents=True, exist_ok=True)
    client = NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                            resources={"metadata": {"path": str(ROOT / "notebooks")}})
    try:
        client.execute(env=env, cwd=str(ROOT / "notebooks"))
    except CellExecutionError as error:
        return [f"{source.stem}: a cell raised: {str(error)[-1500:]}"]
    finally:
        nbformat.write(nb, workdir / f"{source.stem}.ipynb")  # for a look after a failure
    problems = []
    for cell in nb.cells:
        if (cell.metadata.get(META_KEY) or {}).get("role") != CHECK:
            continue
        text = "".join(o.get("text", "") for o in cell.get("outputs", []) if o.get("output_type") == "stream")
        if "visible tests passed" not in text or not text.rstrip().splitlines()[-1].startswith("All "):
            problems.append(f"{source.stem} {cell.metadata[META_KEY]['exercise']}:\n{text}")
    return problems


@pytest.mark.slow
@pytest.mark.parametrize("mode", list(MODES))
def test_every_lesson_runs_and_passes_its_checks_live(mode, live_like_origin, emulator, tmp_path):
    env = kernel_env(mode, live_like_origin, emulator.base_url.rstrip("/"))
    before = live_calls(live_like_origin)
    with ThreadPoolExecutor(max_workers=2) as pool:  # two kernels at a time (the machine has 2 cores)
        found = list(pool.map(lambda source: run_lesson(source, env, tmp_path / mode), LESSONS))
    problems = [problem for lesson in found for problem in lesson]
    assert problems == [], f"{mode}: {len(problems)} problem(s); notebooks in {tmp_path / mode}\n\n" + \
        "\n\n".join(problems)
    after = live_calls(live_like_origin)
    for provider in LIVE:  # the live providers really took the live path, and only they did
        calls = after[provider] - before[provider]
        if provider in MODES[mode]:
            assert calls >= 20, f"{mode}: only {calls} {provider} calls reached the live-like server"
        else:
            assert calls == 0, f"{mode}: {provider} is offline, yet {calls} calls reached the live-like server"


def live_calls(origin: str) -> Counter:
    """Requests the live-like server has logged so far, per provider (every scope)."""
    from mmcourse.emulator.control import EmulatorControl

    return Counter(record["provider"] for record in EmulatorControl(origin, scope="*").log())


def test_the_live_like_server_varies_answers_and_keeps_shapes(live_like_origin):
    """A smoke test of the switch: Claude fences JSON it was only asked for in the prompt."""
    response = requests.post(f"{live_like_origin}/v1/messages", timeout=30, headers={
        "x-api-key": "livelike-anthropic-key", "anthropic-version": "2023-06-01"}, json={
        "model": "claude-sonnet-4-5", "max_tokens": 200,
        "messages": [{"role": "user", "content": 'Reply with JSON only: {"answer": number}. What is 2 + 2?'}]})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["type"] == "message" and body["content"][0]["type"] == "text"
    text = body["content"][0]["text"]
    assert "```json" in text and not text.startswith("{"), text


# --- the variations themselves (livelike.vary), one behaviour each ---------------------------

CHART = '{"title": "Quarterly revenue 2025", "data": [{"label": "Q1", "value": 420}]}'


def test_claude_fences_json_it_was_only_asked_for_in_the_prompt():
    text = livelike.vary(CHART, provider="anthropic", structured=False)
    assert text.startswith("Here is") and "```json\n{" in text and text.endswith("```")


def test_openai_puts_a_sentence_before_json_without_a_switch():
    text = livelike.vary(CHART, provider="openai", structured=False)
    intro, _, body = text.partition("\n")
    assert intro.endswith(":") and json.loads(body)["data"][0]["value"] == 420


def test_free_json_changes_key_order_and_writes_whole_numbers_as_floats():
    body = livelike.vary(CHART, provider="gemini", structured=False).strip("`").removeprefix("json")
    value = json.loads(body)
    assert list(value) == ["data", "title"] and list(value["data"][0]) == ["value", "label"]
    assert type(value["data"][0]["value"]) is float


def test_structured_output_stays_bare_valid_json_with_the_same_types():
    text = livelike.vary(CHART, provider="anthropic", structured=True)
    value = json.loads(text)
    assert list(value) == ["data", "title"] and type(value["data"][0]["value"]) is int


def test_prose_gets_an_opening_and_thousands_separators_but_keeps_times_and_years():
    text = livelike.vary("The video costs 5800 tokens; the scene at 00:12 is from 2025, id a1234.",
                         provider="gemini", structured=False)
    assert text == "Okay, here's what I found: the video costs 5,800 tokens; the scene at 00:12 is from 2025, id a1234."


def test_prose_is_paraphrased_word_by_word():
    text = livelike.vary("The photo shows a cat. Revenue grew. Photos stay.", provider="openai", structured=False)
    assert text == "Sure, the picture depicts a cat. Revenue rose. Photos stay."


def test_the_switch_is_off_unless_set():
    assert livelike.enabled({}) is False and livelike.enabled({"MMCOURSE_LIVE_LIKE": "0"}) is False
    assert livelike.enabled({"MMCOURSE_LIVE_LIKE": "1"}) is True
    assert livelike.apply("A cat.", provider="openai", structured=False) == "A cat."  # tests run it off
