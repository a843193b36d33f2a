"""The sync tool: pages created or changed since a cursor or a time, with a next cursor.

Confluence has no delta API, so the cursor is a watermark (`shared.watermark`): each call
re-queries CQL `lastmodified >=` a minute before it, in ascending order, and skips what was
already reported. Deletions are invisible to CQL; a periodic full listing reconciles them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from shared.dates import local, parse_timestamp, times_in
from shared.shaping import DEFAULT_BUDGET, clip
from shared.tools import Effect, Reply, tool
from shared.watermark import collect, starting_point

from .. import cql as q
from ..client import next_cursor
from ..runtime import ConfluenceRuntime
from .search import result_row

CURSOR = "confluence-changes"


class Changes(BaseModel):
    ids: list[str]
    urls: list[str]
    next_cursor: str = Field(description="Pass as cursor next time to get only newer changes")
    more: bool = Field(description="True if more changes are waiting: call again now")


@tool(
    name="confluence_get_changes",
    title="Get changes",
    description="Sync: pages and blog posts created or changed since a time or cursor, and the next cursor.",
    effect=Effect.READ,
    toolset="sync",
    output=Changes,
    invoking="Reading changes…",
    invoked="Read changes",
)
async def get_changes(
    rt: ConfluenceRuntime,
    since: Annotated[str, Field(description='First sync from: "24h", "2026-11-01"')] = "",
    cursor: Annotated[str, Field(description="next_cursor of the last call")] = "",
    space: Annotated[str, Field(description="Space key or name")] = "",
    limit: Annotated[int, Field(ge=1, le=100)] = 50,
) -> Reply:
    tz = await rt.lookups.timezone()

    async def scope() -> str:
        return str((await rt.lookups.space(space))["key"]) if space else ""

    mark = await starting_point(CURSOR, cursor, since, tz, scope)
    clauses = [f"lastmodified >= {q.when(mark.query_from, tz)}", "type in (page, blogpost)"]
    if mark.scope:
        clauses.append(f"space = {q.quote(mark.scope)}")
    query = q.join(clauses, "lastmodified ASC")

    async def pages() -> AsyncIterator[list[dict]]:
        upstream = None
        while True:
            page = await rt.client.search(query, 100, upstream, expand="content.space,content.version")
            yield [hit for hit in page.get("results", []) if hit.get("content")]
            upstream = next_cursor(page)
            if not upstream:
                return

    def key(hit: dict) -> tuple[datetime | None, str]:
        content = hit["content"]
        return parse_timestamp((content.get("version") or {}).get("when") or hit.get("lastModified")), str(
            content["id"]
        )

    fresh, more = await collect(pages(), mark, key, limit)
    following = mark.after((when, str(hit["content"]["id"])) for hit, when in fresh)
    rows = [result_row(rt, hit, tz) for hit, _ in fresh]
    lines = []
    for (hit, when), (pid, title, url, where, _) in zip(fresh, rows, strict=False):
        version = hit["content"].get("version") or {}
        number = version.get("number")
        who = (version.get("by") or {}).get("displayName", "")
        verb = "created" if number == 1 else f"edited (version {number})"
        lines.append(f"- [{title}]({url}) — {where}, {verb} by {who}, {local(when.isoformat(), tz)} (id {pid})")
    if fresh:
        plural = "s" if len(fresh) != 1 else ""
        text = f"{len(fresh)} page{plural} changed ({times_in(tz)}):\n\n" + "\n".join(lines)
    else:
        text = "No changes since the cursor."
    text, _ = clip(text, DEFAULT_BUDGET, "Call again with a smaller limit.")
    if more:
        text += "\n\nMore changes are waiting: call again with next_cursor."
    changes = Changes(
        ids=[r[0] for r in rows], urls=[r[2] for r in rows], next_cursor=following.encode(CURSOR), more=more
    )
    return Reply(text, changes)
