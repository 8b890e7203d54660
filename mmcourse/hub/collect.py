"""Collecting the learners' notebooks from their homes, for ``mmcourse grade``."""

from __future__ import annotations

import shutil
from pathlib import Path

from .errors import HubError

# TLJH names each learner's system account (and so their home folder) jupyter-<username>.
TLJH_HOME_PREFIX = "jupyter-"


def collect(homes: str | Path, out: str | Path, checkout: str = "mmcourse",
            folder: str = "notebooks", home_prefix: str = TLJH_HOME_PREFIX) -> list[Path]:
    """Copy ``<homes>/<prefix><user>/<checkout>/<folder>/*.ipynb`` to ``<out>/<user>/``.

    ``mmcourse grade <out> --out grades`` then names each submission ``<user>-<notebook>``.
    Returns the copied files; learners without a checkout are skipped (the summary says so).
    """
    homes, out = Path(homes), Path(out)
    if not homes.is_dir():
        raise HubError(f"{homes} is not a folder: give the folder that holds the learners' homes (TLJH: /home)")
    copied: list[Path] = []
    for home in sorted(p for p in homes.iterdir() if p.is_dir() and p.name.startswith(home_prefix)):
        user = home.name[len(home_prefix):]
        source = home / checkout / folder
        for notebook in sorted(source.glob("*.ipynb")):
            target = out / user / notebook.name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(notebook, target)
            copied.append(target)
    return copied
