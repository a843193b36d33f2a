"""Projects, people and sprints: what names resolve to."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from shared.errors import InvalidInput
from shared.shaping import decode_cursor, encode_cursor, table
from shared.tools import Effect, Reply, tool

from ..runtime import JiraRuntime
from ..views import day, plain


class Listing(BaseModel):
    ids: list[str]
    next_cursor: str | None = None


@tool(
    name="jira_list_projects",
    title="List projects",
    description="Projects visible to you, filterable by key or name.",
    effect=Effect.READ,
    toolset="directory",
    output=Listing,
    invoking="Listing projects…",
    invoked="Listed projects",
)
async def list_projects(
    rt: JiraRuntime,
    query: Annotated[str, Field()] = "",
    limit: Annotated[int, Field(ge=1, le=100)] = 50,
    cursor: str = "",
) -> Reply:
    start = int(decode_cursor("jira-projects", cursor).get("s", 0)) if cursor else 0
    wanted = query.strip().lower()
    projects = [p for p in await rt.lookups.projects() if wanted in p["key"].lower() or wanted in p["name"].lower()]
    page = projects[start : start + limit]
    site = rt.client.site
    rows = [
        (f"[{p['key']}]({site}/browse/{p['key']})", p["name"], p.get("projectTypeKey", ""), plain(p.get("lead")))
        for p in page
    ]
    more = start + limit < len(projects)
    text = table(["Key", "Name", "Type", "Lead"], rows) if page else f'No project matches "{query[:100]}".'
    following = encode_cursor("jira-projects", {"s": start + limit}) if more else None
    return Reply(
        text + ("\n\nMore: call again with the cursor." if more else ""),
        Listing(ids=[p["key"] for p in page], next_cursor=following),
    )


@tool(
    name="jira_find_users",
    title="Find people",
    description="People by name or e-mail (optionally assignable in a project), with account ids.",
    effect=Effect.READ,
    toolset="directory",
    output=Listing,
    invoking="Looking up people…",
    invoked="Found people",
)
async def find_users(
    rt: JiraRuntime,
    query: Annotated[str, Field(description="Name or e-mail, or part of it")],
    project: Annotated[str, Field(description="Assignable in this project")] = "",
) -> Reply:
    if not query.strip():
        raise InvalidInput("query is empty: give part of a name or an e-mail.")
    client = rt.client
    project_key = (await rt.lookups.project(project))["key"] if project else None
    users = [u for u in await client.users(query, project_key) if u.get("active", True)][:25]
    rows = [
        (
            f"[{u.get('displayName')}]({client.site}/jira/people/{u['accountId']})",
            u.get("emailAddress", ""),
            u["accountId"],
        )
        for u in users
    ]
    text = table(["Name", "E-mail", "Account id"], rows) if rows else f'Nobody matches "{query[:100]}".'
    return Reply(text, Listing(ids=[u["accountId"] for u in users]))


@tool(
    name="jira_list_sprints",
    title="List sprints",
    description="Sprints of a project's board (or a board id) by state.",
    effect=Effect.READ,
    toolset="directory",
    output=Listing,
    invoking="Listing sprints…",
    invoked="Listed sprints",
)
async def list_sprints(
    rt: JiraRuntime,
    project: Annotated[str, Field()] = "",
    board: Annotated[int, Field(description="Instead of project")] = 0,
    state: list[Literal["active", "future", "closed"]] = ["active", "future"],
) -> Reply:
    lk = rt.lookups
    if not project and not board:
        raise InvalidInput("Give a project (key or name) or a board id.")
    board_obj: dict[str, Any] = (
        {"id": board, "name": f"board {board}"} if board else await lk.board((await lk.project(project))["key"])
    )
    sprints = [s for s in await lk.sprints(board_obj["id"]) if s.get("state") in state]
    tz = await lk.timezone()
    rows = [
        (s["id"], s["name"], s["state"], day(s.get("startDate"), tz), day(s.get("endDate"), tz), s.get("goal", ""))
        for s in sprints
    ]
    board_url = f"{rt.client.site}/secure/RapidBoard.jspa?rapidView={board_obj['id']}"
    if rows:
        text = f"Sprints of [{board_obj['name']}]({board_url}) (dates in {tz}):\n\n" + table(
            ["Id", "Name", "State", "Start", "End", "Goal"], rows
        )
    else:
        text = "No sprints in that state."
    return Reply(text, Listing(ids=[str(s["id"]) for s in sprints]))
