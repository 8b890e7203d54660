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


def get(name: str) -> ModuleType:
    """The wire module for a provider name (openai, anthropic, gemini, local)."""
    try:
        return MODULES[name]
    except KeyError:
        raise ValueError(f"unknown provider {name!r}; choose one of {sorted(MODULES)}") from None


__all__ = [
    "MODULES", "Answer", "APIError", "FileRef", "HttpRequest", "LiveCallError", "Media", "Options",
    "Part", "Text", "Usage", "get", "redact_headers", "redact_key", "redact_url",
]
