"""Benchmark: emulator latency and throughput beside a bare echo server on the same payloads.

    python tests/bench/bench_emulator.py [--requests 200] [--concurrency 8] [--provider openai]

Starts the emulator (``mmcourse.emulator.serve``) and a minimal Starlette/uvicorn app that
returns the request body, each in its own process on 127.0.0.1, then for a small text request
and a 1 MB image request prints p50/p99 latency (sequential, keep-alive) and requests/s
(``--concurrency`` threads), and the emulator/echo ratio. The echo server is the floor: what
HTTP, JSON transfer and uvicorn cost before the emulator does any work. A script, not a test:
figures vary by machine.
"""

from __future__ import annotations

import argparse
import base64
import io
import os
import socket
import statistics
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

ECHO_APP = """
from starlette.applications import Starlette
from starlette.responses import Response
from starlette.routing import Route
import uvicorn

async def echo(request):
    return Response(await request.body(), media_type="application/json")

async def health(request):
    return Response(b"{}", media_type="application/json")

app = Starlette(routes=[Route("/_mmcourse/health", health),
                        Route("/{path:path}", echo, methods=["POST"])])
uvicorn.run(app, host="127.0.0.1", port={port}, log_level="warning")
"""
EMULATOR_APP = "from mmcourse.emulator import serve; serve('127.0.0.1', {port})"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def launch(code: str) -> tuple[subprocess.Popen, str]:
    """Run ``code`` (formatted with a free port) in a subprocess; return it once it answers."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-c", code.replace("{port}", str(port))], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    origin = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}: {code[:60]}...")
        try:
            if httpx.get(origin + "/_mmcourse/health", timeout=1).status_code == 200:
                return proc, origin
        except httpx.TransportError:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"server at {origin} did not start within 30 s")


def image_1mb() -> bytes:
    import numpy as np
    from PIL import Image

    side = int((1_000_000 / 3) ** 0.5) + 2
    pixels = np.random.default_rng(7).integers(0, 256, (side, side, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(pixels).save(buf, format="PNG", compress_level=1)
    return buf.getvalue()


def payloads(provider: str) -> dict[str, tuple[str, dict, bytes]]:
    """name -> (path, headers, body bytes) for the small text and the 1 MB image request."""
    import json

    from mmcourse import registry

    model = registry.default_model(provider)
    b64 = base64.b64encode(image_1mb()).decode()
    key = "mmcourse-bench"
    if provider == "openai":
        path, headers = "/v1/chat/completions", {"Authorization": f"Bearer {key}"}
        text = {"model": model, "messages": [{"role": "user", "content": "Say hello."}]}
        image = {"model": model, "messages": [{"role": "user", "content": [
            {"type": "text", "text": "Describe this image."},
            {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{b64}"}}]}]}
    elif provider == "anthropic":
        path, headers = "/v1/messages", {"x-api-key": key, "anthropic-version": "2023-06-01"}
        text = {"model": model, "max_tokens": 100, "messages": [{"role": "user", "content": "Say hello."}]}
        image = {"model": model, "max_tokens": 100, "messages": [{"role": "user", "content": [
            {"type": "image", "source": {"type": "base64", "media_type": "image/png", "data": b64}},
            {"type": "text", "text": "Describe this image."}]}]}
    else:
        path, headers = f"/v1beta/models/{model}:generateContent", {"x-goog-api-key": key}
        text = {"contents": [{"parts": [{"text": "Say hello."}]}]}
        image = {"contents": [{"parts": [{"inlineData": {"mimeType": "image/png", "data": b64}},
                                         {"text": "Describe this image."}]}]}
    headers["Content-Type"] = "application/json"
    return {"text": (path, headers, json.dumps(text).encode()),
            "image 1MB": (path, headers, json.dumps(image).encode())}


def latencies(origin: str, path: str, headers: dict, body: bytes, n: int) -> list[float]:
    out = []
    with httpx.Client(base_url=origin, timeout=60) as http:
        for i in range(n + 5):
            t0 = time.perf_counter()
            resp = http.post(path, headers=headers, content=body)
            dt = time.perf_counter() - t0
            if resp.status_code != 200:
                raise RuntimeError(f"{origin}{path}: {resp.status_code} {resp.text[:200]}")
            if i >= 5:  # first few warm up connections and caches
                out.append(dt)
    return out


def throughput(origin: str, path: str, headers: dict, body: bytes, n: int, workers: int) -> float:
    def worker(count: int) -> None:
        with httpx.Client(base_url=origin, timeout=60) as http:
            for _ in range(count):
                http.post(path, headers=headers, content=body).raise_for_status()

    per = max(1, n // workers)
    t0 = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(worker, [per] * workers))
    return per * workers / (time.perf_counter() - t0)


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] * 1000


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--provider", choices=["openai", "anthropic", "gemini"], default="openai")
    args = parser.parse_args(argv)

    servers = {"emulator": launch(EMULATOR_APP), "echo": launch(ECHO_APP)}
    try:
        print(f"provider={args.provider} requests={args.requests} concurrency={args.concurrency} "
              f"cpus={os.cpu_count()}")
        print(f"{'payload':<10} {'server':<9} {'p50 ms':>8} {'p99 ms':>8} {'req/s':>8}")
        for name, (path, headers, body) in payloads(args.provider).items():
            row = {}
            for label, (_, origin) in servers.items():
                lat = latencies(origin, path, headers, body, args.requests)
                rps = throughput(origin, path, headers, body, args.requests, args.concurrency)
                row[label] = (pct(lat, 50), pct(lat, 99), rps)
                print(f"{name:<10} {label:<9} {row[label][0]:8.2f} {row[label][1]:8.2f} {rps:8.1f}")
            emu, echo = row["emulator"], row["echo"]
            print(f"{name:<10} {'ratio':<9} {emu[0] / echo[0]:7.1f}x {emu[1] / echo[1]:7.1f}x "
                  f"{echo[2] / emu[2]:7.1f}x  (emulator / echo; req/s: echo / emulator)")
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    main()
