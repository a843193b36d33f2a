"""Named upstreams (google, microsoft): their own AUTH_GOOGLE_* / AUTH_MICROSOFT_* settings, side by side."""

from __future__ import annotations

import base64
import os

import pytest

from shared.auth.google import AUTHORIZE_URL, TOKEN_URL, USERINFO_URL
from shared.auth.microsoft import MicrosoftAdapter, resource_of
from shared.auth.setup import load_sign_in_settings
from shared.auth.upstreams import google_from_env, microsoft_from_env
from shared.errors import ConfigError


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("AUTH_") or name in ("DATABASE_URL", "VAULT_KEYS"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("CONNECTORS_SECRETS_DIR", str(tmp_path / "secrets"))
    (tmp_path / "secrets").mkdir()
    return monkeypatch


def test_google_and_microsoft_read_their_own_prefixes_and_coexist(env, tmp_path):
    env.setenv("AUTH_GOOGLE_CLIENT_ID", "g-app")
    (tmp_path / "secrets" / "auth_google_client_secret").write_text("g-secret")  # a secret file, like the others
    env.setenv("AUTH_MICROSOFT_CLIENT_ID", "m-app")
    env.setenv("AUTH_MICROSOFT_CLIENT_SECRET", "m-secret")
    env.setenv("AUTH_MICROSOFT_TENANT", "contoso.example")
    google = google_from_env(("https://www.googleapis.com/auth/drive.readonly",))
    microsoft = microsoft_from_env(("Files.Read.All",))
    assert google.name == "google" and microsoft.name == "microsoft"
    url = google.authorize_url("s", "https://storage.example.com/oauth/callback", [])
    assert url.startswith(AUTHORIZE_URL + "?") and "client_id=g-app" in url and "drive.readonly" in url
    assert (google.token_endpoint, google.client_secret) == (TOKEN_URL, "g-secret")
    assert isinstance(microsoft, MicrosoftAdapter)
    assert microsoft.authority == "https://login.microsoftonline.com/contoso.example"
    assert microsoft._instance_discovery() is None  # Microsoft's own host: msal knows it
    assert "g-secret" not in repr(google) and "m-secret" not in repr(microsoft)
    assert USERINFO_URL.startswith("https://openidconnect.googleapis.com/")


def test_a_sandbox_stands_in_through_one_base_url_and_its_own_discovery(env, tmp_path):
    ca = tmp_path / "ca.pem"
    ca.write_text("not read until msal connects")
    env.setenv("AUTH_GOOGLE_CLIENT_ID", "g-app")
    env.setenv("AUTH_GOOGLE_CLIENT_SECRET", "g-secret")
    env.setenv("AUTH_GOOGLE_BASE_URL", "http://127.0.0.1:9200/")
    env.setenv("AUTH_MICROSOFT_CLIENT_ID", "m-app")
    env.setenv("AUTH_MICROSOFT_CLIENT_SECRET", "m-secret")
    env.setenv("AUTH_MICROSOFT_LOGIN_URL", "https://127.0.0.1:9300/")
    env.setenv("AUTH_MICROSOFT_CA_FILE", str(ca))
    google = google_from_env()
    assert google.token_endpoint == "http://127.0.0.1:9200/token"
    microsoft = microsoft_from_env()
    assert isinstance(microsoft, MicrosoftAdapter) and microsoft.ca_file == str(ca)
    assert microsoft.authority == "https://127.0.0.1:9300/organizations"
    assert microsoft._instance_discovery() == "https://127.0.0.1:9300/common/discovery/instance"


def test_missing_or_wrong_upstream_settings_are_named(env, tmp_path):
    with pytest.raises(ConfigError, match="AUTH_GOOGLE_CLIENT_ID, AUTH_GOOGLE_CLIENT_SECRET"):
        google_from_env()
    env.setenv("AUTH_MICROSOFT_CLIENT_ID", "m-app")
    with pytest.raises(ConfigError, match="sign-in with Microsoft needs AUTH_MICROSOFT_CLIENT_SECRET"):
        microsoft_from_env()
    env.setenv("AUTH_MICROSOFT_CLIENT_SECRET", "m-secret")
    env.setenv("AUTH_MICROSOFT_CA_FILE", str(tmp_path / "nowhere.pem"))
    with pytest.raises(ConfigError, match="AUTH_MICROSOFT_CA_FILE names no file"):
        microsoft_from_env()


def test_named_upstreams_need_no_generic_upstream_settings(env):
    env.setenv("AUTH_PUBLIC_URL", "https://storage.example.com")
    env.setenv("VAULT_KEYS", "k1:" + base64.b64encode(os.urandom(32)).decode())
    with pytest.raises(ConfigError, match="AUTH_UPSTREAM_CLIENT_ID"):
        load_sign_in_settings()  # Jira and Confluence: the one AUTH_UPSTREAM_* login is required
    assert load_sign_in_settings(generic_upstream=False).resource_url == "https://storage.example.com/mcp"


def test_graph_scopes_name_their_resource():
    assert resource_of(["offline_access", "Files.Read.All"]) == "https://graph.microsoft.com"
    assert resource_of(["api://11111111-2222/access_as_user"]) == "api://11111111-2222"
    assert resource_of(["openid"]) == "https://graph.microsoft.com"
