"""The links that hand out the course: nbgitpuller (any JupyterHub) and Binder."""

from __future__ import annotations

import re
import urllib.parse

FIRST_NOTEBOOK = "notebooks/00_start_here.ipynb"
DEFAULT_BINDERHUB = "https://mybinder.org"


def checkout_name(repo: str, targetpath: str | None = None) -> str:
    """The folder nbgitpuller clones ``repo`` into: ``targetpath``, else the URL's last segment."""
    return targetpath or repo.rstrip("/").split("/")[-1]


def nbgitpuller_link(hub_url: str, repo: str, branch: str = "main", notebook: str = FIRST_NOTEBOOK,
                     targetpath: str | None = None, app: str = "lab") -> str:
    """A link that clones (first click) or updates (later clicks) the course, then opens ``notebook``.

    >>> nbgitpuller_link("https://hub.example.org", "https://github.com/me/mmcourse")
    'https://hub.example.org/hub/user-redirect/git-pull?repo=https%3A%2F%2Fgithub.com%2Fme%2Fmmcourse&branch=main&urlpath=lab%2Ftree%2Fmmcourse%2Fnotebooks%2F00_start_here.ipynb'
    """
    if app not in ("lab", "tree"):
        raise ValueError(f"app={app!r}: use 'lab' (JupyterLab) or 'tree' (classic Notebook)")
    folder = checkout_name(repo, targetpath)
    query = {"repo": repo, "branch": branch}
    if targetpath:
        query["targetpath"] = targetpath
    query["urlpath"] = f"{app}/tree/{folder}/{notebook}"
    return f"{hub_url.rstrip('/')}/hub/user-redirect/git-pull?{urllib.parse.urlencode(query)}"


def binder_link(repo: str, ref: str = "main", notebook: str = FIRST_NOTEBOOK,
                binderhub: str = DEFAULT_BINDERHUB) -> str:
    """A Binder launch link for a GitHub repository (``owner/name`` or its URL), opening ``notebook``.

    >>> binder_link("me/mmcourse")
    'https://mybinder.org/v2/gh/me/mmcourse/main?urlpath=lab/tree/notebooks/00_start_here.ipynb'
    """
    match = re.fullmatch(r"(?:https?://github\.com/)?([\w.-]+)/([\w.-]+?)(?:\.git)?/?", repo.strip())
    if not match:
        raise ValueError(f"{repo!r} is not a GitHub repository: give owner/name or https://github.com/owner/name")
    owner, name = match.groups()
    ref_part = urllib.parse.quote(ref, safe="")
    return f"{binderhub.rstrip('/')}/v2/gh/{owner}/{name}/{ref_part}?urlpath=lab/tree/{notebook}"
