"""Sign-in wired into an MCP server the way shared/server.py will: the SDK checks our tokens on /mcp.

The MCP endpoint and the authorization server share one app (one origin, as deployed); a client
signs in like ChatGPT, then calls a tool over Streamable HTTP with the access token. The tool reads
the person from the verified token and reaches the upstream with the person's own upstream token.
"""

from __future__ import annotations

import httpx2
import pytest
from mcp import Client
from mcp.client.streamable_http import streamable_http_client
from mcp.server import MCPServer
from mcp.server.auth.middleware.auth_context import get_access_token
from mcp.server.auth.settings import AuthSettings
from starlette.applications import Starlette

from shared.auth.setup import SignIn
from shared.testing import first_text

from .flow import exchange_code, pkce, sign_in_through_the_browser

pytestmark = pytest.mark.anyio


def mcp_app(sign_in: SignIn) -> Starlette:
    server = MCPServer(
        "jira-test",
        token_verifier=sign_in.verifier,
        auth=AuthSettings.model_validate(  # from strings: a path-less issuer keeps no trailing slash
            {
                "issuer_url": sign_in.settings.public_url,
                "resource_server_url": sign_in.settings.resource_url,
                "required_scopes": ["jira.read"],
                "validate_token_resource": True,
            }
        ),
    )

    @server.tool()
    async def whoami() -> str:
        """Who is calling, and which upstream account the server acts as."""
        access = get_access_token()
        assert access is not None and access.subject is not None
        upstream = await sign_in.upstream_tokens(access.subject)
        return f"{access.subject} as {upstream.account_id}"

    return server.streamable_http_app(stateless_http=True, json_response=True)


async def call_whoami(mcp_url: str, token: str) -> str:
    async with (
        httpx2.AsyncClient(headers={"Authorization": f"Bearer {token}"}) as http,
        Client(streamable_http_client(mcp_url, http_client=http)) as client,
    ):
        result = await client.call_tool("whoami", {})
    return first_text(result)


async def test_a_signed_in_client_calls_a_tool_as_the_person_with_their_upstream_account(world_factory):
    async with world_factory(app=mcp_app) as w:
        verifier, challenge = pkce()
        callback = await sign_in_through_the_browser(w, w.cimd_client_id, challenge)
        tokens = (await exchange_code(w, w.cimd_client_id, callback["code"], verifier)).json()
        assert await call_whoami(w.resource, tokens["access_token"]) == "fakeidp:acc-alice as acc-alice"


async def test_the_mcp_endpoint_challenges_without_a_token_and_refuses_a_foreign_one(world_factory):
    async with world_factory(app=mcp_app) as w:
        body = {"jsonrpc": "2.0", "id": 1, "method": "tools/list"}
        missing = await w.http.post(w.resource, json=body)
        assert missing.status_code == 401
        assert (
            f'resource_metadata="{w.issuer}/.well-known/oauth-protected-resource/mcp"'
            in (missing.headers["www-authenticate"])
        )
        prm = (await w.http.get(f"{w.issuer}/.well-known/oauth-protected-resource/mcp")).json()
        assert prm["resource"] == w.resource and prm["authorization_servers"] == [w.issuer]
        foreign = await w.http.post(w.resource, json=body, headers={"Authorization": "Bearer not-our-token"})
        assert foreign.status_code == 401


async def test_a_token_for_another_resource_is_refused_by_the_mcp_endpoint(world_factory):
    async with world_factory(app=mcp_app) as w:
        token, _ = w.sign_in.provider.tokens.issue(
            subject="fakeidp:acc-alice", client_id="x", scopes=["jira.read"], resource="https://confluence.example/mcp"
        )
        response = await w.http.post(
            w.resource,
            json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 401


async def test_a_token_without_the_read_scope_gets_403_insufficient_scope(world_factory):
    async with world_factory(app=mcp_app) as w:
        token, _ = w.sign_in.provider.tokens.issue(
            subject="fakeidp:acc-alice", client_id="x", scopes=["jira.write"], resource=w.resource
        )
        response = await w.http.post(
            w.resource,
            json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert response.status_code == 403 and 'error="insufficient_scope"' in response.headers["www-authenticate"]
