"""The learner's check(), hint() and the helpers tests use (expect, last_request)."""

from __future__ import annotations

import importlib

import pytest

from mmcourse.config import ProviderConfig
from mmcourse.grading.check import (
    card_markdown,
    check,
    format_report,
    hint,
    offline_providers,
    register,
    run_checks,
    use_rich_output,
)
from mmcourse.grading.exercise import Exercise, encode_spec
from mmcourse.grading.testing import expect, outcome

# The package exports the function check(), which shadows the module of the same name.
check_module = importlib.import_module("mmcourse.grading.check")
SPEC = encode_spec(Exercise(id="ex-t", title="Triple", points=2, difficulty="easy",
                            instructions="Write `triple(x)`.", hints=["Multiply.", "By three."]))


@pytest.fixture(autouse=True)
def plain_and_fresh(monkeypatch):
    monkeypatch.setenv("MMCOURSE_PLAIN", "1")
    monkeypatch.setattr(check_module, "_exercises", {})


def learner(code: str) -> dict:
    """A learner namespace with the check cell's tests defined in it."""
    ns: dict = {"expect": expect}
    exec(compile(code, "<learner cell>", "exec"), ns)  # IPython gives every cell its own file name
    exec(compile("def test_small():\n    expect(triple(2), 6)\n\n"
                 "def test_negative():\n    assert triple(-1) == -3, 'triple(-1) should be -3'\n",
                 "<check cell>", "exec"), ns)
    return ns


def run(ns, capsys) -> str:
    register("ex-t", SPEC)
    check("ex-t", ns["test_small"], ns["test_negative"])
    return capsys.readouterr().out


def test_all_passing_says_so(capsys):
    out = run(learner("def triple(x):\n    return 3 * x"), capsys)
    assert out.splitlines()[0] == "ex-t · Triple · 2 points"
    assert "✓ test_small" in out and "All 2 visible tests passed" in out


def test_a_failure_says_which_test_and_why(capsys):
    out = run(learner("def triple(x):\n    return 3 * x if x > 0 else 0"), capsys)
    assert "✗ test_negative: triple(-1) should be -3" in out
    assert '1 of 2 visible tests passed. hint("ex-t") shows a hint.' in out


def test_an_error_in_the_learner_code_names_it_and_its_line(capsys):
    out = run(learner("def triple(x):\n    y = 1\n    return x / 0"), capsys)
    assert "ZeroDivisionError: division by zero (line 3 of your triple())" in out
    assert "Traceback" not in out


def test_the_starter_is_not_attempted_without_a_traceback(capsys):
    out = run(learner('def triple(x):\n    raise NotImplementedError("ex-t: write your code here")'), capsys)
    assert "not attempted yet" in out and "Traceback" not in out


def test_undefined_names_are_not_attempted(capsys):
    out = run(learner(""), capsys)
    assert "not attempted yet" in out


def test_check_reruns_the_registered_tests_against_current_code(capsys):
    ns = learner("def triple(x):\n    return 0")
    run(ns, capsys)
    exec("def triple(x):\n    return 3 * x", ns)
    check("ex-t")
    assert "All 2 visible tests passed" in capsys.readouterr().out


def test_check_before_the_check_cell_ran_explains_what_to_do(capsys):
    check("ex-unknown")
    assert 'Run the check cell of "ex-unknown"' in capsys.readouterr().out


def test_hints_come_one_at_a_time(capsys):
    register("ex-t", SPEC)
    for _ in range(3):
        hint("ex-t")
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "Hint 1 of 2 for ex-t: Multiply."
    assert lines[1] == "Hint 2 of 2 for ex-t: By three."
    assert lines[2] == "ex-t: that was the last hint. All hints:"


def test_plain_text_outside_a_kernel(monkeypatch):
    monkeypatch.delenv("MMCOURSE_PLAIN")
    assert use_rich_output() is False  # pytest is not a Jupyter kernel


def test_the_card_is_static_markdown_with_hints_behind_toggles():
    register("ex-t", SPEC)
    ns = learner("def triple(x):\n    return 0")
    card = card_markdown("ex-t", check_module._exercises["ex-t"]["spec"], run_checks("ex-t", [ns["test_small"]]))
    assert "0 of 1 visible tests passed" in card
    assert "<details><summary>Hint 1 of 2</summary>\n\nMultiply.\n\n</details>" in card
    assert "Write `triple(x)`" not in card, "the card does not repeat the exercise statement above it"
    assert "ipywidgets" not in card and "model_id" not in card


def test_a_passed_card_shows_no_hints():
    register("ex-t", SPEC)
    ns = learner("def triple(x):\n    return 3 * x")
    card = card_markdown("ex-t", check_module._exercises["ex-t"]["spec"], run_checks("ex-t", [ns["test_small"]]))
    assert "All 1 visible tests passed" in card and "<details>" not in card


def test_each_check_restarts_the_hints(capsys):
    ns = learner("def triple(x):\n    return 0")
    run(ns, capsys)
    hint("ex-t")
    hint("ex-t")
    check("ex-t")
    capsys.readouterr()
    hint("ex-t")
    assert capsys.readouterr().out.startswith("Hint 1 of 2 for ex-t")


def test_a_starter_caught_as_runtime_error_is_not_attempted_not_failed(capsys):
    # NotImplementedError is a RuntimeError: a test of error handling that catches RuntimeError
    # must not turn the untouched starter into a failed (or passed) test.
    ns = learner('def triple(x):\n    raise NotImplementedError("ex-t: write your code here")')
    exec(compile("def test_raises():\n    try:\n        triple(-1)\n    except RuntimeError as exc:\n"
                 "        assert 'negative' in str(exc), 'say why'\n        return\n"
                 "    raise AssertionError('should raise')\n", "<check cell>", "exec"), ns)
    register("ex-t", SPEC)
    check("ex-t", ns["test_raises"])
    out = capsys.readouterr().out
    assert "not attempted yet" in out and "✗" not in out


def _live(provider):
    return ProviderConfig(provider, "live", "https://api.invalid", "OPENAI_API_KEY", "sk-not-a-real-key")


def test_offline_providers_swaps_live_settings_and_puts_them_back(monkeypatch):
    monkeypatch.setenv("MMCOURSE_EMULATOR_URL", "http://127.0.0.1:9")
    conf = {"openai": _live("openai"), "gemini": _live("gemini"), "note": "not a setting"}
    namespace = {"conf": conf, "GEMINI": conf["gemini"], "x": 3}
    originals = dict(conf)
    with offline_providers(namespace):
        assert conf["openai"].offline and conf["openai"].base_url == "http://127.0.0.1:9/v1"
        assert namespace["GEMINI"].offline and namespace["GEMINI"].base_url == "http://127.0.0.1:9"
        assert conf["note"] == "not a setting" and namespace["x"] == 3
    assert conf == originals and namespace["GEMINI"] is originals["gemini"]


def test_visible_tests_see_offline_settings_whatever_the_learner_mode(monkeypatch):
    monkeypatch.setenv("MMCOURSE_EMULATOR_URL", "http://127.0.0.1:9")
    ns = {"conf": {"anthropic": _live("anthropic")}}
    exec(compile("def test_mode():\n    assert conf['anthropic'].offline, 'still live'\n", "<check cell>", "exec"), ns)
    (result,) = run_checks("ex-t", [ns["test_mode"]])
    assert result["status"] == "passed", result
    assert not ns["conf"]["anthropic"].offline


def test_format_report_counts_only_passes():
    results = [{"name": "test_a", "status": "passed", "message": ""},
               {"name": "test_b", "status": "error", "message": "KeyError: 'x'"}]
    report = format_report("ex-t", {"title": "T", "points": 1.0, "hints": []}, results)
    assert report.splitlines()[-1] == "1 of 2 visible tests passed."


# --- expect: equality that look-alike objects cannot fake -------------------------------------


class AlwaysEqual:
    def __eq__(self, other):
        return True


class FloatThatAgrees(float):
    def __eq__(self, other):
        return True


@pytest.mark.parametrize("fake", [AlwaysEqual(), FloatThatAgrees(0.0), "2.0", True])
def test_expect_rejects_look_alikes_of_a_number(fake):
    with pytest.raises(AssertionError, match="expected the number 2.0"):
        expect(fake, 2.0)


def test_expect_rejects_a_dict_subclass_that_claims_equality():
    class AgreeingDict(dict):
        def __eq__(self, other):
            return True

    with pytest.raises(AssertionError, match="expected a dict"):
        expect(AgreeingDict(), {"a": 1})


def test_expect_compares_floats_with_tolerance_and_ints_exactly():
    expect(0.1 + 0.2, 0.3)
    expect(2, 2.0)
    with pytest.raises(AssertionError, match="expected 3, got 4"):
        expect(4, 3)


def test_expect_points_at_the_first_difference():
    with pytest.raises(AssertionError, match=r"result\['b'\]\[1\]: expected 2, got 5"):
        expect({"a": [1], "b": [1, 5]}, {"a": [1], "b": [1, 2]})
    with pytest.raises(AssertionError, match=r"missing \['b'\]"):
        expect({"a": 1}, {"a": 1, "b": 2})


def test_a_hidden_test_failure_never_quotes_the_test_source():
    source = "def test_secret():\n    assert mean([7, 9]) == 8\n"
    ns = {"mean": lambda xs: 0}
    exec(compile(source, "<hidden>", "exec"), ns)
    try:
        ns["test_secret"]()
    except AssertionError as exc:
        exc.__traceback__ = exc.__traceback__.tb_next  # start at the test, as the harness sees it
        hidden = outcome(exc, test_file="<hidden>", test_source=source, show_source=False)
        visible = outcome(exc, test_file="<hidden>", test_source=source, show_source=True)
    assert hidden == {"status": "failed", "message": "a check failed"}
    assert visible["message"] == "check failed: assert mean([7, 9]) == 8"


# --- last_request: what reached the emulator ---------------------------------------------------


def test_last_request_returns_this_learners_latest_request(monkeypatch):
    pytest.importorskip("mmcourse.emulator.control", reason="the emulator's control client is not built yet")
    emulator = pytest.importorskip("mmcourse.emulator")
    if not hasattr(emulator, "start"):
        pytest.skip("mmcourse.emulator.start is not built yet")
    import requests

    from mmcourse.grading.testing import last_request

    monkeypatch.setenv("MMCOURSE_SCOPE", "grading-test-learner")
    with emulator.start(port=0) as server:
        origin = server.base_url.rstrip("/")
        monkeypatch.setenv("MMCOURSE_EMULATOR_URL", origin)
        assert last_request("anthropic") is None
        key = "mmcourse-offline-grading-test-learner"
        for text in ("first", "second"):
            requests.post(f"{origin}/v1/messages", timeout=30, json={
                "model": "claude-sonnet-4-5", "max_tokens": 16,
                "messages": [{"role": "user", "content": text}],
            }, headers={"x-api-key": key, "anthropic-version": "2023-06-01"})
        record = last_request("anthropic")
    assert record["provider"] == "anthropic"
    assert record["request"]["messages"][0]["content"] == "second"
