"""Who may act in which scope: the emulator's one access policy (pure functions, no HTTP).

- An **API request**'s scope is the scope of the key it carries. A client-sent
  ``x-mmcourse-scope`` header counts only together with the class's admin token (a teacher or a
  grader routing its requests); from anyone else it is ignored.
- An **admin request** (``/_mmcourse/*``) names its scope in ``?scope=`` or ``x-mmcourse-scope``.
  On a personal emulator (no admin token set) every scope is open. On a class-wide emulator
  (``MMCOURSE_ADMIN_TOKEN``) a caller reaches only the scope of the key they present in
  ``x-mmcourse-key`` (that scope is also the default); ``*`` and every other scope need the
  token in ``x-mmcourse-admin-token``. ``health`` is open to all.
- A credential or scope sent twice, or two different scopes, is refused (400): one value is
  checked and one is used, so they must be the same one.
"""

from __future__ import annotations

import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass

from mmcourse.identity import ADMIN_TOKEN_HEADER, KEY_HEADER, SCOPE_HEADER, default_scope, scope_of

ALL_SCOPES = "*"
# What a scope may look like: what scope_of makes, MMCOURSE_SCOPE-style names, or "*".
_SCOPE_SYNTAX = re.compile(r"[A-Za-z0-9._-]{1,128}")
OPEN_ACTIONS = ("health",)


class AccessError(Exception):
    """An admin or API request the policy refuses: ``status`` 400 (malformed) or 403 (not yours)."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class Credentials:
    """The identity-bearing parts of one request, each as every value it was sent with."""

    scopes: Sequence[str] = ()  # from ?scope= and x-mmcourse-scope together
    keys: Sequence[str] = ()  # x-mmcourse-key
    tokens: Sequence[str] = ()  # x-mmcourse-admin-token

    @classmethod
    def of(cls, headers, query=None, *, query_scope: bool = True) -> Credentials:
        """Read them from Starlette-style multi-value ``headers`` (``getlist``) and ``query``."""
        scopes = list(query.getlist("scope")) if (query is not None and query_scope) else []
        return cls(scopes + list(headers.getlist(SCOPE_HEADER)), list(headers.getlist(KEY_HEADER)),
                   list(headers.getlist(ADMIN_TOKEN_HEADER)))


def _one(values: Sequence[str], what: str) -> str | None:
    if len(values) > 1:
        raise AccessError(400, f"{what} was sent {len(values)} times: send it once")
    return values[0] if values else None


def token_matches(presented: str | None, token: str | None) -> bool:
    """Whether ``presented`` is the admin token (constant time; any characters)."""
    if not token or presented is None:
        return False
    return hmac.compare_digest(presented.encode("utf-8", "surrogateescape"), token.encode("utf-8"))


def _requested_scope(creds: Credentials) -> str | None:
    distinct = list(dict.fromkeys(creds.scopes))
    if len(distinct) > 1:
        raise AccessError(400, f"two different scopes were named ({', '.join(map(repr, distinct[:2]))}): "
                               "name one, in ?scope= or x-mmcourse-scope")
    scope = distinct[0] if distinct else None
    if scope is not None and scope != ALL_SCOPES and not _SCOPE_SYNTAX.fullmatch(scope):
        raise AccessError(400, f"{scope[:40]!r} is not a scope: use the 12 hex digits of "
                               "mmcourse.identity.scope_of(key), or * for all (with the admin token)")
    return scope


def is_admin(creds: Credentials, token: str | None) -> bool:
    """Whether the request carries the class's admin token (exactly once)."""
    return token_matches(_one(creds.tokens, ADMIN_TOKEN_HEADER), token)


def api_scope(api_key: str | None, creds: Credentials, token: str | None) -> str:
    """The scope of a provider API request: its key's, or the named one when the admin token came too."""
    if token and creds.scopes and is_admin(creds, token):
        return _requested_scope(creds) or scope_of(api_key)
    return scope_of(api_key)


def admin_scope(action: str, creds: Credentials, token: str | None) -> str:
    """The scope an admin request may act on, or AccessError saying why it may not."""
    requested = _requested_scope(creds)
    key = _one(creds.keys, KEY_HEADER)
    if not token or action in OPEN_ACTIONS:
        return requested or default_scope()
    if is_admin(creds, token):
        return requested or default_scope()
    own = scope_of(key) if key else None
    if own is not None and requested in (None, own):
        return own
    raise AccessError(403, "this emulator serves a class: its admin endpoints reach a scope only with "
                           "that scope's own key (x-mmcourse-key) or the teacher's token "
                           "(x-mmcourse-admin-token, from MMCOURSE_ADMIN_TOKEN)")
