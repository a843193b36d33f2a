"""Per-user sign-in to the storage server through TWO upstream logins, played the way ChatGPT does it.

The storage server is started the way `connectors serve storage` starts it with AUTH_* settings and both
providers enabled (`STORAGE_PROVIDERS=google-drive,onedrive`). One consent gives the client a token for our
server and gives our server the person's Google AND Microsoft tokens: our consent page, then Google's login
(the Google sandbox), then Microsoft's (the Entra sandbox over HTTPS, reached through msal), then our code
back to the client (code + PKCE). Tools then act with that person's own files on both providers.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx2
import pytest
import requests
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from connectors.storage.connector import connector
from sandbox.google.entry import sign_in_env as google_sign_in
from sandbox.google.testing import GoogleUnderTest, running_google
from sandbox.google.tokens import DEMO_CLIENT_SECRET
from sandbox.microsoft.entry import sign_in_env as microsoft_sign_in
from sandbox.microsoft.testing import TenantUnderTest, running_tenant
from sandbox.microsoft.users import CONNECTOR_APP, TENANT_ID
from shared import cli
from shared.settings import load_settings
from shared.testing import first_text, free_port, serve_in_thread

from .chatgpt import query as _query
from .chatgpt import sign_in_as_chatgpt

pytestmark = pytest.mark.anyio
GOOGLE = {"alice": "alice@example.com", "bob": "bob@example.com"}
MICROSOFT = {"alice": "alice@contoso.example", "bob": "bob@contoso.example"}


@dataclass
class Deployment:
    mcp: str
    issuer: str
    google: GoogleUnderTest
    tenant: TenantUnderTest
    env: dict[str, str]  # the server's settings (undone once it started: a test that needs them sets them again)


@contextmanager
def storage_with_sign_in(vault_dir: Path) -> Iterator[Deployment]:
    """The storage server with both providers and sign-in on, as `connectors serve storage` starts it."""
    with running_google() as google, running_tenant() as tenant, pytest.MonkeyPatch.context() as env:
        port = free_port()
        issuer = f"http://127.0.0.1:{port}"
        settings_env = {
            "STORAGE_PROVIDERS": "google-drive,onedrive",
            "STORAGE_GOOGLE_ROOT_URL": google.url,
            "STORAGE_GRAPH_URL": tenant.graph_url,
            "STORAGE_GRAPH_CA_FILE": tenant.ca,
            "AUTH_PUBLIC_URL": issuer,
            "AUTH_SQLITE_PATH": str(vault_dir / "connectors.db"),
            "VAULT_KEYS": "k1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
            **google_sign_in(google.url),  # the sandboxes' apps, as `connectors demo --auth` uses them
            **microsoft_sign_in(tenant.url),
            "AUTH_MICROSOFT_CA_FILE": tenant.ca,  # this tenant's own CA
        }
        for name, value in settings_env.items():
            env.setenv(name, value)
        for name in ("STORAGE_GOOGLE_TOKEN", "STORAGE_GRAPH_TOKEN"):
            env.delenv(name, raising=False)
        settings = load_settings(connector.settings, rate_limit_per_second=1000)
        served = cli._served(connector, settings, port)
        with serve_in_thread(served.app, port=port):
            env.undo()  # settings are read by now: no server started later inherits sign-in
            yield Deployment(f"{issuer}/mcp", issuer, google, tenant, settings_env)


@pytest.fixture(scope="module")
def deployment(tmp_path_factory) -> Iterator[Deployment]:
    with storage_with_sign_in(tmp_path_factory.mktemp("vault")) as deployed:
        yield deployed


def _at_google(d: Deployment, url: str, email: str) -> str:
    """The person picks their account on the Google sandbox's page and allows: where Google sends them back."""
    assert url.startswith(f"{d.google.url}/o/oauth2/v2/auth?")
    params = _query(url)
    assert params["access_type"] == "offline" and params["prompt"] == "consent"
    assert {"openid", "email", "profile"} <= set(params["scope"].split())
    page = requests.get(url, timeout=10)
    assert page.status_code == 200 and "Choose an account" in page.text
    answer = requests.post(
        url.split("?", 1)[0], data={**params, "user": email, "decision": "allow"}, allow_redirects=False, timeout=10
    )
    assert answer.status_code == 302, answer.text[:300]
    return str(answer.headers["location"])


def _at_microsoft(d: Deployment, url: str, email: str) -> str:
    """The same at the Entra sandbox (HTTPS, its own CA): pick the account, accept."""
    assert url.startswith(f"{d.tenant.url}/{TENANT_ID}/oauth2/v2.0/authorize?")
    params = _query(url)
    with requests.Session() as browser:
        browser.verify, browser.trust_env = d.tenant.ca, False
        page = browser.get(url, timeout=10)
        assert page.status_code == 200 and "Choose an account" in page.text
        form = {**params, "login": email, "consent": "accept"}
        answer = browser.post(url.split("?", 1)[0], data=form, allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text[:300]
    return str(answer.headers["location"])


def sign_in(d: Deployment, person: str, scope: str = "storage.read storage.write offline_access") -> dict:
    """The whole ChatGPT-side flow for `person` (alice or bob) through both logins; returns the token response."""

    def at_google_then_microsoft(http: requests.Session, location: str) -> str:
        back = _at_google(d, location, GOOGLE[person])
        onward = http.get(back, allow_redirects=False, timeout=10)  # our callback sends the person on to Microsoft
        assert onward.status_code == 302, onward.text[:300]
        return _at_microsoft(d, onward.headers["location"], MICROSOFT[person])

    return sign_in_as_chatgpt(d.mcp, d.issuer, scope, at_google_then_microsoft, consent_says="Google and Microsoft")


@asynccontextmanager
async def as_person(d: Deployment, access_token: str):
    async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {access_token}"}, timeout=60) as http:
        async with Client(streamable_http_client(d.mcp, http_client=http)) as client:
            yield client


async def _search(client: Client, query: str) -> list[dict]:
    result = await client.call_tool("search", {"query": query})
    assert not result.is_error, first_text(result)
    found: list[dict] = json.loads(first_text(result))["results"]
    return found


def _claims(jwt: str) -> dict:
    payload = jwt.split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))))


async def test_one_consent_links_google_and_microsoft_and_search_covers_both(deployment):
    tokens = sign_in(deployment, "alice")
    assert _claims(tokens["access_token"])["sub"] == "google:104812372920183742201"  # the FIRST upstream's account
    async with as_person(deployment, tokens["access_token"]) as client:
        listed = {t.name: t for t in (await client.list_tools()).tools}
        assert listed["storage_upload_file"].meta["securitySchemes"] == [
            {"type": "oauth2", "scopes": ["storage.write"]}
        ]
        found = await _search(client, "Acme")
    ids = {hit["id"].split(":", 1)[0] for hit in found}
    titles = " | ".join(hit["title"] for hit in found)
    assert ids == {"gdrive", "onedrive"}, titles  # Alice's files from both providers
    assert "Signed contract with Acme" in titles and "Master Services Agreement" in titles


async def test_two_people_each_see_only_their_own_files(deployment):
    alice, bob = sign_in(deployment, "alice"), sign_in(deployment, "bob")
    seen: dict[str, str] = {}
    for who, tokens in (("alice", alice), ("bob", bob)):
        async with as_person(deployment, tokens["access_token"]) as client:
            seen[who] = " | ".join(hit["title"] for hit in await _search(client, "Acme"))
            mine = await client.call_tool("storage_search_files", {"owner": "me"})
            assert not mine.is_error, first_text(mine)
            seen[who + "-own"] = first_text(mine)
    assert "Signed contract with Acme" in seen["alice"] and "Signed contract with Acme" not in seen["bob"]
    assert "Master Services Agreement" in seen["alice"] and "Master Services Agreement" not in seen["bob"]
    assert "Travel itinerary" in seen["bob-own"] and "Travel itinerary" not in seen["alice-own"]


async def test_expired_upstream_tokens_are_renewed_with_the_refresh_tokens(deployment):
    tokens = sign_in(deployment, "alice")
    google_tokens, entra = deployment.google.app.state.tokens, deployment.tenant.app.state.tokens
    async with as_person(deployment, tokens["access_token"]) as client:
        assert len(await _search(client, "Acme")) >= 2
        minted, rotated = len(google_tokens._access), len(entra._used_refresh)
        # Both providers now refuse the access tokens they issued (Google: expired; Entra: its clock moved on).
        requests.post(f"{deployment.google.url}/__sandbox/google/oauth/expire", timeout=10).raise_for_status()
        deployment.tenant.identity(clock_offset_s=2 * 3600)
        try:
            found = await _search(client, "Acme")
        finally:
            deployment.tenant.identity(clock_offset_s=0)
    assert {hit["id"].split(":", 1)[0] for hit in found} == {"gdrive", "onedrive"}
    assert len(google_tokens._access) == minted + 1  # one Google refresh
    assert len(entra._used_refresh) == rotated + 1  # one Entra refresh, its refresh token rotated


async def test_a_revoked_google_link_asks_the_person_to_reconnect(deployment):
    tokens = sign_in(deployment, "bob")
    async with as_person(deployment, tokens["access_token"]) as client:
        assert await _search(client, "Travel")
        # Bob removes the app from his Google account (every token of it dies): the access token is refused, the
        # refresh gets invalid_grant, the Google link is removed and ChatGPT is told to reconnect.
        assert deployment.google.app.state.tokens.revoke_user(GOOGLE["bob"]) >= 1
        result = await client.call_tool("search", {"query": "Travel"})
    assert result.is_error and "Google" in first_text(result) and "sign in" in first_text(result).lower()
    challenge = result.meta["mcp/www_authenticate"]
    assert challenge.startswith("Bearer ") and 'resource_metadata="' in challenge


async def test_a_refused_microsoft_refresh_asks_the_person_to_reconnect(deployment):
    tokens = sign_in(deployment, "alice")
    async with as_person(deployment, tokens["access_token"]) as client:
        assert await _search(client, "Acme")
        deployment.tenant.identity(expire_refresh_tokens=True, clock_offset_s=2 * 3600)
        try:
            result = await client.call_tool("search", {"query": "Acme"})
        finally:
            deployment.tenant.identity(clock_offset_s=0)
    assert result.is_error and "Microsoft" in first_text(result), first_text(result)
    assert 'resource_metadata="' in result.meta["mcp/www_authenticate"]


def test_doctor_checks_both_upstream_logins(deployment, monkeypatch, capsys):
    for name, value in deployment.env.items():
        monkeypatch.setenv(name, value)
    assert cli.main(["doctor", "storage"]) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert "Google login: ok" in out and "Microsoft login: ok" in out, out
    monkeypatch.delenv("AUTH_MICROSOFT_CLIENT_SECRET")
    assert cli.main(["doctor", "storage"]) == 1
    assert "AUTH_MICROSOFT_CLIENT_SECRET" in capsys.readouterr().out


async def test_a_read_only_grant_cannot_upload_and_is_told_how_to_get_more(deployment):
    tokens = sign_in(deployment, "alice", scope="storage.read offline_access")
    async with as_person(deployment, tokens["access_token"]) as client:
        assert await _search(client, "Acme")
        result = await client.call_tool(
            "storage_upload_file", {"name": "x.txt", "content": "hello", "provider": "google-drive"}
        )
    assert result.is_error and "storage.write" in first_text(result)
    assert 'error="insufficient_scope"' in result.meta["mcp/www_authenticate"]


async def test_no_token_or_secret_reaches_a_log_line_or_a_result(deployment, caplog):
    caplog.set_level("DEBUG")
    tokens = sign_in(deployment, "bob")
    async with as_person(deployment, tokens["access_token"]) as client:
        texts = [json.dumps((await client.call_tool("search", {"query": "notes"})).model_dump(mode="json"))]
        deployment.tenant.identity(clock_offset_s=2 * 3600)  # a refresh through msal, logged at DEBUG
        try:
            texts.append(json.dumps((await client.call_tool("search", {"query": "notes"})).model_dump(mode="json")))
        finally:
            deployment.tenant.identity(clock_offset_s=0)
    logged = "\n".join(record.getMessage() + str(record.exc_text or "") for record in caplog.records)
    upstream_tokens = [t for t in deployment.google.app.state.tokens._access] + [
        t for t in deployment.google.app.state.tokens._grants_by_refresh
    ]
    secrets_seen = [
        tokens["access_token"],
        tokens["refresh_token"],
        DEMO_CLIENT_SECRET,
        CONNECTOR_APP.secret,
        deployment.env["VAULT_KEYS"],
        *upstream_tokens,
        *deployment.tenant.app.state.tokens._refresh,
    ]
    for haystack in [*texts, logged]:
        for secret in secrets_seen:
            assert secret not in haystack
