"""The provider wire layer: one module per provider, each with pure build/parse functions.

``get(name)`` returns the module; every module exposes the same names (``build_request``,
``parse_response``, ``parse_error``, ``stream_delta``, ``WIRE_FACTS``, ``ANSWER_PATH`` ...),
so code that works for one provider works for all.
"""

from __future__ import annotations

from types import ModuleType

from . import anthropic, gemini, local, openai
from .base import (
    Answer,
    APIError,
    FileRef,
    HttpRequest,
    LiveCallError,
    Media,
    Options,
    Part,
    Text,
    Usage,
    redact_headers,
    redact_key,
    redact_url,
)

MODULES: dict[str, ModuleType] = {m.NAME: m for m in (openai, anthropic, gemini, local)}


# What every provider module offers (client, config and router call only these).
CONTRACT = ("NAME", "KEY_ENV_VARS", "BASE_URL_ENV", "DEFAULT_BASE_URL", "WIRE_FACTS", "ANSWER_PATH",
            "build_request", "parse_response", "parse_error", "stream_delta")


def register(module: ModuleType) -> None:
    """Add a provider module (a fourth provider): ``get(module.NAME)`` returns it from now on."""
    missing = [n for n in CONTRACT if not hasattr(module, n)]
    if missing:
        raise TypeError(f"provider module {module.__name__} lacks {', '.join(missing)} "
                        "(see mmcourse.providers.CONTRACT)")
    MODULES[module.NAME] = module


def get(name: str) -> ModuleType:
    """The wire module for a provider name (openai, anthropic, gemini, local)."""
    try:
        return MODULES[name]
    except KeyError:
        raise ValueError(f"unknown provider {name!r}; choose one of {sorted(MODULES)}") from None


__all__ = [
    "CONTRACT", "MODULES", "Answer", "APIError", "FileRef", "HttpRequest", "LiveCallError", "Media", "Options",
    "Part", "Text", "Usage", "get", "register", "redact_headers", "redact_key", "redact_url",
]
