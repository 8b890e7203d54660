"""Spoken English clips synthesised offline with eSpeak NG (via the espeakng-loader wheel).

eSpeak NG writes 22,050 Hz mono 16-bit audio; we low-pass and resample it to 16 kHz (the rate
speech APIs expect) with NumPy, and record the exact text passed to the synthesiser as the
transcript. espeakng-loader is a build-only dependency, loaded inside `Synthesiser`.

libespeak-ng keeps waveform state (phase, flutter, noise) in globals that neither
espeak_Terminate nor a new espeak_Initialize resets, so the same text spoken twice in one
process gives different samples. For byte-for-byte rebuilds each clip is therefore spoken in a
fresh child process (`python -m mmcourse.databuild.speech`), always from the same start state.
"""

from __future__ import annotations

import ctypes
import functools
import io
import json
import os
import subprocess
import sys
import wave
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .artifacts import Artifact, generated_source, write_bytes

TARGET_RATE = 16_000
PAUSE_S = 0.45  # silence between speaker turns
EDGE_S = 0.25  # silence at the start and end of a clip
RAND_SEED = 2025

# espeak_ng constants (speak_lib.h)
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_PARAM_RATE = 1
_PARAM_PITCH = 3

# Voices: eSpeak voice name, words per minute, pitch (0-100).
VOICES = {
    "Maya": ("en-us+f3", 165, 55),
    "Tom": ("en-us", 160, 40),
    "Daniel": ("en+m3", 160, 45),
}

CLIPS: list[dict[str, Any]] = [
    {
        "path": "audio/meeting_excerpt.wav",
        "turns": [
            ("Maya", "Okay, let's wrap up. We agreed to move the launch to April fourteenth."),
            ("Tom", "Yes. And we keep the price at twenty nine dollars."),
            ("Maya", "Tom, please send the updated plan to the team by Friday."),
            ("Tom", "Will do. Maya, can you book the venue by next Wednesday?"),
            ("Maya", "Sure, I will book it."),
        ],
        "summary": "Maya and Tom close a launch meeting: the launch moves to April 14 and the "
        "price stays at $29; Tom will send the updated plan by Friday and Maya will book the "
        "venue by next Wednesday.",
        "decisions": ["Move the launch to April 14", "Keep the price at $29"],
        "action_items": [
            {"owner": "Tom", "task": "Send the updated plan to the team", "due": "Friday"},
            {"owner": "Maya", "task": "Book the venue", "due": "next Wednesday"},
        ],
    },
    {
        "path": "audio/delivery_voicemail.wav",
        "flac_copy": "audio/delivery_voicemail.flac",
        "turns": [
            ("Daniel", "Hi, this is Daniel from Northwind Deliveries. Your order, number four "
             "eight one seven, will arrive on Thursday between two and four in the afternoon. "
             "If that time does not work, please call us back on five five five, zero one "
             "nine two. Thanks, and have a good day."),
        ],
        "summary": "Daniel from Northwind Deliveries says order 4817 will arrive on Thursday "
        "between 2 and 4 pm, and asks the listener to call 555-0192 if that time does not work.",
        "decisions": [],
        "action_items": [
            {"owner": "listener", "task": "Call Northwind Deliveries on 555-0192 if the "
             "Thursday 2-4 pm delivery window does not work", "due": "before Thursday"},
        ],
    },
]


class Synthesiser:
    """A thin ctypes wrapper over libespeak-ng in synchronous mode (one per process is enough)."""

    def __init__(self) -> None:
        try:
            import espeakng_loader  # build-only dependency (the `data` extra)
        except ImportError as exc:
            raise ImportError(
                "building the speech clips needs espeakng-loader: pip install 'mmcourse[data]' "
                "(or pip install espeakng-loader)"
            ) from exc
        self._lib = ctypes.CDLL(espeakng_loader.get_library_path())
        self._lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        self._lib.espeak_Synth.argtypes = [
            ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
            ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p,
        ]
        self._lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self._lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        self._lib.espeak_ng_SetRandSeed.argtypes = [ctypes.c_long]
        self.rate = self._lib.espeak_Initialize(
            _AUDIO_OUTPUT_SYNCHRONOUS, 0, espeakng_loader.get_data_path().encode(), 0
        )
        if self.rate <= 0:
            raise RuntimeError(f"espeak_Initialize failed ({self.rate}): reinstall espeakng-loader")
        self._chunks: list[np.ndarray] = []
        callback_type = ctypes.CFUNCTYPE(
            ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p
        )
        # Keep a reference: ctypes callbacks are freed when the Python object dies.
        self._callback = callback_type(self._collect)
        self._lib.espeak_SetSynthCallback(self._callback)

    def _collect(self, wav: Any, n_samples: int, _events: Any) -> int:
        if wav and n_samples > 0:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(n_samples,)).copy())
        return 0  # 0 = continue synthesis

    def speak(self, text: str, voice: str, wpm: int, pitch: int) -> np.ndarray:
        """Synthesise `text` and return int16 samples at `self.rate` Hz."""
        if self._lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise RuntimeError(f"eSpeak NG has no voice {voice!r}")
        self._lib.espeak_SetParameter(_PARAM_RATE, wpm, 0)
        self._lib.espeak_SetParameter(_PARAM_PITCH, pitch, 0)
        # The "breath" noise of the female variants comes from eSpeak's own RNG, which is
        # otherwise seeded differently in every process.
        self._lib.espeak_ng_SetRandSeed(RAND_SEED)
        self._chunks = []
        data = text.encode("utf-8")
        status = self._lib.espeak_Synth(data, len(data) + 1, 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
        if status != 0:
            raise RuntimeError(f"espeak_Synth failed with status {status}")
        return np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.int16)


def resample(samples: np.ndarray, rate: int, target: int = TARGET_RATE) -> np.ndarray:
    """Resample int16 audio: windowed-sinc low-pass below the new Nyquist, then linear interpolation."""
    x = samples.astype(np.float64)
    if target < rate:
        cutoff = 0.45 * target / rate  # cycles per input sample, a little under Nyquist
        taps = np.arange(-32, 33)
        kernel = 2 * cutoff * np.sinc(2 * cutoff * taps) * np.hamming(len(taps))
        x = np.convolve(x, kernel / kernel.sum(), mode="same")
    n_out = int(round(len(x) * target / rate))
    positions = np.arange(n_out) * (rate / target)
    y = np.interp(positions, np.arange(len(x)), x)
    return np.clip(np.round(y), -32768, 32767).astype(np.int16)


def wav_bytes(samples: np.ndarray, rate: int = TARGET_RATE) -> bytes:
    """Encode int16 mono samples as a WAV file."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.astype("<i2").tobytes())
    return buf.getvalue()


def flac_bytes(samples: np.ndarray, rate: int = TARGET_RATE) -> bytes:
    """Encode int16 mono samples as FLAC with PyAV, in bitexact mode (no encoder version tag)."""
    import av

    buf = io.BytesIO()
    with av.open(buf, "w", format="flac", options={"fflags": "+bitexact"}) as container:
        stream = container.add_stream("flac", rate=rate, layout="mono")
        stream.codec_context.flags |= av.codec.context.Flags.bitexact
        frame_size = 4096
        for start in range(0, len(samples), frame_size):
            chunk = samples[start : start + frame_size].reshape(1, -1)
            frame = av.AudioFrame.from_ndarray(chunk, format="s16", layout="mono")
            frame.sample_rate = rate
            frame.pts = start
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buf.getvalue()


@functools.cache
def synthesiser() -> Synthesiser:
    """The process-wide synthesiser: libespeak-ng keeps global state, so initialise it once."""
    return Synthesiser()


@dataclass
class Speech:
    """A synthesised clip: 16 kHz samples, the transcript and per-turn timings."""

    samples: np.ndarray
    transcript: str
    segments: list[dict[str, Any]]


def speak_turns(turns: list[tuple[str, str]]) -> list[np.ndarray]:
    """Speak each (speaker, text) turn in this process; return 16 kHz int16 samples per turn."""
    synth = synthesiser()
    out = []
    for speaker, text in turns:
        voice, wpm, pitch = VOICES[speaker]
        out.append(resample(synth.speak(text, voice, wpm, pitch), synth.rate))
    return out


def speak_turns_isolated(turns: list[tuple[str, str]]) -> list[np.ndarray]:
    """`speak_turns` in a fresh child process, so the output never depends on earlier speech."""
    package_root = str(Path(__file__).resolve().parents[2])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [package_root, env.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "-m", "mmcourse.databuild.speech"],
        input=json.dumps(turns).encode(),
        capture_output=True,
        env=env,
        check=False,
        timeout=300,
    )
    if result.returncode != 0:
        raise RuntimeError(
            "speech synthesis child process failed:\n" + result.stderr.decode(errors="replace")
        )
    arrays = np.load(io.BytesIO(result.stdout))
    return [arrays[f"turn{i}"] for i in range(len(turns))]


def _child_main() -> None:
    """Child-process entry: JSON turns on stdin, an .npz of int16 arrays on stdout."""
    turns = [tuple(turn) for turn in json.load(sys.stdin)]
    buf = io.BytesIO()
    np.savez(buf, **{f"turn{i}": audio for i, audio in enumerate(speak_turns(turns))})
    sys.stdout.buffer.write(buf.getvalue())


def synthesise(turns: list[tuple[str, str]]) -> Speech:
    """Speak each (speaker, text) turn in its voice (in a fresh process), with pauses between."""
    pause = np.zeros(int(PAUSE_S * TARGET_RATE), np.int16)
    edge = np.zeros(int(EDGE_S * TARGET_RATE), np.int16)
    parts = [edge]
    segments = []
    cursor = len(edge)
    for i, ((speaker, text), audio) in enumerate(zip(turns, speak_turns_isolated(turns), strict=True)):
        if i:
            parts.append(pause)
            cursor += len(pause)
        segments.append({
            "speaker": speaker,
            "text": text,
            "start": round(cursor / TARGET_RATE, 2),
            "end": round((cursor + len(audio)) / TARGET_RATE, 2),
        })
        parts.append(audio)
        cursor += len(audio)
    parts.append(edge)
    transcript = " ".join(text for _, text in turns)
    return Speech(np.concatenate(parts), transcript, segments)


def build(out_dir: Path) -> list[Artifact]:
    """Synthesise every clip to 16 kHz WAV (one also as FLAC) with its transcript."""
    source = generated_source("speech") + "; voices: eSpeak NG (GPL-3.0 synthesiser, output unrestricted)"
    artifacts = []
    for clip in CLIPS:
        speech = synthesise(clip["turns"])
        truth = {
            "transcript": speech.transcript,
            "speakers": list(dict.fromkeys(speaker for speaker, _ in clip["turns"])),
            "summary": clip["summary"],
            "decisions": clip["decisions"],
            "action_items": clip["action_items"],
            "language": "en",
            "segments": speech.segments,
        }
        write_bytes(out_dir, clip["path"], wav_bytes(speech.samples))
        artifacts.append(Artifact(clip["path"], "speech", "audio/wav", truth, source=source))
        if "flac_copy" in clip:
            write_bytes(out_dir, clip["flac_copy"], flac_bytes(speech.samples))
            artifacts.append(
                Artifact(clip["flac_copy"], "speech", "audio/flac", dict(truth),
                         source=source + "; FLAC copy of " + clip["path"])
            )
    return artifacts


if __name__ == "__main__":
    _child_main()
