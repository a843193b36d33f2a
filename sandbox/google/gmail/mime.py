"""RFC 822 messages as Gmail shows them: the ``MessagePart`` tree, snippets, attachments and searchable text.

Gmail's part ids are ``""`` for the root and ``"0"``, ``"1"``, ``"1.0"`` below it. Leaf bodies carry their decoded
bytes as base64url ``data``; parts with a file name carry an ``attachmentId`` instead, fetched separately.
"""

from __future__ import annotations

import base64
import email
import email.header
import email.policy
import html
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from email.utils import getaddresses
from functools import lru_cache

from ..errors import GoogleError

SNIPPET_LENGTH = 200


def b64url(data: bytes) -> str:
    """Gmail's encoding of ``raw`` and part data: URL-safe base64 with padding."""
    return base64.urlsafe_b64encode(data).decode("ascii")


def from_b64url(text: str, location: str = "raw") -> bytes:
    """Decode base64url (padded or not; standard alphabet tolerated, as Gmail does)."""
    cleaned = re.sub(r"\s+", "", text).replace("+", "-").replace("/", "_").rstrip("=")
    try:
        return base64.urlsafe_b64decode(cleaned + "=" * (-len(cleaned) % 4))
    except ValueError:
        raise GoogleError(
            400, f"Invalid value for ByteString: {text[:40]}", "invalidArgument", location=location
        ) from None


@dataclass
class Attachment:
    part_id: str
    filename: str
    mime_type: str
    data: bytes


@dataclass
class Parsed:
    """What the emulator needs from one message, computed once per distinct raw message."""

    message: Message
    headers: list[tuple[str, str]]
    text: str  # the text/plain parts
    html: str  # the text/html parts
    attachments: list[Attachment] = field(default_factory=list)

    def header(self, name: str) -> str:
        for key, value in self.headers:
            if key.lower() == name.lower():
                return value
        return ""

    def addresses(self, *names: str) -> list[str]:
        values = [v for k, v in self.headers if k.lower() in {n.lower() for n in names}]
        return [addr.lower() for _, addr in getaddresses(values) if addr]

    @property
    def visible_text(self) -> str:
        """Body text for search and snippets: the plain part, or the HTML with tags stripped."""
        return self.text if self.text.strip() else html_to_text(self.html)

    @property
    def snippet(self) -> str:
        """Gmail's snippet: whitespace collapsed, cut to about 200 characters, HTML-escaped as Gmail does."""
        flat = " ".join(self.visible_text.split())[:SNIPPET_LENGTH]
        return (
            flat.replace("&", "&amp;")
            .replace("<", "&lt;")
            .replace(">", "&gt;")
            .replace("'", "&#39;")
            .replace('"', "&quot;")
        )


def html_to_text(markup: str) -> str:
    markup = re.sub(r"(?is)<(script|style|head)\b.*?</\1>", " ", markup)
    return html.unescape(re.sub(r"(?s)<[^>]+>", " ", markup))


def fold(text: str) -> str:
    """Lower case without accents: Gmail's search ignores both (``resume`` finds ``Résumé``)."""
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _decoded(part: Message) -> bytes:
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _text(part: Message) -> str:
    charset = part.get_content_charset() or "utf-8"
    try:
        return _decoded(part).decode(charset, "replace")
    except LookupError:
        return _decoded(part).decode("utf-8", "replace")


@lru_cache(maxsize=8192)
def parse(raw: bytes) -> Parsed:
    message = email.message_from_bytes(raw, policy=email.policy.compat32)
    headers = [(k, _header_text(v)) for k, v in message.items()]
    texts: list[str] = []
    htmls: list[str] = []
    attachments: list[Attachment] = []
    for part_id, part in _walk(message, ""):
        if part.is_multipart():
            continue
        filename = _filename(part)
        if filename:
            attachments.append(Attachment(part_id, filename, part.get_content_type(), _decoded(part)))
        elif part.get_content_type() == "text/plain":
            texts.append(_text(part))
        elif part.get_content_type() == "text/html":
            htmls.append(_text(part))
    return Parsed(message, headers, "\n".join(texts), "\n".join(htmls), attachments)


def _header_text(value: object) -> str:
    """A header value with RFC 2047 encoded words decoded (``=?utf-8?q?...?=``)."""
    decoded = email.header.decode_header(str(value))
    out = []
    for chunk, charset in decoded:
        if isinstance(chunk, bytes):
            out.append(chunk.decode(charset or "utf-8", "replace"))
        else:
            out.append(chunk)
    return "".join(out)


def _filename(part: Message) -> str:
    name = part.get_filename()
    return _header_text(name) if name else ""


def _walk(part: Message, part_id: str) -> Iterator[tuple[str, Message]]:
    yield part_id, part
    if part.is_multipart():
        for index, child in enumerate(part.get_payload()):
            yield from _walk(child, f"{part_id}.{index}" if part_id else str(index))


def attachment_id(message_id: str, part_id: str) -> str:
    """Opaque to clients, stable for one message and part (Gmail's are long base64url strings)."""
    return "ANGjdJ" + b64url(f"{message_id}:{part_id}".encode()).rstrip("=")


def parse_attachment_id(value: str) -> tuple[str, str] | None:
    if not value.startswith("ANGjdJ"):
        return None
    try:
        message_id, _, part_id = from_b64url(value[6:], "id").decode().partition(":")
    except (GoogleError, UnicodeDecodeError):
        return None
    return message_id, part_id


def payload(raw: bytes, message_id: str) -> dict:
    """The ``MessagePart`` tree of ``format=full``."""
    return _part_json(parse(raw).message, "", message_id)


def _part_json(part: Message, part_id: str, message_id: str) -> dict:
    out: dict = {
        "partId": part_id,
        "mimeType": part.get_content_type(),
        "filename": _filename(part),
        "headers": [{"name": k, "value": _header_text(v)} for k, v in part.items()],
    }
    if part.is_multipart():
        out["body"] = {"size": 0}
        out["parts"] = [
            _part_json(child, f"{part_id}.{i}" if part_id else str(i), message_id)
            for i, child in enumerate(part.get_payload())
        ]
        return out
    data = _decoded(part)
    if out["filename"]:
        out["body"] = {"attachmentId": attachment_id(message_id, part_id), "size": len(data)}
    else:
        out["body"] = {"size": len(data), "data": b64url(data)} if data else {"size": 0}
    return out


def metadata_payload(raw: bytes, wanted: list[str]) -> dict:
    """``format=metadata``: the top-level headers only (those named in ``metadataHeaders`` when given)."""
    parsed = parse(raw)
    names = {w.lower() for w in wanted}
    headers = [{"name": k, "value": v} for k, v in parsed.headers if not names or k.lower() in names]
    return {
        "partId": "",
        "mimeType": parsed.message.get_content_type(),
        "filename": "",
        "headers": headers,
        "body": {"size": 0},
    }
