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

    Everything is measured by ``mmcourse.media.measure``, as the emulator measures it for usage
    (images through its one cache, which recognition reads too, so a picture routed and answered
    in one process is decoded once); a picture that does not decode is sized from its header.
    """
    from ..media import measure as media_measure  # NumPy, Pillow, PyAV and pypdf load on first use

    kind = clientmod.modality(mime)
    if kind == IMAGE:
        facts, _ = media_measure.image(data, mime)
        width, height = ((facts.width, facts.height) if facts.width is not None
                         else media_measure.open_header(data).size)
        return MediaItem(mime, data, name, width=width, height=height)
    if kind in (AUDIO, VIDEO):
        facts = media_measure.av(data, kind)
        return MediaItem(mime, data, name, seconds=facts["seconds"],
                         width=facts.get("width"), height=facts.get("height"))
    if kind == PDF:
        return MediaItem(mime, data, name, pages=media_measure.pdf(data, text=False)["pages"])
    return MediaItem(mime, data, name)


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

