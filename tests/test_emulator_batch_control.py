"""``EmulatorControl``'s batch clock and batch outcomes (``/_mmcourse/batches``): what a lesson
calls to run a batch offline without waiting, and to see an expired one."""

from __future__ import annotations

import requests

from mmcourse import registry

PARAMS = {"model": registry.default_model("anthropic"), "max_tokens": 20,
          "messages": [{"role": "user", "content": "What is 2 + 2?"}]}


def _claude_batch(origin: str, api_key: str) -> dict:
    headers = {"x-api-key": api_key, "anthropic-version": "2023-06-01"}
    r = requests.post(f"{origin}/v1/messages/batches", headers=headers, timeout=30,
                      json={"requests": [{"custom_id": "q1", "params": PARAMS}]})
    assert r.status_code == 200, r.text
    return requests.get(f"{origin}/v1/messages/batches/{r.json()['id']}", headers=headers, timeout=30).json()


def test_a_zero_clock_ends_the_next_batch_at_once(origin, api_key, control):
    summary = control.set_batch_clock(0)
    assert summary["seconds_per_stage"] == 0
    assert _claude_batch(origin, api_key)["processing_status"] == "ended"


def test_a_slow_clock_keeps_the_next_batch_in_progress(origin, api_key, control):
    control.set_batch_clock(3600)
    assert _claude_batch(origin, api_key)["processing_status"] == "in_progress"


def test_a_queued_outcome_expires_the_next_batch_of_that_provider(origin, api_key, control):
    control.set_batch_clock(0)
    summary = control.queue_batch_outcome("anthropic", "expired")
    assert summary["queued_outcomes"] == {"anthropic": ["expired"]}
    batch = _claude_batch(origin, api_key)
    assert batch["request_counts"]["expired"] == 1
    assert _claude_batch(origin, api_key)["request_counts"]["succeeded"] == 1
