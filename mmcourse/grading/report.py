"""Grading reports: one JSON per submission, the class gradebook CSV, Gradescope's results.json.

Reports carry test names, verdicts and messages, never a test's code. Every file is written
atomically (a temp file, then os.replace), so an interrupted run never leaves a half-written
gradebook.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import tempfile
from pathlib import Path

GRADEBOOK = "gradebook.csv"
CACHE_INDEX = ".mmcourse-cache.json"  # submission id -> sha256 of the report the grader wrote
MASK = "<redacted>"
# Shapes of provider keys and bearer tokens: OpenAI (sk-..., sk-proj-...), Anthropic
# (sk-ant-...), Google (AIza...), and any long token after "Bearer ".
KEY_SHAPES = re.compile(
    r"sk-[A-Za-z0-9_\-]{16,}|AIza[0-9A-Za-z_\-]{30,}|(?<=Bearer )[A-Za-z0-9._~+/=\-]{16,}")


def mask_secrets(value, secrets: list[str] | tuple[str, ...] = ()):
    """``value`` (a report, or any part of one) with key-shaped strings and known secrets masked."""
    if isinstance(value, str):
        for secret in secrets:
            value = value.replace(secret, MASK)
        return KEY_SHAPES.sub(MASK, value)
    if isinstance(value, list):
        return [mask_secrets(v, secrets) for v in value]
    if isinstance(value, dict):
        return {k: mask_secrets(v, secrets) for k, v in value.items()}
    return value


def read_cache_index(out: Path) -> dict:
    try:
        index = json.loads((Path(out) / CACHE_INDEX).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return index if isinstance(index, dict) else {}


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
    sandbox = f"sandbox: {report['sandbox']}" if report.get("sandbox") else ""
    return {
        "score": report["score"],
        "output": "\n".join([*report.get("notes", []), sandbox]).strip(),
        "visibility": "visible",
        "tests": tests,
    }


def write_reports(out: str | Path, reports: list[dict], *, gradescope: bool = False,
                  gradebook: bool = True, secrets: list[str] | tuple[str, ...] = ()) -> None:
    """Write each submission's JSON (and Gradescope file), then the gradebook for these reports.

    Gradescope runs one submission at a time and reads ``results.json`` from the results folder,
    so a single submission's file goes to ``OUT/results.json``; a batch gets
    ``OUT/gradescope/<id>/results.json``.
    """
    out = Path(out)
    reports = [mask_secrets(r, secrets) for r in reports]
    index = read_cache_index(out)
    for report in reports:
        text = submission_json(report)
        write_atomic(out / f"{report['submission']}.json", text)
        index[report["submission"]] = hashlib.sha256(text.encode("utf-8")).hexdigest()
        if gradescope:
            text = json.dumps(gradescope_results(report), indent=2, ensure_ascii=False) + "\n"
            write_atomic(out / "gradescope" / report["submission"] / "results.json", text)
    write_atomic(out / CACHE_INDEX, json.dumps(index, indent=1, sort_keys=True) + "\n")
    if gradebook:
        write_atomic(out / GRADEBOOK, gradebook_csv(reports))
        if gradescope and len(reports) == 1:
            text = json.dumps(gradescope_results(reports[0]), indent=2, ensure_ascii=False) + "\n"
            write_atomic(out / "results.json", text)
