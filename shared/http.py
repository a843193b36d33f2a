"""Resilient outbound HTTP for the synchronous client libraries (requests-based).

`ResilientAdapter` is mounted on the `requests.Session` we hand to a client library
(atlassian-python-api and friends), so every request the library makes goes through one
policy, whatever method of the library issued it:

- token buckets per (identity, upstream), or per endpoint and method (`EndpointBuckets`), that
  honour `Retry-After` and `X-RateLimit-*`;
- bounded, jittered retries, only where a replay cannot do a write twice: idempotent
  methods on 429/5xx/timeouts/resets, and any method on a 429 (Atlassian and Graph refuse
  a throttled request before executing it) or a failed connect (nothing was sent);
- a circuit breaker per upstream.

A write that may have reached the upstream before the connection failed is never retried:
it raises `UncertainWrite`. The library's own retry features must be switched off
(`retry_with_header=False`, `backoff_and_retry=False`) so there is exactly one retry layer.
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import anyio
import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from . import metrics
from .circuit import CircuitBreaker
from .errors import ConnectorError, RateLimited, UncertainWrite, UpstreamUnavailable, http_error
from .ratelimit import EndpointBuckets, TokenBucket, parse_retry_after

log = logging.getLogger(__name__)

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4  # first try included
    base_delay: float = 0.25
    max_delay: float = 8.0
    max_retry_after: float = 20.0  # longer waits are handed back to the caller as RateLimited
    timeout: float = 20.0

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter x[0.7, 1.3], as Atlassian recommends."""
        return min(self.max_delay, self.base_delay * 2**attempt) * random.uniform(0.7, 1.3)


def _never_sent(exc: Exception) -> bool:
    """True when the request provably never reached the upstream (connect failed)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    seen, cause = set(), exc
    while cause is not None and id(cause) not in seen:
        seen.add(id(cause))
        if isinstance(cause, (NewConnectionError, ConnectTimeoutError)):
            return True
        inner = cause.args[0] if cause.args and isinstance(cause.args[0], BaseException) else None
        cause = getattr(cause, "reason", None) or inner or cause.__cause__ or cause.__context__
    return False


class ResilientAdapter(HTTPAdapter):
    def __init__(
        self,
        upstream: str,
        buckets: TokenBucket | EndpointBuckets,
        breaker: CircuitBreaker,
        policy: RetryPolicy = RetryPolicy(),
        sleep=time.sleep,
    ):
        super().__init__(max_retries=0, pool_connections=4, pool_maxsize=64)
        self.upstream, self.buckets, self.breaker, self.policy = upstream, buckets, breaker, policy
        self._sleep = sleep
        self._labels = {"upstream": upstream}

    def send(self, request, **kwargs):  # noqa: C901 - one loop, every branch is a policy line
        kwargs["timeout"] = kwargs.get("timeout") or self.policy.timeout
        if isinstance(kwargs["timeout"], (int, float)):
            kwargs["timeout"] = min(kwargs["timeout"], self.policy.timeout)
        method = (request.method or "GET").upper()
        replayable = method in IDEMPOTENT
        bucket = self.buckets.for_request(method, request.url or "")
        attempt = 0
        while True:
            self.breaker.before_call()
            paused = bucket.paused_for()
            if paused > self.policy.max_retry_after:  # the upstream asked for a long pause: say so, don't block
                raise RateLimited(self.upstream, paused)
            bucket.acquire(self._labels)
            try:
                response = super().send(request, **kwargs)
                if not kwargs.get("stream"):
                    response.content  # read the body here: a stalled or cut body meets the same policy
            except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
                self.breaker.record_failure()
                metrics.UPSTREAM_REQUESTS.labels(upstream=self.upstream, status="error").inc()
                if (replayable or _never_sent(exc)) and attempt + 1 < self.policy.attempts:
                    self._retry(attempt, "network", None)
                    attempt += 1
                    continue
                if not replayable and not _never_sent(exc):
                    raise UncertainWrite(
                        f"The {self.upstream} request was sent but no answer came back, so it may or may not "
                        "have been applied. Check before repeating it (or repeat it with the same "
                        "idempotency_key, which resolves safely)."
                    ) from None
                raise UpstreamUnavailable(
                    f"{self.upstream} did not answer ({type(exc).__name__}). Try again shortly."
                ) from None

            status = response.status_code
            metrics.UPSTREAM_REQUESTS.labels(upstream=self.upstream, status=str(status)).inc()
            bucket.observe(response.headers)
            if status >= 500:
                self.breaker.record_failure()
            else:
                self.breaker.record_success()
            if status not in RETRY_STATUSES or attempt + 1 >= self.policy.attempts:
                return response
            if status != 429 and not replayable:
                return response  # a 5xx on a write may have executed: report it, never replay
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            response.close()
            if retry_after is not None and retry_after > self.policy.max_retry_after:
                raise RateLimited(self.upstream, retry_after)
            self._retry(attempt, str(status), retry_after)
            attempt += 1

    def _retry(self, attempt: int, reason: str, retry_after: float | None) -> None:
        delay = retry_after * random.uniform(1.0, 1.2) if retry_after is not None else self.policy.backoff(attempt)
        metrics.RETRIES.labels(upstream=self.upstream, reason=reason).inc()
        log.info("retrying %s request after %s (%.2fs)", self.upstream, reason, delay)
        self._sleep(delay)


def resilient_session(
    upstream: str, buckets: TokenBucket | EndpointBuckets, breaker: CircuitBreaker, policy: RetryPolicy = RetryPolicy()
) -> requests.Session:
    session = requests.Session()
    adapter = ResilientAdapter(upstream, buckets, breaker, policy)
    session.mount("https://", adapter)
    session.mount("http://", adapter)
    return session


# -- calling a synchronous client library from async tools ------------------------------------

_WORKERS = anyio.CapacityLimiter(64)  # threads for blocking client libraries, shared by a process


async def in_worker(fn: Callable[..., Any], *args: Any) -> Any:
    """Run a blocking library call on a bounded worker thread, never on the event loop."""
    return await anyio.to_thread.run_sync(functools.partial(fn, *args), limiter=_WORKERS)


def checked_json(
    upstream: str, send: Callable[[], requests.Response], detail: Callable[[requests.Response], str]
) -> Any:
    """Send through the library (raw response mode) and map the outcome once: JSON, or a shared error.

    `detail` extracts the upstream's own error text (never headers or credentials).
    """
    try:
        response = send()
    except ConnectorError:
        raise
    except requests.RequestException as exc:
        raise UpstreamUnavailable(f"Could not reach {upstream} ({type(exc).__name__}). Try again shortly.") from None
    if response.status_code >= 400:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        raise http_error(upstream, response.status_code, detail(response), retry_after)
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        raise UpstreamUnavailable(f"{upstream} returned an unreadable response. Try again shortly.") from None
