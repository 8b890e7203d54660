"""Benchmark: emulator latency beside a minimal JSON-parsing echo server, measured honestly.

    python tests/bench/bench_emulator.py [--requests 60] [--concurrency 8] [--provider openai]

Starts the emulator (``mmcourse.emulator.serve``) and a minimal Starlette/uvicorn app, each in
its own process on 127.0.0.1. The echo reads the body, **parses its JSON** and answers a small
JSON object (what any JSON API must do at the least), so the ratio is the emulator's own work.
Every image request carries a **distinct** 1 MB image (no cache hit anywhere), and the two
servers are measured **interleaved** (echo, emulator, echo, ...) in one run, so machine load
hits both alike. Prints p50/p90 latency and requests/s (``--concurrency`` threads) per server,
and the emulator/echo ratio of the medians (goal for the 1 MB image: at most 2.0x).
A script, not a test: figures vary by machine.
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

import json

async def echo(request):
    body = json.loads(await request.body())
    return Response(json.dumps({"ok": True, "keys": len(body)}).encode(), media_type="application/json")

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


def images_1mb(count: int, seed: int = 7) -> list[bytes]:
    """``count`` distinct incompressible ~1 MB PNGs (one noise picture, a different corner each)."""
    import numpy as np
    from PIL import Image

    side = int((1_000_000 / 3) ** 0.5) + 2
    pixels = np.random.default_rng(seed).integers(0, 256, (side, side, 3), dtype=np.uint8)
    out = []
    for i in range(count):
        pixels[:8, :8] = i % 256
        pixels[8:16, :8] = i // 256
        buf = io.BytesIO()
        Image.fromarray(pixels).save(buf, format="PNG", compress_level=1)
        out.append(buf.getvalue())
    return out


def photos_1mb(count: int, seed: int = 3) -> list[bytes]:
    """``count`` distinct ~1 MB JPEG photos (2000x2000: a gradient with sensor-like noise)."""
    import numpy as np
    from PIL import Image

    side = 2000
    ramp = np.linspace(0, 255, side, dtype=np.float32)
    base = ramp[None, :, None] * 0.5 + ramp[:, None, None] * 0.3
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(count):
        pixels = (base + rng.normal(0, 12, (side, side, 3))).clip(0, 255).astype(np.uint8)
        buf = io.BytesIO()
        Image.fromarray(pixels).save(buf, format="JPEG", quality=85)
        out.append(buf.getvalue())
    return out


def request_for(provider: str, image: bytes | None, mime: str = "image/png") -> tuple[str, dict, bytes]:
    """(path, headers, body) of a text request (``image`` None) or a 1 MB image request."""
    import json

    from mmcourse import registry

    model = registry.default_model(provider)
    key = "mmcourse-bench"
    b64 = base64.b64encode(image).decode() if image is not None else None
    if provider == "openai":
        path, headers = "/v1/chat/completions", {"Authorization": f"Bearer {key}"}
        content: object = "Say hello." if b64 is None else [
            {"type": "text", "text": "Describe this image."},
            {"type": "image_url", "image_url": {"url": f"data:{mime};base64,{b64}"}}]
        body: dict = {"model": model, "messages": [{"role": "user", "content": content}]}
    elif provider == "anthropic":
        path, headers = "/v1/messages", {"x-api-key": key, "anthropic-version": "2023-06-01"}
        content = "Say hello." if b64 is None else [
            {"type": "image", "source": {"type": "base64", "media_type": mime, "data": b64}},
            {"type": "text", "text": "Describe this image."}]
        body = {"model": model, "max_tokens": 100, "messages": [{"role": "user", "content": content}]}
    else:
        path, headers = f"/v1beta/models/{model}:generateContent", {"x-goog-api-key": key}
        parts: list = [{"text": "Say hello."}] if b64 is None else [
            {"inlineData": {"mimeType": mime, "data": b64}}, {"text": "Describe this image."}]
        body = {"contents": [{"parts": parts}]}
    headers["Content-Type"] = "application/json"
    return path, headers, json.dumps(body).encode()


def interleaved(origins: dict[str, str], requests: list[tuple[str, dict, bytes]], warmup: int = 3) -> dict[str, list[float]]:
    """Send each request to every server in turn (one keep-alive client each); latencies per server."""
    out: dict[str, list[float]] = {name: [] for name in origins}
    clients = {name: httpx.Client(base_url=origin, timeout=60) for name, origin in origins.items()}
    try:
        for i, (path, headers, body) in enumerate(requests):
            for name, http in clients.items():
                t0 = time.perf_counter()
                resp = http.post(path, headers=headers, content=body)
                dt = time.perf_counter() - t0
                if resp.status_code != 200:
                    raise RuntimeError(f"{name} {path}: {resp.status_code} {resp.text[:200]}")
                if i >= warmup:
                    out[name].append(dt)
    finally:
        for http in clients.values():
            http.close()
    return out


def throughput(origin: str, requests: list[tuple[str, dict, bytes]], workers: int) -> float:
    def worker(chunk: list) -> None:
        with httpx.Client(base_url=origin, timeout=120) as http:
            for path, headers, body in chunk:
                http.post(path, headers=headers, content=body).raise_for_status()

    chunks = [requests[i::workers] for i in range(workers)]
    t0 = time.perf_counter()
    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(worker, chunks))
    return len(requests) / (time.perf_counter() - t0)


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] * 1000


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--provider", choices=["openai", "anthropic", "gemini"], default="openai")
    parser.add_argument("--image", choices=["png", "jpeg"], default="png",
                        help="png: incompressible noise (the worst case to decode); jpeg: a 2000x2000 photo")
    args = parser.parse_args(argv)

    servers = {"echo": launch(ECHO_APP), "emulator": launch(EMULATOR_APP)}
    origins = {name: origin for name, (_, origin) in servers.items()}
    try:
        print(f"provider={args.provider} image={args.image} requests={args.requests} "
              f"concurrency={args.concurrency} cpus={os.cpu_count()}")
        print(f"{'payload':<10} {'server':<9} {'p50 ms':>8} {'p90 ms':>8} {'req/s':>8}")
        count = 2 * args.requests + 8
        images = images_1mb(count) if args.image == "png" else photos_1mb(count)
        mime = f"image/{args.image}"
        suites = {
            "text": ([request_for(args.provider, None)] * args.requests, [request_for(args.provider, None)] * args.requests),
            # distinct images for the latency run and other distinct ones for the throughput runs
            f"{args.image} 1MB": ([request_for(args.provider, im, mime) for im in images[:args.requests]],
                                  [request_for(args.provider, im, mime) for im in images[args.requests:]]),
        }
        for name, (sequential, parallel) in suites.items():
            lat = interleaved(origins, sequential)
            half = len(parallel) // 2
            rps = {"echo": throughput(origins["echo"], parallel[:half], args.concurrency),
                   "emulator": throughput(origins["emulator"], parallel[half:], args.concurrency)}
            for label in origins:
                print(f"{name:<10} {label:<9} {pct(lat[label], 50):8.2f} {pct(lat[label], 90):8.2f} {rps[label]:8.1f}")
            ratio = statistics.median(lat["emulator"]) / statistics.median(lat["echo"])
            print(f"{name:<10} {'ratio':<9} {ratio:7.2f}x {pct(lat['emulator'], 90) / pct(lat['echo'], 90):7.2f}x "
                  f"{rps['echo'] / rps['emulator']:7.2f}x  (emulator / echo; req/s: echo / emulator)")
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait(10)


if __name__ == "__main__":
    main()
