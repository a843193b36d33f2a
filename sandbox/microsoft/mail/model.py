"""Outlook mailboxes in memory: folders, messages, attachments, a per-mailbox change counter and tombstones.

Every change to a message stamps it with the mailbox's next sequence number; removals from a folder (a delete or a
move out) leave a tombstone with their own number. Per-folder delta (delta.py) reads both. As in Exchange, a move
gives the message a new id unless the request carries ``Prefer: IdType="ImmutableId"``; sending a draft keeps its id
(the Sent Items copy has the draft's id, as with immutable ids).
"""

from __future__ import annotations

import base64
import hashlib
import uuid
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

Address = tuple[str, str]  # (display name, e-mail address)
WELL_KNOWN = {
    "inbox": "Inbox",
    "drafts": "Drafts",
    "sentitems": "Sent Items",
    "deleteditems": "Deleted Items",
    "archive": "Archive",
    "junkemail": "Junk Email",
    "outbox": "Outbox",
}


def graph_id(prefix: str, *parts: str) -> str:
    """A Graph-looking id (``AAMkAG…``), derived from ``parts`` so seeded ids are the same in every process."""
    digest = hashlib.sha256("\x1f".join(parts).encode()).digest()
    return prefix + base64.urlsafe_b64encode(digest).decode().rstrip("=")


def new_id(prefix: str) -> str:
    return graph_id(prefix, uuid.uuid4().hex)


def conversation_id(thread_root_message_id: str) -> str:
    """Same thread, same id in every mailbox (Exchange derives it from the thread's first message)."""
    return graph_id("AAQkAG", thread_root_message_id)


@dataclass
class Attachment:
    id: str
    name: str
    content_type: str
    data: bytes
    modified: datetime
    is_inline: bool = False


@dataclass
class Message:
    id: str
    folder_id: str
    subject: str
    text: str
    html: str | None  # None: a plain-text body
    sender: Address
    to: list[Address]
    received: datetime
    internet_message_id: str
    conversation_id: str
    cc: list[Address] = field(default_factory=list)
    bcc: list[Address] = field(default_factory=list)
    reply_to: list[Address] = field(default_factory=list)
    sent: datetime | None = None
    is_read: bool = True
    is_draft: bool = False
    importance: str = "normal"
    categories: list[str] = field(default_factory=list)
    flag: dict[str, object] = field(default_factory=lambda: {"flagStatus": "notFlagged"})
    in_reply_to: str | None = None
    references: list[str] = field(default_factory=list)
    attachments: list[Attachment] = field(default_factory=list)
    created: datetime | None = None
    modified: datetime | None = None
    version: int = 1
    seq: int = 0  # the mailbox's change counter when this message last changed

    @property
    def change_key(self) -> str:
        digest = hashlib.sha256(f"{self.id}:{self.version}".encode()).digest()
        return "CQAAABYAAAA" + base64.b64encode(digest).decode()[:24]


@dataclass
class Folder:
    id: str
    name: str
    parent_id: str
    well_known: str | None = None


@dataclass
class Tombstone:
    seq: int
    folder_id: str
    message_id: str


@dataclass
class Mailbox:
    owner_id: str
    address: str
    display_name: str
    member_ids: tuple[str, ...] = ()  # people who may open a shared mailbox
    folders: dict[str, Folder] = field(default_factory=dict)
    messages: dict[str, Message] = field(default_factory=dict)
    tombstones: list[Tombstone] = field(default_factory=list)
    seq: int = 0
    root_id: str = ""

    def __post_init__(self) -> None:
        self.root_id = graph_id("AAMkAGroot", self.address)
        for key, name in WELL_KNOWN.items():
            self.add_folder(name, self.root_id, key)

    @property
    def me(self) -> Address:
        return (self.display_name, self.address)

    def add_folder(self, name: str, parent_id: str, well_known: str | None = None) -> Folder:
        folder = Folder(graph_id("AAMkAGfolder", self.address, parent_id, name), name, parent_id, well_known)
        self.folders[folder.id] = folder
        return folder

    def folder(self, key: str) -> Folder | None:
        """A folder by id or well-known name (case-insensitive, as Graph accepts ``Inbox`` too)."""
        if key in self.folders:
            return self.folders[key]
        return next((f for f in self.folders.values() if f.well_known == key.lower()), None)

    def well_known(self, name: str) -> Folder:
        folder = self.folder(name)
        assert folder is not None, name
        return folder

    def children(self, folder_id: str) -> list[Folder]:
        return sorted((f for f in self.folders.values() if f.parent_id == folder_id), key=lambda f: f.name.lower())

    def in_folder(self, folder_id: str) -> list[Message]:
        return [m for m in self.messages.values() if m.folder_id == folder_id]

    def touch(self, message: Message, now: datetime | None = None) -> None:
        """Record a change: delta reports the message again, its changeKey moves on."""
        self.seq += 1
        message.seq = self.seq
        message.version += 1
        message.modified = now or datetime.now(UTC)

    def add(self, message: Message) -> Message:
        self.messages[message.id] = message
        self.touch(message, message.modified or message.received)
        message.version = 1
        return message

    def move(self, message: Message, folder_id: str, new_id_on_move: bool = False) -> None:
        """Move to another folder. Exchange gives the message a new id unless the client asked for immutable ids."""
        if message.folder_id == folder_id:
            return
        self.seq += 1
        self.tombstones.append(Tombstone(self.seq, message.folder_id, message.id))
        if new_id_on_move:
            del self.messages[message.id]
            message.id = new_id("AAMkAGmsg")
            self.messages[message.id] = message
        message.folder_id = folder_id
        self.touch(message)

    def remove(self, message: Message) -> None:
        self.seq += 1
        self.tombstones.append(Tombstone(self.seq, message.folder_id, message.id))
        del self.messages[message.id]


@dataclass
class OutboxEntry:
    """A message sent to addresses outside the sandbox: what a test can read back from the control API."""

    id: str
    sender: Address
    recipients: list[str]
    to: list[Address]
    cc: list[Address]
    bcc: list[Address]
    subject: str
    html: str | None
    text: str
    internet_message_id: str
    in_reply_to: str | None
    references: list[str]
    attachments: list[tuple[str, str, int]]  # (name, content type, size)
    sent: datetime


@dataclass
class MailSettings:
    handling_ms: int = 0  # how long each mail request holds its mailbox slot (to exercise the concurrency limit)
    concurrency: int = 4  # concurrent requests per application and mailbox
    requests_per_10_minutes: int = 10_000  # per application and mailbox


@dataclass
class MailStore:
    mailboxes: dict[str, Mailbox] = field(default_factory=dict)  # by lower-case address
    outbox: list[OutboxEntry] = field(default_factory=list)
    epoch: str = field(default_factory=lambda: uuid.uuid4().hex[:12])  # delta tokens from another epoch: 410
    in_flight: dict[tuple[str, str], int] = field(default_factory=dict)
    recent_requests: dict[tuple[str, str], deque[float]] = field(default_factory=dict)  # monotonic times
    upload_sessions: dict[str, Any] = field(default_factory=dict)  # id -> uploads.UploadSession
    settings: MailSettings = field(default_factory=MailSettings)

    def add_mailbox(self, mailbox: Mailbox) -> Mailbox:
        self.mailboxes[mailbox.address.lower()] = mailbox
        return mailbox

    def lookup(self, key: str) -> Mailbox | None:
        """A mailbox by address or owner id."""
        key = key.strip().lower()
        if key in self.mailboxes:
            return self.mailboxes[key]
        return next((m for m in self.mailboxes.values() if m.owner_id == key), None)

    def expire_delta_tokens(self) -> str:
        self.epoch = uuid.uuid4().hex[:12]
        return self.epoch
