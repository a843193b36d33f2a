"""Several Jira replicas sharing Redis, against the Atlassian sandbox.

- Two `connectors serve jira` processes with one REDIS_URL keep a combined upstream rate, so
  the sandbox never answers 429; the same two processes without Redis do get 429s.
- Jira runtimes of two users share warm caches across replicas but never each other's data.
- Losing Redis mid-flight: tool calls keep succeeding, one warning, recovery when it is back.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from mcp import Client
from pydantic import SecretStr

from connectors.jira.connector import connector
from connectors.jira.runtime import JiraRuntime
from connectors.jira.settings import JiraSettings
from sandbox.atlassian.app import create_app
from sandbox.common.control import SandboxControl
from shared.redis_state import RedisState
from shared.server import build_server
from shared.testing import serve_in_thread

from .conftest import REDIS_URL, jira_servers, keys_under, server_env

SANDBOX_GET_LIMIT = 10  # per second per endpoint, burst 10 (the sandbox's Jira-like buckets)
PER_USER_RATE = 6  # JIRA_RATE_LIMIT_PER_SECOND; single-issue reads get 1.5x (9/s), as Jira allows them more:
ISSUE_RATE = PER_USER_RATE * 1.5  # one replica alone stays under the sandbox limit...
CALLS_PER_SERVER = 16  # ...two replicas with a bucket each (18/s) exceed it
ISSUE_PATH = "/rest/api/3/issue/SHOP-"
HEADERS = {"Accept": "application/json, text/event-stream", "MCP-Protocol-Version": "2025-11-25"}


@pytest.fixture
def limited_sandbox():
    app = create_app(rate_limits={"GET": SANDBOX_GET_LIMIT})
    with serve_in_thread(app, lifespan="off") as url:
        yield url, SandboxControl(url)


def fetch(server_url: str, session: requests.Session, n: int) -> dict:
    """`fetch` one issue; every call a different one, so no two calls can share one upstream read."""
    args = {"id": f"SHOP-{n}"}
    body = {"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": {"name": "fetch", "arguments": args}}
    response = session.post(f"{server_url}/mcp", json=body, headers=HEADERS, timeout=60)
    response.raise_for_status()
    return response.json()["result"]


def hammer(servers, calls_per_server: int, workers_per_server: int = 4) -> list[dict]:
    """Call `fetch` on every server at once, `workers_per_server` concurrent callers each."""
    jobs = [server.url for server in servers for _ in range(calls_per_server)]
    sessions = {server.url: requests.Session() for server in servers}
    with ThreadPoolExecutor(max_workers=workers_per_server * len(servers)) as pool:
        return list(pool.map(lambda job: fetch(job[1], sessions[job[1]], job[0] + 1), enumerate(jobs)))


def run_replicas(sandbox_url: str, control: SandboxControl, tmp_path, **extra_env: str) -> list[str]:
    env = server_env(
        JIRA_URL=sandbox_url,
        JIRA_EMAIL="alice@example.com",
        JIRA_API_TOKEN="token-alice",
        JIRA_RATE_LIMIT_PER_SECOND=str(PER_USER_RATE),
        **extra_env,
    )
    with jira_servers(2, env, tmp_path) as servers:
        control.clear_requests()
        results = hammer(servers, CALLS_PER_SERVER)
        outputs = [server.output() for server in servers]
    assert all(not r.get("isError") for r in results), [r for r in results if r.get("isError")][:2]
    return outputs


def test_two_replicas_sharing_redis_keep_one_combined_limit(limited_sandbox, prefix, tmp_path):
    url, control = limited_sandbox
    outputs = run_replicas(url, control, tmp_path, REDIS_URL=REDIS_URL, REDIS_KEY_PREFIX=prefix)
    log = control.requests()
    statuses = [r["status"] for r in log]
    assert 429 not in statuses, f"{statuses.count(429)} requests were throttled by the sandbox"
    issue = sorted(r["time"] for r in log if r["path"].startswith(ISSUE_PATH))
    assert len(issue) == 2 * CALLS_PER_SERVER
    # Together they drew from one bucket: at most burst + rate x elapsed (10% and 2 requests of slack
    # for timing jitter), where two buckets would have allowed twice that.
    elapsed = issue[-1] - issue[0]
    assert len(issue) - ISSUE_RATE <= ISSUE_RATE * elapsed * 1.1 + 2, (len(issue), elapsed)
    assert all("Redis at 127.0.0.1:6379" in out for out in outputs), "each replica said where its state lives"


def test_the_same_replicas_without_redis_exceed_the_limit(limited_sandbox, tmp_path):
    url, control = limited_sandbox
    run_replicas(url, control, tmp_path)  # every call still succeeds: 429s are retried after Retry-After
    statuses = [r["status"] for r in control.requests()]
    assert statuses.count(429) > 0, "two in-process buckets should have overrun the sandbox (test is not meaningful)"


# -- in-process runtimes sharing Redis ---------------------------------------------------------------
@pytest.fixture
def sandbox():
    app = create_app()
    with serve_in_thread(app, lifespan="off") as url:
        yield url, SandboxControl(url)


def jira_settings(url: str, user: str) -> JiraSettings:
    return JiraSettings(  # type: ignore[call-arg]  # pydantic-settings init kwarg
        _secrets_dir=None,
        url=url,
        email=f"{user}@example.com",
        api_token=SecretStr(f"token-{user}"),
        rate_limit_per_second=1000,
        http_timeout_seconds=3,
    )


@pytest.mark.anyio
async def test_a_users_cached_data_is_never_served_to_another(sandbox, prefix, redis_client):
    url, control = sandbox
    replica_one, replica_two = RedisState(REDIS_URL, prefix=prefix), RedisState(REDIS_URL, prefix=prefix)
    try:
        alice_one = JiraRuntime(jira_settings(url, "alice"), state=replica_one)
        bob_two = JiraRuntime(jira_settings(url, "bob"), state=replica_two)
        alice_two = JiraRuntime(jira_settings(url, "alice"), state=replica_two)
        control.clear_requests()
        assert (await alice_one.lookups.me())["emailAddress"] == "alice@example.com"
        assert (await bob_two.lookups.me())["emailAddress"] == "bob@example.com"
        assert (await alice_two.lookups.me())["emailAddress"] == "alice@example.com"
        myself = [r for r in control.requests() if r["path"].endswith("/myself")]
        assert len(myself) == 2, "alice's second replica found her data warm in Redis; bob loaded his own"
        assert myself[0]["account"] != myself[1]["account"], myself
        keys = [k for k in keys_under(redis_client, prefix) if ":cache:" in k]
        assert len(keys) == 2 and not any("alice" in k or "bob" in k for k in keys)
    finally:
        replica_one.close()
        replica_two.close()


@pytest.mark.anyio
async def test_jira_calls_survive_losing_redis_and_share_again_when_it_returns(
    sandbox, forwarder, prefix, redis_client, caplog
):
    url, control = sandbox
    caplog.set_level(logging.INFO, logger="shared.state")
    state = RedisState(forwarder.url, prefix=prefix, retry_seconds=0.2)
    runtime = JiraRuntime(jira_settings(url, "alice"), state=state)
    settings = runtime.settings
    try:
        async with Client(build_server(connector, settings, runtime)) as client:

            async def fetch_ok() -> None:
                result = await client.call_tool("fetch", {"id": "SHOP-1"})
                assert not result.is_error, result.content

            await fetch_ok()
            assert any(":bucket:" in k for k in keys_under(redis_client, prefix))
            forwarder.close()
            for _ in range(10):
                await fetch_ok()
            warnings = [r for r in caplog.records if r.levelno >= logging.WARNING and "unreachable" in r.getMessage()]
            assert len(warnings) == 1, [r.getMessage() for r in warnings]

            for key in keys_under(redis_client, prefix):
                redis_client.delete(key)
            forwarder.open()
            deadline = time.monotonic() + 5
            while not (state.link.up and any(":bucket:" in k for k in keys_under(redis_client, prefix))):
                assert time.monotonic() < deadline, "Redis was not used again after it came back"
                await fetch_ok()  # polls: a call after the retry period probes Redis again
            assert any("is back" in r.getMessage() for r in caplog.records)
    finally:
        state.close()
