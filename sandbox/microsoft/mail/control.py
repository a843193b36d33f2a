"""Mail's control calls under ``/__sandbox/mail/...`` (the common middleware's ``extra_control`` hook).

* ``GET /__sandbox/mail/outbox``: every send to an address outside the sandbox, once, in order
  (``{"messages": [...]}``: sender, recipients, to/cc/bcc, subject, html, text, internetMessageId, inReplyTo,
  references, attachments). ``DELETE`` forgets them.
* ``POST /__sandbox/mail/deliver`` ``{"to": "alice@contoso.example", "from": "x@y.example", "subject", "text" |
  "html", "importance"?}``: a new message in that mailbox's Inbox, as if it arrived from outside.
* ``POST /__sandbox/mail/expire-delta-tokens``: every delta token handed out so far answers 410.
* ``GET/POST /__sandbox/mail/config`` ``{"handling_ms": n, "concurrency": n, "requests_per_10_minutes": n}``: how
  long each mail request holds its mailbox slot, how many slots an application has per mailbox (4), and its
  10-minute request budget per mailbox (10,000).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from .model import MailStore, Message, OutboxEntry, conversation_id, new_id
from .render import html_to_text, stamp

SETTINGS = {"handling_ms": 0, "concurrency": 1, "requests_per_10_minutes": 1}  # name -> lowest value
Control = Callable[[str, str, dict[str, Any]], "tuple[int, Any] | None"]


def _outbox_json(entry: OutboxEntry) -> dict[str, Any]:
    out = asdict(entry)
    out["sent"] = stamp(entry.sent)
    out["internetMessageId"] = out.pop("internet_message_id")
    out["inReplyTo"] = out.pop("in_reply_to")
    out["attachments"] = [{"name": n, "contentType": t, "size": s} for n, t, s in entry.attachments]
    for key in ("to", "cc", "bcc"):
        out[key] = [{"name": n, "address": a} for n, a in getattr(entry, key)]
    out["sender"] = {"name": entry.sender[0], "address": entry.sender[1]}
    return out


def _deliver(store: MailStore, payload: dict[str, Any]) -> dict[str, Any]:
    box = store.lookup(str(payload.get("to", "")))
    if box is None:
        raise ValueError(f"no sandbox mailbox {payload.get('to')!r}; use one of {sorted(store.mailboxes)}")
    sender = str(payload.get("from") or "someone@external.example")
    html = payload.get("html")
    if html is not None and not isinstance(html, str):
        raise ValueError("html must be a string")
    now = datetime.now(UTC)
    internet_id = f"<{new_id('m')[:24]}@{sender.split('@')[-1]}>"
    message = box.add(
        Message(
            id=new_id("AAMkAGmsg"),
            folder_id=box.well_known("inbox").id,
            subject=str(payload.get("subject", "")),
            text=str(payload.get("text") or (html_to_text(html) if html else "")),
            html=html,
            sender=(sender.split("@")[0], sender),
            to=[box.me],
            received=now,
            sent=now,
            internet_message_id=internet_id,
            conversation_id=conversation_id(internet_id),
            is_read=False,
            importance=str(payload.get("importance", "normal")),
            created=now,
            modified=now,
        )
    )
    return {"id": message.id, "mailbox": box.address}


def mail_control(store_of: Callable[[], MailStore]) -> Control:
    def handle(method: str, sub: str, payload: dict[str, Any]) -> tuple[int, Any] | None:
        if not sub.startswith("mail/"):
            return None
        store, what = store_of(), sub[len("mail/") :]
        if what == "outbox" and method == "GET":
            return 200, {"messages": [_outbox_json(e) for e in store.outbox]}
        if what == "outbox" and method == "DELETE":
            store.outbox.clear()
            return 200, {"cleared": True}
        if what == "deliver" and method == "POST":
            return 201, _deliver(store, payload)
        if what == "expire-delta-tokens" and method == "POST":
            return 200, {"epoch": store.expire_delta_tokens()}
        if what == "config":
            if method == "POST":
                unknown = set(payload) - set(SETTINGS)
                if unknown:
                    raise ValueError(f"unknown mail settings {sorted(unknown)}; expected {', '.join(SETTINGS)}")
                for key, lowest in SETTINGS.items():
                    if key in payload:
                        value = payload[key]
                        if not isinstance(value, int) or isinstance(value, bool) or value < lowest:
                            raise ValueError(f"{key} must be a whole number >= {lowest}")
                        setattr(store.settings, key, value)
            return 200, asdict(store.settings)
        return None

    return handle
