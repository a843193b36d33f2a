"""Sign-in settings: read from the environment (and secret files), problems named clearly."""

from __future__ import annotations

import base64
import os

import pytest

from shared.auth.db import open_database
from shared.auth.setup import build_sign_in, load_sign_in_settings
from shared.errors import ConfigError

KEY = "k1:" + base64.b64encode(os.urandom(32)).decode()
BUILTIN = {
    "AUTH_PUBLIC_URL": "https://jira.example.com",
    "AUTH_UPSTREAM_NAME": "atlassian",
    "AUTH_UPSTREAM_AUTHORIZE_URL": "https://auth.example.com/authorize",
    "AUTH_UPSTREAM_TOKEN_URL": "https://auth.example.com/oauth/token",
    "AUTH_UPSTREAM_USERINFO_URL": "https://api.example.com/me",
    "AUTH_UPSTREAM_CLIENT_ID": "client",
}


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("AUTH_") or name in ("DATABASE_URL", "VAULT_KEYS"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("CONNECTORS_SECRETS_DIR", str(tmp_path / "secrets"))
    (tmp_path / "secrets").mkdir()

    def set_all(values: dict[str, str]) -> None:
        for name, value in values.items():
            monkeypatch.setenv(name, value)

    return set_all


def test_builtin_mode_reads_its_variables_and_secret_files(env, tmp_path):
    env({**BUILTIN, "AUTH_SQLITE_PATH": str(tmp_path / "db.sqlite")})
    (tmp_path / "secrets" / "vault_keys").write_text(KEY)
    (tmp_path / "secrets" / "auth_upstream_client_secret").write_text("s3cret")
    settings = load_sign_in_settings()
    assert settings.resource_url == "https://jira.example.com/mcp"
    assert settings.vault_keys.get_secret_value() == KEY
    assert settings.upstream_client_secret.get_secret_value() == "s3cret"
    assert "s3cret" not in repr(settings) and KEY not in repr(settings)
    sign_in = build_sign_in(settings, systems=["jira"])
    assert sign_in.scopes == ["jira.read", "jira.write"]
    assert sign_in.provider is not None and sign_in.provider.policy.default_scopes == ["jira.read", "offline_access"]
    assert {route.path for route in sign_in.routes} >= {"/authorize", "/token", "/register", "/oauth/callback"}


def test_the_atlassian_kind_needs_only_the_client_and_uses_atlassians_urls(env):
    env({"AUTH_PUBLIC_URL": "https://jira.example.com", "AUTH_UPSTREAM_KIND": "atlassian", "VAULT_KEYS": KEY})
    with pytest.raises(ConfigError, match="AUTH_UPSTREAM_CLIENT_ID"):
        load_sign_in_settings()
    env({"AUTH_UPSTREAM_CLIENT_ID": "app", "AUTH_UPSTREAM_SCOPES": "read:me,read:jira-work,offline_access"})
    upstream = build_sign_in(load_sign_in_settings(), systems=["jira"]).upstream
    assert upstream.name == "atlassian" and upstream.token_endpoint == "https://auth.atlassian.com/oauth/token"
    assert "audience=api.atlassian.com" in upstream.authorize_url("s", "https://jira.example.com/oauth/callback", [])


def test_missing_variables_are_named_together(env):
    env({"AUTH_PUBLIC_URL": "https://jira.example.com"})
    with pytest.raises(ConfigError) as caught:
        load_sign_in_settings()
    message = str(caught.value)
    names = ("AUTH_UPSTREAM_NAME", "AUTH_UPSTREAM_AUTHORIZE_URL", "AUTH_UPSTREAM_USERINFO_URL", "VAULT_KEYS")
    for name in names:
        assert name in message


def test_external_mode_needs_only_the_idp_and_builds_a_verifier_without_routes(env):
    env({"AUTH_PUBLIC_URL": "https://jira.example.com", "AUTH_MODE": "external"})
    with pytest.raises(ConfigError, match="AUTH_EXTERNAL_ISSUER, AUTH_EXTERNAL_JWKS_URL"):
        load_sign_in_settings()
    env({"AUTH_EXTERNAL_ISSUER": "https://login.corp.example", "AUTH_EXTERNAL_JWKS_URL": "https://login/jwks"})
    sign_in = build_sign_in(load_sign_in_settings(), systems=["jira"])
    assert sign_in.routes == [] and sign_in.vault is None
    assert sign_in.verifier.resource == "https://jira.example.com/mcp"


def test_bad_upstream_authorize_params_are_explained(env):
    env({**BUILTIN, "VAULT_KEYS": KEY, "AUTH_UPSTREAM_AUTHORIZE_PARAMS": "audience=api"})
    with pytest.raises(ConfigError, match="AUTH_UPSTREAM_AUTHORIZE_PARAMS must be a JSON object"):
        build_sign_in(load_sign_in_settings(), systems=["jira"])


def test_a_database_url_with_another_scheme_or_an_unreachable_server_is_a_clear_error():
    with pytest.raises(ConfigError, match="DATABASE_URL is invalid"):
        open_database("mysql://db/x")
    with pytest.raises(ConfigError, match="cannot connect to DATABASE_URL") as caught:
        open_database("postgresql://postgres:hunter2@127.0.0.1:1/test?connect_timeout=2")
    assert "hunter2" not in str(caught.value)
