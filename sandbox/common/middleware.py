"""Outermost ASGI layer of an emulator: control API, latency, faults, rate limits and the request log.

It sits outside Starlette's own error middleware so that a ``reset`` fault can abort the raw
connection.  App-specific behaviour (error bodies, tenant and endpoint-template extraction, re-seed)
comes in through :class:`Hooks`.
"""

from __future__ import annotations

import asyncio
import json
import re
import socket
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl

from .faults import FaultError, FaultInjector
from .ratelimit import RateLimiter
from .requestlog import RequestLog

CONTROL_PREFIX = "/__sandbox"
WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
_ID_SEGMENT = re.compile(r"^(\d+|[A-Za-z][A-Za-z0-9_]*-\d+|[0-9a-f]{24}|\d+:[0-9a-f-]{36}|[0-9a-f-]{36})$")


def default_template(scope) -> str:
    parts = scope["path"].split("/")
    return "/".join("{id}" if _ID_SEGMENT.match(p) else p for p in parts)


def default_tenant(scope) -> str:
    for k, v in scope.get("headers", []):
        if k == b"host":
            return v.decode("latin-1")
    return "default"


def _json_body(status: int, messages: list[str]) -> bytes:
    return json.dumps({"errorMessages": messages, "errors": {}}).encode()


@dataclass
class Hooks:
    tenant_for: Callable[[dict], str] = default_tenant
    template_for: Callable[[dict], str] = default_template
    # (status) -> (body bytes, content type)
    error_body: Callable[[int], tuple[bytes, str]] = lambda s: (
        _json_body(s, [f"Injected failure ({s})."]),
        "application/json",
    )
    # () -> (status, extra headers, body bytes)
    expired_credentials: Callable[[], tuple[int, list[tuple[str, str]], bytes]] = lambda: (
        401,
        [],
        _json_body(401, ["Your credentials have expired."]),
    )
    rate_limit_reason: str = "burst-based"
    on_reset: Callable[[], None] = lambda: None
    account_key: str = "sandbox_account"
    # (method, sub-path after /__sandbox/, JSON payload) -> (status, JSON answer), or None when not handled:
    # emulator-specific control calls (e.g. an identity provider's token lifetimes). ValueError → 400.
    extra_control: Callable[[str, str, dict], tuple[int, Any] | None] | None = None


@dataclass
class SandboxState:
    latency_ms: int = 0
    rate_limits: dict[str, int] | bool = True
    faults: FaultInjector = field(default_factory=FaultInjector)
    limiter: RateLimiter = field(default_factory=RateLimiter)
    log: RequestLog = field(default_factory=RequestLog)

    def __post_init__(self):
        self._defaults = (self.latency_ms, self.rate_limits)
        self.apply_rate_limits(self.rate_limits)

    def apply_rate_limits(self, value: Any) -> None:
        if value is False or value is None:
            self.limiter.configure(None, enabled=False)
        elif value is True:
            self.limiter.configure(None, enabled=True)
        elif isinstance(value, dict):
            self.limiter.configure(value, enabled=True)
        else:
            raise ValueError("rate_limits must be true, false or {METHOD: n}")
        self.rate_limits = value

    def reset(self) -> None:
        self.faults.clear()
        self.log.clear()
        self.latency_ms, rl = self._defaults
        self.apply_rate_limits(rl)


async def _send_simple(
    send, status: int, body: bytes, content_type: str = "application/json", headers: list[tuple[str, str]] | None = None
) -> None:
    hdrs = [(b"content-type", content_type.encode()), (b"content-length", str(len(body)).encode())]
    hdrs += [(k.lower().encode(), str(v).encode()) for k, v in (headers or [])]
    await send({"type": "http.response.start", "status": status, "headers": hdrs})
    await send({"type": "http.response.body", "body": body})


async def _read_body(receive) -> bytes:
    chunks = []
    while True:
        msg = await receive()
        if msg["type"] == "http.disconnect":
            break
        chunks.append(msg.get("body", b""))
        if not msg.get("more_body"):
            break
    return b"".join(chunks)


def _replay(body: bytes, receive):
    sent = False

    async def _receive():
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return _receive


async def _abort_connection(send) -> None:
    """Close the TCP connection with RST and no response (uvicorn's protocol objects expose the transport)."""
    cycle: Any = getattr(send, "__self__", None)  # uvicorn's protocol object, untyped
    transport = getattr(cycle, "transport", None)
    if transport is None:
        raise ConnectionAbortedError("sandbox reset fault")
    sock = transport.get_extra_info("socket")
    if sock is not None:
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        except OSError:
            pass
    try:
        cycle.disconnected = True  # keep uvicorn from writing a 500 on the dead transport
    except AttributeError:
        pass
    transport.abort()


async def _hold(receive, delay_s: float) -> bool:
    """Wait up to ``delay_s`` or until the client disconnects. Returns True if the client went away."""

    async def _wait_disconnect():
        while True:
            msg = await receive()
            if msg["type"] == "http.disconnect":
                return

    task = asyncio.ensure_future(_wait_disconnect())
    try:
        await asyncio.wait_for(asyncio.shield(task), timeout=delay_s)
        return True
    except TimeoutError:
        return False
    finally:
        task.cancel()


class SandboxMiddleware:
    def __init__(self, app, state: SandboxState, hooks: Hooks):
        self.app = app
        self.state = state
        self.hooks = hooks

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        path = scope["path"]
        if path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/"):
            return await self._control(scope, receive, send)

        method = scope["method"].upper()
        st = self.state
        if st.latency_ms:
            await asyncio.sleep(st.latency_ms / 1000)
        status_box = {"status": None}
        fault_id = None

        async def logging_send(msg):
            if msg["type"] == "http.response.start":
                status_box["status"] = msg["status"]
            await send(msg)

        try:
            fault = st.faults.take(method, path)
            if fault is not None:
                fault_id = fault.id
                handled = await self._apply_fault(fault, scope, receive, send, logging_send, method)
                if handled:
                    return
            decision = st.limiter.check(self.hooks.tenant_for(scope), self.hooks.template_for(scope), method)
            if not decision.allowed:
                await self._send_429(logging_send, decision.limit, decision.retry_after, decision.reset_epoch)
                return
            extra = (
                [
                    (b"x-ratelimit-limit", str(decision.limit).encode()),
                    (b"x-ratelimit-remaining", str(decision.remaining).encode()),
                ]
                if st.limiter.enabled
                else []
            )
            if st.limiter.enabled and decision.remaining < 0.2 * decision.limit:
                extra.append((b"x-ratelimit-nearlimit", b"true"))

            async def header_send(msg):
                if msg["type"] == "http.response.start" and extra:
                    msg = {**msg, "headers": list(msg.get("headers", [])) + extra}
                await logging_send(msg)

            await self.app(scope, receive, header_send)
        finally:
            state = scope.get("state") or {}
            st.log.add(
                method=method,
                path=path,
                query=scope.get("query_string", b"").decode("latin-1"),
                status=status_box["status"],
                account=state.get(self.hooks.account_key),
                fault=fault_id,
            )

    # ------------------------------------------------------------------ faults
    async def _send_429(self, send, limit: int, retry_after: int, reset_epoch: float) -> None:
        reset = datetime.fromtimestamp(reset_epoch, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        body = json.dumps({"errorMessages": ["Rate limit exceeded."], "errors": {}}).encode()
        await _send_simple(
            send,
            429,
            body,
            headers=[
                ("Retry-After", str(retry_after)),
                ("X-RateLimit-Limit", str(limit)),
                ("X-RateLimit-Remaining", "0"),
                ("X-RateLimit-Reset", reset),
                ("RateLimit-Reason", self.hooks.rate_limit_reason),
                ("X-RateLimit-NearLimit", "true"),
            ],
        )

    async def _run_captured(self, scope, receive) -> tuple[int, list, bytes]:
        start: dict = {}
        chunks: list[bytes] = []

        async def capture(msg):
            if msg["type"] == "http.response.start":
                start.update(msg)
            elif msg["type"] == "http.response.body":
                chunks.append(msg.get("body", b""))

        await self.app(scope, receive, capture)
        return start.get("status", 500), list(start.get("headers", [])), b"".join(chunks)

    async def _status_response(self, send, fault) -> None:
        body, ctype = self.hooks.error_body(fault.status)
        headers = []
        if fault.retry_after is not None:
            headers.append(("Retry-After", str(fault.retry_after)))
        if fault.status == 429:
            await self._send_429(
                send,
                self.state.limiter.limits.get("GET", 100),
                int(fault.retry_after if fault.retry_after is not None else 1),
                time.time() + float(fault.retry_after or 1),
            )
            return
        await _send_simple(send, fault.status, body, ctype, headers)

    async def _apply_fault(self, fault, scope, receive, raw_send, send, method) -> bool:
        """Return True when the fault fully handled the request."""
        kind = fault.kind
        if kind == "latency":
            await asyncio.sleep((fault.delay_ms or 1000) / 1000)
            return False
        if kind == "rate_limit":
            ra = int(fault.retry_after if fault.retry_after is not None else 1)
            await self._send_429(send, self.state.limiter.limits.get(method, 100), ra, time.time() + ra)
            return True
        if kind == "expired_credentials":
            status, headers, body = self.hooks.expired_credentials()
            await _send_simple(send, status, body, headers=headers)
            return True
        if kind == "malformed":
            if method in WRITE_METHODS:
                body = b'{"id":"1'
            else:
                _, _, full = await self._run_captured(scope, receive)
                body = full[: max(1, len(full) // 2)]
                if body == full:
                    body = full[:-1] or b"{"
            await _send_simple(send, 200, body)
            return True
        if fault.after_write:
            body_bytes = await _read_body(receive)
            status, raw_headers, body = await self._run_captured(scope, _replay(body_bytes, receive))
            receive = _replay(b"", receive)  # further receives: only disconnect
        if kind == "status":
            await self._status_response(send, fault)
            return True
        if kind == "reset":
            await _abort_connection(raw_send)
            return True
        if kind == "timeout":
            gone = await _hold(receive, (fault.delay_ms or 30_000) / 1000)
            if not gone:
                if fault.after_write:
                    await _send_simple(
                        send,
                        status,
                        body,
                        dict((k.decode(), v.decode()) for k, v in raw_headers).get("content-type", "application/json"),
                    )
                else:
                    body_, ctype = self.hooks.error_body(504)
                    await _send_simple(send, 504, body_, ctype)
            return True
        return False

    # ------------------------------------------------------------------ control API
    async def _control(self, scope, receive, send):
        method = scope["method"].upper()
        sub = scope["path"][len(CONTROL_PREFIX) :].strip("/")
        raw = await _read_body(receive)
        try:
            payload = json.loads(raw) if raw.strip() else {}
        except ValueError:
            return await _send_simple(send, 400, json.dumps({"error": "invalid JSON"}).encode())
        st = self.state

        def ok(obj, status=200):
            return _send_simple(send, status, json.dumps(obj).encode())

        try:
            if sub == "faults" and method == "POST":
                f = st.faults.add(payload)
                return await ok({"id": f.id, **f.to_json()}, 201)
            if sub == "faults" and method == "GET":
                return await ok({"faults": st.faults.list()})
            if sub == "faults" and method == "DELETE":
                st.faults.clear()
                return await ok({"cleared": True})
            if sub == "requests" and method == "GET":
                dict(parse_qsl(scope.get("query_string", b"").decode()))
                entries = st.log.entries()
                return await ok({"requests": entries})
            if sub == "requests" and method == "DELETE":
                st.log.clear()
                return await ok({"cleared": True})
            if sub == "config" and method == "POST":
                if "latency_ms" in payload:
                    st.latency_ms = int(payload["latency_ms"] or 0)
                if "rate_limits" in payload:
                    st.apply_rate_limits(payload["rate_limits"])
                return await ok({"latency_ms": st.latency_ms, "rate_limits": st.rate_limits})
            if sub == "config" and method == "GET":
                return await ok({"latency_ms": st.latency_ms, "rate_limits": st.rate_limits})
            if sub == "reset" and method == "POST":
                st.reset()
                self.hooks.on_reset()
                return await ok({"reset": True})
            if self.hooks.extra_control is not None:
                answer = self.hooks.extra_control(method, sub, payload)
                if answer is not None:
                    return await ok(answer[1], answer[0])
        except (FaultError, ValueError, TypeError, KeyError) as exc:
            return await _send_simple(send, 400, json.dumps({"error": str(exc)}).encode())
        return await _send_simple(send, 404, json.dumps({"error": f"no control endpoint {method} /{sub}"}).encode())
