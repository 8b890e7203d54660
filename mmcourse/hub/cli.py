"""``python -m mmcourse.hub``: the teacher's commands (guide: mmcourse/deploy/TEACHERS.md)."""

from __future__ import annotations

import argparse
import sys

from ..identity import admin_token, emulator_scope, emulator_url, learner_scope
from .collect import TLJH_HOME_PREFIX, collect
from .errors import HubError
from .links import FIRST_NOTEBOOK, binder_link, nbgitpuller_link
from .rehearse import rehearse
from .service import emulator_up


def _print_log(username: str, origin: str) -> int:
    from ..emulator.control import EmulatorControl

    records = EmulatorControl(origin, scope=emulator_scope(username)).log()
    print(f"{username}: scope {emulator_scope(username)}, {len(records)} requests")
    for r in records:
        error = f"  {r['error']}" if r.get("error") else ""
        print(f"  #{r['seq']:<4} {r['provider']:<9} {r['status']} {r['verdict']:<22} {r.get('model') or '-'}{error}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m mmcourse.hub", description="Run mmcourse for a class "
                                     "(guide: mmcourse/deploy/TEACHERS.md).")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("link", help="print nbgitpuller links that hand out the course")
    p.add_argument("--hub", required=True, help="the hub's public URL, e.g. https://hub.example.org")
    p.add_argument("--repo", required=True, help="the course repository's clone URL")
    p.add_argument("--branch", default="main")
    p.add_argument("--targetpath", default=None, help="folder in each home (default: the repo's name)")
    p.add_argument("--app", default="lab", choices=["lab", "tree"])
    p.add_argument("notebooks", nargs="*", default=[FIRST_NOTEBOOK])
    p = sub.add_parser("binder-link", help="print the Binder launch link")
    p.add_argument("repo", help="owner/name on GitHub")
    p.add_argument("--ref", default="main")
    p.add_argument("--notebook", default=FIRST_NOTEBOOK)
    p = sub.add_parser("scope", help="print the emulator scope of each user (for EmulatorControl)")
    p.add_argument("users", nargs="+")
    p = sub.add_parser("log", help="show one learner's request log")
    p.add_argument("user")
    p.add_argument("--emulator", default=None, help="emulator origin (default: $MMCOURSE_EMULATOR_URL or :8765)")
    p = sub.add_parser("collect", help="copy each learner's notebooks into one folder for mmcourse grade")
    p.add_argument("--homes", default="/home")
    p.add_argument("--out", required=True)
    p.add_argument("--checkout", default="mmcourse", help="the course folder in each home")
    p.add_argument("--folder", default="notebooks", help="the notebooks' folder in it ('.' for a student branch)")
    p.add_argument("--home-prefix", default=TLJH_HOME_PREFIX)
    p = sub.add_parser("emulator-up", help="start a detached emulator unless one answers (Binder start hook)")
    p.add_argument("--url", default=None, help="default: $MMCOURSE_EMULATOR_URL or http://127.0.0.1:8765")
    p.add_argument("--timeout", type=float, default=30.0)
    p.add_argument("--log", default=None)
    p.add_argument("--pidfile", default=None)
    p = sub.add_parser("rehearse", help="N test learners run notebooks at once on a real hub")
    p.add_argument("--hub", required=True)
    p.add_argument("--token", required=True, help="a token with admin:users, admin:servers, access:servers")
    p.add_argument("--link", default=None, help="nbgitpuller link (from the link command)")
    p.add_argument("--users", type=int, default=5)
    p.add_argument("--keep-users", action="store_true", help="do not delete the rehearsal-N users afterwards")
    p.add_argument("notebooks", nargs="*", default=[FIRST_NOTEBOOK])
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "link":
        for notebook in args.notebooks:
            print(nbgitpuller_link(args.hub, args.repo, args.branch, notebook, args.targetpath, args.app))
    elif args.command == "binder-link":
        print(binder_link(args.repo, args.ref, args.notebook))
    elif args.command == "scope":
        for user in args.users:
            print(f"{user}\tMMCOURSE_SCOPE={learner_scope(user, admin_token())}\temulator scope {emulator_scope(user)}")
    elif args.command == "log":
        return _print_log(args.user, args.emulator or emulator_url())
    elif args.command == "collect":
        copied = collect(args.homes, args.out, args.checkout, args.folder, args.home_prefix)
        users = sorted({p.parent.name for p in copied})
        print(f"collected {len(copied)} notebooks from {len(users)} learners into {args.out}: "
              f"next, mmcourse grade {args.out} --out grades")
    elif args.command == "emulator-up":
        url = args.url or emulator_url()
        try:
            pid = emulator_up(url, args.timeout, args.log, args.pidfile)
        except HubError as exc:
            print(f"mmcourse.hub emulator-up: {exc}", file=sys.stderr)
            return 1
        print(f"mmcourse emulator {'started (pid ' + str(pid) + ')' if pid else 'already running'} at {url}")
    elif args.command == "rehearse":
        users = [f"rehearsal-{n}" for n in range(1, args.users + 1)]
        report = rehearse(args.hub, args.token, users, args.link, args.notebooks, cleanup=not args.keep_users)
        print(report.summary())
        return 0 if report.ok else 1
    return 0
