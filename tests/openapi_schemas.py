"""Checking emulator responses against schemas extracted from OpenAI's official OpenAPI spec
(``tests/fixtures/openai_*schemas.json``): one checker per schema file, shared by the tests."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import jsonschema


class SchemaChecker:
    """``assert_valid(name, instance)`` against the ``$defs`` of one schema file."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @cache  # noqa: B019 (a checker lives as long as its test module)
    def validator(self, name: str):
        defs = json.loads(self.path.read_text())["$defs"]
        return jsonschema.Draft202012Validator({"$ref": f"#/$defs/{name}", "$defs": defs})

    def assert_valid(self, name: str, instance) -> None:
        problems = [f"{'/'.join(map(str, e.absolute_path)) or '<root>'}: {e.message}"
                    for e in self.validator(name).iter_errors(instance)]
        assert not problems, f"{name} schema violations:\n" + "\n".join(problems)
