"""The emulator's base64 checks: a fast decoder with exactly strict binascii's verdicts and bytes."""

from __future__ import annotations

import binascii
import random

from mmcourse.emulator.wire import decode_proto_base64, decode_std_base64

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"


def _reference_std(text: str) -> bytes | None:
    try:
        return binascii.a2b_base64(text.encode("ascii"), strict_mode=True)
    except (UnicodeEncodeError, binascii.Error, ValueError):
        return None


def _near_base64(rng: random.Random) -> str:
    """Valid base64, then perhaps damaged: padding moved, added or cut, a stray character."""
    text = binascii.b2a_base64(rng.randbytes(rng.randrange(0, 12)), newline=False).decode()
    for _ in range(rng.randrange(0, 3)):
        spot = rng.randrange(0, len(text) + 1)
        extra = rng.choice(["=", "==", "A", "-", "_", " ", "\n", "é", "\x00", ""])
        text = text[:spot] + extra + text[spot + rng.randrange(0, 2):] if rng.random() < 0.7 else text[:spot]
    return text


def test_standard_base64_gets_strict_binascii_verdict_and_bytes():
    rng = random.Random(15)
    samples = [_near_base64(rng) for _ in range(20_000)]
    samples += ["AAAA====", "AAAA=", "AA==AA==", "=AAA", "QR==", "QUJ=", ""]
    mismatches = [s for s in samples if decode_std_base64(s) != _reference_std(s)]
    assert mismatches == []


def test_proto_base64_takes_url_safe_unpadded_and_refuses_a_lone_trailing_character():
    assert decode_proto_base64("_-8") == b"\xff\xef"
    assert decode_proto_base64("_-8=") == b"\xff\xef"
    assert decode_proto_base64("AAAAA") is None
    assert decode_proto_base64("AA A") is None


def test_a_large_payload_decodes_to_its_bytes():
    data = random.Random(3).randbytes(1_000_003)
    assert decode_std_base64(binascii.b2a_base64(data, newline=False).decode()) == data


def _reference_proto(text: str) -> bytes | None:
    """The rule spelled out: drop the padding, map URL-safe to standard, pad again, decode strictly."""
    try:
        body = text.encode("ascii").rstrip(b"=").translate(bytes.maketrans(b"-_", b"+/"))
    except UnicodeEncodeError:
        return None
    if len(body) % 4 == 1:
        return None
    return _reference_std((body + b"=" * (-len(body) % 4)).decode())


def test_proto_base64_gets_the_same_verdict_and_bytes_as_the_rule_spelled_out():
    rng = random.Random(16)
    samples = [_near_base64(rng) for _ in range(20_000)]
    samples += [s.replace("+", "-").replace("/", "_") for s in samples[:2000]]
    samples += ["AAAA====", "AA======", "AAAA=====", "AB-_", "AB+_", "A===", ""]
    mismatches = [s for s in samples if decode_proto_base64(s) != _reference_proto(s)]
    assert mismatches == []
