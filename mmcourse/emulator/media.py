"""Media the emulator received: what the bytes really are, and their measurable facts.

Measurements (pixels, seconds, pages) feed token usage, validation (pixel limits) and the
answer engine; they come from decoding the bytes, never from what the client claimed.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from mmcourse.encoding import sniff_mime
from mmcourse.media import measure as measure_media


def sniff(data: bytes) -> str | None:
    """The MIME type the bytes' magic numbers say, or None (one sniffer for the whole package)."""
    return sniff_mime(data)


def modality(mime: str) -> str | None:
    """Which registry modality a MIME type belongs to (image, audio, video, pdf, text)."""
    mime = (mime or "").lower()
    if mime == "application/pdf":
        return "pdf"
    top = mime.split("/", 1)[0]
    if top in ("image", "audio", "video", "text"):
        return top
    return None


@dataclass
class Media:
    """One piece of media from a request, after its bytes were decoded."""

    mime: str  # as declared by the client (or the stored file)
    data: bytes
    name: str | None = None
    detail: str | None = None  # OpenAI image detail
    info: dict = field(default_factory=dict)

    @property
    def sha256(self) -> str:
        if "sha256" not in self.info:
            self.info["sha256"] = hashlib.sha256(self.data).hexdigest()
        return self.info["sha256"]

    @property
    def kind(self) -> str | None:
        return modality(self.mime)

    def measured(self) -> dict:
        """Facts measured from the bytes (cached by content hash)."""
        if "measured" not in self.info:
            self.info["measured"] = measure(self.data, self.mime, self.sha256)
        return self.info["measured"]

    def log_entry(self) -> dict:
        entry = {"mime": self.mime, "bytes": len(self.data), "sha256": self.sha256}
        facts = self.measured()
        if facts.get("image_hash"):
            entry["image_hash"] = facts["image_hash"]
        return entry


_CACHE: OrderedDict[str, dict] = OrderedDict()
_CACHE_LOCK = threading.Lock()
_CACHE_SIZE = 256


def measure(data: bytes, mime: str, sha256: str | None = None) -> dict:
    """Measure media bytes: ``sniffed`` MIME, and width/height, seconds, pages as they apply.

    ``decodable`` is False when the bytes do not decode as their kind (a corrupt image).
    """
    sha256 = sha256 or hashlib.sha256(data).hexdigest()
    key = f"{sha256}:{mime}"
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    facts: dict = {"sniffed": sniff(data), "decodable": True}
    kind = modality(facts["sniffed"] or mime)
    try:
        if kind == "image":
            facts.update(_measure_image(data, facts["sniffed"] or mime, sha256))
        elif kind in ("audio", "video"):
            facts.update(measure_media.av(data, kind))
        elif kind == "pdf":
            facts.update(measure_media.pdf(data))
        elif kind == "text":
            facts["text_chars"] = len(data.decode("utf-8", "replace"))
    except Exception as exc:  # any decoder failure means the bytes are not what they claim
        facts["decodable"] = False
        facts["problem"] = f"{type(exc).__name__}: {exc}"[:200]
    with _CACHE_LOCK:
        _CACHE[key] = facts
        while len(_CACHE) > _CACHE_SIZE:
            _CACHE.popitem(last=False)
    return facts


def _measure_image(data: bytes, mime: str, sha256: str) -> dict:
    """Pixels, frames and fingerprint, from the one decode recognition shares (``image_facts``)."""
    from mmcourse.emulator.recognise import image_facts

    facts, _ = image_facts(data, mime, sha256)
    if facts.problem:
        raise ValueError(facts.problem)
    measured = {"width": facts.width, "height": facts.height, "frames": facts.frames or 1}
    if facts.image_hash:
        measured["image_hash"] = facts.image_hash
    else:
        measured["oversized"] = True  # measured from the header alone: too many pixels to decode
    return measured


def describe(media: Media) -> str:
    """A short human description of measured media: 'image/png, 640x480 px'."""
    facts = media.measured()
    parts = [media.mime]
    if "width" in facts and "height" in facts:
        parts.append(f"{facts['width']}x{facts['height']} px")
    if "seconds" in facts:
        parts.append(f"{facts['seconds']:.1f} s")
    if "pages" in facts:
        parts.append(f"{facts['pages']} page(s)")
    parts.append(f"{len(media.data)} bytes")
    return ", ".join(parts)
