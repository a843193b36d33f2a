"""Every sandbox user's mailbox, mail delivery between them, and the outbox of mail that left the domain.

Sending puts the message in the sender's SENT (threaded by ``threadId`` or by ``In-Reply-To``/``References``)
and delivers one copy to each sandbox recipient's INBOX (threaded the same way in their mailbox). Each send is
recorded once in the outbox, with the recipients outside the sandbox and the text and HTML as sent, so a test
can check what left.
"""

from __future__ import annotations

import email.utils
import random
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from .. import users as U
from ..errors import GoogleError
from . import mime
from .mailbox import Mailbox, StoredMessage

DEFAULT_RETENTION_S = 7 * 24 * 3600  # "typically valid for at least a week" (upstreams.md §6.1)
DEFAULT_UNITS_PER_SECOND = 250
MAX_MESSAGE_BYTES = 36_700_160  # 35 MB


@dataclass
class GmailSettings:
    history_retention_seconds: int = DEFAULT_RETENTION_S
    units_per_second: int = DEFAULT_UNITS_PER_SECOND

    def as_json(self) -> dict:
        return {
            "history_retention_seconds": self.history_retention_seconds,
            "units_per_second": self.units_per_second,
        }


@dataclass
class GmailStore:
    seed: int = 42
    clock: Callable[[], float] = time.time
    mailboxes: dict[str, Mailbox] = field(default_factory=dict)
    outbox: list[dict] = field(default_factory=list)
    uploads: dict = field(default_factory=dict)  # resumable upload id -> uploads.UploadSession
    settings: GmailSettings = field(default_factory=GmailSettings)
    lock: threading.RLock = field(default_factory=threading.RLock)
    _sequence: int = 0

    def __post_init__(self) -> None:
        for index, user in enumerate(U.USERS):
            rng = random.Random(self.seed * 1000 + index)
            first = rng.randint(100_000, 900_000)  # the mailbox's history starts here: older start ids are 404
            self.mailboxes[user.email] = Mailbox(user.email, rng, history_id=first, history_floor=first)

    def now(self) -> float:
        return self.clock()

    def mailbox(self, email_address: str) -> Mailbox:
        box = self.mailboxes[email_address]
        box.expire_history(self.now() - self.settings.history_retention_seconds)
        return box

    def new_id(self, internal_date_ms: int) -> str:
        """Gmail-like ids: 16 hex digits that grow with time (``(ms << 20) | sequence``)."""
        self._sequence += 1
        return format((internal_date_ms << 20) | (self._sequence & 0xFFFFF), "016x")

    # -- adding mail --------------------------------------------------------------------------------------------
    def file(
        self,
        owner: str,
        raw: bytes,
        labels: list[str],
        *,
        internal_date_ms: int | None = None,
        thread_id: str | None = None,
    ) -> StoredMessage:
        """Put ``raw`` in ``owner``'s mailbox, in ``thread_id`` or the thread its reply headers point to."""
        box = self.mailboxes[owner]
        when = internal_date_ms if internal_date_ms is not None else int(self.now() * 1000)
        message_id = self.new_id(when)
        if thread_id is None or not box.thread(thread_id):
            thread_id = self._thread_for(box, mime.parse(raw)) or message_id
        message = StoredMessage(message_id, thread_id, raw, list(dict.fromkeys(labels)), when)
        return box.add(message, self.now())

    @staticmethod
    def _thread_for(box: Mailbox, parsed: mime.Parsed) -> str | None:
        refs = re.findall(r"<[^>]+>", parsed.header("References") + " " + parsed.header("In-Reply-To"))
        parent = box.by_message_id_header(refs)
        return parent.thread_id if parent is not None else None

    def send(self, sender: str, raw: bytes, thread_id: str | None = None) -> StoredMessage:
        """Send ``raw`` as ``sender``: SENT copy, deliveries in the sandbox, one outbox record."""
        if len(raw) > MAX_MESSAGE_BYTES:
            raise GoogleError(413, "Request Entity Too Large", "uploadTooLarge")
        raw = self._complete(sender, raw)
        parsed = mime.parse(raw)
        recipients = list(dict.fromkeys(parsed.addresses("To", "Cc", "Bcc")))
        if not recipients:
            raise GoogleError(400, "Recipient address required", "invalidArgument")
        with self.lock:
            sent = self.file(sender, raw, ["SENT"], thread_id=thread_id)
            delivered_copy = _without_bcc(raw)
            internal, external = [], []
            for address in recipients:
                if address == sender:
                    box = self.mailboxes[sender]
                    box.relabel(sent, ["INBOX", "UNREAD"], [], self.now())
                    internal.append(address)
                elif address in self.mailboxes:
                    self.file(address, delivered_copy, ["INBOX", "UNREAD", "CATEGORY_PERSONAL"])
                    internal.append(address)
                else:
                    external.append(address)
            self.outbox.append(_outbox_record(len(self.outbox) + 1, sender, sent, parsed, internal, external))
        return sent

    def _complete(self, sender: str, raw: bytes) -> bytes:
        """What Gmail adds on send: ``From`` (always the sender), ``Date`` and ``Message-ID`` when missing."""
        head, sep, body = raw.partition(b"\r\n\r\n")
        if not sep:
            head, sep, body = raw.partition(b"\n\n")
        newline = b"\r\n" if sep == b"\r\n\r\n" else b"\n"
        parsed = mime.parse(raw)
        lines = [line for line in head.split(newline) if line]
        user = U.by_email(sender)
        display = user.display_name if user else ""
        if not parsed.header("From") or sender not in parsed.addresses("From"):
            lines = _drop_header(lines, b"from")
            lines.append(b"From: " + email.utils.formataddr((display, sender)).encode())
        if not parsed.header("Date"):
            lines.append(b"Date: " + email.utils.formatdate(self.now(), localtime=False).encode())
        if not parsed.header("Message-ID"):
            token = secrets.token_urlsafe(24).replace("-", "A").replace("_", "B")
            lines.append(f"Message-ID: <CA{token}@mail.gmail.com>".encode())
        return newline.join(lines) + sep + body


def _drop_header(lines: list[bytes], name: bytes) -> list[bytes]:
    out: list[bytes] = []
    skipping = False
    for line in lines:
        if line[:1] in (b" ", b"\t"):
            if not skipping:
                out.append(line)
            continue
        skipping = line.split(b":", 1)[0].strip().lower() == name
        if not skipping:
            out.append(line)
    return out


def _without_bcc(raw: bytes) -> bytes:
    """Recipients never see the Bcc header (the sender's SENT copy keeps it)."""
    head, sep, body = raw.partition(b"\r\n\r\n")
    newline = b"\r\n"
    if not sep:
        head, sep, body = raw.partition(b"\n\n")
        newline = b"\n"
    return newline.join(_drop_header(head.split(newline), b"bcc")) + sep + body


def _outbox_record(
    number: int, sender: str, sent: StoredMessage, parsed: mime.Parsed, internal: list[str], external: list[str]
) -> dict:
    return {
        "id": number,
        "from": sender,
        "to": parsed.addresses("To"),
        "cc": parsed.addresses("Cc"),
        "bcc": parsed.addresses("Bcc"),
        "deliveredTo": internal,
        "external": external,
        "subject": parsed.header("Subject"),
        "messageIdHeader": parsed.header("Message-ID"),
        "inReplyTo": parsed.header("In-Reply-To"),
        "references": parsed.header("References"),
        "text": parsed.text,
        "html": parsed.html,
        "attachments": [
            {"filename": a.filename, "mimeType": a.mime_type, "size": len(a.data)} for a in parsed.attachments
        ],
        "sentMessageId": sent.id,
        "threadId": sent.thread_id,
        "raw": mime.b64url(sent.raw),
    }
