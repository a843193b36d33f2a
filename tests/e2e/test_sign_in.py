"""Per-user sign-in, played the way ChatGPT does it, against the Jira server and the sandbox's Atlassian login.

One Atlassian sandbox (the site and its OAuth 2.0 identity provider), one Jira server started the way
`connectors serve jira` starts it with AUTH_* settings (the built-in authorization server brokering the
login to the sandbox). The test reads the protected-resource metadata, discovers the authorization
server, registers a client (DCR), runs code + PKCE with `resource`, walks both consent pages, calls tools
as that person, refreshes, and checks that two people see what their own accounts may see.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
from collections.abc import Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import httpx2
import pytest
import requests
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from connectors.jira.connector import connector
from sandbox.atlassian.entry import sign_in_env as atlassian_sign_in
from sandbox.atlassian.oauth_testing import approve
from sandbox.atlassian.testing import SiteUnderTest, running_site
from shared import cli
from shared.settings import load_settings
from shared.testing import free_port, serve_in_thread

from .chatgpt import CALLBACK, pkce, sign_in_as_chatgpt

pytestmark = pytest.mark.anyio


@dataclass
class Deployment:
    mcp: str
    issuer: str
    site: SiteUnderTest


@pytest.fixture(scope="module")
def deployment(tmp_path_factory) -> Iterator[Deployment]:
    with running_site() as site, pytest.MonkeyPatch.context() as env:
        port = free_port()
        issuer = f"http://127.0.0.1:{port}"
        for name, value in {
            "JIRA_URL": site.url,
            "AUTH_PUBLIC_URL": issuer,
            "AUTH_SQLITE_PATH": str(tmp_path_factory.mktemp("vault") / "connectors.db"),
            "VAULT_KEYS": "k1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
            **atlassian_sign_in(site.url),  # the sandbox's 3LO app, as `connectors demo --auth` uses it
        }.items():
            env.setenv(name, value)
        env.delenv("JIRA_EMAIL", raising=False)
        env.delenv("JIRA_API_TOKEN", raising=False)
        settings = load_settings(connector.settings, rate_limit_per_second=1000)
        served = cli._served(connector, settings, port)
        with serve_in_thread(served.app, port=port):
            yield Deployment(f"{issuer}/mcp", issuer, site)


def sign_in(d: Deployment, person: str, scope: str = "jira.read jira.write offline_access") -> dict:
    """The whole ChatGPT-side flow for `person`; returns the token response."""

    def at_atlassian(http: requests.Session, location: str) -> str:
        assert location.startswith(f"{d.site.url}/authorize")  # the login is Atlassian's own
        return approve(location, person)  # the person signs in at the sandbox's consent page

    return sign_in_as_chatgpt(d.mcp, d.issuer, scope, at_atlassian)


@asynccontextmanager
async def as_person(d: Deployment, access_token: str):
    async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {access_token}"}, timeout=30) as http:
        async with Client(streamable_http_client(d.mcp, http_client=http)) as client:
            yield client


async def test_a_person_signs_in_once_and_works_with_their_own_account(deployment):
    tokens = sign_in(deployment, "alice")
    async with as_person(deployment, tokens["access_token"]) as client:
        listed = {t.name: t for t in (await client.list_tools()).tools}
        assert listed["jira_create_issue"].meta["securitySchemes"] == [{"type": "oauth2", "scopes": ["jira.write"]}]
        result = await client.call_tool("jira_get_issue", {"key": "SHOP-1"})
        assert not result.is_error, result.content[0].text
        assert "Times are in Europe/Paris" in result.content[0].text  # Alice's own profile
    requests_made = [r for r in deployment.site.requests() if r["path"].startswith("/ex/jira/")]
    assert requests_made, "requests go through the gateway with the person's OAuth token"


async def test_a_refresh_gives_a_new_access_token_that_works(deployment):
    tokens = sign_in(deployment, "alice")
    renewed = httpx.post(
        tokens["token_endpoint"],
        data={
            "grant_type": "refresh_token",
            "refresh_token": tokens["refresh_token"],
            "client_id": tokens["client_id"],
            "resource": deployment.mcp,
        },
        timeout=10,
    ).json()
    assert renewed["access_token"] != tokens["access_token"] and renewed["refresh_token"] != tokens["refresh_token"]
    async with as_person(deployment, renewed["access_token"]) as client:
        assert not (await client.call_tool("jira_list_projects", {})).is_error


async def test_two_people_each_see_what_their_own_account_may_see(deployment):
    alice, mallory = sign_in(deployment, "alice"), sign_in(deployment, "mallory")
    seen = {}
    for who, tokens in (("alice", alice), ("mallory", mallory)):
        async with as_person(deployment, tokens["access_token"]) as client:
            result = await client.call_tool("jira_list_projects", {})
            assert not result.is_error, result.content[0].text
            seen[who] = set(result.structured_content["ids"])
    assert "OPS" in seen["alice"] and "OPS" not in seen["mallory"]  # Mallory may not see Operations


async def test_a_read_only_grant_cannot_write_and_is_told_how_to_get_more(deployment):
    tokens = sign_in(deployment, "alice", scope="jira.read offline_access")
    async with as_person(deployment, tokens["access_token"]) as client:
        result = await client.call_tool("jira_add_comment", {"key": "SHOP-1", "body": "hello"})
    assert result.is_error and "jira.write" in result.content[0].text
    challenge = result.meta["mcp/www_authenticate"]
    assert 'error="insufficient_scope"' in challenge and 'scope="jira.write"' in challenge


async def test_a_revoked_upstream_link_asks_the_person_to_reconnect(deployment):
    tokens = sign_in(deployment, "alice")
    requests.post(f"{deployment.site.url}/__sandbox/oauth/revoke", json={"user": "alice"}, timeout=10)
    requests.post(f"{deployment.site.url}/__sandbox/oauth/expire", json={"user": "alice"}, timeout=10)
    async with as_person(deployment, tokens["access_token"]) as client:
        result = await client.call_tool("jira_get_issue", {"key": "SHOP-2"})
    assert result.is_error and "sign in" in result.content[0].text.lower()
    assert 'resource_metadata="' in result.meta["mcp/www_authenticate"]


def test_doctor_checks_the_sign_in_configuration(deployment, monkeypatch, capsys):
    assert cli.main(["doctor", "jira"]) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    assert "sign-in database: ok" in out and "upstream login: ok" in out
    monkeypatch.setenv("VAULT_KEYS", "")
    assert cli.main(["doctor", "jira"]) == 1
    assert "VAULT_KEYS" in capsys.readouterr().out


async def test_no_token_or_secret_reaches_a_log_line_a_result_or_a_metric(deployment, caplog):
    caplog.set_level("DEBUG")
    tokens = sign_in(deployment, "alice")
    texts = []
    async with as_person(deployment, tokens["access_token"]) as client:
        for name, args in (("jira_get_issue", {"key": "SHOP-1"}), ("jira_get_issue", {"key": "NOPE-0"})):
            result = await client.call_tool(name, args)
            texts.append(json.dumps(result.model_dump(mode="json", by_alias=True)))
    metrics = httpx.get(f"{deployment.issuer}/metrics", timeout=10).text
    logged = "\n".join(record.getMessage() + str(record.exc_text or "") for record in caplog.records)
    secrets_seen = [
        tokens["access_token"],
        tokens["refresh_token"],
        "sandbox-atlassian-secret",
        os.environ["VAULT_KEYS"],
    ]
    for haystack in [*texts, metrics, logged]:
        for secret in secrets_seen:
            assert secret not in haystack


def test_a_refused_authorization_is_a_page_in_words_not_json(deployment):
    """A redirect URI that is not allowed cannot be sent back to the app: the person sees why, in words."""
    server = requests.get(f"{deployment.issuer}/.well-known/oauth-authorization-server", timeout=10).json()
    client = requests.post(
        server["registration_endpoint"],
        json={"redirect_uris": [CALLBACK], "token_endpoint_auth_method": "none", "client_name": "t"},
        timeout=10,
    ).json()
    _, challenge = pkce()
    params = {
        "response_type": "code",
        "client_id": client["client_id"],
        "redirect_uri": "https://evil.example.com/callback",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
        "state": "s",
        "resource": deployment.mcp,
    }
    page = requests.get(server["authorization_endpoint"], params=params, allow_redirects=False, timeout=10)
    assert page.status_code == 400 and page.headers["content-type"].startswith("text/html")
    assert "This app cannot be connected" in page.text and "{" not in page.text.split("<body", 1)[-1][:200]


async def test_an_upstream_token_refused_early_is_renewed_with_the_refresh_token_not_a_new_sign_in(deployment):
    """Atlassian may end an access token before its stated expiry: the vault refreshes it and the call goes on."""
    tokens = sign_in(deployment, "alice")
    async with as_person(deployment, tokens["access_token"]) as client:
        assert not (await client.call_tool("jira_get_issue", {"key": "SHOP-1"})).is_error
        requests.post(f"{deployment.site.url}/__sandbox/oauth/expire", json={"user": "alice"}, timeout=10)
        result = await client.call_tool("jira_get_issue", {"key": "SHOP-3"})
    assert not result.is_error, result.content[0].text
