"""JIRA_PROJECTS is a write allowlist: writes elsewhere are refused before anything is sent; reads are unaffected."""

from __future__ import annotations

import pytest
from mcp import Client

from connectors.jira.connector import connector
from connectors.jira.runtime import JiraRuntime
from shared.server import build_server
from shared.testing import call, fail

from .conftest import make_settings

pytestmark = pytest.mark.anyio

OUTSIDE = [
    ("jira_create_issue", dict(project="OPS", summary="Patch servers")),
    ("jira_update_issue", dict(key="OPS-1", summary="Renamed")),
    ("jira_transition_issue", dict(key="OPS-1", status="Done")),
    ("jira_add_comment", dict(key="OPS-1", body="Hello")),
    ("jira_link_issues", dict(key="OPS-1", link="blocks", other_key="SHOP-1")),
]


@pytest.fixture
async def shop_only(upstream):
    settings = make_settings(upstream.url, projects="shop, MOB")
    async with Client(build_server(connector, settings, JiraRuntime(settings))) as client:
        yield client


def writes_sent(upstream) -> list[dict]:
    return [r for r in upstream.requests() if r["method"] in ("POST", "PUT", "DELETE") and "search" not in r["path"]]


@pytest.mark.parametrize("tool, args", OUTSIDE, ids=[t for t, _ in OUTSIDE])
async def test_a_write_outside_the_allowed_projects_is_refused_and_nothing_is_sent(shop_only, upstream, tool, args):
    upstream.control.clear_requests()
    error = await fail(shop_only, tool, **args)
    assert "may only write in SHOP, MOB (JIRA_PROJECTS)" in error and "OPS is read-only here" in error
    assert "Nothing was written" in error
    assert writes_sent(upstream) == []


async def test_reads_outside_the_allowed_projects_still_work(shop_only, upstream):
    _, found = await call(shop_only, "jira_search_issues", project="OPS", limit=3)
    assert len(found["keys"]) == 3
    _, issue = await call(shop_only, "jira_get_issue", key="OPS-1")
    assert issue["key"] == "OPS-1"


async def test_writes_inside_the_allowed_projects_go_through(shop_only, upstream):
    _, created = await call(shop_only, "jira_create_issue", project="SHOP", summary="Allowed")
    await call(shop_only, "jira_add_comment", key=created["key"], body="Fine here")
    assert any(i.key == created["key"] for i in upstream.site.store.issues.values())
