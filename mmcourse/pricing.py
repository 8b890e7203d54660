"""What a request costs in US dollars: a dated price table and exact Decimal arithmetic.

Prices are USD per 1 million tokens, standard (non-batch, uncached) rates, read from the
providers' pricing pages on the date in ``PRICES_AS_OF``. Prices change: check the pages
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

    def rates(self, prompt_tokens: int) -> tuple[Decimal, Decimal]:
        """(input, output) USD per 1M tokens for a request with ``prompt_tokens`` input tokens."""
        if self.long_context_threshold is not None and prompt_tokens > self.long_context_threshold:
            return self.long_input, self.long_output
        return self.input, self.output


def _p(
    model: str, input: str, output: str, audio: str | None = None, long: tuple | None = None
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
    )


_PRICE_ROWS: tuple[Price, ...] = (
    # OpenAI: developers.openai.com/api/docs/pricing and the per-model pages (2025-2026).
    _p("gpt-4o", "2.50", "10.00"),
    _p("gpt-4o-mini", "0.15", "0.60"),
    _p("gpt-4.1", "2.00", "8.00"),
    _p("gpt-4.1-mini", "0.40", "1.60"),
    _p("gpt-4.1-nano", "0.10", "0.40"),
    _p("o4-mini", "1.10", "4.40"),
    _p("gpt-5", "1.25", "10.00"),
    _p("gpt-5-mini", "0.25", "2.00"),
    _p("gpt-5-nano", "0.05", "0.40"),
    # GPT-5.4: 2x input and 1.5x output for prompts above 272K tokens (OpenAI pricing, 2026).
    _p("gpt-5.4", "2.50", "15.00", long=(272_000, "5.00", "22.50")),
    _p("gpt-5.4-mini", "0.75", "4.50"),
    _p("gpt-5.4-nano", "0.20", "1.25"),
    # GPT-5.5 (2026-04): a long-context surcharge like GPT-5.4's is UNCONFIRMED, so none here.
    _p("gpt-5.5", "5.00", "30.00"),
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
    model: str, input_tokens: int, output_tokens: int = 0, audio_input_tokens: int = 0
) -> Decimal:
    """USD for one request: text/image/video/PDF input, output, and audio input tokens.

    >>> cost("claude-opus-4-7", 1_000) == Decimal("0.005")
    True
    """
    _non_negative(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        audio_input_tokens=audio_input_tokens,
    )
    row = price(model)
    in_rate, out_rate = row.rates(input_tokens + audio_input_tokens)
    audio_rate = row.audio_input if row.audio_input is not None else in_rate
    total = input_tokens * in_rate + audio_input_tokens * audio_rate + output_tokens * out_rate
    return total / PER_MILLION


def batch_cost(
    model: str, n_docs: int, input_tokens_each: int, output_tokens_each: int = 0
) -> Decimal:
    """USD for ``n_docs`` identical requests (standard rates, not the Batch API discount).

    >>> format_usd(batch_cost("gpt-5.5", 10_000, 1_000))
    '$50.00'
    """
    _non_negative(n_docs=n_docs)
    return n_docs * cost(model, input_tokens_each, output_tokens_each)


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
