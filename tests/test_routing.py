"""Routing: plans made before sending (capability, frames, transcripts, budget), then fallback,
retries and attempt records against the emulator with injected faults."""

from __future__ import annotations

import io
import json
from decimal import Decimal

import pytest
from conftest import make_image, make_mp4, make_wav
from PIL import Image

from mmcourse import config, pricing, registry, tokens
from mmcourse.client import CapabilityError
from mmcourse.media import measure, video
from mmcourse.providers.base import APIError, LiveCallError
from mmcourse.routing import (
    FRAMES,
    NATIVE,
    TASKS,
    TRANSCRIBE,
    TRANSCRIBE_PROMPT,
    BudgetError,
    FrameSettings,
    MediaItem,
    Router,
    RoutingError,
    estimate_route,
    load_media,
    should_fall_back,
    strategy_for,
    transcript_tokens,
)
from tests.conftest import offline_configs


class SleepRecorder:
    """Stands in for time.sleep: records each wait instead of waiting."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
def planner() -> Router:
    """A router for planning only: its configs point nowhere, and planning sends nothing."""
    return Router(offline_configs("http://127.0.0.1:9", "mmcourse-test-plan"))


@pytest.fixture(scope="module")
def mp4() -> bytes:
    return make_mp4(seconds=3, fps=4, size=64)


@pytest.fixture(scope="module")
def wav() -> bytes:
    return make_wav(seconds=2.0)


# ------------------------------------------------------------------------------ the task table


def test_every_task_candidate_is_a_current_registry_model_of_its_provider():
    for task, candidates in TASKS.items():
        for provider, model in candidates:
            assert model in registry.model_ids(provider), (task, model)


# ------------------------------------------------------------------------------ plans


def test_video_goes_to_gemini_natively_with_frame_sampling_fallbacks(planner, mp4):
    plan = planner.route("What happens in this clip?", mp4)

    assert plan.task == "video"
    assert [(r.provider, r.strategy) for r in plan.routes] == [
        ("gemini", NATIVE), ("openai", FRAMES), ("anthropic", FRAMES)]
    assert plan.routes[1].frames == 3  # 3 s at one frame per second
    line = plan.explain()
    assert line.startswith("gemini/gemini-2.5-flash: video input, first choice for 'video' (est. $")
    assert line.endswith("fallbacks: openai/gpt-5.4-mini via 3 sampled frames, "
                         "anthropic/claude-sonnet-4-6 via 3 sampled frames")
    assert "\n" not in line


def test_video_to_a_text_and_image_provider_is_planned_as_frames(planner, mp4):
    plan = planner.route("Describe the clip.", mp4, providers=["openai"])

    assert [(r.label, r.strategy, r.frames) for r in plan.routes] == [
        ("openai/gpt-5.4-mini", FRAMES, 3)]
    assert plan.explain().startswith("openai/gpt-5.4-mini: via 3 sampled frames")


def test_audio_for_claude_is_planned_as_transcribe_then_analyse(planner, wav):
    plan = planner.route("Summarise the meeting.", wav, prefer=["anthropic"])

    first = plan.first
    assert (first.label, first.strategy, first.transcriber) == (
        "anthropic/claude-sonnet-4-6", TRANSCRIBE, ("gemini", "gemini-2.5-flash"))
    assert plan.explain().startswith(
        "anthropic/claude-sonnet-4-6: via a gemini/gemini-2.5-flash transcript")
    # The audio-capable candidates still take the audio natively.
    assert [(r.label, r.strategy) for r in plan.routes[1:]] == [
        ("gemini/gemini-2.5-flash", NATIVE), ("openai/gpt-audio-mini", NATIVE)]


def test_audio_only_models_are_left_out_for_images_with_the_reason(planner):
    plan = planner.route("What is on the receipt?", make_image(), task="summarise_audio")

    assert "openai/gpt-audio-mini" not in [r.label for r in plan.routes]
    assert ("openai/gpt-audio-mini", "gpt-audio-mini does not take image/jpeg") in plan.rejected


def test_strategy_follows_the_provider_modules_mime_lists():
    flac = MediaItem("audio/flac", b"fLaC", seconds=1.0)
    # OpenAI audio models take WAV and MP3 only (input_audio.format), so FLAC needs a transcript.
    assert strategy_for("openai", "gpt-audio-mini", [flac]) == (TRANSCRIBE, "")
    assert strategy_for("gemini", "gemini-2.5-flash", [flac]) == (NATIVE, "")


def test_cost_order_puts_the_cheapest_estimate_first(planner):
    plan = planner.route("Is this a cat?", make_image(), task="describe", order="cost")

    estimates = [r.estimate for r in plan.routes]
    assert estimates == sorted(estimates)
    assert plan.explain().split(": ", 1)[1].startswith("image input, cheapest (est. $")


def test_a_budget_drops_the_routes_it_cannot_afford_and_says_so(planner):
    image = make_image(1024, 768)
    full = planner.route("Describe this.", image, task="describe")
    cheapest = min(r.estimate for r in full.routes)
    budget = cheapest + Decimal("0.000001")

    plan = planner.route("Describe this.", image, task="describe", budget=budget)

    assert all(r.estimate <= budget for r in plan.routes)
    assert len(plan.routes) < len(full.routes)
    assert all("over budget" in why for _, why in plan.rejected)
    assert " under $" in plan.explain()


def test_a_budget_no_candidate_fits_fails_before_sending_with_the_cheapest_and_the_fix(planner):
    with pytest.raises(BudgetError) as caught:
        planner.route("Describe this.", make_image(1600, 1200), budget="0.0001")

    message = str(caught.value)
    assert message.startswith("no candidate fits a $0.0001 budget: cheapest is gemini-2.5-flash at $")
    assert message.endswith("(est.); raise the budget or shrink the image or lower max_output_tokens.")


def test_live_and_offline_providers_are_never_mixed_in_one_plan():
    configs = offline_configs("http://127.0.0.1:9", "k")
    configs["openai"] = config.ProviderConfig(
        "openai", "live", "http://127.0.0.1:9/v1", "OPENAI_API_KEY", "sk-test-not-real")
    plan = Router(configs).route("Describe this.", make_image(), task="describe")

    assert [r.provider for r in plan.routes] == ["openai"]
    assert ("gemini/gemini-2.5-flash", "offline (emulator) while another provider is live") in plan.rejected


def test_unknown_task_names_the_known_ones(planner):
    with pytest.raises(ValueError, match="unknown task 'poetry'; choose one of classify, describe"):
        planner.route("x", task="poetry")


def test_a_request_no_candidate_can_take_says_why(planner):
    bitmap = MediaItem("image/bmp", b"BM", width=8, height=8)  # no provider takes BMP

    with pytest.raises(RoutingError) as caught:
        planner.route("x", bitmap, task="describe")

    assert str(caught.value) == (
        "no candidate for task 'describe' can take image/bmp (gemini/gemini-2.5-flash: "
        "gemini-2.5-flash does not take image/bmp; openai/gpt-5.4-mini: gpt-5.4-mini does not "
        "take image/bmp; anthropic/claude-sonnet-4-6: claude-sonnet-4-6 does not take image/bmp).")


# ------------------------------------------------------------------------------ estimates


def test_frames_are_estimated_as_that_many_images_at_the_sampled_size(mp4):
    media = [load_media(mp4)]
    got = estimate_route("openai", "gpt-5.4-mini", FRAMES, "What happens?", media, 100,
                         frames=FrameSettings(every_s=1.0))
    per_frame = tokens.estimate_image_tokens("openai", "gpt-5.4-mini", 64, 64)
    expected = pricing.cost("gpt-5.4-mini", 3 * per_frame + tokens.estimate_text_tokens("What happens?"), 100)
    assert got == expected


def test_transcribe_then_analyse_is_estimated_as_both_requests(wav):
    media = [load_media(wav)]
    got = estimate_route("anthropic", "claude-sonnet-4-6", TRANSCRIBE, "Summarise.", media, 200,
                         transcriber=("gemini", "gemini-2.5-flash"))
    cap = transcript_tokens(2.0)
    transcribe = pricing.estimate_cost(pricing.CostRequest(
        "gemini", "gemini-2.5-flash", prompt=TRANSCRIBE_PROMPT, audio_seconds=2.0, max_output_tokens=cap))
    analyse = pricing.cost("claude-sonnet-4-6", tokens.estimate_text_tokens("Summarise.") + cap, 200)
    assert got == transcribe.total_usd + analyse


# ------------------------------------------------------------------------------ fallback rules


@pytest.mark.parametrize(("error", "falls_back"), [
    (APIError("anthropic", 529, "overloaded_error", "Overloaded"), True),
    (APIError("openai", 429, "rate_limit_exceeded", "slow down"), True),
    (APIError("gemini", 503, "UNAVAILABLE", "The model is overloaded."), True),
    (APIError("gemini", 504, "DEADLINE_EXCEEDED", "late"), True),
    (LiveCallError("no answer"), True),
    (CapabilityError("gpt-5.4-mini does not accept audio input"), True),
    (APIError("anthropic", 413, "request_too_large", "Request exceeds the maximum size"), True),
    (APIError("openai", 400, "invalid_request_error", "bad image"), False),
    (APIError("anthropic", 401, "authentication_error", "invalid x-api-key"), False),
    (APIError("gemini", 404, "NOT_FOUND", "models/gemini-pro is not found"), False),
])
def test_which_errors_move_on_to_the_next_route(error, falls_back):
    assert should_fall_back(error) is falls_back


# ------------------------------------------------------------------------------ frame sampler


def test_sample_frames_returns_jpegs_at_their_times_shrunk_to_max_edge():
    clip = make_mp4(seconds=3, fps=4, size=64)
    frames = video.sample_frames(clip, every_s=1.0, max_frames=8, max_edge=32)

    assert [t for t, _ in frames] == [0.0, 1.0, 2.0]
    pictures = [Image.open(io.BytesIO(jpeg)) for _, jpeg in frames]
    assert {p.format for p in pictures} == {"JPEG"}
    assert {p.size for p in pictures} == {(32, 32)}
    # make_mp4 paints second n in colour channel n: red, green, blue.
    dominant = [max(range(3), key=lambda c: p.convert("RGB").getpixel((16, 16))[c]) for p in pictures]
    assert dominant == [0, 1, 2]


def test_frame_times_spread_over_the_whole_video_when_capped():
    assert video.frame_times(3.0, every_s=1.0, max_frames=8) == [0.0, 1.0, 2.0]
    assert video.frame_times(60.0, every_s=1.0, max_frames=4) == [0.0, 15.0, 30.0, 45.0]


def test_duration_reads_wav_and_mp4():
    assert measure.av(make_wav(seconds=1.5))["seconds"] == pytest.approx(1.5)
    assert measure.av(make_mp4(seconds=2, fps=4), "video")["seconds"] == pytest.approx(2.0, abs=0.3)


# ------------------------------------------------------------------------------ against the emulator


@pytest.fixture
def isolated(emulator, api_key):
    """Configs sending every provider to the emulator with this test's key (its own scope)."""
    return offline_configs(emulator.base_url.rstrip("/"), api_key)


def test_a_router_without_configs_uses_what_setup_resolves(monkeypatch, emulator, api_key):
    from mmcourse import session
    from mmcourse.emulator.control import EmulatorControl

    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY",
                 "MMCOURSE_MODE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MMCOURSE_EMULATOR_URL", emulator.base_url)
    monkeypatch.setenv("MMCOURSE_SCOPE", api_key)  # the offline key, and so the scope, is ours
    monkeypatch.setattr(session, "_configs", {})
    control = EmulatorControl(emulator.base_url.rstrip("/"),
                              scope=config.scope_of(f"{config.OFFLINE_KEY}-{api_key}"))

    result = Router().ask("Is this a cat?", make_image(), task="describe")

    assert result.route.label == "gemini/gemini-2.5-flash"
    assert [(r["provider"], r["status"]) for r in control.log()] == [("gemini", 200)]


def test_overloaded_primary_twice_lands_on_the_fallback(isolated, control):
    sleep = SleepRecorder()
    router = Router(isolated, retries=1, sleep=sleep)
    control.inject_fault("anthropic", 529, count=2)

    result = router.ask("Compare these two strategies in depth.", task="complex")

    assert result.route.label == "openai/gpt-5.5"
    assert [(a.provider, a.status, a.error_type) for a in result.attempts] == [
        ("anthropic", 529, "overloaded_error"),
        ("anthropic", 529, "overloaded_error"),
        ("openai", 200, None),
    ]
    assert len(sleep.waits) == 1 and sleep.waits[0] == result.attempts[0].wait_s > 0  # one backoff
    assert result.attempts[-1].input_tokens > 0 and result.cost_usd > 0
    wire = [(r["provider"], r["status"]) for r in control.log()]
    assert wire == [("anthropic", 529), ("anthropic", 529), ("openai", 200)]
    table = router.attempts_table().splitlines()
    assert len(table) == 4 and "overloaded_error" in table[1] and table[3].split()[-1] == "ok"


@pytest.mark.parametrize("provider", ["openai", "anthropic", "gemini"])
def test_rate_limit_waits_exactly_the_servers_retry_after_then_retries(isolated, control, provider):
    sleep = SleepRecorder()
    router = Router(isolated, retries=1, sleep=sleep)
    # Whole seconds: Anthropic's retry-after and Gemini's RetryInfo carry integers.
    control.inject_fault(provider, 429, count=1, retry_after=2)

    result = router.ask("Is this a cat?", make_image(), task="describe", prefer=[provider])

    assert result.route.provider == provider
    assert [(a.status, a.wait_s) for a in result.attempts] == [(429, 2.0), (200, 0.0)]
    assert sleep.waits == [2.0]
    assert [r["status"] for r in control.log(provider)] == [429, 200]


def test_video_to_a_text_and_image_provider_reaches_the_wire_as_frames(isolated, control, mp4):
    router = Router(isolated)

    result = router.ask("What happens in this clip?", mp4, task="video", providers=["openai"])

    assert (result.route.label, result.route.strategy) == ("openai/gpt-5.4-mini", FRAMES)
    [record] = control.log()
    assert record["provider"] == "openai" and record["status"] == 200
    assert [m["mime"] for m in record["media"]] == ["image/jpeg"] * 3
    sent = json.dumps(record["request"])
    assert "image_url" in sent and "video/mp4" not in sent
    assert "frames sampled from a video at 0, 1, 2 seconds" in sent


def test_a_budget_no_candidate_fits_sends_nothing(isolated, control):
    router = Router(isolated)
    with pytest.raises(BudgetError):
        router.ask("Describe this.", make_image(1600, 1200), budget=0.0001)
    assert control.log() == []
    assert router.attempts == []


def test_audio_to_claude_goes_through_transcribe_then_analyse(isolated, control, wav):
    router = Router(isolated)

    result = router.ask("Summarise the recording.", wav, task="summarise_audio", prefer=["anthropic"])

    assert (result.route.provider, result.route.strategy) == ("anthropic", TRANSCRIBE)
    assert [(a.step, a.provider) for a in result.attempts] == [
        ("transcribe", "gemini"), ("analyse", "anthropic")]
    first, second = control.log()
    assert first["provider"] == "gemini" and [m["mime"] for m in first["media"]] == ["audio/wav"]
    assert second["provider"] == "anthropic" and second["media"] == []
    [transcript] = result.transcripts
    sent = json.dumps(second["request"])
    assert "Transcript of the audio (2 s, transcribed by gemini/gemini-2.5-flash)" in sent
    assert json.dumps(transcript)[1:-1] in sent  # Gemini's transcript reached Claude verbatim


def test_a_timeout_falls_back_without_waiting_for_the_slow_provider(isolated, control):
    router = Router(isolated, retries=0, timeout=(2.0, 0.3), sleep=SleepRecorder())
    control.inject_fault("gemini", None, latency_ms=1500)

    result = router.ask("Is this a cat?", make_image(), task="describe")

    assert result.route.provider == "openai"
    slow = result.attempts[0]
    assert (slow.provider, slow.status, slow.error_type) == ("gemini", None, "no_response")
    assert slow.latency_s < 1.4


def test_an_invalid_key_is_reported_not_rerouted(isolated, control, api_key):
    configs = dict(isolated)
    configs["gemini"] = config.ProviderConfig(
        "gemini", "offline", isolated["gemini"].base_url, None, api_key + "-invalid")
    router = Router(configs, sleep=SleepRecorder())

    with pytest.raises(RoutingError, match="not rerouted, because the request or the key needs fixing"):
        router.ask("Is this a cat?", make_image(), task="describe")
    assert [(a.provider, a.status) for a in router.attempts] == [("gemini", 400)]


def test_when_every_route_fails_the_error_lists_each_attempt(isolated, control):
    router = Router(isolated, retries=0, sleep=SleepRecorder())
    for provider in ("gemini", "openai", "anthropic"):
        control.inject_fault(provider, 503, count=1)

    with pytest.raises(RoutingError) as caught:
        router.ask("Is this a cat?", make_image(), task="describe")

    error = caught.value
    assert [(a.provider, a.status) for a in error.attempts] == [
        ("gemini", 503), ("openai", 503), ("anthropic", 503)]
    assert str(error).startswith("all 3 routes for task 'describe' failed")
    assert len(str(error).splitlines()) == 1 + 1 + 3  # message, table header, one line per attempt


def test_attempt_records_are_plain_dicts_for_plotting(isolated, control):
    router = Router(isolated, sleep=SleepRecorder())
    control.inject_fault("gemini", 500, count=1)
    router.ask("Is this a cat?", make_image(), task="describe")

    records = router.attempts_records()
    assert [(r["provider"], r["status"], r["ok"]) for r in records] == [
        ("gemini", 500, False), ("gemini", 200, True)]
    assert isinstance(records[1]["cost_usd"], float) and records[1]["cost_usd"] > 0

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = router.plot_attempts()
    assert len(ax.patches) == 2
    plt.close(ax.figure)
