"""Per-request plumbing of the Gmail routes: bearer and scopes, ``userId``, quota units, parameters, errors.

Quota: each method costs Gmail's documented units (upstreams.md §10) from a per-user budget refilled at
``units_per_second`` (250 by default). A call the budget cannot pay is refused with Gmail's 429
``rateLimitExceeded``. The budget is enforced while the sandbox's rate limits are on (``/__sandbox/config``).
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import wraps

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..errors import GoogleError, error_response, invalid_value
from ..identity import bearer, require_scope
from ..tokens import AccessToken, TokenStore
from . import discovery
from .mailbox import Mailbox
from .store import GmailStore

MAIL = "https://mail.google.com/"
_G = "https://www.googleapis.com/auth/gmail."
READ = (MAIL, _G + "modify", _G + "readonly", _G + "metadata")
MODIFY = (MAIL, _G + "modify")
SEND = (MAIL, _G + "modify", _G + "compose", _G + "send")
COMPOSE = (MAIL, _G + "modify", _G + "compose")
LABELS = (MAIL, _G + "modify", _G + "labels")
METADATA_ONLY = _G + "metadata"


class EarlyAnswer(Exception):
    """Ends a request before its method runs (a resumable session opened, or a chunk taken)."""

    def __init__(self, response: Response) -> None:
        super().__init__("early answer")
        self.response = response


class UnitBudget:
    """Per-user token buckets of quota units: capacity and refill are ``units_per_second``."""

    def __init__(self, units_per_second: Callable[[], int], clock: Callable[[], float] = time.monotonic) -> None:
        self.units_per_second, self.clock = units_per_second, clock
        self.lock = threading.Lock()
        self.buckets: dict[str, tuple[float, float]] = {}  # user -> (units left, when)

    def reset(self) -> None:
        with self.lock:
            self.buckets.clear()

    def spend(self, user: str, units: int) -> bool:
        rate = max(1, self.units_per_second())
        now = self.clock()
        with self.lock:
            left, stamp = self.buckets.get(user, (float(rate), now))
            left = min(float(rate), left + (now - stamp) * rate)
            if left < units:
                self.buckets[user] = (left, now)
                return False
            self.buckets[user] = (left - units, now)
            return True


def rate_limited() -> GoogleError:
    """Gmail's per-user answer: 429, reason ``rateLimitExceeded``, the retry time in the message."""
    retry = datetime.fromtimestamp(time.time() + 1, tz=UTC).isoformat(timespec="milliseconds")
    message = f"User-rate limit exceeded.  Retry after {retry.replace('+00:00', 'Z')}"
    return GoogleError(429, message, "rateLimitExceeded", domain="usageLimits")


@dataclass
class GmailCtx:
    request: Request
    store: GmailStore
    token: AccessToken
    box: Mailbox
    base_url: str

    @property
    def user(self) -> str:
        return self.box.owner

    @property
    def metadata_only(self) -> bool:
        """A token whose only Gmail read scope is ``gmail.metadata`` (no bodies, no ``q``)."""
        return METADATA_ONLY in self.token.scopes and not any(s in self.token.scopes for s in READ[:3])

    def param(self, name: str, default: str | None = None) -> str | None:
        return self.request.query_params.get(name, default)

    def params(self, name: str) -> list[str]:
        return self.request.query_params.getlist(name)

    def flag(self, name: str, default: bool = False) -> bool:
        raw = self.param(name)
        if raw is None:
            return default
        if raw.lower() not in ("true", "false"):
            raise invalid_value(name, f"Invalid value '{raw}'. Values must match '(?i)(true|false)'")
        return raw.lower() == "true"

    def integer(self, name: str, default: int, low: int, high: int) -> int:
        """Gmail caps ``maxResults`` at its maximum instead of refusing a larger one."""
        raw = self.param(name)
        if raw is None:
            return default
        try:
            value = int(raw)
        except ValueError:
            raise invalid_value(name, f"Invalid value '{raw}'. Values must be integers.") from None
        if value < low:
            raise invalid_value(name, f"Invalid value '{value}'. Values must be at least {low}.")
        return min(value, high)

    async def json_body(self, schema: str) -> dict:
        raw = await self.request.body()
        if not raw.strip():
            return {}
        try:
            body = json.loads(raw)
        except ValueError:
            raise GoogleError(400, "Invalid JSON payload received.", "parseError") from None
        if not isinstance(body, dict):
            raise GoogleError(400, "Invalid JSON payload received. Expected an object.", "parseError")
        discovery.check(body, schema, schema[0].lower() + schema[1:])
        return body

    def not_found(self) -> GoogleError:
        return GoogleError(404, "Requested entity was not found.", "notFound")


def json_response(value: dict | None, status: int = 200) -> Response:
    if value is None:
        return Response(status_code=204)
    return JSONResponse(value, status_code=status)


Handler = Callable[[GmailCtx], Awaitable[Response]]


def gmail_endpoint(
    store: GmailStore, tokens: TokenStore, budget: UnitBudget, limits_on: Callable[[], bool]
) -> Callable[[tuple[str, ...], int, str | None], Callable[[Handler], Callable[[Request], Awaitable[Response]]]]:
    """``endpoint(scopes, units, schema)(handler)``: authenticate, check ``userId`` and scopes, spend quota units;
    answers cut to the ``fields`` partial-response selection (checked against the response ``schema``)."""

    def endpoint(
        scopes: tuple[str, ...], units: int, schema: str | None = None
    ) -> Callable[[Handler], Callable[[Request], Awaitable[Response]]]:
        def wrap(handler: Handler) -> Callable[[Request], Awaitable[Response]]:
            @wraps(handler)
            async def run(request: Request) -> Response:
                try:
                    token = bearer(tokens, request.headers.get("authorization"))
                    request.scope.setdefault("state", {})["google_user"] = token.user.email
                    user_id = request.path_params.get("userId", "me")
                    if user_id != "me" and user_id.lower() != token.user.email:
                        raise GoogleError(403, f"Delegation denied for {token.user.email}", "forbidden")
                    require_scope(token, scopes)
                    resumed = "upload_id" in request.query_params  # paid for when the session was opened
                    if limits_on() and not resumed and not budget.spend(token.user.email, units):
                        raise rate_limited()
                    box = store.mailbox(token.user.email)
                    response = await handler(GmailCtx(request, store, token, box, str(request.base_url).rstrip("/")))
                    spec = request.query_params.get("fields")
                    if spec and schema and isinstance(response, JSONResponse) and response.status_code == 200:
                        return JSONResponse(discovery.select(json.loads(bytes(response.body)), spec, schema))
                    return response
                except GoogleError as exc:
                    return error_response(exc)
                except EarlyAnswer as answer:
                    return answer.response

            return run

        return wrap

    return endpoint
