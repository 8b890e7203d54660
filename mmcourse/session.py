"""``mmcourse.setup()``: the first cell of every notebook. Decides offline/live per provider,
starts (or finds) the emulator when any provider is offline, and says plainly which is which.
"""

from __future__ import annotations

import os

from . import config as configmod

_configs: dict[str, configmod.ProviderConfig] = {}


def _emulator_origin() -> str:
    from . import emulator

    return emulator.ensure_running()


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


def ensure_provider(provider: str) -> configmod.ProviderConfig:
    """The configuration ``setup()`` resolved for ``provider`` (running setup quietly if needed)."""
    if provider not in _configs:
        if provider in configmod.COURSE_PROVIDERS:
            setup(quiet=True)
        else:
            cfg = configmod.provider_config(provider)
            if cfg.offline:
                cfg = configmod.provider_config(provider, origin=_emulator_origin())
            _configs[provider] = cfg
    return _configs[provider]


def current() -> dict[str, configmod.ProviderConfig]:
    """What the last ``setup()`` resolved (empty before it ran)."""
    return dict(_configs)
