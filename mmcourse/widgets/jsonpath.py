"""Paths into JSON in the providers' own notation (``choices[0].message.content``), and a
printer that can point at one of them. Pure functions: JSON in, paths and text out.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from typing import Any

JsonPath = tuple[str | int, ...]

_STEP = re.compile(r"\.?([^.\[\]]+)|\[(\d+)\]")


def parse_path(text: str) -> JsonPath:
    """``"choices[0].message.content"`` -> ``("choices", 0, "message", "content")``."""
    steps: list[str | int] = []
    pos = 0
    for match in _STEP.finditer(text):
        if match.start() != pos:
            raise ValueError(f"cannot read the JSON path {text!r} at character {pos}")
        key, index = match.groups()
        steps.append(int(index) if index is not None else key)
        pos = match.end()
    if pos != len(text):
        raise ValueError(f"cannot read the JSON path {text!r} at character {pos}")
    return tuple(steps)


def format_path(path: JsonPath) -> str:
    """Inverse of ``parse_path``; the empty path is ``(root)``."""
    text = "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in path)
    return text.lstrip(".") or "(root)"


def resolve(value: Any, path: JsonPath) -> Any:
    """The value at ``path``; LookupError names the first step that is not there."""
    for i, step in enumerate(path):
        try:
            value = value[step]
        except (KeyError, IndexError, TypeError):
            raise LookupError(f"no {format_path(path[: i + 1])} in this JSON") from None
    return value


def leaves(value: Any, path: JsonPath = ()) -> Iterator[tuple[JsonPath, Any]]:
    """Every scalar in ``value`` with its path, in document order."""
    if isinstance(value, dict):
        for key, child in value.items():
            yield from leaves(child, (*path, key))
    elif isinstance(value, list):
        for index, child in enumerate(value):
            yield from leaves(child, (*path, index))
    else:
        yield path, value


def find_paths(value: Any, predicate: Callable[[Any], bool]) -> list[JsonPath]:
    """Paths of the scalars for which ``predicate`` is true."""
    return [path for path, leaf in leaves(value) if predicate(leaf)]


def annotated_lines(value: Any, path: JsonPath = (), indent: int = 0, prefix: str = "",
                    comma: str = "") -> list[tuple[JsonPath, str]]:
    """``json.dumps(value, indent=2)`` split into lines, each paired with the path it shows."""
    pad = "  " * indent
    if isinstance(value, (dict, list)) and value:
        is_dict = isinstance(value, dict)
        opener, closer = ("{", "}") if is_dict else ("[", "]")
        items = list(value.items()) if is_dict else list(enumerate(value))
        lines = [(path, f"{pad}{prefix}{opener}")]
        for n, (key, child) in enumerate(items):
            child_prefix = f"{json.dumps(key, ensure_ascii=False)}: " if is_dict else ""
            child_comma = "," if n < len(items) - 1 else ""
            lines += annotated_lines(child, (*path, key), indent + 1, child_prefix, child_comma)
        lines.append((path, f"{pad}{closer}{comma}"))
        return lines
    return [(path, f"{pad}{prefix}{json.dumps(value, ensure_ascii=False)}{comma}")]
