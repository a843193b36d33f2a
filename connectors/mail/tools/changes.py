"""The sync tool: what changed since the last call, from the providers' own change feeds.

Gmail's history (from a history id) and Graph's per-folder delta links (Inbox and Sent Items) give exactly what
changed. The position is kept server-side per person and provider (`ProviderRuntime.follow_changes`), so the caller
passes no cursor. The first call, and a call whose saved position the provider no longer knows (Gmail's 404 past
its retention, Graph's 410), start over: they list the most recent Inbox messages and say so.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, Field

from shared.providers import StartedOver
from shared.tools import Effect, Reply, tool

from ..providers.base import CursorExpired, Message, Provider
from ..runtime import MailRuntime
from ..views import messages_table

NAMESPACE = "mail-changes"


class ChangeReport(BaseModel):
    ids: list[str]
    removed: list[str]
    restarted: list[str]  # providers that started over with a listing
    more: bool


async def _one(rt: MailRuntime, p: Provider, limit: int) -> tuple[list[Message], list[str], str, bool]:
    """(messages, removed ids, note, more) for one provider, moving its saved position on."""
    found = await rt.follow_changes(p, NAMESPACE, limit, CursorExpired)
    if not isinstance(found, StartedOver):
        return found.messages, found.removed, "", found.more
    note = (
        f"{p.label}: started over ({found.why}): below are your {len(found.listing)} most recent Inbox messages; the "
        "next call reports only what changes from now on."
    )
    return found.listing, [], note, False


@tool(
    name="mail_get_changes",
    title="Get changes",
    description="Sync: messages received, changed or removed since your last call (position kept for you).",
    effect=Effect.READ,
    toolset="sync",
    output=ChangeReport,
    invoking="Reading changes…",
    invoked="Read changes",
)
async def get_changes(
    rt: MailRuntime,
    provider: str = "",
    limit: Annotated[int, Field(ge=1, le=200)] = 50,
) -> Reply:
    messages: list[Message] = []
    removed: list[str] = []
    notes, restarted, more = [], [], False
    for p in rt.client.chosen(provider):
        found, gone, note, waiting = await _one(rt, p, limit)
        messages += found
        removed += gone
        more = more or waiting
        if note:
            notes.append(note)
            restarted.append(p.name)
    parts = notes[:]
    if messages:
        parts.append(messages_table(messages, rt.settings.timezone)[0])
    if removed:
        parts.append("Removed or moved out (trash, another folder, deleted): " + ", ".join(f"`{r}`" for r in removed))
    if not messages and not removed:
        parts.append("No changes since the last call.")
    if more:
        parts.append("More changes are waiting: call again.")
    report = ChangeReport(ids=[m.id for m in messages], removed=removed, restarted=restarted, more=more)
    return Reply("\n\n".join(parts)[:30_000], report)
