"""mmcourse.encoding: magic bytes, base64, data URLs, resizing, chunked reads."""

from __future__ import annotations

import base64
import io

import pytest
from PIL import Image

from mmcourse import encoding
from mmcourse.encoding import EncodingError


def png_bytes(size=(40, 30), color=(200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "PNG")
    return buffer.getvalue()


def jpeg_bytes(size=(40, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 200, 10)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "head, mime",
    [
        (b"\xff\xd8\xff\xe0\x00\x10JFIF", "image/jpeg"),
        (b"\x89PNG\r\n\x1a\n\x00\x00", "image/png"),
        (b"GIF89a\x01\x00", "image/gif"),
        (b"RIFF\x24\x00\x00\x00WEBPVP8 ", "image/webp"),
        (b"RIFF\x24\x00\x00\x00WAVEfmt ", "audio/wav"),
        (b"ID3\x04\x00\x00\x00\x00", "audio/mpeg"),
        (b"\xff\xfb\x90\x00", "audio/mpeg"),
        (b"fLaC\x00\x00\x00\x22", "audio/flac"),
        (b"OggS\x00\x02\x00\x00", "audio/ogg"),
        (b"\x00\x00\x00\x20ftypisom\x00\x00", "video/mp4"),
        (b"\x00\x00\x00\x18ftypheic\x00\x00", "image/heic"),
        (b"%PDF-1.7\n", "application/pdf"),
    ],
)
def test_sniff_mime_reads_magic_bytes(head, mime):
    assert encoding.sniff_mime(head) == mime


def test_sniff_mime_unknown_bytes_is_none():
    assert encoding.sniff_mime(b"hello world") is None


def test_encode_file_takes_mime_from_bytes_and_flags_a_lying_extension(tmp_path):
    liar = tmp_path / "photo.jpg"
    liar.write_bytes(png_bytes())
    encoded = encoding.encode_file(liar)
    assert encoded.mime == "image/png"
    assert encoded.extension_mime == "image/jpeg"
    assert encoded.extension_lies
    assert "name claims image/jpeg" in repr(encoded)


def test_encode_file_base64_round_trips(tmp_path):
    data = jpeg_bytes()
    path = tmp_path / "a.jpg"
    path.write_bytes(data)
    encoded = encoding.encode_file(path)
    assert encoded.b64.startswith("/9j/")  # every JPEG's base64 starts like this
    assert encoding.from_base64(encoded.b64) == data
    assert not encoded.extension_lies


def test_png_base64_starts_with_ivbor():
    assert encoding.to_base64(png_bytes()).startswith("iVBOR")


def test_base64_is_a_third_larger():
    assert encoding.base64_length(3_000_000) == 4_000_000
    assert encoding.base64_length(1) == 4
    assert len(encoding.to_base64(b"x" * 1000)) == encoding.base64_length(1000)


def test_repr_truncates_base64(tmp_path):
    path = tmp_path / "big.png"
    path.write_bytes(png_bytes((300, 300)))
    encoded = encoding.encode_file(path)
    assert encoded.b64 not in repr(encoded)
    assert "chars)" in repr(encoded)


def test_data_url_round_trip():
    url = encoding.data_url("image/png", "iVBORw0KGgo=")
    assert url == "data:image/png;base64,iVBORw0KGgo="
    assert encoding.parse_data_url(url) == ("image/png", "iVBORw0KGgo=")


def test_parse_data_url_rejects_bare_base64():
    with pytest.raises(EncodingError, match="not a base64 data URL"):
        encoding.parse_data_url("iVBORw0KGgo=")


def test_from_base64_accepts_url_safe_and_unpadded():
    data = bytes(range(250, 256)) * 3
    urlsafe = base64.urlsafe_b64encode(data).decode().rstrip("=")
    assert encoding.from_base64(urlsafe) == data


def test_from_base64_rejects_a_data_url_with_the_fix():
    with pytest.raises(EncodingError, match="strip the 'data:<mime>;base64,' prefix"):
        encoding.from_base64("data:image/png;base64,iVBOR")


def test_from_base64_rejects_garbage():
    with pytest.raises(EncodingError, match="not valid base64"):
        encoding.from_base64("!!!not base64!!!")


def test_missing_file_error_names_the_path(tmp_path):
    with pytest.raises(EncodingError, match="does not exist"):
        encoding.encode_file(tmp_path / "nope.png")


def test_empty_file_is_an_error(tmp_path):
    path = tmp_path / "empty.png"
    path.write_bytes(b"")
    with pytest.raises(EncodingError, match="empty"):
        encoding.encode_file(path)


def test_unsupported_type_error_says_what_to_convert_to(tmp_path):
    path = tmp_path / "notes.xyz"
    path.write_bytes(b"\x00\x01\x02 plain junk")
    with pytest.raises(EncodingError, match="unsupported file type.*convert it"):
        encoding.encode_file(path)


def test_resize_image_respects_long_edge_and_aspect():
    out = encoding.resize_image(png_bytes((4000, 2000)), max_edge=1000)
    assert encoding.image_size(out) == (1000, 500)
    assert encoding.sniff_mime(out) == "image/jpeg"


def test_resize_image_never_enlarges():
    out = encoding.resize_image(png_bytes((100, 50)), max_edge=1000, format="PNG")
    assert encoding.image_size(out) == (100, 50)


def test_resize_image_meets_a_byte_limit():
    import numpy as np

    noisy = Image.fromarray(np.random.default_rng(0).integers(0, 255, (1200, 1600, 3), dtype=np.uint8))
    buffer = io.BytesIO()
    noisy.save(buffer, "PNG")
    out = encoding.resize_image(buffer.getvalue(), max_bytes=200_000)
    assert len(out) <= 200_000


def test_chunked_base64_equals_whole_file(tmp_path):
    path = tmp_path / "blob.bin"
    data = bytes(range(256)) * 4001
    path.write_bytes(data)
    pieces = list(encoding.base64_file_chunks(path, chunk_size=10_000))
    assert len(pieces) > 1
    assert "".join(pieces) == encoding.to_base64(data)


def test_iter_chunks_offsets(tmp_path):
    path = tmp_path / "blob.bin"
    path.write_bytes(b"a" * 25)
    assert [(o, len(c)) for o, c in encoding.iter_chunks(path, 10)] == [(0, 10), (10, 10), (20, 5)]


def test_check_size_names_limit_and_fix():
    with pytest.raises(EncodingError, match=r"31\.0 MB; Claude accepts up to 10\.0 MB: resize"):
        encoding.check_size(31_000_000, 10_000_000, "receipt.jpg", "Claude", "resize it")
