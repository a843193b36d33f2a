"""Token buckets keyed by (tenant, endpoint template, method), modelled on Jira Cloud burst limits."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

DEFAULT_LIMITS = {"GET": 100, "POST": 100, "PUT": 50, "DELETE": 50, "PATCH": 50}
# Documented per-endpoint overrides of the defaults (Jira: single-issue reads at 150/s, both API versions).
DEFAULT_OVERRIDES = {("GET", "/rest/api/{id}/issue/{id}"): 150}


@dataclass
class Decision:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int  # seconds (ceil), only meaningful when not allowed
    reset_epoch: float  # when the bucket is full again / next token available


class _Bucket:
    __slots__ = ("capacity", "tokens", "stamp")

    def __init__(self, capacity: int, now: float):
        self.capacity = capacity
        self.tokens = float(capacity)
        self.stamp = now


class RateLimiter:
    """Per-key token bucket: capacity == refill rate per second (burst limits)."""

    def __init__(self, limits: dict[str, int] | None = None, *, enabled: bool = True, clock=time.monotonic):
        self._lock = threading.Lock()
        self._clock = clock
        self.configure(limits, enabled=enabled)

    def configure(self, limits: dict[str, int] | None = None, *, enabled: bool = True) -> None:
        with self._lock:
            self.enabled = enabled
            self.limits = {**DEFAULT_LIMITS, **{k.upper(): int(v) for k, v in (limits or {}).items()}}
            # explicit limits (tests, benchmarks) apply to every endpoint alike; the defaults keep Jira's overrides
            self.overrides = dict(DEFAULT_OVERRIDES) if not limits else {}
            self._buckets: dict[tuple, _Bucket] = {}

    def check(self, tenant: str, template: str, method: str) -> Decision:
        method = method.upper()
        limit = self.overrides.get((method, template)) or self.limits.get(method, DEFAULT_LIMITS["GET"])
        if not self.enabled:
            return Decision(True, limit, limit, 0, time.time())
        now = self._clock()
        with self._lock:
            key = (tenant, template, method)
            b = self._buckets.get(key)
            if b is None or b.capacity != limit:
                b = self._buckets[key] = _Bucket(limit, now)
            b.tokens = min(b.capacity, b.tokens + (now - b.stamp) * limit)
            b.stamp = now
            if b.tokens >= 1:
                b.tokens -= 1
                full_in = (b.capacity - b.tokens) / limit
                return Decision(True, limit, int(b.tokens), 0, time.time() + full_in)
            wait = (1 - b.tokens) / limit
            return Decision(False, limit, 0, max(1, math.ceil(wait)), time.time() + wait)
