"""Numbers that clients send as text (headers, query parameters), parsed strictly.

Python's ``int()`` also takes non-ASCII digits ("١٢"), underscores ("1_000"), signs and spaces,
and raises on more than 4300 digits; the providers take plain ASCII digits only. ``parse_int``
gives None for anything else, and each wire answers that with its own 400.
"""

from __future__ import annotations

import re

# At most 19 digits: every int64 fits, and no int() of thousands of digits is ever attempted.
_INTEGER = re.compile(r"-?[0-9]{1,19}")


def parse_int(text: str | None, minimum: int | None = None) -> int | None:
    """``text`` as an int when it is plain ASCII digits (optionally ``-``) at least ``minimum``.

    >>> parse_int("42"), parse_int("١٢"), parse_int("1_000"), parse_int("9" * 5000), parse_int("-1", 0)
    (42, None, None, None, None)
    """
    if text is None or not _INTEGER.fullmatch(text):
        return None
    value = int(text)
    return None if minimum is not None and value < minimum else value
