"""Projects, people and sprints: what names resolve to."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, Field

from shared.errors import InvalidInput
from shared.shaping import decode_cursor, encode_cursor, table
from shared.tools import Effect, Reply, Tool

from ..views import plain, short_date

if TYPE_CHECKING:
    from ..runtime import JiraRuntime


class Listing(BaseModel):
    ids: list[str]
    next_cursor: str | None = None


def tools(rt: "JiraRuntime") -> list[Tool]:
    lk, client = rt.lookups, rt.client

    async def list_projects(
        query: Annotated[str, Field()] = "",
        limit: Annotated[int, Field(ge=1, le=100)] = 50,
        cursor: str = "",
    ) -> Reply:
        start = decode_cursor("jira-projects", cursor)["s"] if cursor else 0
        wanted = query.strip().lower()
        projects = [p for p in await lk.projects() if wanted in p["key"].lower() or wanted in p["name"].lower()]
        page = projects[start : start + limit]
        rows = [
            (f"[{p['key']}]({client.site}/browse/{p['key']})", p["name"], p.get("projectTypeKey", ""), plain(p.get("lead")))
            for p in page
        ]
        more = start + limit < len(projects)
        text = table(["Key", "Name", "Type", "Lead"], rows) if page else f'No project matches "{query}".'
        return Reply(
            text + ("\n\nMore: call again with the cursor." if more else ""),
            Listing(ids=[p["key"] for p in page], next_cursor=encode_cursor("jira-projects", {"s": start + limit}) if more else None),
        )

    async def find_users(
        query: Annotated[str, Field(description="Name or e-mail, or part of it")],
        project: Annotated[str, Field(description="Assignable in this project")] = "",
    ) -> Reply:
        if not query.strip():
            raise InvalidInput("query is empty: give part of a name or an e-mail.")
        project_key = (await lk.project(project))["key"] if project else None
        users = [u for u in await client.users(query, project_key) if u.get("active", True)]
        rows = [
            (f"[{u.get('displayName')}]({client.site}/jira/people/{u['accountId']})", u.get("emailAddress", ""), u["accountId"])
            for u in users[:25]
        ]
        text = table(["Name", "E-mail", "Account id"], rows) if rows else f'Nobody matches "{query}".'
        return Reply(text, Listing(ids=[u["accountId"] for u in users[:25]]))

    async def list_sprints(
        project: Annotated[str, Field()] = "",
        board: Annotated[int, Field(description="Instead of project")] = 0,
        state: list[Literal["active", "future", "closed"]] = ["active", "future"],
    ) -> Reply:
        if not project and not board:
            raise InvalidInput("Give a project (key or name) or a board id.")
        board_obj = {"id": board, "name": f"board {board}"} if board else await lk.board((await lk.project(project))["key"])
        sprints = [s for s in await lk.sprints(board_obj["id"]) if s.get("state") in state]
        rows = [
            (s["id"], s["name"], s["state"], short_date(s.get("startDate"))[:10], short_date(s.get("endDate"))[:10], s.get("goal", ""))
            for s in sprints
        ]
        board_url = f"{client.site}/secure/RapidBoard.jspa?rapidView={board_obj['id']}"
        text = f"Sprints of [{board_obj['name']}]({board_url}):\n\n" + table(["Id", "Name", "State", "Start", "End", "Goal"], rows) if rows else "No sprints in that state."
        return Reply(text, Listing(ids=[str(s["id"]) for s in sprints]))

    return [
        Tool("jira_list_projects", "List projects", "Projects visible to you, filterable by key or name.",
             list_projects, Effect.READ, "directory", output=Listing, invoking="Listing projects…", invoked="Listed projects"),
        Tool("jira_find_users", "Find people", "People by name or e-mail (optionally assignable in a project), with account ids.", find_users, Effect.READ, "directory", output=Listing,
             invoking="Looking up people…", invoked="Found people"),
        Tool("jira_list_sprints", "List sprints", "Sprints of a project's board (or a board id) by state.",
             list_sprints, Effect.READ, "directory", output=Listing, invoking="Listing sprints…", invoked="Listed sprints"),
    ]  # fmt: skip
