"""Token estimates reproduce the providers' official worked examples (OpenAI and Anthropic vision
docs, Gemini token/media-resolution docs) and refuse requests no real API would take."""

from __future__ import annotations

import pytest

from mmcourse import registry, tokens
from mmcourse.registry import UnknownModelError
from mmcourse.tokens import (
    TokenEstimateError,
    UnsupportedModalityError,
    anthropic_legacy_tokens,
    anthropic_patch_tokens,
    anthropic_resized_size,
    estimate_audio_tokens,
    estimate_image_tokens,
    estimate_pdf_tokens,
    estimate_text_tokens,
    estimate_video_tokens,
    explain_naive_vs_official,
    gemini_tile_tokens,
    naive_tutorial_image_tokens,
    openai_patch_count,
    openai_tile_resize,
)

# ------------------------------------------------------------------ text


def test_text_tokens_are_about_four_characters_each():
    assert estimate_text_tokens("a" * 400) == 100
    assert estimate_text_tokens("a" * 401) == 101


def test_text_tokens_are_never_zero_for_non_empty_text():
    assert estimate_text_tokens("a") == 1
    assert estimate_text_tokens("") == 0


# ------------------------------------------------------------------ OpenAI tiles


@pytest.mark.parametrize(
    ("width", "height", "detail", "expected"),
    [
        (1024, 1024, "high", 765),  # official: 768x768, 4 tiles
        (2048, 4096, "high", 1105),  # official: 1024x2048 -> 768x1536, 6 tiles
        (4096, 8192, "low", 85),  # official: low is the flat base
        (800, 600, "high", 765),  # ceil: 2x2 tiles
        (500, 500, "high", 255),  # one partial tile still counts
        (4000, 3000, "high", 765),  # 2048x1536 -> 1024x768
        (1920, 1080, "high", 1105),  # 1365x768, 3x2 tiles
    ],
)
def test_gpt4o_tile_tokens_match_the_official_examples(width, height, detail, expected):
    assert estimate_image_tokens("openai", "gpt-4o", width, height, detail) == expected


def test_tile_resize_fits_2048_then_shrinks_short_side_to_768():
    assert openai_tile_resize(2048, 4096) == (768, 1536)
    assert openai_tile_resize(4000, 3000) == (1024, 768)


def test_tile_resize_never_upscales_small_images():
    assert openai_tile_resize(512, 512) == (512, 512)
    assert estimate_image_tokens("openai", "gpt-4o", 512, 512, "high") == 255


def test_auto_detail_counts_like_high_on_tile_models():
    high = estimate_image_tokens("openai", "gpt-4o", 1920, 1080, "high")
    assert estimate_image_tokens("openai", "gpt-4o", 1920, 1080) == high


def test_tile_constants_come_from_each_models_registry_entry():
    assert estimate_image_tokens("openai", "gpt-4o-mini", 1024, 1024, "high") == 2833 + 4 * 5667
    assert estimate_image_tokens("openai", "gpt-5", 1024, 1024, "high") == 70 + 4 * 140
    assert estimate_image_tokens("openai", "gpt-4.1", 1024, 1024, "high") == 765


def test_original_detail_is_rejected_on_tile_models():
    with pytest.raises(TokenEstimateError, match="original"):
        estimate_image_tokens("openai", "gpt-4o", 1024, 1024, "original")


# ------------------------------------------------------------------ OpenAI patches


def test_patch_count_official_examples_with_the_1536_budget():
    assert openai_patch_count(1024, 1024, 1536) == 1024
    assert openai_patch_count(1800, 2400, 1536) == 1452  # 1056x1408 -> 33x44


def test_patch_count_is_not_fooled_by_float_noise():
    # Exactly 28 x 52 patches after the shrink; naive floats give 52.00000000000001 -> 53 rows.
    assert openai_patch_count(1330, 2470, 1536) == 28 * 52


def test_patch_count_small_image_is_its_ceil_patch_grid():
    assert openai_patch_count(100, 50) == 4 * 2


def test_patch_count_never_exceeds_the_budget():
    for w, h in [(1800, 2400), (4000, 3000), (8000, 100), (3333, 2222), (6000, 6000)]:
        assert openai_patch_count(w, h, 1536) <= 1536


def test_patch_tokens_apply_the_model_multiplier():
    assert estimate_image_tokens("openai", "gpt-5-mini", 1024, 1024) == 1659  # ceil(1024 * 1.62)
    assert estimate_image_tokens("openai", "gpt-4.1-nano", 1024, 1024) == 2520  # ceil(1024 * 2.46)
    assert estimate_image_tokens("openai", "o4-mini", 1800, 2400) == 2498  # ceil(1452 * 1.72)


def test_low_detail_on_patch_models_uses_the_same_budget():
    high = estimate_image_tokens("openai", "gpt-5-mini", 1800, 2400, "high")
    assert estimate_image_tokens("openai", "gpt-5-mini", 1800, 2400, "low") == high


def test_gpt54_high_caps_at_2500_patches_and_original_at_10000():
    assert estimate_image_tokens("openai", "gpt-5.4", 1024, 1024, "high") == 1024
    high = estimate_image_tokens("openai", "gpt-5.4", 4000, 3000, "high")
    original = estimate_image_tokens("openai", "gpt-5.4", 4000, 3000, "original")
    assert high <= 2500 < original <= 10_000


def test_gpt54_high_first_fits_the_2048_px_cap():
    # 2400x1200 is 75x38 = 2850 patches; capped to 2048x1024 it is 64x32 = 2048 (within budget).
    assert estimate_image_tokens("openai", "gpt-5.4", 2400, 1200, "high") == 2048


def test_patch_model_without_original_budget_rejects_original_detail():
    with pytest.raises(TokenEstimateError, match="gpt-5-mini"):
        estimate_image_tokens("openai", "gpt-5-mini", 1024, 1024, "original")


def test_registry_auto_setting_maps_auto_to_original():
    # gpt-5.5 treats auto as original (2026 docs); a registry entry declares it as {"auto": ...}.
    entry = registry.get_model("gpt-5.4")
    as_55 = registry.Model(
        "x",
        "openai",
        "x",
        "2026",
        entry.modalities,
        {**entry.image_tokens, "auto": "original"},
    )
    auto = tokens._openai_patch_tokens(as_55, 4000, 3000, "auto", None)
    assert auto == tokens._openai_patch_tokens(as_55, 4000, 3000, "original", None)
    assert auto > tokens._openai_patch_tokens(as_55, 4000, 3000, "high", None)


# ------------------------------------------------------------------ Anthropic


@pytest.mark.parametrize(
    ("width", "height", "standard", "high"),
    [
        (200, 200, 64, 64),
        (1000, 1000, 1296, 1296),
        (1092, 1092, 1521, 1521),
        (1920, 1080, 1560, 2691),
        (3840, 2160, 1560, 4784),
        (2000, 1500, 1564, 3888),
    ],
)
def test_anthropic_patch_tokens_match_the_official_table(width, height, standard, high):
    assert anthropic_patch_tokens(width, height, "standard") == standard
    assert anthropic_patch_tokens(width, height, "high") == high


def test_anthropic_resize_matches_the_documented_sizes():
    assert anthropic_resized_size(1920, 1080, "standard") == (1456, 819)
    assert anthropic_resized_size(3840, 2160, "high") == (2576, 1449)
    assert anthropic_resized_size(1920, 1080, "high") == (1920, 1080)  # fits: not resized


def test_anthropic_resize_2000x1500_follows_the_reference_code():
    # The docs table says 1269x952; Anthropic's reference code gives 1270x952 (same 1564 tokens).
    assert anthropic_resized_size(2000, 1500, "standard") == (1270, 952)


def test_anthropic_resize_can_shrink_an_image_already_inside_1568_px():
    assert anthropic_resized_size(1075, 1520, "standard") == (924, 1307)  # the docs' A4 example


def test_anthropic_resize_preserves_portrait_orientation():
    assert anthropic_resized_size(1080, 1920, "standard") == (819, 1456)


def test_anthropic_models_use_their_registry_tier():
    assert estimate_image_tokens("anthropic", "claude-sonnet-4-6", 3840, 2160) == 1560
    assert estimate_image_tokens("anthropic", "claude-opus-4-7", 3840, 2160) == 4784


def test_every_anthropic_registry_entry_names_a_known_tier():
    for model in registry.models_for("anthropic"):
        limits = (model.image_tokens["max_edge"], model.image_tokens["max_tokens"])
        assert limits in tokens.ANTHROPIC_TIERS.values(), model.id


def test_unknown_anthropic_tier_is_an_error():
    with pytest.raises(TokenEstimateError, match="tier"):
        anthropic_resized_size(100, 100, "ultra")


def test_anthropic_legacy_formula_reproduces_the_old_docs():
    assert anthropic_legacy_tokens(200, 200) == 54
    assert anthropic_legacy_tokens(1000, 1000) == 1334
    assert anthropic_legacy_tokens(1092, 1092) == 1590


# ------------------------------------------------------------------ Gemini


def test_gemini_small_images_cost_258():
    assert gemini_tile_tokens(384, 384) == 258
    assert estimate_image_tokens("gemini", "gemini-2.5-flash", 200, 300) == 258


def test_gemini_larger_images_cost_258_per_768_tile():
    assert gemini_tile_tokens(1024, 1024) == 4 * 258
    assert gemini_tile_tokens(385, 100) == 258
    assert gemini_tile_tokens(1920, 1080) == 3 * 2 * 258


def test_gemini3_images_cost_a_flat_count_per_media_resolution():
    model = "gemini-3.1-pro-preview"
    assert estimate_image_tokens("gemini", model, 4000, 3000) == 1120  # default HIGH
    assert estimate_image_tokens("gemini", model, 64, 64) == 1120  # size does not matter
    for level, expected in [("LOW", 280), ("medium", 560), ("MEDIA_RESOLUTION_ULTRA_HIGH", 2240)]:
        assert estimate_image_tokens("gemini", model, 800, 600, media_resolution=level) == expected


def test_unknown_media_resolution_is_an_error():
    with pytest.raises(TokenEstimateError, match="media_resolution"):
        estimate_image_tokens("gemini", "gemini-3.5-flash", 10, 10, media_resolution="huge")


# ------------------------------------------------------------------ audio


def test_gemini_audio_is_32_tokens_per_second():
    assert estimate_audio_tokens("gemini", "gemini-2.5-flash", 60) == 1920
    assert estimate_audio_tokens("gemini", "gemini-2.5-flash", 0.5) == 16


def test_openai_audio_models_use_the_10_per_second_approximation():
    assert estimate_audio_tokens("openai", "gpt-audio-mini", 60) == 600


def test_openai_text_models_reject_audio_and_name_an_audio_model():
    with pytest.raises(UnsupportedModalityError, match="gpt-audio-mini"):
        estimate_audio_tokens("openai", "gpt-4o", 10)


def test_claude_audio_is_an_error_that_suggests_transcribing_first():
    with pytest.raises(UnsupportedModalityError, match="transcribe"):
        estimate_audio_tokens("anthropic", "claude-sonnet-4-6", 10)


# ------------------------------------------------------------------ video


def test_gemini2_video_is_258_per_frame_plus_32_per_second_of_audio():
    assert estimate_video_tokens("gemini", "gemini-2.5-flash", 10) == 10 * (258 + 32)
    assert estimate_video_tokens("gemini", "gemini-2.5-flash", 10, include_audio=False) == 2580


def test_gemini2_low_media_resolution_is_66_per_frame():
    low = estimate_video_tokens("gemini", "gemini-2.5-pro", 10, media_resolution="LOW")
    assert low == 10 * (66 + 32)


def test_gemini3_video_frames_are_70_by_default_and_280_at_high():
    assert estimate_video_tokens("gemini", "gemini-3.5-flash", 10) == 10 * (70 + 32)
    high = estimate_video_tokens("gemini", "gemini-3.5-flash", 10, media_resolution="HIGH")
    assert high == 10 * (280 + 32)


def test_video_fps_sets_the_number_of_frames():
    two_fps = estimate_video_tokens("gemini", "gemini-2.5-flash", 10, fps=2, include_audio=False)
    assert two_fps == 20 * 258


def test_openai_and_claude_video_is_sampled_frames_times_image_tokens():
    frame = estimate_image_tokens("openai", "gpt-4o", 1280, 720)
    assert estimate_video_tokens("openai", "gpt-4o", 10) == 10 * frame
    claude = estimate_video_tokens(
        "anthropic", "claude-haiku-4-5", 5, fps=0.5, frame_width=640, frame_height=360
    )
    assert claude == 3 * estimate_image_tokens("anthropic", "claude-haiku-4-5", 640, 360)


def test_video_rejects_non_positive_fps():
    with pytest.raises(TokenEstimateError, match="fps"):
        estimate_video_tokens("gemini", "gemini-2.5-flash", 10, fps=0)


# ------------------------------------------------------------------ PDF


def test_gemini2_pdf_pages_are_258_each():
    assert estimate_pdf_tokens("gemini", "gemini-2.5-flash", 10) == 2580


def test_gemini3_pdf_pages_are_560_at_default_medium_plus_text():
    assert (
        estimate_pdf_tokens("gemini", "gemini-3-flash-preview", 2, text_chars=400) == 2 * 560 + 100
    )
    low = estimate_pdf_tokens("gemini", "gemini-3-flash-preview", 2, media_resolution="low")
    assert low == 2 * 280


def test_claude_pdf_is_page_images_plus_text():
    page = estimate_image_tokens("anthropic", "claude-sonnet-4-6", 1075, 1520)
    assert page == 1551  # the A4 page after its resize to 924x1307
    assert (
        estimate_pdf_tokens("anthropic", "claude-sonnet-4-6", 3, text_chars=9000) == 3 * page + 2250
    )


def test_openai_pdf_is_page_images_plus_text():
    page = estimate_image_tokens("openai", "gpt-4o", 1075, 1520)
    assert estimate_pdf_tokens("openai", "gpt-4o", 2, text_chars=4000) == 2 * page + 1000


# ------------------------------------------------------------------ validation


def test_unknown_model_is_a_registry_error():
    with pytest.raises(UnknownModelError, match="registry"):
        estimate_image_tokens("openai", "gpt-9-ultra", 100, 100)


def test_retired_model_names_its_replacement():
    with pytest.raises(UnknownModelError, match="gpt-4o"):
        estimate_image_tokens("openai", "gpt-4-vision-preview", 100, 100)


def test_provider_mismatch_names_both_providers():
    with pytest.raises(TokenEstimateError, match="anthropic.*openai|openai.*anthropic"):
        estimate_image_tokens("openai", "claude-sonnet-4-6", 100, 100)


def test_unknown_provider_is_an_error():
    with pytest.raises(TokenEstimateError, match="provider"):
        estimate_audio_tokens("mistral", "gpt-4o", 1)


def test_images_on_an_audio_only_model_are_an_error():
    with pytest.raises(UnsupportedModalityError, match="image"):
        estimate_image_tokens("openai", "gpt-audio", 100, 100)


@pytest.mark.parametrize(("width", "height"), [(0, 10), (10, -1), (10.5, 10)])
def test_image_size_must_be_positive_whole_pixels(width, height):
    with pytest.raises(TokenEstimateError, match="pixel"):
        estimate_image_tokens("gemini", "gemini-2.5-flash", width, height)


def test_unknown_detail_is_an_error():
    with pytest.raises(TokenEstimateError, match="detail"):
        estimate_image_tokens("openai", "gpt-4o", 100, 100, "medium")


def test_every_vision_model_in_the_registry_has_a_known_image_scheme():
    for model in registry.MODELS:
        if registry.IMAGE in model.modalities:
            assert estimate_image_tokens(model.provider, model.id, 1024, 768) > 0, model.id


# ------------------------------------------------------------------ the naive tutorial formula


@pytest.mark.parametrize(
    ("width", "height", "naive"),
    [
        (1024, 1024, 765),
        (1920, 1080, 1105),
        (2048, 4096, 5525),
        (4000, 3000, 6035),
        (800, 600, 255),
    ],
)
def test_naive_formula_gives_the_tutorials_numbers(width, height, naive):
    assert naive_tutorial_image_tokens(width, height) == naive


def test_naive_formula_floors_small_images_to_zero_tiles():
    assert naive_tutorial_image_tokens(500, 500) == 85


def test_explain_row_shows_why_the_naive_formula_is_wrong():
    row = explain_naive_vs_official(2048, 4096, "gpt-4o")
    assert (row["official"], row["naive"], row["difference"]) == (1105, 5525, 4420)
    assert "resize" in row["why"]
    assert "ceil" in explain_naive_vs_official(800, 600, "gpt-4o")["why"]
    assert "detail" in explain_naive_vs_official(4096, 8192, "gpt-4o", detail="low")["why"]
    assert "per model" in explain_naive_vs_official(1024, 1024, "gpt-4o-mini")["why"]
    assert "algorithm" in explain_naive_vs_official(1024, 1024, "gpt-5-mini")["why"]


def test_explain_row_marks_coincidences():
    row = explain_naive_vs_official(1920, 1080, "gpt-4o")
    assert row["official"] == row["naive"] == 1105
    assert row["why"].startswith("coincides")


# ------------------------------------------------------------------ message framing


def test_openai_framing_is_four_per_message_and_three_for_the_reply():
    from mmcourse.tokens import framing_tokens

    # A system line + a question: 2 * 4 + 3 = 11 tokens of framing (real: 24 = 6 + 7 + 11).
    assert framing_tokens("openai", 2) == 11


def test_gemini_counts_no_framing():
    from mmcourse.tokens import framing_tokens

    assert framing_tokens("gemini", 3) == 0


def test_no_messages_no_framing():
    from mmcourse.tokens import framing_tokens

    assert framing_tokens("anthropic", 0) == 0
