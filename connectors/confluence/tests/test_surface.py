"""The Confluence tool surface: pinned snapshots, explicit hints, read-only mode, the size budget."""

from __future__ import annotations

from pathlib import Path

import pytest
from mcp import Client

from connectors.confluence.connector import connector
from connectors.confluence.runtime import ConfluenceRuntime
from shared.server import build_server
from shared.testing import assert_snapshot, listed_tools, tool_surface_problems

from .conftest import make_settings

pytestmark = pytest.mark.anyio
SNAPSHOTS = Path(__file__).parent / "snapshots"
WRITE_TOOLS = {"confluence_create_page", "confluence_update_page", "confluence_add_comment"}
TOOLS = {"search", "fetch", "confluence_search_pages", "confluence_get_page", "confluence_list_spaces",
         "confluence_find_decisions", "confluence_create_page", "confluence_update_page", "confluence_add_comment",
         "confluence_get_changes"}  # fmt: skip


def server(**overrides):
    settings = make_settings("https://example.invalid", **overrides)
    return build_server(connector, settings, ConfluenceRuntime(settings))


async def test_the_contract_tool_names_are_all_there():
    assert {t["name"] for t in await listed_tools(server())} == TOOLS


async def test_each_tool_matches_its_snapshot():
    tools = await listed_tools(server())
    for tool in tools:
        assert_snapshot(SNAPSHOTS / f"{tool['name']}.json", tool)
    assert sorted(p.stem for p in SNAPSHOTS.glob("*.json")) == sorted(t["name"] for t in tools)


async def test_every_tool_declares_what_chatgpt_needs():
    assert [p for tool in await listed_tools(server()) for p in tool_surface_problems(tool)] == []


async def test_hints_say_what_each_tool_does():
    hints = {t["name"]: t["annotations"] for t in await listed_tools(server())}
    assert all(hints[n]["readOnlyHint"] for n in hints if n not in WRITE_TOOLS)
    assert not any(hints[n]["readOnlyHint"] for n in WRITE_TOOLS)
    assert {n for n in hints if hints[n]["destructiveHint"]} == {"confluence_update_page"}  # overwrites
    assert not any(h["openWorldHint"] for h in hints.values())


async def test_read_only_mode_lists_no_write_tool():
    names = {t["name"] for t in await listed_tools(server(read_only=True))}
    assert names == TOOLS - WRITE_TOOLS


async def test_tools_list_is_under_12_kb():
    async with Client(server()) as client:
        result = await client.list_tools()
    size = len(result.model_dump_json(by_alias=True, exclude_none=True))
    assert size < 12_000, f"tools/list is {size} bytes"
