"""mmcourse.config: offline/live per provider, key sources, base URLs, redaction."""

from __future__ import annotations

import pytest

from mmcourse import config
from mmcourse.cli import doctor_lines

ORIGIN = "http://127.0.0.1:9999"


def cfg(provider, env, dotenv=None):
    return config.provider_config(provider, env, dotenv or {}, origin=ORIGIN)


def test_no_key_means_offline_at_the_emulator():
    c = cfg("openai", {})
    assert c.mode == "offline" and c.base_url == ORIGIN + "/v1"
    assert cfg("anthropic", {}).base_url == ORIGIN
    assert cfg("gemini", {}).base_url == ORIGIN


def test_a_key_means_live_at_the_real_host():
    c = cfg("openai", {"OPENAI_API_KEY": "sk-live-123456789012345"})
    assert (c.mode, c.base_url, c.key_source) == ("live", "https://api.openai.com/v1", "OPENAI_API_KEY")


def test_gemini_reads_google_api_key_before_gemini_api_key():
    c = cfg("gemini", {"GEMINI_API_KEY": "g2", "GOOGLE_API_KEY": "g1"})
    assert (c.api_key, c.key_source) == ("g1", "GOOGLE_API_KEY")


def test_base_url_env_vars_follow_the_sdks():
    env = {"ANTHROPIC_API_KEY": "k", "ANTHROPIC_BASE_URL": "https://proxy.example/"}
    assert cfg("anthropic", env).base_url == "https://proxy.example"


def test_mode_override_offline_wins_over_a_key():
    c = cfg("openai", {"OPENAI_API_KEY": "sk-x", "MMCOURSE_MODE": "offline"})
    assert c.offline and c.api_key == config.OFFLINE_KEY


def test_live_without_key_is_an_error_naming_the_variable():
    with pytest.raises(config.ConfigError, match="GOOGLE_API_KEY or GEMINI_API_KEY"):
        cfg("gemini", {"MMCOURSE_MODE": "live"})


def test_bad_mode_is_an_error():
    with pytest.raises(config.ConfigError, match="not valid"):
        cfg("openai", {"MMCOURSE_MODE": "sometimes"})


def test_dotenv_keys_are_read_and_named(tmp_path):
    path = tmp_path / ".env"
    path.write_text('# my keys\nexport ANTHROPIC_API_KEY="sk-ant-from-dotenv-000000"\n\nOTHER=1\n')
    values = config.read_dotenv(path)
    c = cfg("anthropic", {}, values)
    assert c.mode == "live" and c.key_source == ".env ANTHROPIC_API_KEY"
    assert c.api_key == "sk-ant-from-dotenv-000000"


def test_dotenv_bad_line_names_the_line(tmp_path):
    path = tmp_path / ".env"
    path.write_text("OPENAI_API_KEY=ok\nthis is not valid\n")
    with pytest.raises(config.ConfigError, match="line 2"):
        config.read_dotenv(path)


def test_repr_never_contains_the_key():
    key = "sk-proj-SECRETSECRETSECRET1234"
    c = cfg("openai", {"OPENAI_API_KEY": key})
    assert key not in repr(c) and key not in str(c)
    assert "OPENAI_API_KEY" in repr(c)


def test_scope_key_for_grading_and_workshops():
    assert cfg("openai", {"MMCOURSE_SCOPE": "alice"}).api_key == "mmcourse-offline-alice"
    assert config.scope_of("mmcourse-offline") != config.scope_of("mmcourse-offline-alice")
    assert len(config.scope_of("x")) == 12


def test_emulator_url_env():
    assert config.emulator_url({"MMCOURSE_EMULATOR_URL": "http://hub:8765/"}) == "http://hub:8765"
    assert config.emulator_url({}) == config.DEFAULT_EMULATOR_URL


def test_doctor_names_key_source_not_key(monkeypatch):
    key = "sk-doctor-secret-0000000000000"
    env = {"OPENAI_API_KEY": key, "MMCOURSE_EMULATOR_URL": "http://127.0.0.1:9"}
    monkeypatch.chdir(__import__("tempfile").mkdtemp())
    lines = doctor_lines(env)
    text = "\n".join(lines)
    assert key not in text
    assert "live" in lines[0] and "key from OPENAI_API_KEY" in lines[0]
    assert "offline" in lines[1] and "emulator not running" in lines[1]


def test_jupyterhub_user_gets_a_scope_of_their_own_without_course_config():
    from mmcourse.hub import learner_scope

    alice = cfg("openai", {"JUPYTERHUB_USER": "alice"}).api_key
    bob = cfg("openai", {"JUPYTERHUB_USER": "bob"}).api_key
    assert alice == f"mmcourse-offline-{learner_scope('alice')}" and alice != bob
    assert cfg("openai", {"JUPYTERHUB_USER": "alice", "MMCOURSE_SCOPE": "x"}).api_key == "mmcourse-offline-x"
