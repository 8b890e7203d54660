"""Media as the router sees them: kind, MIME type, size, and how long a clip runs."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from .. import client as clientmod
from ..encoding import (
    EncodedFile,
    detect_mime,
    from_base64,
    read_bytes,
    to_base64,
)
from ..providers.base import FileRef, Media
from .tasks import AUDIO, IMAGE, PDF, VIDEO


# ------------------------------------------------------------------------------ media
@dataclass(frozen=True)
class MediaItem:
    """One attached file: its bytes, MIME type and measured size (pixels, seconds, pages)."""

    mime: str
    data: bytes = field(repr=False)
    name: str | None = None
    width: int | None = None
    height: int | None = None
    seconds: float | None = None
    pages: int | None = None

    @property
    def modality(self) -> str:
        return clientmod.modality(self.mime)

    def part(self) -> Media:
        return Media(self.mime, to_base64(self.data), self.name)


def measure(data: bytes, mime: str, name: str | None = None) -> MediaItem:
    """A MediaItem with the facts cost estimates need, read from the bytes themselves.

    Images are measured by ``mmcourse.media.measure`` (its one cache, which the emulator's usage
    counting and recognition read too, so a picture routed and answered in one process is
    decoded once); a picture that does not decode is sized from its header, as it is sent.
    """
    kind = clientmod.modality(mime)
    if kind == IMAGE:
        from ..media import measure as image_measure  # NumPy and Pillow load on first use

        facts, _ = image_measure.image(data, mime)
        width, height = ((facts.width, facts.height) if facts.width is not None
                         else image_measure.open_header(data).size)
        return MediaItem(mime, data, name, width=width, height=height)
    if kind in (AUDIO, VIDEO):
        from ..media import video

        seconds = video.duration_seconds(data)
        if kind == AUDIO:
            return MediaItem(mime, data, name, seconds=seconds)
        width, height = _video_size(data)
        return MediaItem(mime, data, name, width=width, height=height, seconds=seconds)
    if kind == PDF:
        import io

        import pypdf

        return MediaItem(mime, data, name, pages=len(pypdf.PdfReader(io.BytesIO(data)).pages))
    return MediaItem(mime, data, name)


def _video_size(data: bytes) -> tuple[int | None, int | None]:
    import io

    import av

    with av.open(io.BytesIO(data)) as container:
        stream = next(iter(container.streams.video), None)
        if stream is None:
            return None, None
        return stream.codec_context.width, stream.codec_context.height


def load_media(item: clientmod.FileLike | MediaItem) -> MediaItem:
    """A MediaItem from a path, raw bytes, an EncodedFile or a Media part (FileRefs cannot be routed)."""
    if isinstance(item, MediaItem):
        return item
    if isinstance(item, FileRef):
        raise TypeError(
            f"{item.ref} is a file uploaded to one provider; the router may send the request to "
            "another one. Pass the file's path or bytes instead."
        )
    if isinstance(item, Media):
        return measure(from_base64(item.b64), item.mime, item.name)
    if isinstance(item, EncodedFile):
        return measure(from_base64(item.b64), item.mime, Path(item.path).name)
    if isinstance(item, (bytes, bytearray)):
        return measure(bytes(item), detect_mime(bytes(item)))
    data = read_bytes(item)
    return measure(data, detect_mime(data, item), Path(item).name)

