"""One user's mailbox: messages with labels, threads, user labels, drafts, and the history log.

Every change (a message added or deleted, labels added or removed) takes the next history id, which grows by
a random step so ids have gaps, as Gmail's do. ``history_floor`` is the oldest ``startHistoryId`` still
answered; older ones are 404 (the retention window, moved by the control API or by age).
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

from . import mime

SYSTEM_LABELS = (
    "INBOX",
    "SENT",
    "DRAFT",
    "TRASH",
    "SPAM",
    "STARRED",
    "IMPORTANT",
    "UNREAD",
    "CHAT",
    "CATEGORY_PERSONAL",
    "CATEGORY_SOCIAL",
    "CATEGORY_PROMOTIONS",
    "CATEGORY_UPDATES",
    "CATEGORY_FORUMS",
)
HIDDEN_SYSTEM = {"DRAFT", "UNREAD", "CHAT", "SENT", "TRASH", "SPAM", "STARRED", "IMPORTANT"}


@dataclass
class StoredMessage:
    id: str
    thread_id: str
    raw: bytes
    labels: list[str]
    internal_date_ms: int
    history_id: int = 0

    @property
    def parsed(self) -> mime.Parsed:
        return mime.parse(self.raw)

    def header(self, name: str) -> str:
        return self.parsed.header(name)


@dataclass
class UserLabel:
    id: str
    name: str
    message_list_visibility: str = "show"
    label_list_visibility: str = "labelShow"
    color: dict | None = None


@dataclass
class Change:
    id: int
    kind: str  # messageAdded | messageDeleted | labelAdded | labelRemoved
    message_id: str
    thread_id: str
    labels: list[str]  # the labels added or removed (labelAdded/labelRemoved)
    labels_after: list[str]  # the message's labels once the change was made
    at: float  # when (seconds), for the retention window


@dataclass
class Mailbox:
    owner: str
    rng: random.Random
    history_id: int = 0
    history_floor: int = 1
    messages: dict[str, StoredMessage] = field(default_factory=dict)
    user_labels: dict[str, UserLabel] = field(default_factory=dict)
    drafts: dict[str, str] = field(default_factory=dict)  # draft id -> message id
    history: list[Change] = field(default_factory=list)
    label_counter: int = 0

    # -- history ------------------------------------------------------------------------------------------------
    def next_history_id(self) -> int:
        self.history_id += self.rng.randint(1, 40)
        return self.history_id

    def _record(self, kind: str, message: StoredMessage, labels: list[str], now: float) -> None:
        change_id = self.next_history_id()
        message.history_id = change_id
        self.history.append(Change(change_id, kind, message.id, message.thread_id, labels, list(message.labels), now))

    def expire_history(self, older_than: float | None = None) -> None:
        """Forget changes (all, or those made before ``older_than``): start ids before them answer 404."""
        keep = [c for c in self.history if older_than is not None and c.at >= older_than]
        dropped = self.history[: len(self.history) - len(keep)]
        if older_than is None:
            self.history_floor = self.history_id
            self.history = []
        elif dropped:
            self.history_floor = max(self.history_floor, dropped[-1].id)
            self.history = keep

    # -- messages -----------------------------------------------------------------------------------------------
    def add(self, message: StoredMessage, now: float) -> StoredMessage:
        self.messages[message.id] = message
        self._record("messageAdded", message, [], now)
        return message

    def delete(self, message_id: str, now: float) -> None:
        message = self.messages.pop(message_id)
        self._record("messageDeleted", message, [], now)

    def relabel(self, message: StoredMessage, add: list[str], remove: list[str], now: float) -> None:
        added = [label for label in dict.fromkeys(add) if label not in message.labels]
        removed = [label for label in dict.fromkeys(remove) if label in message.labels and label not in added]
        if added:
            message.labels.extend(added)
            self._record("labelAdded", message, added, now)
        if removed:
            message.labels[:] = [label for label in message.labels if label not in removed]
            self._record("labelRemoved", message, removed, now)

    def thread(self, thread_id: str) -> list[StoredMessage]:
        return sorted((m for m in self.messages.values() if m.thread_id == thread_id), key=lambda m: m.internal_date_ms)

    def by_message_id_header(self, values: list[str]) -> StoredMessage | None:
        """The latest message whose ``Message-ID`` is one of ``values`` (to thread a reply)."""
        wanted = {v.strip() for v in values if v.strip()}
        found = [m for m in self.messages.values() if m.header("Message-ID").strip() in wanted]
        return max(found, key=lambda m: m.internal_date_ms) if found else None

    def in_date_order(self) -> list[StoredMessage]:
        """Newest first, as ``messages.list`` answers."""
        return sorted(self.messages.values(), key=lambda m: (m.internal_date_ms, m.id), reverse=True)

    # -- labels -------------------------------------------------------------------------------------------------
    def label_ids(self) -> list[str]:
        return [*SYSTEM_LABELS, *self.user_labels]

    def label_by_name(self, name: str) -> str | None:
        """A label id from what a person types after ``label:`` (case, spaces and slashes are loose)."""

        def loose(text: str) -> str:
            return mime.fold(text).replace(" ", "-").replace("/", "-")

        for label in self.user_labels.values():
            if loose(label.name) == loose(name):
                return label.id
        upper = name.upper()
        return upper if upper in SYSTEM_LABELS else None

    def new_label(self, name: str, **extra: object) -> UserLabel:
        self.label_counter += 1
        label = UserLabel(f"Label_{self.label_counter}", name, **extra)  # type: ignore[arg-type]
        self.user_labels[label.id] = label
        return label
