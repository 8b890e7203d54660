"""A fault is one dataclass (mmcourse.emulator.state.Fault), which is also the admin endpoint's
JSON: its schema is served, unknown fields are refused by name, and the wires read it whole."""

from __future__ import annotations

import dataclasses

import pytest
import requests

from mmcourse.emulator.state import Fault


def test_the_admin_schema_is_the_dataclass(origin):
    schema = requests.get(f"{origin}/_mmcourse/faults/schema", timeout=10).json()
    assert set(schema["properties"]) == {f.name for f in dataclasses.fields(Fault)} | {"provider", "count"}
    assert schema["additionalProperties"] is False and schema["required"] == ["provider"]


def test_an_unknown_fault_field_is_refused_by_name(control):
    with pytest.raises(Exception, match="latency_seconds"):
        control._call("POST", "faults", {"provider": "openai", "status": 500, "latency_seconds": 2})


@pytest.mark.parametrize("fields", [{"status": 200}, {"status": True}, {"latency_ms": -1},
                                    {"status": 500, "retry_after": "soon"}, {}])
def test_a_fault_that_cannot_happen_is_refused(fields):
    with pytest.raises(ValueError):
        Fault.from_json(fields)


def test_a_fault_reaches_the_wire_whole(control, origin, api_key):
    control.inject_fault("anthropic", 529, count=1, retry_after=0.25)
    resp = requests.post(f"{origin}/v1/messages", timeout=10,
                         headers={"x-api-key": api_key, "anthropic-version": "2023-06-01"},
                         json={"model": "claude-sonnet-4-6", "max_tokens": 10,
                               "messages": [{"role": "user", "content": "hi"}]})
    assert resp.status_code == 529 and resp.json()["error"]["type"] == "overloaded_error"
    assert resp.headers["retry-after-ms"] == "250"
