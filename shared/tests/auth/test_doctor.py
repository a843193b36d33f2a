"""`connectors doctor <name>` with sign-in on, for every mode, against the sandboxes: one line per check, naming the
variable to fix. The Atlassian sandbox is the upstream login of Jira, the Google and Microsoft sandboxes those of
storage; the Google sandbox's JWKS (`/oauth2/v3/certs`) stands in for the company IdP's keys (external mode, ID-JAG).
"""

from __future__ import annotations

import base64
import os
import secrets
from collections.abc import Iterator
from pathlib import Path

import pytest

from sandbox.atlassian.testing import SiteUnderTest, running_site
from sandbox.google.testing import GoogleUnderTest, running_google
from sandbox.google.tokens import DEMO_CLIENT_ID, DEMO_CLIENT_SECRET
from sandbox.microsoft.testing import TenantUnderTest, running_tenant
from sandbox.microsoft.users import CONNECTOR_APP, TENANT_ID
from shared import cli
from shared.testing import free_port

VAULT_KEY = "k1:" + base64.b64encode(secrets.token_bytes(32)).decode()


@pytest.fixture(scope="module")
def site() -> Iterator[SiteUnderTest]:
    with running_site() as running:
        yield running


@pytest.fixture(scope="module")
def google() -> Iterator[GoogleUnderTest]:
    with running_google() as running:
        yield running


@pytest.fixture(scope="module")
def tenant() -> Iterator[TenantUnderTest]:
    with running_tenant() as running:
        yield running


@pytest.fixture
def env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> pytest.MonkeyPatch:
    """Nothing inherited: no AUTH_* or connector settings from the outside, an empty secrets directory."""
    for name in list(os.environ):
        if name.startswith(("AUTH_", "JIRA_", "STORAGE_", "VAULT_", "DATABASE_")):
            monkeypatch.delenv(name)
    (tmp_path / "secrets").mkdir()
    monkeypatch.setenv("CONNECTORS_SECRETS_DIR", str(tmp_path / "secrets"))
    monkeypatch.setenv("AUTH_SQLITE_PATH", str(tmp_path / "connectors.db"))
    return monkeypatch


def set_all(env: pytest.MonkeyPatch, values: dict[str, str]) -> None:
    for name, value in values.items():
        env.setenv(name, value)


def doctor(name: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, str]]:
    """Exit code and the printed checks: name -> 'ok - detail' / 'FAILED - detail'."""
    code = cli.main(["doctor", name])
    lines = capsys.readouterr().out.splitlines()
    checks = dict(line.split(": ", 1) for line in lines if ": " in line)
    return code, checks


@pytest.fixture
def jira(env: pytest.MonkeyPatch, site: SiteUnderTest) -> pytest.MonkeyPatch:
    """Jira with the built-in authorization server brokering to the sandbox's Atlassian login."""
    set_all(
        env,
        {
            "JIRA_URL": site.url,
            "AUTH_PUBLIC_URL": "https://jira.mcp.example.com",
            "VAULT_KEYS": VAULT_KEY,
            "AUTH_UPSTREAM_KIND": "atlassian",
            "AUTH_UPSTREAM_CLIENT_ID": "sandbox-atlassian-client",
            "AUTH_UPSTREAM_CLIENT_SECRET": "sandbox-atlassian-secret",
            "AUTH_UPSTREAM_AUTH_BASE": site.url,
            "AUTH_UPSTREAM_API_BASE": site.url,
        },
    )
    return env


# ------------------------------------------------------------------ built-in, Atlassian


def test_builtin_atlassian_sign_in_passes_every_check(jira, site, capsys):
    code, checks = doctor("jira", capsys)
    assert code == 0, checks
    assert (
        checks["sign-in settings"]
        == "ok - AUTH_MODE=builtin (built-in authorization server) for https://jira.mcp.example.com/mcp"
    )
    assert checks["vault key"].startswith("ok - VAULT_KEYS (from the environment): 1 key(s), encrypting with k1")
    assert checks["upstream client id"] == "ok - AUTH_UPSTREAM_CLIENT_ID=sandbox-atlassian-client"
    assert checks["upstream client secret"] == "ok - AUTH_UPSTREAM_CLIENT_SECRET (from the environment)"
    assert checks["upstream login"].startswith(f"ok - Atlassian: {site.url}/authorize answered HTTP")
    assert checks["sign-in database"].startswith("ok - SQLite") and "migrated" in checks["sign-in database"]
    assert not any(key.startswith(("external", "identity assertions")) for key in checks)
    assert "sandbox-atlassian-secret" not in str(checks) and VAULT_KEY not in str(checks)


def test_secrets_read_from_files_say_where_they_came_from(jira, tmp_path, capsys):
    for name in ("VAULT_KEYS", "AUTH_UPSTREAM_CLIENT_SECRET"):
        (tmp_path / "secrets" / name.lower()).write_text(os.environ[name])
        jira.delenv(name)
    code, checks = doctor("jira", capsys)
    assert code == 0, checks
    assert checks["vault key"].startswith(f"ok - VAULT_KEYS (from {tmp_path / 'secrets' / 'vault_keys'})")
    expected = tmp_path / "secrets" / "auth_upstream_client_secret"
    assert checks["upstream client secret"] == f"ok - AUTH_UPSTREAM_CLIENT_SECRET (from {expected})"


def test_each_missing_piece_is_its_own_line_naming_the_variable(jira, capsys):
    jira.delenv("AUTH_UPSTREAM_CLIENT_SECRET")
    jira.setenv("VAULT_KEYS", "")
    code, checks = doctor("jira", capsys)
    assert code == 1
    assert checks["sign-in settings"].startswith("FAILED - ") and "VAULT_KEYS" in checks["sign-in settings"]
    assert checks["vault key"].startswith("FAILED - set VAULT_KEYS: k1:<base64 of 32 random bytes>")
    assert checks["upstream client id"].startswith("ok - ")
    assert checks["upstream client secret"] == (
        "FAILED - set AUTH_UPSTREAM_CLIENT_SECRET (or the file auth_upstream_client_secret in CONNECTORS_SECRETS_DIR)"
    )
    assert "upstream login" not in checks  # not tried without the client's credentials
    assert checks["sign-in database"].startswith("FAILED - SQLite") and "settings above" in checks["sign-in database"]


def test_a_vault_key_that_does_not_parse_says_why(jira, capsys):
    jira.setenv("VAULT_KEYS", "k1:not-base64!")
    code, checks = doctor("jira", capsys)
    assert code == 1
    assert checks["vault key"] == "FAILED - VAULT_KEYS entry 1 (k1) is not valid base64"
    jira.setenv("VAULT_KEYS", "k1:" + base64.b64encode(b"short").decode())
    assert "must decode to 32 bytes" in doctor("jira", capsys)[1]["vault key"]


def test_an_upstream_login_that_does_not_answer_names_its_url(jira, capsys):
    nowhere = f"http://127.0.0.1:{free_port()}"
    jira.setenv("AUTH_UPSTREAM_AUTH_BASE", nowhere)
    code, checks = doctor("jira", capsys)
    assert code == 1
    assert checks["upstream login"] == f"FAILED - Atlassian: {nowhere}/authorize unreachable (ConnectError)"


def test_the_database_is_reached_and_migrated_on_postgresql(jira, postgres_url, capsys):
    jira.setenv("DATABASE_URL", postgres_url)
    code, checks = doctor("jira", capsys)
    assert code == 0, checks
    assert checks["sign-in database"] == (
        "ok - PostgreSQL (DATABASE_URL) migrated; signing keys and the token vault readable"
    )


def test_an_unreachable_database_names_database_url_without_its_password(jira, capsys):
    jira.setenv("DATABASE_URL", f"postgresql://connectors:pa55word@127.0.0.1:{free_port()}/connectors")
    code, checks = doctor("jira", capsys)
    assert code == 1
    assert checks["sign-in database"].startswith("FAILED - cannot connect to DATABASE_URL")
    assert "pa55word" not in str(checks)


def test_a_vault_key_that_no_longer_opens_what_is_stored_is_reported(jira, capsys):
    assert doctor("jira", capsys)[0] == 0  # signing keys stored under k1
    jira.setenv("VAULT_KEYS", "k2:" + base64.b64encode(secrets.token_bytes(32)).decode())
    code, checks = doctor("jira", capsys)
    assert code == 1
    assert (
        checks["sign-in database"].startswith("FAILED - SQLite")
        and "VAULT_KEYS must still list" in checks["sign-in database"]
    )


def test_a_generic_oauth2_upstream_names_its_missing_endpoints(jira, capsys):
    jira.setenv("AUTH_UPSTREAM_KIND", "oauth2")
    jira.setenv("AUTH_UPSTREAM_NAME", "corp-sso")
    code, checks = doctor("jira", capsys)
    assert code == 1
    assert checks["upstream endpoints"] == (
        "FAILED - set AUTH_UPSTREAM_AUTHORIZE_URL, AUTH_UPSTREAM_TOKEN_URL, AUTH_UPSTREAM_USERINFO_URL "
        "(or AUTH_UPSTREAM_KIND=atlassian)"
    )
    assert "upstream login" not in checks


def test_an_unknown_mode_is_one_line_naming_auth_mode(jira, capsys):
    jira.setenv("AUTH_MODE", "oidc")
    code, checks = doctor("jira", capsys)
    assert code == 1
    assert checks["sign-in settings"].startswith("FAILED - Configuration error: AUTH_MODE Input should be")


# ------------------------------------------------------------------ built-in, Google and Microsoft (storage)


@pytest.fixture
def storage(env: pytest.MonkeyPatch, google: GoogleUnderTest, tenant: TenantUnderTest) -> pytest.MonkeyPatch:
    set_all(
        env,
        {
            "STORAGE_PROVIDERS": "google-drive,onedrive",
            "AUTH_PUBLIC_URL": "https://storage.mcp.example.com",
            "VAULT_KEYS": VAULT_KEY,
            "AUTH_GOOGLE_CLIENT_ID": DEMO_CLIENT_ID,
            "AUTH_GOOGLE_CLIENT_SECRET": DEMO_CLIENT_SECRET,
            "AUTH_GOOGLE_BASE_URL": google.url,
            "AUTH_MICROSOFT_CLIENT_ID": CONNECTOR_APP.client_id,
            "AUTH_MICROSOFT_CLIENT_SECRET": CONNECTOR_APP.secret,
            "AUTH_MICROSOFT_TENANT": TENANT_ID,
            "AUTH_MICROSOFT_LOGIN_URL": tenant.url,
            "AUTH_MICROSOFT_CA_FILE": tenant.ca,
        },
    )
    return env


def test_storage_checks_the_google_and_the_microsoft_login(storage, google, tenant, capsys):
    code, checks = doctor("storage", capsys)
    assert code == 0, checks
    assert checks["Google client id"] == f"ok - AUTH_GOOGLE_CLIENT_ID={DEMO_CLIENT_ID}"
    assert checks["Google client secret"] == "ok - AUTH_GOOGLE_CLIENT_SECRET (from the environment)"
    assert checks["Google login"].startswith(f"ok - Google: {google.url}/o/oauth2/v2/auth answered HTTP")
    assert checks["Microsoft client id"] == f"ok - AUTH_MICROSOFT_CLIENT_ID={CONNECTOR_APP.client_id}"
    assert checks["Microsoft login"].startswith(f"ok - Microsoft: {tenant.url}/{TENANT_ID}/oauth2/v2.0/authorize")
    assert checks["sign-in database"].startswith("ok - ")


def test_storage_names_the_missing_google_client_id_and_still_checks_microsoft(storage, capsys):
    storage.delenv("AUTH_GOOGLE_CLIENT_ID")
    code, checks = doctor("storage", capsys)
    assert code == 1
    assert checks["Google client id"] == "FAILED - set AUTH_GOOGLE_CLIENT_ID: the OAuth app's client id at the upstream"
    assert "Google login" not in checks
    assert checks["Microsoft login"].startswith("ok - ")


def test_storage_with_one_provider_checks_only_its_login(storage, capsys):
    storage.setenv("STORAGE_PROVIDERS", "onedrive")
    storage.delenv("AUTH_GOOGLE_CLIENT_ID")
    code, checks = doctor("storage", capsys)
    assert code == 0, checks
    assert checks["upstream login"].startswith("ok - Microsoft: ")
    assert not any(key.startswith("Google") for key in checks)


def test_a_microsoft_ca_file_that_is_missing_is_named(storage, tmp_path, capsys):
    storage.setenv("AUTH_MICROSOFT_CA_FILE", str(tmp_path / "nope.pem"))
    code, checks = doctor("storage", capsys)
    assert code == 1
    assert checks["Microsoft login"] == f"FAILED - AUTH_MICROSOFT_CA_FILE names no file: {tmp_path / 'nope.pem'}"


# ------------------------------------------------------------------ enterprise IdP (AUTH_MODE=external)


@pytest.fixture
def external(env: pytest.MonkeyPatch, site: SiteUnderTest, google: GoogleUnderTest) -> pytest.MonkeyPatch:
    set_all(
        env,
        {
            "JIRA_URL": site.url,
            "AUTH_PUBLIC_URL": "https://jira.mcp.example.com",
            "AUTH_MODE": "external",
            "AUTH_EXTERNAL_ISSUER": "https://login.example.com",
            "AUTH_EXTERNAL_JWKS_URL": f"{google.url}/oauth2/v3/certs",
        },
    )
    return env


def test_external_mode_checks_issuer_jwks_and_audience(external, google, capsys):
    code, checks = doctor("jira", capsys)
    assert code == 0, checks
    assert checks["sign-in settings"].startswith("ok - AUTH_MODE=external (trusting https://login.example.com)")
    assert checks["external issuer"] == "ok - tokens must say iss=https://login.example.com (AUTH_EXTERNAL_ISSUER)"
    assert checks["external JWKS"].startswith(f"ok - {google.url}/oauth2/v3/certs: 1 key(s)")
    assert checks["external audience"].startswith("ok - tokens must say aud=https://jira.mcp.example.com/mcp")
    assert checks["vault key"].startswith("ok - VAULT_KEYS not set: no per-person upstream links")
    assert "sign-in database" not in checks and "upstream login" not in checks


def test_external_mode_names_a_missing_issuer_and_a_jwks_that_is_not_one(external, google, capsys):
    external.delenv("AUTH_EXTERNAL_ISSUER")
    external.setenv("AUTH_EXTERNAL_JWKS_URL", f"{google.url}/.well-known/openid-configuration")
    code, checks = doctor("jira", capsys)
    assert code == 1
    assert "AUTH_EXTERNAL_ISSUER" in checks["sign-in settings"]
    assert checks["external issuer"].startswith("FAILED - set AUTH_EXTERNAL_ISSUER")
    assert checks["external JWKS"] == (
        f"FAILED - {google.url}/.well-known/openid-configuration is not a JWKS (KeyError): check AUTH_EXTERNAL_JWKS_URL"
    )
    external.setenv("AUTH_EXTERNAL_JWKS_URL", f"{google.url}/no-such-keys")
    assert doctor("jira", capsys)[1]["external JWKS"].endswith("answered HTTP 404: check AUTH_EXTERNAL_JWKS_URL")
    external.delenv("AUTH_EXTERNAL_JWKS_URL")
    assert doctor("jira", capsys)[1]["external JWKS"].startswith("FAILED - set AUTH_EXTERNAL_JWKS_URL")


def test_external_mode_with_link_pages_checks_the_vault_and_the_upstream_login(external, site, capsys):
    set_all(
        external,
        {
            "VAULT_KEYS": VAULT_KEY,
            "AUTH_UPSTREAM_KIND": "atlassian",
            "AUTH_UPSTREAM_CLIENT_ID": "sandbox-atlassian-client",
            "AUTH_UPSTREAM_CLIENT_SECRET": "sandbox-atlassian-secret",
            "AUTH_UPSTREAM_AUTH_BASE": site.url,
            "AUTH_UPSTREAM_API_BASE": site.url,
        },
    )
    code, checks = doctor("jira", capsys)
    assert code == 0, checks
    assert checks["vault key"].startswith("ok - VAULT_KEYS (from the environment)")
    assert checks["upstream login"].startswith(f"ok - Atlassian: {site.url}/authorize")
    assert checks["sign-in database"].startswith("ok - SQLite")


# ------------------------------------------------------------------ SEP-990 identity assertions (AUTH_ID_JAG_*)


@pytest.fixture
def id_jag(jira: pytest.MonkeyPatch, google: GoogleUnderTest) -> pytest.MonkeyPatch:
    set_all(
        jira,
        {
            "AUTH_ID_JAG_ISSUER": "https://idp.example.com",
            "AUTH_ID_JAG_JWKS_URL": f"{google.url}/oauth2/v3/certs",
            "AUTH_ID_JAG_NAME": "corp",
            "AUTH_ID_JAG_CLIENT_ID": "enterprise-agent",
            "AUTH_ID_JAG_CLIENT_SECRET": "enterprise-agent-secret",
        },
    )
    return jira


def test_identity_assertions_check_their_client_and_jwks(id_jag, google, capsys):
    code, checks = doctor("jira", capsys)
    assert code == 0, checks
    assert checks["identity assertions"] == "ok - ID-JAGs from https://idp.example.com, people named corp:<sub>"
    assert checks["identity assertions client"] == (
        "ok - AUTH_ID_JAG_CLIENT_ID=enterprise-agent; AUTH_ID_JAG_CLIENT_SECRET (from the environment)"
    )
    assert checks["identity assertions JWKS"].startswith(f"ok - {google.url}/oauth2/v3/certs: 1 key(s)")
    assert "enterprise-agent-secret" not in str(checks)


def test_identity_assertions_name_what_is_missing(id_jag, capsys):
    id_jag.delenv("AUTH_ID_JAG_CLIENT_SECRET")
    id_jag.setenv("AUTH_ID_JAG_JWKS_URL", f"http://127.0.0.1:{free_port()}/jwks")
    code, checks = doctor("jira", capsys)
    assert code == 1
    assert "AUTH_ID_JAG_CLIENT_SECRET" in checks["sign-in settings"]
    assert checks["identity assertions client"].startswith("FAILED - set AUTH_ID_JAG_CLIENT_SECRET")
    assert checks["identity assertions JWKS"].endswith("unreachable (ConnectError): check AUTH_ID_JAG_JWKS_URL")


def test_identity_assertion_settings_without_an_issuer_or_in_external_mode_are_refused(id_jag, google, capsys):
    id_jag.delenv("AUTH_ID_JAG_ISSUER")
    code, checks = doctor("jira", capsys)
    assert code == 1
    assert checks["identity assertions"].startswith("FAILED - AUTH_ID_JAG_JWKS_URL, AUTH_ID_JAG_CLIENT_ID")
    assert checks["identity assertions"].endswith("but AUTH_ID_JAG_ISSUER is empty: set it (or remove them)")
    set_all(
        id_jag,
        {
            "AUTH_ID_JAG_ISSUER": "https://idp.example.com",
            "AUTH_MODE": "external",
            "AUTH_EXTERNAL_ISSUER": "https://idp.example.com",
            "AUTH_EXTERNAL_JWKS_URL": f"{google.url}/oauth2/v3/certs",
        },
    )
    code, checks = doctor("jira", capsys)
    assert code == 1
    assert checks["identity assertions"].startswith("FAILED - AUTH_ID_JAG_ISSUER needs AUTH_MODE=builtin")


# ------------------------------------------------------------------ enterprise delegation (no per-person login)


@pytest.fixture
def delegation(
    env: pytest.MonkeyPatch, google: GoogleUnderTest, tenant: TenantUnderTest, tmp_path: Path
) -> pytest.MonkeyPatch:
    """Storage in external mode acting by delegation: the Google sandbox's service account with domain-wide
    delegation, and on-behalf-of with the Entra sandbox's app (the Google sandbox's JWKS stands in for the IdP's)."""
    set_all(
        env,
        {
            "STORAGE_PROVIDERS": "google-drive,onedrive",
            "AUTH_PUBLIC_URL": "https://storage.mcp.example.com",
            "AUTH_MODE": "external",
            "AUTH_EXTERNAL_ISSUER": f"https://login.microsoftonline.com/{TENANT_ID}/v2.0",
            "AUTH_EXTERNAL_JWKS_URL": f"{google.url}/oauth2/v3/certs",
            "AUTH_EXTERNAL_AUDIENCE": CONNECTOR_APP.client_id,
            "AUTH_GOOGLE_SERVICE_ACCOUNT_FILE": str(google.service_account_file(tmp_path)),
            "AUTH_GOOGLE_BASE_URL": google.url,
            "AUTH_MICROSOFT_OBO": "true",
            "AUTH_MICROSOFT_CLIENT_ID": CONNECTOR_APP.client_id,
            "AUTH_MICROSOFT_CLIENT_SECRET": CONNECTOR_APP.secret,
            "AUTH_MICROSOFT_TENANT": TENANT_ID,
            "AUTH_MICROSOFT_LOGIN_URL": tenant.url,
            "AUTH_MICROSOFT_CA_FILE": tenant.ca,
        },
    )
    return env


def test_delegation_checks_the_key_file_and_on_behalf_of(delegation, google, tenant, tmp_path, capsys):
    code, checks = doctor("storage", capsys)
    assert code == 0, checks
    key = google.service_account_key()
    path = tmp_path / "service-account.json"
    assert checks["Google service account"] == (
        f"ok - {key['client_email']} from {path}; authorise client id {key['client_id']} for domain-wide delegation "
        "(Google Admin console, Security > API controls)"
    )
    assert checks["Microsoft on-behalf-of"].startswith("ok - AUTH_MICROSOFT_OBO=true")
    assert checks["Microsoft tenant"] == f"ok - AUTH_MICROSOFT_TENANT={TENANT_ID}"
    assert checks["Microsoft client id"] == f"ok - AUTH_MICROSOFT_CLIENT_ID={CONNECTOR_APP.client_id}"
    assert checks["Microsoft client secret"] == "ok - AUTH_MICROSOFT_CLIENT_SECRET (from the environment)"
    assert checks["Microsoft login"].startswith(f"ok - Microsoft: {tenant.url}/{TENANT_ID}/oauth2/v2.0/authorize")
    assert not any(name.startswith("Google client") or name == "Google login" for name in checks)  # no Google login
    assert checks["vault key"] == "ok - VAULT_KEYS not set: none needed, people's tokens come by delegation"
    assert "sign-in database" not in checks
    printed = str(checks)
    assert key["private_key_id"] not in printed and CONNECTOR_APP.secret not in printed
    assert "PRIVATE KEY" not in printed


BAD_KEYS = {
    "not JSON": ("{", "cannot be read as JSON (JSONDecodeError)"),
    "a user's credentials": ('{"type": "authorized_user"}', 'is not a service account key ("type": "service_account")'),
    "no client_email": ('{"type": "service_account", "private_key": "x"}', "has no client_email: download a new"),
    "a private key that does not parse": (
        '{"type": "service_account", "client_email": "sa@p.iam.gserviceaccount.com", "token_uri": "https://t",'
        ' "private_key": "-----BEGIN PRIVATE KEY-----\\nc2VjcmV0LWJ1dC1icm9rZW4=\\n-----END PRIVATE KEY-----\\n"}',
        "its private key does not parse (ValueError): create a new JSON key",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_KEYS))
def test_a_key_file_that_is_not_a_usable_service_account_key_says_why(delegation, tmp_path, capsys, case):
    content, expected = BAD_KEYS[case]
    path = tmp_path / "key.json"
    path.write_text(content)
    delegation.setenv("AUTH_GOOGLE_SERVICE_ACCOUNT_FILE", str(path))
    code, checks = doctor("storage", capsys)
    assert code == 1
    assert checks["Google service account"].startswith(f"FAILED - AUTH_GOOGLE_SERVICE_ACCOUNT_FILE ({path})")
    assert expected in checks["Google service account"]
    assert "AUTH_GOOGLE_SERVICE_ACCOUNT_FILE" in checks["sign-in settings"]
    assert "c2VjcmV0LWJ1dC1icm9rZW4" not in str(checks)
    assert checks["Microsoft login"].startswith("ok - ")  # the other provider is still checked


def test_a_missing_key_file_is_named(delegation, tmp_path, capsys):
    delegation.setenv("AUTH_GOOGLE_SERVICE_ACCOUNT_FILE", str(tmp_path / "nope.json"))
    code, checks = doctor("storage", capsys)
    assert code == 1
    assert checks["Google service account"] == (
        f"FAILED - AUTH_GOOGLE_SERVICE_ACCOUNT_FILE names no file: {tmp_path / 'nope.json'}"
    )


def test_on_behalf_of_names_its_missing_secret_and_a_placeholder_tenant(delegation, capsys):
    delegation.delenv("AUTH_MICROSOFT_CLIENT_SECRET")
    delegation.setenv("AUTH_MICROSOFT_TENANT", "organizations")
    code, checks = doctor("storage", capsys)
    assert code == 1
    assert checks["Microsoft client secret"].startswith("FAILED - set AUTH_MICROSOFT_CLIENT_SECRET (or the file")
    assert checks["Microsoft tenant"] == (
        "FAILED - set AUTH_MICROSOFT_TENANT to your tenant id: on-behalf-of is asked of your own tenant, "
        "not organizations"
    )
    assert "Microsoft login" not in checks  # not tried without the app's credentials
    assert checks["Google service account"].startswith("ok - ")


def test_an_authority_that_does_not_answer_is_named(delegation, capsys):
    nowhere = f"https://127.0.0.1:{free_port()}"
    delegation.setenv("AUTH_MICROSOFT_LOGIN_URL", nowhere)
    code, checks = doctor("storage", capsys)
    assert code == 1
    assert checks["Microsoft login"].startswith(f"FAILED - Microsoft's sign-in at {nowhere}/{TENANT_ID} could not")


def test_delegation_for_some_providers_only_names_the_missing_one(delegation, capsys):
    delegation.delenv("AUTH_MICROSOFT_OBO")
    code, checks = doctor("storage", capsys)
    assert code == 1
    assert "set AUTH_MICROSOFT_OBO=true" in checks["sign-in settings"]  # the server refuses to start
    assert checks["Microsoft on-behalf-of"] == (
        "FAILED - set AUTH_MICROSOFT_OBO=true: every enabled provider acts by delegation, or none"
    )
    delegation.setenv("AUTH_MICROSOFT_OBO", "true")
    delegation.delenv("AUTH_GOOGLE_SERVICE_ACCOUNT_FILE")
    code, checks = doctor("storage", capsys)
    assert code == 1
    assert checks["Google service account"].startswith("FAILED - set AUTH_GOOGLE_SERVICE_ACCOUNT_FILE: the JSON key")


def test_delegation_checks_only_the_enabled_providers(delegation, capsys):
    delegation.setenv("STORAGE_PROVIDERS", "google-drive")
    delegation.delenv("AUTH_MICROSOFT_OBO")
    code, checks = doctor("storage", capsys)
    assert code == 0, checks
    assert checks["Google service account"].startswith("ok - ")
    assert not any(name.startswith("Microsoft") for name in checks)


def test_delegation_in_builtin_mode_or_unreadable_is_one_line_naming_the_variable(storage, tmp_path, capsys):
    storage.setenv("AUTH_GOOGLE_SERVICE_ACCOUNT_FILE", str(tmp_path / "key.json"))
    code, checks = doctor("storage", capsys)
    assert code == 1
    assert checks["delegation"].startswith(
        "FAILED - AUTH_GOOGLE_SERVICE_ACCOUNT_FILE / AUTH_MICROSOFT_OBO act for people without a login, which needs "
        "AUTH_MODE=external"
    )
    assert checks["Google login"].startswith("ok - ")  # builtin mode: people still sign in with Google
    storage.setenv("AUTH_MICROSOFT_OBO", "perhaps")
    code, checks = doctor("storage", capsys)
    assert code == 1
    assert checks["delegation"].startswith("FAILED - AUTH_MICROSOFT_OBO Input should be a valid boolean")
