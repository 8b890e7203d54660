"""pytest plugin (loaded by addopts ``-p tests.offline_plugin``), so it also applies when only
notebook paths are given: the whole run is offline and shares one emulator."""

from __future__ import annotations

PROVIDER_KEY_VARS = ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GEMINI_API_KEY", "GOOGLE_API_KEY")


def pytest_configure(config):
    """Everything the suite runs is offline: no provider keys, plain-text exercise cards, and
    one emulator that notebook kernels (nbval) reach through MMCOURSE_EMULATOR_URL."""
    import os

    for var in PROVIDER_KEY_VARS:
        os.environ.pop(var, None)
    os.environ["MMCOURSE_MODE"] = "offline"
    os.environ["MMCOURSE_PLAIN"] = "1"
    if "MMCOURSE_EMULATOR_URL" not in os.environ:
        from mmcourse import emulator as emu

        config._mmcourse_emulator = emu.start(port=0)
        os.environ["MMCOURSE_EMULATOR_URL"] = config._mmcourse_emulator.base_url


def pytest_unconfigure(config):
    server = getattr(config, "_mmcourse_emulator", None)
    if server is not None:
        server.stop()
