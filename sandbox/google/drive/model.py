"""Drive's objects as the emulator stores them: files (binary or Google-native), permissions, shared drives."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC

FOLDER = "application/vnd.google-apps.folder"
DOC = "application/vnd.google-apps.document"
SHEET = "application/vnd.google-apps.spreadsheet"
SLIDES = "application/vnd.google-apps.presentation"
NATIVE_PREFIX = "application/vnd.google-apps."

ROLE_RANK = {"reader": 1, "commenter": 2, "writer": 3, "fileOrganizer": 4, "organizer": 5, "owner": 5}


@dataclass
class Permission:
    id: str
    type: str  # user | group | domain | anyone
    role: str
    email: str | None = None
    domain: str | None = None
    display_name: str | None = None
    allow_discovery: bool | None = None

    def to_json(self) -> dict:
        out: dict = {"kind": "drive#permission", "id": self.id, "type": self.type, "role": self.role}
        if self.email:
            out["emailAddress"] = self.email
        if self.domain:
            out["domain"] = self.domain
        if self.display_name:
            out["displayName"] = self.display_name
        if self.allow_discovery is not None:
            out["allowFileDiscovery"] = self.allow_discovery
        out["deleted"] = False
        out["pendingOwner"] = False
        return out


@dataclass
class DriveFile:
    id: str
    name: str
    mime_type: str
    parents: list[str]
    owner: str | None  # owner's e-mail; None inside a shared drive (the drive owns its files)
    created: float
    modified: float
    drive_id: str | None = None
    description: str | None = None
    trashed: bool = False
    starred: bool = False
    last_modifier: str | None = None
    version: int = 1
    permissions: list[Permission] = field(default_factory=list)
    # content: exactly one of these is meaningful, by kind of file
    data: bytes | None = None  # binary files
    lazy_data: Callable[[], bytes] | None = None  # binary made on first access (the big benchmark workbook)
    doc_markdown: str | None = None  # Google Docs
    sheets: list[tuple[str, list[list[str]]]] | None = None  # Google Sheets: (title, rows) per sheet
    slides: list[tuple[str, str]] | None = None  # Google Slides: (title, body) per slide
    text: str = ""  # what fullText search sees besides name and description
    original_filename: str | None = None
    properties: dict[str, str] = field(default_factory=dict)  # visible to every app
    app_properties: dict[str, str] = field(default_factory=dict)  # private to the app (one app in the sandbox)

    @property
    def is_native(self) -> bool:
        return self.mime_type.startswith(NATIVE_PREFIX)

    @property
    def is_folder(self) -> bool:
        return self.mime_type == FOLDER

    def content(self) -> bytes:
        if self.data is None and self.lazy_data is not None:
            self.data = self.lazy_data()
        return self.data or b""

    def checksums(self) -> dict[str, str]:
        body = self.content()
        return {
            "md5Checksum": hashlib.md5(body).hexdigest(),
            "sha1Checksum": hashlib.sha1(body).hexdigest(),
            "sha256Checksum": hashlib.sha256(body).hexdigest(),
        }


@dataclass
class SharedDrive:
    id: str
    name: str
    created: float
    members: dict[str, str]  # e-mail -> role (organizer, fileOrganizer, writer, commenter, reader)
    permission_ids: dict[str, str] = field(default_factory=dict)

    def to_json(self, viewer_role: str | None) -> dict:
        can_manage = viewer_role == "organizer"
        return {
            "kind": "drive#drive",
            "id": self.id,
            "name": self.name,
            "createdTime": _rfc3339(self.created),
            "hidden": False,
            "colorRgb": "#4986e7",
            "themeId": "abacus",
            "backgroundImageLink": "https://ssl.gstatic.com/team_drive_themes/abacus_bg.jpg",
            "capabilities": {
                "canAddChildren": ROLE_RANK.get(viewer_role or "", 0) >= 3,
                "canManageMembers": can_manage,
                "canRename": can_manage,
                "canDeleteDrive": can_manage,
                "canShare": can_manage,
                "canListChildren": True,
                "canDownload": True,
                "canCopy": True,
            },
            "restrictions": {
                "adminManagedRestrictions": False,
                "copyRequiresWriterPermission": False,
                "domainUsersOnly": False,
                "driveMembersOnly": False,
                "sharingFoldersRequiresOrganizerPermission": False,
            },
        }


def _rfc3339(epoch: float) -> str:
    from datetime import datetime

    return datetime.fromtimestamp(epoch, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


rfc3339 = _rfc3339
