"""mmcourse on The Littlest JupyterHub: one offline emulator, run by JupyterHub, for the whole class.

Install (mmcourse/deploy/TEACHERS.md has every step): copy this file to
/opt/tljh/config/jupyterhub_config.d/mmcourse.py, then `sudo tljh-config reload hub`.

The hub runs the emulator as a managed service (it starts it with the hub and restarts it if it
dies). Every learner's server gets MMCOURSE_EMULATOR_URL, so `mmcourse.setup()` in any kernel
finds it, and its own MMCOURSE_SCOPE, so the emulator keeps a separate request log, faults and
rate limits per learner. This file runs inside the hub's environment, which does not have
mmcourse installed: it is self-contained (the scope formula is mmcourse.hub.learner_scope's;
tests/test_hub.py keeps the two equal).
"""

import hashlib
import os

c = get_config()  # noqa: F821 (JupyterHub defines get_config in config files)

# The Python of the learners' environment, where the course is installed (`pip install -e`).
MMCOURSE_PYTHON = os.environ.get("MMCOURSE_PYTHON", "/opt/tljh/user/bin/python")
# Loopback only: the learners' servers run on this machine, nobody else needs to reach it.
MMCOURSE_EMULATOR_PORT = int(os.environ.get("MMCOURSE_EMULATOR_PORT", "8765"))
MMCOURSE_EMULATOR_URL = f"http://127.0.0.1:{MMCOURSE_EMULATOR_PORT}"


def mmcourse_scope(spawner):
    """The learner's MMCOURSE_SCOPE: a digest of the hub username (header-safe, stable)."""
    return "learner-" + hashlib.sha256(spawner.user.name.encode("utf-8")).hexdigest()[:16]


# No "url" on purpose: with one, the hub would also publish the emulator (and its admin
# endpoints) on the public proxy at /services/mmcourse-emulator/.
emulator_service = {
    "name": "mmcourse-emulator",
    "command": [MMCOURSE_PYTHON, "-m", "mmcourse", "emulator",
                "--host", "127.0.0.1", "--port", str(MMCOURSE_EMULATOR_PORT)],
}
# Set MMCOURSE_ADMIN_TOKEN in the hub's environment to lock the admin endpoints per learner:
# each learner then reaches only their own scope; the teacher's token reaches all of them.
# Learners never get the token (it is not in c.Spawner.environment).
if os.environ.get("MMCOURSE_ADMIN_TOKEN"):
    emulator_service["environment"] = {"MMCOURSE_ADMIN_TOKEN": os.environ["MMCOURSE_ADMIN_TOKEN"]}
c.JupyterHub.services.append(emulator_service)

c.Spawner.environment.update({
    "MMCOURSE_EMULATOR_URL": MMCOURSE_EMULATOR_URL,
    "MMCOURSE_SCOPE": mmcourse_scope,
})
