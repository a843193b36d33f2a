"""Issue 14's scenario through a real MCP client: one sentence sets up a rule; later runs follow up once."""

from __future__ import annotations

import time
from typing import Any

import pytest
from mcp import Client

from sandbox.atlassian.users import DEMO_ACCOUNT_ID, DEMO_USER
from shared.testing import call

from .conftest import Hooks, Served, Upstream

pytestmark = pytest.mark.anyio
STALE = {"project": "SHOP", "blockers": True, "unchanged_for": "48h"}


async def create_rule(mcp_url: str, hooks: Hooks, **extra: Any) -> str:
    """ "If a ticket in SHOP has been blocking for more than 48 hours, alert me by e-mail and on Slack, create a
    follow-up task and mention me." """
    async with Client(mcp_url) as jira:
        _, data = await call(
            jira,
            "jira_create_rule",
            condition=STALE,
            schedule="every 30 minutes",
            actions=["email", f"slack:{hooks.url}/slack/T000/B000/XXXX", "follow_up", "mention"],
            **extra,
        )
    return str(data["id"])


async def stale_now(mcp_url: str) -> set[str]:
    """What `jira_search_issues` answers for the same words: the rule's expected matches."""
    async with Client(mcp_url) as jira:
        _, data = await call(jira, "jira_search_issues", **STALE, limit=100)
    return set(data["keys"])


def rule_mentions(issue: Any) -> list[str]:
    """Who the rule's comments on `issue` mention (ADF mention nodes)."""
    found = []
    for comment in issue.comments:
        for paragraph in comment.body.get("content", []):
            nodes = paragraph.get("content", [])
            if any("matched the rule" in n.get("text", "") for n in nodes):
                found += [n["attrs"]["id"] for n in nodes if n.get("type") == "mention"]
    return found


def related(upstream: Upstream, a: Any, b: Any) -> bool:
    return any(
        {link.inward_id, link.outward_id} == {a.id, b.id} and link.type_id == "10003"
        for link in upstream.site.store.links.values()
    )


@pytest.mark.parametrize("database", ["sqlite", "postgres"], indirect=True)
async def test_one_call_sets_up_the_rule_and_each_stale_blocker_is_followed_up_once(
    jira_server: Served, upstream: Upstream, smtp: Any, hooks: Hooks
):
    async with Client(jira_server.mcp_url) as jira:
        preview, data = await call(jira, "jira_create_rule", condition=STALE, actions=["follow_up"], dry_run=True)
    assert "Dry run, nothing saved" in preview and data == {"id": ""}
    before = await stale_now(jira_server.mcp_url)
    assert before and all(key in preview for key in before)

    rule_id = await create_rule(jira_server.mcp_url, hooks)
    upstream.advance(48)  # two days later: the blockers that changed 6 hours ago are stale too
    stale = await stale_now(jira_server.mcp_url)
    assert stale > before

    engine = await jira_server.engine()
    report = await engine.run_once()
    rule = await engine.store.get(rule_id)
    assert rule is not None and rule.last_error == ""
    assert report.ran == [rule_id] and report.sent == 2

    issues = upstream.issues()
    follow_ups = upstream.follow_ups()
    assert sorted(f.summary.split()[2] for f in follow_ups) == sorted(stale)  # one per stale blocker
    for follow_up in follow_ups:
        blocker = issues[follow_up.summary.split()[2]]
        assert "blocking for" in follow_up.summary and follow_up.assignee == DEMO_ACCOUNT_ID
        assert related(upstream, follow_up, blocker)
        assert rule_mentions(blocker) == [DEMO_ACCOUNT_ID]  # a real ADF mention node: Jira notifies alice
        assert blocker.properties["enterprise-connectors.rules"][rule_id]["follow_up"] == follow_up.key
    [mail] = smtp.messages
    assert mail.recipients == [DEMO_USER] and f"{len(stale)} new matches" in mail.subject
    assert all(key in mail.text and f"/browse/{key}" in mail.text for key in stale)
    [slack] = hooks.received("slack")
    assert slack["body"]["text"] == mail.subject and all(key in str(slack["body"]["blocks"]) for key in stale)

    report = await engine.run_once(now=time.time() + 31 * 60)  # the next scheduled run: nothing new
    assert report.ran == [rule_id] and report.sent == 0
    assert len(upstream.follow_ups()) == len(stale) and len(smtp.messages) == 1 and len(hooks.received("slack")) == 1

    # One blocker is resolved, then blocks again (reopened), and stays so for two more days: it triggers again.
    again = sorted(stale)[0]
    async with Client(jira_server.mcp_url) as jira:
        status = issues[again].status_id
        if status == "10003":  # Blocked: unblock before it can be done
            await call(jira, "jira_transition_issue", key=again, status="Unblock")
        await call(jira, "jira_transition_issue", key=again, status="Done")
    await engine.run_once(now=time.time() + 62 * 60)
    async with Client(jira_server.mcp_url) as jira:
        await call(jira, "jira_transition_issue", key=again, status="Reopen")
    upstream.advance(49)
    report = await engine.run_once(now=time.time() + 93 * 60)
    assert report.sent == 2
    assert [f.summary.split()[2] for f in upstream.follow_ups()].count(again) == 2
    assert len(upstream.follow_ups()) == len(stale) + 1
    assert len(smtp.messages) == 2 and "1 new match" in smtp.messages[1].subject and again in smtp.messages[1].text

    async with Client(jira_server.mcp_url) as jira:
        listed, data = await call(jira, "jira_list_rules")
    assert data == {"ids": [rule_id]} and "active" in listed and f"{len(stale)} matching" in listed
