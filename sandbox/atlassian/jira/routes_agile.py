"""Jira Software (Agile 1.0) endpoints: boards, sprints, sprint/backlog moves, board and sprint issues."""

from __future__ import annotations

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import catalog as C
from . import render as R
from .http import ApiError, Ctx, csv, endpoint, get_issue_or_404, visible_issue, visible_project
from .jql import evaluate as JQ


def _board_json(ctx: Ctx, b) -> dict:
    p = C.PROJECT_BY_KEY[b.project_key]
    return {
        "id": b.id,
        "self": f"{ctx.base}/rest/agile/1.0/board/{b.id}",
        "name": b.name,
        "type": b.type,
        "location": {
            "projectId": int(p.id),
            "displayName": f"{p.name} ({p.key})",
            "projectName": p.name,
            "projectKey": p.key,
            "projectTypeKey": p.type_key,
            "avatarURI": f"{ctx.base}/rest/api/2/universal_avatar/view/type/project/avatar/10400?size=small",
            "name": f"{p.name} ({p.key})",
        },
    }


def _page(ctx: Ctx, values: list, default_max: int = 50, *, total: bool = True) -> dict:
    start = ctx.int_param("startAt", 0)
    mx = ctx.int_param("maxResults", default_max, hi=50 if default_max <= 50 else 1000)
    page = values[start : start + mx]
    out = {"maxResults": mx, "startAt": start, "isLast": start + len(page) >= len(values), "values": page}
    if total:
        out["total"] = len(values)
    return out


def _board_or_404(ctx: Ctx):
    try:
        b = ctx.store.boards.get(int(ctx.request.path_params["board"]))
    except ValueError:
        b = None
    if b is not None and visible_project(ctx, b.project_key) is None:
        b = None
    if b is None:
        raise ApiError(
            404,
            [
                "The requested board cannot be viewed because it either does not exist "
                "or you do not have permission to view it."
            ],
        )
    return b


def _sprint_or_404(ctx: Ctx):
    try:
        s = ctx.store.sprints.get(int(ctx.request.path_params["sprint"]))
    except ValueError:
        s = None
    if s is None:
        raise ApiError(404, ["Sprint does not exist or you do not have permission to view it."])
    return s


@endpoint(versioned=False)
async def boards(ctx: Ctx):
    bs = sorted((b for b in ctx.store.boards.values() if visible_project(ctx, b.project_key)), key=lambda b: b.id)
    pk = ctx.q.get("projectKeyOrId")
    if pk:
        p = visible_project(ctx, pk)
        bs = [b for b in bs if p and b.project_key == p.key]
    if ctx.q.get("type"):
        bs = [b for b in bs if b.type in ctx.q["type"].split(",")]
    if ctx.q.get("name"):
        bs = [b for b in bs if ctx.q["name"].lower() in b.name.lower()]
    return JSONResponse(_page(ctx, [_board_json(ctx, b) for b in bs]))


@endpoint(versioned=False)
async def board_get(ctx: Ctx):
    return JSONResponse(_board_json(ctx, _board_or_404(ctx)))


@endpoint(versioned=False)
async def board_sprints(ctx: Ctx):
    b = _board_or_404(ctx)
    states = csv(ctx.q.getlist("state")) or {"active", "future", "closed"}
    ss = [R.sprint_json(s, ctx.base, agile=True) for s in ctx.store.board_sprints(b.id) if s.state in states]
    return JSONResponse(_page(ctx, ss, total=False))


@endpoint(versioned=False)
async def sprint_get(ctx: Ctx):
    return JSONResponse(R.sprint_json(_sprint_or_404(ctx), ctx.base, agile=True))


AGILE_FIELDS = ("sprint", "closedSprints", "flagged", "epic")


def _epic_json(ctx: Ctx, issue) -> dict | None:
    epic = ctx.store.issues.get(issue.parent_id) if issue.parent_id else None
    if epic is None or epic.issuetype_id != C.EPIC:
        return None
    return {
        "id": epic.id,
        "key": epic.key,
        "self": f"{ctx.base}/rest/agile/1.0/epic/{epic.id}",
        "name": epic.summary,
        "summary": epic.summary,
        "color": {"key": f"color_{epic.id % 14 + 1}"},
        "done": epic.status_id == C.DONE,
    }


def agile_issue_json(ctx: Ctx, issue, fields: list[str], expand: set[str]) -> dict:
    """An issue as Jira Software renders it: platform fields plus sprint, closedSprints, flagged and epic."""
    out = R.issue_json(issue, ctx.store, ctx.base, 2, fields, expand, viewer=ctx.user.account_id)
    out["self"] = f"{ctx.base}/rest/agile/1.0/issue/{issue.id}"
    if "fields" not in out:
        return out
    sprints = [ctx.store.sprints[s] for s in issue.sprint_ids if s in ctx.store.sprints]
    current = next((s for s in sprints if s.state != "closed"), None)
    extra = {
        "sprint": R.sprint_json(current, ctx.base, agile=True) if current else None,
        "closedSprints": [R.sprint_json(s, ctx.base, agile=True) for s in sprints if s.state == "closed"],
        "flagged": issue.flagged,
        "epic": _epic_json(ctx, issue),
    }
    out["fields"].update({name: value for name, value in extra.items() if name in fields})
    return out


def _agile_fields(ctx: Ctx) -> list[str]:
    return R.parse_fields_param(ctx.q.getlist("fields") or None, R.NAVIGABLE_IDS + list(AGILE_FIELDS))


@endpoint(versioned=False)
async def issue_get(ctx: Ctx):
    issue = get_issue_or_404(ctx, ctx.request.path_params["key"])
    return JSONResponse(agile_issue_json(ctx, issue, _agile_fields(ctx), csv(ctx.q.get("expand"))))


def _issues_page(ctx: Ctx, base_pred, extra_jql: str | None):
    issues = [i for i in ctx.store.issues.values() if base_pred(i) and visible_issue(ctx, i.id)]
    if extra_jql:
        allowed = {i.id for i in JQ.search(ctx.store, extra_jql, ctx.user, ctx.now, require_bounded=False)}
        issues = [i for i in issues if i.id in allowed]
        order = JQ.parse(extra_jql).order
    else:
        order = [("key", "ASC")]
    issues = JQ.sort_issues(issues, order, ctx.store)
    fields = _agile_fields(ctx)
    expand = csv(ctx.q.get("expand"))
    start = ctx.int_param("startAt", 0)
    mx = ctx.int_param("maxResults", 50, hi=100)
    page = issues[start : start + mx]
    return JSONResponse(
        {
            "expand": "schema,names",
            "startAt": start,
            "maxResults": mx,
            "total": len(issues),
            "issues": [agile_issue_json(ctx, i, fields, expand) for i in page],
        }
    )


@endpoint(versioned=False)
async def board_issues(ctx: Ctx):
    b = _board_or_404(ctx)
    return _issues_page(ctx, lambda i: i.project_key == b.project_key, ctx.q.get("jql"))


@endpoint(versioned=False)
async def sprint_issues(ctx: Ctx):
    s = _sprint_or_404(ctx)
    return _issues_page(ctx, lambda i: s.id in i.sprint_ids, ctx.q.get("jql"))


def _issues_from_body(ctx: Ctx, body: dict):
    keys = body.get("issues")
    if not isinstance(keys, list) or not keys or len(keys) > 50:
        raise ApiError(400, ["'issues' must contain between 1 and 50 issue keys or ids."])
    out = []
    for k in keys:
        i = visible_issue(ctx, k)
        if i is None:
            raise ApiError(404, [f"Issue '{k}' does not exist or you do not have permission to see it."])
        if i.issuetype.subtask or i.issuetype_id == C.EPIC:
            raise ApiError(400, [f"Issue '{i.key}' cannot be moved: sub-tasks and epics are not ranked in sprints."])
        out.append(i)
    return out


@endpoint(versioned=False)
async def sprint_move(ctx: Ctx):
    s = _sprint_or_404(ctx)
    if s.state == "closed":
        raise ApiError(400, ["Issues can only be moved to an active or future sprint."])
    for i in _issues_from_body(ctx, await ctx.body()):
        ctx.store.move_to_sprint(i, s.id, ctx.user.account_id, ctx.now)
    return Response(status_code=204)


@endpoint(versioned=False)
async def backlog_move(ctx: Ctx):
    for i in _issues_from_body(ctx, await ctx.body()):
        ctx.store.move_to_sprint(i, None, ctx.user.account_id, ctx.now)
    return Response(status_code=204)


ROUTES = [
    Route("/rest/agile/1.0/board", boards, methods=["GET"]),
    Route("/rest/agile/1.0/board/{board}", board_get, methods=["GET"]),
    Route("/rest/agile/1.0/board/{board}/sprint", board_sprints, methods=["GET"]),
    Route("/rest/agile/1.0/board/{board}/issue", board_issues, methods=["GET"]),
    Route("/rest/agile/1.0/issue/{key:issuekey}", issue_get, methods=["GET"]),
    Route("/rest/agile/1.0/sprint/{sprint}", sprint_get, methods=["GET"]),
    Route("/rest/agile/1.0/sprint/{sprint}/issue", sprint_issues, methods=["GET"]),
    Route("/rest/agile/1.0/sprint/{sprint}/issue", sprint_move, methods=["POST"]),
    Route("/rest/agile/1.0/backlog/issue", backlog_move, methods=["POST"]),
]
