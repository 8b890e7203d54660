"""How many tokens a prompt costs before you send it: text, images, audio, video, PDFs.

Images follow each provider's OFFICIAL published algorithm, chosen by the model's
``image_tokens["scheme"]`` in :mod:`mmcourse.registry`:

* ``openai_tile``  (gpt-4o, gpt-4.1, gpt-4o-mini, gpt-5): fit 2048, short side 768, 512-px tiles.
* ``openai_patch`` (gpt-4.1-mini/nano, o4-mini, gpt-5-mini/nano, gpt-5.4+): 32-px patches, budget.
* ``anthropic_patch`` (Claude, 2026 docs): 28-px patches after a size/token-capped resize.
* ``gemini_tile`` (Gemini 2.x): 258 tokens per 768-px tile (258 for images within 384 px).
* ``gemini_media_resolution`` (Gemini 3): a flat count per image set by ``media_resolution``.

Sources: OpenAI "Images and vision" guide (2025 and 2026), Anthropic vision docs (2024-2025
and 2026), Gemini token, audio, video, document and media-resolution docs (2025-2026).
Text counts are an approximation (4 characters per token), not a tokenizer.

>>> estimate_image_tokens("openai", "gpt-4o", 1024, 1024, detail="high")
765
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from fractions import Fraction

from mmcourse import registry
from mmcourse.registry import AUDIO, IMAGE, PDF, VIDEO, Model

__all__ = [
    "ANTHROPIC_TIERS",
    "DETAILS",
    "TokenEstimateError",
    "UnsupportedModalityError",
    "anthropic_legacy_tokens",
    "anthropic_patch_tokens",
    "anthropic_resized_size",
    "estimate_audio_tokens",
    "estimate_image_tokens",
    "estimate_pdf_tokens",
    "estimate_text_tokens",
    "estimate_video_tokens",
    "explain_naive_vs_official",
    "gemini_tile_tokens",
    "naive_tutorial_image_tokens",
    "openai_patch_count",
    "openai_tile_count",
    "openai_tile_resize",
    "resolve_model",
]


class TokenEstimateError(ValueError):
    """A token estimate was asked with arguments that cannot describe a real request."""


class UnsupportedModalityError(TokenEstimateError):
    """The model cannot take this kind of input at all (e.g. audio on Claude)."""


# ------------------------------------------------------------------------------ text

# About 4 characters of English per token (OpenAI's and Anthropic's rule of thumb). Code,
# numbers and non-Latin scripts use more tokens per character, so treat this as a floor.
CHARS_PER_TOKEN = 4


def estimate_text_tokens(text: str) -> int:
    """Approximate tokens in ``text``: ceil(characters / 4); never 0 for non-empty text.

    This is NOT a tokenizer: real counts differ by model (each provider has its own vocabulary)
    and by language. Use the providers' usage fields or count-tokens endpoints for exact numbers.

    >>> estimate_text_tokens("Describe this image in one sentence.")
    9
    """
    return _chars_to_tokens(len(text))


# Tokens a chat request spends on framing beyond its text: (per message, per request).
# OpenAI: 3 per message plus 1 for the role, and 3 priming the reply (openai-cookbook "How to
# count tokens with tiktoken", gpt-4o family); real usage agrees: a bare "hello" is 8 prompt
# tokens, a system line and a question 24 (recorded gpt-4o / gpt-4o-mini responses, 2025).
# Anthropic publishes no rule: 3 per message and 4 per request fit real counts (one
# 13-token question -> 20 input tokens, claude-sonnet-4-5, 2026), UNCONFIRMED beyond that.
# Gemini's promptTokenCount is the text's own tokens (real responses: a 6-token system line
# and a 7-token question -> 13).
MESSAGE_FRAMING: dict[str, tuple[int, int]] = {"openai": (4, 3), "local": (4, 3), "anthropic": (3, 4),
                                               "gemini": (0, 0)}


def framing_tokens(provider: str, messages: int) -> int:
    """Tokens ``provider`` adds around ``messages`` chat messages beyond their text (an estimate).

    >>> framing_tokens("openai", 1), framing_tokens("anthropic", 1), framing_tokens("gemini", 2)
    (7, 7, 0)
    """
    per_message, per_request = MESSAGE_FRAMING.get(provider, (0, 0))
    return per_request + per_message * messages if messages > 0 else 0


# Anthropic adds a tool-use system prompt whenever tools are sent (tool-use docs, pricing
# table: 346 tokens with tool_choice auto or none, 313 with any or tool, Claude 4 family,
# 2025-2026; UNCONFIRMED for later models). The definitions themselves count as text too.
TOOL_SYSTEM_PROMPT: dict[str, dict[str, int]] = {
    "anthropic": {"auto": 346, "none": 346, "required": 313, "tool": 313},
}


def tool_tokens(provider: str, definitions: list, choice: str = "auto") -> int:
    """Input tokens the tool definitions of a request cost (an estimate): their JSON as text,
    plus Anthropic's tool-use system prompt. ``choice`` is auto, none, required or tool.

    >>> tool_tokens("gemini", []), tool_tokens("anthropic", [{"name": "f"}], "required")
    (0, 317)
    """
    if not definitions:
        return 0
    text = json.dumps(definitions, separators=(",", ":"))
    return estimate_text_tokens(text) + TOOL_SYSTEM_PROMPT.get(provider, {}).get(choice, 0)


def _chars_to_tokens(chars: int) -> int:
    if chars < 0:
        raise TokenEstimateError(f"a character count cannot be negative, got {chars}")
    return math.ceil(chars / CHARS_PER_TOKEN)


# ------------------------------------------------------------------------------ validation


def resolve_model(provider: str, model: str) -> Model:
    """The registry entry for ``model``, checked to belong to ``provider`` (clear errors if not)."""
    if provider not in registry.PROVIDERS:
        raise TokenEstimateError(
            f"unknown provider {provider!r}; choose one of {', '.join(registry.PROVIDERS)}"
        )
    entry = registry.get_model(model)  # UnknownModelError (with the fix) for unknown/retired ids
    if entry.provider != provider:
        raise TokenEstimateError(
            f"model {model!r} belongs to provider {entry.provider!r}, not {provider!r}: "
            f"pass provider={entry.provider!r}, or pick one of "
            f"mmcourse.registry.model_ids({provider!r})"
        )
    return entry


def _require(entry: Model, modality: str) -> None:
    if modality not in entry.modalities:
        raise UnsupportedModalityError(
            f"{entry.id} does not accept {modality} input "
            f"(it accepts {', '.join(sorted(entry.modalities))}); "
            f"use {registry.default_model(entry.provider, modality)!r} or another model that "
            f"registry.accepts(model, {modality!r})"
        )


def _check_size(width: int, height: int) -> None:
    if not (isinstance(width, int) and isinstance(height, int)) or width < 1 or height < 1:
        raise TokenEstimateError(
            f"width and height must be positive whole pixel counts, got {width!r} x {height!r}"
        )


# ------------------------------------------------------------------------------ OpenAI tiles

DETAILS = ("auto", "low", "high", "original")

OPENAI_TILE_FIT = 2048  # step 1: fit inside 2048 x 2048
OPENAI_TILE_SHORT_SIDE = 768  # step 2: shortest side 768
OPENAI_TILE_SIZE = 512  # step 3: 512-px tiles


def openai_tile_resize(width: int, height: int) -> tuple[int, int]:
    """The size OpenAI tiles at ``detail="high"``: fit in 2048x2048, then short side 768.

    Both steps only shrink. "No upscaling" in step 2 is how every calculator reads the docs
    ("scale so that the shortest side is 768px") but is UNCONFIRMED by OpenAI; a 512x512 image
    therefore stays 512x512 (1 tile). Pixel sizes are truncated to whole pixels, as a resize does.

    >>> openai_tile_resize(2048, 4096)
    (768, 1536)
    """
    _check_size(width, height)
    w, h = Fraction(width), Fraction(height)
    if max(w, h) > OPENAI_TILE_FIT:
        scale = Fraction(OPENAI_TILE_FIT) / max(w, h)
        w, h = Fraction(int(w * scale)), Fraction(int(h * scale))
    if min(w, h) > OPENAI_TILE_SHORT_SIDE:
        scale = Fraction(OPENAI_TILE_SHORT_SIDE) / min(w, h)
        w, h = Fraction(int(w * scale)), Fraction(int(h * scale))
    return int(w), int(h)


def openai_tile_count(width: int, height: int) -> int:
    """Number of 512-px tiles (ceil in each direction) after :func:`openai_tile_resize`."""
    w, h = openai_tile_resize(width, height)
    return math.ceil(w / OPENAI_TILE_SIZE) * math.ceil(h / OPENAI_TILE_SIZE)


def _openai_tile_tokens(entry: Model, width: int, height: int, detail: str, _mr) -> int:
    scheme = entry.image_tokens
    if detail == "original":
        raise TokenEstimateError(
            f"detail='original' exists only on gpt-5.4 and newer patch-based models, "
            f"not on {entry.id}; use 'low', 'high' or 'auto'"
        )
    if detail == "low":
        return scheme["base"]  # the model sees a 512x512 version, whatever the size
    # "auto" is documented as "the model decides"; the exact rule is UNCONFIRMED, so count it
    # as "high" (the worst case, and what every published calculator does).
    return scheme["base"] + openai_tile_count(width, height) * scheme["tile"]


# ------------------------------------------------------------------------------ OpenAI patches

OPENAI_PATCH = 32


def openai_patch_count(width: int, height: int, budget: int = 1536) -> int:
    """32-px patches OpenAI bills for an image, after shrinking it to fit ``budget`` patches.

    The official rule (OpenAI "Images and vision", 2026): if ceil(w/32)*ceil(h/32) > budget,
    ``shrink = sqrt(32**2 * budget / (w*h))``, then shrink a little more so one side lands on a
    whole number of patches, and count the patches of the resized image.

    >>> openai_patch_count(1800, 2400)
    1452
    """
    _check_size(width, height)
    original = math.ceil(width / OPENAI_PATCH) * math.ceil(height / OPENAI_PATCH)
    if original <= budget:
        return original
    shrink = math.sqrt(OPENAI_PATCH**2 * budget / (width * height))
    pw, ph = width * shrink / OPENAI_PATCH, height * shrink / OPENAI_PATCH  # size in patches
    factor = min(math.floor(pw) / pw, math.floor(ph) / ph)
    # Rounding to 6 places removes float noise: the limiting side is a whole number of patches
    # by construction (33.000000000004 must count as 33 patches, not 34).
    return math.ceil(round(pw * factor, 6)) * math.ceil(round(ph * factor, 6))


def _fit_max_dim(width: int, height: int, max_dim: int | None) -> tuple[int, int]:
    if max_dim is None or max(width, height) <= max_dim:
        return width, height
    scale = Fraction(max_dim, max(width, height))
    return max(1, int(width * scale)), max(1, int(height * scale))


def _openai_patch_tokens(entry: Model, width: int, height: int, detail: str, _mr) -> int:
    scheme = entry.image_tokens
    if detail == "auto":
        # gpt-5.5 treats "auto" as "original" (OpenAI vision guide, 2026); a registry entry says
        # so with {"auto": "original"}. Without it, "auto" means the normal ("high") budget.
        detail = scheme.get("auto", "high")
    if detail == "original":
        if "original_budget" not in scheme:
            raise TokenEstimateError(
                f"detail='original' exists only on gpt-5.4 and newer flagship models, "
                f"not on {entry.id}; use 'low', 'high' or 'auto'"
            )
        budget, max_dim = scheme["original_budget"], scheme.get("original_max_dim")
    else:
        # The 2026 guide gives no separate "low" rule for patch-based models, so "low" is
        # counted like "high": same budget and size cap (UNCONFIRMED; OpenAI may bill less).
        budget, max_dim = scheme["budget"], scheme.get("max_dim")
    w, h = _fit_max_dim(width, height, max_dim)
    patches = openai_patch_count(w, h, budget)
    # How OpenAI rounds patches x multiplier is not published (UNCONFIRMED): round up, so a
    # budget estimate never comes out below the bill.
    return math.ceil(round(patches * scheme["multiplier"], 6))


# ------------------------------------------------------------------------------ Anthropic

ANTHROPIC_PATCH = 28

# Tier -> (max long edge in px, max visual tokens). Anthropic vision docs, 2026: the
# high-resolution tier covers Opus 4.7, Opus 4.8, Sonnet 5 (and Fable/Mythos 5); all other
# models are standard. The registry names each model's tier by these same two numbers.
ANTHROPIC_TIERS: dict[str, tuple[int, int]] = {
    "standard": (1568, 1568),
    "high": (2576, 4784),
}


def _anthropic_tokens_of(w: int, h: int) -> int:
    return math.ceil(w / ANTHROPIC_PATCH) * math.ceil(h / ANTHROPIC_PATCH)


def _anthropic_fits(w: int, h: int, max_edge: int, max_tokens: int) -> bool:
    return (
        math.ceil(w / ANTHROPIC_PATCH) * ANTHROPIC_PATCH <= max_edge
        and math.ceil(h / ANTHROPIC_PATCH) * ANTHROPIC_PATCH <= max_edge
        and _anthropic_tokens_of(w, h) <= max_tokens
    )


def anthropic_resized_size(width: int, height: int, tier: str = "standard") -> tuple[int, int]:
    """The size Claude resizes an image to before counting 28-px patches.

    Largest aspect-preserving size whose padded sides fit ``max_edge`` and whose patch count
    fits ``max_tokens``, found by binary search on the long edge with Python's ``round()``
    (Anthropic's reference code on the vision-coordinates page, 2026).

    >>> anthropic_resized_size(1920, 1080)
    (1456, 819)
    """
    _check_size(width, height)
    try:
        max_edge, max_tokens = ANTHROPIC_TIERS[tier]
    except KeyError:
        raise TokenEstimateError(
            f"unknown Anthropic tier {tier!r}; choose one of {', '.join(ANTHROPIC_TIERS)}"
        ) from None
    if _anthropic_fits(width, height, max_edge, max_tokens):
        return width, height
    long_side, short_side = max(width, height), min(width, height)

    def size_for(long_edge: int) -> tuple[int, int]:
        short = max(1, round(short_side * long_edge / long_side))  # banker's rounding, as the docs
        return (long_edge, short) if width >= height else (short, long_edge)

    lo, hi = 1, long_side  # invariant: size_for(lo) fits (1 px always does)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if _anthropic_fits(*size_for(mid), max_edge, max_tokens):
            lo = mid
        else:
            hi = mid - 1
    # The 2026 docs table lists 2000x1500 -> 1269x952 where this reference code gives 1270x952;
    # both cost 1564 tokens. Which pixel size the API uses is UNCONFIRMED.
    return size_for(lo)


def anthropic_patch_tokens(width: int, height: int, tier: str = "standard") -> int:
    """Claude's visual tokens (2026 docs): ceil(w/28) * ceil(h/28) after the tier's resize.

    >>> anthropic_patch_tokens(3840, 2160, "high")
    4784
    """
    return _anthropic_tokens_of(*anthropic_resized_size(width, height, tier))


def anthropic_legacy_tokens(width: int, height: int) -> int:
    """The 2024-2025 Anthropic formula, kept for teaching: tokens = width * height / 750.

    It applied to images already within 1568 px / ~1,600 tokens and is replaced by 28-px
    patches in the 2026 docs. Rounded up, which reproduces the old docs' table
    (200x200 ~ 54, 1000x1000 ~ 1334, 1092x1092 ~ 1590).
    """
    _check_size(width, height)
    return math.ceil(width * height / 750)


def _anthropic_tier(entry: Model) -> str:
    key = (entry.image_tokens["max_edge"], entry.image_tokens["max_tokens"])
    for name, limits in ANTHROPIC_TIERS.items():
        if limits == key:
            return name
    raise TokenEstimateError(
        f"registry entry for {entry.id} names an unknown Anthropic tier {key}; "
        f"known tiers: {ANTHROPIC_TIERS}"
    )


def _anthropic_image_tokens(entry: Model, width: int, height: int, _detail, _mr) -> int:
    return anthropic_patch_tokens(width, height, _anthropic_tier(entry))


# ------------------------------------------------------------------------------ Gemini

GEMINI_SMALL_IMAGE = 384  # both sides <= 384 px: one flat charge
GEMINI_TILE = 768
GEMINI_TOKENS_PER_TILE = 258
GEMINI_LOW_FRAME_TOKENS = 66  # Gemini 2.x frame at MEDIA_RESOLUTION_LOW (video docs)
GEMINI_AUDIO_TOKENS_PER_SECOND = 32

# Gemini 3 media resolution: tokens per image, per PDF page and per video frame (Gemini
# media-resolution docs, 2026). ULTRA_HIGH exists only per part, only for images.
GEMINI3_MEDIA_RESOLUTION: dict[str, dict[str, int]] = {
    IMAGE: {"LOW": 280, "MEDIUM": 560, "HIGH": 1120, "ULTRA_HIGH": 2240},
    PDF: {"LOW": 280, "MEDIUM": 560, "HIGH": 1120},
    VIDEO: {"LOW": 70, "MEDIUM": 70, "HIGH": 280},
}
# Defaults when the request sets none: images HIGH (registry entry's "default"), PDFs MEDIUM
# (docs). For video the docs list 70 (low/medium) or 280 (high) per frame without naming the
# default; Google's Gemini 3 guide recommends low/medium for video, so 70 (UNCONFIRMED).
GEMINI3_DEFAULTS = {PDF: "MEDIUM", VIDEO: "MEDIUM"}


def _media_resolution_level(value: str | None) -> str | None:
    """'low', 'MEDIA_RESOLUTION_LOW', 'Low' -> 'LOW'; None/'auto'/'unspecified' -> None."""
    if value is None:
        return None
    level = value.strip().upper().removeprefix("MEDIA_RESOLUTION_")
    if level in ("", "AUTO", "UNSPECIFIED"):
        return None
    if level not in GEMINI3_MEDIA_RESOLUTION[IMAGE]:
        raise TokenEstimateError(
            f"unknown media_resolution {value!r}; use MEDIA_RESOLUTION_LOW, _MEDIUM, _HIGH "
            f"or _ULTRA_HIGH (or 'low', 'medium', 'high', 'ultra_high')"
        )
    return level


def gemini_tile_tokens(width: int, height: int) -> int:
    """Gemini 2.x image tokens: 258 if both sides <= 384 px, else 258 per 768-px tile.

    Google documents the 258/768 numbers but not the tiling formula for 2.x (UNCONFIRMED):
    this counts ceil(w/768) * ceil(h/768) tiles, which agrees with the Gemini 1.5 rule
    on common sizes (1024x1024 -> 4 tiles -> 1032).
    """
    _check_size(width, height)
    if width <= GEMINI_SMALL_IMAGE and height <= GEMINI_SMALL_IMAGE:
        return GEMINI_TOKENS_PER_TILE
    return math.ceil(width / GEMINI_TILE) * math.ceil(height / GEMINI_TILE) * GEMINI_TOKENS_PER_TILE


def _gemini_tile_image_tokens(entry: Model, width: int, height: int, _detail, mr) -> int:
    if _media_resolution_level(mr) == "LOW":
        # Gemini 2.x documents LOW only for video frames (66 instead of 258); a still image is
        # counted the same way (UNCONFIRMED for stills).
        return GEMINI_LOW_FRAME_TOKENS
    return gemini_tile_tokens(width, height)


def _gemini3_tokens(entry: Model, modality: str, media_resolution: str | None) -> int:
    table = GEMINI3_MEDIA_RESOLUTION[modality]
    level = _media_resolution_level(media_resolution)
    if level is None:
        default = entry.image_tokens.get("default") if modality == IMAGE else None
        level = _media_resolution_level(default) or GEMINI3_DEFAULTS.get(modality, "HIGH")
    if level not in table:
        raise TokenEstimateError(
            f"media_resolution {level} is not available for {modality} on {entry.id}; "
            f"choose one of {', '.join(table)}"
        )
    return table[level]


def _gemini3_image_tokens(entry: Model, _w: int, _h: int, _detail, mr) -> int:
    # Gemini 3 charges per image by resolution level, not by pixel size.
    return _gemini3_tokens(entry, IMAGE, mr)


# ------------------------------------------------------------------------------ images

_ImageRule = Callable[[Model, int, int, str, "str | None"], int]

_IMAGE_RULES: dict[str, _ImageRule] = {
    "openai_tile": _openai_tile_tokens,
    "openai_patch": _openai_patch_tokens,
    "anthropic_patch": _anthropic_image_tokens,
    "gemini_tile": _gemini_tile_image_tokens,
    "gemini_media_resolution": _gemini3_image_tokens,
}


def estimate_image_tokens(
    provider: str,
    model: str,
    width: int,
    height: int,
    detail: str = "auto",
    *,
    media_resolution: str | None = None,
) -> int:
    """Input tokens one image of ``width`` x ``height`` px costs on ``model``.

    ``detail`` is OpenAI's parameter (``auto|low|high|original``) and ``media_resolution``
    Gemini's (``LOW|MEDIUM|HIGH|ULTRA_HIGH``); each provider reads only its own, as its API does.

    >>> estimate_image_tokens("anthropic", "claude-sonnet-4-6", 1920, 1080)
    1560
    """
    entry = resolve_model(provider, model)
    _require(entry, IMAGE)
    _check_size(width, height)
    if detail not in DETAILS:
        raise TokenEstimateError(f"unknown detail {detail!r}; choose one of {', '.join(DETAILS)}")
    scheme = entry.image_tokens.get("scheme")
    try:
        rule = _IMAGE_RULES[scheme]
    except KeyError:
        raise TokenEstimateError(
            f"registry entry for {model} names image-token scheme {scheme!r}, which "
            f"mmcourse.tokens does not know; known: {', '.join(_IMAGE_RULES)}"
        ) from None
    return rule(entry, width, height, detail, media_resolution)


# ------------------------------------------------------------------------------ audio

# OpenAI publishes no per-second figure for audio input in Chat Completions. 10 tokens/s is
# derived from OpenAI's 2024 Realtime launch price ("about $0.06 per minute" of audio input at
# $100 per 1M audio tokens = 600 tokens/min). UNCONFIRMED: read usage.prompt_tokens_details.
OPENAI_AUDIO_TOKENS_PER_SECOND = 10

_AUDIO_TOKENS_PER_SECOND: dict[str, int] = {
    "gemini": GEMINI_AUDIO_TOKENS_PER_SECOND,  # Gemini audio docs: 32 tokens/s, 1,920 per minute
    "openai": OPENAI_AUDIO_TOKENS_PER_SECOND,
}
_NO_AUDIO_INPUT: dict[str, str] = {
    "anthropic": (
        "Claude has no audio input: the Messages API takes text, images and PDFs only. "
        "Transcribe first (e.g. with an OpenAI audio model or Gemini), then send the "
        "transcript to Claude: a transcribe-then-analyse pipeline"
    ),
}


def _check_seconds(seconds: float) -> None:
    if not isinstance(seconds, int | float) or seconds < 0 or math.isnan(seconds):
        raise TokenEstimateError(f"seconds must be a non-negative number, got {seconds!r}")


def estimate_audio_tokens(provider: str, model: str, seconds: float) -> int:
    """Input tokens for ``seconds`` of audio: Gemini 32/s; OpenAI audio models ~10/s (estimate).

    >>> estimate_audio_tokens("gemini", "gemini-2.5-flash", 60)
    1920
    """
    entry = resolve_model(provider, model)
    _check_seconds(seconds)
    if provider in _NO_AUDIO_INPUT:
        raise UnsupportedModalityError(_NO_AUDIO_INPUT[provider])
    _require(entry, AUDIO)
    return math.ceil(seconds * _AUDIO_TOKENS_PER_SECOND[provider])


# ------------------------------------------------------------------------------ video

DEFAULT_FRAME_SIZE = (1280, 720)  # a 720p frame, for models that only see sampled stills


def _frames(seconds: float, fps: float) -> int:
    if not isinstance(fps, int | float) or fps <= 0:
        raise TokenEstimateError(f"fps must be a positive number of frames per second, got {fps!r}")
    return math.ceil(seconds * fps) if seconds > 0 else 0


def _gemini_video_frame_tokens(entry: Model, media_resolution: str | None) -> int:
    if entry.image_tokens.get("scheme") == "gemini_media_resolution":
        return _gemini3_tokens(entry, VIDEO, media_resolution)
    level = _media_resolution_level(media_resolution)
    if level == "ULTRA_HIGH":
        raise TokenEstimateError("MEDIA_RESOLUTION_ULTRA_HIGH applies to images only, not video")
    return GEMINI_LOW_FRAME_TOKENS if level == "LOW" else GEMINI_TOKENS_PER_TILE


def estimate_video_tokens(
    provider: str,
    model: str,
    seconds: float,
    fps: float = 1.0,
    *,
    frame_width: int = DEFAULT_FRAME_SIZE[0],
    frame_height: int = DEFAULT_FRAME_SIZE[1],
    detail: str = "auto",
    media_resolution: str | None = None,
    include_audio: bool = True,
) -> int:
    """Input tokens for ``seconds`` of video sampled at ``fps`` frames per second.

    Gemini (native video): frames x 258 (66 at LOW; Gemini 3: 70 low/medium, 280 high) plus
    32 tokens/s for the soundtrack. At the default 1 fps that is 290 tokens/s; Google's video
    docs quote ~300 tokens/s because timestamps and metadata add a few more.
    OpenAI and Claude take no video: you send sampled frames as images, so the estimate is
    frames x the image tokens of one ``frame_width`` x ``frame_height`` frame (no audio:
    transcribe the soundtrack separately). Claude also caps images per request (100 or 600).

    >>> estimate_video_tokens("gemini", "gemini-2.5-flash", 10)
    2900
    """
    entry = resolve_model(provider, model)
    _check_seconds(seconds)
    frames = _frames(seconds, fps)
    if VIDEO in entry.modalities:
        audio = math.ceil(seconds * GEMINI_AUDIO_TOKENS_PER_SECOND) if include_audio else 0
        return frames * _gemini_video_frame_tokens(entry, media_resolution) + audio
    _require(entry, IMAGE)  # no native video: frames go in as images
    per_frame = estimate_image_tokens(
        provider, model, frame_width, frame_height, detail, media_resolution=media_resolution
    )
    return frames * per_frame


# ------------------------------------------------------------------------------ PDF

# A page rendered at about 130 dpi (A4 = 1075 x 1520 px, the Anthropic docs' page example).
DEFAULT_PAGE_SIZE = (1075, 1520)
GEMINI_TOKENS_PER_PAGE = 258  # Gemini 2.x document docs


def _check_pages(pages: int) -> None:
    if not isinstance(pages, int) or pages < 0:
        raise TokenEstimateError(f"pages must be a non-negative whole number, got {pages!r}")


def _gemini2_pdf_tokens(entry, pages, text_chars, page_size, detail, mr) -> int:
    # "Each document page is equivalent to 258 tokens" (Gemini 2.x docs): text included.
    return pages * GEMINI_TOKENS_PER_PAGE


def _gemini3_pdf_tokens(entry, pages, text_chars, page_size, detail, mr) -> int:
    # Gemini 3 bills each page at its media-resolution count plus the page's native text.
    return pages * _gemini3_tokens(entry, PDF, mr) + _chars_to_tokens(text_chars)


def _text_plus_page_images(entry, pages, text_chars, page_size, detail, mr) -> int:
    # Claude and OpenAI both receive the extracted text AND an image of every page (Anthropic
    # PDF docs; OpenAI file-inputs guide). Rendering size and text tokens are approximations
    # (UNCONFIRMED): Anthropic quotes 1,500-3,000 tokens per typical page.
    page_image = estimate_image_tokens(entry.provider, entry.id, *page_size, detail)
    return pages * page_image + _chars_to_tokens(text_chars)


_PDF_RULES = {
    "gemini_tile": _gemini2_pdf_tokens,
    "gemini_media_resolution": _gemini3_pdf_tokens,
}


def estimate_pdf_tokens(
    provider: str,
    model: str,
    pages: int,
    text_chars: int = 0,
    *,
    page_width: int = DEFAULT_PAGE_SIZE[0],
    page_height: int = DEFAULT_PAGE_SIZE[1],
    detail: str = "auto",
    media_resolution: str | None = None,
) -> int:
    """Input tokens for a PDF of ``pages`` pages with ``text_chars`` characters of text in all.

    Gemini 2.x: 258 per page. Gemini 3: 560 per page at the default MEDIUM resolution plus
    the text. Claude and OpenAI: text tokens plus one page image per page (an approximation).

    >>> estimate_pdf_tokens("gemini", "gemini-2.5-flash", 10)
    2580
    """
    entry = resolve_model(provider, model)
    _require(entry, PDF)
    _check_pages(pages)
    if text_chars < 0:
        raise TokenEstimateError(f"text_chars cannot be negative, got {text_chars}")
    rule = _PDF_RULES.get(entry.image_tokens.get("scheme"), _text_plus_page_images)
    return rule(entry, pages, text_chars, (page_width, page_height), detail, media_resolution)


# ------------------------------------------------------------------------------ the wrong formula


def naive_tutorial_image_tokens(width: int, height: int) -> int:
    """The popular tutorial formula ``(w//512) * (h//512) * 170 + 85``: WRONG, kept to teach why.

    It skips both resizes (fit in 2048x2048, then short side 768), floors where OpenAI rounds
    up (an 800x600 image is 4 tiles, not 1; a 500x500 one is 1 tile, not 0), ignores
    ``detail`` (low is a flat 85) and hard-codes gpt-4o's constants, while gpt-4o-mini, gpt-5
    and the o-series use other numbers and newer models count 32-px patches instead of tiles.
    Use :func:`estimate_image_tokens`.
    """
    _check_size(width, height)
    return (width // 512) * (height // 512) * 170 + 85


_NAIVE_BASE, _NAIVE_TILE = 85, 170


def explain_naive_vs_official(
    width: int, height: int, model: str, *, provider: str | None = None, detail: str = "high"
) -> dict:
    """One table row comparing the tutorial formula with the official count, and why they differ.

    >>> explain_naive_vs_official(2048, 4096, "gpt-4o")["official"]
    1105
    """
    provider = provider or registry.get_model(model).provider
    entry = resolve_model(provider, model)
    official = estimate_image_tokens(provider, model, width, height, detail)
    naive = naive_tutorial_image_tokens(width, height)
    scheme = entry.image_tokens.get("scheme")
    reasons: list[str] = []
    if scheme != "openai_tile":
        reasons.append(
            f"wrong algorithm family: {model} counts tokens by {scheme}, not 512-px tiles"
        )
    else:
        if detail == "low":
            reasons.append(f"ignores detail: 'low' is a flat {entry.image_tokens['base']} tokens")
        if (entry.image_tokens["base"], entry.image_tokens["tile"]) != (_NAIVE_BASE, _NAIVE_TILE):
            reasons.append(
                f"constants are per model: {model} uses base {entry.image_tokens['base']} "
                f"and {entry.image_tokens['tile']} per tile, not 85 + 170"
            )
        if detail != "low":
            if openai_tile_resize(width, height) != (width, height):
                reasons.append("skips the resizes (fit in 2048x2048, then shortest side 768)")
            elif width % 512 or height % 512:
                reasons.append("floors instead of ceils: a partial 512-px tile still counts")
    if official == naive:
        reasons = ["coincides" + (" (by luck)" if reasons else "")]
    return {
        "image": f"{width}x{height}",
        "model": model,
        "detail": detail,
        "official": official,
        "naive": naive,
        "difference": naive - official,
        "why": "; ".join(reasons),
    }
