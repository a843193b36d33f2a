"""Two people served by one process never share a client, a cache entry, a bucket or an idempotency record.

The server authenticates callers with a token verifier (a static one here, standing in for OAuth);
the runtime's credential provider gives each verified subject their own upstream account.
"""

from __future__ import annotations

from contextlib import asynccontextmanager

import httpx
import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.server.auth.provider import AccessToken
from mcp.server.auth.settings import AuthSettings
from pydantic import SecretStr

from connectors.jira.connector import connector
from connectors.jira.runtime import JiraRuntime
from connectors.jira.settings import JiraSettings
from sandbox.atlassian.testing import running_site
from sandbox.atlassian.users import BY_EMAIL as USERS
from shared.credentials import Credential, PerSubject
from shared.server import Inbound, build_app
from shared.testing import free_port, serve_in_thread

pytestmark = pytest.mark.anyio
PEOPLE = {"alice": "Europe/Paris", "bob": "America/New_York"}  # their Jira profile zones in the sandbox


class StaticTokens:
    """Bearer `token-for-<subject>` is that subject; anything else is refused."""

    async def verify_token(self, token: str) -> AccessToken | None:
        subject = token.removeprefix("token-for-")
        if token.startswith("token-for-") and subject:
            return AccessToken(token=token, client_id="tests", scopes=[], subject=subject)
        return None


@pytest.fixture(scope="module")
def site():
    with running_site() as running:
        yield running


@pytest.fixture
def served(site):
    site.control.reset()
    settings = JiraSettings(
        _secrets_dir=None,
        url=site.url,
        email="alice@example.com",
        api_token="token-alice",
        rate_limit_per_second=1000,
        http_timeout_seconds=5,
    )
    accounts = {
        who: Credential(f"jira:{who}@example.com@{site.url}", "basic", SecretStr(f"token-{who}"), f"{who}@example.com")
        for who in [*PEOPLE, "mallory"]
    }
    accounts.pop("mallory")  # signed in, but no upstream account linked
    runtime = JiraRuntime(settings, credentials=PerSubject(accounts, "Jira"))
    port = free_port()
    auth = AuthSettings(issuer_url="https://auth.example.com", resource_server_url=f"http://127.0.0.1:{port}/mcp")
    app = build_app(connector, settings, runtime, inbound=Inbound(StaticTokens(), auth))
    with serve_in_thread(app, port=port) as base:
        yield f"{base}/mcp", runtime, accounts


@asynccontextmanager
async def signed_in(url: str, subject: str):
    headers = {"Authorization": f"Bearer token-for-{subject}"}
    async with httpx2.AsyncClient(headers=headers, timeout=30) as http:
        async with Client(streamable_http_client(url, http_client=http)) as client:
            yield client


async def test_each_person_reads_with_their_own_account_and_zone(served, site):
    url, runtime, accounts = served
    for who, zone in PEOPLE.items():
        async with signed_in(url, who) as client:
            result = await client.call_tool("jira_get_issue", {"key": "SHOP-1"})
            assert not result.is_error, result.content[0].text
            assert f"Times are in {zone}" in result.content[0].text  # the profile lookup was theirs
    seen = {entry["account"] for entry in site.requests() if entry.get("account")}
    assert seen == {USERS[f"{who}@example.com"].account_id for who in PEOPLE}  # each read with their own account


async def test_clients_caches_and_buckets_are_kept_per_person(served):
    url, runtime, accounts = served
    for who in PEOPLE:
        async with signed_in(url, who) as client:
            assert not (await client.call_tool("jira_list_projects", {})).is_error
    clients = {who: runtime._for(accounts[who]).client for who in PEOPLE}
    assert clients["alice"] is not clients["bob"]
    assert {c.bucket.identity for c in clients.values()} == {accounts[w].identity for w in PEOPLE}
    cached = {key[0] for key in runtime.cache._entries.keys()}
    assert {accounts[w].identity for w in PEOPLE} <= cached
    metered = {identity for identity, _ in runtime.buckets._buckets}
    assert {accounts[w].identity for w in PEOPLE} <= metered


async def test_one_idempotency_key_used_by_two_people_makes_two_issues(served, site):
    url, _, _ = served
    keys = []
    for who in PEOPLE:
        async with signed_in(url, who) as client:
            args = {"project": "SHOP", "summary": "Same key", "idempotency_key": "k-1"}
            result = await client.call_tool("jira_create_issue", args)
            assert not result.is_error, result.content[0].text
            keys.append(result.structured_content["key"])
    assert keys[0] != keys[1]


async def test_a_signed_in_person_without_a_linked_account_is_refused_before_any_upstream_call(served, site):
    url, _, _ = served
    site.control.clear_requests()
    async with signed_in(url, "mallory") as client:
        result = await client.call_tool("jira_list_projects", {})
    assert result.is_error and "No Jira account is linked" in result.content[0].text
    assert site.requests() == []


async def test_a_request_without_a_token_is_refused(served):
    url, _, _ = served
    async with httpx.AsyncClient() as http:
        response = await http.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"})
    assert response.status_code == 401
