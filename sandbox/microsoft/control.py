"""This sandbox's additions to the common control API, and Graph-shaped throttling answers.

``GET/POST /__sandbox/identity`` reads or sets ``access_token_lifetime_s`` and ``clock_offset_s`` (move the
sandbox clock forward to expire tokens without waiting), and ``{"expire_refresh_tokens": true}`` ages every
refresh token past its lifetime. ``POST /__sandbox/drive/expire-delta-tokens`` makes every delta token issued so
far answer 410 Gone (resyncRequired). ``GET/POST /__sandbox/graph/resource-units {"per_minute": n | null}`` sets
the per-application resource-unit budget (budget.py).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import Message, Receive, Scope, Send

from .budget import ResourceUnits, Verdict, cost
from .graph import app_key_from_header, error_body

PREFIX = "/__sandbox/"
OWN_CONTROLS = (PREFIX + "identity", PREFIX + "drive/expire-delta-tokens", PREFIX + "graph/resource-units")


class MicrosoftControl:
    """ASGI layer outside the common sandbox middleware."""

    def __init__(self, inner: Any, app: Any) -> None:
        self.inner, self.app = inner, app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not (path in OWN_CONTROLS or path.startswith("/v1.0/")):
            await self.inner(scope, receive, send)
            return
        if path in OWN_CONTROLS:
            await self._control(scope, receive, send)
            return
        budget: ResourceUnits = self.app.state.resource_units
        header = dict(scope.get("headers", [])).get(b"authorization", b"").decode("latin-1")
        units = cost(scope["method"], path, scope.get("query_string", b"").decode("latin-1"))
        verdict = budget.spend(app_key_from_header(header), units)
        if verdict is not None and not verdict.allowed:
            await _over_budget(send, verdict)
            return
        await self.inner(scope, receive, _graph_throttle_body(_budget_headers(send, verdict)))

    async def _control(self, scope: Scope, receive: Receive, send: Send) -> None:
        body = b""
        while True:
            message = await receive()
            body += message.get("body", b"")
            if not message.get("more_body"):
                break
        status, answer = 200, {}
        try:
            payload = json.loads(body or b"{}")
            if scope["path"].endswith("resource-units"):
                answer = self._resource_units(scope["method"], payload)
            elif scope["path"].endswith("expire-delta-tokens"):
                if scope["method"] != "POST":
                    raise ValueError("POST to expire delta tokens")
                answer = {"generation": self.app.state.drives.expire_delta_tokens()}
            else:
                answer = self._identity(scope["method"], payload)
        except (ValueError, TypeError) as exc:
            status, answer = 400, {"error": str(exc)}
        raw = json.dumps(answer).encode()
        await send(
            {
                "type": "http.response.start",
                "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(raw)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": raw})

    def _resource_units(self, method: str, payload: dict[str, Any]) -> dict[str, Any]:
        budget: ResourceUnits = self.app.state.resource_units
        if method == "POST":
            if not isinstance(payload, dict) or set(payload) != {"per_minute"}:
                raise ValueError('send {"per_minute": <resource units per minute per app>} or {"per_minute": null}')
            value = payload["per_minute"]
            if value is not None and (not isinstance(value, int) or value < 1):
                raise ValueError("per_minute must be a positive whole number or null (not enforced)")
            budget.reset(value)
        return {"per_minute": budget.per_minute}

    def _identity(self, method: str, payload: dict[str, Any]) -> dict[str, Any]:
        tokens = self.app.state.tokens
        if method == "POST":
            if not isinstance(payload, dict):
                raise ValueError("send a JSON object")
            unknown = set(payload) - {"access_token_lifetime_s", "clock_offset_s", "expire_refresh_tokens"}
            if unknown:
                raise ValueError(
                    f"unknown settings {sorted(unknown)}; expected access_token_lifetime_s, "
                    "clock_offset_s, expire_refresh_tokens"
                )
            if "access_token_lifetime_s" in payload:
                tokens.access_lifetime_s = int(payload["access_token_lifetime_s"])
            if "clock_offset_s" in payload:
                tokens.clock_offset_s = float(payload["clock_offset_s"])
            if payload.get("expire_refresh_tokens"):
                tokens.expire_refresh_tokens()
        return {"access_token_lifetime_s": tokens.access_lifetime_s, "clock_offset_s": tokens.clock_offset_s}


def _graph_throttle_body(send: Send) -> Send:
    """Give the common middleware's 429 answers Graph's error body (its own body is Jira's)."""
    state: dict[str, Any] = {"throttled": False}

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start" and message["status"] == 429:
            state["throttled"] = True
            body = json.dumps(
                error_body(
                    "TooManyRequests", "Too many requests. Retry after the number of seconds in the Retry-After header."
                )
            ).encode()
            state["body"] = body
            headers = [(k, v) for k, v in message.get("headers", []) if k.lower() != b"content-length"]
            headers.append((b"content-length", str(len(body)).encode()))
            message = {**message, "headers": headers}
        elif message["type"] == "http.response.body" and state["throttled"]:
            if message.get("more_body"):
                return
            message = {**message, "body": state["body"]}
        await send(message)

    return wrapped


def _rate_headers(verdict: Verdict) -> list[tuple[bytes, bytes]]:
    return [
        (b"ratelimit-limit", str(verdict.limit).encode()),
        (b"ratelimit-remaining", str(verdict.remaining).encode()),
        (b"ratelimit-reset", str(verdict.reset_s).encode()),
    ]


async def _over_budget(send: Send, verdict: Verdict) -> None:
    body = json.dumps(
        error_body(
            "TooManyRequests",
            "The request has been throttled: the application used its resource units for this minute.",
        )
    ).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"retry-after", str(verdict.reset_s).encode()),
        *_rate_headers(verdict),
    ]
    await send({"type": "http.response.start", "status": 429, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _budget_headers(send: Send, verdict: Verdict | None) -> Send:
    """From 80% of the minute's budget on, Graph tells the client how much is left."""
    if verdict is None or not verdict.near_limit:
        return send

    async def wrapped(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *_rate_headers(verdict)]}
        await send(message)

    return wrapped
