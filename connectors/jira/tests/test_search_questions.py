"""`search` answers questions as people type them: any word may match, plurals and verb forms find their stem,
a project's name bounds the project, a period said in words bounds the dates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.anyio

ZONE = "Europe/Paris"  # the demo user's Jira profile zone


def issue(upstream, key: str):
    return next(i for i in upstream.site.store.issues.values() if i.key == key)


def blocks_now(upstream, i) -> bool:
    store = upstream.site.store
    blocked_by_open = any(
        link.type_id == "10000" and link.inward_id == i.id and store.issues[link.outward_id].status.category != "done"
        for link in store.links.values()
    )
    return i.status.category != "done" and (i.priority_id == "10000" or i.flagged or blocked_by_open)


async def ask(jira, question: str) -> list[str]:
    result = await jira.call_tool("search", {"query": question})
    assert not result.is_error, result.content[0].text
    return [hit["id"] for hit in result.structured_content["results"]]


async def test_what_is_blocking_the_webshop_release_lists_the_webshop_blockers_first(jira, upstream):
    keys = await ask(jira, "What is blocking the Webshop release?")
    assert keys and all(k.startswith("SHOP-") for k in keys)  # "Webshop" is the SHOP project's name
    assert all(blocks_now(upstream, issue(upstream, k)) for k in keys[:3])


async def test_checkout_blockers_puts_a_checkout_issue_that_blocks_first(jira, upstream):
    keys = await ask(jira, "checkout blockers")
    top = issue(upstream, keys[0])
    assert blocks_now(upstream, top) and "checkout" in (top.summary + " ".join(top.labels)).lower()


async def test_decisions_webshop_this_week_in_french_finds_this_weeks_webshop_issues(jira, upstream):
    keys = await ask(jira, "décisions Webshop cette semaine")
    here = datetime.now(ZoneInfo(ZONE))
    monday = (here - timedelta(days=here.weekday())).replace(hour=0, minute=0, second=0, microsecond=0)
    assert keys and all(k.startswith("SHOP-") for k in keys)
    assert all(issue(upstream, k).updated >= monday.astimezone(UTC) - timedelta(minutes=1) for k in keys)


async def test_an_issue_key_still_comes_first(jira, upstream):
    assert (await ask(jira, "SHOP-12"))[0] == "SHOP-12"
