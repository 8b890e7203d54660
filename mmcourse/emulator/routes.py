"""The wires' route tables as Starlette routes.

A wire declares its routes as rows ``(method, path template, handler, body limit[, auth])``.
Path templates are Starlette's: ``/v1/models/{model}`` (a ``{name}`` is one path segment),
``{name:convertor}`` for the parameters declared with ``path_convertor`` (``{model:resource}``
is a segment without a colon, so ``/models/{model:resource}:{method:gemini_method}`` reads
Google's ``name:method`` paths). Each row becomes a ``WireRoute``; ``RouteTable.match`` finds the
first row whose path and method both fit, as Starlette's router would.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from starlette.convertors import CONVERTOR_TYPES, Convertor, register_url_convertor
from starlette.routing import Match, Route
from starlette.types import Scope

# Characters of a regular expression that a path template never holds outside its {params}.
_REGEX = re.compile(r"[\\()\[\]*+?|^$]")
_PARAM = re.compile(r"{[^}]*}")


class PatternConvertor(Convertor[str]):
    """A path parameter that matches ``regex`` and stays a string."""

    def __init__(self, regex: str) -> None:
        self.regex = regex

    def convert(self, value: str) -> str:
        return value

    def to_string(self, value: str) -> str:
        return value


def path_convertor(name: str, regex: str) -> None:
    """Declare ``{param:name}`` for route templates: a parameter matching ``regex``."""
    known = CONVERTOR_TYPES.get(name)
    if known is not None:
        if getattr(known, "regex", None) != regex:
            raise ValueError(f"path convertor {name!r} is already declared as {known.regex!r}")
        return
    register_url_convertor(name, PatternConvertor(regex))


path_convertor("resource", r"[^/:]+")  # one segment, up to a Google-style ``:method``


class ExactRoute(Route):
    """A Starlette route for exactly one method: Starlette adds HEAD to GET; the providers' APIs
    (and the admin endpoints) answer HEAD as a path they do not serve."""

    def __init__(self, method: str, path: str, endpoint: Callable[..., Any]) -> None:
        if _REGEX.search(_PARAM.sub("", path)):
            raise ValueError(
                f"route {method} {path!r} looks like a regular expression; route paths are Starlette "
                "templates: {name} for a segment, {name:convertor} for one declared with "
                "mmcourse.emulator.routes.path_convertor")
        super().__init__(path, endpoint, methods=[method])
        self.methods = {method.upper()}


class WireRoute(ExactRoute):
    """One row of a wire's route table: its method and path, the handler, the request body limit
    and whether the route needs a key (Gemini's resumable upload does not)."""

    def __init__(self, method: str, path: str, handler: Callable[..., Any], limit: int,
                 auth: bool = True) -> None:
        super().__init__(method, path, handler)
        self.handler, self.limit, self.auth = handler, limit, auth


class RouteTable:
    """A wire's routes, in the order declared."""

    def __init__(self, rows: Sequence[tuple]) -> None:
        self.routes = [WireRoute(*row) for row in rows]

    def match(self, scope: Scope) -> tuple[WireRoute, dict[str, str]] | None:
        """The first route whose path and method fit the request, with its path parameters."""
        method = scope["method"]
        for route in self.routes:
            if method not in route.methods:  # Starlette's PARTIAL: never the answer here
                continue
            found, child = route.matches(scope)
            if found is Match.FULL:
                return route, child["path_params"]
        return None


# Compiled tables by the identity of the wire's ``routes`` list (kept alive here, so the id stays
# its own); a list that grew since is compiled again.
_TABLES: dict[int, tuple[Sequence[tuple], int, RouteTable]] = {}


def table_of(wire: Any) -> RouteTable:
    """The wire's route table, compiled once."""
    rows = wire.routes
    cached = _TABLES.get(id(rows))
    if cached is None or cached[0] is not rows or cached[1] != len(rows):
        cached = (rows, len(rows), RouteTable(rows))
        _TABLES[id(rows)] = cached
    return cached[2]


def match_route(wire: Any, method: str, path: str):
    """(handler, limit, auth, params) for a request line, or None when the wire has no such route."""
    found = table_of(wire).match({"type": "http", "method": method, "path": path})
    if found is None:
        return None
    route, params = found
    return route.handler, route.limit, route.auth, params
