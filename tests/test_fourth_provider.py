"""A fourth provider in three files (its module, its emulator wire, this test), and nothing else
changed: the registry, the config, the client and the emulator serve it through their
extension points (``providers.register``, ``registry.register``, ``app.register_wire``)."""

from __future__ import annotations

import pytest

from mmcourse import client as clientmod
from mmcourse import config, providers, registry
from mmcourse.emulator import app as emulator_app
from mmcourse.emulator.control import EmulatorControl
from tests.conftest import make_image, scope_of
from tests.fourth_provider import provider as echo
from tests.fourth_provider import wire as echo_wire

ECHO_MODEL = registry.Model("echo-1", "echo", "Echo 1", "2026-12-01",
                            frozenset({registry.TEXT, registry.IMAGE}))


@pytest.fixture
def echo_served(monkeypatch):
    """Echo registered for this test only: every table is a copy, put back afterwards."""
    monkeypatch.setattr(providers, "MODULES", dict(providers.MODULES))
    monkeypatch.setattr(registry, "MODELS", list(registry.MODELS))
    monkeypatch.setattr(registry, "_BY_ID", dict(registry._BY_ID))
    monkeypatch.setattr(registry, "DEFAULTS", dict(registry.DEFAULTS))
    monkeypatch.setattr(emulator_app, "WIRES", list(emulator_app.WIRES))
    monkeypatch.setattr(emulator_app, "_OWNED", list(emulator_app._OWNED))
    providers.register(echo)
    registry.register(ECHO_MODEL, default="echo-1")
    emulator_app.register_wire(echo_wire.WIRE)


@pytest.fixture
def echo_cfg(echo_served, origin, api_key) -> config.ProviderConfig:
    cfg = config.provider_config("echo", env={"MMCOURSE_MODE": "offline"}, dotenv={}, origin=origin)
    return config.ProviderConfig("echo", "offline", cfg.base_url, None, api_key)


def test_the_registry_and_the_config_know_the_new_provider(echo_cfg, origin):
    assert registry.default_model("echo") == "echo-1"
    assert providers.get("echo") is echo
    assert echo_cfg.base_url == origin  # the emulator serves it at the shared origin


def test_the_client_sends_it_and_the_emulator_answers_from_ground_truth(echo_cfg):
    from mmcourse import datasets

    request = clientmod.build("echo", "What animal is in the photo?", datasets.path("photos/chelsea.jpg"),
                              cfg=echo_cfg)
    assert request.url.endswith("/echo/v1/answer") and request.json["input"][0]["image"]["mime"] == "image/jpeg"
    answer = clientmod.Client(max_retries=0).complete(request)
    assert answer.provider == "echo" and "cat" in answer.text.lower()
    assert answer.usage.input_tokens > echo_wire.IMAGE_TOKENS


def test_its_errors_come_in_its_own_shape_and_reach_the_learner_typed(echo_cfg):
    request = clientmod.build("echo", "hi", cfg=echo_cfg)
    request.json["model"] = "echo-0"
    with pytest.raises(providers.APIError) as caught:
        clientmod.Client(max_retries=0).complete(request)
    assert (caught.value.provider, caught.value.status, caught.value.error_type) == ("echo", 404, "no_model")


def test_the_emulator_logs_it_and_injects_its_faults(echo_cfg, origin, api_key):
    control = EmulatorControl(origin, scope=scope_of(api_key))
    control.inject_fault("echo", 503, count=1)
    request = clientmod.build("echo", "What is 2+2?", make_image(), cfg=echo_cfg)
    answer = clientmod.Client(max_retries=1, sleep=lambda s: None).complete(request)
    assert "4" in answer.text
    assert [r["status"] for r in sorted(control.log("echo"), key=lambda r: r["seq"])] == [503, 200]


def test_a_module_missing_part_of_the_contract_is_refused_by_name(echo_served):
    import types

    half = types.ModuleType("half")
    half.NAME = "half"
    with pytest.raises(TypeError, match="build_request"):
        providers.register(half)
    with pytest.raises(TypeError, match="new_request_id"):
        emulator_app.register_wire(types.SimpleNamespace(name="half", owns_paths=(), marker_headers=(), routes=[]))
