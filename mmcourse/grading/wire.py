"""The grading channel's data: plain values, references and exceptions as length-prefixed JSON.

Nothing on this channel is ever code or a pickle. A value is copied when it is plain data of an
exact built-in type (None, bool, int, float, str, bytes, list, tuple, dict, set, Path, Decimal,
numpy scalars); anything else travels as a numbered reference that the other side can only ask
about (call it, read an attribute, iterate). An exception travels as its class's module and
name, its message and where in the learner's code it was raised.
"""

from __future__ import annotations

import base64
import json
import math
import socket
import struct

MAX_MESSAGE = 64 * 1024 * 1024  # bytes per message; a larger one is a broken sandbox
MAX_DEPTH = 64
_HEADER = struct.Struct("!I")
_NUMPY_SCALARS = {"float16", "float32", "float64", "int8", "int16", "int32", "int64",
                  "uint8", "uint16", "uint32", "uint64", "bool_"}


class ChannelClosed(ConnectionError):
    """The other side went away (or sent something that is not a message)."""


class NotPlain(TypeError):
    """A value that cannot be copied (sent as a reference instead, where references are allowed)."""


# --- framing ----------------------------------------------------------------------------------


def send(sock: socket.socket, message: dict) -> None:
    """Send one message (a JSON object)."""
    data = json.dumps(message, allow_nan=True, separators=(",", ":")).encode("utf-8")
    if len(data) > MAX_MESSAGE:
        raise NotPlain(f"a message of {len(data)} bytes is over the {MAX_MESSAGE} byte limit")
    sock.sendall(_HEADER.pack(len(data)) + data)


def recv(sock: socket.socket) -> dict:
    """Receive one message; raise ChannelClosed on EOF, a timeout or garbage."""
    try:
        (size,) = _HEADER.unpack(_read_exactly(sock, _HEADER.size))
        if size > MAX_MESSAGE:
            raise ChannelClosed(f"the other side announced a {size} byte message")
        message = json.loads(_read_exactly(sock, size))
    except (OSError, ValueError, RecursionError) as exc:
        raise ChannelClosed(f"{type(exc).__name__}: {exc}") from None
    if not isinstance(message, dict):
        raise ChannelClosed("a message that is not a JSON object")
    return message


def _read_exactly(sock: socket.socket, size: int) -> bytes:
    chunks, left = [], size
    while left:
        chunk = sock.recv(min(left, 1 << 20))
        if not chunk:
            raise ChannelClosed("the other side closed the channel")
        chunks.append(chunk)
        left -= len(chunk)
    return b"".join(chunks)


# --- values -----------------------------------------------------------------------------------


def encode(value, refer=None, depth: int = 0):
    """A JSON-able form of ``value``; ``refer(value) -> int`` numbers what is not plain data."""
    kind = type(value)
    if value is None or kind in (bool, str):
        return value
    if kind is int:
        return value if abs(value) < 1 << 63 else {"$": "int", "v": str(value)}
    if kind is float:
        return value if math.isfinite(value) else {"$": "float", "v": repr(value)}
    if depth > MAX_DEPTH:
        raise NotPlain("nested more than 64 levels deep")
    if kind is bytes or kind is bytearray:
        return {"$": kind.__name__, "v": base64.b64encode(value).decode("ascii")}
    if kind in (list, tuple, set, frozenset):
        items = sorted(value, key=repr) if kind in (set, frozenset) else value
        return {"$": kind.__name__, "v": [encode(v, refer, depth + 1) for v in items]}
    if kind is dict:
        return {"$": "dict", "v": [[encode(k, refer, depth + 1), encode(v, refer, depth + 1)]
                                   for k, v in value.items()]}
    if kind.__name__ == "Decimal" and kind.__module__ == "decimal":
        return {"$": "decimal", "v": str(value)}
    if kind.__name__ in ("PosixPath", "PurePosixPath") and kind.__module__ == "pathlib":
        return {"$": "path", "v": str(value)}
    if kind.__module__ == "numpy" and kind.__name__ in _NUMPY_SCALARS:
        return {"$": "numpy", "type": kind.__name__, "v": value.item()}
    if refer is None:
        raise NotPlain(f"a value of type {kind.__name__} is not plain data")
    return {"$": "ref", "id": refer(value), "type": f"{kind.__module__}.{kind.__qualname__}",
            "callable": callable(value)}


def decode(data, resolve=None, depth: int = 0):
    """The value ``encode`` described; ``resolve(ref_dict)`` turns a reference into a stand-in."""
    if data is None or type(data) in (bool, int, float, str):
        return data
    if depth > MAX_DEPTH + 2 or type(data) is not dict:
        raise ChannelClosed("a malformed value")
    tag, raw = data.get("$"), data.get("v")
    if tag == "int":
        return int(raw)
    if tag == "float":
        return float(raw)
    if tag in ("bytes", "bytearray"):
        blob = base64.b64decode(raw.encode("ascii"), validate=True)
        return blob if tag == "bytes" else bytearray(blob)
    if tag in ("list", "tuple", "set", "frozenset"):
        items = [decode(v, resolve, depth + 1) for v in raw]
        return {"list": list, "tuple": tuple, "set": set, "frozenset": frozenset}[tag](items)
    if tag == "dict":
        return {decode(k, resolve, depth + 1): decode(v, resolve, depth + 1) for k, v in raw}
    if tag == "path":
        from pathlib import Path

        return Path(str(raw))
    if tag == "decimal":
        from decimal import Decimal

        return Decimal(str(raw))
    if tag == "numpy":
        import numpy

        if data.get("type") not in _NUMPY_SCALARS:
            raise ChannelClosed("a malformed numpy value")
        return getattr(numpy, data["type"])(raw)
    if tag == "ref" and resolve is not None and type(data.get("id")) is int:
        return resolve(data)
    raise ChannelClosed(f"a value with an unknown tag {tag!r}")


def is_plain(value) -> bool:
    """True when ``value`` copies across the channel without references."""
    try:
        encode(value)
    except (NotPlain, RecursionError, ValueError):
        return False
    return True


# --- exceptions -------------------------------------------------------------------------------


def encode_exception(exc: BaseException, is_learner_file=None) -> dict:
    """An exception as data: class module and name, message, and the learner's innermost frame."""
    import traceback

    where = None
    try:
        frames = traceback.extract_tb(exc.__traceback__)
        yours = [f for f in frames if is_learner_file(f.filename)] if is_learner_file else []
        if yours:
            where = {"name": yours[-1].name, "line": yours[-1].lineno}
        message = str(exc)
    except BaseException:  # noqa: B036 - a hostile __str__ must not stop the report
        message = "(the exception's message could not be read)"
    kind = type(exc)
    return {"module": str(kind.__module__), "name": str(kind.__qualname__), "message": message[:2000],
            "where": where}


class RemoteError(Exception):
    """Stands in for an exception class that exists only in the other process."""


def decode_exception(data: dict, modules: dict) -> BaseException:
    """Rebuild an exception of the same class when this process has it (by module and name, from
    modules already imported: nothing is imported or run on the other side's say-so)."""
    module, name = str(data.get("module")), str(data.get("name"))
    message = str(data.get("message", ""))
    kind = None
    owner = modules.get(module)
    if owner is not None and "." not in name:
        candidate = getattr(owner, name, None)
        if isinstance(candidate, type) and issubclass(candidate, BaseException) \
                and not issubclass(candidate, (SystemExit, KeyboardInterrupt, GeneratorExit)):
            kind = candidate
    exc = None
    if kind is not None:
        try:
            exc = kind.__new__(kind)
            exc.args = (message,)
        except Exception:  # a class that refuses __new__ without its own arguments
            exc = None
    if exc is None:
        exc = type(name if name.isidentifier() else "Error", (RemoteError,), {})(message)
    exc._mmcourse_where = data.get("where") or {}
    return exc
