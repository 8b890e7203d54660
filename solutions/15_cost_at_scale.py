# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 15 · Cost at scale: caching and batches
#
# Lesson 12 priced 10,000 documents at the standard rates. Two features of all three APIs cut
# that bill: **prompt caching** (a long prefix you send again is billed at a fraction of the
# price, a tenth on most current models) and **batches** (send the whole job at once, get the
# answers within 24 hours, pay half).
#
# **Objectives**
# - Cache a long PDF with each provider's mechanism (Claude's `cache_control` breakpoints,
#   OpenAI's automatic prefix cache, Gemini's implicit cache and explicit `cachedContents`),
#   and read the cache fields in each `usage`.
# - Price a cached and an uncached call exactly with the course's price table, including the
#   cache **write premium**, and find when caching pays.
# - Submit 10,000 requests as a real batch to each provider, poll it, download the results
#   file and parse it by id, and compare its cost with the same job sent one call at a time.
# - Tell the three batch formats apart: request line, result line, ids, states, limits.
#
# **Estimated time: 50 min**
#
# **Exercises:** 3 (1 easy, 1 medium, 1 hard).
#
# **You need:** lessons 10 (PDFs and uploads), 12 (tokens and prices) and 13 (the Responses
# API). No key: offline, the emulator keeps a real prompt cache and runs batch jobs on its own
# clock (its answers come from the course data's ground truth, not a model). Live, the batch
# cells send a dozen requests instead of 10,000, and a real batch can take hours.

# %%
import mmcourse

conf = mmcourse.setup()

# %%
import base64
import io
import json
import time
from decimal import Decimal

import requests
from pypdf import PdfReader, PdfWriter

from mmcourse import datasets, files, pricing
from mmcourse.emulator.control import EmulatorControl

OPENAI, ANTHROPIC, GEMINI = conf["openai"], conf["anthropic"], conf["gemini"]
MODELS = {"openai": "gpt-5.4-mini", "anthropic": "claude-sonnet-4-6", "gemini": "gemini-2.5-flash"}
OPENAI_AUTH = {"Authorization": f"Bearer {OPENAI.api_key}"}
CLAUDE_HEADERS = {"x-api-key": ANTHROPIC.api_key, "anthropic-version": "2023-06-01"}
GEMINI_AUTH = {"x-goog-api-key": GEMINI.api_key}
print(f"prices as of {pricing.PRICES_AS_OF}")


def usd(amount):
    """Dollars to the millionth: single calls cost fractions of a cent."""
    return f"${amount:,.6f}"

# %% [markdown]
# A cache lives on the provider's side for minutes. **Emulator-only:** so that the first call
# below writes the cache even if you ran this notebook a minute ago, start this scope afresh
# (its cached prefixes, uploads, batches and request log). Live there is nothing to reset.

# %%
OFFLINE = [cfg for cfg in conf.values() if cfg.offline]
if OFFLINE:
    EmulatorControl(OFFLINE[0].base_url).reset()
    print("emulator: this scope starts empty")

# %% [markdown]
# ## A long PDF
#
# Caching pays when a long prefix repeats: a contract, a manual, a board pack that you ask many
# questions about. The course's PDFs are short (lesson 10's annual report has 3 pages), so we
# bind a longer one from them with `pypdf`: the report and the invoice, four times over.

# %% tags=["nbval-check-output"]
writer = PdfWriter()
for _ in range(4):
    for part in ("documents/annual_report.pdf", "documents/invoice.pdf"):
        writer.append(str(datasets.path(part)))
buffer = io.BytesIO()
writer.write(buffer)
LONG_PDF = buffer.getvalue()
LONG_PDF_B64 = base64.b64encode(LONG_PDF).decode("ascii")
print(f"{len(PdfReader(io.BytesIO(LONG_PDF)).pages)} pages, {len(LONG_PDF):,} bytes")

# %% [markdown]
# The emulator does not know this bundle (it recognises the course's own files), so it answers
# with what it measured and the text it extracted: that is enough here, where the **usage** is
# what we watch. Two different questions about the same PDF: the PDF is the shared prefix.

# %%
QUESTIONS = ["What is the total due on the invoice?", "Which quarter had the highest revenue?"]

# %% [markdown]
# ## Claude: `cache_control` breakpoints
#
# Claude caches only what you mark. A `"cache_control": {"type": "ephemeral"}` on a block caches
# the prompt **up to and including** that block (tools, then system, then messages), for 5
# minutes (`"ttl": "1h"` for an hour), at most 4 breakpoints per request. The first request
# **writes** the cache, the next ones within the TTL **read** it.

# %%
def ask_claude_about_pdf(question):
    """One question about LONG_PDF, with a cache breakpoint on the document; returns the usage."""
    response = requests.post(f"{ANTHROPIC.base_url}/v1/messages", headers=CLAUDE_HEADERS, timeout=120, json={
        "model": MODELS["anthropic"], "max_tokens": 300,
        "messages": [{"role": "user", "content": [
            {"type": "document", "source": {"type": "base64", "media_type": "application/pdf", "data": LONG_PDF_B64},
             "cache_control": {"type": "ephemeral"}},
            {"type": "text", "text": question},
        ]}],
    })
    response.raise_for_status()
    return response.json()["usage"]


claude_usage = [ask_claude_about_pdf(q) for q in QUESTIONS]
FIELDS = ("input_tokens", "cache_creation_input_tokens", "cache_read_input_tokens", "output_tokens")
for n, usage in enumerate(claude_usage, 1):
    print(f"call {n}: " + "  ".join(f"{k}={usage[k]}" for k in FIELDS))

# %% [markdown]
# Claude's `input_tokens` is only what comes **after** the last breakpoint (the question). The
# prompt is the sum of the three input fields. Call 1 wrote the PDF to the cache; call 2 read it.
#
# Prices, from `mmcourse.pricing` (Anthropic's prompt-caching page, 2026): a 5-minute write costs
# **1.25×** the input price, a 1-hour write **2×**, a read **0.1×**. `pricing.usage_cost` reads
# a raw `usage` and applies them. Without caching, every prompt token is billed at the input price.
#
# **Predict:** does call 1, with its cache write, cost more or less than the same call without
# `cache_control`?

# %% tags=["nbval-check-output"]
def claude_prompt_tokens(usage):
    return usage["input_tokens"] + usage["cache_creation_input_tokens"] + usage["cache_read_input_tokens"]


model = MODELS["anthropic"]
for n, usage in enumerate(claude_usage, 1):
    cached = pricing.usage_cost(model, usage)
    plain = pricing.cost(model, claude_prompt_tokens(usage), usage["output_tokens"])
    print(f"call {n}: {usd(cached)} with caching, {usd(plain)} without")

# %% [markdown]
# The write makes the prompt cost a quarter more than a plain call; every read after it costs a
# tenth. So caching pays from the second use on, within the TTL (each read restarts the 5
# minutes).
#
# ## OpenAI: automatic prefix caching
#
# Nothing to mark: any prompt of **1,024 tokens or more** whose beginning matches a recent
# request is read from the cache, counted in `usage.prompt_tokens_details.cached_tokens` (Chat;
# `usage.input_tokens_details.cached_tokens` in the Responses API), in steps of 128 tokens, with
# no write premium (OpenAI prompt-caching guide, 2026). Keep the long, fixed part **first** and
# the question last, or nothing matches.

# %%
def ask_openai_about_pdf(question):
    response = requests.post(f"{OPENAI.base_url}/chat/completions", headers=OPENAI_AUTH, timeout=120, json={
        "model": MODELS["openai"], "max_completion_tokens": 2000,
        "messages": [{"role": "user", "content": [
            {"type": "file", "file": {"filename": "board_pack.pdf",
                                      "file_data": f"data:application/pdf;base64,{LONG_PDF_B64}"}},
            {"type": "text", "text": question},
        ]}],
    })
    response.raise_for_status()
    return response.json()["usage"]


openai_usage = [ask_openai_about_pdf(q) for q in QUESTIONS]
for n, usage in enumerate(openai_usage, 1):
    print(f"call {n}: prompt_tokens={usage['prompt_tokens']}  "
          f"cached_tokens={usage['prompt_tokens_details']['cached_tokens']}  completion_tokens={usage['completion_tokens']}")

# %% [markdown]
# Here `prompt_tokens` **includes** the cached ones, and they are billed at the model's cached
# rate (for GPT-5.4 mini \$0.075 instead of \$0.75 per million).

# %% tags=["nbval-check-output"]
model = MODELS["openai"]
for n, usage in enumerate(openai_usage, 1):
    cached = pricing.usage_cost(model, usage)
    plain = pricing.cost(model, usage["prompt_tokens"], usage["completion_tokens"])
    print(f"call {n}: {usd(cached)} with caching, {usd(plain)} without")

# %% [markdown]
# ## Gemini: implicit and explicit caching
#
# Gemini 2.5 and later cache **implicitly** (no field to set) a repeated prefix of at least
# 2,048 tokens on 2.5 models (4,096 on 3.x; Gemini caching docs, 2026-07), reported as
# `usageMetadata.cachedContentTokenCount`, **inside** `promptTokenCount`.
#
# **Predict:** lesson 10's 3-page annual report alone costs Gemini 2.5 Flash 258 tokens a page.
# Sent twice, is any of it read from the cache?

# %% tags=["nbval-check-output"]
def ask_gemini(parts):
    url = f"{GEMINI.base_url}/v1beta/models/{MODELS['gemini']}:generateContent"
    response = requests.post(url, headers=GEMINI_AUTH, timeout=120, json={"contents": [{"role": "user", "parts": parts}]})
    response.raise_for_status()
    return response.json()["usageMetadata"]


report = base64.b64encode(datasets.path("documents/annual_report.pdf").read_bytes()).decode("ascii")
for question in QUESTIONS:
    usage = ask_gemini([{"inline_data": {"mime_type": "application/pdf", "data": report}}, {"text": question}])
    print(f"promptTokenCount={usage['promptTokenCount']}  cachedContentTokenCount={usage.get('cachedContentTokenCount', 0)}")

# %% [markdown]
# No: under 800 tokens is below the 2,048-token minimum, and a miss costs nothing extra, it just saves
# nothing (OpenAI's minimum is 1,024 tokens, Claude's 1,024 to 4,096 by model). The 16-page PDF
# is long enough:

# %%
gemini_usage = [ask_gemini([{"inline_data": {"mime_type": "application/pdf", "data": LONG_PDF_B64}}, {"text": q}])
                for q in QUESTIONS]
for n, usage in enumerate(gemini_usage, 1):
    print(f"call {n}: promptTokenCount={usage['promptTokenCount']}  "
          f"cachedContentTokenCount={usage.get('cachedContentTokenCount', 0)}")

# %% [markdown]
# Implicit hits are not guaranteed (the real service decides; the emulator hits whenever the
# prefix repeats within 5 minutes). To be
# sure, create an **explicit** cache: `POST /v1beta/cachedContents` with the contents and a
# `ttl`, then name it in `cachedContent` and send only the question. Explicit caches are also
# billed for **storage** per token-hour (not in the course's table), so delete them when done.

# %%
response = requests.post(f"{GEMINI.base_url}/v1beta/cachedContents", headers=GEMINI_AUTH, timeout=120, json={
    "model": f"models/{MODELS['gemini']}", "ttl": "600s",
    "contents": [{"role": "user", "parts": [{"inline_data": {"mime_type": "application/pdf", "data": LONG_PDF_B64}}]}],
})
response.raise_for_status()
cache = response.json()
print(cache["name"].split("/")[0], "holds", cache["usageMetadata"]["totalTokenCount"], "tokens")

url = f"{GEMINI.base_url}/v1beta/models/{MODELS['gemini']}:generateContent"
response = requests.post(url, headers=GEMINI_AUTH, timeout=120, json={
    "cachedContent": cache["name"], "contents": [{"role": "user", "parts": [{"text": "What was Q3 revenue?"}]}]})
response.raise_for_status()
explicit_usage = response.json()["usageMetadata"]
print(f"promptTokenCount={explicit_usage['promptTokenCount']}  "
      f"cachedContentTokenCount={explicit_usage['cachedContentTokenCount']}")
print("deleted:", requests.delete(f"{GEMINI.base_url}/v1beta/{cache['name']}", headers=GEMINI_AUTH, timeout=60).json())

# %% [markdown]
# ## What caching saved, exactly
#
# Two questions about the 16-page PDF, with and without the cache, per provider. Money stays
# `Decimal`, so the saving is exact, not rounded. (Gemini's cached reads are priced at 10 % of
# its input price; its Developer API figure per model is unconfirmed, see `mmcourse.pricing`.)

# %% tags=["nbval-check-output"]
# (prompt tokens, output tokens) of a usage, per provider; Gemini bills thinking as output.
TOKENS_OF = {
    "anthropic": lambda u: (claude_prompt_tokens(u), u["output_tokens"]),
    "openai": lambda u: (u["prompt_tokens"], u["completion_tokens"]),
    "gemini": lambda u: (u["promptTokenCount"], u.get("candidatesTokenCount", 0) + u.get("thoughtsTokenCount", 0)),
}


def uncached_cost(provider, usage):
    """The same call with every prompt token at the input price."""
    return pricing.cost(MODELS[provider], *TOKENS_OF[provider](usage))


print(f"{'USD':<10} {'with cache':>11} {'without':>11} {'saved':>11} {'share':>6}")
for provider, usages in [("anthropic", claude_usage), ("openai", openai_usage), ("gemini", gemini_usage)]:
    cached = sum(pricing.usage_cost(MODELS[provider], u) for u in usages)
    plain = sum(uncached_cost(provider, u) for u in usages)
    print(f"{provider:<10} {cached:>11.6f} {plain:>11.6f} {plain - cached:>11.6f} {(plain - cached) / plain:>6.1%}")

# %% [markdown]
# Over two calls the saving is modest: the first call pays full price (or more, at Claude).
# Over a hundred questions about the same PDF, it approaches 90 % of the input bill.
#
# Where each provider counts the cached tokens:
#
# | provider | cached tokens | the prompt's total | write premium |
# |---|---|---|---|
# | OpenAI | `prompt_tokens_details.cached_tokens` (Responses: `input_tokens_details`) | `prompt_tokens` (includes cached) | none |
# | Anthropic | `cache_read_input_tokens` (writes: `cache_creation_input_tokens`) | `input_tokens` + both cache fields | 1.25× (5 min) or 2× (1 h) |
# | Gemini | `cachedContentTokenCount` | `promptTokenCount` (includes cached) | none (explicit: storage per hour) |

# %% [markdown] mmcourse={"exercise": "ex-cached-share", "role": "instructions", "title": "How much of the prompt came from the cache?", "points": 2, "difficulty": "easy"}
# ### Exercise 1: how much of the prompt came from the cache?
#
# Write `cached_share(provider, usage)` that returns the share of the prompt's tokens read from
# the cache, a `float` from 0.0 to 1.0, for a raw `usage` (`usageMetadata` for Gemini) of
# `"openai"` (Chat **or** Responses shape), `"anthropic"` or `"gemini"`. Cache writes are not
# reads. A field that is missing counts as 0, and a prompt of 0 tokens has a share of 0.0.

# %% [markdown] mmcourse={"exercise": "ex-cached-share", "role": "hint"}
# Use the table above. Only Anthropic's total is a sum of three fields; OpenAI's details may sit
# under `prompt_tokens_details` or `input_tokens_details`, with `prompt_tokens` or `input_tokens`.

# %% mmcourse={"exercise": "ex-cached-share", "role": "solution"}
def cached_share(provider, usage):
    ### BEGIN SOLUTION
    if provider == "anthropic":
        read = usage.get("cache_read_input_tokens") or 0
        total = (usage.get("input_tokens") or 0) + (usage.get("cache_creation_input_tokens") or 0) + read
    elif provider == "openai":
        details = usage.get("prompt_tokens_details") or usage.get("input_tokens_details") or {}
        read = details.get("cached_tokens") or 0
        total = usage.get("prompt_tokens", usage.get("input_tokens")) or 0
    elif provider == "gemini":
        read = usage.get("cachedContentTokenCount") or 0
        total = usage.get("promptTokenCount") or 0
    else:
        raise ValueError(f"unknown provider {provider!r}")
    return read / total if total else 0.0
    ### END SOLUTION
    ### BEGIN STARTER
    # # Find the cached tokens and the prompt's total in this provider's usage; divide.
    # raise NotImplementedError("ex-cached-share: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-cached-share", "role": "visible-tests"}
def test_claude_second_call_is_mostly_cached():
    usage = {"input_tokens": 3, "output_tokens": 33, "cache_creation_input_tokens": 418, "cache_read_input_tokens": 1111}
    expect(cached_share("anthropic", usage), 1111 / 1532, what="Claude: reads over input + writes + reads")


def test_openai_chat_and_responses_shapes():
    expect(cached_share("openai", {"prompt_tokens": 2048, "prompt_tokens_details": {"cached_tokens": 1920}}), 0.9375)
    expect(cached_share("openai", {"input_tokens": 1000, "input_tokens_details": {"cached_tokens": 0}}), 0.0)


def test_gemini_counts_cached_inside_the_prompt():
    expect(cached_share("gemini", {"promptTokenCount": 4133, "cachedContentTokenCount": 4128}), 4128 / 4133)
    expect(cached_share("gemini", {"promptTokenCount": 775}), 0.0, what="no cachedContentTokenCount at all")

# %% mmcourse={"exercise": "ex-cached-share", "role": "hidden-tests"}
from mmcourse.grading import expect


def test_random_usages(rng):
    for _ in range(30):
        total, read = rng.randint(1, 400_000), 0
        read = rng.randint(0, total)
        write = rng.randint(0, total - read)
        expect(cached_share("anthropic", {"input_tokens": total - read - write, "cache_creation_input_tokens": write,
                                          "cache_read_input_tokens": read, "output_tokens": rng.randint(1, 99)}),
               read / total, what=f"Claude with {read} read and {write} written of {total}")
        key = rng.choice(["prompt", "input"])
        expect(cached_share("openai", {f"{key}_tokens": total, f"{key}_tokens_details": {"cached_tokens": read}}),
               read / total, what=f"OpenAI ({key}_tokens) with {read} of {total} cached")
        expect(cached_share("gemini", {"promptTokenCount": total, "cachedContentTokenCount": read}), read / total,
               what=f"Gemini with {read} of {total} cached")


def test_a_claude_write_is_not_a_read():
    expect(cached_share("anthropic", {"input_tokens": 10, "cache_creation_input_tokens": 5000}), 0.0)


def test_empty_prompts_are_zero():
    for provider, usage in [("anthropic", {}), ("openai", {"prompt_tokens": 0}), ("gemini", {"promptTokenCount": 0})]:
        expect(cached_share(provider, usage), 0.0, what=f"{provider} with no prompt tokens")

# %% [markdown]
# ## When does caching pay?
#
# A cache write costs more than a plain send at Claude, and every cache lives only minutes
# unless it is read. For `n` calls that share a prefix of `p` tokens within the TTL, with the
# prefix's input price `i` and cache prices `w` (write) and `r` (read) per token:
#
# - without caching: `n × p × i`
# - with caching: `p × w + (n − 1) × p × r`
#
# `pricing.price(model).cache_rates(p)` gives `(read, 5-minute write, 1-hour write)` in USD per
# million tokens (OpenAI and Gemini have no write premium: their write rate is the input rate).

# %% tags=["nbval-check-output"]
for model in ["claude-sonnet-4-6", "gpt-5.4-mini", "gemini-2.5-flash"]:
    read, write_5m, write_1h = pricing.price(model).cache_rates(20_000)
    print(f"{model:<18} input {pricing.price(model).input:>5}  read {read:>6}  write 5m {write_5m:>6}  write 1h {write_1h:>5}")

# %% [markdown] mmcourse={"exercise": "ex-cache-plan", "role": "instructions", "title": "Does the cache pay?", "points": 3, "difficulty": "medium"}
# ### Exercise 2: does the cache pay?
#
# Write `cache_plan(model, prefix_tokens, calls, ttl="5m")` for `calls` requests that each send
# the same prefix of `prefix_tokens` tokens (count only the prefix: the rest of each request
# costs the same either way). The first request writes the cache at the `ttl`'s write rate
# (`"5m"` or `"1h"`), the others read it. Use the rates for a prompt of `prefix_tokens` tokens
# (`pricing.price(model).rates(prefix_tokens)[0]` is the input rate; `cache_rates(prefix_tokens)`
# the cache rates, all USD per million tokens). Return a dict with exact `Decimal`s:
#
# - `"uncached_usd"`: the prefix sent `calls` times at the input rate;
# - `"cached_usd"`: one write plus `calls − 1` reads;
# - `"saving_usd"`: uncached minus cached (negative when caching costs more);
# - `"break_even_calls"`: the smallest number of calls (an `int`, at least 1) at which caching
#   costs **strictly less** than not caching, or `None` if it never does.

# %% [markdown] mmcourse={"exercise": "ex-cache-plan", "role": "hint"}
# With per-token prices, caching is cheaper for `n` calls when `w + (n − 1) r < n i`, that is
# `n (i − r) > w − r`. Try `n = 1, 2, 3, ...` (it is at most a few calls), or solve it.

# %% mmcourse={"exercise": "ex-cache-plan", "role": "solution"}
def cache_plan(model, prefix_tokens, calls, ttl="5m"):
    ### BEGIN SOLUTION
    row = pricing.price(model)
    in_rate = row.rates(prefix_tokens)[0]
    read, write_5m, write_1h = row.cache_rates(prefix_tokens)
    write = {"5m": write_5m, "1h": write_1h}[ttl]
    million = Decimal(1_000_000)
    uncached = calls * prefix_tokens * in_rate / million
    cached = (prefix_tokens * write + (calls - 1) * prefix_tokens * read) / million if calls else Decimal(0)
    break_even = None
    if read < in_rate:
        n = 1
        while write + (n - 1) * read >= n * in_rate:
            n += 1
        break_even = n
    return {"uncached_usd": uncached, "cached_usd": cached, "saving_usd": uncached - cached,
            "break_even_calls": break_even}
    ### END SOLUTION
    ### BEGIN STARTER
    # raise NotImplementedError("ex-cache-plan: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-cache-plan", "role": "visible-tests"}
from decimal import Decimal


def test_claude_five_minutes_pays_from_the_second_call():
    plan = cache_plan("claude-sonnet-4-6", 100_000, 10)
    expect(plan["uncached_usd"], Decimal("3"), what="10 x 100,000 tokens at $3 per million")
    expect(plan["cached_usd"], Decimal("0.645"), what="one 1.25x write and nine 0.1x reads")
    expect(plan["saving_usd"], Decimal("2.355"))
    expect(plan["break_even_calls"], 2)


def test_a_one_hour_write_needs_a_third_call():
    expect(cache_plan("claude-sonnet-4-6", 50_000, 2, ttl="1h")["saving_usd"], Decimal("-0.015"),
           what="a 2x write and one read against two plain sends")
    expect(cache_plan("claude-sonnet-4-6", 50_000, 2, ttl="1h")["break_even_calls"], 3)

# %% mmcourse={"exercise": "ex-cache-plan", "role": "hidden-tests"}
from decimal import Decimal as _D

from mmcourse import pricing as _pricing
from mmcourse.grading import expect


def _expected(model, p, calls, ttl):
    row = _pricing.price(model)
    i = row.rates(p)[0]
    r, w5, w1 = row.cache_rates(p)
    w = w5 if ttl == "5m" else w1
    unc = calls * p * i / _D(1_000_000)
    cac = (p * w + (calls - 1) * p * r) / _D(1_000_000)
    n = next(n for n in range(1, 100) if w + (n - 1) * r < n * i)
    return unc, cac, n


def test_random_plans(rng):
    models = ["claude-sonnet-4-6", "claude-haiku-4-5", "claude-opus-4-7", "claude-sonnet-4-5", "gpt-5.4-mini",
              "gpt-4o", "gpt-5", "gpt-5.4", "gemini-2.5-flash", "gemini-2.5-pro"]
    for _ in range(25):
        model, ttl = rng.choice(models), rng.choice(["5m", "1h"])
        p, calls = rng.randint(1_024, 400_000), rng.randint(1, 500)
        unc, cac, n = _expected(model, p, calls, ttl)
        plan = cache_plan(model, p, calls, ttl)
        what = f"{model}, {p} prefix tokens, {calls} calls, ttl {ttl}"
        expect(plan["uncached_usd"], unc, what=f"uncached_usd for {what}")
        expect(plan["cached_usd"], cac, what=f"cached_usd for {what}")
        expect(plan["saving_usd"], unc - cac, what=f"saving_usd for {what}")
        expect(plan["break_even_calls"], n, what=f"break_even_calls for {what}")


def test_amounts_are_decimals():
    plan = cache_plan("gpt-5.4-mini", 3_333, 7)
    for key in ("uncached_usd", "cached_usd", "saving_usd"):
        assert type(plan[key]) is _D, f"{key} should be a decimal.Decimal, not {type(plan[key]).__name__}"

# %% [markdown]
# ## 10,000 documents as a batch
#
# Lesson 12 priced 10,000 one-page documents at the standard rates. Most such jobs do not need
# an answer in seconds: a **batch** sends them all at once, the provider answers within 24 hours
# (usually much sooner), and bills **half** the standard price (each provider's batch docs, 2026;
# `pricing.BATCH_DISCOUNT`).
#
# Our job: read the store, date and total from 10,000 receipts. The course has four receipt
# images, so document *n* is receipt *n* mod 4, each with its own id. Upload each image once
# (lesson 10) and refer to it by id, or the batch would carry 10,000 copies of the pixels.

# %%
RECEIPTS = ["receipts/greenleaf_market.png", "receipts/maple_bean_cafe.png", "receipts/ridgeway_hardware.png",
            "receipts/greenleaf_market_photo.jpg"]
PROMPT = "Extract the store, the date and the total from this receipt as JSON with the keys store, date and total."
N_DOCS = 10_000 if all(cfg.offline for cfg in conf.values()) else 12  # live, a dozen real (billed) requests
DOCS = [(f"doc-{n:05d}", RECEIPTS[n % len(RECEIPTS)]) for n in range(N_DOCS)]
print(len(DOCS), "documents:", DOCS[0], "...", DOCS[-1])

# %% [markdown]
# **The clock.** A real batch takes minutes to hours: you submit, go away, and poll now and then.
# The emulator moves each job one state every 2 s by default; **emulator-only**, we speed its
# clock to 20 ms per state, so the polling below finishes in well under a second. Live,
# the same loop polls every 30 s for up to 20 minutes and then tells you to come back later.

# %%
if OFFLINE:
    EmulatorControl(OFFLINE[0].base_url).set_batch_clock(0.02)
    print("emulator: each batch job moves one state every 0.02 s")


def wait_for(check, offline, poll_live=30.0, max_live=1200.0):
    """Call check() until it returns something other than None; return that (or None at the limit)."""
    poll, limit = (0.02, 60.0) if offline else (poll_live, max_live)
    deadline = time.monotonic() + limit
    while True:
        result = check()
        if result is not None or time.monotonic() > deadline:
            return result
        time.sleep(poll)


# %% [markdown]
# ### OpenAI: a JSONL file, `/v1/files`, `/v1/batches`
#
# Each line of the input file is one request: a `custom_id` of yours, `method`, `url` (the
# endpoint) and the `body` you would have POSTed. Images by file id work in the Responses API
# (lesson 13), so the lines target `/v1/responses`.

# %%
openai_ids = {path: files.upload_multipart("openai", datasets.path(path), purpose="vision")["id"] for path in RECEIPTS}


def openai_line(custom_id, path):
    return {"custom_id": custom_id, "method": "POST", "url": "/v1/responses", "body": {
        "model": MODELS["openai"], "max_output_tokens": 300,
        "input": [{"role": "user", "content": [{"type": "input_image", "file_id": openai_ids[path]},
                                               {"type": "input_text", "text": PROMPT}]}]}}


jsonl = "".join(json.dumps(openai_line(cid, path)) + "\n" for cid, path in DOCS).encode()
print(f"{len(jsonl):,} bytes of JSONL; the first line:")
print(jsonl.split(b"\n")[0].decode()[:160], "...")

# %%
up = requests.post(f"{OPENAI.base_url}/files", headers=OPENAI_AUTH, data={"purpose": "batch"}, timeout=120,
                   files={"file": ("receipts.jsonl", jsonl, "application/jsonl")})
up.raise_for_status()
batch = requests.post(f"{OPENAI.base_url}/batches", headers=OPENAI_AUTH, timeout=120, json={
    "input_file_id": up.json()["id"], "endpoint": "/v1/responses", "completion_window": "24h"}).json()
print(batch["status"], batch["request_counts"])

# %% [markdown]
# Poll `GET /v1/batches/{id}` until the status is final: `validating → in_progress →
# finalizing → completed` (or `failed`, `expired`, `cancelled`).

# %%
seen = []


def openai_done():
    current = requests.get(f"{OPENAI.base_url}/batches/{batch['id']}", headers=OPENAI_AUTH, timeout=120).json()
    if not seen or seen[-1] != current["status"]:
        seen.append(current["status"])
    return current if current["status"] in ("completed", "failed", "expired", "cancelled") else None


openai_batch = wait_for(openai_done, OPENAI.offline)
# Which states a poll happens to catch depends on timing; the last one does not.
print("last status seen:", seen[-1])
if openai_batch:
    print(openai_batch["request_counts"], openai_batch.get("usage", {}).get("input_tokens"), "input tokens")
else:
    print("not finished yet: run this cell again later")

# %% [markdown]
# The answers are in the **output file**, one JSON line per request, each with your
# `custom_id` and the `response` (status code and the body a single call would have returned);
# requests that failed are in the **error file** (`error_file_id`).

# %%
def jsonl_lines(response):
    """The JSON lines of a downloaded results file. Read the bytes (`.content`): a JSONL file has
    no charset, and `.text` would make requests guess one by scanning all of it."""
    return [json.loads(line) for line in response.content.splitlines() if line.strip()]


def responses_text(body):
    return "".join(c["text"] for item in body["output"] if item["type"] == "message"
                   for c in item["content"] if c["type"] == "output_text")


openai_results = {}
if openai_batch and openai_batch["output_file_id"]:
    content = requests.get(f"{OPENAI.base_url}/files/{openai_batch['output_file_id']}/content",
                           headers=OPENAI_AUTH, timeout=300)
    for line in jsonl_lines(content):
        openai_results[line["custom_id"]] = line["response"]["body"]
print(len(openai_results), "answers")
print("doc-00001:", responses_text(openai_results["doc-00001"]) if "doc-00001" in openai_results else "-")

# %% [markdown]
# ### Anthropic: Message Batches
#
# No file: one `POST /v1/messages/batches` with a list of `{"custom_id", "params"}`, where
# `params` is a normal Messages body. The images go up once through the Files API (beta header).

# %%
FILES_BETA = {**CLAUDE_HEADERS, "anthropic-beta": "files-api-2025-04-14"}
claude_ids = {path: files.upload_multipart("anthropic", datasets.path(path))["id"] for path in RECEIPTS}


def claude_request(custom_id, path):
    return {"custom_id": custom_id, "params": {
        "model": MODELS["anthropic"], "max_tokens": 300,
        "messages": [{"role": "user", "content": [{"type": "image", "source": {"type": "file", "file_id": claude_ids[path]}},
                                                  {"type": "text", "text": PROMPT}]}]}}


created = requests.post(f"{ANTHROPIC.base_url}/v1/messages/batches", headers=FILES_BETA, timeout=300,
                        json={"requests": [claude_request(cid, path) for cid, path in DOCS]})
created.raise_for_status()
print(created.json()["processing_status"], created.json()["request_counts"])

# %% [markdown]
# `processing_status` is `in_progress` until it is `ended` (`canceling` after a cancel); then
# `results_url` serves the results as JSONL, each line `{"custom_id", "result": {"type":
# "succeeded" | "errored" | "canceled" | "expired", ...}}`.

# %%
def claude_ended(batch_id):
    """A check for wait_for: the batch once it has ended, else None."""
    def check():
        current = requests.get(f"{ANTHROPIC.base_url}/v1/messages/batches/{batch_id}", headers=FILES_BETA,
                               timeout=120).json()
        return current if current["processing_status"] == "ended" else None
    return check


claude_batch = wait_for(claude_ended(created.json()["id"]), ANTHROPIC.offline)
claude_results = {}
if claude_batch:
    print(claude_batch["request_counts"])
    lines = jsonl_lines(requests.get(claude_batch["results_url"], headers=FILES_BETA, timeout=300))
    claude_results = {line["custom_id"]: line["result"] for line in lines}
    first = claude_results["doc-00001"]
    print(first["type"], first["message"]["usage"]["service_tier"], first["message"]["content"][0]["text"][:120])
else:
    print("not ended yet: run this cell again later")

# %% [markdown]
# ### Gemini: batch mode with a JSONL file
#
# Gemini takes the requests inline (under 20 MB in total) or as a JSONL file uploaded through
# the File API, each line `{"key", "request"}` where `request` is a `generateContent` body
# (the model is in the URL, not in the lines). The upload is lesson 09's resumable protocol.

# %%
gemini_uris = {path: files.upload_gemini(datasets.path(path))["uri"] for path in RECEIPTS}


MIMES = {path: datasets.entry(path)["mime"] for path in RECEIPTS}


def gemini_line(key, path):
    return {"key": key, "request": {"contents": [{"role": "user", "parts": [
        {"file_data": {"mime_type": MIMES[path], "file_uri": gemini_uris[path]}}, {"text": PROMPT}]}]}}


def gemini_upload(data, mime, name):
    """Lesson 09's resumable upload in two requests: start, then one chunk that finalizes."""
    start = requests.post(f"{GEMINI.base_url}/upload/v1beta/files", json={"file": {"display_name": name}}, timeout=120,
                          headers={**GEMINI_AUTH, "X-Goog-Upload-Protocol": "resumable",
                                   "X-Goog-Upload-Command": "start",
                                   "X-Goog-Upload-Header-Content-Length": str(len(data)),
                                   "X-Goog-Upload-Header-Content-Type": mime})
    start.raise_for_status()
    done = requests.post(start.headers["x-goog-upload-url"], data=data, timeout=300,
                         headers={**GEMINI_AUTH, "X-Goog-Upload-Offset": "0", "X-Goog-Upload-Command": "upload, finalize"})
    done.raise_for_status()
    return done.json()["file"]["name"]


gemini_jsonl = "".join(json.dumps(gemini_line(cid, path)) + "\n" for cid, path in DOCS).encode()
input_file = gemini_upload(gemini_jsonl, "jsonl", "receipts.jsonl")  # the MIME type Google's batch docs use
url = f"{GEMINI.base_url}/v1beta/models/{MODELS['gemini']}:batchGenerateContent"
operation = requests.post(url, headers=GEMINI_AUTH, timeout=120, json={
    "batch": {"displayName": "receipts", "inputConfig": {"fileName": input_file}}}).json()
print(operation["name"].split("/")[0], operation["metadata"]["state"], operation["metadata"]["batchStats"])

# %% [markdown]
# The batch is a long-running **operation**: poll `GET /v1beta/batches/{id}` until `done` is
# true. Its `metadata.state` goes `BATCH_STATE_PENDING → BATCH_STATE_RUNNING →
# BATCH_STATE_SUCCEEDED` (the Python SDK renames them `JOB_STATE_*`). Counts are strings.

# %%
def gemini_done():
    current = requests.get(f"{GEMINI.base_url}/v1beta/{operation['name']}", headers=GEMINI_AUTH, timeout=120).json()
    return current if current.get("done") else None


gemini_batch = wait_for(gemini_done, GEMINI.offline)
gemini_results = {}
if gemini_batch and gemini_batch["metadata"]["state"] == "BATCH_STATE_SUCCEEDED":
    print(gemini_batch["metadata"]["state"], gemini_batch["metadata"]["batchStats"])
    results_file = gemini_batch["response"]["responsesFile"]
    # The path the Python SDK downloads from (Google's docs show a /download/v1beta/ prefix).
    download = requests.get(f"{GEMINI.base_url}/v1beta/{results_file}:download", params={"alt": "media"},
                            headers=GEMINI_AUTH, timeout=300)
    gemini_results = {line["key"]: line for line in jsonl_lines(download)}
    first = gemini_results["doc-00001"]["response"]
    print(first["candidates"][0]["content"]["parts"][0]["text"][:120])
else:
    print("not done yet:", gemini_batch and gemini_batch["metadata"]["state"])

# %% [markdown]
# **Predict:** the results files list the answers in which order? Can you zip them with `DOCS`?

# %% tags=["nbval-check-output"]
order = list(claude_results)
print("same order as submitted here:", order == [cid for cid, _ in DOCS][:len(order)])

# %% [markdown]
# The emulator happens to keep the input order, but the providers promise **no order** (OpenAI
# and Anthropic say so in their batch docs): always match results by `custom_id` / `key`, as
# the dicts above do. Then check the answers against the course's ground truth:

# %%
TOTALS = {path: f"{datasets.entry(path)['truth']['total']:.2f}" for path in RECEIPTS}  # "35.91"


def gemini_text(line):
    return "".join(p.get("text", "") for p in line["response"]["candidates"][0]["content"]["parts"]
                   if not p.get("thought")) if "response" in line else ""


texts = {
    "openai": {cid: responses_text(body) for cid, body in openai_results.items()},
    "anthropic": {cid: r["message"]["content"][0]["text"] for cid, r in claude_results.items() if r["type"] == "succeeded"},
    "gemini": {key: gemini_text(line) for key, line in gemini_results.items()},
}
for provider, answers in texts.items():
    right = sum(TOTALS[path] in answers.get(cid, "") for cid, path in DOCS)
    print(f"{provider:<10} {len(answers):>6} answers, {right:>6} with the receipt's total")

# %% [markdown]
# ## What the batch cost, against one call at a time
#
# Each result carries its own `usage`. Price every one at the standard rate and at the batch
# rate (`batch=True` halves it). The last column is lesson 12's plan for the same job: 1,000
# input tokens a document, no output.

# %% tags=["nbval-check-output"]
def job_cost(model, rows, batch=False):
    """The exact sum of pricing.usage_cost over a job's usages."""
    return sum((pricing.usage_cost(model, u, batch=batch) for u in rows), Decimal(0))


usages = {
    "openai": [body["usage"] for body in openai_results.values()],
    "anthropic": [r["message"]["usage"] for r in claude_results.values() if r["type"] == "succeeded"],
    "gemini": [line["response"]["usageMetadata"] for line in gemini_results.values() if "response" in line],
}
print(f"{N_DOCS:,} receipts     {'one by one':>11} {'as a batch':>11} {'saved':>9} {'plan (12)':>10}")
for provider, rows in usages.items():
    model = MODELS[provider]
    sync, batched = job_cost(model, rows), job_cost(model, rows, batch=True)
    plan = pricing.batch_cost(model, N_DOCS, 1_000)
    print(f"{model:<18} {pricing.format_usd(sync):>11} {pricing.format_usd(batched):>11} "
          f"{pricing.format_usd(sync - batched):>9} {pricing.format_usd(plan):>10}")

# %% [markdown]
# Exactly half, for the same answers: the price of waiting. (Lesson 12's plan was high: these
# receipts need fewer input tokens than the 1,000 it assumed. Measure a few before you budget.)
# OpenAI's batches also draw on a rate-limit pool of their own, so a big job does not starve
# your live traffic. Caching and batches combine: Anthropic applies both discounts to cached
# reads in a batch.
#
# ## When a batch goes wrong
#
# A batch that is not finished in 24 hours **expires**: the requests that did not run come back
# as expired lines, and you resubmit only those. **Emulator-only:** the emulator can make the
# next batch expire, so you can see the lines your parser must handle (live, this cell sends a
# normal three-request batch).

# %%
if ANTHROPIC.offline:
    EmulatorControl(ANTHROPIC.base_url).queue_batch_outcome("anthropic", "expired")
small = requests.post(f"{ANTHROPIC.base_url}/v1/messages/batches", headers=FILES_BETA, timeout=120,
                      json={"requests": [claude_request(cid, path) for cid, path in DOCS[:3]]}).json()
ended = wait_for(claude_ended(small["id"]), ANTHROPIC.offline)
if ended:
    print(ended["request_counts"])
    for line in jsonl_lines(requests.get(ended["results_url"], headers=FILES_BETA, timeout=120)):
        print(json.dumps(line)[:100])

# %% [markdown]
# OpenAI puts expired requests in the error file as `{"custom_id", "response": null, "error":
# {"code": "batch_expired", ...}}`; a Gemini batch expires as a whole (`BATCH_STATE_EXPIRED`).
#
# ## The three batch formats
#
# | | OpenAI | Anthropic | Gemini |
# |---|---|---|---|
# | submit | JSONL via `POST /v1/files` (`purpose: batch`), then `POST /v1/batches` | `POST /v1/messages/batches` `{"requests": [...]}` | `POST /v1beta/models/{m}:batchGenerateContent`, inline or a File-API JSONL |
# | request line | `{"custom_id", "method": "POST", "url", "body"}` | `{"custom_id", "params"}` | file: `{"key", "request"}`; inline: `{"request", "metadata": {"key"}}` |
# | your id | `custom_id` (unique) | `custom_id` (1-64 of `a-zA-Z0-9_-`, unique) | `key` |
# | states | `validating`, `in_progress`, `finalizing`, `completed`; `failed`, `expired`, `cancelling`, `cancelled` | `in_progress`, `canceling`, `ended` | `BATCH_STATE_PENDING`, `_RUNNING`, `_SUCCEEDED`; `_FAILED`, `_CANCELLED`, `_EXPIRED` |
# | result line | `{"id", "custom_id", "response": {"status_code", "request_id", "body"}, "error"}` | `{"custom_id", "result": {"type": "succeeded", "message"}}` or `errored` / `canceled` / `expired` | `{"key", "response"}` or `{"key", "error"}` |
# | results | `output_file_id` and `error_file_id` | `results_url` | `responsesFile` (or inline `inlinedResponses`) |
# | limits | 50,000 requests, 200 MB per file | 100,000 requests or 256 MB | inline 20 MB; a file up to 2 GB |
# | discount, window | 50 %, 24 h | 50 % (cache prices too), 24 h | 50 %, 24 h target |
# | result order | any: match `custom_id` | any: match `custom_id` | match `key` |
#
# (OpenAI OpenAPI spec and batch guide; Anthropic batch-processing docs; Gemini batch-mode docs,
# 2026.)

# %% [markdown] mmcourse={"exercise": "ex-batch-roundtrip", "role": "instructions", "title": "Write the lines, read the results", "points": 5, "difficulty": "hard"}
# ### Exercise 3: write the lines, read the results
#
# Two functions that work for `"openai"`, `"anthropic"` and `"gemini"`.
#
# **`batch_line(provider, custom_id, model, prompt, max_tokens)`** returns one request of a
# batch as a dict, for a text-only question `prompt` with an output limit of `max_tokens`:
#
# - OpenAI: a line of the input file for the **Chat Completions** endpoint (`max_completion_tokens`);
# - Anthropic: one item of `requests` (`max_tokens`);
# - Gemini: one line of a JSONL input file (`generationConfig.maxOutputTokens`; `model` is
#   not part of the line, it goes in the URL).
#
# **`read_results(provider, text)`** takes the text of a results file (for OpenAI the output
# and error files joined) and returns a dict from each line's id to a tuple:
#
# - `("succeeded", text)` with the answer's text (OpenAI Chat: the message `content`; Anthropic:
#   its `text` blocks joined; Gemini: the first candidate's `text` parts joined, without parts
#   marked `"thought": true`);
# - `("errored", message)` with the error's `message` (the one inside the error body, for an
#   OpenAI line whose `status_code` is 400 or more, or whose `error` is set);
# - `("expired", None)` (OpenAI: an `error` with `code` `"batch_expired"`) and, for Anthropic,
#   `("canceled", None)`.
#
# Blank lines are skipped, and the lines may come in any order.

# %% [markdown] mmcourse={"exercise": "ex-batch-roundtrip", "role": "hint"}
# The request shapes are in the table above. For reading, write one small function per provider
# that turns a parsed line into `(id, (kind, value))`, and a dict that picks it.

# %% [markdown] mmcourse={"exercise": "ex-batch-roundtrip", "role": "hint"}
# OpenAI error bodies look like `{"error": {"message", "type", "code"}}`; an Anthropic errored
# result holds `{"type": "error", "error": {"type", "message"}}`; a Gemini error line holds
# `{"code", "message", "status"}`.

# %% mmcourse={"exercise": "ex-batch-roundtrip", "role": "solution"}
def batch_line(provider, custom_id, model, prompt, max_tokens):
    ### BEGIN SOLUTION
    if provider == "openai":
        return {"custom_id": custom_id, "method": "POST", "url": "/v1/chat/completions",
                "body": {"model": model, "max_completion_tokens": max_tokens,
                         "messages": [{"role": "user", "content": prompt}]}}
    if provider == "anthropic":
        return {"custom_id": custom_id, "params": {"model": model, "max_tokens": max_tokens,
                                                   "messages": [{"role": "user", "content": prompt}]}}
    if provider == "gemini":
        return {"key": custom_id, "request": {"contents": [{"role": "user", "parts": [{"text": prompt}]}],
                                              "generationConfig": {"maxOutputTokens": max_tokens}}}
    raise ValueError(f"unknown provider {provider!r}")
    ### END SOLUTION
    ### BEGIN STARTER
    # raise NotImplementedError("ex-batch-roundtrip: write your code here")
    ### END STARTER


def read_results(provider, text):
    ### BEGIN SOLUTION
    def openai(line):
        error, response = line.get("error"), line.get("response")
        if error:
            return ("expired", None) if error.get("code") == "batch_expired" else ("errored", error.get("message"))
        if response["status_code"] >= 400:
            return "errored", response["body"]["error"]["message"]
        return "succeeded", response["body"]["choices"][0]["message"]["content"]

    def anthropic(line):
        result = line["result"]
        if result["type"] == "succeeded":
            return "succeeded", "".join(b["text"] for b in result["message"]["content"] if b.get("type") == "text")
        if result["type"] == "errored":
            return "errored", result["error"]["error"]["message"]
        return result["type"], None

    def gemini(line):
        if "error" in line:
            return "errored", line["error"]["message"]
        parts = line["response"]["candidates"][0]["content"]["parts"]
        return "succeeded", "".join(p.get("text", "") for p in parts if not p.get("thought"))

    readers = {"openai": (openai, "custom_id"), "anthropic": (anthropic, "custom_id"), "gemini": (gemini, "key")}
    reader, id_field = readers[provider]
    out = {}
    for raw in text.splitlines():
        if raw.strip():
            line = json.loads(raw)
            out[line[id_field]] = reader(line)
    return out
    ### END SOLUTION
    ### BEGIN STARTER
    # raise NotImplementedError("ex-batch-roundtrip: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-batch-roundtrip", "role": "visible-tests"}
import json


def test_the_three_request_shapes():
    line = batch_line("openai", "q-1", "gpt-5.4-mini", "Name a colour.", 50)
    expect((line["custom_id"], line["method"], line["url"]), ("q-1", "POST", "/v1/chat/completions"))
    expect(line["body"]["max_completion_tokens"], 50)
    line = batch_line("anthropic", "q-1", "claude-haiku-4-5", "Name a colour.", 50)
    expect(line["params"]["messages"], [{"role": "user", "content": "Name a colour."}])
    line = batch_line("gemini", "q-1", "gemini-2.5-flash", "Name a colour.", 50)
    expect(line["key"], "q-1")
    expect(line["request"]["generationConfig"], {"maxOutputTokens": 50})


def test_reading_an_anthropic_results_file():
    text = "\n".join(json.dumps(x) for x in [
        {"custom_id": "b", "result": {"type": "expired"}},
        {"custom_id": "a", "result": {"type": "succeeded", "message": {"content": [{"type": "text", "text": "Red."}]}}},
        {"custom_id": "c", "result": {"type": "errored", "error": {"type": "error", "error": {
            "type": "invalid_request_error", "message": "max_tokens: Field required"}}}},
    ]) + "\n"
    expect(read_results("anthropic", text), {"a": ("succeeded", "Red."), "b": ("expired", None),
                                             "c": ("errored", "max_tokens: Field required")})


def test_reading_openai_output_and_error_lines():
    text = "\n".join(json.dumps(x) for x in [
        {"id": "batch_req_1", "custom_id": "x", "response": {"status_code": 200, "request_id": "r1", "body": {
            "choices": [{"message": {"role": "assistant", "content": "Blue."}}]}}, "error": None},
        {"id": "batch_req_2", "custom_id": "y", "response": None,
         "error": {"code": "batch_expired", "message": "This request could not be executed before the completion window expired."}},
    ])
    expect(read_results("openai", text), {"x": ("succeeded", "Blue."), "y": ("expired", None)})

# %% mmcourse={"exercise": "ex-batch-roundtrip", "role": "hidden-tests"}
import json as _json
import string

import requests as _requests

from mmcourse.emulator.control import EmulatorControl as _Control
from mmcourse.grading import expect

_MODELS = {"openai": "gpt-5.4-mini", "anthropic": "claude-haiku-4-5", "gemini": "gemini-2.5-flash"}


def _word(rng, n=8):
    return "".join(rng.choice(string.ascii_letters + string.digits) for _ in range(n))


def _submit(provider, lines):
    """The learner's lines as a real batch on the emulator (instant clock); the results file text."""
    cfg = offline_config(provider)
    _Control(cfg.base_url).set_batch_clock(0)
    if provider == "openai":
        auth = {"Authorization": f"Bearer {cfg.api_key}"}
        data = "".join(_json.dumps(line) + "\n" for line in lines).encode()
        up = _requests.post(f"{cfg.base_url}/files", headers=auth, data={"purpose": "batch"}, timeout=60,
                            files={"file": ("b.jsonl", data, "application/jsonl")}).json()
        batch = _requests.post(f"{cfg.base_url}/batches", headers=auth, timeout=60, json={
            "input_file_id": up["id"], "endpoint": "/v1/chat/completions", "completion_window": "24h"}).json()
        batch = _requests.get(f"{cfg.base_url}/batches/{batch['id']}", headers=auth, timeout=60).json()
        assert batch["status"] == "completed", f"the emulator refused the OpenAI lines: {batch.get('errors')}"
        return _requests.get(f"{cfg.base_url}/files/{batch['output_file_id']}/content", headers=auth, timeout=60).text
    if provider == "anthropic":
        headers = {"x-api-key": cfg.api_key, "anthropic-version": "2023-06-01"}
        r = _requests.post(f"{cfg.base_url}/v1/messages/batches", headers=headers, json={"requests": lines}, timeout=60)
        assert r.status_code == 200, f"the emulator refused the Anthropic requests: {r.text[:300]}"
        batch = _requests.get(f"{cfg.base_url}/v1/messages/batches/{r.json()['id']}", headers=headers, timeout=60).json()
        return _requests.get(batch["results_url"], headers=headers, timeout=60).text
    auth = {"x-goog-api-key": cfg.api_key}
    inline = [{"request": line["request"], "metadata": {"key": line["key"]}} for line in lines]
    r = _requests.post(f"{cfg.base_url}/v1beta/models/{_MODELS['gemini']}:batchGenerateContent", headers=auth, timeout=60,
                       json={"batch": {"inputConfig": {"requests": {"requests": inline}}}})
    assert r.status_code == 200, f"the emulator refused the Gemini requests: {r.text[:300]}"
    op = _requests.get(f"{cfg.base_url}/v1beta/{r.json()['name']}", headers=auth, timeout=60).json()
    entries = op["response"]["inlinedResponses"]["inlinedResponses"]
    return "".join(_json.dumps({"key": e["metadata"]["key"], **{k: v for k, v in e.items() if k != "metadata"}}) + "\n"
                   for e in entries)


def test_random_lines_run_as_real_batches_at_every_provider(rng):
    for provider in ("openai", "anthropic", "gemini"):
        ids = [f"{_word(rng, 5)}-{n}" for n in range(rng.randint(2, 4))]
        limit = rng.randint(20, 400)
        lines = [batch_line(provider, cid, _MODELS[provider], f"What is {rng.randint(2, 99)} + 1?", limit)
                 for cid in ids]
        got = read_results(provider, _submit(provider, lines))
        expect(sorted(got), sorted(ids), what=f"{provider}: the ids read back from a real results file")
        for cid in ids:
            assert got[cid][0] == "succeeded" and isinstance(got[cid][1], str) and got[cid][1], (
                f"{provider}: {cid} should have succeeded with a text, got {got[cid]!r}")


def test_the_output_limit_and_prompt_are_where_each_provider_reads_them(rng):
    prompt, limit, cid = f"Spell {_word(rng)}.", rng.randint(1, 4000), _word(rng)
    line = batch_line("openai", cid, "gpt-5.4-mini", prompt, limit)
    expect(line["body"]["max_completion_tokens"], limit, what="OpenAI max_completion_tokens")
    expect(line["body"]["model"], "gpt-5.4-mini", what="OpenAI model")
    expect(line["body"]["messages"][-1]["content"], prompt, what="OpenAI prompt")
    line = batch_line("anthropic", cid, "claude-haiku-4-5", prompt, limit)
    expect((line["custom_id"], line["params"]["max_tokens"], line["params"]["model"]), (cid, limit, "claude-haiku-4-5"))
    line = batch_line("gemini", cid, "gemini-2.5-flash", prompt, limit)
    expect(line["request"]["generationConfig"]["maxOutputTokens"], limit, what="Gemini maxOutputTokens")
    expect(line["request"]["contents"][-1]["parts"][-1]["text"], prompt, what="Gemini prompt")
    assert "model" not in line and "model" not in line["request"], "Gemini's model goes in the URL, not the line"


def _openai_file(rng, cases):
    lines = []
    for cid, (kind, value) in cases.items():
        if kind == "succeeded":
            body = {"id": "chatcmpl-" + _word(rng), "choices": [{"index": 0, "message": {"role": "assistant", "content": value}}]}
            lines.append({"id": "batch_req_" + _word(rng), "custom_id": cid, "error": None,
                          "response": {"status_code": 200, "request_id": _word(rng), "body": body}})
        elif kind == "errored" and rng.random() < 0.5:
            lines.append({"id": "batch_req_" + _word(rng), "custom_id": cid, "error": None, "response": {
                "status_code": rng.choice([400, 404, 429, 500]), "request_id": _word(rng),
                "body": {"error": {"message": value, "type": "invalid_request_error", "param": None, "code": None}}}})
        elif kind == "errored":
            lines.append({"id": "batch_req_" + _word(rng), "custom_id": cid, "response": None,
                          "error": {"code": "server_error", "message": value}})
        else:
            lines.append({"id": "batch_req_" + _word(rng), "custom_id": cid, "response": None,
                          "error": {"code": "batch_expired", "message": "This request could not be executed before "
                                                                         "the completion window expired."}})
    return lines


def _anthropic_file(rng, cases):
    lines = []
    for cid, (kind, value) in cases.items():
        if kind == "succeeded":
            cut = rng.randint(0, len(value))
            content = [{"type": "text", "text": value[:cut]}, {"type": "text", "text": value[cut:]}]
            content.insert(rng.randint(0, 2), {"type": "tool_use", "id": "toolu_1", "name": "x", "input": {}})
            lines.append({"custom_id": cid, "result": {"type": "succeeded", "message": {"content": content}}})
        elif kind == "errored":
            lines.append({"custom_id": cid, "result": {"type": "errored", "error": {
                "type": "error", "error": {"type": "invalid_request_error", "message": value}}}})
        else:
            lines.append({"custom_id": cid, "result": {"type": kind}})
    return lines


def _gemini_file(rng, cases):
    lines = []
    for cid, (kind, value) in cases.items():
        if kind == "succeeded":
            cut = rng.randint(0, len(value))
            parts = [{"text": "thinking " + _word(rng), "thought": True}, {"text": value[:cut]}, {"text": value[cut:]}]
            lines.append({"key": cid, "response": {"candidates": [{"content": {"role": "model", "parts": parts}}]}})
        else:
            lines.append({"key": cid, "error": {"code": 400, "message": value, "status": "INVALID_ARGUMENT"}})
    return lines


def test_random_results_files_with_errored_and_expired_lines(rng):
    kinds = {"openai": ["succeeded", "errored", "expired"], "anthropic": ["succeeded", "errored", "expired", "canceled"],
             "gemini": ["succeeded", "errored"]}
    makers = {"openai": _openai_file, "anthropic": _anthropic_file, "gemini": _gemini_file}
    for provider in ("openai", "anthropic", "gemini"):
        for _ in range(3):
            cases = {}
            for n in range(rng.randint(1, 12)):
                kind = rng.choice(kinds[provider])
                value = f"{_word(rng)} {_word(rng, 3)}." if kind in ("succeeded", "errored") else None
                cases[f"{_word(rng, 6)}_{n}"] = (kind, value)
            lines = makers[provider](rng, cases)
            rng.shuffle(lines)
            text = "\n".join(_json.dumps(line) for line in lines)
            text = text.replace("\n", "\n\n", 1) + rng.choice(["", "\n", "\n\n"])
            expect(read_results(provider, text), cases, what=f"{provider}: {len(cases)} shuffled result lines")

# %% [markdown]
# ## What you learned
#
# - A long prefix sent again is billed at about a tenth: Claude caches what you mark with
#   `cache_control` (and charges 1.25× to write it), OpenAI and Gemini cache repeated prefixes
#   on their own above a minimum length; Gemini's explicit `cachedContents` make it certain.
# - Each provider reports cached tokens in its own field, inside or outside the prompt's total:
#   price them with the table, exactly, and check the break-even before you rely on a cache.
# - A batch is the same requests, half the price, answered within 24 hours: build the lines,
#   submit, poll (no one waits at the screen), download, and match results by id, never by order.
# - Expired and errored lines are normal in a big job: parse them and resubmit only those.
#
# Next: lesson 16, privacy and when not to send an image at all.
