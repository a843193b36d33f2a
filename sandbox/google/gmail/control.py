"""Gmail's control calls under ``/__sandbox/google/gmail/...``, added to the Google middleware.

* ``GET /__sandbox/google/gmail/outbox``: every send, once, in order (``{"messages": [...]}``): sender, To/Cc/Bcc,
  ``deliveredTo`` (sandbox mailboxes), ``external`` (everyone else), subject, text, html, attachments, raw.
* ``DELETE /__sandbox/google/gmail/outbox``: forget them.
* ``POST /__sandbox/google/gmail/deliver`` ``{"to": "alice@example.com", "raw": "<RFC 822 text>", "labels": [...]}``:
  mail arriving from outside (INBOX, UNREAD by default); answers ``{"id", "threadId", "historyId"}``.
* ``POST /__sandbox/google/gmail/history/expire`` ``{"user"?: email}``: every history id handed out so far answers
  404 (the current ``historyId`` from getProfile stays valid).
* ``POST /__sandbox/google/gmail/config`` ``{"history_retention_seconds": n, "units_per_second": n}``; ``GET`` reads.
"""

from __future__ import annotations

import json
from typing import Any

from ...common.middleware import _send_simple
from ..middleware import GoogleApp, GoogleMiddleware
from .context import rate_limited
from .mailbox import SYSTEM_LABELS
from .store import GmailStore


def gmail_control(store: GmailStore, method: str, sub: str, payload: dict) -> dict | None:
    if method == "GET" and sub == "outbox":
        return {"messages": list(store.outbox)}
    if method == "DELETE" and sub == "outbox":
        store.outbox.clear()
        return {"cleared": True}
    if method == "POST" and sub == "deliver":
        return _deliver(store, payload)
    if method == "POST" and sub == "history/expire":
        users = [payload["user"]] if payload.get("user") else list(store.mailboxes)
        for user in users:
            if user not in store.mailboxes:
                raise ValueError(f"no sandbox mailbox {user!r}; use one of {', '.join(store.mailboxes)}")
            store.mailboxes[user].expire_history()
        return {"historyId": {u: str(store.mailboxes[u].history_id) for u in users}}
    if method == "POST" and sub == "config":
        for key in ("history_retention_seconds", "units_per_second"):
            if key in payload:
                value = int(payload[key])
                if value < 1:
                    raise ValueError(f"{key} must be at least 1")
                setattr(store.settings, key, value)
        return store.settings.as_json()
    if method == "GET" and sub == "config":
        return store.settings.as_json()
    return None


def _deliver(store: GmailStore, payload: dict) -> dict:
    to, raw = payload.get("to"), payload.get("raw")
    if to not in store.mailboxes:
        raise ValueError(f"'to' must be a sandbox mailbox: one of {', '.join(store.mailboxes)}")
    if not isinstance(raw, str) or not raw.strip():
        raise ValueError("'raw' must be the RFC 822 message as text (headers, a blank line, the body)")
    labels = payload.get("labels") or ["INBOX", "UNREAD"]
    box = store.mailboxes[to]
    unknown = [label for label in labels if label not in SYSTEM_LABELS and label not in box.user_labels]
    if unknown:
        raise ValueError(f"unknown labels {unknown}; use system label ids or the mailbox's Label_n ids")
    with store.lock:
        message = store.file(to, raw.replace("\r\n", "\n").replace("\n", "\r\n").encode(), labels)
    return {"id": message.id, "threadId": message.thread_id, "historyId": str(message.history_id)}


GMAIL_PATHS = ("/gmail/", "/upload/gmail/")


class GmailAwareMiddleware(GoogleMiddleware):
    """The Google middleware, plus ``/__sandbox/google/gmail/...``, and Gmail's own 429 body for injected rate limits
    on Gmail paths (``rate_limit`` faults, and ``status`` 429 faults)."""

    gmail: GmailStore

    async def _apply_fault(self, fault: Any, scope: dict, receive: Any, raw_send: Any, send: Any, method: str) -> bool:
        throttled = fault.kind == "rate_limit" or (fault.kind == "status" and fault.status == 429)
        if scope["path"].startswith(GMAIL_PATHS) and throttled and not fault.after_write:
            headers = [("Retry-After", str(fault.retry_after))] if fault.retry_after is not None else []
            body = json.dumps(rate_limited().body()).encode()
            await _send_simple(send, 429, body, "application/json; charset=UTF-8", headers)
            return True
        return bool(await super()._apply_fault(fault, scope, receive, raw_send, send, method))

    def _google_control(self, method: str, sub: str, payload: dict) -> dict | None:
        if sub == "gmail" or sub.startswith("gmail/"):
            return gmail_control(self.gmail, method, sub[len("gmail/") :], payload)
        return super()._google_control(method, sub, payload)


class GoogleWithGmailApp(GoogleApp):
    """The Google app whose middleware also answers Gmail's control calls."""

    def __init__(self, *args: Any, gmail: GmailStore, **kw: Any) -> None:
        self.gmail = gmail
        super().__init__(*args, **kw)

    def build_middleware_stack(self) -> Any:
        middleware = GmailAwareMiddleware(
            super(GoogleApp, self).build_middleware_stack(),
            self.sandbox_state,
            self.sandbox_hooks,
            self.google_settings,
        )
        middleware.gmail = self.gmail
        return middleware
