"""The kit's upstream policy for httpx clients (Microsoft Graph and direct REST calls).

`PolicyTransport` wraps the transport of an `httpx.AsyncClient`, so every request the client makes
meets the same rules as `shared.http.ResilientAdapter` does for requests-based libraries:

- a token bucket per (identity, endpoint, method) from `EndpointBuckets`, paused by `Retry-After`;
- bounded, jittered retries (`RetryPolicy`) of requests a replay cannot duplicate: idempotent methods
  and declared read-only POSTs on 429/5xx/timeouts/resets; any method on a 429 (Graph refuses a
  throttled request before running it) or when the connection could not even be opened;
- never a replay of a write that may have reached the upstream: `UncertainWrite` instead;
- one deadline per tool call (`shared.http.call_deadline`): waits and attempts fit in it;
- the upstream's circuit breaker.

`checked_json(upstream, response, detail)` maps a final response to JSON or to a `shared.errors` error,
as `shared.http.checked_json` does. The body is read inside the transport, so a stalled or cut body
meets the policy too.
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable
from typing import Any

import anyio
import httpx

from . import metrics
from .circuit import CircuitBreaker
from .errors import RateLimited, TimedOut, UpstreamUnavailable, http_error
from .http import IDEMPOTENT, MIN_ATTEMPT_SECONDS, RETRY_STATUSES, RetryPolicy, current_deadline
from .ratelimit import EndpointBuckets, TokenBucket, parse_retry_after
from .upstream_policy import lost_error, record_answer, record_lost

log = logging.getLogger(__name__)

# Request extension overriding the method's default: `extensions={REPLAYABLE: False}` on a PUT that creates
# something (a retried create could answer "already exists" although it was ours).
REPLAYABLE = "policy_replayable"

# Failures where the request provably never left: nothing can have been applied upstream.
NEVER_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


class PolicyTransport(httpx.AsyncBaseTransport):
    def __init__(
        self,
        upstream: str,
        buckets: TokenBucket | EndpointBuckets,
        breaker: CircuitBreaker,
        policy: RetryPolicy = RetryPolicy(),
        inner: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.upstream, self.buckets, self.breaker, self.policy = upstream, buckets, breaker, policy
        self.inner = inner or httpx.AsyncHTTPTransport()
        self._clock = clock
        self._labels = {"upstream": upstream}

    async def aclose(self) -> None:
        await self.inner.aclose()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:  # noqa: C901 - one policy loop
        method, url = request.method.upper(), str(request.url)
        replayable = method in IDEMPOTENT or self.buckets.is_read(method, url)
        replayable = bool(request.extensions.get(REPLAYABLE, replayable))  # a caller may say a PUT creates
        bucket = self.buckets.for_request(method, url)
        attempt = 0
        while True:
            self.breaker.before_call()
            await self._take_token(bucket)
            self._cap_timeout(request)
            try:
                response = await self.inner.handle_async_request(request)
                try:
                    body = b"".join([chunk async for chunk in response.aiter_raw()])
                finally:
                    await response.aclose()
            except (httpx.TransportError, TimeoutError) as exc:
                record_lost(self.upstream, self.breaker)
                sent = not isinstance(exc, NEVER_SENT)
                may_retry = (replayable or not sent) and attempt + 1 < self.policy.attempts
                delay = self.policy.backoff(attempt)
                if may_retry and self._fits(delay):
                    await self._retry("network", delay)
                    attempt += 1
                    continue
                raise lost_error(
                    self.upstream,
                    exc,
                    sent=sent,
                    replayable=replayable,
                    may_retry=may_retry,
                    deadline=self._deadline_length(),
                ) from None
            status = response.status_code
            # a 5xx to a write that reached the upstream is raised as uncertain here, never replayed
            record_answer(self.upstream, status, response.headers, bucket, self.breaker, replayable=replayable)
            if status not in RETRY_STATUSES or attempt + 1 >= self.policy.attempts:
                return httpx.Response(status, headers=response.headers, content=body, extensions=response.extensions)
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if retry_after is not None and retry_after > self.policy.max_retry_after:
                raise RateLimited(self.upstream, retry_after)
            if status == 429:  # refused before running: wait on the shared bucket like every other caller
                if retry_after is None:
                    bucket.pause(self.policy.backoff(attempt))
                await self._retry("429", 0.0)
                attempt += 1
                continue
            delay = retry_after * random.uniform(1.0, 1.2) if retry_after is not None else self.policy.backoff(attempt)
            if not self._fits(delay):
                return httpx.Response(status, headers=response.headers, content=body, extensions=response.extensions)
            await self._retry(str(status), delay)
            attempt += 1

    # -- time --------------------------------------------------------------------------------------
    def _left(self) -> float | None:
        deadline = current_deadline()
        return None if deadline is None else deadline[0] - self._clock()

    def _deadline_length(self) -> float:
        deadline = current_deadline()
        return deadline[1] if deadline is not None else self.policy.timeout

    def _fits(self, delay: float) -> bool:
        left = self._left()
        return left is None or left - delay >= MIN_ATTEMPT_SECONDS

    def _cap_timeout(self, request: httpx.Request) -> None:
        """Each phase of this attempt waits at most the policy's timeout, and never past the call's deadline."""
        left = self._left()
        cap = self.policy.timeout if left is None else max(0.01, min(self.policy.timeout, left))
        asked = dict(request.extensions.get("timeout") or {})
        phases = ("connect", "read", "write", "pool")
        request.extensions["timeout"] = {p: cap if asked.get(p) is None else min(asked[p], cap) for p in phases}

    async def _take_token(self, bucket: TokenBucket) -> None:
        """Wait for the shared bucket (pauses included), within the policy's patience and the deadline."""
        paused = bucket.paused_for()
        if paused > self.policy.max_retry_after:
            raise RateLimited(self.upstream, paused)
        left = self._left()
        if left is not None and left < MIN_ATTEMPT_SECONDS:
            raise TimedOut(self.upstream, self._deadline_length())
        within = self.policy.max_retry_after if left is None else min(self.policy.max_retry_after, left - 0.5)
        wait = bucket.reserve()
        if wait > within:
            raise RateLimited(self.upstream, wait)
        if wait > 0:
            metrics.RATE_LIMIT_WAITS.labels(**self._labels).inc()
            await anyio.sleep(wait)

    async def _retry(self, reason: str, delay: float) -> None:
        metrics.RETRIES.labels(upstream=self.upstream, reason=reason).inc()
        log.info("retrying %s request after %s (%.2fs)", self.upstream, reason, delay)
        if delay > 0:
            await anyio.sleep(delay)


def policy_client(
    upstream: str,
    buckets: TokenBucket | EndpointBuckets,
    breaker: CircuitBreaker,
    policy: RetryPolicy = RetryPolicy(),
    *,
    verify: Any = True,
    **client_options: Any,
) -> httpx.AsyncClient:
    """An `httpx.AsyncClient` whose every request goes through `PolicyTransport` (redirects are not followed)."""
    inner = httpx.AsyncHTTPTransport(verify=verify)
    transport = PolicyTransport(upstream, buckets, breaker, policy, inner)
    return httpx.AsyncClient(transport=transport, timeout=policy.timeout, **client_options)


def checked_json(upstream: str, response: httpx.Response, detail: Callable[[httpx.Response], str]) -> Any:
    """A final response as JSON, or the shared error the model should see.

    `detail` extracts the upstream's own error text (never headers or credentials).
    """
    if response.status_code >= 400:
        retry_after = parse_retry_after(response.headers.get("Retry-After"))
        raise http_error(upstream, response.status_code, detail(response), retry_after)
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except ValueError:
        raise UpstreamUnavailable(f"{upstream} returned an unreadable response. Try again shortly.") from None
