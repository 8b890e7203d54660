"""Workshops at scale: one offline emulator for a whole class, on JupyterHub or Binder.

What a teacher calls (``python -m mmcourse.hub --help``; the guide is ``mmcourse/deploy/TEACHERS.md``):

- ``learner_scope(username, secret)``: the ``MMCOURSE_SCOPE`` a learner's server gets (an HMAC
  keyed with the class secret), so their request log, faults and rate limits are theirs alone;
  ``emulator_scope(username)`` is the emulator's name for that scope (for
  ``EmulatorControl(origin, scope=...)``). Both live in ``mmcourse.identity``.
- ``nbgitpuller_link(...)`` / ``binder_link(...)``: the links that hand out the course.
- ``collect(homes, out)``: copy every learner's notebooks into one folder for ``mmcourse grade``.
- ``emulator_up(url)``: start a detached emulator unless one answers (the Binder start hook).
- ``rehearse(...)``: before a workshop, N test learners pull the course and run notebooks at the
  same time on the real hub; checks that each sees only their own log and their own faults.

The package, one module per idea: ``links`` (nbgitpuller and Binder links), ``collect``
(submissions), ``service`` (the session's emulator), ``rehearse`` (test learners on a real hub,
with ``probes``, the code run in their kernels), ``cli`` (``python -m mmcourse.hub``).
"""

from __future__ import annotations

from ..identity import emulator_scope, learner_scope
from .cli import build_parser, main
from .collect import TLJH_HOME_PREFIX, collect
from .errors import HubError
from .links import DEFAULT_BINDERHUB, FIRST_NOTEBOOK, binder_link, checkout_name, nbgitpuller_link
from .rehearse import (
    MARKER,
    CellOutput,
    HubAPI,
    Kernel,
    LearnerRun,
    NotebookRun,
    Rehearsal,
    UserServer,
    marker_for,
    rehearse,
    rehearse_async,
    run_notebook,
)
from .service import SERVICE_NAME, emulator_up

__all__ = [
    "DEFAULT_BINDERHUB", "FIRST_NOTEBOOK", "MARKER", "SERVICE_NAME", "TLJH_HOME_PREFIX", "CellOutput",
    "HubAPI", "HubError", "Kernel", "LearnerRun", "NotebookRun", "Rehearsal", "UserServer", "binder_link",
    "build_parser", "checkout_name", "collect", "emulator_scope", "emulator_up", "learner_scope", "main",
    "marker_for", "nbgitpuller_link", "rehearse", "rehearse_async", "run_notebook",
]
