"""A throwaway JupyterHub for tests/test_hub.py: loopback only, dummy logins, local processes.

Everything about mmcourse comes from the shipped TLJH snippet (loaded at the end), so the test
proves that file; the rest is what the test needs to run a hub as root inside a temp folder.
Settings arrive as environment variables from the test.
"""

import os
import sys

c = get_config()  # noqa: F821 (JupyterHub defines get_config in config files)
state = os.environ["MMCOURSE_HUB_TEST_DIR"]

c.JupyterHub.ip = "127.0.0.1"
c.JupyterHub.port = int(os.environ["MMCOURSE_HUB_TEST_PORT"])
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(os.environ["MMCOURSE_HUB_TEST_HUB_PORT"])
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{os.environ['MMCOURSE_HUB_TEST_PROXY_API_PORT']}"
c.ConfigurableHTTPProxy.pid_file = f"{state}/proxy.pid"
c.JupyterHub.db_url = f"sqlite:///{state}/jupyterhub.sqlite"
c.JupyterHub.cookie_secret_file = f"{state}/jupyterhub_cookie_secret"
c.JupyterHub.pid_file = f"{state}/jupyterhub.pid"
c.JupyterHub.cleanup_servers = True

c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = os.environ["MMCOURSE_HUB_TEST_TOKEN"]
c.Authenticator.allow_all = True

c.JupyterHub.spawner_class = "simple"  # SimpleLocalProcessSpawner: every user is this OS user
c.SimpleLocalProcessSpawner.home_dir_template = f"{state}/homes/{{username}}"
c.Spawner.cmd = [sys.executable, "-m", "jupyterhub.singleuser"]
c.Spawner.args = ["--allow-root", "--ServerApp.open_browser=False"]
c.Spawner.ip = "127.0.0.1"
c.Spawner.start_timeout = 90
c.Spawner.http_timeout = 90

# The test drives the hub as a service with exactly the scopes mmcourse.hub.rehearse documents.
c.JupyterHub.services = [{"name": "test-driver", "api_token": os.environ["MMCOURSE_HUB_TEST_TOKEN"]}]
c.JupyterHub.load_roles = [{
    "name": "test-driver",
    "scopes": ["admin:users", "admin:servers", "access:servers", "read:services"],
    "services": ["test-driver"],
}]

load_subconfig(os.environ["MMCOURSE_HUB_TEST_SNIPPET"])  # noqa: F821
