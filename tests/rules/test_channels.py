"""Teams and the deployment's default Slack webhook, with their documented payloads (checked by the recorder)."""

from __future__ import annotations

import base64
import os
from typing import Any

import pytest
from mcp import Client

from sandbox.atlassian.jira.catalog import PRIORITIES
from sandbox.atlassian.users import user
from shared.testing import call

from .conftest import Hooks, Served, Upstream
from .test_stale_blockers import STALE, stale_now

pytestmark = pytest.mark.anyio
BLOCKER = next(p.id for p in PRIORITIES if p.name == "Blocker")


async def test_teams_gets_an_adaptive_card_and_slack_the_default_webhook(
    jira_server: Served, upstream: Upstream, hooks: Hooks, smtp: Any, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("RULES_SLACK_WEBHOOK_URL", f"{hooks.url}/slack/T9/B9/DEFAULT")
    async with Client(jira_server.mcp_url) as jira:
        await call(
            jira,
            "jira_create_rule",
            condition=STALE,
            actions=["slack", f"teams:{hooks.url}/teams/workflow-1", "jira"],
        )
    stale = await stale_now(jira_server.mcp_url)
    report = await (await jira_server.engine()).run_once()
    assert report.sent == 2 and smtp.messages == []
    [teams] = hooks.received("teams")
    card = teams["body"]["attachments"][0]["content"]
    assert card["type"] == "AdaptiveCard" and all(key in str(card["body"]) for key in stale)
    [slack] = hooks.received("slack")
    assert slack["hook"] == "T9/B9/DEFAULT" and f"{len(stale)} new match" in slack["body"]["text"]
    issues = upstream.issues()
    assert all("matched the rule" in str(issues[key].comments[-1].body) for key in stale)  # the Jira channel


async def test_follow_ups_go_to_the_named_person_and_a_changed_rule_runs_its_new_condition(
    jira_server: Served, upstream: Upstream, hooks: Hooks, smtp: Any
):
    async with Client(jira_server.mcp_url) as jira:
        _, data = await call(
            jira, "jira_create_rule", condition=STALE, actions=["follow_up"], follow_up_assignee="Paul"
        )
        text, _ = await call(
            jira, "jira_update_rule", id=data["id"], condition=STALE | {"priority": ["Blocker"]}, schedule="every 2h"
        )
        assert "condition" in text and "schedule" in text
        listed, _ = await call(jira, "jira_list_rules")
        assert "every 2 hours" in listed
    report = await (await jira_server.engine()).run_once()
    assert report.ran == [data["id"]]
    follow_ups = upstream.follow_ups()
    paul = user("paul.martin").account_id  # the one Paul who can be assigned in SHOP
    assert follow_ups and all(f.assignee == paul for f in follow_ups)
    assert all(upstream.issues()[f.summary.split()[2]].priority_id == BLOCKER for f in follow_ups)


async def test_webhook_urls_are_encrypted_at_rest_with_the_vaults_key(
    jira_server: Served, upstream: Upstream, hooks: Hooks, smtp: Any, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("VAULT_KEYS", "k1:" + base64.b64encode(os.urandom(32)).decode())
    async with Client(jira_server.mcp_url) as jira:
        await call(jira, "jira_create_rule", condition=STALE, actions=[f"slack:{hooks.url}/slack/T1/B1/SECRET"])
    engine = await jira_server.engine()
    rows = await engine.store.db.run(lambda tx: tx.rows("SELECT body FROM rules"), read_only=True)
    assert rows and all("SECRET" not in row[0] and "sealed:" in row[0] for row in rows)
    report = await engine.run_once()
    deliveries = await engine.store.db.run(lambda tx: tx.rows("SELECT channel FROM rule_deliveries"), read_only=True)
    assert report.sent == 1 and [d[0] for d in deliveries] == ["0|slack (127.0.0.1)"]
    [slack] = hooks.received("slack")
    assert slack["hook"] == "T1/B1/SECRET"
