"""The sync tool: what changed since the last call, from the providers' own change feeds.

Drive's changes feed (start page token) and Graph's delta links give exactly what changed. The position is kept
server-side per person and provider (`ProviderRuntime.follow_changes`), so the caller passes no cursor. The first
call, and a call whose saved position the provider no longer knows, start over: they list the most recent files
and say so; the next call reports only changes.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from shared.errors import AuthFailed, ConnectorError
from shared.providers import StartedOver
from shared.tools import Effect, Reply, tool

from ..providers.base import CursorExpired, Entry, Provider
from ..runtime import StorageRuntime
from ..views import entries_table

NAMESPACE = "storage-changes"


class ChangedFile(BaseModel):
    id: str
    name: str
    url: str
    removed: bool = False


class ChangeReport(BaseModel):
    files: list[ChangedFile]
    restarted: list[str]  # providers that started over with a listing
    more: bool


async def _one(rt: StorageRuntime, p: Provider, limit: int) -> tuple[list[Entry], str, bool]:
    """(entries, note, more) for one provider, moving its saved position on."""
    found = await rt.follow_changes(p, NAMESPACE, limit, CursorExpired)
    if not isinstance(found, StartedOver):
        return found.entries, "", len(found.entries) >= limit
    note = (
        f"{p.label}: started over ({found.why}): below is a full listing of your {len(found.listing)} most recent "
        "files; the next call reports only what changes from now on."
    )
    return found.listing, note, False


@tool(
    name="storage_get_changes",
    title="Get changes",
    description="Sync: files added, changed or removed since your last call (position kept for you).",
    effect=Effect.READ,
    toolset="sync",
    output=ChangeReport,
    invoking="Reading changes…",
    invoked="Read changes",
)
async def get_changes(
    rt: StorageRuntime,
    provider: str = "",
    limit: Annotated[int, Field(ge=1, le=200)] = 50,
) -> Reply:
    entries: list[Entry] = []
    notes, restarted, more = [], [], False
    chosen = rt.client.chosen(provider)
    for p in chosen:
        try:
            found, note, waiting = await _one(rt, p, limit)
        except AuthFailed:
            raise  # the boundary renews the person's token and runs the call again
        except ConnectorError as exc:
            if len(chosen) == 1:
                raise
            notes.append(f"{p.label} could not be read this time ({exc}); its position is kept for the next call.")
            continue
        entries += found
        more = more or waiting
        if note:
            notes.append(note)
            restarted.append(p.name)
    removed = [e for e in entries if e.removed]
    present = [e for e in entries if not e.removed]
    parts = notes[:]
    if present:
        parts.append(entries_table(present, rt.settings.timezone)[0])
    if removed:
        parts.append("Removed, trashed or no longer visible: " + ", ".join(f"`{e.id}`" for e in removed))
    if not entries:
        parts.append("No changes since the last call.")
    if more:
        parts.append("More changes are waiting: call again.")
    files = [ChangedFile(id=e.id, name=e.name, url=e.url, removed=e.removed) for e in entries]
    return Reply("\n\n".join(parts), ChangeReport(files=files, restarted=restarted, more=more))
