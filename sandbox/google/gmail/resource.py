"""Gmail's JSON resources: Message (by ``format``), Thread, Label, Draft, and opaque page tokens."""

from __future__ import annotations

import base64

from ..errors import GoogleError, invalid_value
from . import mime
from .mailbox import HIDDEN_SYSTEM, Mailbox, StoredMessage, UserLabel

FORMATS = ("full", "metadata", "minimal", "raw")


def check_format(value: str | None, metadata_only: bool) -> str:
    fmt = (value or "full").lower()
    if fmt not in FORMATS:
        raise invalid_value("format", f"Invalid value '{value}'. Values must be one of: {', '.join(FORMATS)}")
    if metadata_only and fmt in ("full", "raw"):
        raise GoogleError(403, f"Metadata scope doesn't allow format {fmt.upper()}", "forbidden")
    return fmt


def message_json(m: StoredMessage, fmt: str = "full", metadata_headers: list[str] | None = None) -> dict:
    out: dict = {
        "id": m.id,
        "threadId": m.thread_id,
        "labelIds": list(m.labels),
        "snippet": m.parsed.snippet,
        "sizeEstimate": len(m.raw),
        "historyId": str(m.history_id),
        "internalDate": str(m.internal_date_ms),
    }
    if fmt == "full":
        out["payload"] = mime.payload(m.raw, m.id)
    elif fmt == "metadata":
        out["payload"] = mime.metadata_payload(m.raw, metadata_headers or [])
    elif fmt == "raw":
        out["raw"] = mime.b64url(m.raw)
    return out


def id_only(m: StoredMessage) -> dict:
    return {"id": m.id, "threadId": m.thread_id}


def thread_json(box: Mailbox, messages: list[StoredMessage], fmt: str, headers: list[str] | None) -> dict:
    return {
        "id": messages[0].thread_id,
        "historyId": str(max(m.history_id for m in messages)),
        "messages": [message_json(m, fmt, headers) for m in messages],
    }


def label_json(box: Mailbox, label_id: str, *, counts: bool) -> dict:
    user: UserLabel | None = box.user_labels.get(label_id)
    if user is not None:
        out: dict = {
            "id": user.id,
            "name": user.name,
            "messageListVisibility": user.message_list_visibility,
            "labelListVisibility": user.label_list_visibility,
            "type": "user",
        }
        if user.color:
            out["color"] = user.color
    else:
        out = {"id": label_id, "name": label_id, "type": "system"}
        if label_id not in HIDDEN_SYSTEM and not label_id.startswith("CATEGORY_"):
            out["messageListVisibility"], out["labelListVisibility"] = "hide", "labelShow"
    if counts:
        tagged = [m for m in box.messages.values() if label_id in m.labels]
        threads = {m.thread_id for m in tagged}
        unread = [m for m in tagged if "UNREAD" in m.labels]
        out.update(
            messagesTotal=len(tagged),
            messagesUnread=len(unread),
            threadsTotal=len(threads),
            threadsUnread=len({m.thread_id for m in unread}),
        )
    return out


def draft_json(draft_id: str, m: StoredMessage, fmt: str | None, headers: list[str] | None = None) -> dict:
    message = message_json(m, fmt, headers) if fmt else {**id_only(m), "labelIds": list(m.labels)}
    return {"id": draft_id, "message": message}


def page_token(offset: int, query_key: str) -> str:
    return base64.urlsafe_b64encode(f"{offset}|{query_key}".encode()).decode().rstrip("=")


def read_page_token(token: str | None, query_key: str) -> int:
    """The offset a token stands for; a forged one, or one from another query, is 400 on ``pageToken``."""
    if not token:
        return 0
    try:
        decoded = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        offset_text, _, key = decoded.partition("|")
        offset = int(offset_text)
    except (ValueError, UnicodeDecodeError):
        raise invalid_value("pageToken", "Invalid pageToken") from None
    if key != query_key or offset < 0:
        raise invalid_value("pageToken", "Invalid pageToken")
    return offset
