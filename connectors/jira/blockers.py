"""What makes an issue a blocker, said per issue: priority Blocker, flagged, or blocked by an open issue.

JQL can select candidates (`priority = Blocker OR Flagged is not EMPTY OR issueLinkType = "is blocked
by"`) but cannot look at the status of the issue at the other end of a link, so an issue blocked only
by issues that are already Done would be counted. `jira_search_issues(blockers=true)` therefore asks
for `issuelinks` too and keeps an issue only if it has a reason left (`reasons`); the rows dropped
are counted on the page, never hidden.

"Since when" (`since`) is the time of the issue's last status change, read from the changelogs of
the page's issues in one bulk request (issue creation when its status never changed). Jira keeps no
date on a link and none on the Flagged field itself, so this is the cheap, honest "blocked for":
how long the issue has stayed in its current status.
"""

from __future__ import annotations

from datetime import datetime

from shared.dates import parse_timestamp

from .client import JiraClient

CLAUSE = 'priority = Blocker OR Flagged is not EMPTY OR issueLinkType = "is blocked by"'
BLOCKED_BY = "is blocked by"


def _done(issue: dict) -> bool:
    category = ((issue.get("fields") or {}).get("status") or {}).get("statusCategory") or {}
    return category.get("key") == "done"


def blocked_by(issue: dict) -> tuple[list[str], list[str]]:
    """(keys of open issues blocking this one, keys of Done issues still linked as blocking it)."""
    still: list[str] = []
    done: list[str] = []
    for link in (issue.get("fields") or {}).get("issuelinks") or []:
        other = link.get("inwardIssue")
        if other is None or ((link.get("type") or {}).get("inward") or "").lower() != BLOCKED_BY:
            continue
        (done if _done(other) else still).append(other.get("key", ""))
    return still, done


def reasons(issue: dict, flagged_field: str | None) -> list[str]:
    """Why `issue` blocks work now; empty if nothing does any more (e.g. its only blocker is Done)."""
    fields = issue.get("fields") or {}
    why = []
    if ((fields.get("priority") or {}).get("name") or "").lower() == "blocker":
        why.append("priority Blocker")
    if flagged_field and fields.get(flagged_field):
        why.append("flagged")
    still, _ = blocked_by(issue)
    why += [f"blocked by {key}" for key in still]
    return why


async def since(client: JiraClient, issues: list[dict]) -> dict[str, datetime]:
    """Per issue key: when its status last changed (its creation if never), from one bulk changelog request."""
    if not issues:
        return {}
    ids_to_keys = {str(i.get("id")): i["key"] for i in issues}
    out: dict[str, datetime] = {}
    for issue in issues:
        created = parse_timestamp((issue.get("fields") or {}).get("created"))
        if created is not None:
            out[issue["key"]] = created
    token = None
    for _ in range(10):  # bounded: 10 x 1000 histories is far more than one page of issues has
        data = await client.bulk_changelogs([i["key"] for i in issues], token)
        for entry in data.get("issueChangeLogs", []):
            key = ids_to_keys.get(str(entry.get("issueId")), str(entry.get("issueId")))
            for history in entry.get("changeHistories", []):
                when = parse_timestamp(history.get("created"))
                moved = any(item.get("field") == "status" for item in history.get("items", []))
                if moved and when is not None and (key not in out or when > out[key]):
                    out[key] = when
        token = data.get("nextPageToken")
        if not token:
            break
    return out
