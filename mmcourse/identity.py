"""Who is calling the emulator and where it is: the one home of scopes, keys and the emulator URL.

Everything that needs a learner's identity imports it from here (``config``, ``hub``, the
emulator's ``state``, ``control`` and ``app``, ``grading.testing``, the tests); the names of the
environment variables and headers are written only here. This module imports nothing from the
rest of the package, so it can never be part of an import cycle.

- The **offline key** is what the course's client sends to the emulator:
  ``mmcourse-offline`` or ``mmcourse-offline-<MMCOURSE_SCOPE>``.
- The emulator's **scope** of a request is the first 12 hex digits of the SHA-256 of its key.
- On a class-wide emulator each learner's ``MMCOURSE_SCOPE`` is a **learner scope**: an HMAC of
  their hub user name keyed with the class's secret (``MMCOURSE_ADMIN_TOKEN``, held only by the
  hub and the emulator), so no learner can compute another's key, and so reach their scope.
"""

from __future__ import annotations

import hashlib
import hmac
import os
from collections.abc import Mapping

# -- environment variables --------------------------------------------------------------------
EMULATOR_URL_ENV = "MMCOURSE_EMULATOR_URL"
SCOPE_ENV = "MMCOURSE_SCOPE"
ADMIN_TOKEN_ENV = "MMCOURSE_ADMIN_TOKEN"
HUB_USER_ENV = "JUPYTERHUB_USER"
RUNTIME_DIR_ENV = "MMCOURSE_RUNTIME_DIR"

# -- headers the emulator's admin endpoints and API routes read (lower case) -------------------
SCOPE_HEADER = "x-mmcourse-scope"
KEY_HEADER = "x-mmcourse-key"
ADMIN_TOKEN_HEADER = "x-mmcourse-admin-token"

# -- the emulator's address ------------------------------------------------------------------
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
DEFAULT_EMULATOR_URL = f"http://{DEFAULT_HOST}:{DEFAULT_PORT}"

OFFLINE_KEY = "mmcourse-offline"
LEARNER_SCOPE_PREFIX = "learner-"
# Domain separation: an HMAC made for a learner scope is useless anywhere else.
_LEARNER_CONTEXT = b"mmcourse learner scope\x00"
SCOPE_LENGTH = 12


def _env(env: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if env is None else env


def scope_of(api_key: str | None) -> str:
    """The emulator scope of a request that carried ``api_key`` (None: no key at all).

    >>> scope_of("mmcourse-offline")
    '9817d176d0e5'
    """
    return hashlib.sha256((api_key or "").encode("utf-8", "surrogatepass")).hexdigest()[:SCOPE_LENGTH]


def learner_scope(username: str, secret: str | None = None) -> str:
    """The ``MMCOURSE_SCOPE`` a hub user's server gets: stable, header-safe, not the name itself.

    With the class's ``secret`` (the hub's ``MMCOURSE_ADMIN_TOKEN``): an HMAC-SHA256 of the name,
    which nobody without the secret can compute. Without one (a hub that does not share an
    emulator between learners): a plain digest of the name, which isolates nothing.
    The deploy configs compute the same value; tests/test_hub.py keeps them in step.
    """
    name = username.encode("utf-8")
    if secret:
        digest = hmac.new(secret.encode("utf-8"), _LEARNER_CONTEXT + name, hashlib.sha256).hexdigest()[:32]
    else:
        digest = hashlib.sha256(name).hexdigest()[:16]
    return LEARNER_SCOPE_PREFIX + digest


def offline_key(env: Mapping[str, str] | None = None) -> str:
    """The key the course sends to the emulator: per learner or per submission with ``MMCOURSE_SCOPE``.

    On a JupyterHub without the course's config, each learner still gets a scope of their own
    from ``JUPYTERHUB_USER``.
    """
    env = _env(env)
    scope = env.get(SCOPE_ENV, "").strip()
    if not scope and env.get(HUB_USER_ENV):
        scope = learner_scope(env[HUB_USER_ENV])
    return f"{OFFLINE_KEY}-{scope}" if scope else OFFLINE_KEY


def learner_key(username: str, secret: str | None) -> str:
    """The offline key a hub user's kernels send (what their spawner environment leads to)."""
    return offline_key({SCOPE_ENV: learner_scope(username, secret)})


def default_scope(env: Mapping[str, str] | None = None) -> str:
    """The scope the course's own offline requests land in."""
    return scope_of(offline_key(env))


def emulator_scope(username: str, secret: str | None = None) -> str:
    """The emulator's scope for a hub user's requests (what ``/_mmcourse/log?scope=`` takes)."""
    return scope_of(learner_key(username, secret if secret is not None else admin_token()))


def admin_token(env: Mapping[str, str] | None = None) -> str | None:
    """The class's secret (``MMCOURSE_ADMIN_TOKEN``), or None when none is set."""
    return _env(env).get(ADMIN_TOKEN_ENV) or None


def emulator_url(env: Mapping[str, str] | None = None) -> str:
    """The emulator's origin: ``MMCOURSE_EMULATOR_URL`` (a class-wide server) or the local default."""
    return (_env(env).get(EMULATOR_URL_ENV) or DEFAULT_EMULATOR_URL).rstrip("/")


def explicit_emulator_url(env: Mapping[str, str] | None = None) -> str | None:
    """``MMCOURSE_EMULATOR_URL`` when it is set (no default), without a trailing slash."""
    value = _env(env).get(EMULATOR_URL_ENV)
    return value.rstrip("/") if value else None
