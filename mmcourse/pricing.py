"""What a request costs in US dollars: a dated price table and exact Decimal arithmetic.

Prices are USD per 1 million tokens, standard (non-batch, uncached) rates, read from the
providers' pricing pages on the date in ``PRICES_AS_OF``. Cached input (prompt caching) and the
Batch APIs' discount are priced from them: see ``CACHE_MULTIPLIERS``, ``BATCH_DISCOUNT`` and
``usage_cost``. Prices change: check the pages
before you budget real money. Money is ``decimal.Decimal`` so $0.30 x 7,000,000 tokens is
exactly $2.10, not 2.0999999.

>>> format_usd(batch_cost("gemini-2.5-flash", n_docs=10_000, input_tokens_each=1_000))
'$3.00'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from mmcourse import registry, tokens

__all__ = [
    "BATCH_DISCOUNT",
    "CACHE_MULTIPLIERS",
    "PRICES",
    "PRICES_AS_OF",
    "CostEstimate",
    "CostRequest",
    "Price",
    "batch_cost",
    "cost",
    "estimate_cost",
    "format_usd",
    "price",
    "usage_cost",
]

PRICES_AS_OF = "2026-11-25"
PER_MILLION = Decimal(1_000_000)


@dataclass(frozen=True)
class Price:
    """USD per 1M tokens for one model.

    ``audio_input`` is set where audio input is priced apart from text (else the input rate
    applies). Above ``long_context_threshold`` prompt tokens the whole request is billed at
    ``long_input`` / ``long_output`` (Gemini Pro, Claude Sonnet 4.5, GPT-5.4).
    """

    model: str
    input: Decimal
    output: Decimal
    audio_input: Decimal | None = None
    long_context_threshold: int | None = None
    long_input: Decimal | None = None
    long_output: Decimal | None = None
    # OpenAI publishes a cached-input rate per model; Anthropic and Gemini price cache reads
    # (and writes) as multiples of the input rate (CACHE_MULTIPLIERS).
    cached_input: Decimal | None = None

    def rates(self, prompt_tokens: int) -> tuple[Decimal, Decimal]:
        """(input, output) USD per 1M tokens for a request with ``prompt_tokens`` input tokens."""
        if self.long_context_threshold is not None and prompt_tokens > self.long_context_threshold:
            return self.long_input, self.long_output
        return self.input, self.output

    def cache_rates(self, prompt_tokens: int) -> tuple[Decimal, Decimal, Decimal]:
        """(cache read, 5-minute write, 1-hour write) USD per 1M tokens for such a request."""
        in_rate, _ = self.rates(prompt_tokens)
        provider = registry.get_model(self.model).provider
        multipliers = CACHE_MULTIPLIERS.get(provider)
        if multipliers is not None:
            return in_rate * multipliers.read, in_rate * multipliers.write_5m, in_rate * multipliers.write_1h
        if self.cached_input is None:
            raise LookupError(f"{self.model} has no published cached-input price in mmcourse.pricing "
                              f"(prices as of {PRICES_AS_OF}): price its cached tokens at the input rate "
                              "yourself, or add the figure to mmcourse/pricing.py")
        # OpenAI's automatic caching has no write surcharge.
        return self.cached_input * in_rate / self.input, in_rate, in_rate


@dataclass(frozen=True)
class CacheMultipliers:
    """Cache prices as multiples of a model's input rate."""

    read: Decimal
    write_5m: Decimal = Decimal(1)
    write_1h: Decimal = Decimal(1)


CACHE_MULTIPLIERS: dict[str, CacheMultipliers] = {
    # Anthropic prompt caching (platform.claude.com build-with-claude/prompt-caching, 2026):
    # writes 1.25x (5-minute TTL) or 2x (1-hour TTL), reads 0.1x the base input price.
    "anthropic": CacheMultipliers(Decimal("0.1"), Decimal("1.25"), Decimal(2)),
    # Gemini context caching: cached tokens at a 90 % discount (Vertex AI caching doc; the
    # Developer API's per-model figure is UNCONFIRMED). Explicit caches also bill storage per
    # token-hour, which is not priced here.
    "gemini": CacheMultipliers(Decimal("0.1")),
}
# The Batch APIs (OpenAI /v1/batches, Anthropic Message Batches, Gemini batch mode) bill 50 %
# of the standard prices, cache reads and writes included at Anthropic (each provider's batch docs).
BATCH_DISCOUNT = Decimal("0.5")


def _p(
    model: str, input: str, output: str, audio: str | None = None, long: tuple | None = None,
    cached: str | None = None,
) -> Price:
    threshold, long_in, long_out = long or (None, None, None)
    return Price(
        model,
        Decimal(input),
        Decimal(output),
        Decimal(audio) if audio is not None else None,
        threshold,
        Decimal(long_in) if long_in is not None else None,
        Decimal(long_out) if long_out is not None else None,
        Decimal(cached) if cached is not None else None,
    )


_PRICE_ROWS: tuple[Price, ...] = (
    # OpenAI: developers.openai.com/api/docs/pricing and the per-model pages (2025-2026).
    # ``cached``: the cached-input rate (50 % off for GPT-4o, 75 % for GPT-4.1 and o4-mini,
    # 90 % for GPT-5; "up to 90 %" per openai-cookbook Prompt_Caching_201, 2026). GPT-5.4 and
    # GPT-5.5 rows assume GPT-5's 90 % (UNCONFIRMED); the audio models have no cached rate here.
    _p("gpt-4o", "2.50", "10.00", cached="1.25"),
    _p("gpt-4o-mini", "0.15", "0.60", cached="0.075"),
    _p("gpt-4.1", "2.00", "8.00", cached="0.50"),
    _p("gpt-4.1-mini", "0.40", "1.60", cached="0.10"),
    _p("gpt-4.1-nano", "0.10", "0.40", cached="0.025"),
    _p("o4-mini", "1.10", "4.40", cached="0.275"),
    _p("gpt-5", "1.25", "10.00", cached="0.125"),
    _p("gpt-5-mini", "0.25", "2.00", cached="0.025"),
    _p("gpt-5-nano", "0.05", "0.40", cached="0.005"),
    # GPT-5.4: 2x input and 1.5x output for prompts above 272K tokens (OpenAI pricing, 2026).
    _p("gpt-5.4", "2.50", "15.00", long=(272_000, "5.00", "22.50"), cached="0.25"),
    _p("gpt-5.4-mini", "0.75", "4.50", cached="0.075"),
    _p("gpt-5.4-nano", "0.20", "1.25", cached="0.02"),
    # GPT-5.5 (2026-04): a long-context surcharge like GPT-5.4's is UNCONFIRMED, so none here.
    _p("gpt-5.5", "5.00", "30.00", cached="0.50"),
    # Audio models: text rate, then audio input per 1M audio tokens (model pages, 2025-2026).
    # gpt-4o-audio-preview: the 2024-12-17 snapshot's $40 (the 2024-10-01 one charged $100).
    _p("gpt-4o-audio-preview", "2.50", "10.00", audio="40.00"),
    _p("gpt-audio", "2.50", "10.00", audio="32.00"),
    _p("gpt-audio-mini", "0.60", "2.40", audio="10.00"),
    _p("gpt-audio-1.5", "2.50", "10.00", audio="32.00"),
    # Anthropic: platform.claude.com/docs/en/about-claude/pricing and model pages (2025-2026).
    _p("claude-haiku-4-5", "1.00", "5.00"),
    # Sonnet 4.5 with the 1M context window: prompts over 200K bill $6 / $22.50.
    _p("claude-sonnet-4-5", "3.00", "15.00", long=(200_000, "6.00", "22.50")),
    _p("claude-sonnet-4-6", "3.00", "15.00"),  # 1M context at standard rates
    _p("claude-opus-4-5", "5.00", "25.00"),
    _p("claude-opus-4-6", "5.00", "25.00"),
    _p("claude-opus-4-7", "5.00", "25.00"),
    _p("claude-opus-4-8", "5.00", "25.00"),
    _p("claude-sonnet-5", "2.00", "10.00"),  # Sonnet 5 model page, 2026 ($2 / $10)
    # Gemini: ai.google.dev/gemini-api/docs/pricing (paid tier, 2025-2026). Input price is for
    # text/image/video; audio has its own where listed; Pro models double above 200K tokens.
    _p("gemini-2.5-flash", "0.30", "2.50", audio="1.00"),
    _p("gemini-2.5-flash-lite", "0.10", "0.40", audio="0.30"),
    _p("gemini-2.5-pro", "1.25", "10.00", long=(200_000, "2.50", "15.00")),
    _p("gemini-3-flash-preview", "0.50", "3.00", audio="1.00"),
    _p("gemini-3.1-pro-preview", "2.00", "12.00", long=(200_000, "4.00", "18.00")),
    # Gemini 3.5 Flash (2026-05): $1.50 / $9.00; a separate audio rate is UNCONFIRMED.
    _p("gemini-3.5-flash", "1.50", "9.00"),
)

PRICES: dict[str, Price] = {row.model: row for row in _PRICE_ROWS}


def price(model: str) -> Price:
    """The price row for ``model`` (a registry id); clear errors for unknown or unpriced ids."""
    registry.get_model(model)  # UnknownModelError naming the fix for unknown / retired ids
    try:
        return PRICES[model]
    except KeyError:
        raise LookupError(
            f"{model!r} is in the registry but has no price in mmcourse.pricing "
            f"(prices as of {PRICES_AS_OF}); add a row to mmcourse/pricing.py"
        ) from None


def format_usd(amount: Decimal) -> str:
    """Dollars for people: cents from one cent up, else enough decimals to show the amount.

    >>> format_usd(Decimal("17.1")), format_usd(Decimal("0.0003"))
    ('$17.10', '$0.0003')
    """
    if amount >= Decimal("0.01") or amount == 0:
        return f"${amount:,.2f}"
    return f"${amount.normalize():f}"


def _non_negative(**counts: int) -> None:
    for name, value in counts.items():
        if not isinstance(value, int) or value < 0:
            raise ValueError(f"{name} must be a non-negative whole number of tokens, got {value!r}")


def cost(
    model: str,
    input_tokens: int,
    output_tokens: int = 0,
    audio_input_tokens: int = 0,
    *,
    cached_input_tokens: int = 0,
    cache_write_5m_tokens: int = 0,
    cache_write_1h_tokens: int = 0,
    batch: bool = False,
) -> Decimal:
    """USD for one request: text/image/video/PDF input, output, and audio input tokens.

    ``input_tokens`` are the uncached ones; ``cached_input_tokens`` are read from a prompt
    cache, ``cache_write_*_tokens`` written to Anthropic's (5-minute or 1-hour TTL). ``batch``
    applies the Batch APIs' 50 % discount. From a response's usage, ``usage_cost`` does the sums.

    >>> cost("claude-opus-4-7", 1_000) == Decimal("0.005")
    True
    >>> cost("claude-sonnet-4-6", 0, cached_input_tokens=1_000_000) == Decimal("0.30")  # 0.1 x $3
    True
    """
    _non_negative(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        audio_input_tokens=audio_input_tokens,
        cached_input_tokens=cached_input_tokens,
        cache_write_5m_tokens=cache_write_5m_tokens,
        cache_write_1h_tokens=cache_write_1h_tokens,
    )
    row = price(model)
    prompt = input_tokens + audio_input_tokens + cached_input_tokens + cache_write_5m_tokens + cache_write_1h_tokens
    in_rate, out_rate = row.rates(prompt)
    audio_rate = row.audio_input if row.audio_input is not None else in_rate
    total = input_tokens * in_rate + audio_input_tokens * audio_rate + output_tokens * out_rate
    if cached_input_tokens or cache_write_5m_tokens or cache_write_1h_tokens:
        read, write_5m, write_1h = row.cache_rates(prompt)
        total += cached_input_tokens * read + cache_write_5m_tokens * write_5m + cache_write_1h_tokens * write_1h
    total = total / PER_MILLION
    return total * BATCH_DISCOUNT if batch else total


def _openai_usage(usage: dict) -> dict[str, int]:
    """Chat (``prompt_tokens`` ...) or Responses (``input_tokens`` ...): cached tokens are inside."""
    details = usage.get("prompt_tokens_details") or usage.get("input_tokens_details") or {}
    prompt = usage.get("prompt_tokens", usage.get("input_tokens", 0))
    cached = details.get("cached_tokens") or 0
    audio = details.get("audio_tokens") or 0
    return {"input_tokens": prompt - cached - audio, "audio_input_tokens": audio,
            "cached_input_tokens": cached,
            "output_tokens": usage.get("completion_tokens", usage.get("output_tokens", 0))}


def _anthropic_usage(usage: dict) -> dict[str, int]:
    """``input_tokens`` is already the uncached part; writes are split by TTL in ``cache_creation``."""
    created = usage.get("cache_creation") or {}
    one_hour = created.get("ephemeral_1h_input_tokens") or 0
    five_min = created.get("ephemeral_5m_input_tokens")
    if five_min is None:  # older responses carry only the total
        five_min = (usage.get("cache_creation_input_tokens") or 0) - one_hour
    return {"input_tokens": usage.get("input_tokens", 0), "cached_input_tokens": usage.get("cache_read_input_tokens") or 0,
            "cache_write_5m_tokens": five_min, "cache_write_1h_tokens": one_hour,
            "output_tokens": usage.get("output_tokens", 0)}


def _gemini_usage(usage: dict) -> dict[str, int]:
    """``promptTokenCount`` includes ``cachedContentTokenCount``; thinking is billed as output."""
    cached = usage.get("cachedContentTokenCount") or 0
    return {"input_tokens": usage.get("promptTokenCount", 0) - cached, "cached_input_tokens": cached,
            "output_tokens": (usage.get("candidatesTokenCount") or 0) + (usage.get("thoughtsTokenCount") or 0)}


# How each provider's usage object reads (field names: provider-facts.md and the 2026 supplement).
USAGE_READERS = {"openai": _openai_usage, "anthropic": _anthropic_usage, "gemini": _gemini_usage}


def usage_cost(model: str, usage: dict, *, batch: bool = False) -> Decimal:
    """USD for a response, from its raw ``usage`` / ``usageMetadata`` object (cache fields included).

    >>> usage = {"input_tokens": 3, "output_tokens": 33, "cache_read_input_tokens": 1111,
    ...          "cache_creation": {"ephemeral_5m_input_tokens": 418, "ephemeral_1h_input_tokens": 0}}
    >>> usage_cost("claude-sonnet-4-5", usage)
    Decimal('0.0024048')
    """
    provider = registry.get_model(model).provider
    counts = USAGE_READERS[provider](usage)
    return cost(model, counts.pop("input_tokens"), counts.pop("output_tokens"), **counts, batch=batch)


def batch_cost(
    model: str, n_docs: int, input_tokens_each: int, output_tokens_each: int = 0,
    *, batch_api: bool = False,
) -> Decimal:
    """USD for ``n_docs`` identical requests: standard rates, or the Batch APIs' half price.

    >>> format_usd(batch_cost("gpt-5.5", 10_000, 1_000))
    '$50.00'
    >>> format_usd(batch_cost("gpt-5.5", 10_000, 1_000, batch_api=True))
    '$25.00'
    """
    _non_negative(n_docs=n_docs)
    return n_docs * cost(model, input_tokens_each, output_tokens_each, batch=batch_api)


@dataclass(frozen=True)
class CostRequest:
    """A request described by its contents; ``images`` are (width, height) pairs in pixels."""

    provider: str
    model: str
    prompt: str = ""
    images: Sequence[tuple[int, int]] = field(default_factory=list)
    audio_seconds: float = 0
    video_seconds: float = 0
    pdf_pages: int = 0
    max_output_tokens: int = 0
    detail: str = "auto"


@dataclass(frozen=True)
class CostEstimate:
    """Token breakdown and dollars for a :class:`CostRequest` (output at its maximum)."""

    provider: str
    model: str
    input_tokens: dict[str, int]  # text, image, audio, video, pdf
    output_tokens: int
    input_usd: Decimal
    output_usd: Decimal
    total_usd: Decimal
    prices_as_of: str = PRICES_AS_OF

    @property
    def total_input_tokens(self) -> int:
        return sum(self.input_tokens.values())


def estimate_cost(request: CostRequest) -> CostEstimate:
    """Estimate tokens (with :mod:`mmcourse.tokens`) and dollars for ``request``.

    Output is priced at ``max_output_tokens``: the most the request can cost. Audio is billed
    at the model's audio rate where it has one.
    """
    p, m = request.provider, request.model
    tokens.resolve_model(p, m)  # a prompt-only request still names a real model of that provider
    breakdown = {
        "text": tokens.estimate_text_tokens(request.prompt),
        "image": sum(
            tokens.estimate_image_tokens(p, m, w, h, request.detail) for w, h in request.images
        ),
        "audio": tokens.estimate_audio_tokens(p, m, request.audio_seconds)
        if request.audio_seconds
        else 0,
        "video": tokens.estimate_video_tokens(p, m, request.video_seconds, detail=request.detail)
        if request.video_seconds
        else 0,
        "pdf": tokens.estimate_pdf_tokens(p, m, request.pdf_pages, detail=request.detail)
        if request.pdf_pages
        else 0,
    }
    _non_negative(max_output_tokens=request.max_output_tokens)
    non_audio = sum(v for k, v in breakdown.items() if k != "audio")
    input_usd = cost(m, non_audio, 0, breakdown["audio"])
    total = cost(m, non_audio, request.max_output_tokens, breakdown["audio"])
    return CostEstimate(
        provider=p,
        model=m,
        input_tokens=breakdown,
        output_tokens=request.max_output_tokens,
        input_usd=input_usd,
        output_usd=total - input_usd,
        total_usd=total,
    )
