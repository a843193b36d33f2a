"""Projects, people and sprints: the lookups people use to disambiguate."""

from __future__ import annotations

import pytest

from shared.testing import call, fail

pytestmark = pytest.mark.anyio


async def test_list_projects_filters_and_pages(jira, upstream):
    text, data = await call(jira, "jira_list_projects")
    assert data["ids"] == ["MOB", "OPS", "SHOP"] and f"{upstream.url}/browse/SHOP" in text
    _, some = await call(jira, "jira_list_projects", query="web")
    assert some["ids"] == ["SHOP"]
    _, first = await call(jira, "jira_list_projects", limit=2)
    _, rest = await call(jira, "jira_list_projects", limit=2, cursor=first["next_cursor"])
    assert first["ids"] + rest["ids"] == ["MOB", "OPS", "SHOP"] and "next_cursor" not in rest


async def test_find_users_tells_people_apart(jira, upstream):
    text, data = await call(jira, "jira_find_users", query="Paul")
    assert "Paul Martin" in text and "Pauline Durand" in text and len(data["ids"]) == 2
    _, in_shop = await call(jira, "jira_find_users", query="Paul", project="SHOP")
    assert len(in_shop["ids"]) == 1
    assert "/jira/people/" in text
    assert "empty" in await fail(jira, "jira_find_users", query=" ")


async def test_list_sprints_by_state(jira, upstream):
    text, data = await call(jira, "jira_list_sprints", project="SHOP")
    states = {s.id: s.state for s in upstream.site.store.sprints.values() if s.board_id == 1}
    assert {states[int(i)] for i in data["ids"]} == {"active", "future"}
    _, closed = await call(jira, "jira_list_sprints", project="SHOP", state=["closed"])
    assert {states[int(i)] for i in closed["ids"]} == {"closed"}
    assert "no board" in await fail(jira, "jira_list_sprints", project="OPS")
