"""State a feature module keeps beside an ``EmulatorState``: one object per emulator, made on use.

The Responses store, the prompt cache and the batch jobs live in their own modules (each owns
its data and its lock); this is how they hang off the one emulator they belong to without
``state.py`` having to know them.

>>> class Jar: pass
>>> state = object.__new__(type("S", (), {}))
>>> attached(state, Jar) is attached(state, Jar)
True
"""

from __future__ import annotations

import threading
import weakref
from typing import TypeVar

T = TypeVar("T")

_STORES: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_LOCK = threading.Lock()


def attached(state: object, kind: type[T]) -> T:
    """The one ``kind()`` instance belonging to ``state`` (created the first time it is asked for)."""
    with _LOCK:
        per_state = _STORES.setdefault(state, {})
        if kind not in per_state:
            per_state[kind] = kind()
        return per_state[kind]


def forget(state: object, scope: str) -> None:
    """Make every store attached to ``state`` forget ``scope`` (what ``POST /_mmcourse/reset`` means)."""
    with _LOCK:
        stores = list(_STORES.get(state, {}).values())
    for store in stores:
        store.forget(scope)

