"""Code that ``rehearse`` runs in each test learner's kernel, with the course's own client and
the learner's environment. Each probe is self-contained (its imports inside) and prints one
line; ``probe_call`` turns one into the source a kernel executes.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable


def log_markers(marker: str, pattern: str) -> None:
    """Send one request carrying ``marker``; print the rehearsal markers seen in this learner's log."""
    import json
    import re

    import requests

    import mmcourse
    from mmcourse.grading import requests_log

    mmcourse.setup(quiet=True)
    request = mmcourse.build_request("openai", marker)
    requests.request(request.method, request.url, headers=request.headers, json=request.json,
                     timeout=30).raise_for_status()
    seen: set[str] = set()
    for record in requests_log():
        seen.update(re.findall(pattern + r"-[A-Za-z0-9._-]+", json.dumps(record.get("request"))))
    print(json.dumps(sorted(seen)))


def inject_fault() -> None:
    """Queue one 503 for this learner's next OpenAI request."""
    from mmcourse.emulator.control import EmulatorControl
    from mmcourse.identity import emulator_url

    EmulatorControl(emulator_url()).inject_fault("openai", 503, count=1)


def status_after_fault() -> None:
    """Print the HTTP status of this learner's next request."""
    import requests

    import mmcourse

    request = mmcourse.build_request("openai", "After the fault was injected: do I get an answer?")
    print(requests.request(request.method, request.url, headers=request.headers, json=request.json,
                           timeout=30).status_code)


def probe_call(probe: Callable[..., None], *args: str) -> str:
    """The source of ``probe`` followed by a call with ``args``: what a kernel executes."""
    return f"{inspect.getsource(probe)}\n{probe.__name__}({', '.join(map(repr, args))})\n"
