"""The Jira tool surface: pinned snapshots, explicit hints, read-only mode, the size budget."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from connectors.jira.connector import connector
from connectors.jira.runtime import JiraRuntime
from shared.server import build_server
from shared.testing import assert_snapshot, listed_tools, tool_surface_problems

from .conftest import make_settings

pytestmark = pytest.mark.anyio
SNAPSHOTS = Path(__file__).parent / "snapshots"
WRITE_TOOLS = {"jira_create_issue", "jira_update_issue", "jira_transition_issue", "jira_add_comment", "jira_link_issues"}


async def tools_of(**overrides) -> list[dict]:
    settings = make_settings("https://example.invalid", **overrides)
    return await listed_tools(build_server(connector, settings, JiraRuntime(settings)))


async def test_each_tool_matches_its_snapshot():
    tools = await tools_of()
    assert [t["name"] for t in tools][:2] == ["search", "jira_search_issues"]  # deterministic order
    for tool in tools:
        assert_snapshot(SNAPSHOTS / f"{tool['name']}.json", tool)
    assert sorted(p.stem for p in SNAPSHOTS.glob("*.json")) == sorted(t["name"] for t in tools)


async def test_every_tool_declares_what_chatgpt_needs():
    problems = [p for tool in await tools_of() for p in tool_surface_problems(tool)]
    assert problems == []


async def test_hints_say_what_each_tool_does():
    hints = {t["name"]: t["annotations"] for t in await tools_of()}
    assert all(hints[n]["readOnlyHint"] for n in hints if n not in WRITE_TOOLS)
    assert not any(hints[n]["readOnlyHint"] for n in WRITE_TOOLS)
    destructive = {n for n in hints if hints[n]["destructiveHint"]}
    assert destructive == {"jira_update_issue", "jira_transition_issue"}  # overwrites; creates are additive
    assert not any(h["openWorldHint"] for h in hints.values())  # a private workspace


async def test_read_only_mode_lists_no_write_tool():
    names = {t["name"] for t in await tools_of(read_only=True)}
    assert names and not names & WRITE_TOOLS
    assert all(t["annotations"]["readOnlyHint"] for t in await tools_of(read_only=True))


async def test_toolsets_filter_removes_tools_at_registration():
    names = {t["name"] for t in await tools_of(toolsets=["search"])}
    assert names == {"search", "fetch"}


async def test_tools_list_fits_the_budget():
    size = len(json.dumps({"tools": await tools_of()}, separators=(",", ":"), ensure_ascii=False).encode())
    assert size < 12_000, f"tools/list is {size} bytes; the goal is under 12 KB"
