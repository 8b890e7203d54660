"""The one error the hub tools raise."""

from __future__ import annotations


class HubError(RuntimeError):
    """A hub, server or emulator step failed; the message says which and what to do."""
