"""Benchmark: a 10,000-line batch in the emulator, beside the JSON work any batch must do.

    python tests/bench/bench_batches.py [--lines 10000] [--distinct 4]

Starts an emulator in-process, uploads an OpenAI batch input file of ``--lines`` Chat
Completions lines cycling over ``--distinct`` different questions (as lesson 15 cycles over the
course's receipts), creates the batch on an instant clock, and times create -> completed ->
output file downloaded and parsed. The reference, in the same run: parsing the input lines and
writing and parsing an output file of the same size with ``json`` alone (what any batch service
and client must do at the least). Also times ``--sample`` lines that are all different, to show
what answering every line through the handler costs. Prints the seconds and the ratio
batch/reference (goal: at most 4x). A script, not a test: figures vary by machine.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from mmcourse import emulator, registry  # noqa: E402
from mmcourse.identity import scope_of  # noqa: E402

MODEL = registry.default_model("openai")


def lines(n: int, distinct: int) -> list[dict]:
    return [{"custom_id": f"doc-{k:05d}", "method": "POST", "url": "/v1/chat/completions",
             "body": {"model": MODEL, "messages": [{"role": "user", "content": f"Question {k % distinct}: what is 2 + 2?"}]}}
            for k in range(n)]


def run_batch(origin: str, key: str, batch_lines: list[dict]) -> tuple[float, list[dict]]:
    auth = {"Authorization": f"Bearer {key}"}
    requests.post(f"{origin}/_mmcourse/batches", params={"scope": scope_of(key)}, json={"seconds_per_stage": 0},
                  timeout=30).raise_for_status()
    data = "".join(json.dumps(line) + "\n" for line in batch_lines).encode()
    started = time.perf_counter()
    up = requests.post(f"{origin}/v1/files", headers=auth, data={"purpose": "batch"}, timeout=300,
                       files={"file": ("b.jsonl", data, "application/jsonl")}).json()
    batch = requests.post(f"{origin}/v1/batches", headers=auth, timeout=300, json={
        "input_file_id": up["id"], "endpoint": "/v1/chat/completions", "completion_window": "24h"}).json()
    batch = requests.get(f"{origin}/v1/batches/{batch['id']}", headers=auth, timeout=300).json()
    assert batch["status"] == "completed", batch
    out = requests.get(f"{origin}/v1/files/{batch['output_file_id']}/content", headers=auth, timeout=300).content
    results = [json.loads(line) for line in out.splitlines()]
    return time.perf_counter() - started, results


def reference(batch_lines: list[dict], results: list[dict]) -> float:
    """json alone: read the input lines, write and read an output file like the batch's."""
    data = "".join(json.dumps(line) + "\n" for line in batch_lines)
    started = time.perf_counter()
    parsed = [json.loads(line) for line in data.splitlines()]
    out = "".join(json.dumps(r) + "\n" for r in results)
    [json.loads(line) for line in out.splitlines()]
    assert len(parsed) == len(results)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=10_000)
    parser.add_argument("--distinct", type=int, default=4)
    parser.add_argument("--sample", type=int, default=300, help="all-different lines timed for comparison")
    args = parser.parse_args(argv)
    server = emulator.start(port=0)
    try:
        origin = server.base_url.rstrip("/")
        run_batch(origin, "bench-warmup", lines(20, 4))
        batch_s, results = run_batch(origin, "bench-batch", lines(args.lines, args.distinct))
        ref_s = reference(lines(args.lines, args.distinct), results)
        sample_s, _ = run_batch(origin, "bench-distinct", lines(args.sample, args.sample))
    finally:
        server.stop()
    per_line = sample_s / args.sample
    print(f"{args.lines:,} lines over {args.distinct} distinct bodies: {batch_s:.2f} s "
          f"(json alone {ref_s:.2f} s, ratio {batch_s / ref_s:.1f}x; goal at most 4x)")
    print(f"{args.sample} all-different lines: {sample_s:.2f} s = {per_line * 1000:.2f} ms a line; "
          f"answering each of the {args.lines:,} lines would take about {per_line * args.lines:.0f} s")


if __name__ == "__main__":
    main()
