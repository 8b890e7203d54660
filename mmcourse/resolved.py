"""A provider resolved once per call: its module, wire facts, registry entries and configuration.

Learners name providers by string (``ask("gemini", ...)``); the first thing a call does is
``resolve`` that name into one ``ResolvedProvider``, which the client, the session and the
router then pass along instead of looking the name up again at each step.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import ModuleType

from . import config as configmod
from . import providers, registry
from . import session as sessionmod
from .providers.base import WireFacts


@dataclass(frozen=True)
class ResolvedProvider:
    """Everything one call needs to know about its provider, looked up once."""

    name: str
    module: ModuleType
    models: tuple[registry.Model, ...]
    config: configmod.ProviderConfig

    @property
    def facts(self) -> WireFacts:
        """The provider's wire facts (limits and allow-lists, ``module.WIRE_FACTS``)."""
        return self.module.WIRE_FACTS

    @property
    def base_url(self) -> str:
        return self.config.base_url

    @property
    def api_key(self) -> str:
        return self.config.api_key

    @property
    def offline(self) -> bool:
        return self.config.offline

    def default_model(self, modality: str = registry.TEXT) -> str:
        """The course's default model for this provider (mmcourse.registry.default_model)."""
        return registry.default_model(self.name, modality)

    def __repr__(self) -> str:
        return f"ResolvedProvider({self.name}, {len(self.models)} models, {self.config!r})"


ProviderLike = str | ResolvedProvider


def module_of(provider: ProviderLike) -> ModuleType:
    """The wire module of a name or of an already resolved provider (no second lookup)."""
    return provider.module if isinstance(provider, ResolvedProvider) else providers.get(provider)


def name_of(provider: ProviderLike) -> str:
    return provider.name if isinstance(provider, ResolvedProvider) else provider


def resolve(
    provider: ProviderLike,
    cfg: configmod.ProviderConfig | None = None,
    *,
    start_emulator: bool = True,
) -> ResolvedProvider:
    """``provider`` resolved: one ``providers.get`` and one registry scan.

    ``cfg`` given: that configuration. Otherwise what ``mmcourse.setup()`` resolved (starting the
    emulator if the provider is offline), or, with ``start_emulator=False``, the configuration
    the environment gives now (nothing is started: for building a request without sending it).
    A provider that is already resolved is returned as it is (or with ``cfg`` in its place).
    """
    if isinstance(provider, ResolvedProvider):
        if cfg is None or cfg is provider.config:
            return provider
        return ResolvedProvider(provider.name, provider.module, provider.models, cfg)
    module = providers.get(provider)
    if cfg is None:
        cfg = (sessionmod.ensure_provider(provider, module) if start_emulator
               else configmod.provider_config(provider, module=module))
    return ResolvedProvider(provider, module, tuple(registry.models_for(provider)), cfg)
