"""Writing mail: drafts from JSON, PATCH, attachments, replies and forwards, and delivery on send.

Delivery is once per send: a copy in the Inbox of each sandbox recipient (Bcc hidden), one outbox entry naming every
recipient outside the sandbox, and the sender's copy in Sent Items.
"""

from __future__ import annotations

import base64
import binascii
import html as html_lib
import json
import uuid
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request

from ..graph import GraphError, bad_request
from .model import Address, Attachment, Mailbox, MailStore, Message, OutboxEntry, conversation_id, new_id
from .render import html_to_text, stamp, text_of

MAX_ATTACHMENT = 3 * 1024 * 1024  # larger ones need an upload session (not emulated)
ALWAYS_EDITABLE = {"isRead", "categories", "flag", "importance", "inferenceClassification"}
DRAFT_EDITABLE = {"subject", "body", "toRecipients", "ccRecipients", "bccRecipients", "replyTo", "attachments"}


async def json_body(request: Request, required: bool = True) -> dict[str, Any]:
    raw = await request.body()
    if not raw.strip():
        if required:
            raise bad_request("The request needs a JSON body.")
        return {}
    try:
        body = json.loads(raw)
    except ValueError:
        raise bad_request("The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    return body


def addresses(value: object, field: str) -> list[Address]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise GraphError(400, "ErrorInvalidRecipients", f"'{field}' must be a list of {{'emailAddress': {{...}}}}.")
    out = []
    for entry in value:
        email = entry.get("emailAddress") if isinstance(entry, dict) else None
        address = email.get("address") if isinstance(email, dict) else None
        if not isinstance(address, str) or "@" not in address.strip("@"):
            raise GraphError(
                400,
                "ErrorInvalidRecipients",
                f"Each of '{field}' needs emailAddress.address, a valid e-mail address (got {entry!r:.80}).",
            )
        name = email.get("name") if isinstance(email.get("name"), str) else address  # type: ignore[union-attr]
        out.append((str(name), address.strip()))
    return out


def attachment_from_json(value: object, now: datetime) -> Attachment:
    if not isinstance(value, dict) or value.get("@odata.type", "").lower() != "#microsoft.graph.fileattachment":
        raise bad_request('Attachments must be {"@odata.type": "#microsoft.graph.fileAttachment", "name", ...}.')
    name, content = value.get("name"), value.get("contentBytes")
    if not isinstance(name, str) or not name or not isinstance(content, str):
        raise bad_request("A fileAttachment needs 'name' and 'contentBytes' (base64).")
    try:
        data = base64.b64decode(content, validate=True)
    except (binascii.Error, ValueError):
        raise bad_request(f"contentBytes of '{name}' is not valid base64.") from None
    if len(data) > MAX_ATTACHMENT:
        raise GraphError(
            413, "ErrorRequestEntityTooLarge", f"'{name}' is over 3 MB: use attachments/createUploadSession."
        )
    kind = value.get("contentType") if isinstance(value.get("contentType"), str) else "application/octet-stream"
    return Attachment(new_id("AAMkAGatt"), name, str(kind), data, now, bool(value.get("isInline", False)))


def apply_fields(message: Message, body: dict[str, Any], now: datetime) -> None:
    """Set the fields of a message from Graph JSON (drafts: all of them; others: ALWAYS_EDITABLE)."""
    allowed = ALWAYS_EDITABLE | (DRAFT_EDITABLE if message.is_draft else set())
    unknown = {k for k in body if not k.startswith("@")} - allowed
    if unknown:
        only = "" if message.is_draft else " Only drafts can change subject, body and recipients."
        raise bad_request(f"Cannot update {sorted(unknown)} here; editable: {sorted(allowed)}.{only}")
    if "subject" in body:
        message.subject = str(body["subject"] or "")
    if "body" in body:
        content = body["body"] if isinstance(body["body"], dict) else {}
        text = str(content.get("content") or "")
        if str(content.get("contentType", "text")).lower() == "html":
            message.html, message.text = text, html_to_text(text)
        else:
            message.html, message.text = None, text
    for key, attribute in (("toRecipients", "to"), ("ccRecipients", "cc"), ("bccRecipients", "bcc")):
        if key in body:
            setattr(message, attribute, addresses(body[key], key))
    if "replyTo" in body:
        message.reply_to = addresses(body["replyTo"], "replyTo")
    if "isRead" in body:
        if not isinstance(body["isRead"], bool):
            raise bad_request("isRead must be true or false.")
        message.is_read = body["isRead"]
    if "categories" in body:
        if not isinstance(body["categories"], list) or not all(isinstance(c, str) for c in body["categories"]):
            raise bad_request("categories must be a list of category names.")
        message.categories = list(body["categories"])
    if "flag" in body:
        flag = body["flag"] if isinstance(body["flag"], dict) else {}
        if flag.get("flagStatus") not in ("notFlagged", "flagged", "complete"):
            raise bad_request("flag.flagStatus must be notFlagged, flagged or complete.")
        message.flag = {k: v for k, v in flag.items() if k in ("flagStatus", "dueDateTime", "startDateTime")}
    if "importance" in body:
        if body["importance"] not in ("low", "normal", "high"):
            raise bad_request("importance must be low, normal or high.")
        message.importance = body["importance"]
    for value in body.get("attachments") or []:
        message.attachments.append(attachment_from_json(value, now))


def new_draft(box: Mailbox, folder_id: str, body: dict[str, Any], sender: Address | None = None) -> Message:
    now = datetime.now(UTC)
    domain = box.address.split("@")[-1]
    internet_id = f"<{uuid.uuid4().hex.upper()}@{domain}>"
    message = Message(
        id=new_id("AAMkAGmsg"),
        folder_id=folder_id,
        subject="",
        text="",
        html=None,
        sender=sender or box.me,
        to=[],
        received=now,
        internet_message_id=internet_id,
        conversation_id=conversation_id(internet_id),
        is_draft=True,
        created=now,
        modified=now,
    )
    apply_fields(message, body, now)
    return box.add(message)


def _quote(original: Message) -> tuple[str, str]:
    """Outlook's quoted header and body of ``original`` (html, text)."""
    sent = stamp(original.sent or original.received)
    to = "; ".join(a[0] for a in original.to)
    head = f"From: {original.sender[0]} <{original.sender[1]}>\nSent: {sent}\nTo: {to}\nSubject: {original.subject}"
    quoted_html = original.html or f"<div>{html_lib.escape(original.text).replace(chr(10), '<br>')}</div>"
    html = (
        '<hr style="display:inline-block;width:98%"><div id="divRplyFwdMsg">'
        + html_lib.escape(head).replace("\n", "<br>")
        + "</div>"
        + quoted_html
    )
    return html, f"\n\n________________________________\n{head}\n\n{text_of(original)}"


def response_draft(box: Mailbox, original: Message, kind: str, body: dict[str, Any]) -> Message:
    """createReply / createReplyAll / createForward: a draft in Drafts in the original's conversation."""
    prefix = "FW: " if kind == "forward" else "RE: "
    subject = original.subject if original.subject.upper().startswith(prefix.strip()) else prefix + original.subject
    draft = new_draft(box, box.well_known("drafts").id, {})
    draft.subject = subject
    draft.conversation_id = original.conversation_id
    draft.in_reply_to = original.internet_message_id
    draft.references = [*original.references, original.internet_message_id]
    if kind == "reply":
        draft.to = list(original.reply_to or [original.sender])
    elif kind == "replyAll":
        mine = box.address.lower()
        everyone = [*(original.reply_to or [original.sender]), *original.to]
        draft.to = list({a[1].lower(): a for a in everyone if a[1].lower() != mine}.values())
        draft.cc = [a for a in original.cc if a[1].lower() != mine]
    else:
        draft.attachments = [
            Attachment(new_id("AAMkAGatt"), a.name, a.content_type, a.data, a.modified, a.is_inline)
            for a in original.attachments
        ]
    quoted_html, quoted_text = _quote(original)
    comment = str(body.get("comment") or "")
    draft.html = f"<html><body><div>{html_lib.escape(comment)}</div>{quoted_html}</body></html>"
    draft.text = comment + quoted_text
    if "toRecipients" in body:
        draft.to = addresses(body["toRecipients"], "toRecipients")
    extra = body.get("message")
    if isinstance(extra, dict):
        apply_fields(draft, extra, draft.received)
    box.touch(draft)
    return draft


def send(store: MailStore, box: Mailbox, message: Message, save_copy: bool = True) -> None:
    """Send a draft: deliver it once, then keep the sender's copy in Sent Items (or drop it)."""
    if not message.is_draft:
        raise GraphError(400, "ErrorInvalidOperation", "The message has already been sent; only drafts can be sent.")
    if not (message.to or message.cc or message.bcc):
        raise GraphError(400, "ErrorInvalidRecipients", "At least one recipient is required (toRecipients).")
    now = datetime.now(UTC)
    message.is_draft, message.is_read, message.sent, message.received = False, True, now, now
    _deliver(store, box, message, now)
    if save_copy:
        box.move(message, box.well_known("sentitems").id)
    else:
        box.remove(message)


def _deliver(store: MailStore, sender_box: Mailbox, message: Message, now: datetime) -> None:
    external: list[str] = []
    for _, address in {a[1].lower(): a for a in (*message.to, *message.cc, *message.bcc)}.values():
        box = store.lookup(address)
        if box is None:
            external.append(address)
            continue
        box.add(
            Message(
                id=new_id("AAMkAGmsg"),
                folder_id=box.well_known("inbox").id,
                subject=message.subject,
                text=message.text,
                html=message.html,
                sender=message.sender,
                to=list(message.to),
                cc=list(message.cc),
                reply_to=list(message.reply_to),
                received=now,
                sent=now,
                internet_message_id=message.internet_message_id,
                conversation_id=message.conversation_id,
                is_read=False,
                importance=message.importance,
                in_reply_to=message.in_reply_to,
                references=list(message.references),
                attachments=[
                    Attachment(new_id("AAMkAGatt"), a.name, a.content_type, a.data, now, a.is_inline)
                    for a in message.attachments
                ],
                created=now,
                modified=now,
            )
        )
    if external:
        store.outbox.append(
            OutboxEntry(
                id=new_id("outbox"),
                sender=message.sender,
                recipients=external,
                to=list(message.to),
                cc=list(message.cc),
                bcc=list(message.bcc),
                subject=message.subject,
                html=message.html,
                text=text_of(message),
                internet_message_id=message.internet_message_id,
                in_reply_to=message.in_reply_to,
                references=list(message.references),
                attachments=[(a.name, a.content_type, len(a.data)) for a in message.attachments],
                sent=now,
            )
        )
