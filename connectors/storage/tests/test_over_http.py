"""The issue's scenario end to end over Streamable HTTP, both providers in one server."""

from __future__ import annotations

import pytest
from mcp import Client

from connectors.storage.connector import connector
from connectors.storage.runtime import StorageRuntime
from sandbox.google.testing import GoogleUnderTest
from sandbox.microsoft.testing import TenantUnderTest
from shared.server import build_app
from shared.testing import call, serve_in_thread

from .conftest import GOOGLE_TOKENS, graph_settings

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_find_the_signed_acme_contract_and_read_its_termination_clause_over_http(
    google: GoogleUnderTest, tenant: TenantUnderTest, mode: str
):
    settings = graph_settings(
        tenant, providers="google-drive,onedrive", google_root_url=google.url, google_token=GOOGLE_TOKENS["alice"]
    )
    with serve_in_thread(build_app(connector, settings, StorageRuntime(settings))) as base:
        async with Client(f"{base}/mcp", mode=mode) as client:
            tools = await client.list_tools()
            _, found = await call(client, "search", query="signed contract Acme termination")
            clauses = [
                (await call(client, "fetch", id=r["id"]))[1] for r in found["results"] if "signed" in r["title"].lower()
            ]
    assert len(tools.tools) == len(connector.tools)
    texts = {c["url"]: c["text"] for c in clauses}
    assert any("12. Termination" in t for t in texts.values()) and any("14. Termination" in t for t in texts.values())
    assert all(url.startswith(("http://127.0.0.1", "https://contoso-my.sharepoint.com/")) for url in texts)
