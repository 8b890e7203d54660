"""What exercise tests call (``expect``, ``last_request``) and how a test's outcome is described.

The same functions serve the learner's ``check()`` and the grader's harness. The harness runs
them from copies whose globals and builtins were frozen before any submission code ran, so keep
them free of module-level state and bind what they use at import time.
"""

from __future__ import annotations

import os
import random
import traceback
from math import isclose

PASSED = "passed"
FAILED = "failed"  # an assertion in the test failed
ERROR = "error"  # the learner's code raised
TIMEOUT = "timeout"
NOT_ATTEMPTED = "not-attempted"  # starter still in place or names undefined
CRASHED = "crashed"  # the kernel died while the test ran

_EXACT_NUMBERS = (int, float)
_NUMPY_NUMBER_NAMES = {
    "float16", "float32", "float64", "int8", "int16", "int32", "int64",
    "uint8", "uint16", "uint32", "uint64", "longlong", "double", "single",
}


class TestTimeout(BaseException):
    """Raised inside a test that ran past its time limit (BaseException so bare excepts see it less)."""


def expect(actual, expected, *, rel: float = 1e-9, abs_tol: float = 1e-9, what: str = "result") -> None:
    """Assert that ``actual`` equals ``expected``, checking exact types so look-alike objects fail.

    Floats compare with a tolerance; lists, tuples and dicts compare element by element.
    >>> expect(mean([1, 2, 3]), 2.0)
    """
    problem = _difference(actual, expected, what, rel, abs_tol)
    if problem:
        raise AssertionError(problem)


def _is_number(value) -> bool:
    kind = type(value)
    if kind in _EXACT_NUMBERS:
        return True
    return kind.__module__ == "numpy" and kind.__name__ in _NUMPY_NUMBER_NAMES


def _type_name(value) -> str:
    """The type a learner would recognise (for an object left in the grader's sandbox, its own)."""
    describe = getattr(type(value), "describe_type", None)
    return describe(value) if describe else type(value).__name__


def _short(value) -> str:
    text = repr(value) if type(value) in (str, int, float, bool, type(None)) else f"a value of type {_type_name(value)}"
    return text if len(text) <= 80 else text[:77] + "..."


def _difference(actual, expected, path: str, rel: float, abs_tol: float) -> str | None:
    """Why ``actual`` differs from ``expected`` (None when equal). Never calls the actual's __eq__."""
    if type(expected) is bool:
        if actual is not expected:
            return f"{path}: expected {expected!r}, got {_short(actual)}"
        return None
    if type(expected) in _EXACT_NUMBERS:
        if not _is_number(actual):
            return f"{path}: expected the number {expected!r}, got {_short(actual)}"
        if type(expected) is int and type(actual) is int:
            return None if actual == expected else f"{path}: expected {expected}, got {actual}"
        if isclose(float(actual), float(expected), rel_tol=rel, abs_tol=abs_tol):
            return None
        return f"{path}: expected {expected!r}, got {float(actual)!r}"
    if type(actual) is not type(expected):
        return f"{path}: expected a {type(expected).__name__}, got {_short(actual)}"
    if type(expected) in (list, tuple):
        if len(actual) != len(expected):
            return f"{path}: expected {len(expected)} items, got {len(actual)}"
        for i, (a, e) in enumerate(zip(actual, expected, strict=True)):
            problem = _difference(a, e, f"{path}[{i}]", rel, abs_tol)
            if problem:
                return problem
        return None
    if type(expected) is dict:
        missing = [k for k in expected if k not in actual]
        extra = [k for k in actual if k not in expected]
        if missing or extra:
            return f"{path}: keys differ (missing {missing!r}, unexpected {extra!r})"
        for key in expected:
            problem = _difference(actual[key], expected[key], f"{path}[{key!r}]", rel, abs_tol)
            if problem:
                return problem
        return None
    # Same exact type: that type's own equality is the author's (or Python's), not a look-alike's.
    return None if expected == actual else f"{path}: expected {_short(expected)}, got {_short(actual)}"


_SANDBOX_HOOK: list = []  # set by the grader's judge: how to reach the sandbox


def run_in_sandbox(source: str) -> None:
    """Run setup code in the learner's process (e.g. patch ``requests.post`` there).

    Under the grader the tests run outside the sandbox, so a patch made in the test itself
    would not reach the learner's code; this sends ``source`` in. Whatever it does can only
    change the values the learner's functions hand back, never a verdict. In a plain process
    (the learner's own ``check()``) it simply runs ``source`` here.
    """
    if _SANDBOX_HOOK:
        _SANDBOX_HOOK[0](source)
        return
    exec(compile(source, "<mmcourse-setup>", "exec"), {"__name__": "__mmcourse_setup__"})  # noqa: S102


def rng_for(seed: str, exercise: str, name: str) -> random.Random:
    """The random generator a test asking for ``rng`` gets: fixed per (seed, exercise, test)."""
    return random.Random(f"{seed}:{exercise}:{name}")


def call_test(fn, seed: str, exercise: str) -> None:
    """Call one test function, passing ``rng`` when it takes that parameter."""
    code = fn.__code__
    params = code.co_varnames[: code.co_argcount]
    if params == ("rng",):
        fn(rng_for(seed, exercise, fn.__name__))
    elif not params:
        fn()
    else:
        raise TypeError(f"test {fn.__name__} may take no parameters or just 'rng', not {params}")


def outcome(exc: BaseException | None, *, test_file: str, test_source: str, show_source: bool) -> dict:
    """Describe a test's outcome as {"status", "message"} for a learner.

    ``show_source`` is False for hidden tests: then no line of the test is quoted.
    """
    if exc is None:
        return {"status": PASSED, "message": ""}
    if isinstance(exc, TestTimeout):
        return {"status": TIMEOUT, "message": "ran past the time limit (an endless loop?)"}
    frames = traceback.extract_tb(exc.__traceback__)
    in_test = [f for f in frames if f.filename == test_file]
    remote = getattr(exc, "_mmcourse_where", None)  # raised by the learner's code in the sandbox
    if remote is not None:
        yours = [remote] if remote else [{}]
    else:
        yours = [f for f in frames if f.filename != test_file and not _is_grader_file(f.filename)]
    if isinstance(exc, NotImplementedError):
        return {"status": NOT_ATTEMPTED, "message": "still raises NotImplementedError (the starter code)"}
    if isinstance(exc, NameError) and not yours:
        return {"status": NOT_ATTEMPTED, "message": f"{exc}: write the code and run its cell first"}
    if isinstance(exc, AssertionError) and not yours:
        message = str(exc)
        if not message:
            line = ""
            if in_test and show_source:
                line = _test_line(test_source, in_test[-1].lineno) or (in_test[-1].line or "").strip()
            message = f"check failed: {line}" if line else "a check failed"
        return {"status": FAILED, "message": message}
    where = ""
    if remote:
        where = f" (line {remote.get('line')} of your {remote.get('name')}())"
    elif yours and remote is None:
        where = f" (line {yours[-1].lineno} of your {yours[-1].name}())"
    return {"status": ERROR, "message": f"{type(exc).__name__}: {_one_line(str(exc))}{where}"}


def _is_grader_file(filename: str) -> bool:
    return os.sep + os.path.join("mmcourse", "grading") + os.sep in filename


def _test_line(source: str, lineno: int | None) -> str:
    lines = source.split("\n")
    if lineno and 0 < lineno <= len(lines):
        return lines[lineno - 1].strip()
    return ""


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


# --- wire-format exercises: what actually reached the emulator -------------------------------

def current_scope() -> str:
    """The emulator scope of this learner (or, under the grader, of this submission)."""
    from mmcourse.identity import default_scope  # one definition of the key and its scope

    return default_scope(os.environ)


def _control(origin: str | None, scope: str | None):
    from mmcourse.emulator import ensure_running  # imported late: the emulator is optional here
    from mmcourse.emulator.control import EmulatorControl
    from mmcourse.identity import explicit_emulator_url

    origin = origin or explicit_emulator_url() or ensure_running()
    return EmulatorControl(origin, scope or current_scope())


def offline_config(provider: str):
    """The offline (emulator) settings for ``provider``: wire-format tests send there even when
    the learner is live, because they judge what reached the emulator."""
    from mmcourse.config import provider_config
    from mmcourse.identity import explicit_emulator_url

    origin = explicit_emulator_url() or _ensure_emulator()
    return provider_config(provider, {**os.environ, "MMCOURSE_MODE": "offline"}, {}, origin)


def _ensure_emulator() -> str:
    from mmcourse.emulator import ensure_running

    return ensure_running()


def requests_log(provider: str | None = None, *, origin: str | None = None, scope: str | None = None) -> list[dict]:
    """Every request the emulator logged for this learner (oldest first), optionally for one provider."""
    return list(_control(origin, scope).log(provider=provider))


def last_request(provider: str | None = None, *, origin: str | None = None, scope: str | None = None) -> dict | None:
    """The most recent request the emulator received from this learner (None when there is none).

    >>> record = last_request("anthropic")
    >>> record["verdict"], record["request"]["messages"][0]["content"][0]["type"]
    """
    records = requests_log(provider, origin=origin, scope=scope)
    return max(records, key=lambda r: r.get("seq", 0)) if records else None
