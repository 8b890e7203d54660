"""Shared fixtures: one emulator per test session, per-test API keys (so each test has its own
log scope), and small self-made media so emulator tests never wait on the course data."""

from __future__ import annotations

import io
import math
import os
import struct
import tempfile
import uuid
import wave

import pytest

from mmcourse.identity import (
    RUNTIME_DIR_ENV,
    scope_of,  # noqa: F401 - the emulator's log scope of a key (tests import it here)
)

# Emulators that tests start detached (through mmcourse.setup() or ensure_running) record
# themselves in a runtime folder of this run, never the user's own; the session stops them.
os.environ[RUNTIME_DIR_ENV] = tempfile.mkdtemp(prefix="mmcourse-tests-run-")


def pytest_sessionfinish(session, exitstatus):
    from mmcourse.emulator import service

    service.stop(service.runtime_dir())

# ---------------------------------------------------------------- emulator


@pytest.fixture(scope="session")
def emulator():
    """One in-process emulator for the whole session (videos turn ACTIVE after 0.3 s)."""
    from mmcourse import emulator as emu

    server = emu.start(port=0, video_processing_seconds=0.3)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def origin(emulator) -> str:
    """The emulator's origin, e.g. ``http://127.0.0.1:54321`` (no trailing slash)."""
    return emulator.base_url.rstrip("/")


@pytest.fixture
def api_key() -> str:
    """A fresh key per test: its scope isolates this test's request log, faults and limits."""
    return f"mmcourse-test-{uuid.uuid4().hex}"


@pytest.fixture
def control(origin, api_key):
    """Admin client bound to this test's scope."""
    from mmcourse.emulator.control import EmulatorControl

    return EmulatorControl(origin, scope=scope_of(api_key))


def offline_configs(origin: str, api_key: str) -> dict:
    """Every course provider pointed at the emulator at ``origin``, sending ``api_key``."""
    from mmcourse import config

    return {
        p: config.ProviderConfig(p, "offline", config.offline_base_url(p, origin), None, api_key)
        for p in config.COURSE_PROVIDERS
    }


# ---------------------------------------------------------------- media made in the test


def make_image(width: int = 320, height: int = 240, fmt: str = "JPEG", seed: int = 0) -> bytes:
    """A small picture with a few coloured shapes; ``seed`` changes the layout (distinct dHash)."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (width, height), (240, 240, 235))
    draw = ImageDraw.Draw(img)
    palette = [(200, 40, 40), (40, 120, 200), (40, 160, 80), (230, 180, 30)]
    for i in range(4):
        k = (i + seed) % 4
        x0 = (k * width) // 5 + seed * 7 % 40
        y0 = (i * height) // 5
        draw.rectangle([x0, y0, x0 + width // 4, y0 + height // 3], fill=palette[(i + seed) % 4])
    draw.ellipse([width // 2, height // 2, width - 10, height - 10], fill=palette[seed % 4])
    buf = io.BytesIO()
    img.save(buf, format=fmt, **({"quality": 90} if fmt == "JPEG" else {}))
    return buf.getvalue()


def make_wav(seconds: float = 1.0, rate: int = 16_000, freq: float = 440.0) -> bytes:
    """A mono 16-bit sine tone as a WAV file."""
    frames = b"".join(
        struct.pack("<h", int(12_000 * math.sin(2 * math.pi * freq * i / rate)))
        for i in range(int(seconds * rate))
    )
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(frames)
    return buf.getvalue()


def make_pdf(pages: int = 2) -> bytes:
    """A small text PDF (one line of text per page) drawn with matplotlib."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.backends.backend_pdf import PdfPages
    from matplotlib.figure import Figure

    buf = io.BytesIO()
    with PdfPages(buf) as pdf:
        for n in range(1, pages + 1):
            fig = Figure(figsize=(4, 3))
            fig.text(0.1, 0.5, f"Quarterly report, page {n}: revenue 42 EUR")
            pdf.savefig(fig)
    return buf.getvalue()


def make_mp4(seconds: int = 2, fps: int = 4, size: int = 64) -> bytes:
    """A tiny MPEG-4 video whose colour changes each second."""
    import av
    import numpy as np

    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4") as container:
        stream = container.add_stream("mpeg4", rate=fps)
        stream.width = stream.height = size
        stream.pix_fmt = "yuv420p"
        for i in range(seconds * fps):
            frame = np.zeros((size, size, 3), np.uint8)
            frame[:, :, (i // fps) % 3] = 200
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buf.getvalue()


@pytest.fixture(scope="session")
def jpeg_bytes() -> bytes:
    return make_image(fmt="JPEG", seed=0)


@pytest.fixture(scope="session")
def png_bytes() -> bytes:
    return make_image(fmt="PNG", seed=1)


@pytest.fixture(scope="session")
def wav_bytes() -> bytes:
    return make_wav()


@pytest.fixture(scope="session")
def pdf_bytes() -> bytes:
    return make_pdf()


@pytest.fixture(scope="session")
def mp4_bytes() -> bytes:
    return make_mp4()


@pytest.fixture(scope="session")
def course_image_bytes(jpeg_bytes) -> bytes:
    """A course photo from data/ when the data set is present, else a generated JPEG."""
    try:
        from mmcourse import datasets

        photos = [e for e in datasets.entries("photo") if e.get("mime") == "image/jpeg"]
        if photos:
            return datasets.path(photos[0]["path"]).read_bytes()
    except (ImportError, OSError, LookupError, ValueError):
        pass  # data not built yet: the generated picture serves the same tests
    return jpeg_bytes


# ---------------------------------------------------------------- the official SDKs, pointed at it


@pytest.fixture
def oai(origin, api_key):
    """OpenAI SDK: the base URL includes ``/v1`` (openai-python default is https://api.openai.com/v1)."""
    from tests.sdks import need

    return need("openai").OpenAI(api_key=api_key, base_url=origin + "/v1", max_retries=0)


@pytest.fixture
def claude(origin, api_key):
    """Anthropic SDK: the base URL is the bare origin (the SDK appends /v1/messages)."""
    from tests.sdks import need

    return need("anthropic").Anthropic(api_key=api_key, base_url=origin, max_retries=0)


@pytest.fixture
def gem(origin, api_key):
    """google-genai: needs a key even with a custom base URL; keep the client in a variable."""
    from tests.sdks import need

    genai, types = need("google.genai"), need("google.genai.types")
    return genai.Client(api_key=api_key, http_options=types.HttpOptions(base_url=origin))
