"""The storage tool surface: small, explicit hints, snapshots current (the contract suite's rules, run here too)."""

from __future__ import annotations

import json

import pytest

from connectors.storage.connector import connector
from connectors.storage.runtime import StorageRuntime
from shared.server import build_server
from shared.testing import assert_snapshot, listed_tools, tool_surface_problems

from .conftest import google_settings

pytestmark = pytest.mark.anyio


async def listed() -> list[dict]:
    settings = google_settings("http://127.0.0.1:9")
    return await listed_tools(build_server(connector, settings, StorageRuntime(settings)))


async def test_tools_list_is_within_ten_thousand_bytes_with_every_hint_explicit():
    tools = await listed()
    assert [t["name"] for t in tools] == [t.name for t in connector.tools]
    assert len(json.dumps(tools, separators=(",", ":"))) <= 10_000
    assert [p for t in tools for p in tool_surface_problems(t)] == []


async def test_sharing_is_marked_as_leaving_the_organisation():
    hints = {t["name"]: t["annotations"] for t in await listed()}
    assert hints["storage_share_file"]["destructiveHint"] and hints["storage_share_file"]["openWorldHint"]
    assert not hints["storage_upload_file"]["destructiveHint"] and hints["storage_move_file"]["destructiveHint"]


async def test_snapshots_are_current():
    assert connector.snapshots is not None
    tools = await listed()
    for tool in tools:
        assert_snapshot(connector.snapshots / f"{tool['name']}.json", tool)
    assert sorted(p.stem for p in connector.snapshots.glob("*.json")) == sorted(t["name"] for t in tools)
