"""setup(), ask() and the file APIs end to end against the emulator (offline mode)."""

from __future__ import annotations

import uuid

import pytest

import mmcourse
from mmcourse import files, session
from mmcourse.config import offline_key, scope_of
from mmcourse.emulator.control import EmulatorControl
from tests.conftest import make_image, make_mp4, make_pdf


@pytest.fixture
def offline(origin, monkeypatch):
    """Point the course at the test emulator, offline, in a scope of this test's own."""
    scope = uuid.uuid4().hex[:8]
    for var in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY", "MMCOURSE_MODE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("MMCOURSE_EMULATOR_URL", origin)
    monkeypatch.setenv("MMCOURSE_SCOPE", scope)
    monkeypatch.setattr(session, "_configs", {})
    control = EmulatorControl(origin, scope=scope_of(offline_key({"MMCOURSE_SCOPE": scope})))
    yield control
    session._configs.clear()


def test_setup_prints_one_honest_line_per_provider(offline, origin, capsys):
    configs = mmcourse.setup()
    lines = capsys.readouterr().out.strip().splitlines()
    assert [line.split()[0] for line in lines] == ["openai", "anthropic", "gemini"]
    assert all("offline" in line and "not a model" in line for line in lines)
    assert configs["openai"].base_url == origin + "/v1"


@pytest.mark.parametrize("provider", ["openai", "anthropic", "gemini"])
def test_ask_reaches_the_emulator_in_this_scope(offline, provider, tmp_path):
    image = tmp_path / "shapes.png"
    image.write_bytes(make_image(fmt="PNG", seed=2))
    answer = mmcourse.ask(provider, "Describe this image.", image)
    assert answer.text and answer.usage.input_tokens > 0
    records = offline.log(provider=provider)
    assert len(records) == 1 and records[0]["verdict"] == "accepted"
    assert records[0]["media"][0]["mime"] == "image/png"


@pytest.mark.parametrize("provider", ["openai", "anthropic", "gemini"])
def test_streaming_yields_the_same_text_as_a_plain_call(offline, provider):
    whole = mmcourse.ask(provider, "What is 2+2?").text
    streamed = list(mmcourse.ask(provider, "What is 2+2?", stream=True))
    assert len(streamed) >= 1
    assert "".join(streamed) == whole


def test_ask_raises_the_providers_typed_error(offline):
    offline.inject_fault("anthropic", 529, count=3)
    with pytest.raises(mmcourse.APIError) as info:
        mmcourse.ask("anthropic", "hi", client=mmcourse.Client(max_retries=2, sleep=lambda s: None))
    assert info.value.status == 529 and info.value.error_type == "overloaded_error"


def test_ask_retries_through_injected_429(offline):
    offline.inject_fault("openai", 429, count=1, retry_after=1)
    waits = []
    answer = mmcourse.ask("openai", "hi", client=mmcourse.Client(sleep=waits.append))
    assert answer.text and waits == [1.0]
    assert [r["status"] for r in offline.log(provider="openai")] == [429, 200]


def test_gemini_resumable_upload_in_chunks_then_active(offline, tmp_path):
    video = tmp_path / "clip.mp4"
    video.write_bytes(make_mp4(seconds=2))
    file = files.upload_gemini(video, chunk_size=1024, poll_seconds=0.1)
    assert file["state"] == "ACTIVE" and file["mimeType"] == "video/mp4"
    assert file["sizeBytes"] == str(video.stat().st_size)
    ref = files.upload("gemini", video, chunk_size=4096, poll_seconds=0.1)
    answer = mmcourse.ask("gemini", "Describe this video.", ref)
    assert answer.text


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
def test_multipart_upload_returns_a_usable_file_id(offline, provider, tmp_path):
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(make_pdf())
    ref = files.upload(provider, pdf)
    assert ref.ref.startswith("file") and ref.mime == "application/pdf"
    answer = mmcourse.ask(provider, "Summarise this document.", ref)
    assert answer.text


def test_upload_unknown_provider_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="has no file API"):
        files.upload("local", tmp_path / "x.pdf")
