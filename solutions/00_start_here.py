# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 00 · Start here
#
# This course teaches you to send images, audio, video and PDFs to three multimodal LLM APIs
# (OpenAI Chat Completions, Anthropic Messages and Google Gemini `generateContent`) with nothing
# but Python and `requests`. You see every byte that goes over the wire, so later you can debug
# any SDK, proxy or gateway built on top of them.
#
# **Objectives**
# - Know how a lesson works and where the course is going.
# - Tell, for each provider, whether your calls go to the offline emulator or to the live API, and switch.
# - Keep an API key in a `.env` file so it never reaches a notebook output, a log or git.
# - Send your first raw HTTP request and find the answer in the JSON that comes back.
# - Know how exercises are checked in the notebook and graded afterwards.
#
# **Estimated time: 20 min**
#
# **Exercises:** 3 (2 easy, 1 medium, 0 hard).
#
# **You need:** nothing else. No API key, no internet: with no key, every call goes to a local
# emulator that ships with the course.

# %% [markdown]
# ## How every lesson works
#
# Each notebook opens with its objectives and a setup cell, then teaches by sending **real HTTP
# requests** and looking at what comes back. Cells marked **Predict** ask you to guess an output
# before you run the cell that shows it (that cell comes to you unrun): guessing first is what
# makes it stick. Each lesson ends
# with 2 to 4 exercises that you check in the notebook.
#
# | Lessons | What you build |
# |---|---|
# | 00-01 | this tour; bytes, base64 and MIME types (how a picture fits into JSON) |
# | 02-04 | one raw request per provider: OpenAI, Anthropic, Gemini |
# | 05 | one function for all three, then the course's helper `mmcourse.ask` |
# | 06-10 | charts, receipts, audio, video, several images and PDFs |
# | 11-12 | errors and retries; tokens, cost and routing |
# | 13 | the Responses API, side by side with Chat Completions |
# | 14 | tools and structured outputs with images: a receipt becomes a tool call |
# | 15 | cost at scale: prompt caching and batches |
# | 16 | privacy, limits, and when not to send an image at all |
# | 17 | capstone: a document analyser you build, graded on documents you never saw |
# | 18 | appendix: the same calls through the official SDKs |
#
# Every lesson states its own time. **Teaching paths**, by those times:
#
# | path | lessons | time |
# |---|---|---|
# | 3-hour workshop (`workshop-3h`) | 00 to 05 | 20 + 30 + 30 + 30 + 30 + 35 min = 2 h 55 min |
# | one-day course (`one-day`) | 00 to 05, then 06, 07, 10, 11, 12 | 2 h 55 min + 30 + 35 + 45 + 40 + 35 min = 6 h 00 min, plus breaks |
#
# Lessons 08 (audio), 09 (video), 13 to 16 (the 2026 API surface, cost at scale, privacy), the
# capstone 17 and the SDK appendix 18 make a second day or homework. Teachers:
# `python -m mmcourse path workshop-3h` lists a path and rehearses it.
#
# The first code cell of every lesson is the same two lines. Run it now (Shift+Enter).

# %%
import mmcourse

conf = mmcourse.setup()

# %% [markdown]
# ## Offline or live
#
# `setup()` printed one line per provider. It decides each provider **on its own**:
#
# | Situation | Mode | Where calls go |
# |---|---|---|
# | no key for that provider | offline | the mmcourse emulator on your machine (127.0.0.1) |
# | a key in the environment or in `.env` | live | the provider's real API (costs money) |
# | `MMCOURSE_MODE=offline` or `live` set | that mode for all three | |
#
# `conf` is a dict of the three settings. Each has a `mode`, a `base_url` and an `api_key`
# (which you pass on, never print).

# %% tags=["nbval-check-output"]
for name, cfg in conf.items():
    print(f"{name:<9} {cfg.mode:<7} key from: {cfg.key_source or 'nowhere (offline needs none)'}")

# %% [markdown]
# **What the emulator is, honestly.** It is a real HTTP server that speaks all three wire formats.
# It checks every request as strictly as the real API and answers mistakes with the real error
# shapes. It is **not a model**: its answers come from the ground truth of the course's own data
# files (it recognises them by their bytes) and from what it can measure in media you send.
# So offline answers about course files are right, and about anything else it says what it can't
# do. Set a key to hear a real model; the same cells then run against the real API.

# %% [markdown]
# ## Your first request
#
# Below is a complete Chat Completions request: a URL, one header with the key, and a JSON body
# naming a model and carrying one message. Lesson 02 explains every field.
#
# **Predict:** what will `r.status_code` be? And where, inside the JSON that comes back, is the
# text of the answer?

# %% tags=["nbval-check-output"]
import requests

cfg = conf["openai"]
model = mmcourse.registry.default_model("openai")

r = requests.post(
    f"{cfg.base_url}/chat/completions",
    headers={"Authorization": f"Bearer {cfg.api_key}"},
    json={"model": model, "messages": [{"role": "user", "content": "What is 2 + 2?"}]},
    timeout=60,
)
r.status_code

# %% [markdown]
# 200 means it worked. The answer text sits three levels down: the first of the `choices`, its
# `message`, its `content`.

# %% tags=["nbval-check-output"]
print(r.json()["choices"][0]["message"]["content"])

# %% [markdown]
# The whole response is a few dozen lines of JSON. `ResponseViewer` shows it as a tree with the
# answer's path marked (in JupyterLab you can fold and unfold it), with the token usage and the
# list-price cost of the call. You will read these paths by hand in lessons 02 to 04.

# %%
from mmcourse.widgets import ResponseViewer

ResponseViewer(r.json())

# %% [markdown]
# Who answered? Every emulator response carries an `x-mmcourse-emulator` header; the real APIs
# never send it. Handy when you are not sure which mode a cell ran in.

# %% tags=["nbval-check-output"]
print("answered by the emulator:", "x-mmcourse-emulator" in r.headers)

# %% [markdown]
# ## The course data
#
# The course ships photos, charts, receipts, speech, a video and PDFs, each with its ground truth
# in `data/manifest.json`. `mmcourse.datasets` finds them for you. Here is what there is:

# %% tags=["nbval-check-output"]
from collections import Counter

from mmcourse import datasets

print(Counter(e["kind"] for e in datasets.entries()))

# %% [markdown]
# One of the photos, as a small thumbnail (notebooks show thumbnails, never full-size images),
# and the caption the emulator knows for it. In lesson 02 you send this photo to OpenAI.

# %%
from mmcourse.display import show_image

show_image(datasets.path("photos/chelsea.jpg"), max_edge=200)

# %% tags=["nbval-check-output"]
print(datasets.entry("photos/chelsea.jpg")["truth"]["caption"])

# %% [markdown]
# ## Going live with a key, safely
#
# 1. Create a key in the provider's console (OpenAI platform, Anthropic Console, Google AI Studio).
# 2. Put it in a file named `.env` in the folder the notebooks run in (`notebooks/`), one line each:
#    ```
#    OPENAI_API_KEY=...
#    ANTHROPIC_API_KEY=...
#    GEMINI_API_KEY=...
#    ```
# 3. Re-run `conf = mmcourse.setup()`: that provider's line now says `live`.
#
# A variable exported in your shell wins over `.env` (restart the kernel after changing your
# shell's environment). `mmcourse` looks for `.env` in the folder the kernel runs in; this cell
# says which folder that is and whether a `.env` is there (it prints no contents):

# %%
from pathlib import Path

print("the kernel runs in:", Path.cwd().name + "/")
print("a .env file is there:", (Path.cwd() / ".env").exists())

# %% [markdown]
# The rules that keep a key safe:
# - **Never type a key into a cell.** Notebooks get saved, shared, committed and graded, and a key
#   in a cell lives on in the `.ipynb` JSON.
# - **Never print a key or the headers that carry it.** `mmcourse` redacts them wherever it shows a
#   request; your own code should too (exercise 2 below).
# - **Keep `.env` out of git.** The course's `.gitignore` lists it; `git check-ignore -v notebooks/.env`
#   proves it for your clone.
# - **If a key leaks, revoke it** in the console at once. Deleting the commit is not enough.
#
# To see how `mmcourse` reads a `.env` without touching yours, here is a throwaway one with a
# made-up key, in a temporary folder:

# %%
import tempfile

from mmcourse import config

demo_env = Path(tempfile.mkdtemp()) / ".env"
demo_env.write_text("# my keys: this file never leaves my machine\nANTHROPIC_API_KEY=demo-key-not-real-0000\n")
values = config.read_dotenv(demo_env)
print(sorted(values))  # the names only: printing values would print the key

# %% [markdown]
# **Predict:** with that `.env` and nothing in the environment, which mode would Anthropic be in?
# And what would the settings object show if you printed it?

# %% tags=["nbval-check-output"]
demo = config.provider_config("anthropic", env={}, dotenv=values)
print(demo)
print("the most a log line ever shows:", demo.redacted_key)

# %% [markdown]
# Live, with the real host, and the key is nowhere in the printout. `MMCOURSE_MODE=offline`
# (in the environment or in `.env`) sends everything back to the emulator while keeping your keys
# where they are: useful in a workshop, or to run the checks for free.

# %% tags=["nbval-check-output"]
print(config.provider_config("anthropic", env={"MMCOURSE_MODE": "offline"}, dotenv=values).mode)

# %% [markdown]
# From a terminal, `mmcourse doctor` prints the same facts for your real setup: mode, which
# variable the key came from (never the key), base URL, and whether the emulator answers.

# %% [markdown]
# ## How exercises are checked
#
# Each exercise has instructions, a code cell with starter code, and a locked **check cell**.
#
# - Write your code, run your cell, then run the check cell. It prints ✓ or ✗ for each visible
#   test, and why. Until you start, it says *not attempted yet*.
# - Until every test passes, the check's report ends with the hints, each behind a "Hint 1 of 2"
#   toggle: open one at a time. `hint("ex-id")` shows the next one too.
# - Exercises about the wire format are judged by **what actually reached the emulator**: the
#   check reads the emulator's request log for your session, not your variables. Checks always
#   send to the emulator, even when you are live, so they are free and repeatable.
# - Your instructor grades the saved notebook with `mmcourse grade`: your cells run in a sandbox
#   of their own, then the visible tests **and hidden tests with other inputs** call your
#   functions from outside it (hard-coded answers fail those). Each exercise scores its points
#   times the share of tests passed.
#
# Here is the request log at work on the request you sent above (offline only: live, that
# request went to OpenAI and the emulator never saw it).

# %% tags=["nbval-check-output"]
from mmcourse.grading import last_request

if conf["openai"].offline:
    record = last_request("openai")
    print(record["verdict"], record["path"], record["model"])
    print("the key as logged:", record["headers"]["authorization"])
    print("your message:", record["request"]["messages"][0]["content"])
else:
    print("openai is live: the emulator saw nothing")

# %% [markdown] mmcourse={"exercise": "ex-which-mode", "role": "instructions", "title": "Offline or live?", "points": 2, "difficulty": "easy"}
# ### Exercise 1: offline or live?
#
# Write `mode_for(provider, env)` that returns `"offline"` or `"live"` for `provider` (`"openai"`,
# `"anthropic"` or `"gemini"`) given `env`, a dict of environment variables, by the course's rules:
#
# 1. If `env` has `MMCOURSE_MODE` set to `offline` or `live` (any case, spaces around ignored), that wins.
# 2. Otherwise the provider is live when one of its key variables holds a non-blank value:
#    `OPENAI_API_KEY`; `ANTHROPIC_API_KEY`; `GOOGLE_API_KEY` or `GEMINI_API_KEY` for Gemini.
# 3. Otherwise it is offline.

# %% [markdown] mmcourse={"exercise": "ex-which-mode", "role": "hint"}
# `KEY_VARIABLES[provider]` is the tuple of variable names to look at. Check `MMCOURSE_MODE`
# before looking at any key.

# %% [markdown] mmcourse={"exercise": "ex-which-mode", "role": "hint"}
# `env.get("MMCOURSE_MODE", "").strip().lower()` is `""` when unset; a key counts when
# `env.get(name, "").strip()` is not empty.

# %% mmcourse={"exercise": "ex-which-mode", "role": "solution"}
KEY_VARIABLES = {
    "openai": ("OPENAI_API_KEY",),
    "anthropic": ("ANTHROPIC_API_KEY",),
    "gemini": ("GOOGLE_API_KEY", "GEMINI_API_KEY"),
}


def mode_for(provider, env):
    ### BEGIN SOLUTION
    forced = env.get("MMCOURSE_MODE", "").strip().lower()
    if forced in ("offline", "live"):
        return forced
    if any(env.get(name, "").strip() for name in KEY_VARIABLES[provider]):
        return "live"
    return "offline"
    ### END SOLUTION
    ### BEGIN STARTER
    # # 1. MMCOURSE_MODE wins; 2. a non-blank key variable means live; 3. else offline.
    # raise NotImplementedError("ex-which-mode: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-which-mode", "role": "visible-tests"}
def test_no_key_is_offline_config():
    expect(mode_for("openai", {}), "offline")


def test_a_key_makes_that_provider_live():
    env = {"ANTHROPIC_API_KEY": "demo-key"}
    expect(mode_for("anthropic", env), "live")
    expect(mode_for("openai", env), "offline", what="openai has no key")


def test_gemini_reads_either_variable():
    expect(mode_for("gemini", {"GEMINI_API_KEY": "demo-key"}), "live")
    expect(mode_for("gemini", {"GOOGLE_API_KEY": "demo-key"}), "live")


def test_mmcourse_mode_wins():
    expect(mode_for("openai", {"OPENAI_API_KEY": "demo-key", "MMCOURSE_MODE": " Offline "}), "offline")


def test_a_blank_key_does_not_count():
    expect(mode_for("openai", {"OPENAI_API_KEY": "   "}), "offline")

# %% mmcourse={"exercise": "ex-which-mode", "role": "hidden-tests"}
from mmcourse import config


def _course_mode(provider, env):
    # The package's own resolution; MMCOURSE_MODE=live without a key is an error there, "live" here.
    try:
        return config.provider_config(provider, env, {}, "http://127.0.0.1:9").mode
    except config.ConfigError:
        return "live"


def test_random_environments_match_the_course_rules(rng):
    names = ["OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GOOGLE_API_KEY", "GEMINI_API_KEY", "HOME", "PATH"]
    for _ in range(40):
        env = {}
        for name in rng.sample(names, rng.randint(0, len(names))):
            env[name] = rng.choice(["demo-key-" + str(rng.randint(0, 999)), "", "  ", "x"])
        if rng.random() < 0.4:
            env["MMCOURSE_MODE"] = rng.choice(["offline", "LIVE", " live ", "Offline", ""])
        provider = rng.choice(["openai", "anthropic", "gemini"])
        expect(mode_for(provider, env), _course_mode(provider, env), what=f"mode_for({provider!r}, {env!r})")

# %% [markdown] mmcourse={"exercise": "ex-safe-headers", "role": "instructions", "title": "Headers safe to print", "points": 2, "difficulty": "easy"}
# ### Exercise 2: headers you can print
#
# When a request fails you want to print its headers, but three of them carry a key:
# `Authorization` (OpenAI), `x-api-key` (Anthropic) and `x-goog-api-key` (Gemini). Header names
# are case-insensitive, so `X-Api-Key` is the same header.
#
# Write `safe_headers(headers)` that returns a **new** dict with the same names, where:
# - an `Authorization` value keeps its scheme word and hides the rest: `"Bearer abc"` → `"Bearer <redacted>"`
#   (a value with no space becomes just `"<redacted>"`);
# - `x-api-key` and `x-goog-api-key` values become `"<redacted>"`;
# - every other header is unchanged, and the dict you were given is not modified.

# %% [markdown] mmcourse={"exercise": "ex-safe-headers", "role": "hint"}
# Compare `name.lower()` with the three lowercase names; build the result in a new dict.

# %% [markdown] mmcourse={"exercise": "ex-safe-headers", "role": "hint"}
# `value.partition(" ")` splits `"Bearer abc"` into `("Bearer", " ", "abc")`; the middle part is
# empty when there is no space.

# %% mmcourse={"exercise": "ex-safe-headers", "role": "solution"}
def safe_headers(headers):
    ### BEGIN SOLUTION
    safe = {}
    for name, value in headers.items():
        lower = name.lower()
        if lower == "authorization":
            scheme, space, _ = value.partition(" ")
            safe[name] = f"{scheme} <redacted>" if space else "<redacted>"
        elif lower in ("x-api-key", "x-goog-api-key"):
            safe[name] = "<redacted>"
        else:
            safe[name] = value
    return safe
    ### END SOLUTION
    ### BEGIN STARTER
    # # Build a new dict; hide the three credential headers whatever their case.
    # raise NotImplementedError("ex-safe-headers: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-safe-headers", "role": "visible-tests"}
def test_bearer_keeps_its_scheme():
    expect(safe_headers({"Authorization": "Bearer demo-key-123"}), {"Authorization": "Bearer <redacted>"})


def test_anthropic_and_gemini_keys_are_hidden():
    given = {"x-api-key": "demo-key-1", "X-Goog-Api-Key": "demo-key-2", "anthropic-version": "2023-06-01"}
    expect(safe_headers(given), {"x-api-key": "<redacted>", "X-Goog-Api-Key": "<redacted>",
                                 "anthropic-version": "2023-06-01"})


def test_the_original_is_not_modified():
    given = {"Authorization": "Bearer demo-key-123", "Content-Type": "application/json"}
    safe_headers(given)
    expect(given, {"Authorization": "Bearer demo-key-123", "Content-Type": "application/json"})

# %% mmcourse={"exercise": "ex-safe-headers", "role": "hidden-tests"}
def _random_case(rng, name):
    return "".join(c.upper() if rng.random() < 0.5 else c.lower() for c in name)


def test_random_headers_never_show_a_key(rng):
    others = {"Content-Type": "application/json", "User-Agent": "python-requests", "anthropic-version": "2023-06-01",
              "Accept": "*/*"}
    for _ in range(30):
        key = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(rng.randint(8, 40)))
        secret_name = rng.choice(["authorization", "x-api-key", "x-goog-api-key"])
        name = _random_case(rng, secret_name)
        value = f"Bearer {key}" if secret_name == "authorization" and rng.random() < 0.8 else key
        given = {name: value, **dict(rng.sample(sorted(others.items()), rng.randint(0, 4)))}
        copy = dict(given)
        result = safe_headers(given)
        assert key not in repr(result), f"the key still shows in {sorted(result)} (header {name!r})"
        expect(sorted(result), sorted(given), what="the header names")
        for other, other_value in given.items():
            if other != name:
                expect(result[other], other_value, what=f"header {other!r}")
        if secret_name == "authorization" and value.startswith("Bearer "):
            expect(result[name], "Bearer <redacted>", what=f"header {name!r}")
        expect(given, copy, what="the dict you were given")

# %% [markdown] mmcourse={"exercise": "ex-first-request", "role": "instructions", "title": "Your first request, as a function", "points": 3, "difficulty": "medium"}
# ### Exercise 3: your first request, as a function
#
# Turn the request from "Your first request" into a function you could paste into any project:
# `ask_text(base_url, api_key, model, question)` sends `question` as the one user message to
# `{base_url}/chat/completions` and returns the answer text (a `str`).
#
# - Pass the key in the `Authorization: Bearer ...` header and set a `timeout`.
# - If the API answers with an error status, raise `requests.HTTPError` (`r.raise_for_status()`
#   does exactly that) instead of returning the error as if it were an answer.
#
# The check calls your function against the emulator and then reads the emulator's log to see
# what your request really carried.

# %% [markdown] mmcourse={"exercise": "ex-first-request", "role": "hint"}
# Copy the `requests.post(...)` cell from above into the function and replace `cfg.base_url`,
# `cfg.api_key`, `model` and the question with the parameters.

# %% [markdown] mmcourse={"exercise": "ex-first-request", "role": "hint"}
# After `r.raise_for_status()`, return `r.json()["choices"][0]["message"]["content"]`.

# %% mmcourse={"exercise": "ex-first-request", "role": "solution"}
def ask_text(base_url, api_key, model, question):
    ### BEGIN SOLUTION
    r = requests.post(
        f"{base_url}/chat/completions",
        headers={"Authorization": f"Bearer {api_key}"},
        json={"model": model, "messages": [{"role": "user", "content": question}]},
        timeout=60,
    )
    r.raise_for_status()
    return r.json()["choices"][0]["message"]["content"]
    ### END SOLUTION
    ### BEGIN STARTER
    # # POST {base_url}/chat/completions with the Bearer header and a JSON body, then return the text.
    # raise NotImplementedError("ex-first-request: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-first-request", "role": "visible-tests"}

import requests

from mmcourse import config, registry


def test_the_question_reaches_the_api_and_the_answer_comes_back():
    cfg = offline_config("openai")
    answer = ask_text(cfg.base_url, cfg.api_key, registry.default_model("openai"), "What is 20 + 22?")
    record = last_request("openai")
    assert record is not None, "no request reached the emulator"
    assert record["verdict"] == "accepted", f"the emulator refused the request: {record['error']}"
    assert "What is 20 + 22?" in str(record["request"]["messages"]), "the question is not in the messages"
    assert type(answer) is str, f"ask_text should return the answer text (a str), got {type(answer).__name__}"
    assert "42" in answer, f"the emulator answered 42, but ask_text returned {answer!r}"


def test_an_error_status_raises():
    cfg = offline_config("openai")
    try:
        ask_text(cfg.base_url, cfg.api_key, "gpt-4.5-preview", "What is 1 + 1?")  # retired: the API says 404
    except requests.HTTPError:
        return
    raise AssertionError("a 404 from the API should raise requests.HTTPError (call r.raise_for_status())")

# %% mmcourse={"exercise": "ex-first-request", "role": "hidden-tests"}

import requests

from mmcourse import config, registry


def test_other_questions_and_models(rng):
    cfg = offline_config("openai")
    for _ in range(3):
        a, b = rng.randint(100, 999), rng.randint(100, 999)
        model = rng.choice(["gpt-4o", "gpt-4.1", registry.default_model("openai")])
        question = f"What is {a} + {b}?"
        answer = ask_text(cfg.base_url, cfg.api_key, model, question)
        record = last_request("openai")
        assert record is not None and record["verdict"] == "accepted", "the emulator refused the request"
        expect(record["model"], model, what="the model your request named")
        assert question in str(record["request"]["messages"]), f"the question {question!r} was not sent"
        assert type(answer) is str and str(a + b) in answer, f"expected the answer text with {a + b}, got {answer!r}"
        assert record["headers"].get("authorization") == "<redacted>", "the key must travel in the Authorization header"


def test_a_401_raises():
    cfg = offline_config("openai")
    try:
        ask_text(cfg.base_url, "demo-invalid-key", registry.default_model("openai"), "What is 1 + 1?")
    except requests.HTTPError:
        return
    raise AssertionError("a 401 from the API should raise requests.HTTPError")

# %% [markdown]
# ## What's next
#
# Lesson 01 looks at the bytes themselves: how a photo becomes text that fits into JSON, what
# that costs, and how to tell a JPEG from a PNG without trusting its name.
