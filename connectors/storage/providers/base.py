"""What every provider answers with, and the interface the facade calls.

Ids leave the connector prefixed with their provider (`gdrive:<fileId>`, `onedrive:<driveId>!<itemId>`), so any
tool can take any id back and the facade knows which provider owns it. Providers deal in their native ids.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from shared.errors import ConnectorError

# Types people ask for -> (Google MIME types, file extensions).
KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "folder": (("application/vnd.google-apps.folder", "application/vnd.folder"), ()),
    "document": (
        (
            "application/vnd.google-apps.document",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (".docx", ".doc", ".odt"),
    ),
    "spreadsheet": (
        (
            "application/vnd.google-apps.spreadsheet",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "text/csv",
        ),
        (".xlsx", ".xls", ".csv", ".ods"),
    ),
    "presentation": (
        (
            "application/vnd.google-apps.presentation",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        (".pptx", ".ppt", ".odp"),
    ),
    "pdf": (("application/pdf",), (".pdf",)),
    "text": (("text/plain", "text/markdown"), (".txt", ".md")),
    "image": (("image/png", "image/jpeg", "image/gif"), (".png", ".jpg", ".jpeg", ".gif")),
}
KIND_WORDS = {
    "doc": "document",
    "docs": "document",
    "word": "document",
    "documents": "document",
    "sheet": "spreadsheet",
    "sheets": "spreadsheet",
    "excel": "spreadsheet",
    "spreadsheets": "spreadsheet",
    "tableur": "spreadsheet",
    "slides": "presentation",
    "powerpoint": "presentation",
    "deck": "presentation",
    "presentations": "presentation",
    "présentation": "presentation",
    "folders": "folder",
    "dossier": "folder",
    "pdfs": "pdf",
    "images": "image",
    "photo": "image",
    "photos": "image",
    "texte": "text",
}


def kind_of(mime: str, name: str) -> str:
    lowered = name.lower()
    for kind, (mimes, extensions) in KINDS.items():
        if mime in mimes or (extensions and lowered.endswith(extensions)):
            return kind
    return "file"


class CursorExpired(ConnectorError):
    """The provider no longer knows the saved change position: start over with a full listing."""


@dataclass
class Entry:
    id: str  # prefixed: gdrive:..., onedrive:...
    name: str
    mime: str
    url: str
    modified: str = ""  # ISO 8601
    size: int | None = None
    owners: list[str] = field(default_factory=list)  # "Name <email>"
    parent: str | None = None  # prefixed id
    path: str = ""  # "/Contracts/x.pdf" when the provider says it
    shared: bool = False
    removed: bool = False  # a change feed's deletion / loss of access
    native_mime: str = ""  # Google-native type (exported when read)
    download: str = ""  # a short-lived pre-authenticated download URL, when the provider gave one (Graph)

    @property
    def kind(self) -> str:
        return kind_of(self.native_mime or self.mime, self.name)

    @property
    def folder(self) -> bool:
        return self.kind == "folder"


@dataclass
class Query:
    words: list[str]
    kind: str = ""
    folder: str = ""  # native id
    owner_email: str = ""  # "" = anyone
    since: datetime | None = None
    until: datetime | None = None
    shared_with_me: bool = False
    drive: str = ""  # native drive id
    limit: int = 25
    loose: bool = False  # when no file holds every word, take files holding any (ChatGPT's search questions)


@dataclass
class Sharing:
    entries: list[str]  # "Alice Martin <alice@…>: owner"
    link: str = ""  # "anyone with the link (reader)" etc.


@dataclass
class Changes:
    entries: list[Entry]
    cursor: str  # what to save for next time


Download = Callable[[], Awaitable[bytes]] | Callable[[], AsyncIterator[bytes]]


class Provider(Protocol):
    name: str  # "google-drive" | "onedrive"
    label: str  # "Google Drive" | "OneDrive"
    prefix: str  # "gdrive" | "onedrive"

    async def me(self) -> tuple[str, str]: ...  # (display name, e-mail)

    async def search(self, query: Query) -> list[Entry]: ...

    async def children(self, folder: str, limit: int, page: str = "") -> tuple[list[Entry], str]: ...

    async def get(self, native: str) -> Entry: ...

    async def path(self, entry: Entry) -> str: ...

    async def sharing(self, native: str) -> Sharing: ...

    async def content(self, entry: Entry) -> tuple[Download, str, str]: ...  # (download, mime, name) to read

    async def upload(self, name: str, folder: str, data: bytes, mime: str, convert: str) -> Entry: ...

    async def create_folder(self, name: str, parent: str) -> Entry: ...

    async def move(self, native: str, parent: str, name: str) -> Entry: ...

    async def share(self, native: str, email: str, role: str) -> None: ...

    async def folders_named(self, name: str) -> list[Entry]: ...

    async def drives(self) -> dict[str, str]: ...  # name -> native drive id

    async def start_changes(self) -> str: ...

    async def changes(self, cursor: str, limit: int) -> Changes: ...

    async def recent(self, limit: int) -> list[Entry]: ...
