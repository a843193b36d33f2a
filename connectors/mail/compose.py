"""Writing mail: the person's markdown as an HTML part plus a text part, and the RFC 5322 message Gmail takes."""

from __future__ import annotations

import base64
import hashlib
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import getaddresses, make_msgid

from markdown_it import MarkdownIt

from shared.control_chars import reject_control_chars
from shared.errors import InvalidInput

_MARKDOWN = MarkdownIt("commonmark", {"html": False, "linkify": False}).enable("table")  # raw HTML is escaped
STYLE = "font-family: Arial, Helvetica, sans-serif; font-size: 14px;"


def to_html(markdown: str) -> str:
    return f'<html><body><div style="{STYLE}">{_MARKDOWN.render(markdown)}</div></body></html>'


def checked_body(markdown: str) -> str:
    text = markdown.replace("\r\n", "\n").strip()
    if not text:
        raise InvalidInput("body is empty: write the message (markdown is fine).")
    if len(text) > 100_000:
        raise InvalidInput("body is over 100,000 characters: write a shorter message or attach a file instead.")
    reject_control_chars(text, "body")
    return text


def checked_subject(subject: str) -> str:
    subject = " ".join(subject.split())
    reject_control_chars(subject, "subject")
    if len(subject) > 500:
        raise InvalidInput("subject is over 500 characters: shorten it.")
    return subject


def address_of(person: str) -> str:
    """The bare address of "Name <email>" or "email"."""
    found = getaddresses([person])
    return (found[0][1] if found else person).strip().lower()


def message_id_for(identity: str, key: str, domain: str) -> str:
    """A Message-ID derived from the idempotency key: the same request always names the same message."""
    digest = hashlib.sha256(f"{identity}\n{key}".encode()).hexdigest()[:32]
    return f"<mcp.{digest}@{domain or 'mail.invalid'}>"


def new_message_id(domain: str) -> str:
    return make_msgid("mcp", domain or None)


def reply_subject(subject: str) -> str:
    stripped = subject.strip()
    return stripped if stripped.lower().startswith(("re:", "re :", "aw:", "tr:")) else f"Re: {stripped}"


def _header_address(person: str) -> str:
    name, email = getaddresses([person])[0] if getaddresses([person]) else ("", person)
    local, _, domain = email.partition("@")
    return str(Address(display_name=name, username=local, domain=domain)) if name else email


def rfc822(
    *,
    to: list[str],
    cc: list[str],
    bcc: list[str],
    subject: str,
    text: str,
    html: str,
    message_id: str,
    in_reply_to: str = "",
    references: list[str] | None = None,
) -> str:
    """The message, multipart/alternative (text then HTML), as Gmail's `raw` (base64url)."""
    message = EmailMessage(policy=SMTP)
    for header, people in (("To", to), ("Cc", cc), ("Bcc", bcc)):
        if people:
            message[header] = ", ".join(_header_address(p) for p in people)
    message["Subject"] = subject
    message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
        message["References"] = " ".join([*(references or []), in_reply_to][-20:])
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    return base64.urlsafe_b64encode(message.as_bytes()).decode()
