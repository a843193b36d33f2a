"""This sandbox's additions to the common control API, and Graph-shaped throttling answers.

``GET/POST /__sandbox/identity`` reads or sets ``access_token_lifetime_s`` and ``clock_offset_s`` (move the
sandbox clock forward to expire tokens without waiting), and ``{"expire_refresh_tokens": true}`` ages every
refresh token past its lifetime. ``POST /__sandbox/drive/expire-delta-tokens`` makes every delta token issued so
far answer 410 Gone (resyncRequired).
"""

from __future__ import annotations

import json
from typing import Any

from starlette.types import Message, Receive, Scope, Send

from .graph import error_body

PREFIX = "/__sandbox/"


class MicrosoftControl:
    """ASGI layer outside the common sandbox middleware."""

    def __init__(self, inner: Any, app: Any) -> None:
        self.inner, self.app = inner, app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            return await self.inner(scope, receive, send)
        path = scope["path"]
        if path in (PREFIX + "identity", PREFIX + "drive/expire-delta-tokens"):
            return await self._control(scope, receive, send)
        if path.startswith("/v1.0/"):
            return await self.inner(scope, receive, _graph_throttle_body(send))
        return await self.inner(scope, receive, send)

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
            if scope["path"].endswith("expire-delta-tokens"):
                if scope["method"] != "POST":
                    raise ValueError("POST to expire delta tokens")
                with self.app.state.drives.lock:
                    self.app.state.drives.generation += 1
                answer = {"generation": self.app.state.drives.generation}
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

    def _identity(self, method: str, payload: dict) -> dict:
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
