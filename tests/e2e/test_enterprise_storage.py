"""Enterprise mode of the storage and mail servers over real HTTP: the company's IdP signs people in
(AUTH_MODE=external) and the server acts upstream for each of them WITHOUT a per-person login: Google Drive and
Gmail through a service account with domain-wide delegation (the Google sandbox's /token takes its signed
assertion), OneDrive and Outlook through on-behalf-of (the Entra sandbox, which is also the IdP there: its token
for our API is the bearer token and the OBO assertion).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx2
import pytest
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from connectors.mail.connector import connector as mail
from connectors.storage.connector import connector as storage
from sandbox.google.testing import GoogleUnderTest, running_google
from sandbox.microsoft.testing import TenantUnderTest, running_tenant
from sandbox.microsoft.users import CONNECTOR_APP, TENANT_ID
from shared import cli
from shared.settings import load_settings
from shared.testing import first_text, free_port, serve_in_thread

pytestmark = pytest.mark.anyio
IDP = "https://login.corp.example"
KEY = ECKey.generate_key("P-256", parameters={"kid": "corp-1"})


@dataclass
class Deployment:
    mcp: str
    google: GoogleUnderTest | None = None
    tenant: TenantUnderTest | None = None


@contextmanager
def serving(settings: dict[str, str], served: Any = storage) -> Iterator[str]:
    """A server started as `connectors serve <name>` starts it with `settings`; yields its /mcp URL."""
    with pytest.MonkeyPatch.context() as env:
        port = free_port()
        public = f"http://127.0.0.1:{port}"
        for name, value in {**settings, "AUTH_PUBLIC_URL": public, "AUTH_MODE": "external"}.items():
            env.setenv(name, value)
        for prefix in ("STORAGE", "MAIL"):
            env.delenv(f"{prefix}_GOOGLE_TOKEN", raising=False)
            env.delenv(f"{prefix}_GRAPH_TOKEN", raising=False)
        for name in ("VAULT_KEYS", "AUTH_GOOGLE_CLIENT_ID", "AUTH_GOOGLE_CLIENT_SECRET"):
            env.delenv(name, raising=False)
        app = cli._served(served, load_settings(served.settings, rate_limit_per_second=1000), port).app
        env.undo()  # everything is read by now (the JWKS client too): nothing started later inherits it
        with serve_in_thread(app, port=port):
            yield f"{public}/mcp"


@pytest.fixture(scope="module")
def google_idp(tmp_path_factory) -> Iterator[tuple[GoogleUnderTest, dict[str, str]]]:
    """The Google sandbox, and a company IdP whose tokens carry the person's e-mail address (its JWKS served)."""
    idp = Starlette(routes=[Route("/jwks", lambda request: JSONResponse(KeySet([KEY]).as_dict(private=False)))])
    with running_google() as google, serve_in_thread(idp) as idp_url:
        key_file = google.service_account_file(tmp_path_factory.mktemp("keys"))
        yield (
            google,
            {
                "AUTH_EXTERNAL_ISSUER": IDP,
                "AUTH_EXTERNAL_JWKS_URL": f"{idp_url}/jwks",
                "AUTH_GOOGLE_SERVICE_ACCOUNT_FILE": str(key_file),
                "AUTH_GOOGLE_BASE_URL": google.url,
            },
        )


@pytest.fixture(scope="module")
def entra() -> Iterator[tuple[TenantUnderTest, dict[str, str]]]:
    """The Entra sandbox as the company IdP: its token for our API is the bearer token, exchanged on-behalf-of."""
    with running_tenant() as tenant:
        yield (
            tenant,
            {
                "AUTH_EXTERNAL_ISSUER": f"{tenant.url}/{TENANT_ID}/v2.0",
                "AUTH_EXTERNAL_JWKS_URL": f"{tenant.url}/{TENANT_ID}/discovery/v2.0/keys",
                "AUTH_EXTERNAL_AUDIENCE": CONNECTOR_APP.client_id,  # Entra's v2 tokens name the app, not our URL
                "SSL_CERT_FILE": tenant.ca,  # the JWKS is served over HTTPS with the sandbox's own CA
                "AUTH_MICROSOFT_OBO": "true",
                "AUTH_MICROSOFT_CLIENT_ID": CONNECTOR_APP.client_id,
                "AUTH_MICROSOFT_CLIENT_SECRET": CONNECTOR_APP.secret,
                "AUTH_MICROSOFT_TENANT": TENANT_ID,
                "AUTH_MICROSOFT_LOGIN_URL": tenant.url,
                "AUTH_MICROSOFT_CA_FILE": tenant.ca,
            },
        )


@pytest.fixture(scope="module")
def drive(google_idp) -> Iterator[Deployment]:
    google, auth = google_idp
    with serving({"STORAGE_PROVIDERS": "google-drive", "STORAGE_GOOGLE_ROOT_URL": google.url, **auth}) as mcp:
        yield Deployment(mcp, google=google)


@pytest.fixture(scope="module")
def onedrive(entra) -> Iterator[Deployment]:
    tenant, auth = entra
    graph = {"STORAGE_GRAPH_URL": tenant.graph_url, "STORAGE_GRAPH_CA_FILE": tenant.ca}
    with serving({"STORAGE_PROVIDERS": "onedrive", **graph, **auth}) as mcp:
        yield Deployment(mcp, tenant=tenant)


def idp_token(mcp: str, subject: str, scope: str = "storage.read", **claims: Any) -> str:
    now = int(time.time())
    body = {"iss": IDP, "sub": subject, "aud": mcp, "scope": scope, "iat": now, "exp": now + 600, **claims}
    return jwt.encode({"alg": "ES256", "kid": KEY.kid, "typ": "JWT"}, body, KEY, algorithms=["ES256"])


async def call(mcp: str, token: str, tool: str, arguments: dict[str, Any]) -> tuple[bool, str, Any]:
    async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
        async with Client(streamable_http_client(mcp, http_client=http)) as client:
            result = await client.call_tool(tool, arguments)
    return bool(result.is_error), first_text(result), result


async def titles(mcp: str, token: str, query: str) -> str:
    is_error, text, _ = await call(mcp, token, "search", {"query": query})
    assert not is_error, text
    return " | ".join(hit["title"] for hit in json.loads(text)["results"])


async def test_drive_search_returns_the_callers_own_files_through_domain_wide_delegation(drive):
    alice = idp_token(drive.mcp, "corp-alice", email="alice@example.com")
    bob = idp_token(drive.mcp, "corp-bob", preferred_username="Bob@Example.com")  # an address: used as such
    assert "Signed contract with Acme" in await titles(drive.mcp, alice, "Acme")
    assert "Signed contract with Acme" not in await titles(drive.mcp, bob, "Acme")
    is_error, own, _ = await call(drive.mcp, bob, "storage_search_files", {"owner": "me"})
    assert not is_error and "Travel itinerary" in own, own
    is_error, own, _ = await call(drive.mcp, alice, "storage_search_files", {"owner": "me"})
    assert not is_error and "Travel itinerary" not in own, own


async def test_drive_tokens_are_kept_per_person_until_they_expire(drive):
    assert drive.google is not None
    minted = drive.google.app.state.tokens._access
    alice = idp_token(drive.mcp, "corp-alice", email="alice@example.com")
    await titles(drive.mcp, alice, "Acme")
    before = len(minted)
    await titles(drive.mcp, idp_token(drive.mcp, "corp-alice", email="alice@example.com"), "budget")
    assert len(minted) == before  # the same person again: no new grant at Google
    # Google's tokens expire (the sandbox refuses them now): the refused one is replaced by a new delegation.
    drive.google.app.state.tokens.expire_access_tokens()
    assert "Signed contract with Acme" in await titles(drive.mcp, alice, "Acme")
    assert len(minted) == before + 1


async def test_a_person_google_does_not_know_is_told_so(drive):
    is_error, text, _ = await call(
        drive.mcp, idp_token(drive.mcp, "corp-mallory", email="mallory@example.com"), "search", {"query": "Acme"}
    )
    assert is_error and "Google Workspace has no account mallory@example.com" in text, text
    is_error, text, _ = await call(
        drive.mcp, idp_token(drive.mcp, "corp-nobody", upn="not an address"), "search", {"query": "x"}
    )
    assert is_error and "names no e-mail address" in text, text


async def test_a_token_from_another_issuer_is_refused_before_any_delegation(drive):
    other = ECKey.generate_key("P-256", parameters={"kid": "corp-1"})
    now = int(time.time())
    claims = {"iss": IDP, "sub": "x", "aud": drive.mcp, "scope": "storage.read", "iat": now, "exp": now + 600}
    forged = jwt.encode(
        {"alg": "ES256", "kid": "corp-1"}, claims | {"email": "alice@example.com"}, other, algorithms=["ES256"]
    )
    answer = await _post_tools_list(drive.mcp, forged)
    assert answer.status_code == 401


async def _post_tools_list(mcp: str, token: str) -> httpx2.Response:
    async with httpx2.AsyncClient(timeout=30) as http:
        return await http.post(
            mcp,
            json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
            headers={"Authorization": f"Bearer {token}", "Accept": "application/json, text/event-stream"},
        )


async def test_onedrive_search_returns_the_callers_own_files_on_behalf_of_them(onedrive):
    assert onedrive.tenant is not None
    alice = onedrive.tenant.api_token("alice@contoso.example", ["storage.read"])
    bob = onedrive.tenant.api_token("bob@contoso.example", ["storage.read"])
    assert "Master Services Agreement" in await titles(onedrive.mcp, alice, "Acme")
    assert "Master Services Agreement" not in await titles(onedrive.mcp, bob, "Acme")
    is_error, own, _ = await call(onedrive.mcp, bob, "storage_search_files", {"owner": "me"})
    assert not is_error and "Expense report October" in own, own
    assert "Expense report October" not in await titles(onedrive.mcp, alice, "Expense")


async def test_a_refused_assertion_asks_the_person_to_sign_in_again(onedrive):
    assert onedrive.tenant is not None
    token = onedrive.tenant.api_token("bob@contoso.example", ["storage.read"])
    assert "notes" in (await titles(onedrive.mcp, token, "notes")).lower()
    # Entra's clock moves two hours on: the Graph token it gave is expired, and so (for Entra) is Bob's assertion,
    # which this server still accepts (its own clock). Graph refuses, OBO is refused: Bob must sign in again.
    onedrive.tenant.identity(clock_offset_s=2 * 3600)
    try:
        is_error, text, result = await call(onedrive.mcp, token, "search", {"query": "notes"})
    finally:
        onedrive.tenant.identity(clock_offset_s=0)
    assert is_error and "Microsoft would not act for you" in text and "Sign in again" in text, text
    assert 'resource_metadata="' in result.meta["mcp/www_authenticate"]


async def test_no_token_or_key_reaches_a_log_line_or_a_result(drive, onedrive, caplog):
    assert drive.google is not None and onedrive.tenant is not None
    caplog.set_level("DEBUG")
    google_idp = idp_token(drive.mcp, "corp-bob", email="bob@example.com")
    entra = onedrive.tenant.api_token("alice@contoso.example", ["storage.read"])
    results = [
        (await call(drive.mcp, google_idp, "search", {"query": "notes"}))[2],
        (await call(drive.mcp, idp_token(drive.mcp, "m", email="mallory@example.com"), "search", {"query": "x"}))[2],
        (await call(onedrive.mcp, entra, "search", {"query": "notes"}))[2],
    ]
    texts = [json.dumps(result.model_dump(mode="json")) for result in results]
    logged = "\n".join(record.getMessage() + str(record.exc_text or "") for record in caplog.records)
    key = drive.google.service_account_key()
    secrets_seen = [
        google_idp,
        entra,
        CONNECTOR_APP.secret,
        key["private_key"].splitlines()[1],
        *drive.google.app.state.tokens._access,
    ]
    for haystack in [*texts, logged]:
        for secret in secrets_seen:
            assert secret not in haystack


def test_the_key_file_must_be_a_service_account_key(tmp_path: Path, monkeypatch):
    from shared.errors import ConfigError

    bad = tmp_path / "key.json"
    bad.write_text(json.dumps({"type": "authorized_user", "client_id": "x"}))
    settings = {
        "STORAGE_PROVIDERS": "google-drive",
        "AUTH_EXTERNAL_ISSUER": IDP,
        "AUTH_EXTERNAL_JWKS_URL": "http://127.0.0.1:1/jwks",
        "AUTH_GOOGLE_SERVICE_ACCOUNT_FILE": str(bad),
    }
    with pytest.raises(ConfigError, match="not a service account key"), serving(settings):
        pass


@pytest.fixture(scope="module")
def gmail(google_idp) -> Iterator[Deployment]:
    google, auth = google_idp
    with serving({"MAIL_PROVIDERS": "gmail", "MAIL_GOOGLE_ROOT_URL": google.url, **auth}, mail) as mcp:
        yield Deployment(mcp, google=google)


@pytest.fixture(scope="module")
def outlook(entra) -> Iterator[Deployment]:
    tenant, auth = entra
    graph = {"MAIL_GRAPH_URL": tenant.graph_url, "MAIL_GRAPH_CA_FILE": tenant.ca}
    with serving({"MAIL_PROVIDERS": "outlook", **graph, **auth}, mail) as mcp:
        yield Deployment(mcp, tenant=tenant)


async def test_mail_search_returns_the_callers_own_mail_by_delegation_and_on_behalf_of_them(gmail, outlook):
    assert outlook.tenant is not None
    alice = idp_token(gmail.mcp, "corp-alice", "mail.read", email="alice@example.com")
    bob = idp_token(gmail.mcp, "corp-bob", "mail.read", email="bob@example.com")
    assert "entretien annuel" in (await titles(gmail.mcp, bob, "entretien annuel")).lower()
    assert "entretien annuel" not in (await titles(gmail.mcp, alice, "entretien annuel")).lower()
    assert await titles(gmail.mcp, alice, "Acme contract")
    alice = outlook.tenant.api_token("alice@contoso.example", ["mail.read"])
    bob = outlook.tenant.api_token("bob@contoso.example", ["mail.read"])
    assert "Expense report October" in await titles(outlook.mcp, bob, "Expense report October")
    assert "Expense report October" not in await titles(outlook.mcp, alice, "Expense report October")
    assert await titles(outlook.mcp, alice, "Acme contract")
