"""A provider is resolved once per call: ``mmcourse.ask``, the client and the router look its name
up one time and hand the resolved object along (mmcourse.resolved)."""

from __future__ import annotations

import uuid

import pytest

import mmcourse
from mmcourse import client as clientmod
from mmcourse import providers, registry, resolved, session
from mmcourse.routing import Router
from tests.conftest import make_image, offline_configs


@pytest.fixture
def offline(origin, monkeypatch):
    """The course pointed at the test emulator, offline, in a scope of this test's own."""
    for var in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY", "MMCOURSE_MODE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("MMCOURSE_EMULATOR_URL", origin)
    monkeypatch.setenv("MMCOURSE_SCOPE", uuid.uuid4().hex[:8])
    monkeypatch.setattr(session, "_configs", {})
    mmcourse.setup(quiet=True)
    yield
    session._configs.clear()


@pytest.fixture
def lookups(monkeypatch) -> list[str]:
    """Every ``providers.get`` name lookup made from now on, in order."""
    seen: list[str] = []
    real = providers.get

    def spy(name: str):
        seen.append(name)
        return real(name)

    monkeypatch.setattr(providers, "get", spy)
    return seen


@pytest.mark.parametrize("provider", ["openai", "anthropic", "gemini"])
def test_one_ask_looks_its_provider_up_once(offline, lookups, provider):
    answer = mmcourse.ask(provider, "Describe this image.", make_image())
    assert answer.text
    assert lookups == [provider]


def test_one_streamed_ask_looks_its_provider_up_once(offline, lookups):
    assert "".join(mmcourse.ask("anthropic", "What is 2+2?", stream=True))
    assert lookups == ["anthropic"]


def test_one_ask_resolves_once_and_hands_the_same_object_to_the_client(offline, monkeypatch):
    made: list[resolved.ResolvedProvider] = []
    real = resolved.resolve

    def spy(provider, cfg=None, **kwargs):
        result = real(provider, cfg, **kwargs)
        if not isinstance(provider, resolved.ResolvedProvider):
            made.append(result)
        return result

    monkeypatch.setattr(clientmod, "resolve", spy)
    handed: list[object] = []
    real_complete = clientmod.Client.complete

    def complete(self, request, provider=None):
        handed.append(provider)
        return real_complete(self, request, provider)

    monkeypatch.setattr(clientmod.Client, "complete", complete)
    mmcourse.ask("gemini", "What is 2+2?")
    assert len(made) == 1 and handed == made


def test_a_router_step_looks_its_provider_up_once_for_all_its_retries(origin, api_key, control, lookups):
    control.inject_fault("openai", 503, count=1)
    router = Router(offline_configs(origin, api_key), tasks={"describe": [("openai", "gpt-4o-mini")]},
                    retries=1, sleep=lambda s: None)
    plan = router.route("Describe this image.", make_image(), task="describe")
    lookups.clear()  # planning reads the wire facts; this counts sending
    result = router.run(plan)
    assert [a.status for a in result.attempts] == [503, 200]
    assert lookups == ["openai"]


def test_the_resolved_provider_carries_module_facts_models_and_configuration(offline):
    spec = resolved.resolve("anthropic")
    assert spec.module is providers.get("anthropic")
    assert spec.facts is spec.module.WIRE_FACTS
    assert {m.id for m in spec.models} == set(registry.model_ids("anthropic"))
    assert spec.config is session.current()["anthropic"] and spec.offline
    assert spec.default_model() == registry.default_model("anthropic")


def test_resolving_a_resolved_provider_returns_it_without_a_lookup(offline, lookups):
    spec = resolved.resolve("openai")
    lookups.clear()
    assert resolved.resolve(spec) is spec
    assert clientmod.build(spec, "hi").provider == "openai"
    assert lookups == []


def test_an_unknown_provider_name_is_refused_with_the_choices(offline):
    with pytest.raises(ValueError, match="unknown provider 'opnai'.*openai"):
        mmcourse.ask("opnai", "hi")
