"""AUTH_MODE=external over real HTTP: the server trusts the company's IdP (issuer, JWKS, audience) instead of its own
authorization server. People's upstream access then comes from a one-time link page each (with VAULT_KEYS and an
upstream login configured), or from the server's own service identity (without them).
"""

from __future__ import annotations

import base64
import secrets
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx2
import pytest
import requests
from joserfc import jwt
from joserfc.jwk import ECKey, KeySet
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from connectors.jira.connector import connector
from sandbox.atlassian.entry import sign_in_env as atlassian_sign_in
from sandbox.atlassian.oauth_testing import approve
from sandbox.atlassian.testing import running_site
from sandbox.atlassian.users import DEMO_TOKEN, DEMO_USER
from shared import cli
from shared.settings import load_settings
from shared.testing import free_port, serve_in_thread

pytestmark = pytest.mark.anyio

IDP = "https://login.example.com"
KEY = ECKey.generate_key("P-256", parameters={"kid": "corp-1"})


def idp_token(mcp: str, person: str, scope: str = "jira.read jira.write") -> str:
    now = int(time.time())
    claims = {"iss": IDP, "sub": person, "aud": mcp, "scope": scope, "iat": now, "exp": now + 600}
    return jwt.encode({"alg": "ES256", "kid": KEY.kid, "typ": "at+jwt"}, claims, KEY, algorithms=["ES256"])


@contextmanager
def external_server(tmp_path, *, link_pages: bool) -> Iterator[str]:
    """The Jira server trusting the test IdP; returns its /mcp URL."""
    idp = Starlette(routes=[Route("/jwks", lambda request: JSONResponse(KeySet([KEY]).as_dict(private=False)))])
    with running_site() as site, serve_in_thread(idp) as idp_url, pytest.MonkeyPatch.context() as env:
        port = free_port()
        public = f"http://127.0.0.1:{port}"
        settings: dict[str, str] = {
            "JIRA_URL": site.url,
            "AUTH_PUBLIC_URL": public,
            "AUTH_MODE": "external",
            "AUTH_EXTERNAL_ISSUER": IDP,
            "AUTH_EXTERNAL_JWKS_URL": f"{idp_url}/jwks",
        }
        if link_pages:
            settings |= {
                "AUTH_SQLITE_PATH": str(tmp_path / "connectors.db"),
                "VAULT_KEYS": "k1:" + base64.b64encode(secrets.token_bytes(32)).decode(),
                **atlassian_sign_in(site.url),  # the sandbox's 3LO app
            }
            env.delenv("JIRA_EMAIL", raising=False)
            env.delenv("JIRA_API_TOKEN", raising=False)
        else:  # the service identity: the server's own configured account
            settings |= {"JIRA_EMAIL": DEMO_USER, "JIRA_API_TOKEN": DEMO_TOKEN}
        for name, value in settings.items():
            env.setenv(name, value)
        served = cli._served(connector, load_settings(connector.settings, rate_limit_per_second=1000), port)
        with serve_in_thread(served.app, port=port):
            env.undo()
            yield f"{public}/mcp"


async def call(mcp: str, token: str, tool: str, arguments: dict[str, Any]) -> tuple[bool, str]:
    async with httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
        async with Client(streamable_http_client(mcp, http_client=http)) as client:
            result = await client.call_tool(tool, arguments)
    return result.is_error, "\n".join(getattr(item, "text", "") for item in result.content)


@pytest.fixture(scope="module")
def linking(tmp_path_factory) -> Iterator[str]:
    with external_server(tmp_path_factory.mktemp("vault"), link_pages=True) as mcp:
        yield mcp


async def test_a_person_from_the_company_idp_connects_their_atlassian_account_once_through_a_link(linking):
    token = idp_token(linking, "mallory.corp")
    is_error, text = await call(linking, token, "jira_list_projects", {})
    assert is_error and "/oauth/link/atlassian/" in text
    link = next(word for word in text.split() if "/oauth/link/atlassian/" in word)
    http = requests.Session()
    sent = http.post(link, allow_redirects=False, timeout=10)
    assert sent.status_code == 303
    done = http.get(approve(sent.headers["location"], "mallory"), timeout=10)
    assert done.status_code == 200 and "Atlassian connected" in done.text
    is_error, text = await call(linking, token, "jira_list_projects", {})
    assert not is_error and "SHOP" in text and "OPS" not in text
    # Another person of the company is not connected by Mallory's link.
    is_error, text = await call(linking, idp_token(linking, "alice.corp"), "jira_list_projects", {})
    assert is_error and "/oauth/link/atlassian/" in text


async def test_a_token_the_company_idp_did_not_sign_for_this_server_is_refused(linking):
    other_audience = idp_token("https://elsewhere.example.com/mcp", "mallory.corp")
    answer = requests.post(
        linking,
        json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
        headers={"Authorization": f"Bearer {other_audience}", "Accept": "application/json, text/event-stream"},
        timeout=10,
    )
    assert answer.status_code == 401 and "resource_metadata=" in answer.headers["www-authenticate"]


async def test_without_a_vault_the_server_acts_with_its_service_identity(tmp_path):
    with external_server(tmp_path, link_pages=False) as mcp:
        is_error, text = await call(mcp, idp_token(mcp, "anyone.corp"), "jira_list_projects", {})
    assert not is_error and "OPS" in text  # the configured account (Alice) sees every project
