"""The decisions of the outbound policy that do not depend on the HTTP client.

`shared.http` (requests, for the client libraries on worker threads) and `shared.httpx_policy` (httpx,
on the event loop) run the same loop: take a token, send, then either record the answer or decide
what a lost request means. Those decisions live here once, so both clients behave alike.
"""

from __future__ import annotations

from collections.abc import Mapping

from . import metrics
from .circuit import CircuitBreaker
from .errors import ConnectorError, TimedOut, UncertainWrite, UpstreamUnavailable
from .ratelimit import TokenBucket


def record_lost(upstream: str, breaker: CircuitBreaker) -> None:
    """A request that got no answer (connect failure, timeout, reset) counts against the upstream."""
    breaker.record_failure()
    metrics.UPSTREAM_REQUESTS.labels(upstream=upstream, status="error").inc()


def lost_error(
    upstream: str, exc: BaseException, *, sent: bool, replayable: bool, may_retry: bool, deadline: float
) -> ConnectorError:
    """What the caller is told about a request that got no answer and will not be tried again."""
    if sent and not replayable:
        return UncertainWrite(upstream, "no answer came back")
    if may_retry:  # only the call's deadline stopped the retries
        return TimedOut(upstream, deadline)
    return UpstreamUnavailable(f"{upstream} did not answer ({type(exc).__name__}). Try again shortly.")


def record_answer(
    upstream: str,
    status: int,
    headers: Mapping[str, str],
    bucket: TokenBucket,
    breaker: CircuitBreaker,
    *,
    replayable: bool,
) -> None:
    """Count the answer, let the bucket learn from it, judge the upstream's health; a 5xx to a write that may
    have executed is an uncertain write (raised), never replayed."""
    metrics.UPSTREAM_REQUESTS.labels(upstream=upstream, status=str(status)).inc()
    bucket.observe(headers, status)
    if status >= 500:
        breaker.record_failure()
    else:
        breaker.record_success()
    if status >= 500 and not replayable:
        raise UncertainWrite(upstream, f"{upstream} is having trouble (HTTP {status})")
