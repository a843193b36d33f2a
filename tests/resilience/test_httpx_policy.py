"""PolicyTransport against the Microsoft Graph sandbox over HTTPS: throttling, 5xx, deadlines, lost answers."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest

from sandbox.microsoft.testing import TenantUnderTest, running_tenant
from shared.circuit import CircuitBreaker
from shared.errors import NotFound, RateLimited, TimedOut, UncertainWrite
from shared.http import RetryPolicy, call_deadline
from shared.httpx_policy import REPLAYABLE, checked_json, policy_client
from shared.ratelimit import BucketRegistry, EndpointBuckets, RateTable

pytestmark = pytest.mark.anyio
POLICY = RetryPolicy(attempts=3, base_delay=0.05, max_delay=0.2, max_retry_after=5, timeout=5)


@pytest.fixture(scope="module")
def tenant() -> Iterator[TenantUnderTest]:
    with running_tenant() as running:
        yield running


@pytest.fixture
async def graph(tenant: TenantUnderTest) -> AsyncIterator[httpx.AsyncClient]:
    tenant.control.reset()
    tenant.control.clear_requests()
    buckets = EndpointBuckets(BucketRegistry(1000), "alice", "Graph", RateTable(1000))
    client = policy_client(
        "Graph",
        buckets,
        CircuitBreaker("Graph", threshold=50),
        POLICY,
        verify=tenant.ssl_context(),
        base_url=tenant.graph_url,
        headers={"Authorization": "Bearer demo-alice"},
    )
    async with client:
        yield client
    tenant.control.clear_faults()


def sent(tenant: TenantUnderTest, method: str, path_part: str) -> int:
    return sum(1 for r in tenant.control.requests() if r["method"] == method and path_part in r["path"])


async def test_a_throttled_read_waits_for_retry_after_then_succeeds(tenant: TenantUnderTest, graph: httpx.AsyncClient):
    tenant.control.fault(kind="rate_limit", path="/v1.0/me/drive$", retry_after=1, times=1)
    started = time.monotonic()
    response = await graph.get("/me/drive")
    assert response.status_code == 200 and response.json()["driveType"] == "business"
    assert time.monotonic() - started >= 0.9  # waited as told, not sooner
    assert sent(tenant, "GET", "/me/drive") == 2


async def test_a_retry_after_longer_than_the_policy_allows_is_handed_back(tenant, graph):
    tenant.control.fault(kind="rate_limit", path="/v1.0/me/drive$", retry_after=60, times=1)
    with pytest.raises(RateLimited, match="Retry in about 60 s"):
        await graph.get("/me/drive")
    assert sent(tenant, "GET", "/me/drive") == 1


async def test_a_5xx_on_a_read_is_retried(tenant: TenantUnderTest, graph: httpx.AsyncClient):
    tenant.control.fault(kind="status", status=503, path="/v1.0/me/drive$", times=1)
    assert (await graph.get("/me/drive")).status_code == 200
    assert sent(tenant, "GET", "/me/drive") == 2


async def test_a_5xx_on_a_write_is_never_replayed(tenant: TenantUnderTest, graph: httpx.AsyncClient):
    tenant.control.fault(kind="status", status=503, method="POST", path="/children$", times=1, after_write=True)
    with pytest.raises(UncertainWrite, match="may or may not have been applied"):
        await graph.post("/me/drive/root/children", json={"name": "Once", "folder": {}})
    assert sent(tenant, "POST", "/children") == 1
    names = [i["name"] for i in (await graph.get("/me/drive/root/children")).json()["value"]]
    assert names.count("Once") == 1  # the sandbox applied it; we did not do it twice


async def test_a_write_whose_connection_is_reset_is_reported_uncertain_not_replayed(tenant, graph):
    tenant.control.fault(kind="reset", method="POST", path="/children$", times=1, after_write=True)
    with pytest.raises(UncertainWrite):
        await graph.post("/me/drive/root/children", json={"name": "Reset once", "folder": {}})
    assert sent(tenant, "POST", "/children") == 1
    names = [i["name"] for i in (await graph.get("/me/drive/root/children")).json()["value"]]
    assert names.count("Reset once") == 1


async def test_a_throttled_write_is_retried_because_graph_refused_it_before_running_it(tenant, graph):
    tenant.control.fault(kind="rate_limit", method="POST", path="/children$", retry_after=0, times=1)
    response = await graph.post("/me/drive/root/children", json={"name": "After 429", "folder": {}})
    assert response.status_code == 201
    assert sent(tenant, "POST", "/children") == 2


async def test_a_slow_upstream_stops_at_the_call_deadline(tenant: TenantUnderTest, graph: httpx.AsyncClient):
    tenant.control.fault(kind="timeout", path="/v1.0/me/drive$", delay_ms=10_000, times=5)
    started = time.monotonic()
    with pytest.raises(TimedOut, match="gave up after 1 s"), call_deadline(1.0):
        await graph.get("/me/drive")
    assert time.monotonic() - started < 2.0


async def test_checked_json_maps_graph_errors_to_shared_errors(graph: httpx.AsyncClient):
    response = await graph.get("/me/drive/items/nope")

    def detail(r: httpx.Response) -> str:
        return str(r.json()["error"]["message"])

    with pytest.raises(NotFound, match="Not found in Graph"):
        checked_json("Graph", response, detail)
    assert checked_json("Graph", await graph.get("/me/drive"), detail)["driveType"] == "business"


async def test_a_put_declared_not_replayable_is_reported_uncertain_instead_of_retried(tenant, graph):
    tenant.control.fault(kind="status", status=503, method="PUT", path="/content$", times=1, after_write=True)
    with pytest.raises(UncertainWrite):
        await graph.put(
            "/me/drive/root:/Created once.txt:/content",
            content=b"x",
            params={"@microsoft.graph.conflictBehavior": "fail"},
            extensions={REPLAYABLE: False},
        )
    assert sent(tenant, "PUT", "/content") == 1
