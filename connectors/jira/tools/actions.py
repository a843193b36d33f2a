"""Acting on an issue: change its status, comment on it, link it to another."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from shared.errors import InvalidInput
from shared.names import close
from shared.tools import Effect, Reply, tool

from ..adf import markdown_to_adf
from ..runtime import JiraRuntime
from .issues import IssueRef, IssueState, issue_key
from .writes import check_writable


def _project(key: str) -> str:
    return key.rsplit("-", 1)[0]


@tool(
    name="jira_transition_issue",
    title="Change status",
    description="Move an issue to a status; optional comment, resolution.",
    effect=Effect.CHANGE,
    toolset="issues",
    output=IssueState,
    invoking="Changing status…",
    invoked="Changed status",
    target_arg="key",
)
async def transition_issue(
    rt: JiraRuntime,
    key: str,
    status: Annotated[str, Field(description="Status or transition name")],
    comment: Annotated[str, Field(description="Markdown")] = "",
    resolution: Annotated[str, Field(description="e.g. Fixed, Won't Do")] = "",
) -> Reply:
    client = rt.client
    key = issue_key(key)
    check_writable(rt, _project(key))
    options = await client.transitions(key)
    if not options:
        raise InvalidInput(f"{key} has no transitions available to you.")
    by_name = {t["to"]["name"]: t for t in options} | {t["name"]: t for t in options}
    wanted = status.strip().lower()
    chosen = next((t for name, t in by_name.items() if name.lower() == wanted), None)
    if chosen is None:
        reachable = ", ".join(dict.fromkeys(t["to"]["name"] for t in options))
        raise InvalidInput(
            f'{key} cannot move to "{status}" from where it is now. Statuses it can move to: {reachable}.',
            candidates=close(status, list(by_name)),
        )
    fields = {"resolution": {"name": resolution}} if resolution else None
    await client.transition(key, chosen["id"], fields, markdown_to_adf(comment) if comment else None)
    url = client.browse_url(key)
    moved_to = chosen["to"]["name"]
    return Reply(f"Moved [{key}]({url}) to {moved_to}.", IssueState(key=key, url=url, status=moved_to), target=key)


@tool(
    name="jira_add_comment",
    title="Add comment",
    description="Add a markdown comment to an issue.",
    effect=Effect.ADD,
    toolset="issues",
    output=IssueRef,
    invoking="Commenting…",
    invoked="Commented",
    target_arg="key",
)
async def add_comment(rt: JiraRuntime, key: str, body: Annotated[str, Field(description="Markdown")]) -> Reply:
    client = rt.client
    key = issue_key(key)
    check_writable(rt, _project(key))
    if not body.strip():
        raise InvalidInput("body must not be empty.")
    created = await client.add_comment(key, markdown_to_adf(body))
    url = f"{client.browse_url(key)}?focusedCommentId={created.get('id')}"
    return Reply(f"Commented on [{key}]({url}).", IssueRef(key=key, url=url), target=key)


@tool(
    name="jira_link_issues",
    title="Link issues",
    description="Link two issues: key <link phrase> other_key, e.g. A blocks B.",
    effect=Effect.ADD,
    toolset="issues",
    output=IssueRef,
    invoking="Linking…",
    invoked="Linked",
    target_arg="key",
)
async def link_issues(
    rt: JiraRuntime,
    key: Annotated[str, Field()],
    link: Annotated[str, Field(description='"blocks", "is blocked by", "relates to", "duplicates"...')],
    other_key: str,
) -> Reply:
    client = rt.client
    key, other_key = issue_key(key), issue_key(other_key)
    if key == other_key:
        raise InvalidInput("An issue cannot be linked to itself.")
    check_writable(rt, _project(key))
    type_name, outward = await rt.lookups.link_type(link)
    # Jira links run from inwardIssue to outwardIssue, read with the outward phrase:
    # "A blocks B" is inwardIssue A, outwardIssue B; "A is blocked by B" is the reverse.
    inward_key, outward_key = (key, other_key) if outward else (other_key, key)
    await client.link(type_name, inward_key, outward_key)
    url = client.browse_url(key)
    other = f"[{other_key}]({client.browse_url(other_key)})"
    return Reply(f"Linked: [{key}]({url}) {link} {other}.", IssueRef(key=key, url=url), target=key)
