"""Exercises and auto-grading: the format (exercise), release, the learner's check, the grader.

A notebook uses ``check``, ``hint`` and, inside tests, ``expect`` and ``last_request``.
Instructors use ``mmcourse release`` and ``mmcourse grade`` (see cli.py and FORMAT.md).
"""

from mmcourse.grading.check import check, hint, register
from mmcourse.grading.testing import (
           expect,
           last_request,
           offline_config,
           requests_log,
           run_in_sandbox,
)

__all__ = ["check", "expect", "hint", "last_request", "offline_config", "register", "requests_log",
           "run_in_sandbox"]
