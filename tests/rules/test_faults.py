"""Faults: a runner killed mid-run, a mail server down then back, a webhook that keeps failing, two replicas."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import Client

from sandbox.atlassian.users import DEMO_TOKEN, DEMO_USER
from shared.testing import call

from .conftest import Hooks, Served, Upstream
from .test_stale_blockers import create_rule, stale_now

pytestmark = pytest.mark.anyio
REPO = Path(__file__).resolve().parents[2]
LATER = 3600.0  # "the next CronJob run": the killed runner's lease (300 s) has expired by then


def created_follow_up(log: list[dict]) -> bool:
    return any(r["method"] == "POST" and r["path"].endswith("/issue") and r["status"] == 201 for r in log)


async def test_a_runner_killed_after_creating_a_follow_up_never_creates_it_twice(
    jira_server: Served, upstream: Upstream, smtp: Any, hooks: Hooks, rules_env: dict[str, str]
):
    rule_id = await create_rule(jira_server.mcp_url, hooks)
    upstream.advance(48)
    stale = await stale_now(jira_server.mcp_url)
    # The first mark on a matched issue (after its follow-up is created) hangs until the runner is gone.
    upstream.control.fault(kind="timeout", method="PUT", path="/properties/enterprise-connectors.rules", times=1)
    upstream.control.clear_requests()
    env = os.environ | rules_env | {"JIRA_URL": upstream.url, "JIRA_EMAIL": DEMO_USER, "JIRA_API_TOKEN": DEMO_TOKEN}
    env |= {"JIRA_HTTP_TIMEOUT_SECONDS": "60", "CONNECTORS_SECRETS_DIR": str(REPO / "no-such-dir")}
    runner = subprocess.Popen(
        [sys.executable, "-m", "shared.cli", "rules", "run", "--once"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert created_follow_up(upstream.requests_when(created_follow_up, timeout=60)), runner.poll()
    finally:
        runner.send_signal(signal.SIGKILL)  # killed between "follow-up created" and "alert sent"
        runner.wait(timeout=10)
    assert len(upstream.follow_ups()) == 1 and smtp.messages == []

    engine = await jira_server.engine()
    report = await engine.run_once(now=time.time() + LATER)
    assert report.ran == [rule_id] and report.sent == 2
    keys = sorted(f.summary.split()[2] for f in upstream.follow_ups())
    assert keys == sorted(stale)  # still one per stale blocker: the first was found, not created again
    assert len(smtp.messages) == 1 and len(hooks.received("slack")) == 1


async def test_mail_server_down_then_back_delivers_one_mail_and_repeats_nothing_else(
    jira_server: Served, upstream: Upstream, smtp: Any, hooks: Hooks
):
    rule_id = await create_rule(jira_server.mcp_url, hooks)
    upstream.advance(48)
    engine = await jira_server.engine()
    smtp.stop()
    start = time.time()
    report = await engine.run_once(now=start)
    assert report.ran == [rule_id] and (report.sent, report.failed) == (1, 1)  # Slack went, the mail waits
    follow_ups = len(upstream.follow_ups())
    async with Client(jira_server.mcp_url) as jira:
        listed, _ = await call(jira, "jira_list_rules")
    assert "being retried" in listed and "SMTP server" in listed

    smtp.start()
    report = await engine.run_once(now=start + 61)  # the first retry is due after RULES_RETRY_SECONDS
    assert report.ran == [] and report.sent == 1
    assert len(smtp.messages) == 1 and len(hooks.received("slack")) == 1
    assert len(upstream.follow_ups()) == follow_ups
    report = await engine.run_once(now=start + 3600)
    assert report.sent == 0 and len(smtp.messages) == 1 and len(upstream.follow_ups()) == follow_ups


async def test_an_alert_given_up_after_the_last_attempt_shows_in_the_rule_status(
    jira_server: Served, upstream: Upstream, smtp: Any, hooks: Hooks
):
    await create_rule(jira_server.mcp_url, hooks)
    upstream.advance(48)
    with hooks.inbox.lock:
        hooks.inbox.failures += [503] * 3  # RULES_DELIVERY_ATTEMPTS=3
    engine = await jira_server.engine()
    start = time.time()
    for delay in (0, 61, 61 + 121):  # retries back off: 60 s, then 120 s
        report = await engine.run_once(now=start + delay)
        assert report.failed == 1
    report = await engine.run_once(now=start + 1000)
    assert report.failed == 0 and hooks.received("slack") == [] and len(smtp.messages) == 1
    async with Client(jira_server.mcp_url) as jira:
        listed, _ = await call(jira, "jira_list_rules")
    assert "given up after 3 attempts" in listed and "HTTP 503" in listed


async def test_two_runners_at_once_run_the_rules_once(jira_server: Served, upstream: Upstream, smtp: Any, hooks: Hooks):
    rule_id = await create_rule(jira_server.mcp_url, hooks)
    upstream.advance(48)
    stale = await stale_now(jira_server.mcp_url)
    first, second = await jira_server.engine(), await jira_server.engine()  # two replicas, one database
    reports = []

    async def run(engine: Any) -> None:
        reports.append(await engine.run_once())

    async with anyio.create_task_group() as both:
        both.start_soon(run, first)
        both.start_soon(run, second)
    assert sorted(len(r.ran) for r in reports) == [0, 1] and [i for r in reports for i in r.ran] == [rule_id]
    assert len(upstream.follow_ups()) == len(stale) and len(smtp.messages) == 1


async def test_two_replicas_sharing_redis_run_the_rules_once(
    jira_server: Served, upstream: Upstream, smtp: Any, hooks: Hooks, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("REDIS_KEY_PREFIX", f"ec-test-{uuid.uuid4().hex[:8]}:")  # the lease lives in Redis
    rule_id = await create_rule(jira_server.mcp_url, hooks)
    first, second = await jira_server.engine(), await jira_server.engine()
    assert type(first.lease).__name__ == "RedisLease"
    reports = []

    async def run(engine: Any) -> None:
        reports.append(await engine.run_once())

    async with anyio.create_task_group() as both:
        both.start_soon(run, first)
        both.start_soon(run, second)
    assert [i for r in reports for i in r.ran] == [rule_id] and len(smtp.messages) == 1
