"""Settings: prefixed environment variables, comma lists, secrets from files, clear errors."""

from __future__ import annotations

import pytest
from pydantic import Field
from pydantic_settings import SettingsConfigDict

from shared.errors import ConfigError
from shared.settings import ServerSettings, load_settings


class DemoSettings(ServerSettings):
    model_config = SettingsConfigDict(extra="ignore", env_prefix="DEMO_")

    url: str = Field(description="Base URL of the demo upstream")
    api_token: str = Field("", description="API token of the demo account")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch, tmp_path):
    """No DEMO_* leaks in from the outside, and secrets come from an empty tmp dir by default."""
    import os

    for name in list(os.environ):
        if name.startswith("DEMO_"):
            monkeypatch.delenv(name)
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    monkeypatch.setenv("CONNECTORS_SECRETS_DIR", str(secrets))
    return secrets


def test_missing_required_field_names_the_variable(monkeypatch):
    with pytest.raises(ConfigError) as info:
        load_settings(DemoSettings)
    message = str(info.value)
    assert "DEMO_URL is missing" in message
    assert "Base URL of the demo upstream" in message


def test_invalid_value_names_the_variable_and_the_problem(monkeypatch):
    monkeypatch.setenv("DEMO_URL", "http://jira.local")
    monkeypatch.setenv("DEMO_PORT", "eighty")
    with pytest.raises(ConfigError, match=r"DEMO_PORT is invalid: .*integer"):
        load_settings(DemoSettings)


def test_every_problem_is_reported_at_once(monkeypatch):
    monkeypatch.setenv("DEMO_RATE_LIMIT_PER_SECOND", "0")
    with pytest.raises(ConfigError) as info:
        load_settings(DemoSettings)
    assert "DEMO_URL is missing" in str(info.value)
    assert "DEMO_RATE_LIMIT_PER_SECOND is invalid" in str(info.value)


def test_values_and_defaults_from_the_environment(monkeypatch):
    monkeypatch.setenv("DEMO_URL", "http://jira.local")
    monkeypatch.setenv("DEMO_READ_ONLY", "true")
    monkeypatch.setenv("DEMO_PORT", "8123")
    settings = load_settings(DemoSettings)
    assert settings.url == "http://jira.local"
    assert settings.read_only is True
    assert settings.port == 8123
    assert settings.host == "127.0.0.1"
    assert settings.allow_unauthenticated is False
    assert settings.toolsets == [] and settings.allowed_hosts == []


def test_other_prefixes_are_ignored(monkeypatch):
    monkeypatch.setenv("DEMO_URL", "http://jira.local")
    monkeypatch.setenv("CONNECTOR_READ_ONLY", "true")
    monkeypatch.setenv("READ_ONLY", "true")
    assert load_settings(DemoSettings).read_only is False


def test_comma_lists(monkeypatch):
    monkeypatch.setenv("DEMO_URL", "http://jira.local")
    monkeypatch.setenv("DEMO_TOOLSETS", " issues, search ,,sync ")
    monkeypatch.setenv("DEMO_ALLOWED_HOSTS", "jira.example.com")
    settings = load_settings(DemoSettings)
    assert settings.toolsets == ["issues", "search", "sync"]
    assert settings.allowed_hosts == ["jira.example.com"]


def test_overrides_win_over_the_environment(monkeypatch):
    monkeypatch.setenv("DEMO_URL", "http://jira.local")
    monkeypatch.setenv("DEMO_HOST", "127.0.0.1")
    settings = load_settings(DemoSettings, host="::1", read_only=True)
    assert (settings.host, settings.read_only) == ("::1", True)


def test_secret_read_from_a_file(monkeypatch, clean_env):
    monkeypatch.setenv("DEMO_URL", "http://jira.local")
    (clean_env / "demo_api_token").write_text("s3cret-from-file\n")
    assert load_settings(DemoSettings).api_token == "s3cret-from-file"


def test_required_field_satisfied_by_a_secret_file(clean_env):
    (clean_env / "demo_url").write_text("http://from-file")
    assert load_settings(DemoSettings).url == "http://from-file"


def test_environment_wins_over_the_secret_file(monkeypatch, clean_env):
    monkeypatch.setenv("DEMO_URL", "http://jira.local")
    monkeypatch.setenv("DEMO_API_TOKEN", "from-env")
    (clean_env / "demo_api_token").write_text("from-file")
    assert load_settings(DemoSettings).api_token == "from-env"


def test_missing_secrets_dir_is_not_an_error(monkeypatch, tmp_path):
    monkeypatch.setenv("CONNECTORS_SECRETS_DIR", str(tmp_path / "does-not-exist"))
    monkeypatch.setenv("DEMO_URL", "http://jira.local")
    assert load_settings(DemoSettings).api_token == ""


def test_env_name():
    assert DemoSettings.env_name("api_token") == "DEMO_API_TOKEN"
    assert ServerSettings.env_name("allow_unauthenticated") == "CONNECTOR_ALLOW_UNAUTHENTICATED"
