"""Which model ids the emulator serves: the course registry, plus a few dated snapshot aliases.

The real APIs accept dated snapshots (``gpt-4o-2024-08-06``, ``claude-sonnet-4-5-20250929``);
the emulator maps the handful the course's sources mention onto registry ids. Keep it small.
"""

from __future__ import annotations

from mmcourse import registry
from mmcourse.registry import Model

# Snapshot id -> registry id (snapshots listed in OpenAI's OpenAPI ModelIdsShared and the
# Anthropic SDK's model list, 2025-2026).
ALIASES: dict[str, str] = {
    "gpt-4o-2024-08-06": "gpt-4o",
    "gpt-4o-2024-11-20": "gpt-4o",
    "gpt-4o-mini-2024-07-18": "gpt-4o-mini",
    "gpt-4.1-2025-04-14": "gpt-4.1",
    "gpt-4.1-mini-2025-04-14": "gpt-4.1-mini",
    "gpt-4.1-nano-2025-04-14": "gpt-4.1-nano",
    "gpt-5-2025-08-07": "gpt-5",
    "gpt-5-mini-2025-08-07": "gpt-5-mini",
    "gpt-5-nano-2025-08-07": "gpt-5-nano",
    "gpt-5.4-mini-2026-03-17": "gpt-5.4-mini",
    "gpt-5.4-nano-2026-03-17": "gpt-5.4-nano",
    "gpt-5.5-2026-04-23": "gpt-5.5",
    "gpt-4o-audio-preview-2024-12-17": "gpt-4o-audio-preview",
    "gpt-audio-mini-2025-10-06": "gpt-audio-mini",
    "claude-sonnet-4-5-20250929": "claude-sonnet-4-5",
    "claude-haiku-4-5-20251001": "claude-haiku-4-5",
    "claude-opus-4-5-20251101": "claude-opus-4-5",
}


# Registry id -> the dated snapshot a response's ``model`` names (OpenAI always resolves an alias,
# Anthropic when the model has a dated id; Gemini echoes the URL id). Real responses recorded in
# pydantic/pydantic-ai cassettes, 2025-03 .. 2026-07 (gpt-4o -> gpt-4o-2024-08-06, ...).
SNAPSHOTS: dict[str, str] = {
    "gpt-4o": "gpt-4o-2024-08-06",
    "gpt-4o-mini": "gpt-4o-mini-2024-07-18",
    "gpt-4.1": "gpt-4.1-2025-04-14",
    "gpt-4.1-mini": "gpt-4.1-mini-2025-04-14",
    "gpt-4.1-nano": "gpt-4.1-nano-2025-04-14",
    "gpt-5": "gpt-5-2025-08-07",
    "gpt-5-mini": "gpt-5-mini-2025-08-07",
    "gpt-5-nano": "gpt-5-nano-2025-08-07",
    "gpt-5.4-mini": "gpt-5.4-mini-2026-03-17",
    "gpt-5.4-nano": "gpt-5.4-nano-2026-03-17",
    "gpt-5.5": "gpt-5.5-2026-04-23",
    "gpt-4o-audio-preview": "gpt-4o-audio-preview-2024-12-17",
    "gpt-audio-mini": "gpt-audio-mini-2025-10-06",
    "claude-sonnet-4-5": "claude-sonnet-4-5-20250929",
    "claude-haiku-4-5": "claude-haiku-4-5-20251001",
    "claude-opus-4-5": "claude-opus-4-5-20251101",
}


def response_model(requested: str) -> str:
    """The ``model`` a response names for a requested id: its dated snapshot, else the id.

    >>> response_model("gpt-4o"), response_model("gpt-4o-2024-11-20"), response_model("claude-sonnet-4-6")
    ('gpt-4o-2024-08-06', 'gpt-4o-2024-11-20', 'claude-sonnet-4-6')
    """
    return SNAPSHOTS.get(requested, requested)


class ModelNotFound(LookupError):
    """The id is unknown to this provider, or retired; ``retired`` carries the record."""

    def __init__(self, model_id: str, retired: registry.RetiredModel | None = None) -> None:
        super().__init__(model_id)
        self.model_id = model_id
        self.retired = retired


def resolve(provider: str, model_id: object) -> Model:
    """The registry model a request names (alias-aware), or raise ModelNotFound."""
    if not isinstance(model_id, str):
        raise ModelNotFound(str(model_id))
    target = ALIASES.get(model_id, model_id)
    try:
        model = registry.get_model(target)
    except registry.UnknownModelError:
        raise ModelNotFound(model_id, registry.is_retired(model_id)) from None
    if model.provider != provider:
        raise ModelNotFound(model_id)
    return model


def served(provider: str) -> list[Model]:
    """The models a provider's ``/models`` endpoint lists, newest first."""
    return sorted(registry.models_for(provider), key=lambda m: (m.released, m.id), reverse=True)
