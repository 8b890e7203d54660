"""``mmcourse release`` and ``mmcourse grade``: argument parsing and a short summary, nothing more."""

from __future__ import annotations

import argparse
import sys

from mmcourse.grading.exercise import ExerciseFormatError
from mmcourse.progress import command_bar, say


def release_main(argv: list[str] | None = None) -> int:
    """mmcourse release [--solutions solutions] [--out notebooks] [--check]"""
    from mmcourse.grading.release import release_directory

    parser = argparse.ArgumentParser(
        prog="mmcourse release",
        description="Turn solution notebooks into student notebooks (starters, no hidden tests, locked check cells).",
    )
    parser.add_argument("--solutions", default="solutions", help="folder of solution notebooks (default: solutions)")
    parser.add_argument("--out", default="notebooks", help="folder for student notebooks (default: notebooks)")
    parser.add_argument("--check", action="store_true",
                        help="write nothing; exit 1 when a student notebook is out of date")
    args = parser.parse_args(argv)
    try:
        released = release_directory(args.solutions, args.out, dry_run=args.check)
    except (ExerciseFormatError, FileNotFoundError) as exc:
        print(f"mmcourse release: {exc}", file=sys.stderr)
        return 2
    if not released:
        print(f"mmcourse release: no solution notebooks in {args.solutions}", file=sys.stderr)
        return 0
    for item in released:
        state = ("out of date" if args.check else "written") if item.changed else "unchanged"
        print(f"{item.source} -> {item.target}: {state}")
    return 1 if args.check and any(item.changed for item in released) else 0


def grade_main(argv: list[str] | None = None) -> int:
    """mmcourse grade SUBMISSION... --out DIR [--solutions DIR] [--jobs N] [--timeout S] ..."""
    from mmcourse.grading.batch import SandboxUnavailable
    from mmcourse.grading.runner import Settings, grade_all

    parser = argparse.ArgumentParser(
        prog="mmcourse grade",
        description="Grade submitted notebooks, each in its own OS sandbox, verdicts decided outside it.",
    )
    parser.add_argument("submissions", nargs="+", help="notebook files or folders of them")
    parser.add_argument("--out", required=True, help="folder for gradebook.csv and one JSON per submission")
    parser.add_argument("--solutions", default="solutions",
                        help="folder of solution notebooks, .ipynb preferred (default: solutions)")
    parser.add_argument("--jobs", type=int, default=0, help="submissions graded at once (default: one per core)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per cell and per test (default: 60)")
    parser.add_argument("--memory-mb", type=int, default=2048, help="memory cap per process in MB (default: 2048)")
    parser.add_argument("--disk-mb", type=int, default=256, help="the sandbox's home and /tmp in MB (default: 256)")
    parser.add_argument("--processes", type=int, default=64, help="processes per sandbox (default: 64)")
    parser.add_argument("--gradescope", action="store_true", help="also write Gradescope results.json")
    parser.add_argument("--seed", default="", help="seed for hidden tests' random inputs (default: fresh)")
    parser.add_argument("--emulator", default=None, help="emulator origin for the reference solutions")
    parser.add_argument("--force", action="store_true", help="regrade submissions whose report is up to date")
    parser.add_argument("--unsandboxed", action="store_true",
                        help="grade WITHOUT the namespace sandbox (only for code you trust; every report says so)")
    parser.add_argument("--quiet", action="store_true",
                        help="no progress bar (it is drawn only when stderr is a terminal)")
    args = parser.parse_args(argv)
    settings = Settings(timeout=args.timeout, memory_mb=args.memory_mb, disk_mb=args.disk_mb,
                        processes=args.processes, seed=args.seed, emulator_url=args.emulator,
                        unsandboxed=args.unsandboxed)
    # Progress on stderr, the per-submission lines above it; the summary on stdout as always.
    try:
        with command_bar(0, desc="grade ", unit="submissions", quiet=args.quiet) as bar:
            reports = grade_all(args.submissions, args.solutions, args.out, jobs=args.jobs, settings=settings,
                                gradescope=args.gradescope, force=args.force,
                                log=lambda message: say(message, sys.stderr), progress=bar)
    except (ExerciseFormatError, FileNotFoundError, SandboxUnavailable) as exc:
        print(f"mmcourse grade: {exc}", file=sys.stderr)
        return 2
    total = sum(r["score"] for r in reports)
    modes = {r.get("sandbox") for r in reports if r.get("sandbox")}
    print(f"graded {len(reports)} submissions into {args.out}/gradebook.csv (mean score "
          f"{total / len(reports):.2f}); sandbox: {', '.join(sorted(modes)) or 'none needed'}")
    return 0
