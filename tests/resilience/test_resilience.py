"""Resilience of one tool call end to end: the Jira server against the Atlassian sandbox over real HTTP.

Uncertain writes stay resolvable with their idempotency key, POST searches are retried like reads,
one deadline bounds every retry and wait of a call, and concurrent callers wait on the shared bucket
instead of retrying into the upstream's limit.
"""

from __future__ import annotations

import time
from typing import Any

import anyio
import pytest
from mcp import Client

from connectors.jira.connector import connector
from connectors.jira.runtime import JiraRuntime
from connectors.jira.settings import JiraSettings
from sandbox.atlassian.testing import running_site
from sandbox.atlassian.users import DEMO_TOKEN, DEMO_USER
from shared.server import build_server
from shared.testing import call, fail

pytestmark = pytest.mark.anyio
CREATE = "/rest/api/3/issue$"
SEARCH = "/rest/api/3/search/jql"


@pytest.fixture(scope="module")
def site():
    with running_site() as running:
        yield running


@pytest.fixture
def upstream(site):
    site.control.reset()
    yield site
    site.control.clear_faults()


def settings_for(url: str, **overrides) -> JiraSettings:
    values: dict[str, Any] = dict(
        url=url, email=DEMO_USER, api_token=DEMO_TOKEN, rate_limit_per_second=1000, http_timeout_seconds=3
    )
    return JiraSettings(_secrets_dir=None, **(values | overrides))  # type: ignore[call-arg]  # pydantic-settings init kwarg


@pytest.fixture
async def jira(upstream):
    settings = settings_for(upstream.url)
    async with Client(build_server(connector, settings, JiraRuntime(settings))) as client:
        yield client


def issues(upstream) -> int:
    return len(upstream.app.state.jira.store.issues)


def attempts(upstream, path: str) -> list[int]:
    return [r["status"] for r in upstream.requests() if r["path"] == path]


# -- 1. an uncertain write stays resolvable ---------------------------------------------------------


async def test_a_create_answered_with_a_5xx_after_the_write_is_uncertain_and_the_same_key_finds_it(jira, upstream):
    args = dict(project="SHOP", summary="Exactly once after a 502", idempotency_key="k-5xx")
    await call(jira, "jira_create_issue", project="SHOP", summary="warm", dry_run=True)
    before = issues(upstream)
    upstream.control.fault(kind="status", status=502, method="POST", path=CREATE, times=1, after_write=True)
    error = await fail(jira, "jira_create_issue", **args)
    assert "may or may not have been applied" in error
    assert "same idempotency_key" in error and "Try again shortly" not in error
    assert issues(upstream) == before + 1  # the write landed, only its answer was a 502
    text, _ = await call(jira, "jira_create_issue", **args)
    assert "Already created" in text
    assert issues(upstream) == before + 1  # looked up upstream first, not written twice


async def test_an_uncertain_create_without_a_key_says_to_check_and_suggests_a_key(jira, upstream):
    await call(jira, "jira_create_issue", project="SHOP", summary="warm", dry_run=True)
    upstream.control.fault(kind="status", status=500, method="POST", path=CREATE, times=1, after_write=True)
    error = await fail(jira, "jira_create_issue", project="SHOP", summary="No key")
    assert "may or may not have been applied" in error
    assert "Check" in error and "idempotency_key" in error


# -- 2. POST searches are reads ---------------------------------------------------------------------


@pytest.mark.parametrize("fault", [dict(kind="status", status=503), dict(kind="reset")])
async def test_a_post_search_is_retried_like_a_read(jira, upstream, fault):
    upstream.control.fault(method="POST", path=SEARCH, times=1, **fault)
    _, data = await call(jira, "jira_search_issues", project="SHOP", limit=3)
    assert len(data["keys"]) == 3
    assert len(attempts(upstream, SEARCH)) == 2


async def test_a_post_search_that_keeps_failing_is_never_called_uncertain(jira, upstream):
    upstream.control.fault(kind="reset", method="POST", path=SEARCH, times=10)
    error = await fail(jira, "jira_search_issues", project="SHOP", limit=3)
    assert "may or may not" not in error and "idempotency_key" not in error
    assert "Jira did not answer" in error


# -- 3. one deadline per tool call ------------------------------------------------------------------


async def test_one_deadline_bounds_every_retry_of_a_tool_call(upstream):
    settings = settings_for(upstream.url, http_timeout_seconds=1, call_deadline_seconds=2)
    upstream.control.fault(kind="timeout", method="GET", path="/issue/SHOP-2$", times=20, delay_ms=5000)
    async with Client(build_server(connector, settings, JiraRuntime(settings))) as client:
        started = time.monotonic()
        error = await fail(client, "jira_get_issue", key="SHOP-2")
        elapsed = time.monotonic() - started
    assert elapsed < 2.8, f"the call took {elapsed:.1f} s with a 2 s deadline"
    assert "did not answer in time" in error


# -- 4. concurrent callers wait on the shared bucket ------------------------------------------------


async def test_concurrent_searches_under_a_tight_limit_wait_instead_of_retrying_into_it(jira, upstream):
    callers, limit = 20, 4
    upstream.control.configure(rate_limits={"POST": limit})
    errors: list[str] = []

    async def one(i: int) -> None:
        outcome = await jira.call_tool("jira_search_issues", {"project": "SHOP", "limit": 1 + i})
        if outcome.is_error:
            errors.append(outcome.content[0].text)

    async with anyio.create_task_group() as tasks:
        for i in range(callers):
            tasks.start_soon(one, i)
    statuses = attempts(upstream, SEARCH)
    refused = statuses.count(429)
    assert errors == [], f"{len(statuses)} attempts, {refused} refused"
    # The first wave cannot know the limit; after the first 429 everyone waits on the shared bucket.
    assert refused <= callers - limit + 3, f"{len(statuses)} attempts, {refused} refused"
