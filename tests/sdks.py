"""The official SDKs are test-only (the ``sdk`` extra): a test that needs one skips, saying how
to install it, instead of failing on an ImportError."""

from __future__ import annotations

import pytest

INSTALL = 'python -m pip install -c .ci/constraints.txt -e ".[sdk]"'


def need(module: str):
    """``module`` imported, or this test (or, at module level, this file) skipped with the fix."""
    return pytest.importorskip(module, reason=f"{module} is not installed (official SDKs are test-only): {INSTALL}")
