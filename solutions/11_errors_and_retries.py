# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 11 · When calls fail
#
# **Objectives**
# - Read an error response from each provider: status, error type, message.
# - Recognise the classic mistakes by their real error messages, and fix each one.
# - Retry rate limits and overloads with backoff that honours the server's `retry-after`,
#   and never retry a request that is wrong.
# - Handle "too large" (shrink the image) and timeouts, and wrap it all in a safe call.
#
# **Estimated time: 40 min**
#
# **Exercises:** 3 (1 easy, 2 medium, 0 hard).
#
# **You need:** lessons 02 to 05. No key: offline, the emulator validates every request as
# strictly as the real API and answers errors in each provider's exact shape (answers to valid
# requests come from the course data's ground truth, not a model). The cells that **inject
# faults** (429, 529, slow answers) work only against the emulator and say so; live they skip.

# %%
import mmcourse

conf = mmcourse.setup()

# %% tags=["nbval-check-output"]
import base64
import tempfile
import time

import requests

from mmcourse import datasets, registry

OPENAI, ANTHROPIC, GEMINI = conf["openai"], conf["anthropic"], conf["gemini"]
MODELS = {provider: registry.default_model(provider) for provider in ("openai", "anthropic", "gemini")}
PHOTO_B64 = base64.b64encode(datasets.path("photos/chelsea.jpg").read_bytes()).decode("ascii")
CLAUDE_HEADERS = {"x-api-key": ANTHROPIC.api_key, "anthropic-version": "2023-06-01"}


def post_claude(body, headers=CLAUDE_HEADERS):
    return requests.post(f"{ANTHROPIC.base_url}/v1/messages", headers=headers, json=body, timeout=60)


def post_gemini(model, body, headers=None):
    headers = headers if headers is not None else {"x-goog-api-key": GEMINI.api_key}
    url = f"{GEMINI.base_url}/v1beta/models/{model}:generateContent"
    return requests.post(url, headers=headers, json=body, timeout=60)


def post_openai(body):
    headers = {"Authorization": f"Bearer {OPENAI.api_key}"}
    return requests.post(f"{OPENAI.base_url}/chat/completions", headers=headers, json=body, timeout=60)


print(MODELS)

# %% [markdown]
# ## Reading an error
#
# Every provider answers a failed call with a non-2xx status and a JSON body, each in its own
# envelope:
#
# | provider | body | the kind of error | the message |
# |---|---|---|---|
# | OpenAI | `{"error": {"message", "type", "param", "code"}}` | `error.type` (and `error.code`) | `error.message` |
# | Anthropic | `{"type": "error", "error": {"type", "message"}, "request_id"}` | `error.type` | `error.message` |
# | Gemini | `{"error": {"code", "message", "status", "details"}}` (sometimes inside a list) | `error.status` | `error.message` |
#
# One small function reads all three. Print **this**, never the whole response object: it is
# what you need to fix the call.

# %%
def error_summary(response):
    """'400 invalid_request_error: max_tokens: Field required' from any provider's error body."""
    body = response.json()
    if isinstance(body, list):  # Gemini sometimes wraps its error in a list
        body = body[0]
    error = body["error"]
    kind = error.get("type") or error.get("status")
    return f"{response.status_code} {kind}: {error['message']}"


# %% [markdown]
# ## The classic mistakes, with the errors they really get
#
# Each cell below makes one mistake people make every day, and prints the error. Read the
# message: it almost always names the field and the fix.
#
# **Mistake 1: a data URL sent to Claude.** OpenAI wants `data:image/jpeg;base64,...`;
# Claude wants the raw base64 in `source.data`, with the type in `media_type`.

# %% tags=["nbval-check-output"]
response = post_claude({
    "model": MODELS["anthropic"], "max_tokens": 300,
    "messages": [{"role": "user", "content": [
        {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg",
                                     "data": f"data:image/jpeg;base64,{PHOTO_B64}"}},  # the mistake
        {"type": "text", "text": "Describe this photo."},
    ]}],
})
print(error_summary(response))

# %% [markdown]
# **Mistake 2: an OpenAI `image_url` part sent to Claude.** Code written for one provider and
# pointed at another. Claude lists the block types it knows.

# %% tags=["nbval-check-output"]
response = post_claude({
    "model": MODELS["anthropic"], "max_tokens": 300,
    "messages": [{"role": "user", "content": [
        {"type": "image_url", "image_url": {"url": f"data:image/jpeg;base64,{PHOTO_B64}"}},  # OpenAI's shape
        {"type": "text", "text": "Describe this photo."},
    ]}],
})
print(error_summary(response))

# %% [markdown]
# **Mistake 3: no `anthropic-version` header.** Claude requires it on every request.

# %% tags=["nbval-check-output"]
response = post_claude(
    {"model": MODELS["anthropic"], "max_tokens": 300, "messages": [{"role": "user", "content": "Hello"}]},
    headers={"x-api-key": ANTHROPIC.api_key},  # the version header is missing
)
print(error_summary(response))

# %% [markdown]
# **Mistake 4: no `max_tokens` for Claude.** Optional at OpenAI and Gemini, required at Anthropic.

# %% tags=["nbval-check-output"]
response = post_claude({"model": MODELS["anthropic"], "messages": [{"role": "user", "content": "Hello"}]})
print(error_summary(response))

# %% [markdown]
# **Mistake 5: the media type from the file name.** `errors/screenshot.jpg` is a PNG with a
# `.jpg` name. Declare `image/jpeg` because of the name and Claude compares it with the bytes.
# The fix: sniff the magic bytes (lesson 01), `mmcourse.sniff_mime(data)`.

# %% tags=["nbval-check-output"]
screenshot = datasets.path("errors/screenshot.jpg").read_bytes()
response = post_claude({
    "model": MODELS["anthropic"], "max_tokens": 300,
    "messages": [{"role": "user", "content": [
        {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg",  # from the name
                                     "data": base64.b64encode(screenshot).decode("ascii")}},
        {"type": "text", "text": "What is this?"},
    ]}],
})
print(error_summary(response))
print("the bytes say:", mmcourse.sniff_mime(screenshot))

# %% [markdown]
# **Predict the output.** Gemini gets a JPEG declared as `image/jpg` (a common spelling, but
# not a registered MIME type). Accepted, or an error? Which status?

# %% tags=["nbval-check-output"]
response = post_gemini(MODELS["gemini"], {"contents": [{"parts": [
    {"inline_data": {"mime_type": "image/jpg", "data": PHOTO_B64}},  # should be image/jpeg
    {"text": "Describe this photo."},
]}]})
print(error_summary(response))

# %% [markdown]
# **Mistake 7: the Gemini key as a Bearer token.** Google reads `Authorization: Bearer` as an
# OAuth access token, so an API key there is refused as bad credentials. Send it as
# `x-goog-api-key` (the emulator's wording of this error follows Google's OAuth error; the exact
# text for API keys is unconfirmed).

# %% tags=["nbval-check-output"]
response = post_gemini(
    MODELS["gemini"],
    {"contents": [{"parts": [{"text": "Hello"}]}]},
    headers={"Authorization": f"Bearer {GEMINI.api_key}"},  # should be x-goog-api-key
)
print(error_summary(response))

# %% [markdown]
# **Mistake 8: a retired model.** Tutorials age; model ids retire. The course's registry knows
# when and what replaced them, so check it before you copy an id from an old blog post.

# %% tags=["nbval-check-output"]
old = registry.is_retired("claude-3-5-sonnet-20240620")  # the id in many 2024 tutorials
response = post_claude({"model": old.id, "max_tokens": 300, "messages": [{"role": "user", "content": "Hello"}]})
print(error_summary(response))
print(f"registry: {old.id} retired on {old.retired}; use {old.replacement}")

# %% [markdown]
# **Mistake 9: `max_tokens` on a GPT-5 model.** OpenAI deprecated `max_tokens` in Chat
# Completions; reasoning models (GPT-5 and later) refuse it. Use `max_completion_tokens`.

# %% tags=["nbval-check-output"]
response = post_openai({
    "model": "gpt-5.5", "max_tokens": 300,  # should be max_completion_tokens
    "messages": [{"role": "user", "content": "Hello"}],
})
print(error_summary(response))

# %% [markdown]
# | mistake | status | fix |
# |---|---|---|
# | data URL in Claude's `source.data` | 400 | raw base64; type in `media_type` |
# | OpenAI `image_url` part to Claude | 400 | `{"type": "image", "source": {...}}` |
# | no `anthropic-version` | 400 | `anthropic-version: 2023-06-01` |
# | no `max_tokens` (Claude) | 400 | always send it |
# | media type from the file name | 400 | sniff the magic bytes |
# | `image/jpg` to Gemini | 400 | `image/jpeg` |
# | Gemini key as Bearer | 401 | `x-goog-api-key` header |
# | retired model | 404 | `mmcourse.registry` names the replacement |
# | `max_tokens` on GPT-5 | 400 | `max_completion_tokens` |
#
# None of these gets better by retrying. A 4xx means: **fix the request** (or the key).

# %% [markdown]
# ## 429: too many requests, and what to do about it
#
# Rate limits (429) and overloads (500, 503, Anthropic's 529) are **temporary**: the same
# request succeeds later. The server often says how much later:
#
# - OpenAI and Anthropic: the `retry-after` header (seconds; the SDKs also read `retry-after-ms`).
# - Gemini: `RetryInfo.retryDelay` inside the error body, e.g. `"20s"`.
#
# Without a hint, wait longer each time with some randomness (exponential backoff with jitter:
# the official SDKs wait 0.5 s × 2ⁿ, at most 8 s, minus up to 25 %).
#
# **Emulator-only:** the next cell asks the emulator to answer the next two Claude requests
# with 429 and `retry-after: 1` (`mmcourse.emulator.control.EmulatorControl`). Live it does
# nothing and the calls below simply succeed. Each provider decides on its own: with only some
# keys set, faults go to the providers that are offline.

# %%
from mmcourse.emulator.control import EmulatorControl

offline = [cfg for cfg in conf.values() if cfg.offline]
control = EmulatorControl(offline[0].base_url) if offline else None  # one emulator serves all three
if ANTHROPIC.offline:
    control.clear_faults()
    control.inject_fault("anthropic", 429, count=2, retry_after=1)
    print("emulator: the next 2 Claude requests will get 429 with retry-after: 1")
else:
    print("anthropic is live: fault injection exists only in the emulator")

# %%
QUICK = {"model": MODELS["anthropic"], "max_tokens": 50, "messages": [{"role": "user", "content": "What is 2 + 2?"}]}

response = post_claude(QUICK)
print(response.status_code, "retry-after:", response.headers.get("retry-after"))
if not response.ok:
    print(error_summary(response))

# %% [markdown]
# The loop every client needs: on 429, wait what the server asks, then send the **same**
# request again; stop after a few attempts.

# %%
for attempt in range(1, 5):
    response = post_claude(QUICK)
    print(f"attempt {attempt}: {response.status_code}")
    if response.status_code != 429:
        break
    wait = float(response.headers.get("retry-after", 2 ** attempt))
    print(f"  the server asks for {wait:g} s; waiting")
    time.sleep(wait)
print(response.json()["content"][0]["text"] if response.ok else error_summary(response))

# %% [markdown]
# Gemini puts its hint in the body. **Emulator-only:** one injected 429 for Gemini, to look at.

# %%
if GEMINI.offline:
    control.inject_fault("gemini", 429, count=1, retry_after=20)
response = post_gemini(MODELS["gemini"], {"contents": [{"parts": [{"text": "What is 2 + 2?"}]}]})
if response.status_code == 429:
    details = response.json()["error"]["details"]
    print([d for d in details if d["@type"].endswith("RetryInfo")])
else:
    print(response.status_code, "(no 429 to look at)")

# %% [markdown] mmcourse={"exercise": "ex-server-delay", "role": "instructions", "title": "How long does the server want me to wait?", "points": 3, "difficulty": "medium"}
# ### Exercise: how long does the server want me to wait?
#
# Write `server_delay(headers, body)` returning the number of seconds (a `float`) the server
# asked you to wait, or `None` when it gave no hint. `headers` is a dict (header names in any
# letter case); `body` is the parsed JSON error body (or `None`). In this order:
#
# 1. `retry-after-ms`: milliseconds (`"1500"` → `1.5`);
# 2. `retry-after`: seconds, possibly with a fraction (`"2"` → `2.0`, `"0.5"` → `0.5`); a value
#    that is not a number (an HTTP date) counts as no hint;
# 3. Gemini: the `retryDelay` of the detail whose `@type` ends in `google.rpc.RetryInfo`, a
#    string like `"20s"` or `"1.5s"`; the error may be wrapped in a list.

# %% [markdown] mmcourse={"exercise": "ex-server-delay", "role": "hint"}
# Lower-case the names once: `lower = {k.lower(): v for k, v in headers.items()}`. Wrap each
# `float(...)` in `try`/`except ValueError`.

# %% [markdown] mmcourse={"exercise": "ex-server-delay", "role": "hint"}
# For Gemini: `body["error"]["details"]`, find the RetryInfo detail, `float(delay.rstrip("s"))`.

# %% mmcourse={"exercise": "ex-server-delay", "role": "solution"}
def server_delay(headers, body):
    ### BEGIN SOLUTION
    lower = {name.lower(): value for name, value in (headers or {}).items()}
    for name, scale in (("retry-after-ms", 0.001), ("retry-after", 1.0)):
        if name in lower:
            try:
                return float(lower[name]) * scale
            except ValueError:
                pass
    if isinstance(body, list) and body:
        body = body[0]
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        for detail in body["error"].get("details", []):
            if str(detail.get("@type", "")).endswith("google.rpc.RetryInfo"):
                try:
                    return float(str(detail["retryDelay"]).rstrip("s"))
                except (KeyError, ValueError):
                    return None
    return None
    ### END SOLUTION
    ### BEGIN STARTER
    # # Check retry-after-ms, then retry-after, then Gemini's RetryInfo in the body; else None.
    # raise NotImplementedError("ex-server-delay: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-server-delay", "role": "visible-tests"}
def test_retry_after_seconds():
    expect(server_delay({"Retry-After": "2"}, None), 2.0)


def test_retry_after_ms_comes_first():
    expect(server_delay({"retry-after-ms": "1500", "retry-after": "2"}, None), 1.5)


def test_gemini_retry_info_in_the_body():
    body = {"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "details": [
        {"@type": "type.googleapis.com/google.rpc.Help", "links": []},
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "20s"}]}}
    expect(server_delay({}, body), 20.0)


def test_no_hint_is_none():
    assert server_delay({"content-type": "application/json"}, {"error": {"message": "x"}}) is None

# %% mmcourse={"exercise": "ex-server-delay", "role": "hidden-tests"}
from mmcourse.grading import expect


def test_random_header_values_and_cases(rng):
    for _ in range(20):
        seconds = round(rng.uniform(0, 60), rng.choice([0, 1, 3]))
        name = rng.choice(["retry-after", "Retry-After", "RETRY-AFTER"])
        expect(server_delay({name: str(seconds), "x-other": "1"}, None), float(seconds), what=f"{name}: {seconds}")
        ms = rng.randint(1, 90_000)
        expect(server_delay({rng.choice(["retry-after-ms", "Retry-After-Ms"]): str(ms), "retry-after": "99"}, None),
               ms / 1000, what=f"retry-after-ms: {ms}")


def test_http_date_is_no_hint():
    assert server_delay({"retry-after": "Wed, 21 Oct 2026 07:28:00 GMT"}, None) is None, \
        "an HTTP-date retry-after should count as no hint"


def test_gemini_delays_wrapped_or_not(rng):
    for _ in range(10):
        delay = round(rng.uniform(0.1, 50), rng.choice([0, 1, 3]))
        error = {"error": {"code": 429, "details": [
            {"@type": "type.googleapis.com/google.rpc.QuotaFailure", "violations": []},
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": f"{delay}s"}]}}
        body = [error] if rng.random() < 0.5 else error
        expect(server_delay({}, body), float(delay), what=f"retryDelay {delay}s")


def test_empty_inputs():
    assert server_delay({}, None) is None
    assert server_delay({}, {"type": "error", "error": {"type": "rate_limit_error", "message": "x"}}) is None

# %% [markdown] mmcourse={"exercise": "ex-retry-wrapper", "role": "instructions", "title": "A POST that retries the right errors", "points": 4, "difficulty": "medium"}
# ### Exercise: a POST that retries the right errors
#
# First `retry_wait(headers, body, retry, cap=30.0, jitter=random.random)`: how many seconds to
# wait before retry number `retry` (0 for the first retry) after a failed response whose headers
# are `headers` (a dict) and whose JSON is `body` (`None` when it is not JSON):
#
# - the server's delay when it gave one: `server_delay(headers, body)` from the exercise above,
#   so both `retry-after` and Gemini's `RetryInfo` count;
# - else exponential backoff with jitter, as the official SDKs do: `0.5 * 2 ** retry` seconds
#   minus a random share of up to 25 % (`jitter()` gives a number from 0 to 1);
# - never more than `cap` seconds.
#
# Then `post_with_retries(url, headers, body, max_attempts=4, sleep=time.sleep)`: POST `body`
# as JSON (with a timeout) and return the `requests.Response`.
#
# - On a **retryable** status (408, 409, 429, 500, 502, 503, 504, 529) try again, at most
#   `max_attempts` requests in all, calling `sleep(retry_wait(...))` before the n-th retry with
#   the failed response's headers and JSON.
# - Any other status (success or a 4xx mistake): return at once, **no retry**.
# - When the attempts run out, return the last (failed) response; do not raise.
#
# The check calls `retry_wait` with headers and bodies made by hand, and injects faults into the emulator and
# counts the requests that reached it for `post_with_retries`.

# %% [markdown] mmcourse={"exercise": "ex-retry-wrapper", "role": "hint"}
# `delay = server_delay(headers, body)`. Without a delay:
# `0.5 * 2 ** retry * (1 - 0.25 * jitter())`. Finish with `min(wait, cap)`.

# %% [markdown] mmcourse={"exercise": "ex-retry-wrapper", "role": "hint"}
# `for attempt in range(max_attempts):` post; `if response.status_code not in RETRYABLE or
# attempt == max_attempts - 1: return response`; else read its JSON (`try: body = response.json()`
# / `except ValueError: body = None`) and `sleep(retry_wait(dict(response.headers), body, attempt))`.

# %% mmcourse={"exercise": "ex-retry-wrapper", "role": "solution"}
import random

RETRYABLE = {408, 409, 429, 500, 502, 503, 504, 529}


def retry_wait(headers, body, retry, cap=30.0, jitter=random.random):
    ### BEGIN SOLUTION
    delay = server_delay(headers, body)
    if delay is None:
        delay = 0.5 * 2 ** retry * (1 - 0.25 * jitter())
    return min(delay, cap)
    ### END SOLUTION
    ### BEGIN STARTER
    # # The server's delay (server_delay), else 0.5 * 2 ** retry minus up to 25 % jitter(); at most cap.
    # raise NotImplementedError("ex-retry-wrapper: write your code here")
    ### END STARTER


def post_with_retries(url, headers, body, max_attempts=4, sleep=time.sleep):
    ### BEGIN SOLUTION
    for attempt in range(max_attempts):
        response = requests.post(url, headers=headers, json=body, timeout=60)
        if response.status_code not in RETRYABLE or attempt == max_attempts - 1:
            return response
        try:
            reply = response.json()
        except ValueError:
            reply = None
        sleep(retry_wait(dict(response.headers), reply, attempt))
    ### END SOLUTION
    ### BEGIN STARTER
    # # Loop over the attempts; return on success, on a non-retryable status or on the last attempt.
    # raise NotImplementedError("ex-retry-wrapper: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-retry-wrapper", "role": "visible-tests"}
import json
import random

from mmcourse.emulator.control import EmulatorControl
from mmcourse.grading import requests_log


def _gemini_429(delay):
    return {"error": {"code": 429, "status": "RESOURCE_EXHAUSTED", "message": "Quota exceeded.", "details": [
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": delay}]}}


def test_gemini_retry_info_counts_without_any_header():
    wait = retry_wait({"content-type": "application/json"}, _gemini_429("7s"), 0)
    assert 7.0 <= wait <= 7.0 * 1.25, f"Gemini asked for 7 s in RetryInfo; retry_wait gave {wait!r}"


def test_the_server_delay_is_capped():
    wait = retry_wait({}, _gemini_429("90s"), 0, cap=30.0)
    assert wait <= 30.0, f"never wait more than cap (30 s); retry_wait gave {wait!r}"
    wait = retry_wait({"retry-after": "120"}, None, 0, cap=30.0)
    assert wait <= 30.0, f"a retry-after of 120 s is capped too; retry_wait gave {wait!r}"


def test_backoff_grows_with_jitter_without_a_hint():
    rng = random.Random(0)
    for retry in range(4):
        full = 0.5 * 2 ** retry
        waits = [retry_wait({}, {"error": {"message": "x"}}, retry, jitter=rng.random) for _ in range(8)]
        assert all(0.75 * full <= w <= full for w in waits), f"retry {retry}: waits {waits} not within 75-100 % of {full}"
        assert len(set(waits)) > 1, f"retry {retry}: every wait is {waits[0]}: add jitter (jitter())"


def _claude(conf):
    cfg = conf["anthropic"]
    headers = {"x-api-key": cfg.api_key, "anthropic-version": "2023-06-01"}
    body = {"model": registry.default_model("anthropic"), "max_tokens": 50,
            "messages": [{"role": "user", "content": "What is 2 + 2?"}]}
    return f"{cfg.base_url}/v1/messages", headers, body


def test_two_429s_then_success_waits_what_the_server_asked():
    control = EmulatorControl(conf["anthropic"].base_url)
    control.clear_faults()
    control.inject_fault("anthropic", 429, count=2, retry_after=3)
    waits = []
    before = len(requests_log("anthropic"))
    try:
        response = post_with_retries(*_claude(conf), sleep=waits.append)
    finally:
        control.clear_faults()  # never leave faults queued for the cells below
    expect(response.status_code, 200, what="final status")
    expect(len(waits), 2, what="number of waits")
    assert all(3.0 <= w <= 3.0 * 1.25 for w in waits), f"the server asked for 3 s (retry-after); waits {waits}"
    expect(len(requests_log("anthropic")) - before, 3, what="requests that reached the server")


def test_a_400_is_not_retried():
    url, headers, body = _claude(conf)
    del body["max_tokens"]  # a mistake: retrying cannot fix it
    waits = []
    before = len(requests_log("anthropic"))
    response = post_with_retries(url, headers, body, sleep=waits.append)
    expect(response.status_code, 400, what="status")
    expect(len(requests_log("anthropic")) - before, 1, what="requests sent for a 400")
    expect(waits, [], what="waits")

# %% mmcourse={"exercise": "ex-retry-wrapper", "role": "hidden-tests"}
import mmcourse as _mm
from mmcourse import registry as _registry
from mmcourse.emulator.control import EmulatorControl
from mmcourse.grading import expect, requests_log


def _gemini(conf):
    cfg = conf["gemini"]
    url = f"{cfg.base_url}/v1beta/models/{_registry.default_model('gemini')}:generateContent"
    return url, {"x-goog-api-key": cfg.api_key}, {"contents": [{"parts": [{"text": "What is 2 + 2?"}]}]}


def test_random_fault_sequences(rng):
    conf = _mm.setup(quiet=True)
    control = EmulatorControl(conf["anthropic"].base_url)  # the emulator's origin
    for _ in range(3):
        control.clear_faults()
        status = rng.choice([429, 500, 503])
        count = rng.randint(1, 3)
        delay = rng.randint(1, 30)
        control.inject_fault("gemini", status, count=count, retry_after=delay)
        waits = []
        before = len(requests_log("gemini"))
        try:
            response = post_with_retries(*_gemini(conf), max_attempts=4, sleep=waits.append)
        finally:
            control.clear_faults()
        expect(response.status_code, 200, what=f"final status after {count} x {status}")
        expect(waits, [float(delay)] * count, what=f"waits after {count} x {status} with retry-after {delay}")
        expect(len(requests_log("gemini")) - before, count + 1, what="requests sent")


def test_gives_up_after_max_attempts_and_returns_the_last_response(rng):
    conf = _mm.setup(quiet=True)
    control = EmulatorControl(conf["anthropic"].base_url)
    control.clear_faults()
    attempts = rng.randint(2, 4)
    control.inject_fault("anthropic", 529, count=10)
    cfg = conf["anthropic"]
    waits = []
    before = len(requests_log("anthropic"))
    try:
        response = post_with_retries(
            f"{cfg.base_url}/v1/messages", {"x-api-key": cfg.api_key, "anthropic-version": "2023-06-01"},
            {"model": _registry.default_model("anthropic"), "max_tokens": 20,
             "messages": [{"role": "user", "content": "Hi"}]},
            max_attempts=attempts, sleep=waits.append)
    finally:
        control.clear_faults()
    expect(response.status_code, 529, what="status returned when the attempts run out")
    expect(len(requests_log("anthropic")) - before, attempts, what=f"requests sent with max_attempts={attempts}")
    expect(len(waits), attempts - 1, what="number of waits")


def test_backoff_without_a_hint():
    conf = _mm.setup(quiet=True)
    control = EmulatorControl(conf["anthropic"].base_url)  # the origin (OpenAI's base ends in /v1)
    control.clear_faults()
    control.inject_fault("openai", 500, count=3)  # no retry-after
    cfg = conf["openai"]
    waits = []
    try:
        response = post_with_retries(
            f"{cfg.base_url}/chat/completions", {"Authorization": f"Bearer {cfg.api_key}"},
            {"model": _registry.default_model("openai"), "messages": [{"role": "user", "content": "Hi"}]},
            sleep=waits.append)
    finally:
        control.clear_faults()
    expect(response.status_code, 200, what="final status")
    expect(len(waits), 3, what="the number of waits before the fourth try")
    for n, (wait, base) in enumerate(zip(waits, [0.5, 1.0, 2.0]), start=1):
        # Backoff without a server delay: 0.5 s x 2^n minus up to 25 % jitter, as the lesson builds it.
        assert 0.75 * base - 1e-9 <= wait <= base + 1e-9, (
            f"wait {n} was {wait:.3f} s; without retry-after it should be {base} s minus up to 25 % jitter")


def test_other_client_errors_are_not_retried():
    conf = _mm.setup(quiet=True)
    url, headers, body = _gemini(conf)
    body["contents"][0]["parts"].append({"inline_data": {"mime_type": "image/jpg", "data": "AAAA"}})
    before = len(requests_log("gemini"))
    response = post_with_retries(url, headers, body, sleep=lambda s: None)
    expect(response.status_code, 400, what="status")
    expect(len(requests_log("gemini")) - before, 1, what="requests sent for a 400")

# %% [markdown]
# ## Too large: 400 per image, 413 per request
#
# Phone photos are big. The next cell makes a 24-megapixel JPEG (a course photo, enlarged, in
# a temporary folder). Claude takes at most 10 MB of **base64** per image (5 MB before 2026)
# and 32 MB per request (Anthropic vision and error docs, 2026).

# %% tags=["nbval-check-output"]
big = datasets.make_oversized_image(tempfile.mkdtemp())
big_bytes = big.read_bytes()
big_b64 = base64.b64encode(big_bytes).decode("ascii")
print(f"{big.name}: {len(big_bytes) / 1e6:.1f} MB on disk, {len(big_b64) / 1e6:.1f} MB as base64")

# %% tags=["nbval-check-output"]
photo_block = {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg", "data": big_b64}}
response = post_claude({"model": MODELS["anthropic"], "max_tokens": 300, "messages": [
    {"role": "user", "content": [photo_block, {"type": "text", "text": "Describe this photo."}]}]})
print(error_summary(response))

# %% [markdown]
# **Predict the output.** Four such photos in one request: more than 32 MB in all. Which
# status now? (Anthropic's 413 comes from its proxy, before the API even reads the request.)

# %% tags=["nbval-check-output"]
response = post_claude({"model": MODELS["anthropic"], "max_tokens": 300, "messages": [
    {"role": "user", "content": [photo_block] * 4 + [{"type": "text", "text": "Compare these photos."}]}]})
print(error_summary(response))

# %% [markdown]
# The fix is not a retry: **shrink before sending**. Claude resizes anything above 1568 px on
# the long edge anyway (2576 px on its high-resolution models), so a 6000 px photo only costs
# you upload time. Resize to the model's edge, re-encode as JPEG, and it is accepted (and
# still recognised).

# %% tags=["nbval-check-output"]
small = mmcourse.resize_image(big_bytes, max_edge=1568, quality=85)
print(f"{mmcourse.encoding.image_size(small)} px, {len(small) / 1e6:.2f} MB")
response = post_claude({"model": MODELS["anthropic"], "max_tokens": 300, "messages": [
    {"role": "user", "content": [
        {"type": "image", "source": {"type": "base64", "media_type": "image/jpeg",
                                     "data": base64.b64encode(small).decode("ascii")}},
        {"type": "text", "text": "Describe this photo in one sentence."},
    ]}]})
response.raise_for_status()
print(response.json()["content"][0]["text"])

# %% [markdown]
# Limits to resize for (2026): Claude 10 MB base64 per image, 8000 px per side (2000 px with
# more than 20 images), 32 MB per request; Gemini 100 MB per request inline (use the File API
# above that); OpenAI 512 MB per request (how it answers beyond that is unconfirmed).
#
# ## Timeouts
#
# `requests` waits **forever** unless you pass `timeout`. Give it a pair: seconds to connect,
# seconds to wait for the answer. **Emulator-only:** the next Gemini answer is delayed 1.5 s,
# and we allow 0.5 s.

# %%
if GEMINI.offline:
    control.inject_fault("gemini", None, count=1, latency_ms=1500)
try:
    response = requests.post(
        f"{GEMINI.base_url}/v1beta/models/{MODELS['gemini']}:generateContent",
        headers={"x-goog-api-key": GEMINI.api_key},
        json={"contents": [{"parts": [{"text": "What is 2 + 2?"}]}]},
        timeout=(5, 0.5),  # (connect, read) in seconds
    )
    print("answered:", response.status_code)
except requests.Timeout as exc:
    print("gave up waiting:", type(exc).__name__)

# %% [markdown]
# A timeout does not mean the request failed: the server may still finish it, **and bill it**.
# The emulator's log shows it did answer, after we had left.

# %%
if GEMINI.offline:
    time.sleep(1.2)  # let the slow answer finish
    print("the server's record of that request:", control.log("gemini")[-1]["status"])

# %% [markdown]
# So retry a timeout only if sending the request twice is harmless (it is for a question about
# an image; think twice for anything that writes). The SDKs' defaults: 600 s total and 5 s to
# connect (OpenAI, Anthropic); no timeout at all in google-genai unless you set one.
#
# ## A safe wrapper
#
# You have now written every piece by hand. The course's `mmcourse.ask` (lesson 05) does the
# same: a (5 s, 120 s) timeout, up to 2 retries on 408/409/429/5xx waiting what the server asks,
# and a typed `mmcourse.APIError` (status, error type, message, retry delay) otherwise.
# **Emulator-only:** one Claude 529 "overloaded" first.

# %% tags=["nbval-check-output"]
if ANTHROPIC.offline:
    control.inject_fault("anthropic", 529, count=1, retry_after=0.2)
answer = mmcourse.ask("anthropic", "What is 2 + 2?", max_output_tokens=50)
print(answer.text)
print("HTTP attempts:", mmcourse.client.default_client().last.attempts)

# %% [markdown]
# A wrapper for code that must not crash (a batch job, a web handler): it returns the text or a
# one-line reason, and it lets programming errors (a typo, a wrong argument) still raise.

# %%
def safe_ask(provider, prompt, *files, **options):
    """mmcourse.ask that returns (text, None) or (None, reason); never raises for API trouble."""
    try:
        return mmcourse.ask(provider, prompt, *files, **options).text, None
    except mmcourse.APIError as error:  # the provider answered with an error
        return None, f"{error.status} {error.error_type}: {error.message}"
    except mmcourse.LiveCallError as error:  # no answer at all (network, timeout)
        return None, f"no answer: {error}"
    except (mmcourse.CapabilityError, registry.UnknownModelError) as error:  # caught before sending
        return None, f"not sent: {error}"


# %% tags=["nbval-check-output"]
print(safe_ask("gemini", "Describe this photo in one sentence.", datasets.path("photos/chelsea.jpg")))
print(safe_ask("openai", "Hello", model="gpt-5.5", max_tokens=50))
print(safe_ask("anthropic", "Summarise this meeting.", datasets.path("audio/meeting_excerpt.wav")))
print(safe_ask("anthropic", "Hello", model="claude-3-5-sonnet-20240620"))

# %% [markdown] mmcourse={"exercise": "ex-next-step", "role": "instructions", "title": "What to do about an error", "points": 2, "difficulty": "easy"}
# ### Exercise: what to do about an error
#
# Write `next_step(status, error_type)` returning what the caller should do. `error_type` is
# the most specific kind the error body gives: OpenAI's `error.code` (else `error.type`),
# Anthropic's `error.type`, Gemini's `reason` from `error.details` (else `error.status`).
#
# - `"fix-billing"` for a billing problem, where waiting never helps: OpenAI's 429
#   `insufficient_quota` (an empty account) and Anthropic's 402 `billing_error` (a payment
#   problem; Anthropic's errors page lists it beside the other statuses);
# - `"fix-key"` for 401 and 403, and for Gemini's wrong key: a **400** with reason
#   `API_KEY_INVALID` (lesson 04);
# - `"retry"` for 408, 409, 429 and every status from 500 up (including Anthropic's 529);
# - `"shrink"` for 413;
# - `"fix-model"` for 404;
# - `"fix-request"` for any other status from 400 to 499.

# %% [markdown] mmcourse={"exercise": "ex-next-step", "role": "hint"}
# Check the special cases first (billing, then the key), then the statuses.

# %% mmcourse={"exercise": "ex-next-step", "role": "solution"}
def next_step(status, error_type):
    ### BEGIN SOLUTION
    if error_type in ("insufficient_quota", "billing_error"):
        return "fix-billing"
    if status in (401, 403) or error_type == "API_KEY_INVALID":
        return "fix-key"
    if status in (408, 409, 429) or status >= 500:
        return "retry"
    if status == 413:
        return "shrink"
    if status == 404:
        return "fix-model"
    return "fix-request"
    ### END SOLUTION

# %% mmcourse={"exercise": "ex-next-step", "role": "visible-tests"}
def test_common_cases():
    expect(next_step(429, "rate_limit_error"), "retry")
    expect(next_step(529, "overloaded_error"), "retry")
    expect(next_step(400, "invalid_request_error"), "fix-request")
    expect(next_step(401, "authentication_error"), "fix-key")
    expect(next_step(404, "not_found_error"), "fix-model")
    expect(next_step(413, "request_too_large"), "shrink")


def test_billing_problems_are_not_rate_limits_or_mistakes():
    expect(next_step(429, "insufficient_quota"), "fix-billing", what="OpenAI's empty account")
    expect(next_step(402, "billing_error"), "fix-billing", what="Anthropic's 402")


def test_geminis_wrong_key_is_a_400_that_needs_the_key_fixed():
    expect(next_step(400, "API_KEY_INVALID"), "fix-key")
    expect(next_step(403, "PERMISSION_DENIED"), "fix-key", what="Gemini without a key")

# %% mmcourse={"exercise": "ex-next-step", "role": "hidden-tests"}
from mmcourse.grading import expect


def test_every_status(rng):
    expected = {408: "retry", 409: "retry", 429: "retry", 413: "shrink", 401: "fix-key", 403: "fix-key",
                404: "fix-model", 400: "fix-request", 422: "fix-request", 402: "fix-request"}
    for status in range(500, 600):
        expected[status] = "retry"
    for status, step in expected.items():
        kind = rng.choice(["invalid_request_error", "RESOURCE_EXHAUSTED", "api_error", "INVALID_ARGUMENT"])
        expect(next_step(status, kind), step, what=f"next_step({status}, {kind!r})")


def test_quota_wins_over_status():
    for status in (429, 400, 403):
        expect(next_step(status, "insufficient_quota"), "fix-billing", what=f"status {status}")

# %% [markdown]
# ## What you learned
#
# - Every error body says what is wrong; print status, type and message, and read them.
# - 4xx: fix the request or the key; retrying a mistake only repeats it.
# - 429/5xx/529: retry, waiting what the server asks (`retry-after`, Gemini's `RetryInfo`),
#   else exponential backoff with jitter; give up after a few attempts.
# - Too large: shrink the image to the model's edge before sending.
# - Always set a timeout, and remember a timed-out request may still be billed.
#
# Next: lesson 12, what each call costs and how to choose a model.
