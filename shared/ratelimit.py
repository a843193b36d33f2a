"""Outbound rate limiting: token buckets keyed by (identity, upstream), optionally per endpoint.

Upstreams meter bursts per endpoint and method (Jira and Confluence Cloud: a bucket per tenant x
endpoint x method, GET/POST 100/s, PUT/DELETE 50/s, some endpoints higher). `EndpointBuckets`
mirrors that: one bucket per (identity, upstream, method, endpoint), each at the rate the
connector's `RateTable` gives, so a busy search never slows issue reads and no endpoint is
driven past what the upstream allows. A plain `TokenBucket` meters every request alike.

A bucket refills continuously at `rate` tokens per second up to `capacity`. Upstream answers
teach it: a 429's `Retry-After`, or `X-RateLimit-Remaining: 0` with `X-RateLimit-Reset`,
pause the bucket so every thread sharing it waits instead of hammering the upstream. A 429
also teaches the upstream's real rate (`X-RateLimit-Limit`, per second for burst limits): the
bucket slows to it for a while, so callers queued behind the pause leave one token interval
apart instead of all at once into the same limit.
Calls run on worker threads (the client libraries are synchronous), so waiting is a plain sleep.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import urlsplit

from . import metrics

LEARNED_RATE_SECONDS = 60.0  # how long a rate learnt from a 429 holds before the configured one returns


class WaitTooLong(Exception):
    """The token would only be usable after more than the caller can wait."""

    def __init__(self, wait: float):
        super().__init__(f"{wait:.1f} s")
        self.wait = wait


class TokenBucket:
    def __init__(
        self,
        rate: float,
        capacity: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.rate = self._configured_rate = rate
        self.capacity = self._configured_capacity = capacity if capacity is not None else max(1.0, rate)
        self._tokens = self.capacity
        self._paused_until = 0.0
        self._learned_until = 0.0
        self._updated = clock()
        self._clock, self._sleep = clock, sleep
        self._lock = threading.Lock()

    def _age_out(self, now: float) -> None:
        """Back to the configured rate once a rate learnt from a 429 has held long enough."""
        if self._learned_until and now >= self._learned_until:
            self.rate, self.capacity, self._learned_until = self._configured_rate, self._configured_capacity, 0.0

    def _refill(self, now: float) -> None:
        self._age_out(now)
        self._tokens = min(self.capacity, self._tokens + (now - self._updated) * self.rate)
        self._updated = now

    def reserve(self) -> float:
        """Take one token; return how long the caller must wait before using it."""
        with self._lock:
            now = self._clock()
            self._refill(now)
            self._tokens -= 1
            wait = 0.0 if self._tokens >= 0 else -self._tokens / self.rate
            return max(wait, self._paused_until - now)

    def for_request(self, method: str, url: str) -> TokenBucket:
        """A single bucket meters every request (see `EndpointBuckets` for per-endpoint metering)."""
        return self

    def is_read(self, method: str, url: str) -> bool:
        """Whether a non-idempotent request only reads (declared per endpoint by `EndpointBuckets`)."""
        return False

    def acquire(self, labels: Mapping[str, str] | None = None, within: float | None = None) -> float:
        """Take a token and sleep until it may be used; `WaitTooLong` instead if that is more than `within`."""
        wait = self.reserve()
        if within is not None and wait > within:
            raise WaitTooLong(wait)
        if wait > 0:
            metrics.RATE_LIMIT_WAITS.labels(**(labels or {"upstream": "?"})).inc()
            self._sleep(wait)
        return wait

    def paused_for(self) -> float:
        """Seconds left in a pause the upstream asked for (0 if none)."""
        with self._lock:
            return max(0.0, self._paused_until - self._clock())

    def pause(self, seconds: float) -> None:
        with self._lock:
            self._paused_until = max(self._paused_until, self._clock() + seconds)

    def slow_to(self, limit: float) -> None:
        """The upstream refused us at `limit` requests per second: meter at that rate for a while.

        The tokens already taken stay taken, and none are left: the upstream's bucket is empty too.
        """
        with self._lock:
            now = self._clock()
            self._refill(now)
            self.rate = min(self._configured_rate, limit)
            self.capacity = max(1.0, min(self._configured_capacity, limit))
            self._tokens = min(self._tokens, 0.0)
            self._learned_until = now + LEARNED_RATE_SECONDS

    def observe(self, headers: Mapping[str, str], status: int | None = None) -> None:
        """Learn from the upstream's rate-limit headers (and, on a 429, from its announced limit)."""
        retry_after = parse_retry_after(headers.get("Retry-After"))
        if retry_after is not None:
            self.pause(retry_after)
        if status == 429 and "quota" not in headers.get("RateLimit-Reason", "").lower():
            limit = _positive(headers.get("X-RateLimit-Limit"))
            if limit is not None:  # a burst limit is per second; an hourly quota says so and is not learnt
                self.slow_to(limit)
        remaining = headers.get("X-RateLimit-Remaining")
        if remaining is not None and remaining.strip() == "0":
            reset = _seconds_until(headers.get("X-RateLimit-Reset"))
            if reset:
                self.pause(reset)


def parse_retry_after(value: str | None) -> float | None:
    """`Retry-After` as seconds, from either delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    from email.utils import parsedate_to_datetime

    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def _positive(value: str | None) -> float | None:
    try:
        number = float(value or "")
    except ValueError:
        return None
    return number if 0 < number < float("inf") else None


def _seconds_until(value: str | None) -> float | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class BucketRegistry:
    """One bucket per (identity, upstream): one user's burst never starves another's.

    In process by default; `shared.state` hands out a Redis-backed registry (same interface)
    when several replicas must share one upstream limit.
    """

    def __init__(self, rate: float, capacity: float | None = None):
        self.rate, self.capacity = rate, capacity
        self._buckets: dict[tuple[str, str], TokenBucket] = {}
        self._lock = threading.Lock()

    def get(self, identity: str, upstream: str, rate: float | None = None) -> TokenBucket:
        """The bucket for (identity, upstream); `rate` (capacity alike) overrides the registry's rate."""
        key = (identity, upstream)
        with self._lock:
            bucket = self._buckets.get(key)
            if bucket is None:
                limits = (self.rate, self.capacity) if rate is None else (rate, None)
                bucket = self._buckets[key] = self._new_bucket(identity, upstream, *limits)
            return bucket

    def _new_bucket(self, identity: str, upstream: str, rate: float, capacity: float | None) -> TokenBucket:
        return TokenBucket(rate, capacity)


def endpoint_of(path: str) -> str:
    """The endpoint a request path belongs to: every segment holding a digit (id, key, version) is `{}`.

    `/rest/api/3/issue/SHOP-1` and `/rest/api/3/issue/OPS-7` are one endpoint, `/rest/api/{}/issue/{}`.
    """
    return "/".join("{}" if any(ch.isdigit() for ch in segment) else segment for segment in path.split("/"))


@dataclass(frozen=True)
class RateTable:
    """Requests per second an upstream allows per endpoint and method, as factors of one base rate.

    `factors` maps a method (`"PUT"`) or a (method, endpoint suffix) pair
    (`("GET", "/rest/api/{}/issue/{}")`) to a multiple of `base`; the most specific entry wins.
    """

    base: float
    factors: Mapping[str | tuple[str, str], float] = field(default_factory=dict)

    def rate_for(self, method: str, endpoint: str) -> float:
        for key, factor in self.factors.items():
            if isinstance(key, tuple) and key[0] == method and endpoint.endswith(key[1]):
                return self.base * factor
        return self.base * self.factors.get(method, 1.0)


class EndpointBuckets:
    """One identity's buckets towards one upstream, one per (method, endpoint) at the table's rate.

    `reads` are the (method, endpoint suffix) pairs that only read although their method is not
    idempotent, such as POST searches (`("POST", "/search/jql")`): retried like reads.
    """

    def __init__(
        self,
        registry: BucketRegistry,
        identity: str,
        upstream: str,
        table: RateTable,
        reads: Collection[tuple[str, str]] = (),
    ):
        self.registry, self.identity, self.upstream, self.table = registry, identity, upstream, table
        self.reads = frozenset((method.upper(), suffix) for method, suffix in reads)

    def is_read(self, method: str, url: str) -> bool:
        method, path = method.upper(), urlsplit(url).path.rstrip("/")
        return any(method == wanted and path.endswith(suffix) for wanted, suffix in self.reads)

    def for_request(self, method: str, url: str) -> TokenBucket:
        method = method.upper()
        endpoint = endpoint_of(urlsplit(url).path)
        rate = self.table.rate_for(method, endpoint)
        return self.registry.get(self.identity, f"{self.upstream} {method} {endpoint}", rate)
