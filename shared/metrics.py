"""Prometheus metrics shared by every connector (served at /metrics)."""

from prometheus_client import CONTENT_TYPE_LATEST, Counter, Gauge, Histogram, generate_latest

TOOL_CALLS = Counter("connector_tool_calls_total", "Tool calls by tool and outcome", ["tool", "outcome"])
TOOL_LATENCY = Histogram(
    "connector_tool_latency_seconds",
    "Tool call latency",
    ["tool"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
UPSTREAM_REQUESTS = Counter(
    "connector_upstream_requests_total", "Upstream HTTP requests by upstream and status", ["upstream", "status"]
)
RETRIES = Counter("connector_upstream_retries_total", "Retried upstream requests", ["upstream", "reason"])
RATE_LIMIT_WAITS = Counter(
    "connector_rate_limit_waits_total", "Times a call waited for a rate-limit token", ["upstream"]
)
COALESCED = Counter(
    "connector_tool_calls_coalesced_total", "Read calls answered by an identical call already running", ["tool"]
)
CACHE = Counter("connector_cache_requests_total", "Cache lookups by namespace and result", ["namespace", "result"])
CIRCUIT_STATE = Gauge("connector_circuit_state", "Circuit breaker state (0 closed, 1 half-open, 2 open)", ["upstream"])


def render() -> tuple[bytes, str]:
    return generate_latest(), CONTENT_TYPE_LATEST
