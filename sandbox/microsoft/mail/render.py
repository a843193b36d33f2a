"""Graph's JSON for messages, folders and attachments; body conversion (``Prefer: outlook.body-content-type``); MIME."""

from __future__ import annotations

import base64
import html as html_lib
import re
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr
from html.parser import HTMLParser
from typing import Any

from .model import Address, Attachment, Folder, Mailbox, Message


def stamp(when: datetime | None) -> str | None:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ") if when else None


def recipient(address: Address) -> dict[str, Any]:
    return {"emailAddress": {"name": address[0], "address": address[1]}}


class _TextOf(HTMLParser):
    """HTML to plain text as Exchange does it, roughly: drops head/style/script, keeps hidden text and link text."""

    _SKIP = {"style", "script", "head", "title"}
    _BREAKS = {"p", "div", "br", "h1", "h2", "h3", "li", "tr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self.skipping += 1
        elif tag in self._BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self._BREAKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.skipping:
            self.parts.append(data)


def html_to_text(markup: str) -> str:
    parser = _TextOf()
    parser.feed(markup)
    text = "".join(parser.parts)
    text = re.sub(r"[ \t]+", " ", text)
    return re.sub(r"\n\s*\n+", "\n\n", text).strip()


def text_to_html(text: str) -> str:
    escaped = html_lib.escape(text).replace("\n", "<br>\r\n")
    head = '<head><meta http-equiv="Content-Type" content="text/html; charset=utf-8"></head>'
    return f"<html>{head}<body>{escaped}</body></html>"


def text_of(message: Message) -> str:
    return message.text if message.html is None else (message.text or html_to_text(message.html))


def body(message: Message, preferred: str | None) -> dict[str, str]:
    """The body in the stored type, or converted to ``preferred`` ("text" or "html")."""
    if preferred == "text":
        return {"contentType": "text", "content": text_of(message)}
    if message.html is not None:
        return {"contentType": "html", "content": message.html}
    if preferred == "html":
        return {"contentType": "html", "content": text_to_html(message.text)}
    return {"contentType": "text", "content": message.text}


def headers(message: Message) -> list[dict[str, str]]:
    out = [
        {"name": "Message-ID", "value": message.internet_message_id},
        {"name": "Subject", "value": message.subject},
        {"name": "From", "value": formataddr(message.sender)},
    ]
    if message.to:
        out.append({"name": "To", "value": ", ".join(formataddr(a) for a in message.to)})
    if message.in_reply_to:
        out.append({"name": "In-Reply-To", "value": message.in_reply_to})
    if message.references:
        out.append({"name": "References", "value": " ".join(message.references)})
    return out


def message_json(box: Mailbox, message: Message, graph_base: str, preferred: str | None) -> dict[str, Any]:
    preview = re.sub(r"\s+", " ", text_of(message)).strip()[:255]
    return {
        "@odata.etag": f'W/"{message.change_key}"',
        "id": message.id,
        "createdDateTime": stamp(message.created or message.received),
        "lastModifiedDateTime": stamp(message.modified or message.received),
        "changeKey": message.change_key,
        "categories": list(message.categories),
        "receivedDateTime": stamp(message.received),
        "sentDateTime": stamp(message.sent),
        "hasAttachments": any(not a.is_inline for a in message.attachments),
        "internetMessageId": message.internet_message_id,
        "subject": message.subject,
        "bodyPreview": preview,
        "importance": message.importance,
        "parentFolderId": message.folder_id,
        "conversationId": message.conversation_id,
        "isDeliveryReceiptRequested": False,
        "isReadReceiptRequested": False,
        "isRead": message.is_read,
        "isDraft": message.is_draft,
        "webLink": f"https://outlook.office365.com/owa/?ItemID={message.id}&exvsurl=1&viewmodel=ReadMessageItem",
        "inferenceClassification": "focused",
        "body": body(message, preferred),
        "sender": recipient(message.sender),
        "from": recipient(message.sender),
        "toRecipients": [recipient(a) for a in message.to],
        "ccRecipients": [recipient(a) for a in message.cc],
        "bccRecipients": [recipient(a) for a in message.bcc],
        "replyTo": [recipient(a) for a in message.reply_to],
        "flag": dict(message.flag),
    }


def select_message(item: dict[str, Any], message: Message, select: tuple[str, ...]) -> dict[str, Any]:
    """``$select`` keeps ``id`` and the etag as Graph does; ``internetMessageHeaders`` only exists when selected."""
    if not select:
        return item
    keep = set(select) | {"id"}
    out = {k: v for k, v in item.items() if k in keep or k.startswith("@odata")}
    if "internetMessageHeaders" in keep:
        out["internetMessageHeaders"] = headers(message)
    return out


def folder_json(box: Mailbox, folder: Folder) -> dict[str, Any]:
    messages = box.in_folder(folder.id)
    return {
        "id": folder.id,
        "displayName": folder.name,
        "parentFolderId": folder.parent_id,
        "childFolderCount": len(box.children(folder.id)),
        "unreadItemCount": sum(not m.is_read for m in messages),
        "totalItemCount": len(messages),
        "isHidden": False,
    }


def attachment_json(attachment: Attachment, with_content: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "@odata.type": "#microsoft.graph.fileAttachment",
        "@odata.mediaContentType": attachment.content_type,
        "id": attachment.id,
        "lastModifiedDateTime": stamp(attachment.modified),
        "name": attachment.name,
        "contentType": attachment.content_type,
        "size": len(attachment.data),
        "isInline": attachment.is_inline,
        "contentId": None,
        "contentLocation": None,
    }
    if with_content:
        out["contentBytes"] = base64.b64encode(attachment.data).decode()
    return out


def mime(message: Message) -> bytes:
    """The message as RFC 5322 text (``/$value``)."""
    out = EmailMessage(policy=SMTP)
    out["From"] = formataddr(message.sender)
    if message.to:
        out["To"] = ", ".join(formataddr(a) for a in message.to)
    if message.cc:
        out["Cc"] = ", ".join(formataddr(a) for a in message.cc)
    out["Subject"] = message.subject
    out["Date"] = format_datetime(message.sent or message.received)
    out["Message-ID"] = message.internet_message_id
    if message.in_reply_to:
        out["In-Reply-To"] = message.in_reply_to
    if message.references:
        out["References"] = " ".join(message.references)
    out.set_content(text_of(message))
    if message.html is not None:
        out.add_alternative(message.html, subtype="html")
    for attachment in message.attachments:
        main, _, sub = attachment.content_type.partition("/")
        out.add_attachment(attachment.data, maintype=main, subtype=sub or "octet-stream", filename=attachment.name)
    return out.as_bytes()
