"""What every mail provider answers with, and the interface the facade calls.

Ids leave the connector prefixed with their provider (`gmail:<messageId>`, `outlook:<messageId>`; Gmail drafts
`gmail:draft:<draftId>`), so any tool can take any id back. A thread is named by any of its messages' ids.
Providers deal in native ids and return prefixed ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from shared.errors import ConnectorError


class CursorExpired(ConnectorError):
    """The provider no longer knows the saved change position: start over with a listing."""


@dataclass
class AttachmentRef:
    id: str  # native attachment id
    name: str
    mime: str
    size: int | None = None


@dataclass
class Message:
    id: str  # prefixed
    thread: str  # native thread / conversation id
    subject: str
    sender: str  # "Name <email>"
    to: list[str] = field(default_factory=list)
    cc: list[str] = field(default_factory=list)
    bcc: list[str] = field(default_factory=list)  # drafts and the sender's copy only
    date: str = ""  # ISO 8601
    snippet: str = ""
    unread: bool = False
    importance: str = "normal"  # low | normal | high
    labels: list[str] = field(default_factory=list)  # folder or label names
    url: str = ""
    html: str | None = None  # full messages only
    text: str = ""
    attachments: list[AttachmentRef] = field(default_factory=list)
    has_attachments: bool = False
    message_id: str = ""  # the RFC 5322 Message-ID header
    references: list[str] = field(default_factory=list)
    reply_to: list[str] = field(default_factory=list)
    draft: bool = False


@dataclass
class Thread:
    id: str  # prefixed id of its newest message (any message id names the thread)
    subject: str
    url: str
    messages: list[Message]  # oldest first


@dataclass
class Folder:
    id: str  # native
    name: str  # "Inbox", "Clients/Acme"
    total: int | None = None
    unread: int | None = None
    system: bool = False


@dataclass
class Query:
    words: list[str] = field(default_factory=list)
    sender: str = ""
    to: str = ""
    subject: str = ""
    since: datetime | None = None
    until: datetime | None = None
    has_attachment: bool = False
    folder: str = ""  # native folder / label id
    unread: bool | None = None
    importance: str = ""  # high | normal | low
    limit: int = 25
    mailbox: str = ""  # a shared mailbox's address (Outlook); "" for the person's own
    loose: bool = False  # any word instead of every word (ChatGPT's search questions)


@dataclass
class Outgoing:
    to: list[str]  # "Name <email>" or bare addresses
    cc: list[str]
    bcc: list[str]
    subject: str
    html: str
    text: str
    reply_to: str = ""  # native message id this answers (headers and thread follow it)
    reply_all: bool = False
    message_id: str = ""  # Message-ID to give the message (Gmail), so a lost send can be found again


@dataclass
class Draft:
    id: str  # prefixed draft id (what mail_send takes)
    message: Message


@dataclass
class Changes:
    messages: list[Message]
    removed: list[str]  # prefixed ids
    cursor: str  # what to save for next time
    more: bool = False


class Provider(Protocol):
    name: str  # "gmail" | "outlook"
    label: str  # "Gmail" | "Outlook"
    prefix: str  # "gmail" | "outlook"

    async def me(self) -> tuple[str, str]: ...  # (display name, e-mail)

    async def search(self, query: Query) -> list[Message]: ...

    async def message(self, native: str) -> Message: ...  # full, with body

    async def thread(self, native: str) -> Thread: ...

    async def attachment(self, native: str, attachment: str) -> bytes: ...

    async def folders(self, mailbox: str = "") -> list[Folder]: ...

    def mailbox_of(self, native: str) -> str: ...  # the shared mailbox an id belongs to, "" for one's own

    async def contacts(self, said: str) -> list[str]: ...  # "Name <email>" from the person's contacts

    async def directory(self, said: str) -> list[str]: ...  # "Name <email>" from the organisation's directory

    async def people(self, said: str) -> list[str]: ...  # "Name <email>" from the person's own correspondence

    async def create_draft(self, mail: Outgoing) -> Draft: ...

    async def draft(self, native: str) -> Draft: ...

    async def find_draft(self, message_id: str) -> Draft | None: ...  # a draft saved with this Message-ID

    async def send_draft(self, native: str) -> Message: ...

    async def find_sent(self, draft: Draft) -> Message | None: ...  # the sent copy of a draft, once sent

    async def update(self, natives: list[str], action: str, folder: str) -> None: ...

    async def start_changes(self) -> str: ...

    async def changes(self, cursor: str, limit: int) -> Changes: ...

    async def recent(self, limit: int) -> list[Message]: ...
