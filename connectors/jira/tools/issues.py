"""Reading issues: the ChatGPT `fetch` contract and `jira_get_issue`."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from shared.contract import FetchOutput
from shared.errors import InvalidInput
from shared.shaping import DEFAULT_BUDGET, clip
from shared.tools import Effect, Reply, tool

from .. import jql as q
from ..runtime import JiraRuntime
from ..views import (
    attachments_section,
    changelog_section,
    comments_section,
    issue_document,
    links_section,
    plain,
    transitions_section,
)

Part = Literal["comments", "changelog", "links", "transitions", "attachments"]


class IssueRef(BaseModel):
    key: str
    url: str


class IssueState(IssueRef):
    status: str


def issue_key(key: str) -> str:
    """An issue key as Jira wants it, or a clear error."""
    key = key.strip().upper()
    if not key or not q.ISSUE_KEY.match(key):
        raise InvalidInput(f'"{key[:40]}" is not an issue key. Issue keys look like PROJ-123.')
    return key


async def _sprint_extra(rt: JiraRuntime, fields: dict) -> dict[str, str]:
    sprint_id = await rt.lookups.field_id("Sprint")
    value = fields.get(sprint_id) if sprint_id else None
    return {"Sprint": plain(value)} if value else {}


async def read_issue(rt: JiraRuntime, key: str, parts: list[str], comment_limit: int = 5) -> tuple[dict, str]:
    """One issue and its markdown, with the parts asked for."""
    client = rt.client
    expand = ["names"] + [p for p in ("changelog", "transitions") if p in parts]
    issue = await client.issue(key, expand=",".join(expand))
    fields = issue.get("fields", {})
    url = client.browse_url(issue["key"])
    tz = await rt.lookups.timezone()
    sections = [issue_document(issue, url, await _sprint_extra(rt, fields), tz)]
    if "comments" in parts:
        block = fields.get("comment") or {}
        comments = (block.get("comments") or [])[-comment_limit:] if comment_limit else []
        sections.append(comments_section(list(reversed(comments)), block.get("total", len(comments)), tz))
    if "links" in parts:
        sections.append(links_section(fields.get("issuelinks") or [], client.browse_url))
    if "attachments" in parts:
        sections.append(attachments_section(fields.get("attachment") or []))
    if "changelog" in parts:
        sections.append(changelog_section((issue.get("changelog") or {}).get("histories", [])[-20:], tz))
    if "transitions" in parts:
        sections.append(transitions_section(issue.get("transitions") or []))
    text, _ = clip("\n\n".join(s for s in sections if s), DEFAULT_BUDGET, "Ask for fewer parts.")
    return issue, text


@tool(
    name="fetch",
    title="Fetch issue",
    description="One Jira issue (id from search) as markdown.",
    effect=Effect.READ,
    toolset="search",
    invoking="Opening issue…",
    invoked="Opened issue",
)
async def fetch(rt: JiraRuntime, id: Annotated[str, Field()]) -> FetchOutput:
    issue, text = await read_issue(rt, issue_key(id), ["comments", "links"])
    fields = issue.get("fields", {})
    facts = (
        ("status", "status"),
        ("assignee", "assignee"),
        ("priority", "priority"),
        ("updated", "updated"),
        ("type", "issuetype"),
    )
    tz = await rt.lookups.timezone()
    metadata = {k: plain(fields.get(f), tz) for k, f in facts if fields.get(f)}
    if "updated" in metadata:
        metadata["updated"] += f" ({tz})"
    return FetchOutput(
        id=issue["key"],
        title=f"{issue['key']}: {fields.get('summary', '')}",
        text=text,
        url=rt.client.browse_url(issue["key"]),
        metadata=metadata,
    )


@tool(
    name="jira_get_issue",
    title="Get issue",
    description="One issue as markdown, with the parts asked for.",
    effect=Effect.READ,
    toolset="issues",
    output=IssueState,
    invoking="Reading issue…",
    invoked="Read issue",
)
async def get_issue(
    rt: JiraRuntime,
    key: Annotated[str, Field(description="e.g. SHOP-12")],
    include: Annotated[list[Part], Field()] = ["comments"],
    comment_limit: Annotated[int, Field(ge=0, le=50)] = 5,
) -> Reply:
    issue, text = await read_issue(rt, issue_key(key), list(include), comment_limit)
    status = plain(issue["fields"].get("status"))
    return Reply(text, IssueState(key=issue["key"], url=rt.client.browse_url(issue["key"]), status=status))
