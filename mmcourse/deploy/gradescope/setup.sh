#!/usr/bin/env bash
# Gradescope runs this once, as root, when it builds the autograder image (Ubuntu): install the
# course package (the runtime install: grading needs no test or authoring extras) into its own
# venv. The autograder zip holds this file, run_autograder, and the course repository.
set -euo pipefail
apt-get update
apt-get install -y --no-install-recommends python3 python3-venv python3-pip
python3 -m venv /opt/mmcourse
/opt/mmcourse/bin/python -m pip install --upgrade pip
/opt/mmcourse/bin/python -m pip install /autograder/source
