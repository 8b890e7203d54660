"""What OpenAI's emulator modules share (Chat Completions, Responses, batches, transcription): its
name, wire facts, error envelopes and the checks of parameters in OpenAI's own wording."""

from __future__ import annotations

from typing import Any

from mmcourse.emulator.wire import (
    ApiError,
)
from mmcourse.providers import openai as openai_provider

NAME = "openai"


FACTS = openai_provider.WIRE_FACTS  # limits and allow-lists shared with the client


IMAGE_FORMATS = {mime: mime.split("/", 1)[1] for mime in FACTS.image_mimes}


UNSUPPORTED_IMAGE = (
    "You uploaded an unsupported image. Please make sure your image has of one the following "
    "formats: ['png', 'jpeg', 'gif', 'webp']."
)


def _error(status: int, message: str, param: str | None = None, code: str | None = None,
           type: str = "invalid_request_error") -> ApiError:
    return ApiError(status, message, type=type, param=param, code=code)


def _jtype(value: Any) -> str:
    """JSON type name as OpenAI's validation messages spell it."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "decimal"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _invalid_type(param: str, expected: str, value: Any) -> ApiError:
    return _error(
        400,
        f"Invalid type for '{param}': expected {expected}, but got {_an(_jtype(value))} instead.",
        param,
        "invalid_type",
    )


def _an(word: str) -> str:
    return f"an {word}" if word[0] in "aeiou" else f"a {word}"


def _missing(param: str) -> ApiError:
    return _error(400, f"Missing required parameter: '{param}'.", param, "missing_required_parameter")


def _invalid_value(param: str, value: Any, allowed: tuple[str, ...]) -> ApiError:
    quoted = [f"'{a}'" for a in allowed]
    listed = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + f", and {quoted[-1]}"
    return _error(
        400, f"Invalid value: '{value}'. Supported values are: {listed}.", param, "invalid_value"
    )


def _path(*parts: object) -> str:
    """OpenAI's param path style: ``messages.[0].content.[1].type``."""
    return ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in parts)


def _number(body: dict, name: str, low: float, high: float, integer: bool = False) -> float | None:
    if name not in body or body[name] is None:
        return None
    value = body[name]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or (integer and not isinstance(value, int)):
        raise _invalid_type(name, "an integer" if integer else "a decimal", value)
    kind = "integer" if integer else "decimal"
    if value < low:
        raise _error(400, f"Invalid '{name}': {kind} below minimum value. Expected a value >= {low:g}, "
                     f"but got {value} instead.", name, f"{kind}_below_min_value")
    if value > high:
        raise _error(400, f"Invalid '{name}': {kind} above maximum value. Expected a value <= {high:g}, "
                     f"but got {value} instead.", name, f"{kind}_above_max_value")
    return value
