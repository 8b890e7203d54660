"""A self-hosted, OpenAI-compatible server (Ollama, vLLM, llama.cpp server) as a fourth provider.

Such servers speak the OpenAI Chat Completions wire format, so this entry reuses the OpenAI
module and only changes the defaults: its own base URL, and a key that is usually ignored.
"""

from __future__ import annotations

from .openai import (
    ANSWER_PATH,
    AUTH,
    MEDIA_FIELD,
    WIRE_FACTS,
    build_body,
    build_request,
    parse_error,
    parse_response,
    stream_delta,
)

NAME = "local"
DEFAULT_BASE_URL = "http://127.0.0.1:11434/v1"  # Ollama's OpenAI-compatible endpoint
KEY_ENV_VARS = ("MMCOURSE_LOCAL_API_KEY",)
KEY_OPTIONAL = True  # Ollama and friends ignore the key: live mode needs none
BASE_URL_ENV = "MMCOURSE_LOCAL_BASE_URL"

__all__ = [
    "ANSWER_PATH", "AUTH", "BASE_URL_ENV", "DEFAULT_BASE_URL", "KEY_ENV_VARS", "KEY_OPTIONAL",
    "MEDIA_FIELD", "NAME", "WIRE_FACTS", "build_body", "build_request", "parse_error", "parse_response", "stream_delta",
]
