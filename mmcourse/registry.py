"""The one model-ID registry: every model id the course names, per provider, dated.

Nothing else in the package or the notebooks hard-codes a model id: ask this module.
Sources: OpenAI's OpenAPI spec (ModelIdsShared, 2026-08), the Anthropic and google-genai
SDKs' model lists (2025-10 to 2026-08), and each provider's vision/token documentation
(image-token scheme per model). Registry date: see ``REGISTRY_DATE``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

REGISTRY_DATE = "2026-11-25"

PROVIDERS = ("openai", "anthropic", "gemini")

TEXT, IMAGE, AUDIO, VIDEO, PDF = "text", "image", "audio", "video", "pdf"


@dataclass(frozen=True)
class Model:
    """One model id and what it accepts.

    ``image_tokens`` names the algorithm ``mmcourse.tokens`` applies and its constants.
    """

    id: str
    provider: str
    display_name: str
    released: str
    modalities: frozenset[str]
    image_tokens: dict = field(default_factory=dict, hash=False, compare=False)
    context_window: int = 200_000
    max_output_tokens: int = 8_192
    # OpenAI reasoning-era models reject the deprecated ``max_tokens`` parameter.
    rejects_max_tokens: bool = False


@dataclass(frozen=True)
class RetiredModel:
    """A model id that once worked and now answers 404."""

    id: str
    provider: str
    retired: str
    replacement: str


def _tile(base: int, tile: int) -> dict:
    return {"scheme": "openai_tile", "base": base, "tile": tile}


def _patch(budget: int = 1536, multiplier: float = 1.0, **extra) -> dict:
    return {"scheme": "openai_patch", "budget": budget, "multiplier": multiplier, **extra}


_GPT54_PATCH = _patch(
    2500, 1.0, max_dim=2048, original_budget=10_000, original_max_dim=6000
)
# OpenAI vision guide, 2026: on gpt-5.5, detail "auto" means "original".
_GPT55_PATCH = {**_GPT54_PATCH, "auto": "original"}
_ANT_STD = {"scheme": "anthropic_patch", "max_edge": 1568, "max_tokens": 1568}
_ANT_HIGH = {"scheme": "anthropic_patch", "max_edge": 2576, "max_tokens": 4784}
_GEM_TILE = {"scheme": "gemini_tile"}
_GEM_3 = {"scheme": "gemini_media_resolution", "default": "MEDIA_RESOLUTION_HIGH"}

_VISION = frozenset({TEXT, IMAGE, PDF})
_AUDIO_CHAT = frozenset({TEXT, AUDIO})
_GEMINI_ALL = frozenset({TEXT, IMAGE, AUDIO, VIDEO, PDF})


def _m(id, provider, name, released, modalities, image_tokens=None, **kw) -> Model:
    return Model(id, provider, name, released, modalities, image_tokens or {}, **kw)


MODELS: list[Model] = [
    # OpenAI (ModelIdsShared in the official OpenAPI spec, 2026-08)
    _m("gpt-4o", "openai", "GPT-4o", "2024-05-13", _VISION, _tile(85, 170), context_window=128_000, max_output_tokens=16_384),
    _m("gpt-4o-mini", "openai", "GPT-4o mini", "2024-07-18", _VISION, _tile(2833, 5667), context_window=128_000, max_output_tokens=16_384),
    _m("gpt-4.1", "openai", "GPT-4.1", "2025-04-14", _VISION, _tile(85, 170), context_window=1_047_576, max_output_tokens=32_768),
    _m("gpt-4.1-mini", "openai", "GPT-4.1 mini", "2025-04-14", _VISION, _patch(1536, 1.62), context_window=1_047_576, max_output_tokens=32_768),
    _m("gpt-4.1-nano", "openai", "GPT-4.1 nano", "2025-04-14", _VISION, _patch(1536, 2.46), context_window=1_047_576, max_output_tokens=32_768),
    _m("o4-mini", "openai", "o4-mini", "2025-04-16", _VISION, _patch(1536, 1.72), max_output_tokens=100_000, rejects_max_tokens=True),
    _m("gpt-5", "openai", "GPT-5", "2025-08-07", _VISION, _tile(70, 140), context_window=400_000, max_output_tokens=128_000, rejects_max_tokens=True),
    _m("gpt-5-mini", "openai", "GPT-5 mini", "2025-08-07", _VISION, _patch(1536, 1.62), context_window=400_000, max_output_tokens=128_000, rejects_max_tokens=True),
    _m("gpt-5-nano", "openai", "GPT-5 nano", "2025-08-07", _VISION, _patch(1536, 2.46), context_window=400_000, max_output_tokens=128_000, rejects_max_tokens=True),
    _m("gpt-5.4", "openai", "GPT-5.4", "2026-03-05", _VISION, _GPT54_PATCH, context_window=1_050_000, max_output_tokens=128_000, rejects_max_tokens=True),
    _m("gpt-5.4-mini", "openai", "GPT-5.4 mini", "2026-03-17", _VISION, _patch(1536, 1.62), context_window=400_000, max_output_tokens=128_000, rejects_max_tokens=True),
    _m("gpt-5.4-nano", "openai", "GPT-5.4 nano", "2026-03-17", _VISION, _patch(1536, 2.46), context_window=400_000, max_output_tokens=128_000, rejects_max_tokens=True),
    _m("gpt-5.5", "openai", "GPT-5.5", "2026-04-23", _VISION, _GPT55_PATCH, context_window=1_050_000, max_output_tokens=128_000, rejects_max_tokens=True),
    _m("gpt-4o-audio-preview", "openai", "GPT-4o Audio (preview)", "2024-10-01", _AUDIO_CHAT, context_window=128_000, max_output_tokens=16_384),
    _m("gpt-audio", "openai", "GPT Audio", "2025-08-28", _AUDIO_CHAT, context_window=128_000, max_output_tokens=16_384),
    _m("gpt-audio-mini", "openai", "GPT Audio mini", "2025-10-06", _AUDIO_CHAT, context_window=128_000, max_output_tokens=16_384),
    _m("gpt-audio-1.5", "openai", "GPT Audio 1.5", "2026-02-23", _AUDIO_CHAT, context_window=128_000, max_output_tokens=16_384),
    # Anthropic (anthropic SDK model lists, 2025-10 .. 2026-08)
    _m("claude-haiku-4-5", "anthropic", "Claude Haiku 4.5", "2025-10-01", _VISION, _ANT_STD, max_output_tokens=64_000),
    _m("claude-sonnet-4-5", "anthropic", "Claude Sonnet 4.5", "2025-09-29", _VISION, _ANT_STD, max_output_tokens=64_000),
    _m("claude-sonnet-4-6", "anthropic", "Claude Sonnet 4.6", "2026-02-17", _VISION, _ANT_STD, max_output_tokens=64_000),
    _m("claude-opus-4-5", "anthropic", "Claude Opus 4.5", "2025-11-01", _VISION, _ANT_STD, max_output_tokens=64_000),
    _m("claude-opus-4-6", "anthropic", "Claude Opus 4.6", "2026-02-05", _VISION, _ANT_STD, max_output_tokens=128_000),
    _m("claude-opus-4-7", "anthropic", "Claude Opus 4.7", "2026-04-16", _VISION, _ANT_HIGH, max_output_tokens=128_000),
    _m("claude-opus-4-8", "anthropic", "Claude Opus 4.8", "2026-06-01", _VISION, _ANT_HIGH, max_output_tokens=128_000),
    _m("claude-sonnet-5", "anthropic", "Claude Sonnet 5", "2026-07-15", _VISION, _ANT_HIGH, max_output_tokens=128_000),
    # Gemini (google-genai README and cookbook model pickers, 2025 .. 2026-08)
    _m("gemini-2.5-flash", "gemini", "Gemini 2.5 Flash", "2025-06-17", _GEMINI_ALL, _GEM_TILE, context_window=1_048_576, max_output_tokens=65_536),
    _m("gemini-2.5-flash-lite", "gemini", "Gemini 2.5 Flash-Lite", "2025-07-22", _GEMINI_ALL, _GEM_TILE, context_window=1_048_576, max_output_tokens=65_536),
    _m("gemini-2.5-pro", "gemini", "Gemini 2.5 Pro", "2025-06-17", _GEMINI_ALL, _GEM_TILE, context_window=1_048_576, max_output_tokens=65_536),
    _m("gemini-3-flash-preview", "gemini", "Gemini 3 Flash (preview)", "2025-12-17", _GEMINI_ALL, _GEM_3, context_window=1_048_576, max_output_tokens=65_536),
    _m("gemini-3.1-pro-preview", "gemini", "Gemini 3.1 Pro (preview)", "2026-02-19", _GEMINI_ALL, _GEM_3, context_window=1_048_576, max_output_tokens=65_536),
    _m("gemini-3.5-flash", "gemini", "Gemini 3.5 Flash", "2026-06-24", _GEMINI_ALL, _GEM_3, context_window=1_048_576, max_output_tokens=65_536),
]

# Retirement days are the providers' announced shutdown dates; where only the month was
# announced the first day is used (UNCONFIRMED to the day).
RETIRED: tuple[RetiredModel, ...] = (
    RetiredModel("gpt-4-vision-preview", "openai", "2024-12-06", "gpt-4o"),
    RetiredModel("gpt-4.5-preview", "openai", "2025-07-14", "gpt-4.1"),
    RetiredModel("claude-3-opus-20240229", "anthropic", "2026-01-05", "claude-opus-4-7"),
    RetiredModel("claude-3-5-sonnet-20240620", "anthropic", "2025-10-22", "claude-sonnet-4-6"),
    RetiredModel("claude-3-5-sonnet-20241022", "anthropic", "2025-10-22", "claude-sonnet-4-6"),
    RetiredModel("claude-3-7-sonnet-latest", "anthropic", "2026-02-01", "claude-sonnet-4-6"),
    RetiredModel("claude-3-5-haiku-latest", "anthropic", "2026-02-01", "claude-haiku-4-5"),
    RetiredModel("gemini-pro", "gemini", "2025-02-15", "gemini-2.5-flash"),
    RetiredModel("gemini-1.0-pro", "gemini", "2025-02-15", "gemini-2.5-flash"),
    RetiredModel("gemini-1.5-pro", "gemini", "2025-09-24", "gemini-2.5-pro"),
    RetiredModel("gemini-1.5-flash", "gemini", "2025-09-24", "gemini-2.5-flash"),
)

# The model each provider uses when a caller names none; and the course's audio model.
DEFAULTS: dict[str, str] = {
    "openai": "gpt-5.4-mini",
    "anthropic": "claude-sonnet-4-6",
    "gemini": "gemini-2.5-flash",
    "local": "llama3.2-vision",
}
AUDIO_DEFAULTS: dict[str, str] = {"openai": "gpt-audio-mini", "gemini": "gemini-2.5-flash"}

_BY_ID = {m.id: m for m in MODELS}
_RETIRED_BY_ID = {r.id: r for r in RETIRED}


class UnknownModelError(LookupError):
    """A model id the registry does not know (or that was retired)."""


def get_model(model_id: str) -> Model:
    """Return the registry entry for ``model_id``; raise a helpful error if unknown or retired."""
    if model_id in _BY_ID:
        return _BY_ID[model_id]
    if model_id in _RETIRED_BY_ID:
        r = _RETIRED_BY_ID[model_id]
        raise UnknownModelError(
            f"{model_id!r} was retired by {r.provider} on {r.retired}: use {r.replacement!r} instead."
        )
    raise UnknownModelError(
        f"{model_id!r} is not in the course's model registry; "
        f"known ids: mmcourse.registry.model_ids()."
    )


def is_retired(model_id: str) -> RetiredModel | None:
    """The retirement record for ``model_id``, or None."""
    return _RETIRED_BY_ID.get(model_id)


def model_ids(provider: str | None = None) -> list[str]:
    """Current model ids, optionally for one provider."""
    return [m.id for m in MODELS if provider in (None, m.provider)]


def models_for(provider: str) -> list[Model]:
    """Current registry entries for one provider."""
    return [m for m in MODELS if m.provider == provider]


def default_model(provider: str, modality: str = TEXT) -> str:
    """The course's default model for ``provider`` (an audio model when ``modality`` is audio)."""
    if modality == AUDIO and provider in AUDIO_DEFAULTS:
        return AUDIO_DEFAULTS[provider]
    try:
        return DEFAULTS[provider]
    except KeyError:
        raise ValueError(f"unknown provider {provider!r}; choose one of {PROVIDERS}") from None


def register(*models: Model, default: str | None = None) -> None:
    """Add models (a fourth provider's); ``default`` becomes its provider's default model."""
    for model in models:
        if model.id in _BY_ID:
            raise ValueError(f"{model.id!r} is already in the registry")
        MODELS.append(model)
        _BY_ID[model.id] = model
    if default is not None:
        DEFAULTS[_BY_ID[default].provider] = default


def accepts(model_id: str, modality: str) -> bool:
    """Whether ``model_id`` accepts input of ``modality`` (text, image, audio, video, pdf)."""
    return modality in get_model(model_id).modalities
