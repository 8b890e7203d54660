"""A prompt-cache prefix's identity without serialising megabytes: a media item's base64 stands
for its decoded bytes' SHA-256, any other long string for its own; a changed byte always misses."""

from __future__ import annotations

import base64
import random

from mmcourse.emulator.caching import canonical
from mmcourse.emulator.media import Media


def image_block(data: bytes) -> dict:
    return {"type": "image_url", "image_url": {"url": "data:image/png;base64," + base64.b64encode(data).decode()}}


def noise(seed: int, size: int = 60_000) -> bytes:
    return random.Random(seed).randbytes(size)


def identity(block: dict, *data: bytes) -> bytes:
    return canonical(block, [Media("image/png", d) for d in data])


def test_the_same_image_has_the_same_identity_and_a_changed_byte_another():
    same = noise(1)
    changed = bytearray(same)
    changed[30_000] ^= 1
    assert identity(image_block(same), same) == identity(image_block(same), same)
    assert identity(image_block(same), same) != identity(image_block(bytes(changed)), bytes(changed))


def test_the_identity_is_small_whatever_the_image_size():
    data = noise(2, 1_000_000)
    assert len(identity(image_block(data), data)) < 400


def test_two_images_of_one_size_in_one_block_each_count():
    first, second = noise(3), noise(4)
    block = {"type": "tool_result", "content": [image_block(first), image_block(second)]}
    other = {"type": "tool_result", "content": [image_block(noise(5)), image_block(second)]}
    assert identity(block, first, second) != identity(other, noise(5), second)


def test_a_long_text_is_hashed_itself_so_a_change_in_its_middle_misses():
    text = "word " * 2000
    edited = text[:5000] + "WORD" + text[5004:]
    assert canonical({"type": "text", "text": text}) != canonical({"type": "text", "text": edited})


def test_the_mime_type_of_the_data_url_counts():
    data = noise(6)
    png = image_block(data)
    jpeg = {"type": "image_url", "image_url": {"url": png["image_url"]["url"].replace("image/png", "image/jpeg")}}
    assert identity(png, data) != identity(jpeg, data)
