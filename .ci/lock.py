"""The tested version lock: read it, check it, and write it from a tested environment.

``.ci/constraints.txt`` pins every distribution of the environment that CI tested (the runtime
install, the test extra and the data extra, with all their dependencies). Both Quick start
commands hand it to pip with ``-c``, ``environment.yml`` hands it to pip too, and
``.binder/environment.yml`` carries the same pins for the runtime closure (plus nbgitpuller),
written out inline because repo2docker builds that environment before it copies the repository.

``python .ci/lock.py write --python VENV/bin/python`` rewrites both files from an environment;
``.ci/relock`` is the one command that re-resolves, tests and then calls it.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONSTRAINTS = ROOT / ".ci" / "constraints.txt"
BINDER_ENV = ROOT / ".binder" / "environment.yml"
# Binder's image also serves Zero to JupyterHub, whose learners get notebooks by nbgitpuller links.
BINDER_EXTRA = ("nbgitpuller",)
PYTHON = "3.11"

_CLOSURE = r"""
import json, re, sys
from importlib import metadata
from packaging.requirements import Requirement

def norm(name): return re.sub(r"[-_.]+", "-", name).lower()

roots = json.loads(sys.argv[1])
seen, todo = {}, [(Requirement(r), ()) for r in roots]
while todo:
    req, extras = todo.pop()
    env_ok = req.marker is None or any(req.marker.evaluate({"extra": e}) for e in (extras or ("",)))
    name = norm(req.name)
    if not env_ok or name in seen:
        continue
    try:
        dist = metadata.distribution(req.name)
    except metadata.PackageNotFoundError:
        continue
    seen[name] = dist.version
    for sub in dist.requires or []:
        todo.append((Requirement(sub), tuple(req.extras)))
print(json.dumps(seen))
"""


def normalise(name: str) -> str:
    """PEP 503 name: ``Jinja2`` and ``jinja2``, ``python_dateutil`` and ``python-dateutil`` agree."""
    return re.sub(r"[-_.]+", "-", name).lower()


def read_pins(path: Path = CONSTRAINTS) -> dict[str, str]:
    """``{normalised name: version}`` from a constraints file (``name==version`` lines)."""
    pins = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)==([^\s;]+)", line)
        if not match:
            raise ValueError(f"{path.name}: {line!r} is not a name==version pin")
        pins[normalise(match.group(1))] = match.group(2)
    return pins


def runtime_roots() -> list[str]:
    """The runtime requirements of mmcourse (pyproject's ``[project.dependencies]``)."""
    import tomllib

    return list(tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"])


def closure(python: str, roots: list[str]) -> dict[str, str]:
    """Every distribution ``roots`` need, as installed for ``python`` (markers evaluated)."""
    out = subprocess.run([python, "-c", _CLOSURE, json.dumps(roots)], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)


def freeze(python: str) -> dict[str, str]:
    """``pip freeze`` of an environment, without mmcourse itself."""
    out = subprocess.run([python, "-m", "pip", "freeze", "--exclude-editable"], check=True,
                         capture_output=True, text=True).stdout
    pins = {}
    for line in out.splitlines():
        match = re.fullmatch(r"([A-Za-z0-9_.-]+)==(\S+)", line.strip())
        if match and normalise(match.group(1)) != "mmcourse":
            pins[normalise(match.group(1))] = match.group(2)
    return pins


def constraints_text(pins: dict[str, str], python_version: str) -> str:
    header = (
        "# The tested lock: every package of the environment CI tested (Python "
        f"{python_version}, Linux).\n"
        "# Written by .ci/relock (re-resolve to the newest releases, run the suite, rewrite this);\n"
        "# do not edit by hand. Both Quick start commands pass it to pip with -c.\n"
    )
    return header + "".join(f"{name}=={pins[name]}\n" for name in sorted(pins))


def binder_env_text(pins: dict[str, str]) -> str:
    lines = [
        "# Binder (repo2docker) reads ONLY this folder once .binder/ exists, and builds this",
        "# environment before it copies the repository, so the pins are written out here: the",
        "# runtime closure of .ci/constraints.txt plus nbgitpuller (the same image serves Zero to",
        "# JupyterHub, whose learners get notebooks by nbgitpuller links). postBuild installs the",
        "# course itself. Written by .ci/relock from the tested lock; do not edit by hand.",
        "name: mmcourse",
        "channels:",
        "  - conda-forge",
        "dependencies:",
        f"  - python={PYTHON}",
        "  - pip",
        "  - pip:",
    ]
    lines += [f"      - {name}=={pins[name]}" for name in sorted(pins)]
    return "\n".join(lines) + "\n"


def write(python: str) -> None:
    """Rewrite the lock and Binder's pins from the environment of ``python``."""
    pins = freeze(python)
    version = subprocess.run([python, "-c", "import sys; print('%d.%d.%d' % sys.version_info[:3])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    CONSTRAINTS.write_text(constraints_text(pins, version))
    binder = closure(python, runtime_roots() + list(BINDER_EXTRA))
    BINDER_ENV.write_text(binder_env_text({n: pins[n] for n in binder if n in pins}))
    print(f"wrote {CONSTRAINTS.relative_to(ROOT)} ({len(pins)} pins) and "
          f"{BINDER_ENV.relative_to(ROOT)} ({len(binder)} pins)")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    w = sub.add_parser("write", help="rewrite the lock from a tested environment")
    w.add_argument("--python", default=sys.executable, help="that environment's python")
    args = parser.parse_args(argv)
    if args.command == "write":
        write(args.python)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
