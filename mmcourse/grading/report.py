"""Grading reports: one JSON per submission, the class gradebook CSV, Gradescope's results.json.

Reports carry test names, verdicts and messages, never a test's code. Every file is written
atomically (a temp file, then os.replace), so an interrupted run never leaves a half-written
gradebook.
"""

from __future__ import annotations

import csv
import io
import json
import os
import tempfile
from pathlib import Path

GRADEBOOK = "gradebook.csv"


def write_atomic(path: Path, text: str) -> None:
    """Write text to ``path`` through a temp file in the same folder and os.replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def submission_json(report: dict) -> str:
    """One submission's report as stable, readable JSON."""
    return json.dumps(report, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def gradebook_csv(reports: list[dict]) -> str:
    """One row per submission: id, notebook, status, each exercise's points, total, maximum."""
    exercise_ids: list[str] = []
    for report in reports:
        for exercise in report.get("exercises", []):
            if exercise["id"] not in exercise_ids:
                exercise_ids.append(exercise["id"])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["submission", "notebook", "status", *exercise_ids, "score", "max_score"])
    for report in sorted(reports, key=lambda r: r["submission"]):
        points = {e["id"]: e["score"] for e in report.get("exercises", [])}
        writer.writerow([
            report["submission"], report.get("notebook") or "", report["status"],
            *[_number(points[i]) if i in points else "" for i in exercise_ids],
            _number(report["score"]), _number(report["max_score"]),
        ])
    return buffer.getvalue()


def _number(value: float) -> str:
    return f"{value:g}"


def gradescope_results(report: dict) -> dict:
    """Gradescope's results.json: one test entry per exercise.

    Schema from Gradescope's autograder specifications: top-level "score" and "tests", each test
    with "name", "score", "max_score", "output" and "visibility" ("visible" here: the feedback
    never contains hidden test code, only names and messages).
    """
    tests = []
    for exercise in report.get("exercises", []):
        lines = [f"{exercise['status']}: {exercise['score']:g}/{exercise['max_score']:g} points"]
        for test in exercise.get("tests", []):
            detail = f": {test['message']}" if test["message"] else ""
            lines.append(f"- {test['visibility']} test {test['name']}: {test['status']}{detail}")
        lines.extend(f"- {note}" for note in exercise.get("feedback", []))
        tests.append({
            "name": f"{exercise['id']}: {exercise['title']}",
            "score": exercise["score"],
            "max_score": exercise["max_score"],
            "output": "\n".join(lines),
            "visibility": "visible",
        })
    return {
        "score": report["score"],
        "output": "\n".join(report.get("notes", [])),
        "visibility": "visible",
        "tests": tests,
    }


def write_reports(out: str | Path, reports: list[dict], *, gradescope: bool = False,
                  gradebook: bool = True) -> None:
    """Write each submission's JSON (and Gradescope file), then the gradebook for these reports.

    Gradescope runs one submission at a time and reads ``results.json`` from the results folder,
    so a single submission's file goes to ``OUT/results.json``; a batch gets
    ``OUT/gradescope/<id>/results.json``.
    """
    out = Path(out)
    for report in reports:
        write_atomic(out / f"{report['submission']}.json", submission_json(report))
        if gradescope:
            text = json.dumps(gradescope_results(report), indent=2, ensure_ascii=False) + "\n"
            write_atomic(out / "gradescope" / report["submission"] / "results.json", text)
    if gradebook:
        write_atomic(out / GRADEBOOK, gradebook_csv(reports))
        if gradescope and len(reports) == 1:
            text = json.dumps(gradescope_results(reports[0]), indent=2, ensure_ascii=False) + "\n"
            write_atomic(out / "results.json", text)
