"""A Jira rule's condition: `jira_search_issues`' own filters, read by its own `build_jql`.

The condition is stored as given (a mapping of filter name -> value) and turned into JQL at each
run, so "me", sprint "current" and relative dates mean what they mean on that day, for the owner.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from shared.dates import parse_timestamp
from shared.errors import InvalidInput
from shared.rules import Found, Item

from .. import blockers as b
from ..runtime import JiraRuntime
from ..tools.search import build_jql

TEXTS = ("jql", "project", "text", "assignee", "issue_type", "sprint", "created", "updated", "unchanged_for")
LISTS = ("status", "priority", "labels")
FILTERS = (*TEXTS, *LISTS, "blockers")
PAGES, PAGE = 5, 100  # a rule watches at most 500 issues at once


def normalised(condition: dict[str, Any]) -> dict[str, Any]:
    """The condition's filters with their types checked; a clear message naming the wrong one."""
    if not isinstance(condition, dict) or not condition:
        raise InvalidInput(
            'condition is empty: give jira_search_issues filters, e.g. {"project": "SHOP", "blockers": true, '
            '"unchanged_for": "48h"}.'
        )
    wrong = [name for name in condition if name not in FILTERS]
    if wrong:
        names = ", ".join(map(str, wrong))[:200]
        raise InvalidInput(f"condition: unknown filter(s) {names}. Use: {', '.join(FILTERS)}.")
    out: dict[str, Any] = {}
    for name, value in condition.items():
        if name in LISTS:
            values = [value] if isinstance(value, str) else value
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise InvalidInput(f"condition.{name} must be a list of names.")
            out[name] = values
        elif name == "blockers":
            if not isinstance(value, bool):
                raise InvalidInput("condition.blockers must be true or false.")
            out[name] = value
        elif not isinstance(value, str):
            raise InvalidInput(f"condition.{name} must be text.")
        else:
            out[name] = value
    return out


async def hidden_project(rt: JiraRuntime, condition: dict[str, Any]) -> str:
    """Why the condition's project finds nothing for this person ("" when they can see it)."""
    ref = str(condition.get("project") or "").strip()
    if not ref:
        return ""
    for project in await rt.lookups.projects():
        if ref.lower() in (project["key"].lower(), project["name"].lower(), str(project["id"])):
            return ""
    return (
        f'Project "{ref[:40]}" is not visible to this rule\'s owner (it does not exist, or they may not browse it), '
        "so the rule finds nothing: it acts only within its owner's permissions."
    )


async def jql_for(rt: JiraRuntime, condition: dict[str, Any]) -> str:
    c = normalised(condition)
    return await build_jql(
        rt,
        c.get("jql", ""),
        c.get("project", ""),
        c.get("text", ""),
        c.get("status"),
        c.get("assignee", ""),
        c.get("issue_type", ""),
        c.get("priority"),
        c.get("labels"),
        c.get("sprint", ""),
        c.get("created", ""),
        c.get("updated", ""),
        c.get("unchanged_for", ""),
        bool(c.get("blockers")),
    )


async def upstream_now(rt: JiraRuntime) -> datetime:
    """Jira's clock (serverInfo): ages are measured the way its JQL measured them."""
    info = await rt.client.call("GET", f"{rt.client.api_root}/serverInfo")
    return parse_timestamp((info or {}).get("serverTime")) or datetime.now(UTC)


async def find(rt: JiraRuntime, condition: dict[str, Any]) -> Found:
    now = await upstream_now(rt)
    hidden = await hidden_project(rt, condition)
    if hidden:
        return Found([], now, hidden)
    query = await jql_for(rt, condition)
    blockers = bool(condition.get("blockers"))
    flagged = await rt.lookups.field_id("Flagged") if blockers else None
    fields = ["summary", "created", "status", "priority"] + (["issuelinks", flagged] if flagged else ["issuelinks"])
    issues: list[dict] = []
    token = None
    for _ in range(PAGES):
        page = await rt.client.search(query, fields, PAGE, token)
        issues += page.get("issues", [])
        token = page.get("nextPageToken")
        if not token or page.get("isLast", False):
            break
    why = {i["key"]: b.reasons(i, flagged) if blockers else [] for i in issues}
    if blockers:  # blocked only by issues already Done: not a blocker any more
        issues = [i for i in issues if why[i["key"]]]
    moments = await b.since(rt.client, issues)
    items = [
        Item(
            key=i["key"],
            title=str((i.get("fields") or {}).get("summary") or ""),
            url=rt.client.browse_url(i["key"]),
            since=moments.get(i["key"]),
            why="; ".join(why[i["key"]]),
        )
        for i in issues
    ]
    more = " (only the first 500 are watched)" if token else ""
    return Found(items, now, f"JQL: {query}{more}")
