"""One exception hierarchy for every connector, translated once into MCP tool errors.

Tool bodies raise these (or let the upstream client raise them) and never format errors
themselves: `shared.tools` turns a `ConnectorError` into an `isError` result whose text is
the message below. Messages say what went wrong and what to do next; they never carry
secrets, stack traces or raw upstream bodies.
"""

from __future__ import annotations

from collections.abc import Iterable


class ConnectorError(Exception):
    """Base of every anticipated failure. `str(error)` is what the model reads."""

    retryable = False


class ConfigError(ConnectorError):
    """The deployment is misconfigured (missing or bad setting)."""


class InvalidInput(ConnectorError):
    """The caller's arguments are wrong. Says which argument and how to fix it."""

    def __init__(self, message: str, *, candidates: Iterable[str] = ()):
        candidates = list(candidates)
        if candidates:
            message = f"{message} Did you mean: {', '.join(candidates)}?"
        super().__init__(message)


class Ambiguous(InvalidInput):
    """A name matched several objects: never guess, list them."""

    def __init__(self, what: str, value: str, matches: Iterable[str], how_to_pick: str):
        listed = "; ".join(matches)
        super().__init__(f'{what} "{value}" matches several: {listed}. {how_to_pick}')


class NotFound(ConnectorError):
    """The object does not exist or the caller cannot see it."""


class PermissionDenied(ConnectorError):
    """The caller's upstream account may not do this."""


class AuthFailed(ConnectorError):
    """The upstream rejected our credentials (expired or revoked token)."""


class Conflict(ConnectorError):
    """Someone else changed the object; re-read and retry."""


class RateLimited(ConnectorError):
    retryable = True

    def __init__(self, upstream: str, retry_after: float | None):
        self.retry_after = retry_after
        wait = f" Retry in about {max(1, round(retry_after))} s." if retry_after else " Retry in a little while."
        super().__init__(f"{upstream} is rate limiting requests.{wait}")


class UpstreamUnavailable(ConnectorError):
    """5xx, timeout, reset or an open circuit: the upstream could not answer."""

    retryable = True


class TimedOut(UpstreamUnavailable):
    """The tool call's deadline passed while the upstream had not answered (see `shared.http.call_deadline`)."""

    def __init__(self, upstream: str, seconds: float):
        self.seconds = seconds
        super().__init__(
            f"{upstream} did not answer in time: gave up after {seconds:g} s (slow or failing upstream). "
            "Try again shortly, or ask for less at once."
        )


class UncertainWrite(ConnectorError):
    """A write was sent but no clear answer came back: it may or may not have been applied.

    Never retried automatically. The tool boundary adds how to resolve it: retry with the same
    idempotency_key where the tool takes one, otherwise check before repeating.
    """

    def __init__(self, upstream: str, what: str = "no answer came back"):
        self.upstream = upstream
        super().__init__(f"The {upstream} request was sent but {what}, so it may or may not have been applied.")


def http_error(upstream: str, status: int, detail: str = "", retry_after: float | None = None) -> ConnectorError:
    """Map an upstream HTTP status to the error the model should see."""
    detail = detail.strip()
    suffix = f" {upstream} said: {detail}" if detail else ""
    if status == 400:
        return InvalidInput(f"{upstream} rejected the request.{suffix}")
    if status == 401:
        return AuthFailed(
            f"{upstream} rejected the connector's credentials (expired or revoked). "
            "Ask an administrator to renew the API token or reconnect the account."
        )
    if status == 403:
        return PermissionDenied(f"Your {upstream} account is not allowed to do this.{suffix}")
    if status == 404:
        return NotFound(f"Not found in {upstream}, or you do not have permission to see it.{suffix}")
    if status in (409, 412):
        return Conflict(f"{upstream} reports a conflicting change: re-read the object and try again.{suffix}")
    if status == 413:
        return InvalidInput(f"The request is too large for {upstream}; send less content at once.")
    if status == 429:
        return RateLimited(upstream, retry_after)
    if status >= 500:
        return UpstreamUnavailable(f"{upstream} is having trouble (HTTP {status}). Try again shortly.")
    return ConnectorError(f"{upstream} answered HTTP {status}.{suffix}")
