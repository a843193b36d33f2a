"""Reading: search paging, filters and escaping, fetch, changes, both protocol eras over HTTP."""

from __future__ import annotations

import pytest
from mcp import Client

from shared.testing import call, fail

pytestmark = pytest.mark.anyio


async def test_cursor_pages_through_a_project_without_duplicates(jira, upstream):
    expected = {i.key for i in upstream.site.store.issues.values() if i.project_key == "OPS"}
    seen, cursor = [], ""
    for _ in range(20):
        _, data = await call(jira, "jira_search_issues", project="OPS", limit=25, cursor=cursor)
        seen += data["keys"]
        cursor = data.get("next_cursor", "")
        if not cursor:
            break
    assert len(seen) == len(set(seen)) and set(seen) == expected


async def test_tampered_cursor_is_a_clear_error(jira, upstream):
    error = await fail(jira, "jira_search_issues", cursor="not-a-cursor")
    assert "cursor is not valid" in error


async def test_user_text_is_escaped_in_jql(jira, upstream):
    for text in ['printer "on fire" OR project = OPS', "C++ crash: 50% (again) \\ / *", 'x" OR 1=1 OR "']:
        result_text, data = await call(jira, "jira_search_issues", project="SHOP", text=text)
        assert "OR project = OPS" not in data["jql"].replace('\\"', "")[len("project") :].split("text ~")[0]
        assert data["jql"].count("text ~") == 1


async def test_search_needs_a_filter(jira, upstream):
    error = await fail(jira, "jira_search_issues")
    assert "at least one filter" in error


async def test_filters_and_relative_dates_in_french(jira, upstream):
    _, mine = await call(jira, "jira_search_issues", assignee="me", updated="cette semaine", limit=100)
    assert "assignee = currentUser()" in mine["jql"] and "updated >=" in mine["jql"]
    _, data = await call(
        jira, "jira_search_issues", project="SHOP", status=["in progress"], sprint="current", limit=100
    )
    store = upstream.site.store
    active = next(s for s in store.sprints.values() if s.state == "active" and s.board_id == 1)
    expected = {
        i.key
        for i in store.issues.values()
        if i.project_key == "SHOP" and i.status.name == "In Progress" and active.id in i.sprint_ids
    }
    assert set(data["keys"]) == expected and expected
    error = await fail(jira, "jira_search_issues", project="SHOP", status=["Finished"])
    assert 'Unknown status "Finished"' in error


async def test_extra_columns_by_name(jira, upstream):
    text, _ = await call(
        jira, "jira_search_issues", project="SHOP", columns=["Reporter", "Story point estimate"], limit=3
    )
    assert "| Reporter | Story point estimate |" in text


async def test_search_and_fetch_follow_the_chatgpt_contract(jira, upstream):
    result = await jira.call_tool("search", {"query": "checkout"})
    hits = result.structured_content["results"]
    assert hits and all(h["url"].startswith(f"{upstream.url}/browse/") for h in hits)
    assert result.content[0].text.startswith('{"results"')  # the same object as JSON text
    fetched = await jira.call_tool("fetch", {"id": hits[0]["id"]})
    doc = fetched.structured_content
    assert doc["id"] == hits[0]["id"] and doc["url"] == hits[0]["url"] and "## Description" in doc["text"]
    assert set(doc["metadata"]) >= {"status", "type"}


async def test_get_issue_parts(jira, upstream):
    text, data = await call(
        jira, "jira_get_issue", key="SHOP-1", include=["comments", "changelog", "transitions", "links", "attachments"]
    )
    assert "## Available transitions" in text and data["status"]
    assert f"{upstream.url}/browse/SHOP-1" in text


async def test_changes_since_then_only_newer(jira, upstream):
    _, first = await call(jira, "jira_get_changes", since="30d", project="SHOP", limit=100)
    cursor = first["next_cursor"]
    while first["more"]:
        _, first = await call(jira, "jira_get_changes", cursor=cursor)
        cursor = first["next_cursor"]
    _, nothing = await call(jira, "jira_get_changes", cursor=cursor)
    assert nothing["keys"] == []
    await call(jira, "jira_transition_issue", key="SHOP-5", status="Done")
    text, changed = await call(jira, "jira_get_changes", cursor=nothing["next_cursor"])
    assert changed["keys"] == ["SHOP-5"]
    assert "status:" in text and "→ Done" in text


@pytest.mark.parametrize("mode", ["auto", "legacy"])
async def test_both_protocol_eras_over_http(jira_url, upstream, mode):
    async with Client(jira_url, mode=mode) as jira:
        tools = await jira.list_tools()
        assert {"search", "fetch", "jira_create_issue"} <= {t.name for t in tools.tools}
        _, data = await call(jira, "jira_search_issues", project="MOB", limit=3)
        assert len(data["keys"]) == 3
