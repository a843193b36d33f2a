"""The sync tool: issues changed since a cursor or a time, with what changed.

Jira has no delta API. We keep a watermark: the `updated` time of the last issue reported,
plus the keys already reported at exactly that time. Each call re-queries from one minute
before the watermark (JQL compares to the minute, and the index lags), skips what was already
reported, and reads field-level changes from the changelogs (one bulk request). Deletions are
invisible to JQL; a periodic full listing reconciles them.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, Field

from shared.dates import parse_point
from shared.errors import InvalidInput
from shared.shaping import DEFAULT_BUDGET, clip, decode_cursor, encode_cursor
from shared.tools import Effect, Reply, Tool

from .. import jql as q
from ..views import plain, short_date

if TYPE_CHECKING:
    from ..runtime import JiraRuntime

OVERLAP = timedelta(minutes=1)


class Changes(BaseModel):
    keys: list[str]
    next_cursor: str = Field(description="Pass as cursor next time to get only newer changes")
    more: bool = Field(description="True if more changes are waiting: call again now")


def parse_jira_time(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%dT%H:%M:%S.%f%z")


def tools(rt: "JiraRuntime") -> list[Tool]:
    client = rt.client

    async def get_changes(
        since: Annotated[str, Field(description='e.g. "24h", "2026-11-01"')] = "",
        cursor: Annotated[str, Field(description="next_cursor of the last call")] = "",
        project: Annotated[str, Field()] = "",
        limit: Annotated[int, Field(ge=1, le=100)] = 50,
    ) -> Reply:
        if cursor:
            state = decode_cursor("jira-changes", cursor)
            watermark, seen, project_key = datetime.fromisoformat(state["w"]), set(state["seen"]), state["p"]
        elif since:
            watermark, seen = parse_point(since, rt.settings.timezone), set()
            project_key = (await rt.lookups.project(project))["key"] if project else ""
        else:
            raise InvalidInput('Give since (e.g. "24h") for a first sync, or the cursor from the previous call.')
        tz = await rt.timezone()
        clauses = [f"updated >= {q.when(watermark - OVERLAP, tz)}"]
        if project_key:
            clauses.append(f"project = {q.quote(project_key)}")
        query = q.join(clauses, "updated ASC, key ASC")

        fresh: list[dict] = []
        token, more = None, False
        while True:
            page = await client.search(query, ["summary", "updated", "status", "assignee"], 100, token)
            for issue in page.get("issues", []):
                updated = parse_jira_time(issue["fields"]["updated"])
                if updated < watermark or (updated == watermark and issue["key"] in seen):
                    continue
                if len(fresh) == limit:
                    more = True
                    break
                fresh.append(issue)
            token = page.get("nextPageToken")
            if more or not token or page.get("isLast", True):
                break

        histories = await changelogs(fresh, watermark) if fresh else {}
        if fresh:
            last = parse_jira_time(fresh[-1]["fields"]["updated"])
            at_last = {i["key"] for i in fresh if parse_jira_time(i["fields"]["updated"]) == last}
            seen = (seen | at_last) if last == watermark else at_last
            watermark = last
        next_cursor = encode_cursor(
            "jira-changes", {"w": watermark.astimezone(timezone.utc).isoformat(), "seen": sorted(seen), "p": project_key}
        )
        text = render(fresh, histories) if fresh else "No changes since the cursor."
        text, _ = clip(text, DEFAULT_BUDGET, "Call again with a smaller limit.")
        if more:
            text += "\n\nMore changes are waiting: call again with next_cursor."
        return Reply(text, Changes(keys=[i["key"] for i in fresh], next_cursor=next_cursor, more=more))

    async def changelogs(issues: list[dict], since: datetime) -> dict[str, list[str]]:
        """Field-level changes per issue key after `since`, from bulk changelog requests."""
        keys = [i["key"] for i in issues]
        ids_to_keys = {str(i.get("id")): i["key"] for i in issues}
        out: dict[str, list[str]] = {key: [] for key in keys}
        token = None
        while True:
            data = await client.bulk_changelogs(keys, token)
            for entry in data.get("issueChangeLogs", []):
                key = ids_to_keys.get(str(entry.get("issueId")), str(entry.get("issueId")))
                for history in entry.get("changeHistories", []):
                    created = history.get("created")
                    when = datetime.fromtimestamp(created / 1000, timezone.utc) if isinstance(created, (int, float)) else parse_jira_time(created)
                    if when <= since:
                        continue
                    for item in history.get("items", []):
                        out.setdefault(key, []).append(
                            f"{item.get('field')}: {item.get('fromString') or '∅'} → {item.get('toString') or '∅'}"
                            f" ({plain(history.get('author'))}, {short_date(when.isoformat())})"
                        )
            token = data.get("nextPageToken")
            if not token:
                return out

    def render(issues: list[dict], histories: dict[str, list[str]]) -> str:
        blocks = []
        for issue in issues:
            f = issue["fields"]
            changes = histories.get(issue["key"], [])
            lines = [
                f"- [{issue['key']}]({client.browse_url(issue['key'])}) {f.get('summary', '')} "
                f"— {plain(f.get('status'))}, updated {short_date(f.get('updated'))}"
            ]
            lines += [f"  - {c}" for c in changes] or ["  - (edited; no field history after the cursor)"]
            blocks.append("\n".join(lines))
        return f"{len(issues)} issue{'s' if len(issues) != 1 else ''} changed:\n\n" + "\n".join(blocks)

    return [
        Tool("jira_get_changes", "Get changes", "Sync: issues changed since a time or cursor, with what changed, and the next cursor.", get_changes, Effect.READ, "sync", output=Changes,
             invoking="Reading changes…", invoked="Read changes"),
    ]  # fmt: skip
