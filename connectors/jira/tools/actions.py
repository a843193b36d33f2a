"""Acting on an issue: change its status, comment on it, link it to another."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

from pydantic import Field

from shared.dates import parse_timestamp
from shared.errors import InvalidInput
from shared.idempotency import run_once
from shared.names import close
from shared.tools import Effect, Reply, tool

from ..adf import adf_to_text, markdown_to_adf
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
async def add_comment(
    rt: JiraRuntime,
    key: str,
    body: Annotated[str, Field(description="Markdown")],
    idempotency_key: str = "",
) -> Reply:
    client = rt.client
    key = issue_key(key)
    check_writable(rt, _project(key))
    if not body.strip():
        raise InvalidInput("body must not be empty.")
    document = markdown_to_adf(body)

    async def write() -> dict:
        return {"id": str((await client.add_comment(key, document)).get("id"))}

    if idempotency_key:
        request = {"key": key, "body": body}
        found = lambda: find_comment(rt, key, document)  # noqa: E731
        result, reused = await run_once(rt.idempotency, rt.identity(), idempotency_key, request, write, found)
    else:
        result, reused = await write(), False
    url = f"{client.browse_url(key)}?focusedCommentId={result['id']}"
    verb = "Already commented (same idempotency_key)" if reused else "Commented"
    return Reply(f"{verb} on [{key}]({url}).", IssueRef(key=key, url=url), target=key)


RECENT = timedelta(hours=1)


async def find_comment(rt: JiraRuntime, key: str, document: dict[str, Any]) -> dict | None:
    """After an uncertain comment: our comment with this body on `key`, written in the last hour, if Jira has it."""
    me = (await rt.lookups.me()).get("accountId")
    wanted = " ".join(adf_to_text(document).split())
    since = datetime.now(UTC) - RECENT
    for comment in (await rt.client.comments(key, 50)).get("comments", []):
        created = parse_timestamp(comment.get("created"))
        if created is None or created < since or (comment.get("author") or {}).get("accountId") != me:
            continue
        body = comment.get("body")
        if isinstance(body, dict) and " ".join(adf_to_text(body).split()) == wanted:
            return {"id": str(comment.get("id"))}
    return None


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
    link: Annotated[str, Field(description='"blocks", "is blocked by", "relates to"...')],
    other_key: str,
    idempotency_key: str = "",
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

    async def write() -> dict:
        await client.link(type_name, inward_key, outward_key)
        return {"linked": True}

    if idempotency_key:
        request = {"type": type_name, "inward": inward_key, "outward": outward_key}
        found = lambda: find_link(rt, type_name, inward_key, outward_key)  # noqa: E731
        _, reused = await run_once(rt.idempotency, rt.identity(), idempotency_key, request, write, found)
    else:
        _, reused = await write(), False
    url = client.browse_url(key)
    other = f"[{other_key}]({client.browse_url(other_key)})"
    verb = "Already linked (same idempotency_key)" if reused else "Linked"
    return Reply(f"{verb}: [{key}]({url}) {link} {other}.", IssueRef(key=key, url=url), target=key)


async def find_link(rt: JiraRuntime, type_name: str, inward_key: str, outward_key: str) -> dict | None:
    """After an uncertain link: the link of that type from `inward_key` to `outward_key`, if Jira has it."""
    issue = await rt.client.issue(inward_key, fields="issuelinks", expand="")
    for existing in (issue.get("fields") or {}).get("issuelinks") or []:
        if (existing.get("type") or {}).get("name") != type_name:
            continue
        if (existing.get("outwardIssue") or {}).get("key") == outward_key:
            return {"linked": True}
    return None
