"""Benchmark: execute the whole course offline and print how long it takes.

Target (issue "The course"): every lesson in notebooks/ (and solutions/) executes offline on
2 cores in under 2 minutes. Run: python tests/bench/bench_course.py [--solutions]
Notebooks are executed from temporary copies; nothing in the repository changes.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from mmcourse import emulator
from mmcourse.notebooks import ROOT, execute, offline_env

TARGET_SECONDS = 120.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--solutions", action="store_true", help="also execute solutions/")
    args = parser.parse_args()
    folders = ["notebooks"] + (["solutions"] if args.solutions else [])
    print(f"cores: {os.cpu_count()}  python: {sys.version.split()[0]}")
    total = 0.0
    with emulator.start() as server, tempfile.TemporaryDirectory() as tmp:
        env = offline_env({"MMCOURSE_EMULATOR_URL": server.base_url})
        for folder in folders:
            copy = Path(tmp) / folder
            shutil.copytree(ROOT / folder, copy)
            started = time.perf_counter()
            for path in sorted(copy.glob("*.ipynb")):
                seconds = execute(path, env=env)
                print(f"  {folder}/{path.name:<34} {seconds:6.1f} s")
            elapsed = time.perf_counter() - started
            total += elapsed
            print(f"{folder}/: {elapsed:.1f} s for {len(list(copy.glob('*.ipynb')))} notebooks")
    verdict = "within" if total <= TARGET_SECONDS * len(folders) else "OVER"
    print(f"whole course: {total:.1f} s ({verdict} the {TARGET_SECONDS:.0f} s target per folder)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
