"""pytest plugin (loaded by addopts ``-p tests.offline_plugin``), so it also applies when only
notebook paths are given: the whole run is offline and shares one emulator."""

from __future__ import annotations

PROVIDER_KEY_VARS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY")
SUITE_URL = "MMCOURSE_TEST_SUITE_EMULATOR"  # the URL of the emulator this plugin started


def pytest_configure(config):
    """Everything the suite runs is offline: no provider keys, plain-text exercise cards, and
    one emulator that notebook kernels (nbval) reach through MMCOURSE_EMULATOR_URL."""
    import os

    for var in PROVIDER_KEY_VARS:
        os.environ.pop(var, None)
    os.environ["MMCOURSE_MODE"] = "offline"
    os.environ["MMCOURSE_PLAIN"] = "1"
    # One emulator per process: under pytest-xdist each worker starts its own (a worker inherits
    # the controller's URL, which SUITE_URL marks as ours), so notebooks running at the same
    # time on two workers never share a log scope, a queued fault or a rate limit.
    url = os.environ.get("MMCOURSE_EMULATOR_URL")
    if url is None or url == os.environ.get(SUITE_URL):
        from mmcourse import emulator as emu

        config._mmcourse_emulator = emu.start(port=0)
        os.environ["MMCOURSE_EMULATOR_URL"] = os.environ[SUITE_URL] = config._mmcourse_emulator.base_url


def pytest_unconfigure(config):
    server = getattr(config, "_mmcourse_emulator", None)
    if server is not None:
        server.stop()
