"""Structured JSON logs with a request id on every line, and the audit line for writes.

The request id lives in a context variable. Over HTTP, `RequestIdMiddleware` sets it for the
whole request (taken from a well-formed inbound `X-Request-Id`, else new) and returns it as
`X-Request-Id`, so the SDK's own lines about the request carry it too; the tool boundary
(`shared.tools`) adopts that id, or makes one when there is no HTTP request (stdio, in memory).
Worker threads see it as well: `anyio.to_thread.run_sync` runs the function in a copy of the
caller's context, so lines logged by client libraries on those threads carry the same id.
"""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import uuid
from datetime import UTC, datetime

from starlette.types import ASGIApp, Message, Receive, Scope, Send

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
# The id of the HTTP request being served, if any: a tool call inside it adopts it.
inbound_request_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("inbound_request_id", default=None)
_WELL_FORMED_ID = re.compile(r"^[A-Za-z0-9._:-]{8,64}$")
audit_log = logging.getLogger("audit")

# Never let a credential reach a log line, whatever a library decided to print.
_SCHEME = re.compile(r"(?i)\b(basic|bearer)\s+[A-Za-z0-9._~+/=-]+")
_SECRET = re.compile(r"(?i)(authorization|api[_-]?token|password|secret|pat)(\W{1,3})([^\s,;\"']+)")


def redact(text: str) -> str:
    text = _SCHEME.sub(lambda m: f"{m.group(1)} [redacted]", text)
    return _SECRET.sub(
        lambda m: (
            m.group(0) if m.group(3) in ("Basic", "Bearer", "[redacted]") else f"{m.group(1)}{m.group(2)}[redacted]"
        ),
        text,
    )


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "request_id": request_id.get(),
            "msg": redact(record.getMessage()),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["error"] = redact(self.formatException(record.exc_info))
        return json.dumps(entry, default=str)


def configure_logging(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    for noisy in (
        "httpx",
        "httpcore",
        "urllib3",
        "uvicorn.access",
        "atlassian",
    ):  # atlassian logs auth headers at DEBUG
        logging.getLogger(noisy).setLevel(logging.WARNING)


def new_request_id() -> str:
    """The id of this tool call: the HTTP request's when there is one, else a new one."""
    rid = inbound_request_id.get() or uuid.uuid4().hex[:16]
    request_id.set(rid)
    return rid


class RequestIdMiddleware:
    """ASGI middleware: one request id per HTTP request, on every line logged while serving it."""

    def __init__(self, app: ASGIApp):
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        inbound = next((v.decode("latin-1") for k, v in scope.get("headers", []) if k == b"x-request-id"), "")
        rid = inbound if _WELL_FORMED_ID.match(inbound) else uuid.uuid4().hex[:16]
        tokens = (request_id.set(rid), inbound_request_id.set(rid))

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", []), (b"x-request-id", rid.encode())]}
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            inbound_request_id.reset(tokens[1])
            request_id.reset(tokens[0])


def audit(*, identity: str, tool: str, target: str, outcome: str) -> None:
    """One line per write tool call: who, which tool, which object, outcome. Never bodies."""
    audit_log.info(
        "audit",
        extra={"fields": {"audit": True, "identity": identity, "tool": tool, "target": target, "outcome": outcome}},
    )
