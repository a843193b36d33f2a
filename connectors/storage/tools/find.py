"""Finding files: the ChatGPT search/fetch pair and the filtered search."""

from __future__ import annotations

import logging
from typing import Annotated

import anyio
from pydantic import BaseModel, Field

from shared import content
from shared.contract import FetchOutput, SearchOutput, SearchResult
from shared.dates import parse_range
from shared.errors import AuthFailed, ConnectorError, InvalidInput
from shared.tools import Effect, Reply, tool
from shared.vocabulary import keywords, split_period

from ..providers.base import KIND_WORDS, KINDS, Entry, Provider, Query
from ..resolve import owned_by
from ..runtime import StorageRuntime
from ..views import entries_table, provider_label

log = logging.getLogger(__name__)


class FileRef(BaseModel):
    id: str
    name: str
    url: str


class FileList(BaseModel):
    files: list[FileRef]
    left_out: int = 0


def _kind(said: str) -> str:
    word = said.strip().lower()
    kind = KIND_WORDS.get(word, word)
    if kind and kind not in KINDS:
        raise InvalidInput(f'Unknown type "{said[:30]}". Use one of: {", ".join(KINDS)}.')
    return kind


async def _search(
    rt: StorageRuntime, query: Query, provider: str = "", owner: str = "", drive: str = "", folder: str = ""
) -> tuple[list[Entry], list[str]]:
    """(entries, notes): every chosen provider searched at once; one that fails (outage, unknown folder there) is
    left out with a note while another answers, so Drive being down never hides OneDrive's files."""
    providers = rt.client.chosen(provider)
    found: list[list[Entry] | Exception] = [[] for _ in providers]

    async def one(index: int, p: Provider) -> None:
        try:
            found[index] = await _search_one(rt, p, query, owner, drive, folder)
        except Exception as exc:  # noqa: BLE001 - kept, not raised: a task group would wrap it in a group
            found[index] = exc

    async with anyio.create_task_group() as group:
        for index, p in enumerate(providers):
            group.start_soon(one, index, p)
    unexpected = [r for r in found if isinstance(r, Exception) and not isinstance(r, ConnectorError)]
    if unexpected:
        raise unexpected[0]  # as it came: the boundary knows what to say about it
    failed = [(p, r) for p, r in zip(providers, found, strict=True) if isinstance(r, ConnectorError)]
    refused = [r for _, r in failed if isinstance(r, AuthFailed)]
    if refused:
        raise refused[0]  # the boundary renews the person's token and runs the call again
    if len(failed) == len(providers):
        raise failed[0][1]
    entries = [e for r in found if not isinstance(r, Exception) for e in r]
    return entries, [f"{p.label} was left out of this search: {exc}" for p, exc in failed]


async def _search_one(
    rt: StorageRuntime, p: Provider, query: Query, owner: str, drive: str, folder: str
) -> list[Entry]:
    q = Query(**vars(query))
    if folder:
        q.folder = await rt.lookups.folder(p, folder)
    if drive:
        q.drive = await rt.lookups.drive(p, drive)
    if owner:
        q.owner_email = await rt.lookups.owner_email(p, owner)
    entries = await p.search(q)
    return owned_by(entries, owner) if owner and not q.owner_email else entries


@tool(
    name="search",
    title="Search files",
    description="Find files in cloud storage by words; ids go to fetch.",
    effect=Effect.READ,
    toolset="search",
)
async def search(rt: StorageRuntime, query: Annotated[str, Field(description="Words to look for")]) -> SearchOutput:
    words = keywords(query)
    if not words:
        raise InvalidInput("query is empty: give words to look for, such as a file name or a phrase in it.")
    entries, left_out = await _search(rt, Query(words, limit=20, loose=True))
    for note in left_out:  # the contract's answer has no room for notes: the results of the others stand
        log.warning("search: %s", note)
    return SearchOutput(results=[SearchResult(id=e.id, title=e.name, url=e.url) for e in entries])


@tool(
    name="fetch",
    title="Fetch file",
    description="One file (id from search) as text, with its title and link.",
    effect=Effect.READ,
    toolset="search",
)
async def fetch(rt: StorageRuntime, id: Annotated[str, Field(description="File id from search")]) -> FetchOutput:
    provider, native = rt.client.owner_of(id)
    entry = await provider.get(native)
    if entry.folder:
        raise InvalidInput(f"{entry.name} is a folder: list it with storage_list_folder.")
    download, mime, name = await provider.content(entry)
    page = await content.read_page(download, name=name, mime=mime, size=entry.size, link=entry.url)
    metadata = {"provider": provider_label(entry), "type": entry.kind, "modified": entry.modified}
    return FetchOutput(id=entry.id, title=entry.name, text=page.markdown, url=entry.url, metadata=metadata)


@tool(
    name="storage_search_files",
    title="Filter files",
    description='Find files by words plus filters: type, folder, owner ("me", a name), period ("this week", '
    '"cette semaine"), shared with me, drive.',
    effect=Effect.READ,
    toolset="files",
    output=FileList,
)
async def search_files(
    rt: StorageRuntime,
    words: Annotated[str, Field(description="Words in the name or text")] = "",
    type: Annotated[str, Field(description="pdf, document, spreadsheet, presentation, text, image, folder")] = "",
    folder: Annotated[str, Field(description="Folder name or path")] = "",
    owner: Annotated[str, Field(description='"me", a name or an e-mail')] = "",
    modified: Annotated[str, Field(description='e.g. "this week", "7d", "2026-11-01"')] = "",
    shared_with_me: bool = False,
    drive: Annotated[str, Field(description="Shared drive or site name")] = "",
    provider: str = "",
    limit: Annotated[int, Field(ge=1, le=100)] = 25,
) -> Reply:
    rest, period = split_period(words)
    period = modified or period
    query = Query(keywords(rest), kind=_kind(type), shared_with_me=shared_with_me, limit=limit)
    if period:
        query.since, query.until = parse_range(period, rt.settings.timezone)
    if not (query.words or query.kind or folder or owner or period or shared_with_me or drive):
        raise InvalidInput("Say what to look for: words, or at least one filter (type, folder, owner, modified...).")
    entries, missing = await _search(rt, query, provider, owner, drive, folder)
    text, left_out = entries_table(entries, rt.settings.timezone)
    if not entries:
        text = "No file matches. Try fewer words or a wider period."
    elif left_out:
        text += f"\n\n{left_out} more not shown: narrow the search."
    text = "\n\n".join([text, *missing])
    files = [FileRef(id=e.id, name=e.name, url=e.url) for e in entries[: len(entries) - left_out]]
    return Reply(text, FileList(files=files, left_out=left_out))
