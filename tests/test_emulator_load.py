"""Under load the emulator answers every request and its memory stays flat.

The emulator runs in its own process (``mmcourse.emulator.serve``) so its resident memory
(VmRSS from /proc) is its own. 50 concurrent clients each send a distinct 1 MB image (no cache
hit), three rounds, mixed
across the three providers; round 1 warms up, and RSS may not grow much from round 2 to round 3.
"""

from __future__ import annotations

import base64
import io
import os
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image

from mmcourse import registry

ROOT = Path(__file__).resolve().parents[1]
CLIENTS = 50
MAX_GROWTH_MB = 50

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads VmRSS from /proc"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for pid {pid}")


def noise_pngs(count: int, target_bytes: int = 1_000_000, seed: int = 7) -> list[bytes]:
    """``count`` distinct incompressible PNGs of about ``target_bytes`` (no cache hit anywhere)."""
    side = int((target_bytes / 3) ** 0.5) + 2
    pixels = np.random.default_rng(seed).integers(0, 256, (side, side, 3), dtype=np.uint8)
    out = []
    for i in range(count):
        pixels[:8, :8], pixels[8:16, :8] = i % 256, i // 256
        buf = io.BytesIO()
        Image.fromarray(pixels).save(buf, format="PNG", compress_level=1)
        out.append(buf.getvalue())
    return out


@pytest.fixture(scope="module")
def server():
    """The emulator in a subprocess: yields (origin, pid)."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen(
        [sys.executable, "-c", f"from mmcourse.emulator import serve; serve('127.0.0.1', {port})"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    origin = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                pytest.fail(f"emulator exited: {proc.stderr.read().decode()[-2000:]}")
            try:
                if httpx.get(origin + "/_mmcourse/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                pytest.fail("emulator did not answer /_mmcourse/health within 30 s")
            time.sleep(0.1)
        yield origin, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def request_for(i: int, image_b64: str) -> tuple[str, dict, dict]:
    """(path, headers, body) for client ``i``: providers take turns."""
    key = f"mmcourse-load-{i}"
    provider = registry.PROVIDERS[i % 3]
    model = registry.default_model(provider)
    if provider == "openai":
        return "/v1/chat/completions", {"Authorization": f"Bearer {key}"}, {
            "model": model, "messages": [{"role": "user", "content": [
                {"type": "text", "text": "Describe this image."},
                {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{image_b64}"}}]}]}
    if provider == "anthropic":
        return "/v1/messages", {"x-api-key": key, "anthropic-version": "2023-06-01"}, {
            "model": model, "max_tokens": 200, "messages": [{"role": "user", "content": [
                {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": image_b64}},
                {"type": "text", "text": "Describe this image."}]}]}
    return f"/v1beta/models/{model}:generateContent", {"x-goog-api-key": key}, {
        "contents": [{"parts": [{"inlineData": {"mimeType": "image/png", "data": image_b64}},
                                {"text": "Describe this image."}]}]}


def run_round(origin: str, images_b64: list[str]) -> list[str]:
    """50 clients start together, each sends one request with its own image; returns the failures."""
    barrier = threading.Barrier(CLIENTS)

    def client(i: int) -> str | None:
        path, headers, body = request_for(i, images_b64[i])
        with httpx.Client(base_url=origin, timeout=60) as http:
            barrier.wait()
            resp = http.post(path, headers=headers, json=body)
        if resp.status_code != 200:
            return f"client {i}: {resp.status_code} {resp.text[:200]}"
        return None

    with ThreadPoolExecutor(CLIENTS) as pool:
        return [f for f in pool.map(client, range(CLIENTS)) if f]


def test_50_concurrent_1mb_images_no_errors_and_flat_memory(server):
    origin, pid = server
    images = noise_pngs(3 * CLIENTS)
    assert min(len(image) for image in images) >= 1_000_000
    encoded = [base64.b64encode(image).decode() for image in images]
    rss, seconds = [], []
    for n in range(3):
        started = time.monotonic()
        failures = run_round(origin, encoded[n * CLIENTS:(n + 1) * CLIENTS])
        seconds.append(time.monotonic() - started)
        assert failures == [], "\n".join(failures)
        rss.append(rss_mb(pid))
    print(f"50 clients x 1 MB distinct images, 3 rounds: {[round(s, 1) for s in seconds]} s, "
          f"RSS {[round(r) for r in rss]} MB")
    growth = rss[2] - rss[1]
    assert growth < MAX_GROWTH_MB, f"RSS after rounds 1-3: {[round(r) for r in rss]} MB"
    # The server is still healthy after the load.
    assert httpx.get(origin + "/_mmcourse/health").status_code == 200
