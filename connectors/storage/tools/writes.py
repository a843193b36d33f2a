"""Writing: upload a text file, create a folder, move or rename."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import asdict
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from shared.errors import InvalidInput
from shared.idempotency import run_once
from shared.tools import Effect, Reply, tool

from ..providers.base import Entry, Provider
from ..providers.office_files import office_name
from ..runtime import StorageRuntime
from ..views import provider_label

FORMATS = {"text": ("text/plain", ".txt"), "markdown": ("text/markdown", ".md"), "csv": ("text/csv", ".csv")}
CONVERTIBLE = {"doc": ("text", "markdown"), "sheet": ("csv",)}


class Written(BaseModel):
    id: str
    name: str
    url: str
    reused: bool = False


async def _named_in(provider: Provider, folder: str, name: str) -> Entry | None:
    entries, _ = await provider.children(folder, 200)
    return next((e for e in entries if e.name == name), None)


async def _where(rt: StorageRuntime, folder: str, provider: str) -> tuple[Provider, str]:
    if folder.strip().startswith(("gdrive:", "onedrive:")):
        return rt.client.owner_of(folder.strip())
    p = rt.client.one(provider)
    return p, (await rt.lookups.folder(p, folder) if folder.strip() else "")


def _reply(verb: str, entry: Entry, reused: bool) -> Reply:
    again = " (already done by an earlier call with this idempotency_key)" if reused else ""
    text = f"{verb} [{entry.name}]({entry.url}) in {provider_label(entry)}{again}. id: `{entry.id}`"
    return Reply(text, Written(id=entry.id, name=entry.name, url=entry.url, reused=reused), target=entry.id)


@tool(
    name="storage_upload_file",
    title="Upload file",
    description="Create a text, markdown or CSV file in a folder, or a Doc/Sheet from it.",
    effect=Effect.ADD,
    toolset="edit",
    output=Written,
    target_arg="name",
)
async def upload_file(
    rt: StorageRuntime,
    name: Annotated[str, Field(description="File name")],
    content: Annotated[str, Field(description="The file's text")],
    format: Literal["text", "markdown", "csv"] = "text",
    folder: Annotated[str, Field(description="Folder name, path or id")] = "",
    convert_to: Annotated[Literal["", "doc", "sheet"], Field(description="OneDrive: .docx/.xlsx")] = "",
    provider: str = "",
    idempotency_key: Annotated[str, Field(description="Same key, same file")] = "",
) -> Reply:
    name = name.strip()
    if not name or "/" in name:
        raise InvalidInput("name must be a file name without '/', such as notes.md.")
    if convert_to and format not in CONVERTIBLE[convert_to]:
        raise InvalidInput(f"convert_to={convert_to} needs format {' or '.join(CONVERTIBLE[convert_to])}.")
    mime, extension = FORMATS[format]
    if not convert_to and "." not in name:
        name += extension
    p, native = await _where(rt, folder, provider)
    if convert_to and p.name == "onedrive":  # a Word or Excel file, named as one
        name = office_name(name, convert_to)
    data = content.encode("utf-8")

    async def write() -> Entry:
        return await p.upload(name, native, data, mime, convert_to)

    async def find_existing() -> Entry | None:
        return await _named_in(p, native, name)

    request = ["upload", p.name, native, name, format, convert_to, content]
    entry, reused = await _once(rt, idempotency_key, request, write, find_existing)
    return _reply("Uploaded", entry, reused)


@tool(
    name="storage_create_folder",
    title="Create folder",
    description="Create a folder, at the top of your drive or inside another folder (name or path).",
    effect=Effect.ADD,
    toolset="edit",
    output=Written,
    target_arg="name",
)
async def create_folder(
    rt: StorageRuntime,
    name: Annotated[str, Field(description="New folder's name")],
    parent: Annotated[str, Field(description="Parent folder name, path or id")] = "",
    provider: str = "",
    idempotency_key: Annotated[str, Field(description="Same key, same folder")] = "",
) -> Reply:
    name = name.strip()
    if not name or "/" in name:
        raise InvalidInput("name must be a folder name without '/'.")
    p, native = await _where(rt, parent, provider)

    async def write() -> Entry:
        return await p.create_folder(name, native)

    async def find_existing() -> Entry | None:
        return await _named_in(p, native, name)

    entry, reused = await _once(rt, idempotency_key, ["folder", p.name, native, name], write, find_existing)
    rt.lookups.folders_changed(p)
    return _reply("Created folder", entry, reused)


@tool(
    name="storage_move_file",
    title="Move or rename",
    description="Move a file or folder to another folder (name or path), and/or rename it.",
    effect=Effect.CHANGE,
    toolset="edit",
    output=Written,
    target_arg="id",
)
async def move_file(
    rt: StorageRuntime,
    id: Annotated[str, Field(description="File or folder id")],
    to_folder: Annotated[str, Field(description="Destination folder name, path or id")] = "",
    new_name: str = "",
) -> Reply:
    if not to_folder.strip() and not new_name.strip():
        raise InvalidInput("Give to_folder, new_name or both.")
    if "/" in new_name:
        raise InvalidInput("new_name must not contain '/': give the destination as to_folder.")
    p, native = rt.client.owner_of(id)
    destination = await rt.lookups.folder(p, to_folder) if to_folder.strip() else ""
    entry = await p.move(native, destination, new_name.strip())
    if entry.folder:
        rt.lookups.folders_changed(p)
    return _reply("Moved" if destination else "Renamed", entry, False)


async def _once(
    rt: StorageRuntime,
    key: str,
    request: list[str],
    write: Callable[[], Awaitable[Entry]],
    find_existing: Callable[[], Awaitable[Entry | None]],
) -> tuple[Entry, bool]:
    """At most one write per idempotency key; records hold plain dicts, so a shared (Redis) store can keep them."""
    if not key:
        return await write(), False

    async def plain_write() -> dict[str, Any]:
        return _record(await write())

    async def plain_existing() -> dict[str, Any] | None:
        found = await find_existing()
        return _record(found) if found else None

    result, reused = await run_once(rt.idempotency, rt.identity(), key, request, plain_write, plain_existing)
    return Entry(**result), reused


def _record(entry: Entry) -> dict[str, Any]:
    """What an idempotency record keeps of a file: never a pre-authenticated download URL (a credential)."""
    return asdict(entry) | {"download": ""}
