"""Benchmark: what importing nbformat and starting a grading kernel cost, before and after the lock.

"Before" is this environment with jsonschema 4.24+ and rfc3987-syntax (the releases an unpinned
install took in 2026-11) put first on the path; "after" is this environment as the lock has it.
Both are measured in the same run, interleaved, as the median of several runs, next to a bare
``python -c pass`` as the reference. Run: python tests/bench/bench_imports.py [--runs 5]

The "before" packages are installed with pip into a temporary folder (``--target``), so the
benchmark needs the package registry once; pass ``--before-site DIR`` to reuse such a folder.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BEFORE = ("jsonschema==4.26.0", "rfc3987-syntax==1.1.0", "lark==1.3.1")
KERNEL_CODE = "import mmcourse.grading, nbformat"  # what a grading kernel imports first


def before_site(folder: Path) -> Path:
    """A folder holding the unpinned releases that made the import slow."""
    if not (folder / "rfc3987_syntax").is_dir():
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                        str(folder), *BEFORE], check=True)
    return folder


def env_with(site: Path | None) -> dict[str, str]:
    env = dict(os.environ)
    if site is not None:
        env["PYTHONPATH"] = os.pathsep.join([str(site), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    return env


def time_process(code: str, env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    return time.perf_counter() - started


def time_kernel(env: dict[str, str]) -> float:
    """Seconds from asking for an ipykernel to its first executed cell (the grading imports)."""
    from jupyter_client.manager import start_new_kernel

    started = time.perf_counter()
    manager, client = start_new_kernel(kernel_name="python3", env=env)
    try:
        reply = client.execute_interactive(KERNEL_CODE, timeout=120)
        assert reply["content"]["status"] == "ok", reply["content"]
        return time.perf_counter() - started
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--before-site", type=Path, help="a folder made by an earlier run")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        site = before_site(args.before_site or Path(tmp))
        variants = {"before": env_with(site), "after": env_with(None)}
        rows: dict[str, list[float]] = {}
        for _ in range(args.runs):  # interleaved, so drift hits both alike
            rows.setdefault("python -c pass", []).append(time_process("pass", variants["after"]))
            for name, env in variants.items():
                rows.setdefault(f"import nbformat ({name})", []).append(time_process("import nbformat", env))
                rows.setdefault(f"grading kernel start ({name})", []).append(time_kernel(env))
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, {args.runs} runs each (median, min-max)")
    for name, values in rows.items():
        print(f"  {name:<32} {statistics.median(values):6.2f} s  ({min(values):.2f}-{max(values):.2f})")
    for what in ("import nbformat", "grading kernel start"):
        b = statistics.median(rows[f"{what} (before)"])
        a = statistics.median(rows[f"{what} (after)"])
        print(f"{what}: {b:.2f} s -> {a:.2f} s ({b / a:.1f}x faster, {b - a:.2f} s saved per process)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
