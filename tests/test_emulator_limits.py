"""Bodies a route cannot take: refused from Content-Length before they are read, cut when they
have no end, refused unread when the key is missing; and the emulator stays responsive."""

from __future__ import annotations

import json
import socket
import threading
import time

import httpx
import pytest

from mmcourse import emulator, registry
from mmcourse.emulator import anthropic_wire, limits, openai_wire

MODEL = registry.default_model("openai")


@pytest.fixture(scope="module")
def server():
    with emulator.start(port=0) as emu:
        yield emu


def raw_request(server, head: str, body_chunks=(), read_timeout: float = 20.0) -> tuple[bytes, bool]:
    """Send ``head`` and body chunks over a raw socket; (what came back, whether the server closed)."""
    with socket.create_connection((server.host, server.port), timeout=read_timeout) as sock:
        sock.sendall(head.encode())
        for chunk in body_chunks:
            try:
                sock.sendall(chunk)
            except OSError:
                break  # the server closed on us: what it answered is still readable
        received, closed = b"", False
        deadline = time.monotonic() + read_timeout
        while time.monotonic() < deadline:
            try:
                data = sock.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not data:
                closed = True
                break
            received += data
        return received, closed


def chat_head(server, extra: str, key: str = "Bearer sk-limits-test") -> str:
    return (f"POST /v1/chat/completions HTTP/1.1\r\nHost: {server.host}:{server.port}\r\n"
            f"Authorization: {key}\r\nContent-Type: application/json\r\n{extra}\r\n")


def test_a_content_length_over_the_limit_is_refused_before_the_body_is_sent(server):
    head = chat_head(server, f"Content-Length: {openai_wire.BODY_LIMIT + 1}\r\n")
    started = time.monotonic()
    answer, closed = raw_request(server, head)  # not one byte of the body is sent
    assert answer.startswith(b"HTTP/1.1 413") and b"connection: close" in answer.lower()
    assert closed and time.monotonic() - started < limits.DRAIN_SECONDS + 5


def test_a_content_length_with_thousands_of_digits_is_a_413_not_a_crash(server):
    answer, _ = raw_request(server, chat_head(server, f"Content-Length: {'9' * 5000}\r\n"))
    assert answer[:12] in (b"HTTP/1.1 413", b"HTTP/1.1 400")


def test_an_endless_chunked_body_is_cut_and_its_connection_closed(server):
    head = chat_head(server, "Transfer-Encoding: chunked\r\n")
    piece = b"x" * 1024 * 1024
    chunk = f"{len(piece):x}\r\n".encode() + piece + b"\r\n"

    def endless():
        while True:
            yield chunk

    answer, closed = raw_request(server, head, endless(), read_timeout=60)
    assert answer.startswith(b"HTTP/1.1 413") and closed


def test_an_oversized_body_sent_whole_still_gets_the_providers_413(server):
    body = b"{" + b" " * (anthropic_wire.BODY_LIMIT + 10) + b"}"
    resp = httpx.post(f"{server.base_url}/v1/messages", content=body, timeout=60,
                      headers={"x-api-key": "sk-ant-limits", "anthropic-version": "2023-06-01",
                               "content-type": "application/json"})
    assert resp.status_code == 413 and resp.json()["error"]["type"] == "request_too_large"


def test_a_request_without_a_key_is_refused_before_its_body_is_read(server):
    head = ("POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {60 * 1024 * 1024}\r\n\r\n")
    started = time.monotonic()
    answer, closed = raw_request(server, head)  # headers only: the 60 MB never follow
    assert answer.startswith(b"HTTP/1.1 401") and b"You didn't provide an API key" in answer
    assert closed and time.monotonic() - started < limits.DRAIN_SECONDS + 5


def test_health_answers_within_a_second_while_a_large_request_is_in_flight(server):
    text = "Summarise this. " + "lorem ipsum dolor sit amet " * 1_200_000  # about 32 MB of text
    # Encoded here, before timing starts: encoding 32 MB in the client's thread would hold this
    # process's interpreter lock (the server runs in it too) and time the client, not the server.
    body = json.dumps({"model": MODEL, "messages": [{"role": "user", "content": text}]}).encode()
    done = threading.Event()

    def heavy() -> None:
        try:
            httpx.post(f"{server.base_url}/v1/chat/completions", content=body, timeout=120,
                       headers={"Authorization": "Bearer sk-heavy", "content-type": "application/json"})
        finally:
            done.set()

    thread = threading.Thread(target=heavy)
    thread.start()
    worst = 0.0
    try:
        while not done.is_set():
            started = time.monotonic()
            assert httpx.get(f"{server.base_url}/_mmcourse/health", timeout=10).status_code == 200
            worst = max(worst, time.monotonic() - started)
            time.sleep(0.05)
    finally:
        thread.join(120)
    assert worst < 1.0, f"health took {worst:.2f} s while the large request was in flight"


def bomb_png(side: int = 14_200) -> bytes:
    """A ~200-megapixel 1-bit PNG of a few hundred KB: a decompression bomb, built row by row."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    packer = zlib.compressobj(9)
    row = b"\x00" + b"\x00" * ((side + 7) // 8)
    idat = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    ihdr = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_a_decompression_bomb_gets_anthropics_own_oversized_image_error(server):
    import base64

    data = base64.b64encode(bomb_png()).decode()
    body = {"model": registry.default_model("anthropic"), "max_tokens": 50, "messages": [{"role": "user", "content": [
        {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": data}},
        {"type": "text", "text": "Describe this."}]}]}
    started = time.monotonic()
    resp = httpx.post(f"{server.base_url}/v1/messages", json=body, timeout=60,
                      headers={"x-api-key": "sk-ant-bomb", "anthropic-version": "2023-06-01"})
    assert resp.status_code == 400
    assert "image dimensions exceed max allowed size: 8000 pixels" in resp.json()["error"]["message"]
    assert time.monotonic() - started < 10, "the bomb was measured from its header, not decoded"


def test_a_decompression_bomb_is_measured_not_decoded_and_never_called_unsupported(server):
    import base64

    data = base64.b64encode(bomb_png()).decode()
    body = {"model": MODEL, "messages": [{"role": "user", "content": [
        {"type": "text", "text": "Describe this."},
        {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{data}"}}]}]}
    resp = httpx.post(f"{server.base_url}/v1/chat/completions", json=body, timeout=60,
                      headers={"Authorization": "Bearer sk-bomb"})
    assert resp.status_code == 200, resp.text
    assert "14200x14200" in resp.json()["choices"][0]["message"]["content"]


def test_the_request_log_keeps_a_long_prompt_cut_not_whole(server):
    from mmcourse.emulator.app import LOG_TEXT_LIMIT
    from mmcourse.emulator.control import EmulatorControl
    from mmcourse.identity import scope_of

    text = "word " * 100_000
    resp = httpx.post(f"{server.base_url}/v1/chat/completions", timeout=60, headers={"Authorization": "Bearer sk-long-log"},
                      json={"model": MODEL, "messages": [{"role": "user", "content": text}]})
    assert resp.status_code == 200
    [record] = EmulatorControl(server.base_url, scope=scope_of("sk-long-log")).log()
    logged = record["request"]["messages"][0]["content"]
    assert logged == f"{text[:LOG_TEXT_LIMIT]}...({len(text)} chars)"
