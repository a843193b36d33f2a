"""The sync tool: issues changed since a cursor or a time, with what changed.

Jira has no delta API, so the cursor is a watermark (`shared.watermark`): each call re-queries
`updated >=` a minute before it, skips what was already reported, and reads field-level changes
from the changelogs (one bulk request). Deletions are invisible to JQL; a periodic full listing
reconciles them.
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

from .. import jql as q
from ..runtime import JiraRuntime
from ..views import plain

CURSOR = "jira-changes"


class Changes(BaseModel):
    keys: list[str]
    next_cursor: str = Field(description="Pass as cursor next time to get only newer changes")
    more: bool = Field(description="True if more changes are waiting: call again now")


@tool(
    name="jira_get_changes",
    title="Get changes",
    description="Sync: issues changed since a time or cursor, with what changed, and the next cursor.",
    effect=Effect.READ,
    toolset="sync",
    output=Changes,
    invoking="Reading changes…",
    invoked="Read changes",
)
async def get_changes(
    rt: JiraRuntime,
    since: Annotated[str, Field(description='e.g. "24h", "2026-11-01"')] = "",
    cursor: Annotated[str, Field(description="next_cursor of the last call")] = "",
    project: Annotated[str, Field()] = "",
    limit: Annotated[int, Field(ge=1, le=100)] = 50,
) -> Reply:
    tz = await rt.lookups.timezone()

    async def scope() -> str:
        return str((await rt.lookups.project(project))["key"]) if project else ""

    mark = await starting_point(CURSOR, cursor, since, tz, scope)
    clauses = [f"updated >= {q.when(mark.query_from, tz)}"]
    if mark.scope:
        clauses.append(f"project = {q.quote(mark.scope)}")
    query = q.join(clauses, "updated ASC, key ASC")

    async def pages() -> AsyncIterator[list[dict]]:
        token = None
        while True:
            page = await rt.client.search(query, ["summary", "updated", "created", "status", "assignee"], 100, token)
            yield page.get("issues", [])
            token = page.get("nextPageToken")
            if not token or page.get("isLast", True):
                return

    found, more = await collect(pages(), mark, lambda i: (parse_timestamp(i["fields"]["updated"]), i["key"]), limit)
    fresh = [issue for issue, _ in found]

    histories = await _changelogs(rt, fresh, mark.at, tz) if fresh else {}
    following = mark.after((when, issue["key"]) for issue, when in found)
    text = _render(rt, fresh, histories, mark.at, tz) if fresh else "No changes since the cursor."
    text, _ = clip(text, DEFAULT_BUDGET, "Call again with a smaller limit.")
    if more:
        text += "\n\nMore changes are waiting: call again with next_cursor."
    return Reply(text, Changes(keys=[i["key"] for i in fresh], next_cursor=following.encode(CURSOR), more=more))


async def _changelogs(rt: JiraRuntime, issues: list[dict], since: datetime, tz: str) -> dict[str, list[str]]:
    """Field-level changes per issue key after `since`, from bulk changelog requests."""
    keys = [i["key"] for i in issues]
    ids_to_keys = {str(i.get("id")): i["key"] for i in issues}
    out: dict[str, list[str]] = {key: [] for key in keys}
    token = None
    while True:
        data = await rt.client.bulk_changelogs(keys, token)
        for entry in data.get("issueChangeLogs", []):
            key = ids_to_keys.get(str(entry.get("issueId")), str(entry.get("issueId")))
            for history in entry.get("changeHistories", []):
                when = parse_timestamp(history.get("created"))
                if when is None or when <= since:
                    continue
                for item in history.get("items", []):
                    out.setdefault(key, []).append(
                        f"{item.get('field')}: {item.get('fromString') or '∅'} → {item.get('toString') or '∅'}"
                        f" ({plain(history.get('author'))}, {local(when.isoformat(), tz)})"
                    )
        token = data.get("nextPageToken")
        if not token:
            return out


def _render(rt: JiraRuntime, issues: list[dict], histories: dict[str, list[str]], since: datetime, tz: str) -> str:
    blocks = []
    for issue in issues:
        f = issue["fields"]
        changes = histories.get(issue["key"], [])
        created = parse_timestamp(f.get("created"))
        lines = [
            f"- [{issue['key']}]({rt.client.browse_url(issue['key'])}) {f.get('summary', '')} "
            f"— {plain(f.get('status'))}, updated {local(f.get('updated'), tz)}"
        ]
        if created is not None and created > since - q.MINUTE:  # new since the cursor: created, whatever came after
            lines.append(f"  - created {local(f.get('created'), tz)}")
            lines += [f"  - then {c}" for c in changes]
        else:
            lines += [f"  - {c}" for c in changes] or ["  - (edited; no field history after the cursor)"]
        blocks.append("\n".join(lines))
    count = f"{len(issues)} issue{'s' if len(issues) != 1 else ''} changed ({times_in(tz)})"
    return f"{count}:\n\n" + "\n".join(blocks)
