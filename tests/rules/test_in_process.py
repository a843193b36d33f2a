"""RULES_ENABLED: the server runs due rules itself, in its lifespan; bad channels are refused in words."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from mcp import Client

from connectors.jira.connector import connector
from shared.server import build_app
from shared.testing import call, fail, serve_in_thread

from .conftest import Hooks, Upstream, jira_settings
from .test_stale_blockers import STALE, stale_now

pytestmark = pytest.mark.anyio


def eventually(check: Callable[[], Any], timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (value := check()):
        assert time.monotonic() < deadline, "the in-process runner did not get there in time"
        time.sleep(0.05)  # polling a condition with a deadline
    return value


async def test_the_server_runs_due_rules_itself_when_enabled(
    upstream: Upstream, rules_env: dict[str, str], smtp: Any, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("RULES_ENABLED", "true")
    monkeypatch.setenv("RULES_TICK_SECONDS", "0.2")
    settings = jira_settings(upstream.url)
    with serve_in_thread(build_app(connector, settings, connector.runtime(settings))) as base:
        stale = await stale_now(f"{base}/mcp")
        async with Client(f"{base}/mcp") as jira:
            await call(jira, "jira_create_rule", condition=STALE, actions=["follow_up", "email"])
        eventually(lambda: len(smtp.messages) == 1)
    assert sorted(f.summary.split()[2] for f in upstream.follow_ups()) == sorted(stale)


async def test_wrong_actions_and_channels_are_refused_with_how_to_fix_them(jira_server: Any, hooks: Hooks):
    async with Client(jira_server.mcp_url) as jira:
        text = await fail(jira, "jira_create_rule", condition=STALE, actions=["sms"])
        assert "follow_up" in text and "mention" in text
        text = await fail(jira, "jira_create_rule", condition=STALE, actions=["slack:https://evil.example/hook"])
        assert "not a Slack or Teams webhook host" in text
        text = await fail(jira, "jira_create_rule", condition=STALE, actions=["email:nobody"])
        assert "not an e-mail address" in text
        text = await fail(jira, "jira_create_rule", condition={"projet": "SHOP"})
        assert "unknown filter(s) projet" in text and "project" in text
        text = await fail(jira, "jira_create_rule", condition=STALE, schedule="every minute")
        assert "at most every 5 minutes" in text
        text = await fail(jira, "jira_create_rule", condition={"unchanged_for": "soon", "project": "SHOP"})
        assert "not a duration" in text
        _, first = await call(jira, "jira_create_rule", condition=STALE, idempotency_key="k1")
        again, second = await call(jira, "jira_create_rule", condition=STALE, idempotency_key="k1")
        assert first == second and "Already created" in again
        await call(jira, "jira_create_rule", condition=STALE, actions=[f"slack:{hooks.url}/slack/T1/B1/SECRET"])
        listed, _ = await call(jira, "jira_list_rules")
    assert "slack (127.0.0.1)" in listed and "SECRET" not in listed  # a webhook URL is never shown back
