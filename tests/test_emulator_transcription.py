"""OpenAI speech to text in the emulator: ``client.audio.transcriptions`` and raw multipart HTTP.

Facts: OpenAPI ``CreateTranscriptionRequest`` (multipart ``file`` + ``model``; formats; the
gpt-4o transcribe models answer ``json`` only; ``tokens`` vs ``duration`` usage) and the real
25 MB limit's 413 "Maximum content size limit (26214400) exceeded (N bytes read)".
"""

from __future__ import annotations

import pytest
import requests

from mmcourse import datasets
from mmcourse.emulator.answers import UNKNOWN_PREFIX
from tests.sdks import need

MEETING = "audio/meeting_excerpt.wav"
VOICEMAIL_FLAC = "audio/delivery_voicemail.flac"




def recording(rel: str) -> tuple[str, bytes]:
    return rel.rsplit("/", 1)[1], datasets.path(rel).read_bytes()


def truth(rel: str) -> dict:
    return datasets.entry(rel)["truth"]


def test_whisper_json_gives_the_recording_transcript(oai):
    result = oai.audio.transcriptions.create(model="whisper-1", file=recording(MEETING))
    assert result.text == truth(MEETING)["transcript"]


def test_flac_recording_is_recognised_too(oai):
    result = oai.audio.transcriptions.create(model="gpt-4o-mini-transcribe", file=recording(VOICEMAIL_FLAC))
    assert result.text == truth(VOICEMAIL_FLAC)["transcript"]


def test_whisper_usage_is_duration_and_gpt4o_usage_is_tokens(origin, api_key):
    name, data = recording(MEETING)
    headers = {"Authorization": f"Bearer {api_key}"}
    whisper = requests.post(f"{origin}/v1/audio/transcriptions", headers=headers, timeout=30,
                            files={"file": (name, data, "audio/wav")}, data={"model": "whisper-1"}).json()
    gpt4o = requests.post(f"{origin}/v1/audio/transcriptions", headers=headers, timeout=30,
                          files={"file": (name, data, "audio/wav")}, data={"model": "gpt-4o-transcribe"}).json()
    assert whisper["usage"] == {"type": "duration", "seconds": 19}  # an 18.9 s recording
    assert gpt4o["usage"]["type"] == "tokens"
    details = gpt4o["usage"]["input_token_details"]
    assert gpt4o["usage"]["input_tokens"] == details["audio_tokens"] + details["text_tokens"] > 0
    assert gpt4o["usage"]["total_tokens"] == gpt4o["usage"]["input_tokens"] + gpt4o["usage"]["output_tokens"]


def test_text_format_is_the_bare_transcript(oai):
    text = oai.audio.transcriptions.create(model="whisper-1", file=recording(MEETING), response_format="text")
    assert text.strip() == truth(MEETING)["transcript"]


def test_verbose_json_carries_the_recorded_segments(oai):
    result = oai.audio.transcriptions.create(model="whisper-1", file=recording(MEETING),
                                             response_format="verbose_json")
    segments = truth(MEETING)["segments"]
    assert result.language == "english" and result.duration == pytest.approx(18.91, abs=0.01)
    assert [s.start for s in result.segments] == [s["start"] for s in segments]
    assert [s.text.strip() for s in result.segments] == [s["text"] for s in segments]


def test_word_timestamps_stay_inside_the_recording(oai):
    result = oai.audio.transcriptions.create(model="whisper-1", file=recording(MEETING),
                                             response_format="verbose_json", timestamp_granularities=["word"])
    assert len(result.words) == len(truth(MEETING)["transcript"].split())
    assert 0 <= result.words[0].start <= result.words[-1].end <= result.duration


def test_srt_and_vtt_are_timed_cues(oai):
    srt = oai.audio.transcriptions.create(model="whisper-1", file=recording(VOICEMAIL_FLAC), response_format="srt")
    vtt = oai.audio.transcriptions.create(model="whisper-1", file=recording(VOICEMAIL_FLAC), response_format="vtt")
    assert srt.startswith("1\n00:00:00,250 --> 00:00:16,990\n")
    assert vtt.startswith("WEBVTT\n\n00:00:00.250 --> 00:00:16.990\n")


def test_gpt4o_transcribe_refuses_formats_other_than_json(oai):
    openai = need("openai")
    with pytest.raises(openai.BadRequestError) as err:
        oai.audio.transcriptions.create(model="gpt-4o-transcribe", file=recording(MEETING), response_format="srt")
    assert err.value.param == "response_format"


def test_gpt4o_transcription_streams_deltas_then_done(oai):
    stream = oai.audio.transcriptions.create(model="gpt-4o-transcribe", file=recording(MEETING), stream=True)
    events = list(stream)
    assert events[-1].type == "transcript.text.done"
    assert "".join(e.delta for e in events if e.type == "transcript.text.delta") == events[-1].text


def test_unknown_audio_says_so(oai, wav_bytes):
    result = oai.audio.transcriptions.create(model="whisper-1", file=("tone.wav", wav_bytes))
    assert result.text.startswith(UNKNOWN_PREFIX)
    assert "1.0 s" in result.text


def test_body_over_25_mb_is_413_with_the_bytes_read(origin, api_key):
    big = b"RIFF" + b"\0" * 26_214_400
    r = requests.post(f"{origin}/v1/audio/transcriptions", headers={"Authorization": f"Bearer {api_key}"},
                      files={"file": ("big.wav", big, "audio/wav")}, data={"model": "whisper-1"}, timeout=60)
    assert r.status_code == 413
    message = r.json()["error"]["message"]
    assert message.startswith("Maximum content size limit (26214400) exceeded (")
    assert message.endswith(" bytes read)")


def test_unsupported_extension_is_rejected(oai):
    openai = need("openai")
    with pytest.raises(openai.BadRequestError) as err:
        oai.audio.transcriptions.create(model="whisper-1", file=("clip.bin", b"\0" * 100))
    assert err.value.body["message"] == "Unsupported file format bin"


def test_missing_model_is_a_missing_parameter(origin, api_key):
    name, data = recording(MEETING)
    r = requests.post(f"{origin}/v1/audio/transcriptions", headers={"Authorization": f"Bearer {api_key}"},
                      files={"file": (name, data, "audio/wav")}, timeout=30)
    assert r.status_code == 400 and r.json()["error"]["code"] == "missing_required_parameter"


def test_json_body_instead_of_a_form_is_rejected_with_the_fix(origin, api_key):
    r = requests.post(f"{origin}/v1/audio/transcriptions", headers={"Authorization": f"Bearer {api_key}"},
                      json={"model": "whisper-1", "file": "audio.wav"}, timeout=30)
    assert r.status_code == 400 and "multipart/form-data" in r.json()["error"]["message"]


def test_the_log_records_the_form_without_the_audio_bytes(oai, control):
    oai.audio.transcriptions.create(model="whisper-1", file=recording(MEETING))
    record = [r for r in control.log("openai") if r["path"] == "/v1/audio/transcriptions"][-1]
    assert record["request"]["model"] == "whisper-1"
    assert record["request"]["file"]["filename"] == "meeting_excerpt.wav"
    assert record["media"][0]["sha256"] == datasets.entry(MEETING)["sha256"]
