# ---
# jupyter:
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% [markdown]
# # 12 · Tokens, cost and routing
#
# **Objectives**
# - Count image tokens with each provider's official algorithm, and see why the popular
#   `(w//512)*(h//512)*170+85` formula is wrong.
# - Plot tokens against image size for OpenAI, Claude and Gemini models.
# - Price a request and a batch of 10,000 documents from a dated price table.
# - Route requests by task and budget, with fallback when a provider fails.
#
# **Estimated time: 35 min**
#
# **Exercises:** 2 (1 easy, 1 medium, 0 hard).
#
# **You need:** lessons 02 to 05 and 11. No key: offline, the emulator reports token usage with
# the same published algorithms (its answers come from the course data's ground truth, not a
# model). Prices are a dated snapshot: check the providers' pricing pages before you budget.

# %%
import mmcourse

conf = mmcourse.setup()

# %%
import base64
import math
from decimal import Decimal

import matplotlib.pyplot as plt
import requests

from mmcourse import datasets, pricing, registry, routing, tokens

OPENAI, ANTHROPIC, GEMINI = conf["openai"], conf["anthropic"], conf["gemini"]

# %% [markdown]
# ## The formula everyone copies
#
# Many tutorials count GPT-4o image tokens like this:

# %%
def naive_tokens(width, height):
    """The popular tutorial formula. WRONG: this lesson shows why."""
    return (width // 512) * (height // 512) * 170 + 85


# %% [markdown]
# **Predict the output.** What does it say for an 800×600 photo, a 500×500 thumbnail, and a
# 4000×3000 phone photo? Does a phone photo really cost five times a full-HD screenshot?

# %% tags=["nbval-check-output"]
for size in [(800, 600), (500, 500), (1920, 1080), (4000, 3000)]:
    print(f"{size[0]}x{size[1]}: {naive_tokens(*size)} tokens")

# %% [markdown]
# ## The official algorithm (OpenAI tile models)
#
# OpenAI's "Images and vision" guide (2025 and 2026) describes `detail: "high"` for GPT-4o,
# GPT-4.1 and GPT-5 as:
#
# 1. scale the image to fit inside 2048×2048 (only shrinking);
# 2. scale it so the **shortest side is 768 px** (only shrinking);
# 3. count the **512-px tiles** needed to cover it: `ceil(w/512) × ceil(h/512)`;
# 4. tokens = base + tiles × per-tile (GPT-4o: 85 + 170 per tile; GPT-5: 70 + 140).
#
# `detail: "low"` is always just the base: the model sees a 512×512 version. Worked examples
# from the guide: 1024×1024 → 765 tokens; 2048×4096 → 1105.
#
# So the formula above goes wrong three ways: it **skips both resizes** (a 4000×3000 photo is
# shrunk to 1024×768 first), it **floors** where OpenAI rounds up (a partial tile still costs a
# whole tile, and a 500×500 image is one tile, not zero), and it hard-codes GPT-4o's constants.

# %% [markdown] mmcourse={"exercise": "ex-tile-tokens", "role": "instructions", "title": "OpenAI's tile algorithm", "points": 4, "difficulty": "medium"}
# ### Exercise: OpenAI's tile algorithm
#
# Write `openai_tile_tokens(width, height, base=85, per_tile=170, detail="high")` following the
# four steps above. Resizes keep the aspect ratio, only ever shrink, and cut fractional pixels
# (`int(...)`). For `detail="low"` return `base`.

# %% [markdown] mmcourse={"exercise": "ex-tile-tokens", "role": "hint"}
# Step 1: `if max(w, h) > 2048: scale = 2048 / max(w, h)`; step 2: `if min(w, h) > 768:
# scale = 768 / min(w, h)`; after each, `w, h = int(w * scale), int(h * scale)`.

# %% [markdown] mmcourse={"exercise": "ex-tile-tokens", "role": "hint"}
# Tiles: `math.ceil(w / 512) * math.ceil(h / 512)`. Check: 2048×4096 → 1024×2048 → 768×1536 →
# 2×3 = 6 tiles → 85 + 6 × 170 = 1105.

# %% mmcourse={"exercise": "ex-tile-tokens", "role": "solution"}
def openai_tile_tokens(width, height, base=85, per_tile=170, detail="high"):
    ### BEGIN SOLUTION
    if detail == "low":
        return base
    w, h = width, height
    if max(w, h) > 2048:
        scale = 2048 / max(w, h)
        w, h = int(w * scale), int(h * scale)
    if min(w, h) > 768:
        scale = 768 / min(w, h)
        w, h = int(w * scale), int(h * scale)
    return base + math.ceil(w / 512) * math.ceil(h / 512) * per_tile
    ### END SOLUTION
    ### BEGIN STARTER
    # # Fit in 2048x2048, then shortest side 768 (both only shrink), then count 512-px tiles (ceil).
    # raise NotImplementedError("ex-tile-tokens: write your code here")
    ### END STARTER

# %% mmcourse={"exercise": "ex-tile-tokens", "role": "visible-tests"}
def test_the_guides_worked_examples():
    expect(openai_tile_tokens(1024, 1024), 765, what="1024x1024 high")
    expect(openai_tile_tokens(2048, 4096), 1105, what="2048x4096 high")
    expect(openai_tile_tokens(4096, 8192, detail="low"), 85, what="4096x8192 low")


def test_where_the_naive_formula_fails():
    expect(openai_tile_tokens(800, 600), 765, what="800x600 (4 tiles, not 1)")
    expect(openai_tile_tokens(500, 500), 255, what="500x500 (1 tile, not 0)")
    expect(openai_tile_tokens(4000, 3000), 765, what="4000x3000 (resized to 1024x768)")


def test_gpt5_constants():
    expect(openai_tile_tokens(1024, 1024, base=70, per_tile=140), 630, what="GPT-5, 1024x1024")

# %% mmcourse={"exercise": "ex-tile-tokens", "role": "hidden-tests"}
from mmcourse import tokens as _tokens
from mmcourse.grading import expect


def test_random_sizes_against_the_official_count(rng):
    for _ in range(200):
        w, h = rng.randint(1, 9000), rng.randint(1, 9000)
        expect(openai_tile_tokens(w, h), _tokens.estimate_image_tokens("openai", "gpt-4o", w, h, "high"),
               what=f"{w}x{h} on gpt-4o")


def test_random_sizes_with_gpt5_constants(rng):
    for _ in range(50):
        w, h = rng.randint(1, 6000), rng.randint(1, 6000)
        expect(openai_tile_tokens(w, h, base=70, per_tile=140),
               _tokens.estimate_image_tokens("openai", "gpt-5", w, h, "high"), what=f"{w}x{h} on gpt-5")


def test_low_detail_is_the_base(rng):
    for _ in range(10):
        w, h = rng.randint(1, 9000), rng.randint(1, 9000)
        expect(openai_tile_tokens(w, h, detail="low"), 85, what=f"{w}x{h} low")

# %% [markdown]
# The course package implements the same algorithm (and the others below) in
# `mmcourse.tokens`. Side by side with the tutorial formula:

# %% tags=["nbval-check-output"]
print(f"{'image':<10} {'official':>8} {'naive':>6}  why")
for size in [(1024, 1024), (1920, 1080), (2048, 4096), (4000, 3000), (800, 600), (500, 500)]:
    row = tokens.explain_naive_vs_official(*size, "gpt-4o")
    print(f"{row['image']:<10} {row['official']:>8} {row['naive']:>6}  {row['why']}")

# %% [markdown]
# ## Every provider counts differently
#
# - **OpenAI patch models** (GPT-4.1 mini, GPT-5 mini, GPT-5.4 and later): 32-px patches,
#   `ceil(w/32) × ceil(h/32)`, shrunk to fit a patch budget (1,536 for most), times a
#   per-model multiplier (OpenAI vision guide, 2026).
# - **Claude** (Anthropic vision docs, 2026): 28-px patches, `ceil(w/28) × ceil(h/28)`, after
#   resizing to at most 1568 px and 1,568 tokens (2576 px and 4,784 tokens on the
#   high-resolution models, Opus 4.7 and later). The older rule `w × h / 750` is retired.
# - **Gemini 2.5**: 258 tokens when both sides are at most 384 px, else 258 per 768-px tile;
#   **Gemini 3**: a flat count per image set by `media_resolution` (1,120 at the default HIGH).
#
# **Predict the output.** A 1920×1080 screenshot: which of these models charges the most
# tokens for it, and which the fewest?

# %% tags=["nbval-check-output"]
MODELS_COMPARED = [("openai", "gpt-4o"), ("openai", "gpt-5.4-mini"), ("anthropic", "claude-sonnet-4-6"),
                   ("anthropic", "claude-opus-4-7"), ("gemini", "gemini-2.5-flash"),
                   ("gemini", "gemini-3-flash-preview")]
for provider, model in MODELS_COMPARED:
    print(f"{model:<24} {tokens.estimate_image_tokens(provider, model, 1920, 1080):>5} tokens")
print(f"Claude resizes 1920x1080 to {tokens.anthropic_resized_size(1920, 1080)} on its standard tier")

# %% [markdown]
# ## Tokens against image size
#
# Square images from 64 px to 4096 px per side. Flat lines are caps (resizing to a budget);
# steps are tiles.

# %%
sides = list(range(64, 4097, 32))
fig, ax = plt.subplots(figsize=(8, 3.6), dpi=80)
for provider, model in MODELS_COMPARED:
    ax.plot(sides, [tokens.estimate_image_tokens(provider, model, s, s) for s in sides], label=model)
ax.plot(sides, [naive_tokens(s, s) for s in sides], "k--", label="naive formula")
ax.set(xlabel="image side (px, square)", ylabel="input tokens", ylim=(0, 5200),
       title="Tokens for one image, by provider and model")
ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
fig.tight_layout()
plt.show()

# %% [markdown]
# The naive line keeps climbing (off the chart): it prices a 4096-px square at 10,965 tokens
# where GPT-4o bills 765, because GPT-4o shrinks it to 768×768 first. A budget planned with it
# overestimates big images and underestimates small ones. (Google does not publish Gemini 2.5's
# tiling formula; its curve assumes one 258-token tile per started 768 px, uncapped, which is
# unconfirmed for big images.)
#
# ## Estimate, then measure
#
# An estimate is a plan; the `usage` in each response is the bill. The dashboard (1000×600)
# to each provider: the reported input tokens are the image plus the prompt's text.

# %% tags=["nbval-check-output"]
DASHBOARD = "dashboards/dashboard_v1.png"
b64 = base64.b64encode(datasets.path(DASHBOARD).read_bytes()).decode("ascii")
prompt = "Describe this dashboard in one sentence."
width, height = datasets.entry(DASHBOARD)["width"], datasets.entry(DASHBOARD)["height"]

r = requests.post(f"{OPENAI.base_url}/chat/completions", headers={"Authorization": f"Bearer {OPENAI.api_key}"},
                  json={"model": "gpt-5.4-mini", "max_completion_tokens": 1000, "messages": [{"role": "user", "content": [
                      {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{b64}"}},
                      {"type": "text", "text": prompt}]}]}, timeout=120)
openai_used = r.json()["usage"]["prompt_tokens"]
r = requests.post(f"{ANTHROPIC.base_url}/v1/messages",
                  headers={"x-api-key": ANTHROPIC.api_key, "anthropic-version": "2023-06-01"},
                  json={"model": "claude-sonnet-4-6", "max_tokens": 300, "messages": [{"role": "user", "content": [
                      {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": b64}},
                      {"type": "text", "text": prompt}]}]}, timeout=120)
claude_used = r.json()["usage"]["input_tokens"]
r = requests.post(f"{GEMINI.base_url}/v1beta/models/gemini-2.5-flash:generateContent",
                  headers={"x-goog-api-key": GEMINI.api_key},
                  json={"contents": [{"parts": [{"inline_data": {"mime_type": "image/png", "data": b64}},
                                                {"text": prompt}]}]}, timeout=120)
gemini_used = r.json()["usageMetadata"]["promptTokenCount"]

for (provider, model), used in zip([("openai", "gpt-5.4-mini"), ("anthropic", "claude-sonnet-4-6"),
                                    ("gemini", "gemini-2.5-flash")], [openai_used, claude_used, gemini_used]):
    estimate = tokens.estimate_image_tokens(provider, model, width, height) + tokens.estimate_text_tokens(prompt)
    print(f"{model:<20} estimated {estimate:>5}   reported {used:>5}")

# %% [markdown]
# Offline the two columns agree closely because the emulator applies the same published
# rules; live, the difference shows what the published rules leave out (text tokenisers,
# system tokens), so measure before you trust an estimate with money.
#
# ## A dated price table
#
# USD per million tokens, standard rates (no batch discount, no caching), from the providers'
# pricing pages on the date shown. Money is `Decimal`: \$0.30 × 7,000,000 tokens is exactly
# \$2.10, not 2.0999999.

# %% tags=["nbval-check-output"]
print(f"prices as of {pricing.PRICES_AS_OF} (USD per 1M tokens)")
print(f"{'model':<24} {'input':>7} {'output':>7}")
for model in ["gpt-5.5", "gpt-5.4-mini", "claude-opus-4-7", "claude-sonnet-4-6", "claude-haiku-4-5",
              "gemini-3.1-pro-preview", "gemini-2.5-flash", "gemini-2.5-flash-lite"]:
    row = pricing.price(model)
    print(f"{model:<24} {row.input:>7} {row.output:>7}")

# %% [markdown]
# One request costs `input_tokens × input price + output_tokens × output price`, divided by a
# million. The dashboard above on Claude Sonnet 4.6, with a 60-token answer:

# %% tags=["nbval-check-output"]
print(pricing.format_usd(pricing.cost("claude-sonnet-4-6", claude_used, 60)))

# %% [markdown]
# ## The cost of 10,000 documents
#
# A batch job: 10,000 one-page documents, about 1,000 input tokens each (a page image plus the
# prompt). Input only, to compare like with like; answers add their output price on top.

# %% tags=["nbval-check-output"]
N_DOCS, TOKENS_EACH = 10_000, 1_000
for model in ["gpt-5.5", "claude-opus-4-7", "gemini-3.1-pro-preview", "gemini-2.5-flash"]:
    print(f"{model:<24} {pricing.format_usd(pricing.batch_cost(model, N_DOCS, TOKENS_EACH)):>8}")

# %% [markdown]
# **Predict the output.** Most documents are easy. Send 7,000 to Gemini 2.5 Flash and only the
# 3,000 hard ones to Claude Opus 4.7: what does the batch cost now?

# %% tags=["nbval-check-output"]
mix = pricing.batch_cost("gemini-2.5-flash", 7_000, TOKENS_EACH) + pricing.batch_cost("claude-opus-4-7", 3_000, TOKENS_EACH)
print(pricing.format_usd(mix))

# %% [markdown]
# A third of the all-Opus price, for the same hard cases on the strong model. That is what
# routing is for.

# %% [markdown] mmcourse={"exercise": "ex-mixed-cost", "role": "instructions", "title": "The cost of a mixed batch", "points": 3, "difficulty": "easy"}
# ### Exercise: the cost of a mixed batch
#
# Write `mixed_cost(plan, input_tokens_each, output_tokens_each=0)`: `plan` maps a model id to
# the number of documents sent to it. Return the total in USD as a `Decimal`, using the price
# table (`pricing.price(model).input` and `.output`, USD per 1M tokens). No floats: they would
# turn \$17.10 into 17.099999.

# %% [markdown] mmcourse={"exercise": "ex-mixed-cost", "role": "hint"}
# For each model: `n * (input_tokens_each * row.input + output_tokens_each * row.output)`, then
# divide the sum by `Decimal(1_000_000)`.

# %% mmcourse={"exercise": "ex-mixed-cost", "role": "solution"}
def mixed_cost(plan, input_tokens_each, output_tokens_each=0):
    ### BEGIN SOLUTION
    total = Decimal(0)
    for model, n_docs in plan.items():
        row = pricing.price(model)
        total += n_docs * (input_tokens_each * row.input + output_tokens_each * row.output)
    return total / Decimal(1_000_000)
    ### END SOLUTION

# %% mmcourse={"exercise": "ex-mixed-cost", "role": "visible-tests"}
def test_flash_and_opus_mix():
    expect(mixed_cost({"gemini-2.5-flash": 7_000, "claude-opus-4-7": 3_000}, 1_000), Decimal("17.10"))


def test_one_model_with_output():
    expect(mixed_cost({"gpt-5.5": 10_000}, 1_000, 100), Decimal("80"), what="gpt-5.5, 1,000 in + 100 out")

# %% mmcourse={"exercise": "ex-mixed-cost", "role": "hidden-tests"}
from decimal import Decimal as _Decimal

from mmcourse import pricing as _pricing
from mmcourse.grading import expect


def test_random_plans(rng):
    models = sorted(_pricing.PRICES)
    for _ in range(20):
        plan = {m: rng.randint(0, 20_000) for m in rng.sample(models, rng.randint(1, 4))}
        tin, tout = rng.randint(0, 5_000), rng.randint(0, 2_000)
        want = sum((_pricing.batch_cost(m, n, tin, tout) for m, n in plan.items()), _Decimal(0))
        expect(mixed_cost(plan, tin, tout), want, what=f"{plan} with {tin} in / {tout} out")


def test_the_result_is_a_decimal():
    assert type(mixed_cost({"gemini-2.5-flash": 3}, 333)) is _Decimal, "return a decimal.Decimal"

# %% [markdown]
# ## Routing by task and budget, with fallback
#
# `mmcourse.routing.Router` puts these pieces together. For a task ("ocr", "chart", "complex",
# ...) it keeps an ordered list of candidates; it drops the ones that cannot read the media or
# whose **worst-case estimate** (input tokens plus `max_output_tokens` of output) exceeds your
# budget, and says why in one line. Planning sends nothing.

# %% tags=["nbval-check-output"]
router = routing.Router()
RECEIPT = datasets.path("receipts/maple_bean_cafe.png")
plan = router.route("Extract the store, date and total as JSON.", RECEIPT, task="ocr", budget="0.01")
print(plan.explain())

# %% [markdown]
# Running the plan sends the request to the first route; each attempt is recorded with its
# status and cost.

# %% tags=["nbval-check-output"]
result = router.run(plan)
print(result.text)
for a in result.attempts:
    print(f"{a.provider}/{a.model}: {a.status}, {routing.approx_usd(a.cost_usd)}")

# %% [markdown]
# A budget nobody can meet fails **before** anything is sent, with the cheapest option named:

# %% tags=["nbval-check-output"]
try:
    router.route("Extract the store, date and total as JSON.", RECEIPT, task="ocr", budget="0.0001")
except routing.BudgetError as error:
    print(error)

# %% [markdown]
# **Fallback. Emulator-only:** the next two Gemini requests get 503. The router retries the
# first route once (waiting what the server asks), then falls back to the next candidate.
# A 400 would not fall back: another provider would only hide a broken request.

# %% tags=["nbval-check-output"]
from mmcourse.emulator.control import EmulatorControl

if GEMINI.offline:
    EmulatorControl(GEMINI.base_url).inject_fault("gemini", 503, count=2, retry_after=1)
result = routing.Router(retries=1).ask("Extract the store, date and total as JSON.", RECEIPT, task="ocr")
for a in result.attempts:
    print(f"{a.provider}/{a.model}: {a.status or '-'} {a.error_type or 'ok'}")
print("answered by", result.route.label)

# %% [markdown]
# ## What you learned
#
# - Image tokens follow per-provider algorithms (tiles, 28- or 32-px patches, flat counts);
#   the popular tutorial formula is wrong for most sizes and most models.
# - Estimate before sending, then read `usage`: the response is the bill.
# - Cost = tokens × a dated price; keep money in `Decimal`.
# - Route easy work to cheap models and hard work to strong ones, within a budget, with a
#   fallback for rate limits and outages (never for a broken request).
#
# Next: lesson 13, the Responses API.
