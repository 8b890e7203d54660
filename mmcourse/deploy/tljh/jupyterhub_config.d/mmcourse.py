"""mmcourse on The Littlest JupyterHub: one offline emulator, run by JupyterHub, for the whole class.

Install (mmcourse/deploy/TEACHERS.md has every step): copy this file to
/opt/tljh/config/jupyterhub_config.d/mmcourse.py, then `sudo tljh-config reload hub`.

The hub runs the emulator as a managed service (it starts it with the hub and restarts it if it
dies). Every learner's server gets MMCOURSE_EMULATOR_URL, so `mmcourse.setup()` in any kernel
finds it, and its own MMCOURSE_SCOPE, so the emulator keeps a separate request log, faults and
rate limits per learner.

Isolation: each learner's MMCOURSE_SCOPE is an HMAC of their user name keyed with the class's
secret, MMCOURSE_ADMIN_TOKEN, which only the hub and the emulator service hold (it is never in a
learner's environment). So no learner can compute another's key, and the emulator reaches a
scope only with that scope's key or the token. The secret is the hub's MMCOURSE_ADMIN_TOKEN
when set; otherwise one is made once and kept in /opt/tljh/state/mmcourse-admin-token (mode 0600;
`sudo cat` it to act as the teacher).

This file runs inside the hub's environment, which does not have mmcourse installed: it is
self-contained (the formula is mmcourse.identity.learner_scope's; tests/test_hub.py keeps the
two equal).
"""

import hashlib
import hmac
import os
import secrets
import sys
from pathlib import Path

c = get_config()  # noqa: F821 (JupyterHub defines get_config in config files)

# The Python of the learners' environment, where the course is installed (`pip install -e`).
MMCOURSE_PYTHON = os.environ.get("MMCOURSE_PYTHON", "/opt/tljh/user/bin/python")
# Loopback only: the learners' servers run on this machine, nobody else needs to reach it.
MMCOURSE_EMULATOR_PORT = int(os.environ.get("MMCOURSE_EMULATOR_PORT", "8765"))
MMCOURSE_EMULATOR_URL = f"http://127.0.0.1:{MMCOURSE_EMULATOR_PORT}"


MMCOURSE_SECRET_FILE = Path(os.environ.get("MMCOURSE_SECRET_FILE", "/opt/tljh/state/mmcourse-admin-token"))


def mmcourse_class_secret():
    """MMCOURSE_ADMIN_TOKEN from the hub's environment, else the one kept in MMCOURSE_SECRET_FILE."""
    if os.environ.get("MMCOURSE_ADMIN_TOKEN"):
        return os.environ["MMCOURSE_ADMIN_TOKEN"]
    try:
        return MMCOURSE_SECRET_FILE.read_text().strip()
    except FileNotFoundError:
        pass
    token = secrets.token_hex(24)
    try:
        MMCOURSE_SECRET_FILE.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(MMCOURSE_SECRET_FILE, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(token + "\n")
    except OSError as exc:
        print(f"mmcourse: cannot keep the class secret in {MMCOURSE_SECRET_FILE} ({exc}); using one for "
              "this hub run only (learners' scopes change when the hub restarts)", file=sys.stderr)
    return token


MMCOURSE_ADMIN_TOKEN = mmcourse_class_secret()


def mmcourse_scope(spawner):
    """The learner's MMCOURSE_SCOPE: an HMAC of the hub username with the class secret (header-safe)."""
    name = spawner.user.name.encode("utf-8")
    mac = hmac.new(MMCOURSE_ADMIN_TOKEN.encode("utf-8"), b"mmcourse learner scope\x00" + name, hashlib.sha256)
    return "learner-" + mac.hexdigest()[:32]


# No "url" on purpose: with one, the hub would also publish the emulator (and its admin
# endpoints) on the public proxy at /services/mmcourse-emulator/.
# The token locks the admin endpoints per learner: each learner reaches only their own scope;
# the teacher's token reaches all of them. Learners never get it (not in c.Spawner.environment).
emulator_service = {
    "name": "mmcourse-emulator",
    "command": [MMCOURSE_PYTHON, "-m", "mmcourse", "emulator",
                "--host", "127.0.0.1", "--port", str(MMCOURSE_EMULATOR_PORT)],
    "environment": {"MMCOURSE_ADMIN_TOKEN": MMCOURSE_ADMIN_TOKEN},
}
c.JupyterHub.services.append(emulator_service)

c.Spawner.environment.update({
    "MMCOURSE_EMULATOR_URL": MMCOURSE_EMULATOR_URL,
    "MMCOURSE_SCOPE": mmcourse_scope,
})
