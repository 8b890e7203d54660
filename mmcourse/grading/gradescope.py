"""Gradescope's autograder entry point: grade ``ROOT/submission``, write ``ROOT/results/results.json``.

Gradescope runs ``run_autograder`` (mmcourse/deploy/gradescope/) once per submission in a fresh
container laid out as ``/autograder/source`` (what the teacher uploaded: this package and
``solutions/``), ``/autograder/submission`` (the student's files) and ``/autograder/results``.
Every notebook in the submission is graded (against the solution it was released from) with
the same sandbox as ``mmcourse grade``; the results of all of them go into one results.json.
Whatever happens, a results.json is written, so the student sees why.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from mmcourse.grading.report import gradescope_results, write_atomic


def merged_results(reports: list[dict]) -> dict:
    """One results.json for every notebook of a submission (scores add up, tests in order)."""
    parts = [gradescope_results(r) for r in reports]
    return {
        "score": round(sum(p["score"] for p in parts), 2),
        "output": "\n".join(f"{r['submission']}: {p['output']}" for r, p in zip(reports, parts, strict=True)
                            if p["output"]),
        "visibility": "visible",
        "tests": [t for p in parts for t in p["tests"]],
    }


def run(root: Path, *, unsandboxed: bool = False, timeout: float = 60.0) -> dict:
    """Grade ``root/submission`` against ``root/source/solutions``; return what was written."""
    from mmcourse.grading.batch import SandboxUnavailable
    from mmcourse.grading.runner import Settings, expand_submissions, grade_all

    results = root / "results"
    notebooks = expand_submissions([root / "submission"])
    if not notebooks:
        found = {"score": 0.0, "output": "No notebook (.ipynb) in the submission: upload the notebook you "
                                         "worked in, keeping its file name.", "tests": []}
    else:
        try:
            reports = grade_all(notebooks, root / "source" / "solutions", results / "mmcourse", jobs=1,
                                settings=Settings(timeout=timeout, unsandboxed=unsandboxed),
                                log=lambda message: print(message, file=sys.stderr))
            found = merged_results(reports)
        except SandboxUnavailable as exc:
            found = {"score": 0.0, "tests": [],
                     "output": f"The autograder could not build its sandbox; your teacher has been told. ({exc})"}
    write_atomic(results / "results.json", json.dumps(found, indent=2, ensure_ascii=False) + "\n")
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m mmcourse.grading.gradescope", description=__doc__.splitlines()[0])
    parser.add_argument("--root", default="/autograder", help="Gradescope's folder (default: /autograder)")
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds per cell and per test")
    parser.add_argument("--unsandboxed", action="store_true",
                        help="grade without the namespace sandbox (the container is then the only wall)")
    args = parser.parse_args(argv)
    found = run(Path(args.root), unsandboxed=args.unsandboxed, timeout=args.timeout)
    print(f"score {found['score']:g}: {len(found['tests'])} tests in {args.root}/results/results.json")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
