"""The kit's upstream policy for google-api-python-client (Drive, Gmail).

The library speaks to an `httplib2.Http`; `PolicyHttp` is a drop-in object with the same `request()`
signature, backed by a `requests.Session` from `shared.http.resilient_session`. Passed as `http=` to
`build_from_document`, every call the library makes (metadata, media uploads and downloads) then gets the
shared policy: token buckets per identity and endpoint, retries of replayable requests honouring
`Retry-After`, `UncertainWrite` for a write that may have been applied, the per-call deadline and the
circuit breaker. On top of that, Google's own throttling answer, 403 `userRateLimitExceeded` /
`rateLimitExceeded` (refused before running, like a 429), pauses the shared bucket and is retried.

Call `execute(upstream, request)` instead of `request.execute()`: it switches the library's retries off
(`num_retries=0`: there is one retry layer), runs the blocking call on a worker thread, and maps Google's
errors to `shared.errors` with Google's own message.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from typing import Any

import httplib2
import requests
from googleapiclient.errors import HttpError

from .circuit import CircuitBreaker
from .errors import ConnectorError, PermissionDenied, RateLimited, TimedOut, UpstreamUnavailable, http_error
from .http import MIN_ATTEMPT_SECONDS, RetryPolicy, current_deadline, in_worker, resilient_session
from .ratelimit import EndpointBuckets, TokenBucket, parse_retry_after

RATE_LIMIT_REASONS = frozenset({"userRateLimitExceeded", "rateLimitExceeded"})


def error_reason(content: bytes | str | None) -> tuple[str, str]:
    """(first `errors[].reason`, `message`) of Google's error JSON; empty strings when it is not one."""
    try:
        error = json.loads(content or b"{}").get("error", {})
        reason = (error.get("errors") or [{}])[0].get("reason", "")
        return str(reason), str(error.get("message", ""))[:300]
    except (ValueError, AttributeError, TypeError):
        return "", ""


class PolicyHttp:
    """An `httplib2.Http` stand-in sending through a resilient `requests.Session`, with a bearer token."""

    def __init__(
        self,
        upstream: str,
        buckets: TokenBucket | EndpointBuckets,
        breaker: CircuitBreaker,
        policy: RetryPolicy,
        token: Callable[[], str],
        session: requests.Session | None = None,
    ):
        self.upstream, self.buckets, self.policy, self._token = upstream, buckets, policy, token
        self.session = session or resilient_session(upstream, buckets, breaker, policy)
        self.session.trust_env = False  # proxies and CA bundles come from the deployment, not the shell
        self.redirect_codes = frozenset({300, 301, 302, 303, 307})  # 308 means "resume incomplete" to Google

    def request(
        self,
        uri: str,
        method: str = "GET",
        body: Any = None,
        headers: dict[str, str] | None = None,
        redirections: int = 5,
        connection_type: Any = None,
    ) -> tuple[httplib2.Response, bytes]:
        sent = {k: v for k, v in (headers or {}).items() if k.lower() != "authorization"}
        sent["authorization"] = f"Bearer {self._token()}"
        attempt = 0
        while True:
            answer = self.session.request(method, uri, data=body, headers=sent, allow_redirects=False)
            reason, _ = error_reason(answer.content) if answer.status_code == 403 else ("", "")
            if reason not in RATE_LIMIT_REASONS or attempt + 1 >= self.policy.attempts:
                break
            # Google refused it before running it: wait on the shared bucket, as for a 429
            bucket = self.buckets.for_request(method, uri)
            retry_after = parse_retry_after(answer.headers.get("Retry-After"))
            wait = retry_after if retry_after is not None else self.policy.backoff(attempt)
            if wait > self.policy.max_retry_after:
                raise RateLimited(self.upstream, wait)
            deadline = current_deadline()
            if deadline is not None and deadline[0] - time.monotonic() - wait < MIN_ATTEMPT_SECONDS:
                raise TimedOut(self.upstream, deadline[1])
            bucket.pause(wait)
            attempt += 1
        info = {k.lower(): v for k, v in answer.headers.items()}
        info["status"] = str(answer.status_code)
        response = httplib2.Response(info)
        response.reason = answer.reason or ""
        return response, answer.content

    def close(self) -> None:
        self.session.close()


def google_error(upstream: str, exc: HttpError) -> ConnectorError:
    """Google's error answer as the shared error, with Google's own message."""
    status = int(exc.resp.status)
    reason, message = error_reason(exc.content)
    if status == 403 and reason in RATE_LIMIT_REASONS:
        return RateLimited(upstream, parse_retry_after(exc.resp.get("retry-after")))
    if status == 403 and reason == "fileNotDownloadable":
        return PermissionDenied(f"{upstream} cannot download this file directly ({message}); export it instead.")
    return http_error(upstream, status, message, parse_retry_after(exc.resp.get("retry-after")))


def execute_now(upstream: str, request: Any) -> Any:
    """Run one googleapiclient request on this thread, with one retry layer (ours), mapping Google's errors."""
    try:
        found = request.execute(num_retries=0)
    except HttpError as exc:
        raise google_error(upstream, exc) from None
    # The library hands back a body it could not parse as JSON as the raw text (and a 204's empty body as "").
    if isinstance(found, str) and found.strip():
        raise UpstreamUnavailable(f"{upstream} returned an unreadable response. Try again shortly.")
    return found


async def execute(upstream: str, request: Any) -> Any:
    """`execute_now` on a worker thread: the library is blocking."""
    return await in_worker(execute_now, upstream, request)
