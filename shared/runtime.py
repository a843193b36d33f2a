"""What every configured connector holds: shared state, caches, limits and a circuit breaker.

State is in process, or in Redis when REDIS_URL is set (then every replica draws from one
bucket per (identity, upstream, method, endpoint) and shares warm caches, idempotency records and locks). The
circuit breaker stays per replica: each judges the upstream's health for itself.
"""

from __future__ import annotations

from typing import Any

from . import state as shared_state
from .circuit import CircuitBreaker
from .connector import Check
from .ratelimit import EndpointBuckets, RateTable


class UpstreamRuntime:
    upstream: str = "upstream"  # the name users see in errors, e.g. "Jira"

    def __init__(self, settings: Any, state: shared_state.State | None = None):
        self.settings = settings
        self.state = state if state is not None else shared_state.from_env()
        self.cache = self.state.cache(settings.cache_ttl_seconds)
        self.idempotency = self.state.idempotency()
        self.buckets = self.state.buckets(settings.rate_limit_per_second)
        self.breaker = CircuitBreaker(self.upstream)

    def identity(self) -> str:
        raise NotImplementedError

    @property
    def rate_table(self) -> RateTable:
        """The upstream's burst limits per endpoint and method; connectors add their upstream's factors."""
        return RateTable(self.settings.rate_limit_per_second)

    def bucket(self) -> EndpointBuckets:
        return EndpointBuckets(self.buckets, self.identity(), self.upstream, self.rate_table)

    def state_checks(self) -> list[Check]:
        """For `doctor`: whether the shared state (Redis) answers, when one is configured."""
        if self.state.backend == "memory":
            return []
        ok = self.state.healthy()
        detail = self.state.describe() + ("" if ok else ": unreachable, falling back to in-process state")
        return [Check("shared state", ok, detail)]
