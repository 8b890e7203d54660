"""Regenerate the course data in data/ and its manifest, deterministically.

    python -m mmcourse.databuild                 # everything, into the repo's data/
    python -m mmcourse.databuild --only charts   # one builder (others' entries are kept)
    python -m mmcourse.databuild --out /tmp/d    # somewhere else (e.g. to compare)

Each builder module draws one kind of file and returns `Artifact`s; `manifest.entry_for`
probes the written files. The same inputs give the same bytes, so a rebuild can be compared
with the committed data/ file by file. Build-only dependencies (scikit-image,
espeakng-loader: the `data` extra) are imported inside the builders that need them.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from ..progress import progress_bar, shown
from . import manifest as manifest_mod

# Builder module -> the manifest kinds it produces (used by --only to replace entries).
BUILDERS: dict[str, tuple[str, ...]] = {
    "photos": ("photo",),
    "charts": ("chart",),
    "receipts": ("receipt",),
    "speech": ("speech",),
    "video": ("video",),
    "multi_image": ("dashboard", "design"),
    "documents": ("pdf",),
    "errors": ("error-example",),
}


def default_out_dir() -> Path:
    """The repository's data/ folder (beside the mmcourse package)."""
    return Path(__file__).resolve().parents[2] / "data"


def resolve_builders(names: Iterable[str] | None) -> list[str]:
    """Map --only values (builder names or manifest kinds) to builder names, in build order."""
    if not names:
        return list(BUILDERS)
    wanted = set()
    for name in names:
        matches = [b for b, kinds in BUILDERS.items() if name == b or name in kinds]
        if not matches:
            choices = ", ".join(sorted(set(BUILDERS) | {k for ks in BUILDERS.values() for k in ks}))
            raise ValueError(f"unknown data kind {name!r}: choose from {choices}")
        wanted.update(matches)
    return [b for b in BUILDERS if b in wanted]


def build(out_dir: Path | str | None = None, only: Iterable[str] | None = None,
          progress: bool = False) -> dict[str, Any]:
    """Build the data files into out_dir (default data/) and write its manifest; return it.

    With `only`, the named builders run and their entries replace the same kinds in the
    manifest already in out_dir; every other entry is kept as it was. ``progress`` shows a bar
    (one step per builder: mmcourse.progress, a widget in a notebook, on stderr in a terminal).
    """
    out = Path(out_dir) if out_dir is not None else default_out_dir()
    out.mkdir(parents=True, exist_ok=True)
    builders = resolve_builders(only)
    entries: list[dict[str, Any]] = []
    if only:
        replaced = {kind for b in builders for kind in BUILDERS[b]}
        previous = manifest_mod.read_manifest(out) or {"files": []}
        entries = [e for e in previous["files"] if e["kind"] not in replaced]
    with progress_bar(len(builders), desc="data ", unit="builders", enabled=progress) as bar:
        for name in builders:
            bar.set_postfix_str(name, refresh=False)
            module = importlib.import_module(f"{__name__}.{name}")
            for artifact in module.build(out):
                entries.append(manifest_mod.entry_for(out, artifact))
            bar.update(1)
    result = manifest_mod.make_manifest(entries)
    manifest_mod.write_manifest(out, result)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry (`mmcourse data build` and `python -m mmcourse.databuild`)."""
    parser = argparse.ArgumentParser(
        prog="mmcourse data build",
        description="Regenerate the course data files and data/manifest.json (deterministic).",
    )
    parser.add_argument("--out", type=Path, default=None,
                        help="output folder (default: the repository's data/)")
    parser.add_argument("--only", nargs="+", metavar="KIND",
                        help="rebuild only these: " + ", ".join(BUILDERS) + " (or manifest kinds)")
    parser.add_argument("--quiet", action="store_true",
                        help="no progress bar (it is drawn only when stderr is a terminal)")
    args = parser.parse_args(argv)
    try:
        resolve_builders(args.only)
    except ValueError as exc:
        parser.error(str(exc))
    out = args.out if args.out is not None else default_out_dir()
    result = build(out, args.only, progress=shown(args.quiet))
    total = sum(e["bytes"] for e in result["files"])
    print(f"wrote {len(result['files'])} files ({total / 1e6:.2f} MB) and {out / manifest_mod.MANIFEST_NAME}")
    stale = manifest_mod.unlisted_files(out, result)
    if stale:
        print("warning: files not in the manifest (delete them if obsolete): " + ", ".join(stale),
              file=sys.stderr)
    return 0
