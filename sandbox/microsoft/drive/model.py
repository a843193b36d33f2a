"""The drives' state: drives, items (folders and files), permissions, and a per-drive change sequence for delta.

Every change to an item stamps it with the drive's next sequence number; a delta token is a position in that
sequence. Deleted items stay as tombstones so that delta can report them.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import threading
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..users import User


def stable_id(*parts: str) -> str:
    """A OneDrive for Business style item id (``01`` + 32 base32 characters), the same for the same parts."""
    digest = hashlib.sha1("/".join(parts).encode()).digest()
    return "01" + base64.b32encode(digest).decode()[:32]


def stable_guid(*parts: str) -> str:
    return str(uuid.UUID(bytes=hashlib.md5("/".join(parts).encode()).digest()))


def drive_id_for(key: str) -> str:
    digest = hashlib.sha512(key.encode()).digest()
    return "b!" + base64.urlsafe_b64encode(digest).decode()[:64]


@dataclass
class Permission:
    id: str
    roles: list[str]  # "read", "write", "owner"
    user: User | None = None  # granted to one person of the directory
    invited_email: str = ""  # granted to an address outside the directory (invitation)
    link: dict[str, Any] | None = None  # {"type": "view", "scope": "anonymous", "webUrl": ...}


@dataclass
class Item:
    id: str
    drive_id: str
    name: str
    parent_id: str | None
    is_folder: bool
    created: datetime
    modified: datetime
    created_by: User
    modified_by: User
    mime_type: str = ""
    data: bytes | None = None
    lazy: Callable[[], bytes] | None = None  # content made on first access (large seeded files)
    text: str = ""  # what search matches besides the name
    version: int = 1  # bumps with any change (eTag)
    content_version: int = 1  # bumps with content changes (cTag)
    seq: int = 0
    deleted: bool = False
    guid: str = field(default_factory=lambda: str(uuid.uuid4()))
    permissions: list[Permission] = field(default_factory=list)

    @classmethod
    def created_now(
        cls,
        folder: Item,
        name: str,
        author: User,
        *,
        is_folder: bool,
        data: bytes | None = None,
        mime_type: str = "",
        text: str = "",
    ) -> Item:
        """A new item in ``folder``, made by ``author`` now, with a fresh id."""
        when = now()
        return cls(
            f"01{uuid.uuid4().hex[:32].upper()}",
            folder.drive_id,
            name,
            folder.id,
            is_folder,
            when,
            when,
            author,
            author,
            mime_type=mime_type,
            data=data,
            text=text,
        )

    @property
    def content(self) -> bytes:
        if self.data is None and self.lazy is not None:
            self.data = self.lazy()
        return self.data or b""

    @property
    def etag(self) -> str:
        return f'"{{{self.guid.upper()}}},{self.version}"'

    @property
    def ctag(self) -> str:
        return f'"c:{{{self.guid.upper()}}},{self.content_version}"'


@dataclass
class Drive:
    id: str
    name: str
    drive_type: str  # "business" (a user's OneDrive) or "documentLibrary" (a SharePoint site's)
    owner: User | None  # the person, for a OneDrive
    members: tuple[User, ...]  # who can read and write everything in it
    web_url: str
    created: datetime
    root_id: str = ""
    site_id: str = ""
    description: str = ""
    seq: int = 0


_GENERATIONS = itertools.count(1)  # process-wide: a token from before a re-seed is expired, not misread


class DriveStore:
    """All drives of the tenant. Methods take the store's lock; callers hold no lock."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.drives: dict[str, Drive] = {}
        self.items: dict[str, Item] = {}
        self.generation = next(_GENERATIONS)  # delta tokens of other generations (or stores) answer 410
        self._permission_ids = itertools.count(1)

    # ------------------------------------------------------------------ reading
    def drive(self, drive_id: str) -> Drive | None:
        return self.drives.get(drive_id)

    def item(self, item_id: str) -> Item | None:
        found = self.items.get(item_id)
        return None if found is None or found.deleted else found

    def root(self, drive: Drive) -> Item:
        return self.items[drive.root_id]

    def children(self, folder: Item) -> list[Item]:
        kids = [i for i in self.items.values() if i.parent_id == folder.id and not i.deleted]
        return sorted(kids, key=lambda i: (not i.is_folder, i.name.lower()))

    def child_named(self, folder: Item, name: str) -> Item | None:
        lowered = name.lower()  # names are unique per folder, case-insensitively, as on SharePoint
        return next((i for i in self.children(folder) if i.name.lower() == lowered), None)

    def ancestors(self, item: Item) -> Iterator[Item]:
        """The item, its parent, ... up to the root."""
        current: Item | None = item
        while current is not None:
            yield current
            current = self.items.get(current.parent_id) if current.parent_id else None

    def path_of(self, item: Item) -> str:
        """``/a/b`` for an item at root:/a/b (``""`` for the root itself)."""
        names = [i.name for i in self.ancestors(item) if i.parent_id is not None]
        return "".join("/" + n for n in reversed(names))

    def walk(self, path: str, start: Item) -> tuple[Item | None, Item | None, str]:
        """Resolve ``path`` below ``start``: (item or None, deepest existing folder, first missing name)."""
        current = start
        names = [p for p in path.split("/") if p]
        for index, name in enumerate(names):
            nxt = self.child_named(current, name) if current.is_folder else None
            if nxt is None:
                missing = "/".join(names[index:])
                return None, current, missing
            current = nxt
        return current, None, ""

    def descendants(self, folder: Item) -> list[Item]:
        out: list[Item] = []
        for child in [i for i in self.items.values() if i.parent_id == folder.id and not i.deleted]:
            out.append(child)
            if child.is_folder:
                out.extend(self.descendants(child))
        return out

    def drives_of(self, user: User) -> set[str]:
        """Ids of the drives ``user`` is a member of (their OneDrive, their sites' libraries)."""
        return {d.id for d in self.drives.values() if any(m.id == user.id for m in d.members)}

    def size(self, item: Item) -> int:
        if not item.is_folder:
            return len(item.content)
        return sum(len(i.content) for i in self.descendants(item) if not i.is_folder)

    # ------------------------------------------------------------------ writing
    def touch(self, item: Item, *, content: bool = False) -> None:
        """Stamp a change: new eTag (and cTag for content), next sequence number of the drive."""
        drive = self.drives[item.drive_id]
        drive.seq += 1
        item.seq = drive.seq
        item.version += 1
        if content:
            item.content_version += 1

    def add(self, item: Item) -> Item:
        drive = self.drives[item.drive_id]
        drive.seq += 1
        item.seq = drive.seq
        self.items[item.id] = item
        return item

    def delete(self, item: Item) -> None:
        for gone in [*self.descendants(item), item]:
            gone.deleted = True
            self.touch(gone)

    def expire_delta_tokens(self) -> int:
        with self.lock:
            self.generation = next(_GENERATIONS)
            return self.generation

    def new_permission_id(self) -> str:
        return f"aTowI3Mu{next(self._permission_ids):06d}"

    def unique_name(self, folder: Item, name: str) -> str:
        """``name 1.ext``, ``name 2.ext``... as Graph's ``rename`` conflict behaviour does."""
        stem, dot, ext = name.rpartition(".") if "." in name else (name, "", "")
        for n in itertools.count(1):
            candidate = f"{stem} {n}{dot}{ext}"
            if self.child_named(folder, candidate) is None:
                return candidate
        raise AssertionError("unreachable")


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)
