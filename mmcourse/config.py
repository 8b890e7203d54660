"""Keys, offline/live mode and base URLs: the one place that decides where each call goes.

Per provider: no key means **offline** (the local emulator); a key means **live** (the real
host). ``MMCOURSE_MODE=offline|live`` overrides for every provider. Keys come from the
providers' own environment variables, or from a ``.env`` file in the working directory.
Base URLs follow the official SDKs' variables (``OPENAI_BASE_URL`` with ``/v1``,
``ANTHROPIC_BASE_URL``, ``GOOGLE_GEMINI_BASE_URL``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType

from . import providers, registry
from .identity import DEFAULT_EMULATOR_URL, OFFLINE_KEY, emulator_url, offline_key, scope_of
from .identity import EMULATOR_URL_ENV as EMULATOR_ENV
from .providers.base import redact_key

MODES = ("offline", "live")
COURSE_PROVIDERS = registry.PROVIDERS  # the course's providers, named once (mmcourse.registry)
# Re-exported from mmcourse.identity (their one home) for the callers that import them here.
__all__ = ["COURSE_PROVIDERS", "DEFAULT_EMULATOR_URL", "EMULATOR_ENV", "MODES", "OFFLINE_KEY",
           "ConfigError", "ProviderConfig", "emulator_url", "load", "offline_base_url", "offline_key",
           "provider_config", "read_dotenv", "scope_of"]


class ConfigError(ValueError):
    """A setting that cannot work; the message says which and how to fix it."""


def read_dotenv(path: str | Path) -> dict[str, str]:
    """Parse a ``.env`` file: ``NAME=value`` lines, ``#`` comments, optional quotes and ``export``."""
    values: dict[str, str] = {}
    p = Path(path)
    if not p.is_file():
        return values
    for number, raw in enumerate(p.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("export "):
            line = line[len("export "):].lstrip()
        name, sep, value = line.partition("=")
        if not sep or not name.strip().isidentifier():
            raise ConfigError(f"{p.name} line {number} is not NAME=value: fix or remove that line.")
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        values[name.strip()] = value
    return values


@dataclass(frozen=True)
class ProviderConfig:
    """Where one provider's calls go. The repr shows where the key came from, never the key."""

    provider: str
    mode: str
    base_url: str
    key_source: str | None
    api_key: str = field(repr=False)

    def __repr__(self) -> str:
        source = self.key_source or "no key"
        return f"ProviderConfig({self.provider}: {self.mode}, {self.base_url}, key from {source})"

    @property
    def offline(self) -> bool:
        return self.mode == "offline"

    @property
    def redacted_key(self) -> str:
        return redact_key(self.api_key) if not self.offline else "(offline key)"


def _find_key(module, env: Mapping[str, str], dotenv: Mapping[str, str]) -> tuple[str | None, str | None]:
    for source_name, source in (("", env), (".env ", dotenv)):
        for var in module.KEY_ENV_VARS:
            if source.get(var, "").strip():
                return source[var].strip(), f"{source_name}{var}".strip()
    return None, None


def _mode(env: Mapping[str, str], dotenv: Mapping[str, str]) -> str | None:
    mode = (env.get("MMCOURSE_MODE") or dotenv.get("MMCOURSE_MODE") or "").strip().lower()
    if mode and mode not in MODES:
        raise ConfigError(f"MMCOURSE_MODE={mode!r} is not valid: use 'offline' or 'live' (or unset it).")
    return mode or None


def offline_base_url(provider: str, origin: str, module: ModuleType | None = None) -> str:
    """The emulator serves every provider at one origin; OpenAI-style clients add ``/v1``."""
    default = (module or providers.get(provider)).DEFAULT_BASE_URL
    return origin + ("/v1" if default.endswith("/v1") else "")


def provider_config(
    provider: str,
    env: Mapping[str, str] | None = None,
    dotenv: Mapping[str, str] | None = None,
    origin: str | None = None,
    *,
    module: ModuleType | None = None,
) -> ProviderConfig:
    """Resolve one provider's mode, key and base URL from the environment and ``.env``.

    ``module``: the provider's wire module when the caller has looked it up already.
    """
    env = os.environ if env is None else env
    dotenv = read_dotenv(Path.cwd() / ".env") if dotenv is None else dotenv
    module = module or providers.get(provider)
    key, source = _find_key(module, env, dotenv)
    mode = _mode(env, dotenv) or ("live" if key else "offline")
    if mode == "offline":
        base = offline_base_url(provider, origin or emulator_url(env), module)
        return ProviderConfig(provider, "offline", base, None, offline_key(env))
    if not key and not getattr(module, "KEY_OPTIONAL", False):  # a self-hosted server may need none
        names = " or ".join(module.KEY_ENV_VARS)
        raise ConfigError(
            f"MMCOURSE_MODE=live but no key for {provider}: set {names} (in the environment or .env), "
            "or set MMCOURSE_MODE=offline to use the emulator."
        )
    base = (env.get(module.BASE_URL_ENV) or dotenv.get(module.BASE_URL_ENV) or module.DEFAULT_BASE_URL)
    return ProviderConfig(provider, "live", base.rstrip("/"), source, key or "not-needed")


def load(env: Mapping[str, str] | None = None, origin: str | None = None) -> dict[str, ProviderConfig]:
    """Every course provider's configuration (``.env`` in the working directory is read once)."""
    dotenv = read_dotenv(Path.cwd() / ".env")
    return {p: provider_config(p, env, dotenv, origin) for p in COURSE_PROVIDERS}
