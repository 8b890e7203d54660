"""Perceptual fingerprints: recognise an image after it was resized or re-encoded.

A 64-bit difference hash (dHash) on a 9x8 greyscale thumbnail: robust to scaling, JPEG
re-encoding and small colour shifts, cheap (Pillow + NumPy only), and stable across
platforms because it compares neighbouring pixels rather than absolute values.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image

HASH_BITS = 64
# Two images whose hashes differ in at most this many bits are taken as the same picture.
MATCH_DISTANCE = 10


def image_hash(image: Image.Image | bytes | str | Path) -> str:
    """Return the 16-hex-digit dHash of an image (PIL image, encoded bytes or a path).

    >>> len(image_hash(Image.new("RGB", (32, 32))))
    16
    """
    if isinstance(image, (bytes, bytearray, memoryview)):
        image = Image.open(io.BytesIO(bytes(image)))
    elif isinstance(image, (str, Path)):
        image = Image.open(image)
    grey = image.convert("L").resize((9, 8), Image.Resampling.BOX)
    pixels = np.asarray(grey, dtype=np.int16)
    bits = (pixels[:, 1:] > pixels[:, :-1]).flatten()
    value = 0
    for bit in bits:
        value = (value << 1) | int(bit)
    return f"{value:016x}"


def hamming(a: str, b: str) -> int:
    """Number of differing bits between two hex hashes."""
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def same_picture(a: str, b: str, max_distance: int = MATCH_DISTANCE) -> bool:
    """Whether two hashes are close enough to be the same picture."""
    return hamming(a, b) <= max_distance
