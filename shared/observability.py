"""Structured JSON logs with a request id on every line, and the audit line for writes."""

from __future__ import annotations

import contextvars
import json
import logging
import re
import sys
import uuid
from datetime import datetime, timezone

request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")
audit_log = logging.getLogger("audit")

# Never let a credential reach a log line, whatever a library decided to print.
_SCHEME = re.compile(r"(?i)\b(basic|bearer)\s+[A-Za-z0-9._~+/=-]+")
_SECRET = re.compile(r"(?i)(authorization|api[_-]?token|password|secret|pat)(\W{1,3})([^\s,;\"']+)")


def redact(text: str) -> str:
    text = _SCHEME.sub(lambda m: f"{m.group(1)} [redacted]", text)
    return _SECRET.sub(
        lambda m: m.group(0) if m.group(3) in ("Basic", "Bearer", "[redacted]") else f"{m.group(1)}{m.group(2)}[redacted]",
        text,
    )


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "ts": datetime.fromtimestamp(record.created, timezone.utc).isoformat(timespec="milliseconds"),
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
    for noisy in ("httpx", "httpcore", "urllib3", "uvicorn.access", "atlassian"):  # atlassian logs auth headers at DEBUG
        logging.getLogger(noisy).setLevel(logging.WARNING)


def new_request_id() -> str:
    rid = uuid.uuid4().hex[:16]
    request_id.set(rid)
    return rid


def audit(*, identity: str, tool: str, target: str, outcome: str) -> None:
    """One line per write tool call: who, which tool, which object, outcome. Never bodies."""
    audit_log.info(
        "audit", extra={"fields": {"audit": True, "identity": identity, "tool": tool, "target": target, "outcome": outcome}}
    )
