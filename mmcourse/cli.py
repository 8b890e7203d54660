"""The ``mmcourse`` command: doctor, emulator, data build, release, grade, open, path."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import requests

from . import config as configmod

FIRST_NOTEBOOK = "notebooks/00_start_here.ipynb"
# Subcommands that hand their arguments to another module's main().
PASSTHROUGH = ("data", "release", "grade", "notebooks", "hub", "open", "path")


def emulator_answers(origin: str, timeout: float = 2.0) -> bool:
    """Whether the mmcourse emulator answers its health check at ``origin``."""
    try:
        response = requests.get(f"{origin}/_mmcourse/health", timeout=timeout)
        return response.ok and response.json().get("emulator") == "mmcourse"
    except (requests.RequestException, ValueError):
        return False


def doctor_lines(env: dict[str, str] | None = None) -> list[str]:
    """One line per provider: mode, where the key came from (never the key), base URL, emulator status."""
    lines = []
    origin = configmod.emulator_url(env)
    answering = None
    for provider in configmod.COURSE_PROVIDERS:
        try:
            cfg = configmod.provider_config(provider, env)
        except configmod.ConfigError as exc:
            lines.append(f"{provider:<9} error: {exc}")
            continue
        if cfg.offline:
            if answering is None:
                answering = emulator_answers(origin)
            status = "emulator answers" if answering else (
                "emulator not running (mmcourse.setup() starts it; or run: mmcourse emulator)"
            )
            key = "no key (offline)"
        else:
            status = "live host (not contacted by doctor)"
            key = f"key from {cfg.key_source}"
        lines.append(f"{provider:<9} {cfg.mode:<7} {key:<28} {cfg.base_url:<40} {status}")
    return lines


def _doctor(args: argparse.Namespace) -> int:
    for line in doctor_lines() + emulator_service_lines():
        print(line)
    return 0


def emulator_service_lines(env: dict[str, str] | None = None) -> list[str]:
    """This user's detached emulator, from its runtime folder (``service.status_lines``); the
    shared default port is looked at only when no emulator URL is configured (a hub sets one)."""
    from . import identity
    from .emulator import service

    explicit = identity.explicit_emulator_url(env)
    return service.status_lines(default_url=None if explicit else identity.DEFAULT_EMULATOR_URL)


def _emulator(args: argparse.Namespace) -> int:
    from . import emulator
    from .emulator import livelike

    if args.live_like:  # CI: answers written the ways real models write them (livelike.py)
        os.environ[livelike.ENV_SWITCH] = "1"
    emulator.serve(args.host, args.port)
    return 0


def _data(args: argparse.Namespace) -> int:
    from . import databuild

    rest = list(args.rest)
    if not rest or rest[0] != "build":
        print("usage: mmcourse data build [--out DIR] [--only KIND...]")
        return 2
    return databuild.main(rest[1:]) or 0


def _release(args: argparse.Namespace) -> int:
    from .grading import cli as grading_cli

    return grading_cli.release_main(args.rest) or 0


def _grade(args: argparse.Namespace) -> int:
    from .grading import cli as grading_cli

    return grading_cli.grade_main(args.rest) or 0


def _notebooks(args: argparse.Namespace) -> int:
    from . import notebooks

    return notebooks.main(args.rest) or 0


def _hub(args: argparse.Namespace) -> int:
    from . import hub

    return hub.main(args.rest) or 0


def _path(args: argparse.Namespace) -> int:
    from . import paths

    return paths.main(args.rest) or 0


# JupyterLab settings for the course, shipped as a package override (the mechanism JupyterLab
# reads from {sys.prefix}/share/jupyter/lab/settings/overrides.d/): no news prompt, no update
# check, and widget state saved with the notebook so a reopened notebook shows its widgets.
LAB_OVERRIDES = {
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
    "@jupyter-widgets/jupyterlab-manager:plugin": {"saveState": True},
}


def lab_command(rest: list[str], is_root: bool, root: Path | None = None) -> list[str]:
    """The JupyterLab command for ``mmcourse open [NOTEBOOK] [lab options...]``.

    The server's root is the course folder (so ``data/``, the README and Binder-style
    ``lab/tree/notebooks/...`` links work); the browser opens at NOTEBOOK (default: lesson 00).
    """
    root = Path.cwd() if root is None else root
    notebook = rest[0] if rest and not rest[0].startswith("-") else FIRST_NOTEBOOK
    options = rest[1:] if rest and not rest[0].startswith("-") else rest
    # Jupyter refuses to run as root (containers, CI, some cloud shells) unless told it may.
    as_root = ["--allow-root"] if is_root and "--allow-root" not in options else []
    return [sys.executable, "-m", "jupyterlab", f"--ServerApp.root_dir={root}",
            f"--LabApp.default_url=/lab/tree/{Path(notebook).as_posix()}",
            "--LabApp.news_url=None", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            # The server starts this user's emulator as it starts (mmcourse/jupyter_extension.py);
            # extensions other config files enable are kept (jupyter_server adds them to this dict).
            '--ServerApp.jpserver_extensions={"mmcourse.jupyter_extension": True}',
            *as_root, *options]


def write_lab_overrides(prefix: Path | None = None) -> Path | None:
    """Write the course's JupyterLab settings override; None when the environment is read-only."""
    import json

    folder = Path(sys.prefix if prefix is None else prefix) / "share" / "jupyter" / "lab" / "settings" / "overrides.d"
    target = folder / "mmcourse.json"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(LAB_OVERRIDES, indent=2) + "\n", encoding="utf-8")
    except OSError:  # a shared, read-only environment: JupyterLab's own defaults apply
        return None
    return target


def trust_notebooks(folder: Path) -> int:
    """Trust the course's notebooks (``jupyter trust``): their saved outputs render as they are."""
    import nbformat
    from nbformat.sign import NotebookNotary

    notary, signed = NotebookNotary(), 0
    for path in sorted(folder.glob("*.ipynb")):
        notebook = nbformat.read(path, as_version=4)
        if not notary.check_signature(notebook):
            notary.sign(notebook)
            signed += 1
    return signed


def _open(args: argparse.Namespace) -> int:
    command = lab_command(args.rest, hasattr(os, "geteuid") and os.geteuid() == 0)
    target = Path(command[4].split("/lab/tree/", 1)[1])
    if not target.exists():
        print(f"{target} not found: run this from the course folder (the clone's top level).")
        return 2
    write_lab_overrides()
    trust_notebooks(Path("notebooks"))
    return subprocess.call(command)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mmcourse", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    commands: dict[str, tuple[str, Callable[[argparse.Namespace], int]]] = {
        "doctor": ("show each provider's mode, key source, base URL and the emulator's status", _doctor),
        "emulator": ("serve the offline emulator in the foreground (for a whole class)", _emulator),
        "data": ("course data: `mmcourse data build [--out DIR]` regenerates data/", _data),
        "release": ("turn solutions/ into student notebooks/", _release),
        "grade": ("grade submitted notebooks: mmcourse grade SUB... --out DIR", _grade),
        "notebooks": ("authoring: `mmcourse notebooks build` syncs, executes and releases the lessons", _notebooks),
        "hub": ("workshops: nbgitpuller/Binder links, per-learner logs, collect, rehearse", _hub),
        "open": ("open the course in JupyterLab (served from here) at the first notebook", _open),
        "path": ("teaching paths: `mmcourse path workshop-3h` lists and rehearses a path's lessons", _path),
    }
    for name, (help_text, handler) in commands.items():
        p = sub.add_parser(name, help=help_text, add_help=name not in PASSTHROUGH)
        p.set_defaults(handler=handler)
        if name == "emulator":
            p.add_argument("--host", default="127.0.0.1", help="use 0.0.0.0 to serve a classroom network")
            p.add_argument("--port", type=int, default=8765)
            p.add_argument("--live-like", action="store_true",
                           help="for CI: vary answers the ways real models do (fences, prose, key order)")
        elif name in PASSTHROUGH:
            p.add_argument("rest", nargs=argparse.REMAINDER)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] in PASSTHROUGH:
        # argparse cannot hand on an argument list that starts with an option (--solutions ...)
        return build_parser().parse_args([argv[0]]).handler(argparse.Namespace(rest=argv[1:]))
    args = build_parser().parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
