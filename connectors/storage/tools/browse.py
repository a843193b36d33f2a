"""Looking at one folder or one file: list, read (paged text), details."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from shared import content
from shared.content.paging import CURSOR_KIND as PAGE_CURSOR
from shared.errors import InvalidInput
from shared.shaping import decode_cursor, encode_cursor
from shared.tools import Effect, Reply, tool

from ..runtime import StorageRuntime
from ..views import entries_table, file_card
from .find import FileRef

LIST_CURSOR = "storage-list"


class FolderPage(BaseModel):
    files: list[FileRef]
    next_cursor: str | None = None


class FilePage(BaseModel):
    id: str
    name: str
    url: str
    next_cursor: str | None = None


class FileDetails(BaseModel):
    id: str
    name: str
    url: str
    path: str
    owners: list[str]
    shared_with: list[str]


@tool(
    name="storage_list_folder",
    title="List folder",
    description="Files and folders in a folder (name, path or id; empty: top of your drive).",
    effect=Effect.READ,
    toolset="files",
    output=FolderPage,
)
async def list_folder(
    rt: StorageRuntime,
    folder: Annotated[str, Field(description="Folder name, path or id")] = "",
    provider: str = "",
    limit: Annotated[int, Field(ge=1, le=200)] = 50,
    cursor: Annotated[str, Field(description="next_cursor of the last call")] = "",
) -> Reply:
    if cursor:
        state = decode_cursor(LIST_CURSOR, cursor)
        p, native, page = rt.client.one(str(state.get("p", ""))), str(state.get("f", "")), str(state.get("t", ""))
    else:
        p, page = (
            (rt.client.owner_of(folder)[0] if folder.startswith(("gdrive:", "onedrive:")) else rt.client.one(provider)),
            "",
        )
        native = await rt.lookups.folder(p, folder) if folder.strip() else ""
    entries, following = await p.children(native, limit, page)
    text, left_out = entries_table(entries, rt.settings.timezone)
    if not entries:
        text = "The folder is empty."
    next_cursor = encode_cursor(LIST_CURSOR, {"p": p.name, "f": native, "t": following}) if following else None
    if next_cursor:
        text += f"\n\nMore in this folder: call again with cursor={next_cursor}."
    files = [FileRef(id=e.id, name=e.name, url=e.url) for e in entries[: len(entries) - left_out]]
    return Reply(text, FolderPage(files=files, next_cursor=next_cursor))


@tool(
    name="storage_read_file",
    title="Read file",
    description="A file's text (PDF, Office, Google Docs, CSV...) page by page; continue with cursor.",
    effect=Effect.READ,
    toolset="files",
    output=FilePage,
)
async def read_file(
    rt: StorageRuntime,
    id: Annotated[str, Field(description="File id")],
    cursor: Annotated[str, Field(description="next_cursor of the last call")] = "",
) -> Reply:
    if cursor:
        decode_cursor(PAGE_CURSOR, cursor)  # a forged cursor is named before anything else is looked at
    provider, native = rt.client.owner_of(id)
    entry = await provider.get(native)
    if entry.folder:
        raise InvalidInput(f"{entry.name} is a folder: list it with storage_list_folder.")
    download, mime, name = await provider.content(entry)
    page = await content.read_page(
        download, name=name, mime=mime, size=entry.size, link=entry.url, cursor=cursor or None
    )
    text = f"# [{entry.name}]({entry.url})\n\n{page.markdown}"
    data = FilePage(id=entry.id, name=entry.name, url=entry.url, next_cursor=page.next_cursor)
    return Reply(text, data)


@tool(
    name="storage_get_file",
    title="File details",
    description="Details of a file or folder: path, owners, sharing, type, size, link.",
    effect=Effect.READ,
    toolset="files",
    output=FileDetails,
)
async def get_file(rt: StorageRuntime, id: Annotated[str, Field(description="File or folder id")]) -> Reply:
    provider, native = rt.client.owner_of(id)
    entry = await provider.get(native)
    path, sharing = await provider.path(entry), await provider.sharing(native)
    details = FileDetails(
        id=entry.id,
        name=entry.name,
        url=entry.url,
        path=path,
        owners=entry.owners,
        shared_with=sharing.entries + ([sharing.link] if sharing.link else []),
    )
    return Reply(file_card(entry, path, sharing, rt.settings.timezone), details)
