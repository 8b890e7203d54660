"""Measuring media once: what the bytes of an image, a recording or a PDF are, whatever a
request claimed. Routing's cost estimates and the emulator's usage counting, validation and
recognition all measure through this module, so the two can never disagree.

``image(data, mime)`` decodes a picture once per content and caches its ``Facts`` (format,
pixels, frames, dominant colours named in plain English, perceptual hash); the emulator's usage
counting, validation and recognition all read this one cache. A picture over
``MAX_DECODE_PIXELS`` (a decompression bomb, an upscaled 200-megapixel photo) is measured from
its header alone and never decoded. ``av(data)`` gives a recording's seconds (and a video's
frame size and rate), ``pdf(data)`` a document's pages (and, when asked, its text length).
"""

from __future__ import annotations

import hashlib
import io
import threading
import wave
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PIL import Image

from mmcourse.media.fingerprint import image_hash

THUMB = 64  # decoded JPEGs are reduced (draft mode) to no less than twice this

# Plain-English names for dominant colours; nearest by the "redmean" perceptual distance.
_PALETTE: tuple[tuple[str, tuple[int, int, int]], ...] = (
    ("black", (0, 0, 0)),
    ("dark grey", (70, 70, 70)),
    ("grey", (128, 128, 128)),
    ("light grey", (195, 195, 195)),
    ("white", (255, 255, 255)),
    ("dark red", (120, 10, 15)),
    ("red", (210, 35, 35)),
    ("pink", (240, 140, 185)),
    ("orange", (240, 135, 30)),
    ("brown", (115, 70, 35)),
    ("beige", (225, 205, 165)),
    ("yellow", (240, 220, 50)),
    ("olive", (125, 125, 20)),
    ("dark green", (20, 85, 30)),
    ("green", (50, 165, 60)),
    ("light green", (160, 225, 130)),
    ("teal", (0, 128, 128)),
    ("cyan", (40, 215, 230)),
    ("light blue", (150, 195, 240)),
    ("blue", (35, 85, 210)),
    ("navy", (10, 20, 100)),
    ("purple", (120, 45, 160)),
)
_PALETTE_RGB = np.array([rgb for _, rgb in _PALETTE], dtype=np.float64)



@dataclass(frozen=True)
class Facts:
    """What can be measured from the bytes alone, whether or not the file is a course file."""

    mime: str
    bytes: int
    sha256: str
    format: str | None = None
    width: int | None = None
    height: int | None = None
    colours: tuple[tuple[str, int], ...] = ()  # (plain-English name, percent of pixels)
    image_hash: str | None = None
    duration_s: float | None = None
    sample_rate: int | None = None
    channels: int | None = None
    frames: int | None = None
    fps: float | None = None
    pages: int | None = None
    text: tuple[str, ...] = ()  # extracted PDF text, one string per page
    problem: str | None = None  # why the bytes could not be decoded, if they could not


# Pictures larger than this are measured from their header only, never decoded: a decompression
# bomb (or a plainly upscaled 200-megapixel photo) costs nothing; the wires refuse it by size.
MAX_DECODE_PIXELS = 50_000_000
_IMAGES: OrderedDict[tuple[str, str], tuple[Facts, object, Callable | None]] = OrderedDict()  # (facts, derived, derive)
_LOCK = threading.Lock()
_CACHE_SIZE = 256



_HEADER_LOCK = threading.Lock()


def open_header(data: bytes) -> Image.Image:
    """The image with only its header read. Pillow refuses to even open a picture over twice its
    MAX_IMAGE_PIXELS; this reads the size anyway (nothing is decoded: MAX_DECODE_PIXELS guards that)."""
    try:
        return Image.open(io.BytesIO(data))
    except Image.DecompressionBombError:
        with _HEADER_LOCK:
            saved, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
            try:
                return Image.open(io.BytesIO(data))
            finally:
                Image.MAX_IMAGE_PIXELS = saved


def image(data: bytes, mime: str, digest: str | None = None,
          derive: Callable[[Image.Image, Facts], object] | None = None) -> tuple[Facts, object]:
    """An image's facts, decoded once per content, and what ``derive`` made from the decoded
    picture (recognition's matching thumbnail, or None): the one image cache that usage
    counting, validation and recognition read (and routing may)."""
    digest = digest or hashlib.sha256(data).hexdigest()
    key = (digest, mime)
    with _LOCK:
        cached = _IMAGES.get(key)
        # An entry measured without ``derive`` (routing's) is measured again for a caller who needs it.
        if cached is not None and (derive is None or cached[2] is derive):
            _IMAGES.move_to_end(key)
            return cached[0], cached[1]
    facts, img = measure_image(data, mime, digest)
    result = (facts, derive(img, facts) if derive is not None and img is not None else None)
    with _LOCK:
        _IMAGES[key] = (*result, derive)
        while len(_IMAGES) > _CACHE_SIZE:
            _IMAGES.popitem(last=False)
    return result


def measure_image(data: bytes, mime: str, digest: str) -> tuple[Facts, Image.Image | None]:
    """Facts of an image and the decoded picture (None when too large to decode or undecodable)."""
    try:
        header = open_header(data)
        width, height = header.size
        if width * height > MAX_DECODE_PIXELS:
            return Facts(mime, len(data), digest, format=header.format, width=width, height=height), None
        img, (width, height), fmt, n_frames = open_image(data)
    except Exception as exc:  # noqa: BLE001 - Pillow raises many error types for damaged files
        return Facts(mime, len(data), digest, problem=f"the bytes do not decode as an image ({type(exc).__name__}: {exc})"), None
    facts = Facts(
        mime=mime,
        bytes=len(data),
        sha256=digest,
        format=fmt,
        width=width,
        height=height,
        colours=dominant_colours(img),
        image_hash=image_hash(img),
        frames=n_frames if n_frames > 1 else None,
    )
    return facts, img


def open_image(data: bytes) -> tuple[Image.Image, tuple[int, int], str | None, int]:
    img = Image.open(io.BytesIO(data))
    size, fmt = img.size, img.format
    n_frames = getattr(img, "n_frames", 1)
    # Decode JPEGs at 1/2..1/8 scale: a dHash and a 64-px thumbnail need no more, and a
    # full 12-megapixel decode would take most of the time budget.
    img.draft("RGB", (THUMB * 2, THUMB * 2))
    img = img.convert("RGBA") if img.mode in ("P", "LA", "PA") else img
    if img.mode == "RGBA":
        # Transparent pixels count as the white a viewer would show behind them.
        background = Image.new("RGBA", img.size, (255, 255, 255, 255))
        img = Image.alpha_composite(background, img)
    if img.mode != "RGB":
        img = img.convert("RGB")
    else:
        img.load()  # decoded now; no copy of a picture already in RGB
    return img, size, fmt, n_frames


def dominant_colours(img: Image.Image, n: int = 3) -> tuple[tuple[str, int], ...]:
    """The ``n`` most common colours of an image, named in plain English, with percentages."""
    rgb = img if img.mode == "RGB" else img.convert("RGB")  # no copy of a picture already in RGB
    small = np.asarray(rgb.resize((48, 48), Image.Resampling.BOX), dtype=np.float64)
    # One contiguous (pixels, palette) array per channel: the same arithmetic, in the same order,
    # as on the (pixels, palette, 3) views, so the same nearest colour, at a third of the time.
    r, g, b = (small[:, :, c].reshape(-1, 1) for c in range(3))
    pr, pg, pb = _PALETTE_RGB[:, 0], _PALETTE_RGB[:, 1], _PALETTE_RGB[:, 2]
    rmean = (r + pr) / 2
    dist = (2 + rmean / 256) * (r - pr) ** 2 + 4 * (g - pg) ** 2
    dist += (2 + (255 - rmean) / 256) * (b - pb) ** 2
    counts = np.bincount(dist.argmin(axis=1), minlength=len(_PALETTE))
    order = sorted(range(len(_PALETTE)), key=lambda i: (-counts[i], i))[:n]
    total = counts.sum()
    return tuple(
        (_PALETTE[i][0], round(100 * counts[i] / total)) for i in order if counts[i] > 0
    )




def av(data: bytes, kind: str = "audio") -> dict:
    """A recording's ``seconds`` (WAV read directly, anything else with PyAV), plus ``width``,
    ``height`` and ``fps`` for a video. Raises ValueError when no duration can be read."""
    if data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        with wave.open(io.BytesIO(data)) as w:
            return {"seconds": w.getnframes() / float(w.getframerate() or 1)}
    import av as pyav  # PyAV loads on first use

    with pyav.open(io.BytesIO(data)) as container:
        facts: dict = {}
        if container.duration is not None:
            facts["seconds"] = container.duration / 1_000_000  # in AV_TIME_BASE (microseconds)
        video = next(iter(container.streams.video), None)
        if video is not None:
            facts["width"], facts["height"] = video.codec_context.width, video.codec_context.height
            if video.average_rate:
                facts["fps"] = float(video.average_rate)
            if "seconds" not in facts and video.duration and video.time_base:
                facts["seconds"] = float(video.duration * video.time_base)
        if "seconds" not in facts:
            raise ValueError(f"could not read the {kind}'s duration")
        return facts


PDF_TEXT_PAGES = 100  # pages whose text is measured: enough for token estimates; big PDFs stay cheap


def pdf(data: bytes, text: bool = True) -> dict:
    """A PDF's ``pages`` and ``encrypted``, and with ``text`` the characters of text on its first
    ``PDF_TEXT_PAGES`` pages (``text_chars``)."""
    from pypdf import PdfReader  # pypdf loads on first use

    reader = PdfReader(io.BytesIO(data))
    if reader.is_encrypted:
        return {"pages": 0, "encrypted": True, "text_chars": 0}
    facts: dict = {"pages": len(reader.pages), "encrypted": False}
    if text:
        facts["text_chars"] = sum(len(page.extract_text() or "") for page in reader.pages[:PDF_TEXT_PAGES])
    return facts
