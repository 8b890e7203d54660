"""A short H.264 video of distinct scenes with an on-screen clock, written with PyAV.

Every scene has its own background gradient (so frames of different scenes have clearly
different perceptual hashes) and content that changes once per whole second (a large disc that
steps across, or bars that appear), so frames one second apart differ too while any frame
within a second looks like that second's. The emulator recognises a sampled frame, and its
time, from the hashes the manifest lists for t = 0, 1, 2, ... s.
"""

from __future__ import annotations

import functools
import io
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from ..media.fingerprint import image_hash
from .artifacts import Artifact, font, generated_source, write_bytes

PATH = "video/product_update.mp4"
WIDTH, HEIGHT = 640, 360
FPS = 24
# x264 settings: single-threaded and bitexact for byte-identical rebuilds.
X264_OPTIONS = {"crf": "28", "preset": "fast", "threads": "1", "tune": "animation"}

# Scene table: timing, text, and look. "gradient" = colours at the left and right edge
# (or "stripes" for vertical bands); "mover" = colour of the big disc that steps across.
SCENES: list[dict[str, Any]] = [
    {
        "start": 0, "end": 5, "title": "Q4 Product Update",
        "subtitle": "Northwind Outdoor Co.",
        "description": "Title card: white text 'Q4 Product Update' and 'Northwind Outdoor Co.' on a "
        "dark blue background, with a yellow disc stepping from left to right.",
        "background": ("gradient", (10, 20, 60), (60, 110, 200)),
        "mover": (250, 200, 40), "direction": 1,
    },
    {
        "start": 5, "end": 10, "title": "Revenue by quarter",
        "subtitle": "2025, in $K",
        "description": "Bar chart scene: four bars for Q1-Q4 (420, 510, 480, 620 $K) appear one "
        "per second on a light background fading to grey, then a dark banner reads "
        "'+48% from Q1 to Q4'.",
        "background": ("gradient", (250, 250, 245), (150, 150, 150)),
        "bars": [("Q1", 420), ("Q2", 510), ("Q3", 480), ("Q4", 620)],
        "banner": "+48% from Q1 to Q4",
        "mover": None, "direction": 0,
    },
    {
        "start": 10, "end": 15, "title": "Meet the team",
        "subtitle": "Design - Engineering - Sales",
        "description": "Team scene: three white person icons on a green background that is "
        "brightest in the middle, with a black disc stepping from right to left.",
        "background": ("peak", (15, 80, 35), (130, 210, 130)),
        "people": 3,
        "mover": (10, 10, 10), "direction": -1,
    },
    {
        "start": 15, "end": 20, "title": "Questions?",
        "subtitle": "product@northwind.example",
        "description": "Closing card: 'Questions?' and a contact address in white text on an "
        "orange background (upper half brightening to the right, lower half to the left), with a "
        "dark blue disc stepping from left to right.",
        "background": ("split", (200, 80, 0), (255, 220, 120)),
        "mover": (20, 30, 90), "direction": 1,
    },
]
DURATION_S = SCENES[-1]["end"]
SUMMARY = (
    "A 20-second product update: a title card (0-5 s), a quarterly revenue bar chart with bars "
    "appearing one by one (5-10 s), a team slide with three person icons (10-15 s) and a "
    "'Questions?' closing card (15-20 s); a clock in the top-right corner shows the elapsed time."
)


@functools.lru_cache(maxsize=8)
def _background(spec: tuple) -> Image.Image:
    """A left-to-right gradient, one peaking in the middle, or one whose lower half is mirrored.

    Each scene gets a different one because the fingerprint (dHash) compares horizontal
    neighbours: rising, falling, peaked and half-mirrored rows give very different bits.
    """
    mode, left, right = spec
    x = np.linspace(0.0, 1.0, WIDTH)[None, :, None]
    if mode == "peak":
        x = 1.0 - np.abs(2.0 * x - 1.0)
    row = np.asarray(left, float) * (1 - x) + np.asarray(right, float) * x
    pixels = np.repeat(row, HEIGHT, axis=0)
    if mode == "split":
        pixels[HEIGHT // 2 :] = pixels[HEIGHT // 2 :, ::-1]
    return Image.fromarray(pixels.astype(np.uint8))


def _clock(seconds: int) -> str:
    return f"{seconds // 60:02d}:{seconds % 60:02d}"


def draw_frame(t: float) -> Image.Image:
    """Draw the frame shown at time `t` seconds (pure function of t)."""
    scene = next(s for s in SCENES if s["start"] <= t < s["end"])
    img = _background(scene["background"]).copy()  # cached: draw on a copy
    draw = ImageDraw.Draw(img)
    local = t - scene["start"]
    dark_text = sum(scene["background"][1]) > 450
    ink = (20, 20, 30) if dark_text else (255, 255, 255)
    draw.text((32, 28), scene["title"], font=font(36, "DejaVuSans-Bold.ttf"), fill=ink)
    if scene["subtitle"]:
        draw.text((34, 78), scene["subtitle"], font=font(20), fill=ink)
    if "bars" in scene:
        shown = min(len(scene["bars"]), int(local) + 1)
        for i, (label, value) in enumerate(scene["bars"][:shown]):
            x0 = 90 + i * 130
            top = 320 - int(value * 0.33)
            draw.rectangle([x0, top, x0 + 80, 320], fill=(31, 95, 153))
            draw.text((x0 + 40, top - 6), str(value), font=font(18), fill=(20, 20, 30), anchor="md")
            draw.text((x0 + 40, 326), label, font=font(18), fill=(20, 20, 30), anchor="ma")
        if local >= len(scene["bars"]):
            draw.rounded_rectangle([120, 120, 520, 200], radius=12, fill=(30, 30, 40))
            draw.text((320, 160), scene["banner"], font=font(30, "DejaVuSans-Bold.ttf"),
                      fill=(255, 255, 255), anchor="mm")
    if "people" in scene:
        for i in range(scene["people"]):
            cx = 160 + i * 160
            draw.ellipse([cx - 28, 150, cx + 28, 206], fill=(255, 255, 255))
            draw.rounded_rectangle([cx - 50, 214, cx + 50, 300], radius=30, fill=(255, 255, 255))
    if scene["mover"]:
        # The disc jumps one step to the side each whole second, like a slide build: every
        # frame sampled within a second then looks like (and hashes like) that second's frame.
        steps = scene["end"] - scene["start"] - 1
        progress = int(local) / steps
        if scene["direction"] < 0:
            progress = 1 - progress
        cx = int(100 + progress * (WIDTH - 200))
        draw.ellipse([cx - 80, 190, cx + 80, 350], fill=scene["mover"])
    # The clock: whole seconds elapsed, like a presenter's timer.
    draw.rounded_rectangle([WIDTH - 150, 14, WIDTH - 14, 66], radius=8, fill=(0, 0, 0))
    draw.text((WIDTH - 82, 40), _clock(int(t)), font=font(34, "DejaVuSansMono-Bold.ttf"),
              fill=(255, 255, 255), anchor="mm")
    return img


def encode_video(frames: int = DURATION_S * FPS) -> bytes:
    """Encode the whole video to MP4 (H.264, yuv420p) in memory, deterministically."""
    import av

    buf = io.BytesIO()
    with av.open(buf, "w", format="mp4", options={"fflags": "+bitexact"}) as container:
        stream = container.add_stream("libx264", rate=FPS, options=X264_OPTIONS)
        stream.width, stream.height, stream.pix_fmt = WIDTH, HEIGHT, "yuv420p"
        stream.codec_context.flags |= av.codec.context.Flags.bitexact
        for index in range(frames):
            frame = av.VideoFrame.from_image(draw_frame(index / FPS))
            frame.pts = index
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)
    return buf.getvalue()


def sample_frames(data: bytes | Path, every_s: float = 1.0) -> list[tuple[float, Image.Image]]:
    """Decode a video and return (t, frame) for the first frame at or after t = 0, every_s, ..."""
    import av

    source = io.BytesIO(data) if isinstance(data, bytes) else str(data)
    samples: list[tuple[float, Image.Image]] = []
    with av.open(source) as container:
        next_t = 0.0
        for frame in container.decode(video=0):
            if frame.time is not None and frame.time + 1e-6 >= next_t:
                samples.append((round(next_t, 3), frame.to_image()))
                next_t += every_s
    return samples


def build(out_dir: Path) -> list[Artifact]:
    """Write the MP4 and return its artifact, with the per-second frame hashes."""
    data = encode_video()
    write_bytes(out_dir, PATH, data)
    frames = [{"t": t, "image_hash": image_hash(img)} for t, img in sample_frames(data)]
    truth = {
        "duration_s": float(DURATION_S),
        "fps": FPS,
        "scenes": [{k: s[k] for k in ("start", "end", "title", "description")} for s in SCENES],
        "summary": SUMMARY,
    }
    return [
        Artifact(PATH, "video", "video/mp4", truth, source=generated_source("video"),
                 extra={"frames": frames, "image_hash": frames[0]["image_hash"]})
    ]
