"""The Drive data: files, shared drives, who may see what, and the change log behind ``changes.list``.

Access follows Drive: the owner, user/group permissions on the file or any ancestor folder, domain and
anyone permissions, and shared-drive membership. The change log is a monotonic counter; each entry records
which users could see the item before and after, so a user who loses access gets ``removed: true``.
"""

from __future__ import annotations

import hashlib
import random
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from .. import users as U
from .model import ROLE_RANK, DriveFile, Permission, SharedDrive

ID_ALPHABET = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_"


@dataclass(frozen=True)
class ChangeEntry:
    seq: int
    kind: str  # "file" | "drive"
    item_id: str
    time: float
    seen_by: frozenset[str]  # users who could see the item before or after this change
    drive_id: str | None


class DriveStore:
    def __init__(self, *, seed: int, clock: Callable[[], float]) -> None:
        self.lock = threading.RLock()
        self.clock = clock
        self.rng = random.Random(seed)
        self.files: dict[str, DriveFile] = {}
        self.drives: dict[str, SharedDrive] = {}
        self.roots: dict[str, str] = {}  # user e-mail -> id of their "My Drive" root folder
        self.log: list[ChangeEntry] = []
        self.policy: dict[str, bool] = {"external_sharing": True}
        self.uploads: dict[str, Any] = {}  # resumable upload sessions by upload_id
        self.generated_ids: set[str] = set()  # from files.generateIds, usable once as a new file's id
        self.oldest_token = 1  # page tokens below this were expired through the control API
        self.counter = 1000  # page tokens are decimal strings of this counter, as Drive's are

    # ------------------------------------------------------------------ ids
    def new_id(self, prefix: str = "1", length: int = 33) -> str:
        return prefix + "".join(self.rng.choice(ID_ALPHABET) for _ in range(length - len(prefix)))

    def new_drive_id(self) -> str:
        return "0A" + "".join(self.rng.choice(ID_ALPHABET[:62]) for _ in range(10)) + "Uk9PVA"

    # ------------------------------------------------------------------ access
    def ancestors(self, f: DriveFile) -> Iterable[DriveFile]:
        seen: set[str] = set()
        todo = list(f.parents)
        while todo:
            pid = todo.pop()
            parent = self.files.get(pid)
            if parent is None or pid in seen:
                continue
            seen.add(pid)
            yield parent
            todo.extend(parent.parents)

    def role(self, f: DriveFile, email: str) -> str | None:
        """The viewer's effective role on ``f`` (None: no access)."""
        best: str | None = None

        def take(role: str) -> None:
            nonlocal best
            if best is None or ROLE_RANK[role] > ROLE_RANK[best]:
                best = role

        if f.drive_id:
            drive = self.drives.get(f.drive_id)
            if drive and email in drive.members:
                take(drive.members[email])
        elif f.owner == email:
            return "owner"
        domain = email.split("@", 1)[-1]
        for item in (f, *self.ancestors(f)):
            for p in item.permissions:
                if (
                    (p.type in ("user", "group") and p.email == email)
                    or (p.type == "domain" and p.domain == domain)
                    or p.type == "anyone"
                ):
                    take(p.role)
        return best

    def in_user_corpus(self, f: DriveFile, email: str) -> bool:
        """Files 'created by, opened by, or shared directly with the user' (corpora=user), plus shared drives."""
        if f.drive_id:
            return self.role(f, email) is not None
        if f.owner == email:
            return True
        return any(
            p.type in ("user", "group") and p.email == email
            for item in (f, *self.ancestors(f))
            for p in item.permissions
        )

    def in_domain_corpus(self, f: DriveFile, email: str) -> bool:
        if self.in_user_corpus(f, email):
            return True
        domain = email.split("@", 1)[-1]
        return any(
            p.type == "domain" and p.domain == domain and p.allow_discovery
            for item in (f, *self.ancestors(f))
            for p in item.permissions
        )

    def shared_with_me(self, f: DriveFile, email: str) -> bool:
        return (
            not f.drive_id
            and f.owner != email
            and any(p.type in ("user", "group") and p.email == email for p in f.permissions)
        )

    def visible_to(self, f: DriveFile) -> frozenset[str]:
        return frozenset(u.email for u in U.USERS if self.in_user_corpus(f, u.email))

    def subtree(self, f: DriveFile) -> list[DriveFile]:
        out = [f]
        for child in self.files.values():
            if child is not f and any(a is f for a in self.ancestors(child)):
                out.append(child)
        return out

    # ------------------------------------------------------------------ change log
    def record(self, files: list[DriveFile], before: dict[str, frozenset[str]]) -> None:
        """Log one change per file; ``before`` maps file id -> who could see it before the change."""
        now = self.clock()
        for f in files:
            self.counter += 1
            after = self.visible_to(f) if f.id in self.files else frozenset()
            self.log.append(
                ChangeEntry(self.counter, "file", f.id, now, before.get(f.id, frozenset()) | after, f.drive_id)
            )

    def mutate(
        self,
        f: DriveFile,
        change: Callable[[], None],
        *,
        subtree: bool = False,
        touch: bool = True,
        by: str | None = None,
    ) -> None:
        """Apply ``change`` to ``f`` (and log it for its descendants too when access may have moved)."""
        with self.lock:
            affected = self.subtree(f) if subtree else [f]
            before = {a.id: self.visible_to(a) for a in affected}
            change()
            if touch and f.id in self.files:
                f.modified = self.clock()
                f.version += 1
                if by:
                    f.last_modifier = by
            self.record(affected, before)

    def add(self, f: DriveFile) -> DriveFile:
        with self.lock:
            self.files[f.id] = f
            self.record([f], {})
        return f

    def delete(self, f: DriveFile) -> None:
        with self.lock:
            affected = self.subtree(f)
            before = {a.id: self.visible_to(a) for a in affected}
            for a in affected:
                self.files.pop(a.id, None)
            self.record(affected, before)

    def start_page_token(self) -> str:
        return str(self.counter + 1)

    def expire_change_tokens(self) -> str:
        """Forget the change history: every page token handed out so far stops working (control API)."""
        with self.lock:
            self.log.clear()
            self.oldest_token = self.counter + 1
            return self.start_page_token()

    # ------------------------------------------------------------------ permissions
    def permission_for(
        self, kind: str, role: str, email: str | None, domain: str | None, allow_discovery: bool | None
    ) -> Permission:
        if kind in ("user", "group"):
            person = U.by_email(email or "")
            digest = int(hashlib.sha256((email or "").encode()).hexdigest(), 16)
            pid = person.permission_id if person else str(digest % 10**20).zfill(20)
            name = person.display_name if person else None
            return Permission(pid, kind, role, email=email, display_name=name)
        if kind == "domain":
            return Permission(
                f"{self.new_id('', 20)}k",
                kind,
                role,
                domain=domain,
                display_name=domain,
                allow_discovery=bool(allow_discovery),
            )
        return Permission(
            "anyoneWithLink" if not allow_discovery else "anyone", kind, role, allow_discovery=bool(allow_discovery)
        )
