"""Upstream faults: retried where safe, reported clearly where not; nothing lost or done twice."""

from __future__ import annotations

import pytest

from shared.testing import call, fail

from .conftest import make_settings

pytestmark = pytest.mark.anyio
SEARCH = dict(project="SHOP", limit=5)


def posts_to_issue(upstream) -> int:
    return len([r for r in upstream.requests("POST") if r["path"] == "/rest/api/3/issue"])


async def test_429_on_a_read_is_retried_after_retry_after(jira, upstream):
    upstream.control.fault(kind="rate_limit", method="POST", path="/search/jql", times=2, retry_after=0)
    text, data = await call(jira, "jira_search_issues", **SEARCH)
    assert len(data["keys"]) == 5
    assert [r["status"] for r in upstream.requests() if "search/jql" in r["path"]] == [429, 429, 200]


async def test_long_retry_after_is_handed_back_with_the_wait(jira, upstream):
    upstream.control.fault(kind="rate_limit", method="POST", path="/search/jql", times=5, retry_after=120)
    error = await fail(jira, "jira_search_issues", **SEARCH)
    assert "rate limiting" in error and "120 s" in error


async def test_5xx_on_a_read_is_retried(jira, upstream):
    upstream.control.fault(kind="status", status=503, method="GET", path="/issue/SHOP-1", times=2)
    text, data = await call(jira, "jira_get_issue", key="SHOP-1")
    assert data["key"] == "SHOP-1"


async def test_5xx_on_a_create_is_not_replayed(jira, upstream):
    await call(jira, "jira_create_issue", project="SHOP", summary="warm", dry_run=True)
    upstream.control.clear_requests()
    upstream.control.fault(kind="status", status=502, method="POST", path="/rest/api/3/issue$", times=1)
    error = await fail(jira, "jira_create_issue", project="SHOP", summary="once")
    assert "Jira is having trouble" in error
    assert posts_to_issue(upstream) == 1


async def test_429_on_a_create_is_replayed_because_jira_refused_it_before_running(jira, upstream):
    await call(jira, "jira_create_issue", project="SHOP", summary="warm", dry_run=True)
    before = len(upstream.site.store.issues)
    upstream.control.fault(kind="rate_limit", method="POST", path="/rest/api/3/issue$", times=1, retry_after=0)
    await call(jira, "jira_create_issue", project="SHOP", summary="after a 429")
    assert len(upstream.site.store.issues) == before + 1


async def test_lost_answer_to_a_create_is_uncertain_and_the_key_resolves_it(jira, upstream):
    """The write happened but the answer was lost: never blindly retried; the same key finds it."""
    args = dict(project="SHOP", summary="Exactly once", idempotency_key="k-1")
    await call(jira, "jira_create_issue", project="SHOP", summary="warm", dry_run=True)
    before = len(upstream.site.store.issues)
    upstream.control.fault(kind="reset", method="POST", path="/rest/api/3/issue$", times=1, after_write=True)
    error = await fail(jira, "jira_create_issue", **args)
    assert "may or may not have been applied" in error and "idempotency_key" in error
    assert len(upstream.site.store.issues) == before + 1
    text, data = await call(jira, "jira_create_issue", **args)
    assert "Already created" in text
    assert len(upstream.site.store.issues) == before + 1


async def test_timeouts_on_reads_are_retried_then_reported(upstream):
    from mcp import Client

    from connectors.jira.connector import connector
    from connectors.jira.runtime import JiraRuntime
    from shared.server import build_server

    settings = make_settings(upstream.url, http_timeout_seconds=0.3)
    upstream.control.fault(kind="timeout", method="GET", path="/issue/SHOP-2", times=10, delay_ms=2000)
    async with Client(build_server(connector, settings, JiraRuntime(settings))) as jira:
        error = await fail(jira, "jira_get_issue", key="SHOP-2")
    assert "did not answer" in error and "Traceback" not in error

    def attempts(log):
        return [r for r in log if "/issue/SHOP-2" in r["path"]]

    assert len(attempts(upstream.requests_when(lambda log: len(attempts(log)) >= 4))) == 4  # bounded attempts


async def test_connection_reset_on_a_read_is_retried(jira, upstream):
    upstream.control.fault(kind="reset", method="GET", path="/issue/SHOP-3", times=1)
    _, data = await call(jira, "jira_get_issue", key="SHOP-3")
    assert data["key"] == "SHOP-3"


async def test_malformed_json_is_a_clear_error(jira, upstream):
    upstream.control.fault(kind="malformed", method="GET", path="/issue/SHOP-4", times=1)
    error = await fail(jira, "jira_get_issue", key="SHOP-4")
    assert "unreadable response" in error


async def test_expired_credentials_say_what_to_do_and_leak_nothing(jira, upstream):
    upstream.control.fault(kind="expired_credentials", times=1)
    error = await fail(jira, "jira_get_issue", key="SHOP-1")
    assert "credentials" in error and "renew" in error
    assert "token-alice" not in error and "alice@example.com:" not in error


async def test_not_found_is_clear(jira, upstream):
    error = await fail(jira, "jira_get_issue", key="SHOP-99999")
    assert "Not found in Jira" in error


async def test_circuit_opens_after_repeated_failures(jira, upstream):
    upstream.control.fault(kind="status", status=500, method="GET", times=100)
    for _ in range(2):
        await fail(jira, "jira_get_issue", key="SHOP-1")
    sent = len(upstream.requests())
    error = await fail(jira, "jira_get_issue", key="SHOP-1")
    assert "paused" in error
    assert len(upstream.requests()) == sent  # failing fast, not hammering Jira
