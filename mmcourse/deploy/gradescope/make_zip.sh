#!/usr/bin/env bash
# Build the zip to upload as a Gradescope "Programming Assignment" autograder, from the repo root:
#   bash mmcourse/deploy/gradescope/make_zip.sh [autograder.zip]
set -euo pipefail
OUT="$(realpath -m "${1:-autograder.zip}")"
HERE="$(cd "$(dirname "$0")" && pwd)"
REPO="$(cd "$HERE/../../.." && pwd)"
STAGE="$(mktemp -d)"
trap 'rm -rf "$STAGE"' EXIT
cp "$HERE/setup.sh" "$HERE/run_autograder" "$STAGE/"
mkdir "$STAGE/solutions"
cp "$REPO"/solutions/*.ipynb "$STAGE/solutions/"
cp -r "$REPO/mmcourse" "$REPO/data" "$REPO/pyproject.toml" "$REPO/README.md" "$STAGE/"
find "$STAGE" -name __pycache__ -prune -exec rm -rf {} +
(cd "$STAGE" && rm -f "$OUT" && python3 -m zipfile -c "$OUT" setup.sh run_autograder solutions mmcourse data pyproject.toml README.md)
echo "wrote $OUT"
