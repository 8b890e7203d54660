"""A Jupyter server extension that starts this user's emulator when JupyterLab (or a hub's
single-user server) starts, so the first lesson cell finds it already answering.

It calls ``mmcourse.emulator.ensure_running()`` in a background thread (the server does not wait
for it): that reuses the emulator ``$MMCOURSE_EMULATOR_URL`` names (a class-wide one) or this
user's own, else starts this user's detached emulator, which outlives the server. A failure is
one warning in the server log; ``mmcourse.setup()`` in a notebook tries again. Kernels the server
starts inherit ``MMCOURSE_EMULATOR_URL`` when the emulator had to take a free port.

``mmcourse open`` enables it on the command line it runs. A hub (or any other Jupyter server of
the course's environment) enables it by copying ``mmcourse/jupyter_server_config.d/mmcourse.json``
into ``{sys.prefix}/etc/jupyter/jupyter_server_config.d/``, or with
``jupyter server extension enable mmcourse.jupyter_extension``. It is not switched on for every
Jupyter server by installing the package: a server that is not the course's starts no emulator.
"""

from __future__ import annotations

import logging
import threading

MODULE = "mmcourse.jupyter_extension"


def _jupyter_server_extension_points() -> list[dict]:
    """Jupyter server's discovery hook: this module is the extension."""
    return [{"module": MODULE}]


def _load_jupyter_server_extension(serverapp) -> threading.Thread:
    """Called once by the Jupyter server at start: start the emulator beside it."""
    log = getattr(serverapp, "log", None) or logging.getLogger(MODULE)
    thread = threading.Thread(target=start_emulator, args=(log,), name="mmcourse-emulator-start", daemon=True)
    thread.start()
    return thread


def start_emulator(log: logging.Logger) -> str | None:
    """The origin of this user's emulator, started if needed; None (and a warning) if it failed."""
    try:
        from mmcourse import emulator

        url = emulator.ensure_running()
    except Exception as exc:  # noqa: BLE001 - whatever went wrong, the Jupyter server must keep running
        log.warning("mmcourse: the offline emulator did not start (%s: %s); mmcourse.setup() in a "
                    "notebook tries again, and `mmcourse doctor` shows why", type(exc).__name__, exc)
        return None
    log.info("mmcourse: offline emulator at %s", url)
    return url
