"""E-mail files (`.eml`, `message/rfc822`: a forwarded message attached to another) with the stdlib email parser:
the headers people read, the text body (plain, else HTML through markdownify), and the attachments by name and size.
Attachment bytes are never shown: that would put base64 in front of the model.
"""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from .html_doc import convert_html
from .model import Converted, Limits, Source
from .text import normalise_newlines

_HEADERS = ("From", "To", "Cc", "Date", "Subject")


def convert_email(data: bytes, source: Source, limits: Limits) -> Converted:
    message = BytesParser(policy=policy.default).parsebytes(data)
    assert isinstance(message, EmailMessage)
    lines = [f"**{header}:** {message[header]}" for header in _HEADERS if message[header]]
    body = message.get_body(preferencelist=("plain", "html"))
    text = ""
    if body is not None:
        content = body.get_content()
        if body.get_content_subtype() == "html":
            html = content.encode("utf-8")
            text = convert_html(html, Source(source.name, "text/html; charset=utf-8"), limits).markdown
        else:
            text = normalise_newlines(content).strip() + "\n"
    attachments = [_attachment(part) for part in message.iter_attachments()]
    parts = ["  \n".join(lines), text.strip() or "_(no text body)_"]
    if attachments:
        parts.append("**Attachments:**\n" + "\n".join(f"- {line}" for line in attachments))
    return Converted("\n\n".join(part for part in parts if part) + "\n")


def _attachment(part: EmailMessage) -> str:
    name = part.get_filename() or "(unnamed)"
    payload = part.get_payload(decode=True)
    size = len(payload) if isinstance(payload, bytes) else 0
    return f"{name} ({part.get_content_type()}, {size:,} bytes)"
