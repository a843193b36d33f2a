"""Gmail's resources and search syntax, as plain functions: a Message resource -> the connector's Message, a
query -> Gmail's `q`, a MessagePart tree -> text, HTML and attachments, a label name -> its id."""

from __future__ import annotations

import base64
import html as html_lib
import json
from email.utils import getaddresses
from typing import Any

from googleapiclient.discovery_cache import get_static_doc

from shared.dates import parse_timestamp
from shared.errors import InvalidInput

from .base import AttachmentRef, Folder, Message, Query

HEADERS = ["From", "To", "Cc", "Bcc", "Subject", "Date", "Message-ID", "References", "In-Reply-To", "Reply-To"]
SYSTEM = {
    "INBOX": "Inbox",
    "SENT": "Sent",
    "DRAFT": "Drafts",
    "SPAM": "Spam",
    "TRASH": "Trash",
    "STARRED": "Starred",
    "IMPORTANT": "Important",
    "UNREAD": "Unread",
}
HIDDEN = {"CHAT", "CATEGORY_PERSONAL", "CATEGORY_SOCIAL", "CATEGORY_PROMOTIONS", "CATEGORY_UPDATES", "CATEGORY_FORUMS"}


def quoted(value: str) -> str:
    """A Gmail search operand: one quoted phrase; quotes cannot be escaped in Gmail's syntax, so they go."""
    return '"' + " ".join(value.replace('"', " ").split()) + '"'


def operand(value: str) -> str:
    """What follows `from:`, `to:` or `subject:`: one word or address quoted, several words grouped (each must be
    in the field, in any order: "Acme legal" finds acme-legal.example.com), with Gmail's syntax characters gone."""
    words = "".join(" " if c in '"(){}' else c for c in value).split()
    return quoted(words[0]) if len(words) == 1 else "(" + " ".join(quoted(w) for w in words) + ")"


def gmail_document(root_url: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads(get_static_doc("gmail", "v1") or "{}")
    doc["rootUrl"] = doc["mtlsRootUrl"] = root_url.rstrip("/") + "/"
    return doc


def decode(data: str) -> bytes:
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


def people(value: str) -> list[str]:
    return [f"{n} <{a}>" if n else a for n, a in getaddresses([value]) if a]


def thread_url(thread: str) -> str:
    return f"https://mail.google.com/mail/u/0/#all/{thread}"


def message_of(m: dict[str, Any], names: dict[str, str]) -> Message:
    """A Gmail Message resource (format full or metadata) as the connector's Message."""
    payload = m.get("payload") or {}
    headers = {h["name"].lower(): h.get("value", "") for h in payload.get("headers", [])}
    labels = m.get("labelIds") or []
    text, html, attachments = walk(payload)
    return Message(
        id=f"gmail:{m['id']}",
        thread=m.get("threadId", m["id"]),
        subject=headers.get("subject", ""),
        sender=(people(headers.get("from", "")) or [headers.get("from", "")])[0],
        to=people(headers.get("to", "")),
        cc=people(headers.get("cc", "")),
        bcc=people(headers.get("bcc", "")),
        date=iso(m.get("internalDate")),
        snippet=html_lib.unescape(m.get("snippet", "")),
        unread="UNREAD" in labels,
        importance="high" if "IMPORTANT" in labels else "normal",
        labels=[names.get(x, x) for x in labels if x not in HIDDEN and x not in ("UNREAD", "IMPORTANT")],
        url=thread_url(m.get("threadId", m["id"])),
        html=html,
        text=text,
        attachments=attachments,
        has_attachments=bool(attachments),
        message_id=headers.get("message-id", ""),
        references=headers.get("references", "").split(),
        reply_to=people(headers.get("reply-to", "")),
        draft="DRAFT" in labels,
    )


def search_query(query: Query) -> str:
    """Gmail's `q` for a query; every value a person gave is a quoted phrase."""
    terms = [quoted(w) for w in query.words]
    if query.loose and len(terms) > 1:
        terms = ["{" + " ".join(terms) + "}"]
    for operator, value in (("from", query.sender), ("to", query.to), ("subject", query.subject)):
        if value.strip():
            terms.append(f"{operator}:{operand(value)}")
    if query.since:
        terms.append(f"after:{int(query.since.timestamp())}")
    if query.until:
        terms.append(f"before:{int(query.until.timestamp())}")
    if query.has_attachment:
        terms.append("has:attachment")
    if query.unread is not None:
        terms.append("is:unread" if query.unread else "is:read")
    if query.importance == "high":
        terms.append("is:important")
    elif query.importance in ("normal", "low"):
        terms.append("-is:important")
    return " ".join(terms)


def walk(part: dict[str, Any]) -> tuple[str, str | None, list[AttachmentRef]]:
    """(text, html, attachments) of a MessagePart tree: the first text/plain and text/html bodies, and the files."""
    text, html, files = "", None, []
    stack = [part]
    while stack:
        node = stack.pop(0)
        mime, body = node.get("mimeType", ""), node.get("body") or {}
        if node.get("filename") and body.get("attachmentId"):
            files.append(AttachmentRef(body["attachmentId"], node["filename"], mime, body.get("size")))
        elif mime == "text/plain" and body.get("data") and not text:
            text = decode(body["data"]).decode("utf-8", "replace")
        elif mime == "text/html" and body.get("data") and html is None:
            html = decode(body["data"]).decode("utf-8", "replace")
        stack += node.get("parts") or []
    return text, html, files


def iso(internal_ms: object) -> str:
    try:
        moment = parse_timestamp(int(str(internal_ms)))
    except ValueError:
        return ""
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""


def label_id(folders: list[Folder], said: str) -> str:
    """The label id of a folder or label name a person says (Inbox, Sent, "Clients/Acme")."""
    wanted = said.strip().lower().strip("/")
    aliases = {
        "sent items": "sent",
        "envoyés": "sent",
        "corbeille": "trash",
        "brouillons": "drafts",
        "boîte de réception": "inbox",
        "deleted items": "trash",
        "junk": "spam",
        "courrier indésirable": "spam",
    }
    wanted = aliases.get(wanted, wanted)
    for f in folders:
        if f.name.lower() == wanted or f.id.lower() == wanted:
            return f.id
    raise InvalidInput(f'No Gmail label or folder named "{said[:60]}".', candidates=[f.name for f in folders][:10])
