"""Site and project directory endpoints: serverInfo, project list, issue types, project statuses, components,
versions, multi-project assignable users, the deprecated all-projects createmeta, and the removed offset search."""

from __future__ import annotations

import html
import re

from starlette.responses import JSONResponse
from starlette.routing import Route

from .. import users as U
from . import catalog as C
from . import render as R
from .http import ApiError, Ctx, csv, endpoint, error, visible_issue, visible_project
from .jql import evaluate as JQ
from .routes_meta import _field_meta, _project_json, _user_json

SEARCH_REMOVED = (
    "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. "
    "A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046"
)
BUILD = {
    "version": "1001.0.0-SNAPSHOT",
    "versionNumbers": [1001, 0, 0],
    "deploymentType": "Cloud",
    "buildNumber": 100283,
    "buildDate": "2026-11-18T03:21:44.000+0000",
    "scmInfo": "4f0a2c81e7d5b9a3",
    "serverTitle": "Jira",
}


@endpoint()
async def server_info(ctx: Ctx):
    return JSONResponse({"baseUrl": ctx.base, "displayUrl": ctx.base, **BUILD, "serverTime": R.ts(ctx.now)})


@endpoint()
async def search_removed(ctx: Ctx):
    """``GET|POST /rest/api/{2,3}/search`` (offset search) was removed from Cloud (CHANGE-2046): 410."""
    return error(410, SEARCH_REMOVED)


@endpoint()
async def projects(ctx: Ctx):
    """``GET /project`` (deprecated, still served): every project the caller can browse, ordered by key."""
    shown = [p for p in sorted(C.PROJECTS, key=lambda p: p.key) if visible_project(ctx, p.key)]
    return JSONResponse([_project_json(ctx, p) for p in shown])


def _project_or_404(ctx: Ctx) -> C.Project:
    key = ctx.request.path_params["pkey"]
    p = visible_project(ctx, key)
    if p is None:
        raise ApiError(404, [f"No project could be found with key '{key}'."])
    return p


@endpoint()
async def issue_types(ctx: Ctx):
    return JSONResponse([R.issuetype_json(t, ctx.base, ctx.version) for t in C.ISSUE_TYPES])


@endpoint()
async def project_statuses(ctx: Ctx):
    p = _project_or_404(ctx)
    statuses = [R.status_json(s, ctx.base, ctx.version) for s in C.STATUSES]
    return JSONResponse(
        [
            {
                "self": f"{ctx.base}/rest/api/{ctx.version}/issuetype/{t}",
                "id": t,
                "name": C.ITYPE_BY_ID[t].name,
                "subtask": C.ITYPE_BY_ID[t].subtask,
                "statuses": statuses,
            }
            for t in p.issue_types
        ]
    )


@endpoint()
async def assignable_multi(ctx: Ctx):
    """Users assignable in every one of ``projectKeys`` (comma-separated)."""
    keys = csv(ctx.q.get("projectKeys"))
    if not keys:
        raise ApiError(400, ["The projectKeys parameter is required."])
    pool = None
    for k in sorted(keys):
        p = visible_project(ctx, k)
        if p is None:
            raise ApiError(404, [f"No project could be found with key '{k}'."])
        pool = set(p.members) if pool is None else pool & set(p.members)
    users = [u for u in U.USERS if u.localpart in (pool or set())]
    if ctx.q.get("accountId"):
        users = [u for u in users if u.account_id == ctx.q["accountId"]]
    users = U.search(ctx.q.get("query") or "", users)
    start = ctx.int_param("startAt", 0)
    mx = ctx.int_param("maxResults", 50, hi=1000)
    return JSONResponse([_user_json(ctx, u) for u in users[start : start + mx]])


# ---------------------------------------------------------------- components and versions
@endpoint()
async def project_components(ctx: Ctx):
    p = _project_or_404(ctx)
    comps = sorted((c for c in ctx.store.components.values() if c.project_key == p.key), key=lambda c: c.name.lower())
    return JSONResponse([R.component_json(c, ctx.base, ctx.version, full=True) for c in comps])


def _project_from_body(ctx: Ctx, body: dict) -> C.Project:
    ref = body.get("project") or body.get("projectId")
    p = visible_project(ctx, str(ref)) if ref not in (None, "") else None
    if p is None:
        raise ApiError(400, [], {"project": "The project is not found or you do not have permission to view it."})
    return p


def _name(body: dict, what: str) -> str:
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ApiError(400, [], {"name": f"The {what} name must not be empty."})
    if len(name) > 255:
        raise ApiError(400, [], {"name": f"The {what} name must not be longer than 255 characters."})
    return name.strip()


@endpoint()
async def component_create(ctx: Ctx):
    body = await ctx.body()
    p, name = _project_from_body(ctx, body), _name(body, "component")
    if any(c.project_key == p.key and c.name.lower() == name.lower() for c in ctx.store.components.values()):
        raise ApiError(400, [], {"name": f"A component with the name {name} already exists in this project."})
    lead = body.get("leadAccountId")
    if lead is not None and lead not in U.BY_ACCOUNT_ID:
        raise ApiError(400, [], {"leadAccountId": "The user does not exist."})
    comp = ctx.store.add_component(p.key, name, str(body.get("description") or ""), lead)
    return JSONResponse(R.component_json(comp, ctx.base, ctx.version, full=True), status_code=201)


@endpoint()
async def project_versions(ctx: Ctx):
    p = _project_or_404(ctx)
    vers = [v for v in ctx.store.versions.values() if v.project_key == p.key]
    return JSONResponse([R.version_json(v, ctx.base, ctx.version) for v in vers])


_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


@endpoint()
async def version_create(ctx: Ctx):
    body = await ctx.body()
    p, name = _project_from_body(ctx, body), _name(body, "version")
    if any(v.project_key == p.key and v.name.lower() == name.lower() for v in ctx.store.versions.values()):
        raise ApiError(400, [], {"name": "A version with this name already exists in this project."})
    for f in ("releaseDate", "startDate"):
        if body.get(f) is not None and not _DAY.match(str(body[f])):
            raise ApiError(400, [], {f: f"{f} must be a date like 2026-12-15."})
    ver = ctx.store.add_version(
        p.key,
        name,
        description=str(body.get("description") or ""),
        released=bool(body.get("released")),
        archived=bool(body.get("archived")),
        release_date=body.get("releaseDate"),
        start_date=body.get("startDate"),
    )
    return JSONResponse(R.version_json(ver, ctx.base, ctx.version), status_code=201)


# ---------------------------------------------------------------- issue picker
def _suggestion(issue, query: str) -> dict:
    summary = html.escape(issue.summary)
    if query:
        summary = re.sub(f"(?i)({re.escape(html.escape(query))})", r"<b>\1</b>", summary)
    key_html = html.escape(issue.key)
    if query and query.lower() in issue.key.lower():
        key_html = re.sub(f"(?i)({re.escape(query)})", r"<b>\1</b>", key_html)
    return {
        "id": issue.id,
        "key": issue.key,
        "keyHtml": key_html,
        "summary": summary,
        "summaryText": issue.summary,
        "img": f"/rest/api/2/universal_avatar/view/type/issuetype/avatar/{issue.issuetype.avatar}?size=medium",
    }


@endpoint()
async def issue_picker(ctx: Ctx):
    """``GET /issue/picker``: issues whose key or summary contains ``query`` — "History Search" (most recently
    updated first) and, with ``currentJQL``, "Current Search" restricted to that JQL."""
    query = (ctx.q.get("query") or "").strip()
    show_subtasks = ctx.q.get("showSubTasks") != "false"
    current = ctx.q.get("currentIssueKey")

    def wanted(i) -> bool:
        if not visible_issue(ctx, i.id) or i.key == current or (i.issuetype.subtask and not show_subtasks):
            return False
        return not query or query.lower() in i.key.lower() or query.lower() in i.summary.lower()

    pool = sorted((i for i in ctx.store.issues.values() if wanted(i)), key=lambda i: (i.updated, i.id), reverse=True)
    sections = [("History Search", "hs", pool[:10], len(pool))]
    if ctx.q.get("currentJQL"):
        in_jql = {i.id for i in JQ.search(ctx.store, ctx.q["currentJQL"], ctx.user, ctx.now, require_bounded=False)}
        hits = [i for i in pool if i.id in in_jql]
        sections.append(("Current Search", "cs", hits[:50], len(hits)))
    return JSONResponse(
        {
            "sections": [
                {
                    "label": label,
                    "sub": f"Showing {len(shown)} of {total} matching issues",
                    "id": sid,
                    "issues": [_suggestion(i, query) for i in shown],
                }
                for label, sid, shown, total in sections
            ]
        }
    )


# ---------------------------------------------------------------- deprecated all-projects createmeta
@endpoint()
async def createmeta_all(ctx: Ctx):
    """``GET /issue/createmeta`` (deprecated in favour of ``/issue/createmeta/{project}/issuetypes``)."""
    wanted = {k.upper() for k in csv(ctx.q.getlist("projectKeys")) | csv(ctx.q.getlist("projectIds"))}
    type_ids = csv(ctx.q.getlist("issuetypeIds"))
    type_names = {n.lower() for n in csv(ctx.q.getlist("issuetypeNames"))}
    with_fields = "projects.issuetypes.fields" in csv(ctx.q.get("expand"))
    out = []
    for p in C.PROJECTS:
        if (wanted and p.key not in wanted and p.id not in wanted) or not visible_project(ctx, p.key):
            continue
        types = []
        for tid in p.issue_types:
            t = C.ITYPE_BY_ID[tid]
            if (type_ids and tid not in type_ids) or (type_names and t.name.lower() not in type_names):
                continue
            d = {**R.issuetype_json(t, ctx.base, ctx.version), "expand": "fields"}
            if with_fields:
                req = set(p.required_fields(tid))
                d["fields"] = {fid: _field_meta(ctx, fid, p, fid in req) for fid in p.screen(tid)}
            types.append(d)
        ref = R.project_ref(p, ctx.base, ctx.version)
        out.append(
            {
                "expand": "issuetypes",
                **{k: ref[k] for k in ("self", "id", "key", "name", "avatarUrls")},
                "issuetypes": types,
            }
        )
    return JSONResponse({"expand": "projects", "projects": out})


ROUTES = [
    Route("/rest/api/{ver}/serverInfo", server_info, methods=["GET"]),
    Route("/rest/api/{ver}/search", search_removed, methods=["GET", "POST"]),
    Route("/rest/api/{ver}/project", projects, methods=["GET"]),
    Route("/rest/api/{ver}/issuetype", issue_types, methods=["GET"]),
    Route("/rest/api/{ver}/project/{pkey}/statuses", project_statuses, methods=["GET"]),
    Route("/rest/api/{ver}/project/{pkey}/components", project_components, methods=["GET"]),
    Route("/rest/api/{ver}/project/{pkey}/versions", project_versions, methods=["GET"]),
    Route("/rest/api/{ver}/component", component_create, methods=["POST"]),
    Route("/rest/api/{ver}/version", version_create, methods=["POST"]),
    Route("/rest/api/{ver}/user/assignable/multiProjectSearch", assignable_multi, methods=["GET"]),
    Route("/rest/api/{ver}/issue/createmeta", createmeta_all, methods=["GET"]),
    Route("/rest/api/{ver}/issue/picker", issue_picker, methods=["GET"]),
]
