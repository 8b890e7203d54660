"""Video frames for models without video input: sample stills with PyAV and send them as JPEGs.

Gemini reads video natively; OpenAI and Claude read images only, so a video goes to them as a
handful of frames (plus, if the soundtrack matters, a transcript made separately).

>>> frames = sample_frames("data/video/tour.mp4", every_s=2.0, max_frames=5)  # doctest: +SKIP
>>> [t for t, _jpeg in frames]                                                 # doctest: +SKIP
[0.0, 2.0, 4.0, 6.0, 8.0]
"""

from __future__ import annotations

import io
import math
from pathlib import Path

from ..encoding import EncodingError, read_bytes

VideoSource = str | Path | bytes


def _open(source: VideoSource):
    import av

    data = read_bytes(source) if isinstance(source, (str, Path)) else bytes(source)
    try:
        return av.open(io.BytesIO(data))
    except av.error.FFmpegError as exc:
        name = source if isinstance(source, (str, Path)) else "these bytes"
        raise EncodingError(
            f"{name}: PyAV cannot read this as audio or video ({exc}); "
            "convert it to MP4 (H.264) or WAV first."
        ) from None


def _container_seconds(container) -> float:
    video = next(iter(container.streams.video), None)
    for stream in (video, *container.streams.audio):
        if stream is not None and stream.duration and stream.time_base:
            return float(stream.duration * stream.time_base)
    if container.duration:
        return container.duration / 1_000_000  # container.duration is in microseconds (AV_TIME_BASE)
    return 0.0


def frame_times(seconds: float, every_s: float = 1.0, max_frames: int = 8) -> list[float]:
    """The instants to sample: every ``every_s`` seconds, or ``max_frames`` evenly spread if fewer.

    >>> frame_times(10.0, every_s=1.0, max_frames=4)
    [0.0, 2.5, 5.0, 7.5]
    """
    if every_s <= 0 or max_frames < 1:
        raise ValueError(f"every_s must be > 0 and max_frames >= 1, got {every_s!r}, {max_frames!r}")
    count = max(1, math.ceil(seconds / every_s)) if seconds > 0 else 1
    if count <= max_frames:
        return [round(k * every_s, 6) for k in range(count)]
    step = seconds / max_frames  # spread over the whole video rather than keeping only its start
    return [round(k * step, 6) for k in range(max_frames)]


def _jpeg(image, max_edge: int) -> bytes:
    from PIL import Image

    image = image.convert("RGB")
    if max(image.size) > max_edge:
        image.thumbnail((max_edge, max_edge), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=85)
    return buffer.getvalue()


def _frame_at(container, stream, t: float):
    """The first decoded frame at or after ``t`` (the last frame if ``t`` is past the end)."""
    import av

    try:
        # Seek to the keyframe before t, then decode forward: cheap even for long videos.
        container.seek(int(t / stream.time_base), stream=stream, backward=True, any_frame=False)
    except av.error.FFmpegError:
        container.seek(0)
    half_frame = 0.5 / float(stream.average_rate) if stream.average_rate else 0.0
    last = None
    for frame in container.decode(stream):
        if frame.time is None:
            continue
        last = frame
        if frame.time + half_frame >= t:
            return frame
    return last


def sample_frames(
    source: VideoSource, every_s: float = 1.0, max_frames: int = 8, max_edge: int = 768
) -> list[tuple[float, bytes]]:
    """Frames of a video as ``(seconds, jpeg_bytes)``: one every ``every_s`` s, at most ``max_frames``.

    Each frame is shrunk so its long edge is at most ``max_edge`` px (768 keeps a frame to one
    Gemini tile and few OpenAI/Claude image tokens). Times are the frames' own timestamps.
    """
    with _open(source) as container:
        stream = next(iter(container.streams.video), None)
        if stream is None:
            raise EncodingError("this file has no video stream: send it as audio instead.")
        frames: list[tuple[float, bytes]] = []
        for t in frame_times(_container_seconds(container), every_s, max_frames):
            frame = _frame_at(container, stream, t)
            if frame is None:
                break
            when = round(float(frame.time), 3)
            if frames and when <= frames[-1][0]:
                continue  # a short video or sparse keyframes gave the same frame twice
            frames.append((when, _jpeg(frame.to_image(), max_edge)))
    if not frames:
        raise EncodingError("no frame could be decoded from this video: re-encode it (H.264 MP4).")
    return frames
