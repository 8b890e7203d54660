"""The price table covers exactly the registry and reproduces the course's worked cost examples
to the cent (Decimal arithmetic, no float drift)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mmcourse import pricing, registry, tokens
from mmcourse.pricing import (
    PRICES,
    PRICES_AS_OF,
    CostRequest,
    batch_cost,
    cost,
    estimate_cost,
    format_usd,
    price,
)
from mmcourse.registry import UnknownModelError

# ------------------------------------------------------------------ the table


def test_every_registry_model_has_a_price():
    missing = [m for m in registry.model_ids() if m not in PRICES]
    assert missing == []


def test_no_price_for_a_model_outside_the_registry():
    extra = [m for m in PRICES if m not in registry.model_ids()]
    assert extra == []


def test_prices_are_dated():
    assert PRICES_AS_OF.startswith("2026-11-")


def test_prices_are_positive_decimals_with_output_dearer_than_input():
    for row in PRICES.values():
        assert isinstance(row.input, Decimal) and row.input > 0, row.model
        assert row.output > row.input, row.model


def test_long_context_tiers_are_complete_and_dearer():
    for row in PRICES.values():
        if row.long_context_threshold is not None:
            assert row.long_input > row.input and row.long_output > row.output, row.model


# ------------------------------------------------------------------ the course's worked examples


@pytest.mark.parametrize(
    ("model", "dollars"),
    [
        ("gpt-5.5", "50.00"),
        ("claude-opus-4-7", "50.00"),
        ("gemini-3.1-pro-preview", "20.00"),
        ("gemini-2.5-flash", "3.00"),
    ],
)
def test_ten_thousand_one_thousand_token_documents(model, dollars):
    assert batch_cost(model, n_docs=10_000, input_tokens_each=1_000) == Decimal(dollars)


def test_routing_simple_documents_to_flash_and_complex_to_opus_costs_17_10():
    routed = batch_cost("gemini-2.5-flash", 7_000, 1_000) + batch_cost(
        "claude-opus-4-7", 3_000, 1_000
    )
    assert routed == Decimal("17.10")
    assert format_usd(routed) == "$17.10"


def test_routing_is_cheaper_than_sending_everything_to_opus():
    routed = batch_cost("gemini-2.5-flash", 7_000, 1_000) + batch_cost(
        "claude-opus-4-7", 3_000, 1_000
    )
    assert routed < batch_cost("claude-opus-4-7", 10_000, 1_000)


# ------------------------------------------------------------------ cost()


def test_cost_adds_input_and_output_at_their_rates():
    # gpt-4o: $2.50 in, $10 out per 1M tokens.
    assert cost("gpt-4o", 1_000_000, 100_000) == Decimal("3.50")


def test_audio_input_uses_the_models_audio_rate():
    assert cost("gpt-audio-mini", 0, 0, audio_input_tokens=1_000_000) == Decimal("10")
    assert cost("gemini-2.5-flash", 0, 0, audio_input_tokens=1_000_000) == Decimal("1.00")


def test_audio_input_falls_back_to_the_input_rate():
    # gemini-2.5-pro lists no separate audio rate: 100K audio tokens at $1.25 per 1M.
    assert cost("gemini-2.5-pro", 0, 0, audio_input_tokens=100_000) == Decimal("0.125")


def test_audio_tokens_count_towards_the_long_context_threshold():
    assert cost("gemini-2.5-pro", 0, 0, audio_input_tokens=1_000_000) == Decimal("2.50")


def test_long_prompts_bill_the_whole_request_at_the_long_context_rate():
    assert cost("gemini-2.5-pro", 200_000) == Decimal("0.25")  # at the threshold: standard
    assert cost("gemini-2.5-pro", 400_000, 10_000) == Decimal("1.00") + Decimal("0.15")


def test_negative_token_counts_are_rejected():
    with pytest.raises(ValueError, match="output_tokens"):
        cost("gpt-4o", 10, -1)


def test_unknown_model_has_no_price():
    with pytest.raises(UnknownModelError):
        price("gpt-9-ultra")


def test_retired_model_price_names_the_replacement():
    with pytest.raises(UnknownModelError, match="gemini-2.5-flash"):
        cost("gemini-1.5-flash", 1_000)


def test_format_usd_shows_cents_and_sub_cent_amounts():
    assert format_usd(Decimal("50")) == "$50.00"
    assert format_usd(Decimal("1234.5")) == "$1,234.50"
    assert format_usd(cost("gemini-2.5-flash-lite", 1_000)) == "$0.0001"


# ------------------------------------------------------------------ estimate_cost()


def test_estimate_breaks_tokens_down_by_modality():
    request = CostRequest(
        "openai", "gpt-4o", prompt="x" * 400, images=[(1024, 1024), (4096, 8192)], detail="high"
    )
    estimate = estimate_cost(request)
    assert estimate.input_tokens == {
        "text": 100,
        "image": 765 + 1105,
        "audio": 0,
        "video": 0,
        "pdf": 0,
    }
    assert estimate.total_input_tokens == 1970
    assert estimate.total_usd == cost("gpt-4o", 1970)


def test_estimate_prices_output_at_max_output_tokens():
    estimate = estimate_cost(
        CostRequest("anthropic", "claude-opus-4-7", "hi", max_output_tokens=1_000)
    )
    assert estimate.output_tokens == 1_000
    assert estimate.output_usd == Decimal("0.025")
    assert estimate.total_usd == estimate.input_usd + estimate.output_usd


def test_estimate_bills_audio_at_the_audio_rate():
    estimate = estimate_cost(CostRequest("gemini", "gemini-2.5-flash", audio_seconds=60))
    assert estimate.input_tokens["audio"] == 1920
    assert estimate.input_usd == Decimal(1920) * Decimal("1.00") / Decimal(1_000_000)


def test_estimate_covers_video_and_pdf():
    estimate = estimate_cost(
        CostRequest("gemini", "gemini-2.5-flash", video_seconds=10, pdf_pages=4)
    )
    assert estimate.input_tokens["video"] == tokens.estimate_video_tokens(
        "gemini", "gemini-2.5-flash", 10
    )
    assert estimate.input_tokens["pdf"] == 4 * 258


def test_estimate_refuses_audio_for_claude():
    with pytest.raises(tokens.UnsupportedModalityError):
        estimate_cost(CostRequest("anthropic", "claude-sonnet-4-6", audio_seconds=5))


def test_estimate_checks_the_provider_even_for_text_only_requests():
    with pytest.raises(tokens.TokenEstimateError, match="openai"):
        estimate_cost(CostRequest("gemini", "gpt-4o", prompt="hello"))


def test_estimate_is_dated():
    assert estimate_cost(CostRequest("openai", "gpt-4o", "hi")).prices_as_of == pricing.PRICES_AS_OF


# ------------------------------------------------------------------ cached and batch tokens
# Figures from the 2026 fact sheet: Anthropic cache writes 1.25x (5 m) / 2x (1 h), reads 0.1x the
# input price, batch 50 % stacking with caching (prompt-caching and batch-processing docs);
# OpenAI cached input "up to 90 %" off (GPT-5: $1.25 -> $0.125); the Batch APIs bill 50 %.


def test_anthropic_cache_read_costs_a_tenth_of_input():
    assert cost("claude-sonnet-4-6", 0, cached_input_tokens=1_000_000) == Decimal("0.30")


def test_anthropic_five_minute_cache_write_costs_a_quarter_more():
    assert cost("claude-sonnet-4-6", 0, cache_write_5m_tokens=1_000_000) == Decimal("3.75")


def test_anthropic_one_hour_cache_write_costs_double():
    assert cost("claude-sonnet-4-6", 0, cache_write_1h_tokens=1_000_000) == Decimal("6.00")


def test_anthropic_real_cached_usage_is_priced_field_by_field():
    # The second call of a real 2026 recording (claude-sonnet-4-5, $3 / $15):
    usage = {"cache_creation": {"ephemeral_1h_input_tokens": 0, "ephemeral_5m_input_tokens": 418},
             "cache_creation_input_tokens": 418, "cache_read_input_tokens": 1111, "input_tokens": 3,
             "output_tokens": 33}
    expected = (3 * Decimal("3") + 418 * Decimal("3.75") + 1111 * Decimal("0.3") + 33 * Decimal("15")) / 10**6
    assert pricing.usage_cost("claude-sonnet-4-5", usage) == expected == Decimal("0.0024048")


def test_anthropic_batch_discount_stacks_with_cache_reads():
    assert cost("claude-sonnet-4-6", 0, cached_input_tokens=1_000_000, batch=True) == Decimal("0.15")


def test_openai_gpt5_cached_input_is_ninety_percent_off():
    assert cost("gpt-5", 0, cached_input_tokens=1_000_000) == Decimal("0.125")


def test_openai_chat_usage_bills_cached_tokens_apart_from_the_rest():
    usage = {"prompt_tokens": 2048, "completion_tokens": 100,
             "prompt_tokens_details": {"cached_tokens": 1920, "audio_tokens": 0}}
    assert pricing.usage_cost("gpt-5", usage) == cost("gpt-5", 128, 100, cached_input_tokens=1920)
    assert pricing.usage_cost("gpt-5", usage) < cost("gpt-5", 2048, 100)


def test_openai_responses_usage_is_read_like_chat_usage():
    responses = {"input_tokens": 2048, "output_tokens": 100, "input_tokens_details": {"cached_tokens": 1920}}
    chat = {"prompt_tokens": 2048, "completion_tokens": 100, "prompt_tokens_details": {"cached_tokens": 1920}}
    assert pricing.usage_cost("gpt-5", responses) == pricing.usage_cost("gpt-5", chat)


def test_gemini_cached_content_tokens_are_inside_the_prompt_count():
    usage = {"promptTokenCount": 323388, "candidatesTokenCount": 397, "cachedContentTokenCount": 323383}
    assert pricing.usage_cost("gemini-2.5-flash", usage) == cost(
        "gemini-2.5-flash", 5, 397, cached_input_tokens=323383)


def test_batch_api_halves_the_standard_price():
    assert cost("gpt-5.5", 1_000_000, 1_000_000, batch=True) == Decimal("17.50")
    assert batch_cost("gpt-5.5", 10_000, 1_000, batch_api=True) == batch_cost("gpt-5.5", 10_000, 1_000) / 2


def test_cached_tokens_without_a_published_rate_name_the_gap():
    with pytest.raises(LookupError, match="no published cached-input price"):
        cost("gpt-audio", 0, cached_input_tokens=1)


def test_negative_cached_tokens_are_refused():
    with pytest.raises(ValueError, match="cached_input_tokens"):
        cost("gpt-5", 0, cached_input_tokens=-1)
