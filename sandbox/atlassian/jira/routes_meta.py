"""Platform metadata endpoints: myself, users, projects, fields, create/edit meta, priorities, statuses..."""

from __future__ import annotations

from starlette.responses import JSONResponse
from starlette.routing import Route

from .. import users as U
from . import catalog as C
from . import render as R
from .http import ApiError, Ctx, endpoint, get_issue_or_404, visible_project


def _user_json(ctx: Ctx, u: U.User) -> dict:
    d = u.to_json(ctx.base)
    d["self"] = f"{ctx.base}/rest/api/{ctx.version}/user?accountId={u.account_id}"
    return d


@endpoint()
async def myself(ctx: Ctx):
    d = _user_json(ctx, ctx.user)
    d["groups"] = {"size": 2, "items": []}
    d["applicationRoles"] = {"size": 1, "items": []}
    d["expand"] = "groups,applicationRoles"
    return JSONResponse(d)


def _paged_users(ctx: Ctx, users):
    start = ctx.int_param("startAt", 0)
    mx = ctx.int_param("maxResults", 50, hi=1000)
    return JSONResponse([_user_json(ctx, u) for u in users[start : start + mx]])


@endpoint()
async def user_search(ctx: Ctx):
    q = ctx.q.get("query")
    if q is None and not ctx.q.get("accountId") and not ctx.q.get("property"):
        raise ApiError(400, ["One of 'query' or 'accountId' or 'property' parameters must be provided."])
    if ctx.q.get("accountId"):
        u = U.BY_ACCOUNT_ID.get(ctx.q["accountId"])
        return _paged_users(ctx, [u] if u else [])
    return _paged_users(ctx, [u for u in U.search(q) if u.active])


@endpoint()
async def user_assignable(ctx: Ctx):
    proj = None
    if ctx.q.get("issueKey") or ctx.q.get("issueId"):
        issue = get_issue_or_404(ctx, ctx.q.get("issueKey") or ctx.q.get("issueId"))
        proj = issue.project
    elif ctx.q.get("project"):
        proj = visible_project(ctx, ctx.q["project"])
        if proj is None:
            raise ApiError(404, [f"No project could be found with key '{ctx.q['project']}'."])
    else:
        raise ApiError(400, ["A project, issue key or issue ID must be specified."])
    pool = proj.member_users()
    if ctx.q.get("accountId"):
        pool = [u for u in pool if u.account_id == ctx.q["accountId"]]
    return _paged_users(ctx, U.search(ctx.q.get("query") or ctx.q.get("username") or "", pool))


@endpoint()
async def user_get(ctx: Ctx):
    u = U.BY_ACCOUNT_ID.get(ctx.q.get("accountId") or "")
    if u is None:
        raise ApiError(404, ["Specified user does not exist or you do not have required permissions"])
    return JSONResponse(_user_json(ctx, u))


def _project_json(ctx: Ctx, p: C.Project, full: bool = False) -> dict:
    d = R.project_ref(p, ctx.base, ctx.version)
    d.update(
        {
            "isPrivate": False,
            "style": "classic",
            "properties": {},
            "uuid": f"{int(p.id):08x}-0000-4000-8000-000000000000",
            "description": p.description,
        }
    )
    d["lead"] = U.BY_LOCALPART[p.lead].to_ref(ctx.base)
    if full:
        d["issueTypes"] = [R.issuetype_json(C.ITYPE_BY_ID[t], ctx.base, ctx.version) for t in p.issue_types]
        d["assigneeType"] = "UNASSIGNED"
        d["roles"] = {}
        d["components"] = []
        d["versions"] = []
    return d


@endpoint()
async def project_search(ctx: Ctx):
    q = (ctx.q.get("query") or "").lower()
    ps = [p for p in C.PROJECTS if (not q or q in p.key.lower() or q in p.name.lower()) and visible_project(ctx, p.key)]
    order = ctx.q.get("orderBy") or "key"
    desc = order.startswith("-")
    attr = order.lstrip("+-")
    ps.sort(key=lambda p: {"name": p.name, "key": p.key, "category": p.key}.get(attr, p.key).lower(), reverse=desc)
    if ctx.q.get("typeKey"):
        ps = [p for p in ps if p.type_key in ctx.q["typeKey"].split(",")]
    start = ctx.int_param("startAt", 0)
    mx = ctx.int_param("maxResults", 50, hi=100)
    page = ps[start : start + mx]
    nxt = start + len(page) < len(ps)
    out = {
        "self": str(ctx.request.url),
        "maxResults": mx,
        "startAt": start,
        "total": len(ps),
        "isLast": not nxt,
        "values": [_project_json(ctx, p) for p in page],
    }
    if nxt:
        out["nextPage"] = f"{ctx.base}/rest/api/{ctx.version}/project/search?startAt={start + mx}&maxResults={mx}"
    return JSONResponse(out)


@endpoint()
async def project_get(ctx: Ctx):
    p = visible_project(ctx, ctx.request.path_params["pkey"])
    if p is None:
        raise ApiError(404, [f"No project could be found with key '{ctx.request.path_params['pkey']}'."])
    return JSONResponse(_project_json(ctx, p, full=True))


def _field_json(f: C.FieldDef) -> dict:
    d = {
        "id": f.id,
        "key": f.id,
        "name": f.name,
        "custom": f.custom,
        "orderable": f.orderable,
        "navigable": f.navigable,
        "searchable": f.searchable,
        "clauseNames": list(f.clause_names),
        "schema": f.schema,
    }
    return d


@endpoint()
async def fields(ctx: Ctx):
    return JSONResponse([_field_json(f) for f in C.FIELDS])


def _allowed(ctx: Ctx, fid: str, p: C.Project):
    b, v = ctx.base, ctx.version
    if fid == "priority":
        return [R.priority_json(x, b, v) for x in C.PRIORITIES]
    if fid == "issuetype":
        return [R.issuetype_json(C.ITYPE_BY_ID[t], b, v) for t in p.issue_types]
    if fid == "project":
        return [R.project_ref(p, b, v)]
    if fid == "components":
        return [R.component_json(c, b, v) for c in ctx.store.components.values() if c.project_key == p.key]
    if fid == "fixVersions":
        return [R.version_json(x, b, v) for x in ctx.store.versions.values() if x.project_key == p.key]
    if fid == C.CF_FLAGGED:
        return [{"self": f"{b}/rest/api/{v}/customFieldOption/{C.FLAGGED_OPTION['id']}", **C.FLAGGED_OPTION}]
    if fid == C.CF_TEAM:
        return [{"self": f"{b}/rest/api/{v}/customFieldOption/{o['id']}", **o} for o in C.TEAM_OPTIONS]
    return None


_OPS = {
    "labels": ["add", "set", "remove"],
    "comment": ["add", "edit", "remove"],
    "components": ["add", "set", "remove"],
    "fixVersions": ["add", "set", "remove"],
}


def _field_meta(ctx: Ctx, fid: str, p: C.Project, required: bool) -> dict:
    f = C.FIELD_BY_ID[fid]
    d = {
        "required": required,
        "schema": f.schema,
        "name": f.name,
        "key": fid,
        "hasDefaultValue": fid in ("priority", "reporter"),
        "operations": _OPS.get(fid, ["set"]),
    }
    allowed = _allowed(ctx, fid, p)
    if allowed is not None:
        d["allowedValues"] = allowed
    if fid in ("assignee", "reporter"):
        d["autoCompleteUrl"] = f"{ctx.base}/rest/api/{ctx.version}/user/assignable/search?project={p.key}&query="
    if fid == "priority":
        d["defaultValue"] = R.priority_json(C.PRIORITY_BY_ID[C.DEFAULT_PRIORITY], ctx.base, ctx.version)
    return d


def _project_or_404(ctx: Ctx) -> C.Project:
    p = visible_project(ctx, ctx.request.path_params["pkey"])
    if p is None:
        raise ApiError(404, [f"No project could be found with key '{ctx.request.path_params['pkey']}'."])
    return p


@endpoint()
async def createmeta_types(ctx: Ctx):
    p = _project_or_404(ctx)
    start = ctx.int_param("startAt", 0)
    mx = ctx.int_param("maxResults", 50, hi=200)
    types = [R.issuetype_json(C.ITYPE_BY_ID[t], ctx.base, ctx.version) for t in p.issue_types]
    page = types[start : start + mx]
    return JSONResponse({"maxResults": mx, "startAt": start, "total": len(types), "issueTypes": page})


@endpoint()
async def createmeta_fields(ctx: Ctx):
    p = _project_or_404(ctx)
    tid = ctx.request.path_params["tid"]
    if tid not in p.issue_types:
        raise ApiError(400, ["The issue type ID is not valid for this project."])
    req = set(p.required_fields(tid))
    metas = [{**_field_meta(ctx, fid, p, fid in req), "fieldId": fid} for fid in p.screen(tid)]
    start = ctx.int_param("startAt", 0)
    mx = ctx.int_param("maxResults", 50, hi=200)
    page = metas[start : start + mx]
    return JSONResponse({"maxResults": mx, "startAt": start, "total": len(metas), "fields": page, "results": page})


@endpoint()
async def editmeta(ctx: Ctx):
    issue = get_issue_or_404(ctx, ctx.request.path_params["key"])
    p = issue.project
    screen = [f for f in p.screen(issue.issuetype_id) if f not in ("project",)] + ["comment"]
    return JSONResponse({"fields": {fid: _field_meta(ctx, fid, p, fid in ("summary", "issuetype")) for fid in screen}})


@endpoint()
async def priorities(ctx: Ctx):
    return JSONResponse(
        [
            {
                **R.priority_json(p, ctx.base, ctx.version),
                "description": p.description,
                "statusColor": p.color,
                "isDefault": p.id == C.DEFAULT_PRIORITY,
            }
            for p in C.PRIORITIES
        ]
    )


@endpoint()
async def statuses(ctx: Ctx):
    return JSONResponse([R.status_json(s, ctx.base, ctx.version) for s in C.STATUSES])


@endpoint()
async def resolutions(ctx: Ctx):
    return JSONResponse([R.resolution_json(r, ctx.base, ctx.version) for r in C.RESOLUTIONS])


@endpoint()
async def issuetypes_for_project(ctx: Ctx):
    p = visible_project(ctx, ctx.q.get("projectId"))
    if p is None or not (ctx.q.get("projectId") or "").isdigit():
        raise ApiError(404, ["The project is not found or the user does not have permission to view it."])
    out = []
    for t in p.issue_types:
        d = R.issuetype_json(C.ITYPE_BY_ID[t], ctx.base, ctx.version)
        d["scope"] = {"type": "PROJECT", "project": {"id": p.id}}
        out.append(d)
    return JSONResponse(out)


@endpoint()
async def link_types(ctx: Ctx):
    return JSONResponse(
        {
            "issueLinkTypes": [
                {**lt, "self": f"{ctx.base}/rest/api/{ctx.version}/issueLinkType/{lt['id']}"} for lt in C.LINK_TYPES
            ]
        }
    )


ROUTES = [
    Route("/rest/api/{ver}/myself", myself, methods=["GET"]),
    Route("/rest/api/{ver}/user/search", user_search, methods=["GET"]),
    Route("/rest/api/{ver}/user/assignable/search", user_assignable, methods=["GET"]),
    Route("/rest/api/{ver}/user", user_get, methods=["GET"]),
    Route("/rest/api/{ver}/project/search", project_search, methods=["GET"]),
    Route("/rest/api/{ver}/project/{pkey}", project_get, methods=["GET"]),
    Route("/rest/api/{ver}/field", fields, methods=["GET"]),
    Route("/rest/api/{ver}/issue/createmeta/{pkey}/issuetypes", createmeta_types, methods=["GET"]),
    Route("/rest/api/{ver}/issue/createmeta/{pkey}/issuetypes/{tid}", createmeta_fields, methods=["GET"]),
    Route("/rest/api/{ver}/issue/{key:issuekey}/editmeta", editmeta, methods=["GET"]),
    Route("/rest/api/{ver}/priority", priorities, methods=["GET"]),
    Route("/rest/api/{ver}/status", statuses, methods=["GET"]),
    Route("/rest/api/{ver}/resolution", resolutions, methods=["GET"]),
    Route("/rest/api/{ver}/issuetype/project", issuetypes_for_project, methods=["GET"]),
    Route("/rest/api/{ver}/issueLinkType", link_types, methods=["GET"]),
]
