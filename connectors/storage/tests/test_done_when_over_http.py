"""Issue 12's "done when", per provider, through the MCP SDK client over Streamable HTTP to a served connector:
an upload is found by the next search, a share outside the allowed domains is refused with nothing shared, the
changes after an edit are exactly that file, and another person sees none of it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

import pytest
from mcp import Client

from connectors.storage.connector import connector
from connectors.storage.runtime import StorageRuntime
from connectors.storage.settings import StorageSettings
from sandbox.google.testing import GoogleUnderTest
from sandbox.microsoft.testing import TenantUnderTest
from shared import content
from shared.server import build_app
from shared.testing import call, fail, serve_in_thread

from .conftest import google_settings, graph_settings

pytestmark = pytest.mark.anyio
Settings = Callable[[str], StorageSettings]


@asynccontextmanager
async def over_http(settings: StorageSettings) -> AsyncIterator[Client]:
    try:
        with serve_in_thread(build_app(connector, settings, StorageRuntime(settings))) as base:
            async with Client(f"{base}/mcp") as client:
                yield client
    finally:
        await content.close_workers()


@pytest.fixture(params=["google-drive", "onedrive"])
def person(request: pytest.FixtureRequest) -> Settings:
    """The settings acting as a person ("alice", "bob") on one provider."""
    if request.param == "google-drive":
        google: GoogleUnderTest = request.getfixturevalue("google")
        return lambda who: google_settings(google.url, who)
    tenant: TenantUnderTest = request.getfixturevalue("tenant")
    return lambda who: graph_settings(tenant, who)


async def test_upload_search_refused_share_exact_changes_and_privacy_over_http(person: Settings):
    async with over_http(person("alice")) as alice:
        _, first = await call(alice, "storage_get_changes")
        _, made = await call(alice, "storage_upload_file", name="Wombat brief.md", content="# Wombat\n\nShip it.")
        _, found = await call(alice, "search", query="wombat brief")
        _, after_upload = await call(alice, "storage_get_changes")
        refused = await fail(alice, "storage_share_file", id=made["id"], email="mallory@evil.example")
        _, details = await call(alice, "storage_get_file", id=made["id"])
        await call(alice, "storage_move_file", id=made["id"], new_name="Wombat brief (final).md")
        _, after_rename = await call(alice, "storage_get_changes")
    assert first["restarted"]
    assert [r["id"] for r in found["results"] if r["title"] == "Wombat brief.md"] == [made["id"]]
    assert [f["id"] for f in after_upload["files"]] == [made["id"]]
    assert "Nothing was shared" in refused and "evil.example is outside your organisation" in refused
    assert len(details["shared_with"]) == 1 and details["shared_with"][0].endswith(": owner")
    assert [(f["id"], f["name"]) for f in after_rename["files"]] == [(made["id"], "Wombat brief (final).md")]

    async with over_http(person("bob")) as bob:
        _, theirs = await call(bob, "search", query="wombat brief")
        hidden = await fail(bob, "fetch", id=made["id"])
    assert made["id"] not in [r["id"] for r in theirs["results"]]
    assert "Not found in" in hidden
