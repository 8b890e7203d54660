"""mmcourse.registry: the one model-id table."""

from __future__ import annotations

import pytest

from mmcourse import registry


def test_every_provider_has_a_default_in_the_registry():
    for provider in registry.PROVIDERS:
        model = registry.get_model(registry.default_model(provider))
        assert model.provider == provider


def test_audio_defaults_accept_audio():
    for model in registry.AUDIO_DEFAULTS.values():
        assert registry.accepts(model, registry.AUDIO), model


def test_ids_are_unique():
    ids = [m.id for m in registry.MODELS]
    assert len(ids) == len(set(ids))


def test_retired_model_error_names_date_and_replacement():
    with pytest.raises(registry.UnknownModelError, match=r"retired by gemini on 2025-09-24: use 'gemini-2.5-pro'"):
        registry.get_model("gemini-1.5-pro")


def test_unknown_model_error():
    with pytest.raises(registry.UnknownModelError, match="not in the course's model registry"):
        registry.get_model("gpt-17")


def test_claude_takes_no_audio_or_video():
    for model in registry.models_for("anthropic"):
        assert registry.AUDIO not in model.modalities
        assert registry.VIDEO not in model.modalities


def test_only_openai_audio_models_take_audio():
    audio = {m.id for m in registry.models_for("openai") if registry.AUDIO in m.modalities}
    assert audio and all("audio" in m for m in audio)


def test_every_vision_model_names_an_image_token_scheme():
    for model in registry.MODELS:
        if registry.IMAGE in model.modalities:
            assert model.image_tokens.get("scheme"), model.id


def test_retired_ids_are_not_current():
    current = set(registry.model_ids())
    assert not current & {r.id for r in registry.RETIRED}
