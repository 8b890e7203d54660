"""``mmcourse.setup()``: the first cell of every notebook. Decides offline/live per provider,
starts (or finds) the emulator when any provider is offline, and says plainly which is which.
"""

from __future__ import annotations

import os
from types import ModuleType

from . import config as configmod

_configs: dict[str, configmod.ProviderConfig] = {}


class EmulatorUnavailable(ConnectionError):
    """The offline emulator stopped answering and could not be started again (one-line message)."""


def _emulator_origin() -> str:
    from . import emulator

    return emulator.ensure_running()


def revive_emulator(url: str) -> bool:
    """After a call to ``url`` got no answer: whether it was the offline emulator, which had
    stopped and answers again now at the same origin (the caller then retries once).

    False when ``url`` is not the emulator's (a live call). Raises ``EmulatorUnavailable``, one
    line saying what happened and what to do, when the emulator cannot be brought back there.
    """
    origins = {c.base_url.removesuffix("/v1") for c in _configs.values() if c.offline}
    origin = next((o for o in origins if url == o or url.startswith(o + "/")), None)
    if origin is None:
        return False
    from . import emulator

    try:
        now = emulator.ensure_running(origin)
    except (RuntimeError, OSError) as exc:
        raise EmulatorUnavailable(f"the offline emulator at {origin} stopped answering and could not be "
                                  f"started again ({exc}); run mmcourse.setup() to start a new one") from None
    if now != origin:
        setup(quiet=True)
        raise EmulatorUnavailable(f"the offline emulator at {origin} had stopped; a new one runs at {now}: "
                                  "run the call again (mmcourse.setup() points there now)")
    return True


def banner(cfg: configmod.ProviderConfig) -> str:
    """One line saying where ``cfg``'s calls go and why."""
    if cfg.offline:
        return (
            f"{cfg.provider:<9} offline: the mmcourse emulator at {cfg.base_url} "
            "(answers come from the course data's ground truth, not a model)"
        )
    return f"{cfg.provider:<9} live: {cfg.base_url} (key from {cfg.key_source})"


def setup(quiet: bool = False) -> dict[str, configmod.ProviderConfig]:
    """Resolve every provider, start the emulator if one is offline, and print one line each."""
    env = dict(os.environ)
    configs = configmod.load(env)
    if any(c.offline for c in configs.values()):
        origin = _emulator_origin()
        configs = configmod.load(env, origin=origin)
    _configs.clear()
    _configs.update(configs)
    if not quiet:
        for cfg in configs.values():
            print(banner(cfg))
    return dict(configs)


def ensure_provider(provider: str, module: ModuleType | None = None) -> configmod.ProviderConfig:
    """The configuration ``setup()`` resolved for ``provider`` (running setup quietly if needed).

    ``module``: the provider's wire module when the caller has looked it up already.
    """
    if provider not in _configs:
        if provider in configmod.COURSE_PROVIDERS:
            setup(quiet=True)
        else:
            cfg = configmod.provider_config(provider, module=module)
            if cfg.offline:
                cfg = configmod.provider_config(provider, origin=_emulator_origin(), module=module)
            _configs[provider] = cfg
    return _configs[provider]


def current() -> dict[str, configmod.ProviderConfig]:
    """What the last ``setup()`` resolved (empty before it ran)."""
    return dict(_configs)
