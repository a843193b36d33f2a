"""Teams and the deployment's default Slack webhook, with their documented payloads (checked by the recorder)."""

from __future__ import annotations

from typing import Any

import pytest
from mcp import Client

from shared.testing import call

from .conftest import Hooks, Served, Upstream
from .test_stale_blockers import STALE, stale_now

pytestmark = pytest.mark.anyio


async def test_teams_gets_an_adaptive_card_and_slack_the_default_webhook(
    jira_server: Served, upstream: Upstream, hooks: Hooks, smtp: Any, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("RULES_SLACK_WEBHOOK_URL", f"{hooks.url}/slack/T9/B9/DEFAULT")
    async with Client(jira_server.mcp_url) as jira:
        await call(
            jira,
            "jira_create_rule",
            condition=STALE,
            actions=["slack", f"teams:{hooks.url}/teams/workflow-1", "mention"],
        )
    stale = await stale_now(jira_server.mcp_url)
    report = await (await jira_server.engine()).run_once()
    assert report.sent == 2 and smtp.messages == []
    [teams] = hooks.received("teams")
    card = teams["body"]["attachments"][0]["content"]
    assert card["type"] == "AdaptiveCard" and all(key in str(card["body"]) for key in stale)
    [slack] = hooks.received("slack")
    assert slack["hook"] == "T9/B9/DEFAULT" and f"{len(stale)} new match" in slack["body"]["text"]
