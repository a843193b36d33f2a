"""The sync tool: pages created or changed since a cursor or a time, with a next cursor.

Confluence has no delta API. We keep a watermark: the modification time of the last page
reported, plus the ids already reported at exactly that time. Each call re-queries CQL
`lastmodified >= watermark - 1 min` (CQL compares to the minute, and the index lags) in
ascending order and skips what was already reported. Deletions are invisible to CQL; a
periodic full listing reconciles them.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, Field

from shared.dates import parse_point
from shared.errors import InvalidInput
from shared.shaping import DEFAULT_BUDGET, clip, decode_cursor, encode_cursor
from shared.tools import Effect, Reply, Tool

from .. import cql as q
from ..client import next_cursor
from ..views import short_date
from .search import result_row

if TYPE_CHECKING:
    from ..runtime import ConfluenceRuntime

OVERLAP = timedelta(minutes=1)


class Changes(BaseModel):
    ids: list[str]
    urls: list[str]
    next_cursor: str = Field(description="Pass as cursor next time to get only newer changes")
    more: bool = Field(description="True if more changes are waiting: call again now")


def parse_time(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def tools(rt: "ConfluenceRuntime") -> list[Tool]:
    client = rt.client

    async def get_changes(
        since: Annotated[str, Field(description='First sync from: "24h", "2026-11-01"')] = "",
        cursor: Annotated[str, Field(description="next_cursor of the last call")] = "",
        space: Annotated[str, Field(description="Space key or name")] = "",
        limit: Annotated[int, Field(ge=1, le=100)] = 50,
    ) -> Reply:
        if cursor:
            state = decode_cursor("confluence-changes", cursor)
            watermark, seen, space_key = datetime.fromisoformat(state["w"]), set(state["seen"]), state["s"]
        elif since:
            watermark, seen = parse_point(since, rt.settings.timezone), set()
            space_key = (await rt.lookups.space(space))["key"] if space else ""
        else:
            raise InvalidInput('Give since (e.g. "24h") for a first sync, or the cursor from the previous call.')
        tz = await rt.cql_timezone()
        clauses = [f"lastmodified >= {q.when(watermark - OVERLAP, tz)}", "type in (page, blogpost)"]
        if space_key:
            clauses.append(f"space = {q.quote(space_key)}")
        query = q.join(clauses, "lastmodified ASC")

        fresh: list[tuple[dict, datetime]] = []
        upstream, more = None, False
        while True:
            page = await client.search(query, 100, upstream, expand="content.space,content.version")
            for hit in page.get("results", []):
                content = hit.get("content") or {}
                stamp = (content.get("version") or {}).get("when") or hit.get("lastModified")
                if not content or not stamp:
                    continue
                when = parse_time(stamp)
                if when < watermark or (when == watermark and str(content.get("id")) in seen):
                    continue
                if len(fresh) == limit:
                    more = True
                    break
                fresh.append((hit, when))
            upstream = next_cursor(page)
            if more or not upstream:
                break

        if fresh:
            last = fresh[-1][1]
            at_last = {str(h["content"]["id"]) for h, w in fresh if w == last}
            seen = (seen | at_last) if last == watermark else at_last
            watermark = last
        following = encode_cursor(
            "confluence-changes", {"w": watermark.astimezone(timezone.utc).isoformat(), "seen": sorted(seen), "s": space_key}
        )
        lines = []
        for hit, when in fresh:
            pid, title, url, where, _ = result_row(rt, hit)
            version = (hit["content"].get("version") or {})
            number = version.get("number")
            who = (version.get("by") or {}).get("displayName", "")
            verb = "created" if number == 1 else f"edited (version {number})"
            lines.append(f"- [{title}]({url}) — {where}, {verb} by {who}, {short_date(when.isoformat())} UTC (id {pid})")
        text = (f"{len(fresh)} page{'s' if len(fresh) != 1 else ''} changed:\n\n" + "\n".join(lines)) if fresh else "No changes since the cursor."
        text, _ = clip(text, DEFAULT_BUDGET, "Call again with a smaller limit.")
        if more:
            text += "\n\nMore changes are waiting: call again with next_cursor."
        rows = [result_row(rt, h) for h, _ in fresh]
        return Reply(text, Changes(ids=[r[0] for r in rows], urls=[r[2] for r in rows], next_cursor=following, more=more))

    return [
        Tool("confluence_get_changes", "Get changes",
             "Sync: pages and blog posts created or changed since a time or cursor, and the next cursor.", get_changes,
             Effect.READ, "sync", output=Changes, invoking="Reading changes…", invoked="Read changes"),
    ]  # fmt: skip
