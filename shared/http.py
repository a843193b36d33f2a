"""Resilient outbound HTTP for the synchronous client libraries (requests-based).

`ResilientAdapter` is mounted on the `requests.Session` we hand to a client library
(atlassian-python-api and friends), so every request the library makes goes through one
policy, whatever method of the library issued it:

- token buckets per (identity, upstream), or per endpoint and method (`EndpointBuckets`), that
  honour `Retry-After` and `X-RateLimit-*`; a 429 pauses the shared bucket and the retry waits on
  it like every concurrent caller, instead of sleeping on its own and rushing back with them;
- bounded, jittered retries, only where a replay cannot do a write twice: idempotent
  methods and declared read-only POSTs (searches, `EndpointBuckets.reads`) on 429/5xx/timeouts/
  resets, and any method on a 429 (Atlassian and Graph refuse a throttled request before
  executing it) or a failed connect (nothing was sent);
- one deadline per tool call (`call_deadline`, set by the tool boundary): every wait and retry
  of the call fits in it, and each request's timeout is capped by the time left;
- a circuit breaker per upstream.

A write that may have reached the upstream (timeout or reset after sending, or a 5xx answer) is
never retried: it raises `UncertainWrite`. The library's own retry features must be switched off
(`retry_with_header=False`, `backoff_and_retry=False`) so there is exactly one retry layer.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import logging
import random
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import anyio
import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError

from . import metrics
from .circuit import CircuitBreaker
from .errors import ConnectorError, RateLimited, TimedOut, UncertainWrite, UpstreamUnavailable, http_error
from .ratelimit import EndpointBuckets, TokenBucket, WaitTooLong, parse_retry_after
from .upstream_policy import lost_error, record_answer, record_lost

log = logging.getLogger(__name__)

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
MIN_ATTEMPT_SECONDS = 0.5  # an attempt with less time than this left is not started


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4  # first try included
    base_delay: float = 0.25
    max_delay: float = 8.0
    max_retry_after: float = 20.0  # longer waits are handed back to the caller as RateLimited
    timeout: float = 20.0

    def backoff(self, attempt: int) -> float:
        """Exponential backoff with jitter x[0.7, 1.3], as Atlassian recommends."""
        return min(self.max_delay, self.base_delay * 2.0**attempt) * random.uniform(0.7, 1.3)


# -- one deadline per tool call ----------------------------------------------------------------

# (monotonic time the call must be answered by, its length in seconds); worker threads started
# with `anyio.to_thread.run_sync` run in a copy of the context, so they see the caller's deadline.
_DEADLINE: contextvars.ContextVar[tuple[float, float] | None] = contextvars.ContextVar("call_deadline", default=None)


@contextlib.contextmanager
def call_deadline(seconds: float, clock: Callable[[], float] = time.monotonic) -> Iterator[None]:
    """Every upstream request made inside shares one deadline; an enclosing earlier one wins."""
    at, current = clock() + seconds, _DEADLINE.get()
    if current is not None and current[0] <= at:
        yield
        return
    token = _DEADLINE.set((at, seconds))
    try:
        yield
    finally:
        _DEADLINE.reset(token)


def current_deadline() -> tuple[float, float] | None:
    """(monotonic time the current call must be answered by, its length in seconds), or None outside a call."""
    return _DEADLINE.get()


def _never_sent(exc: Exception) -> bool:
    """True when the request provably never reached the upstream (connect failed)."""
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    seen: set[int] = set()
    cause: BaseException | None = exc
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
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ):
        super().__init__(max_retries=0, pool_connections=4, pool_maxsize=64)
        self.upstream, self.buckets, self.breaker, self.policy = upstream, buckets, breaker, policy
        self._sleep, self._clock = sleep, clock
        self._labels = {"upstream": upstream}

    def send(  # noqa: C901 - one loop, every branch is a policy line
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        kwargs: dict[str, Any] = {"stream": stream, "timeout": timeout, "verify": verify, "cert": cert}
        kwargs["proxies"] = proxies
        method, url = (request.method or "GET").upper(), request.url or ""
        rewind = _rewinder(request.body)
        # A body read from a stream can be sent again only if it can be rewound; a generator cannot.
        replayable = (method in IDEMPOTENT or self.buckets.is_read(method, url)) and rewind is not None
        bucket = self.buckets.for_request(method, url)
        asked = kwargs.get("timeout") or self.policy.timeout
        attempt = 0
        while True:
            self.breaker.before_call()
            self._take_token(bucket)
            kwargs["timeout"] = self._timeout(asked)
            try:
                response = super().send(request, **kwargs)
                if not kwargs.get("stream"):
                    _ = response.content  # read the body here: a stalled or cut body meets the same policy
            except (requests.ConnectionError, requests.Timeout, requests.exceptions.ChunkedEncodingError) as exc:
                record_lost(self.upstream, self.breaker)
                sent = not _never_sent(exc)
                may_retry = (replayable or not sent) and rewind is not None and attempt + 1 < self.policy.attempts
                delay = self.policy.backoff(attempt)
                if may_retry and rewind is not None and self._fits(delay):
                    self._retry("network", delay)
                    attempt += 1
                    rewind()
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
            try:
                record_answer(self.upstream, status, response.headers, bucket, self.breaker, replayable=replayable)
            except UncertainWrite:
                response.close()  # the write reached the upstream, which failed somewhere: never replay
                raise
            if status not in RETRY_STATUSES or attempt + 1 >= self.policy.attempts or rewind is None:
                return response
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            if retry_after is not None and retry_after > self.policy.max_retry_after:
                response.close()
                raise RateLimited(self.upstream, retry_after)
            if status == 429:  # refused before running: wait on the shared bucket like every other caller
                if retry_after is None:
                    bucket.pause(self.policy.backoff(attempt))
                response.close()
                self._retry("429", bucket.paused_for(), sleep=False)  # _take_token waits, in line with the others
                attempt += 1
                rewind()
                continue
            delay = retry_after * random.uniform(1.0, 1.2) if retry_after is not None else self.policy.backoff(attempt)
            if not self._fits(delay):
                return response
            response.close()
            self._retry(str(status), delay)
            attempt += 1
            rewind()

    # -- time --------------------------------------------------------------------------------------
    def _left(self) -> float | None:
        deadline = _DEADLINE.get()
        return None if deadline is None else deadline[0] - self._clock()

    def _deadline_length(self) -> float:
        deadline = _DEADLINE.get()
        return deadline[1] if deadline is not None else self.policy.timeout

    def _fits(self, delay: float) -> bool:
        """Whether an attempt after `delay` still has a useful amount of the call's time."""
        left = self._left()
        return left is None or left - delay >= MIN_ATTEMPT_SECONDS

    def _timeout(self, asked: Any) -> Any:
        left = self._left()
        cap = self.policy.timeout if left is None else min(self.policy.timeout, left)
        if isinstance(asked, tuple):
            return tuple(cap if part is None else min(part, cap) for part in asked)
        return min(asked, cap)

    def _take_token(self, bucket: TokenBucket) -> None:
        """Wait for the shared bucket (pauses included), within the policy's patience and the deadline."""
        paused = bucket.paused_for()
        if paused > self.policy.max_retry_after:  # the upstream asked for a long pause: say so, don't block
            raise RateLimited(self.upstream, paused)
        left = self._left()
        if left is not None and left < MIN_ATTEMPT_SECONDS:
            raise TimedOut(self.upstream, self._deadline_length())
        within = (
            self.policy.max_retry_after
            if left is None
            else min(self.policy.max_retry_after, left - MIN_ATTEMPT_SECONDS)
        )
        try:
            bucket.acquire(self._labels, within=within)
        except WaitTooLong as exc:
            raise RateLimited(self.upstream, exc.wait) from None

    def _retry(self, reason: str, delay: float, sleep: bool = True) -> None:
        metrics.RETRIES.labels(upstream=self.upstream, reason=reason).inc()
        log.info("retrying %s request after %s (%.2fs)", self.upstream, reason, delay)
        if sleep and delay > 0:
            self._sleep(delay)


def _rewinder(body: Any) -> Callable[[], None] | None:
    """How to send `body` again: nothing to do for bytes, a seek back for a file, None for a one-shot stream."""
    if body is None or isinstance(body, (bytes, str)):
        return lambda: None
    seek, tell = getattr(body, "seek", None), getattr(body, "tell", None)
    if seek is None or tell is None:
        return None
    try:
        start = tell()
    except OSError:
        return None
    return lambda: seek(start)


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
