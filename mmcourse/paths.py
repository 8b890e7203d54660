"""Teaching paths: which lessons a 3-hour workshop or a one-day course covers, and how long they take.

Each lesson states its own time ("**Estimated time: 30 min**" in its first cell); a path's time
is the sum of its lessons' times, so lesson 00, ``TEACHERS.md`` and ``mmcourse path`` can never
disagree. ``mmcourse path NAME`` lists a path with those times, then rehearses it: it runs each
lesson offline with the model answers in the exercise cells (as a teacher would before class)
and prints how long each took and whether its checks passed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from .identity import EMULATOR_URL_ENV, SCOPE_ENV

ROOT = Path(__file__).resolve().parents[1]
ESTIMATE = re.compile(r"\*\*Estimated time: (\d+) min\*\*")


@dataclass(frozen=True)
class TeachingPath:
    """A named sequence of lessons (by number) for one format of teaching."""

    name: str
    title: str
    lessons: tuple[str, ...]
    why: str


PATHS = {
    path.name: path
    for path in (
        TeachingPath(
            "workshop-3h", "a 3-hour workshop", ("00", "01", "02", "03", "04", "05"),
            "one raw request per provider, then one function for all three; each lesson needs the one before",
        ),
        TeachingPath(
            "one-day", "a one-day course", ("00", "01", "02", "03", "04", "05", "06", "07", "10", "11", "12"),
            "the workshop, then charts, receipts, several images and PDFs, errors, and cost; "
            "08, 09, the 2026 surface 13-15, privacy 16, the capstone 17 and the SDK appendix 18 are for a second day or homework",
        ),
    )
}


def lesson_sources(root: Path = ROOT) -> dict[str, Path]:
    """Lesson number -> its source, e.g. ``"05" -> solutions/05_one_function.py``."""
    return {path.name[:2]: path for path in sorted((root / "solutions").glob("[0-9][0-9]_*.py"))}


def estimated_minutes(source: Path) -> int:
    """The time a lesson states for itself in its first cell."""
    found = ESTIMATE.search(source.read_text(encoding="utf-8"))
    if not found:
        raise ValueError(f"{source.name} states no '**Estimated time: N min**' in its first cell")
    return int(found.group(1))


def get(name: str) -> TeachingPath:
    """The path called ``name``; the error lists the paths there are."""
    if name not in PATHS:
        raise KeyError(f"no teaching path {name!r}: choose one of {', '.join(PATHS)}")
    return PATHS[name]


def plan(name: str, root: Path = ROOT) -> list[tuple[str, int]]:
    """(lesson stem, estimated minutes) for each lesson of the path, in order."""
    sources = lesson_sources(root)
    return [(sources[n].stem, estimated_minutes(sources[n])) for n in get(name).lessons]


def total_minutes(name: str, root: Path = ROOT) -> int:
    return sum(minutes for _, minutes in plan(name, root))


def hours_and_minutes(minutes: int) -> str:
    """175 -> '2 h 55 min'."""
    hours, rest = divmod(minutes, 60)
    return f"{hours} h {rest:02d} min" if hours else f"{rest} min"


def rehearse(name: str, root: Path = ROOT, timeout: int = 180) -> list[dict]:
    """Run each lesson of the path offline with its answers in; per lesson: seconds and checks."""
    import time

    from nbclient import NotebookClient

    from .emulator import start
    from .grading.exercise import CHECK, META_KEY, read_notebook
    from .grading.release import answered_notebook
    from .notebooks import offline_env

    sources, results = lesson_sources(root), []
    with start(port=0) as emulator:
        for number in get(name).lessons:
            source = sources[number]
            notebook = answered_notebook(read_notebook(source), source.stem)
            env = offline_env({EMULATOR_URL_ENV: emulator.base_url, SCOPE_ENV: f"path-{number}"})
            started = time.perf_counter()
            NotebookClient(notebook, timeout=timeout, kernel_name="python3").execute(
                env=env, cwd=str(root / "notebooks"))
            checks = [cell for cell in notebook.cells if (cell.metadata.get(META_KEY) or {}).get("role") == CHECK]
            passed = sum("".join(o.get("text", "") for o in cell.outputs).rstrip().split("\n")[-1].startswith("All ")
                         for cell in checks)
            results.append({"lesson": source.stem, "minutes": estimated_minutes(source),
                            "seconds": time.perf_counter() - started, "checks": len(checks), "passed": passed})
    return results


def main(argv: list[str] | None = None) -> int:
    import argparse

    parser = argparse.ArgumentParser(prog="mmcourse path", description=__doc__)
    parser.add_argument("name", nargs="?", choices=list(PATHS), help="the path; without one, list them all")
    parser.add_argument("--no-run", action="store_true", help="list the lessons and times only")
    args = parser.parse_args(argv)
    for path in [get(args.name)] if args.name else PATHS.values():
        print(f"{path.name}: {path.title}, {hours_and_minutes(total_minutes(path.name))} by the lessons' "
              f"own estimates ({path.why})")
        for stem, minutes in plan(path.name):
            print(f"  {stem:<28} {minutes:>3} min")
    if not args.name or args.no_run:
        return 0
    print("rehearsing offline, with the answers in the exercise cells:")
    failed = 0
    for row in rehearse(args.name):
        ok = row["passed"] == row["checks"]
        failed += not ok
        print(f"  {row['lesson']:<28} {row['minutes']:>3} min to teach, ran in {row['seconds']:5.1f} s, "
              f"{row['passed']} of {row['checks']} checks passed" + ("" if ok else "  <- look at this one"))
    return 1 if failed else 0
