"""The common sandbox middleware with Google's answers: quota errors in Google's JSON, and ``/__sandbox/google``.

Google-specific control calls (JSON bodies; every other ``/__sandbox/...`` call is the common control API):

* ``POST /__sandbox/google/oauth`` ``{"access_token_lifetime": seconds}``: lifetime of tokens issued from now on.
* ``POST /__sandbox/google/oauth/expire``: every access token issued so far is expired now (refresh still works).
* ``POST /__sandbox/google/changes/expire``: every Drive change page token handed out so far stops working.
* ``POST /__sandbox/google/quota`` ``{"answer": 403 | 429, "reason": ...}``: how the per-user rate limiter (and
  ``rate_limit`` faults) answer: 403 ``userRateLimitExceeded`` (default), 403 ``rateLimitExceeded`` (``reason``),
  or 429 ``rateLimitExceeded``.
* ``POST /__sandbox/google/policy`` ``{"external_sharing": bool}``: may files be shared outside the domain.
* ``GET /__sandbox/google/config``: the current values.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

from starlette.applications import Starlette

from ..common.middleware import CONTROL_PREFIX, Hooks, SandboxMiddleware, SandboxState, _read_body, _send_simple
from ..common.requestlog import RequestLog
from .errors import project_rate_limit, quota_exhausted, user_rate_limit
from .tokens import TokenStore

GOOGLE_CONTROL = CONTROL_PREFIX + "/google"


@dataclass
class GoogleSettings:
    tokens: TokenStore
    policy: dict[str, bool]
    expire_change_tokens: Callable[[], str]  # -> the new start page token
    quota_answer: int = 403
    quota_reason: str = "userRateLimitExceeded"  # of a 403 answer: or rateLimitExceeded (the project's limit)


SECRET_PARAMS = {"token", "access_token", "refresh_token", "code", "client_secret", "code_verifier", "id_token"}


class RedactingLog(RequestLog):
    """The request log, without OAuth secrets sent in query strings (``/revoke?token=...``, tokeninfo)."""

    def add(self, **entry: Any) -> None:
        query = entry.get("query") or ""
        if query:
            pairs = parse_qsl(query, keep_blank_values=True)
            if any(k in SECRET_PARAMS for k, _ in pairs):
                entry["query"] = urlencode([(k, "REDACTED" if k in SECRET_PARAMS else v) for k, v in pairs])
        super().add(**entry)


class GoogleMiddleware(SandboxMiddleware):
    def __init__(self, app: Any, state: SandboxState, hooks: Hooks, settings: GoogleSettings) -> None:
        super().__init__(app, state, hooks)
        self.settings = settings

    async def _send_google(self, send: Any, status: int, retry_after: int | None) -> None:
        if status == 429:
            error = quota_exhausted()
        else:
            error = user_rate_limit() if self.settings.quota_reason == "userRateLimitExceeded" else project_rate_limit()
        headers = [("Retry-After", str(retry_after))] if retry_after is not None else []
        await _send_simple(
            send, error.code, json.dumps(error.body()).encode(), "application/json; charset=UTF-8", headers
        )

    async def _send_429(self, send: Any, limit: int, retry_after: int, reset_epoch: float) -> None:
        # Drive documents no Retry-After contract (upstreams.md §10): the throttled answer carries none.
        await self._send_google(send, self.settings.quota_answer, None)

    async def _status_response(self, send: Any, fault: Any) -> None:
        if fault.status == 429:
            await self._send_google(send, 429, fault.retry_after)
            return
        await super()._status_response(send, fault)

    async def _control(self, scope: dict, receive: Any, send: Any) -> None:
        path = scope["path"]
        if not (path == GOOGLE_CONTROL or path.startswith(GOOGLE_CONTROL + "/")):
            return await super()._control(scope, receive, send)
        sub, method = path[len(GOOGLE_CONTROL) :].strip("/"), scope["method"].upper()
        raw = await _read_body(receive)
        try:
            payload = json.loads(raw) if raw.strip() else {}
            if not isinstance(payload, dict):
                raise TypeError("the body must be a JSON object")
            answer = self._google_control(method, sub, payload)
        except (ValueError, TypeError) as exc:
            return await _send_simple(send, 400, json.dumps({"error": str(exc)}).encode())
        if answer is None:
            return await _send_simple(send, 404, json.dumps({"error": f"no control endpoint {method} {path}"}).encode())
        return await _send_simple(send, 200, json.dumps(answer).encode())

    def _google_control(self, method: str, sub: str, payload: dict) -> dict | None:
        s = self.settings
        if method == "POST" and sub == "oauth":
            lifetime = int(payload.get("access_token_lifetime", s.tokens.access_token_lifetime))
            if lifetime < 1:
                raise ValueError("access_token_lifetime must be at least 1 second")
            s.tokens.access_token_lifetime = lifetime
        elif method == "POST" and sub == "changes/expire":
            return {"startPageToken": s.expire_change_tokens()}
        elif method == "POST" and sub == "oauth/expire":
            return {"expired": s.tokens.expire_access_tokens()}
        elif method == "POST" and sub == "quota":
            answer = int(payload.get("answer", s.quota_answer))
            if answer not in (403, 429):
                raise ValueError("answer must be 403 (userRateLimitExceeded) or 429 (rateLimitExceeded)")
            reason = str(payload.get("reason", s.quota_reason))
            if reason not in ("userRateLimitExceeded", "rateLimitExceeded"):
                raise ValueError("reason must be userRateLimitExceeded or rateLimitExceeded")
            s.quota_answer, s.quota_reason = answer, reason
        elif method == "POST" and sub == "policy":
            if "external_sharing" in payload:
                s.policy["external_sharing"] = bool(payload["external_sharing"])
        elif not (method == "GET" and sub == "config"):
            return None
        return {
            "access_token_lifetime": s.tokens.access_token_lifetime,
            "quota_answer": s.quota_answer,
            "quota_reason": s.quota_reason,
            "external_sharing": s.policy["external_sharing"],
        }


class GoogleApp(Starlette):
    """A Starlette app whose outermost layer is :class:`GoogleMiddleware`."""

    def __init__(
        self, *args: Any, sandbox_state: SandboxState, sandbox_hooks: Hooks, settings: GoogleSettings, **kw: Any
    ) -> None:
        self.sandbox_state, self.sandbox_hooks, self.google_settings = sandbox_state, sandbox_hooks, settings
        super().__init__(*args, **kw)

    def build_middleware_stack(self) -> Any:
        return GoogleMiddleware(
            super().build_middleware_stack(), self.sandbox_state, self.sandbox_hooks, self.google_settings
        )
