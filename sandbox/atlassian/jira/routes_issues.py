"""Platform issue endpoints: search, issue CRUD, properties, transitions, comments, links, changelogs."""

from __future__ import annotations

import base64
import json
import zlib
from typing import Any

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .. import users as U
from . import adf as A
from . import catalog as C
from . import render as R
from . import writes as W
from .http import ApiError, Ctx, csv, endpoint, get_issue_or_404, visible_issue, visible_project
from .jql import evaluate as JQ

TOKEN_TTL = 7 * 24 * 3600


# ---------------------------------------------------------------- search
def _encode_token(offset: int, jql: str, now: float) -> str:
    raw = json.dumps({"o": offset, "q": zlib.crc32(jql.encode()), "t": int(now)}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_token(tok: str, jql: str, now: float) -> int:
    try:
        data = json.loads(base64.urlsafe_b64decode(tok + "=" * (-len(tok) % 4)))
        offset = int(data["o"])
    except Exception:
        raise ApiError(400, ["The provided next page token is invalid or expired."]) from None
    if data.get("q") != zlib.crc32(jql.encode()) or now - data.get("t", 0) > TOKEN_TTL:
        raise ApiError(400, ["The provided next page token is invalid or expired."])
    return offset


def _transitions_for(ctx: Ctx):
    return lambda issue: [R.transition_json(t, ctx.base, ctx.version) for t in C.transitions_from(issue.status_id)]


async def _search(ctx: Ctx, params: dict) -> Response:
    jql = params.get("jql") or ""
    fields = R.parse_fields_param(params.get("fields"), ["id"])
    expand = csv(params.get("expand"))
    only_ids = set(fields) <= {"id", "key"} and not expand
    cap = 5000 if only_ids else 100
    try:
        raw_max: Any = params.get("maxResults")  # a JSON value or a query string
        max_results = int(raw_max if raw_max not in (None, "") else 50)
    except (TypeError, ValueError):
        raise ApiError(400, ["The 'maxResults' parameter must be an integer."]) from None
    max_results = max(0, min(max_results, cap))
    now = ctx.now
    hits = JQ.search(ctx.store, jql, ctx.user, now)
    token = params.get("nextPageToken")
    offset = _decode_token(token, jql, now.timestamp()) if token else 0
    page = hits[offset : offset + max_results]
    out: dict[str, Any] = {
        "issues": [
            R.issue_json(
                i, ctx.store, ctx.base, ctx.version, fields, expand, _transitions_for(ctx), viewer=ctx.user.account_id
            )
            for i in page
        ]
    }
    if fields == ["key"] or (only_ids and "key" in fields):
        out["issues"] = [
            {"id": str(i.id), "key": i.key, "self": f"{ctx.base}/rest/api/{ctx.version}/issue/{i.id}"} for i in page
        ]
    end = offset + len(page)
    if end < len(hits) and max_results > 0:
        out["nextPageToken"] = _encode_token(end, jql, now.timestamp())
        out["isLast"] = False
    else:
        out["isLast"] = True
    if "names" in expand:
        out["names"] = {f: C.FIELD_BY_ID[f].name for f in fields if f in C.FIELD_BY_ID}
    if "schema" in expand:
        out["schema"] = {f: C.FIELD_BY_ID[f].schema for f in fields if f in C.FIELD_BY_ID}
    return JSONResponse(out)


@endpoint()
async def search_get(ctx: Ctx):
    q = ctx.q
    params = {k: q.get(k) for k in ("jql", "nextPageToken", "maxResults", "expand", "reconcileIssues")}
    params["fields"] = q.getlist("fields") or None
    return await _search(ctx, params)


@endpoint()
async def search_post(ctx: Ctx):
    body = await ctx.body()
    return await _search(ctx, body)


@endpoint()
async def approximate_count(ctx: Ctx):
    body = await ctx.body()
    hits = JQ.search(ctx.store, body.get("jql") or "", ctx.user, ctx.now)
    return JSONResponse({"count": len(hits)})


# ---------------------------------------------------------------- issue read/write
@endpoint()
async def issue_get(ctx: Ctx):
    issue = get_issue_or_404(ctx, ctx.request.path_params["key"])
    fields = R.parse_fields_param(ctx.q.getlist("fields") or None, R.ALL_FIELD_IDS)
    expand = csv(ctx.q.get("expand"))
    return JSONResponse(
        R.issue_json(
            issue, ctx.store, ctx.base, ctx.version, fields, expand, _transitions_for(ctx), viewer=ctx.user.account_id
        )
    )


def _set_properties(issue, props):
    if props is None:
        return
    if not isinstance(props, list) or not all(isinstance(p, dict) and "key" in p for p in props):
        raise ApiError(400, ["Properties must be a list of {key, value} objects."])
    for p in props:
        if len(str(p["key"])) > 255:
            raise ApiError(400, ["The property key can't be longer than 255 characters."])
        issue.properties[str(p["key"])] = p.get("value")


@endpoint()
async def issue_create(ctx: Ctx):
    issue = create_issue(ctx, await ctx.body())
    return JSONResponse(
        {"id": str(issue.id), "key": issue.key, "self": f"{ctx.base}/rest/api/{ctx.version}/issue/{issue.id}"},
        status_code=201,
    )


def create_issue(ctx: Ctx, body: dict):
    """Validate and create one issue from a create payload ({fields, update, properties}); raises on bad input."""
    fields = dict(body.get("fields") or {})
    upd_fields, comments = W.update_ops(body.get("update") or {}, None, ctx.version, ctx.store)
    fields.update(upd_fields)
    if isinstance(fields.get("project"), dict) and not visible_project(
        ctx, fields["project"].get("key") or fields["project"].get("id")
    ):
        raise W.WriteError({"project": "Specify a valid project ID or key"})
    proj, itype = W.resolve_project_type(fields)
    if itype.subtask and "parent" not in fields:
        raise W.WriteError({"parent": "Parent is required for a sub-task."})
    values = W.normalise(ctx.store, fields, proj, itype, ctx.version, creating=True)
    if body.get("properties") is not None and not isinstance(body.get("properties"), list):
        raise ApiError(400, ["Properties must be a list of {key, value} objects."])
    now = ctx.now
    issue = ctx.store.new_issue(
        project_key=proj.key,
        created=now,
        issuetype_id=itype.id,
        summary=values["summary"],
        reporter=values.pop("reporter", None) or ctx.user.account_id,
        creator=ctx.user.account_id,
    )
    values.pop("summary")
    W.apply(ctx.store, issue, values, ctx.user.account_id, now, record=False)
    _set_properties(issue, body.get("properties"))
    for b in comments:
        ctx.store.add_comment(issue, ctx.user.account_id, A.from_wiki(b) if ctx.version == 2 else b, now)
    return issue


async def _edit(ctx: Ctx, issue, body: dict):
    fields = dict(body.get("fields") or {})
    upd_fields, comments = W.update_ops(body.get("update") or {}, issue, ctx.version, ctx.store)
    dup = set(fields) & set(upd_fields)
    if dup:
        f = next(iter(dup))
        raise W.WriteError({f: f"Field '{f}' cannot be set in both fields and update."})
    fields.update(upd_fields)
    for fid in ("project", "issuetype"):
        if fid in fields:
            raise W.WriteError({fid: NOT_EDITABLE.format(f=fid)})
    values = W.normalise(ctx.store, fields, issue.project, issue.issuetype, ctx.version, creating=False, issue=issue)
    for req in ("summary",):
        if req in values and not values[req]:
            raise W.WriteError({req: "You must specify a summary of the issue."})
    for b in comments:
        if ctx.version == 3 and not A.is_adf(b):
            raise W.WriteError({"comment": "Comment body must be an Atlassian Document."})
    now = ctx.now
    W.apply(ctx.store, issue, values, ctx.user.account_id, now)
    for b in comments:
        ctx.store.add_comment(issue, ctx.user.account_id, A.from_wiki(b) if ctx.version == 2 else b, now)
    _set_properties(issue, body.get("properties"))


NOT_EDITABLE = "Field '{f}' cannot be set. It is not on the appropriate screen, or unknown."


@endpoint()
async def issue_edit(ctx: Ctx):
    issue = get_issue_or_404(ctx, ctx.request.path_params["key"])
    body = await ctx.body()
    await _edit(ctx, issue, body)
    if ctx.q.get("returnIssue") == "true":
        return JSONResponse(R.issue_json(issue, ctx.store, ctx.base, ctx.version, R.ALL_FIELD_IDS, set()))
    return Response(status_code=204)


@endpoint()
async def issue_assign(ctx: Ctx):
    """``PUT /issue/{key}/assignee`` (operationId assignIssue): 204; ``accountId`` null unassigns, "-1" sets the
    project's default assignee (every emulated project has ``assigneeType: UNASSIGNED``)."""
    issue = get_issue_or_404(ctx, ctx.request.path_params["key"])
    body = await ctx.body()
    given = [k for k in ("accountId", "name", "key") if k in body]
    if not given:
        raise ApiError(400, [], {"assignee": "accountId must be provided."})
    if len(given) > 1:
        raise ApiError(400, [], {"assignee": "Only one of name, key or accountId may be provided."})
    if given != ["accountId"] and body[given[0]] not in (None, "-1"):
        # Cloud removed user names and keys (GDPR): only accountId identifies a person
        raise ApiError(400, [], {"assignee": "Specified user does not exist or you do not have required permissions"})
    aid = body[given[0]]
    if aid in (None, "-1"):
        new = None  # "-1": the default assignee, which is "Unassigned" for every emulated project
    else:
        u = U.BY_ACCOUNT_ID.get(aid) if isinstance(aid, str) else None
        if u is None or not u.active:
            raise ApiError(
                400, [], {"assignee": "Specified user does not exist or you do not have required permissions"}
            )
        if u.localpart not in issue.project.members:
            raise ApiError(400, [], {"assignee": f"User '{aid}' cannot be assigned issues."})
        new = u.account_id
    W.apply(ctx.store, issue, {"assignee": new}, ctx.user.account_id, ctx.now)
    return Response(status_code=204)


# ---------------------------------------------------------------- properties
@endpoint()
async def property_get(ctx: Ctx):
    issue = get_issue_or_404(ctx, ctx.request.path_params["key"])
    pk = ctx.request.path_params["prop"]
    if pk not in issue.properties:
        raise ApiError(404, [f"The property with key '{pk}' does not exist."])
    return JSONResponse({"key": pk, "value": issue.properties[pk]})


@endpoint()
async def property_put(ctx: Ctx):
    issue = get_issue_or_404(ctx, ctx.request.path_params["key"])
    pk = ctx.request.path_params["prop"]
    raw = await ctx.request.body()
    try:
        value = json.loads(raw)
    except ValueError:
        raise ApiError(400, ["The property value must be valid JSON."]) from None
    existed = pk in issue.properties
    issue.properties[pk] = value
    return Response(status_code=200 if existed else 201)


# ---------------------------------------------------------------- transitions
@endpoint()
async def transitions_get(ctx: Ctx):
    issue = get_issue_or_404(ctx, ctx.request.path_params["key"])
    return JSONResponse({"expand": "transitions", "transitions": _transitions_for(ctx)(issue)})


@endpoint()
async def transitions_post(ctx: Ctx):
    issue = get_issue_or_404(ctx, ctx.request.path_params["key"])
    body = await ctx.body()
    tid = str((body.get("transition") or {}).get("id", ""))
    t = C.TRANSITION_BY_ID.get(tid)
    if t is None or issue.status_id not in t.sources:
        raise ApiError(400, [f"Transition id '{tid}' is not valid for this issue."])
    fields = dict(body.get("fields") or {})
    resolution_id = None
    if "resolution" in fields:
        rv = fields.pop("resolution")
        resolution_id = W._ref_id(rv, C.RESOLUTION_BY_NAME, C.RESOLUTION_BY_ID)
        if resolution_id is None or t.to != C.DONE:
            raise W.WriteError(
                {"resolution": "Field 'resolution' cannot be set. It is not on the appropriate screen, or unknown."}
            )
    await _edit(
        ctx, issue, {"fields": fields, "update": body.get("update") or {}, "properties": body.get("properties")}
    )
    ctx.store.set_status(issue, t.to, ctx.user.account_id, ctx.now, resolution_id=resolution_id)
    return Response(status_code=204)


# ---------------------------------------------------------------- comments
@endpoint()
async def comments_get(ctx: Ctx):
    issue = get_issue_or_404(ctx, ctx.request.path_params["key"])
    start = ctx.int_param("startAt", 0)
    mx = ctx.int_param("maxResults", 100, hi=5000)
    cs = sorted(issue.comments, key=lambda c: (c.created, c.id), reverse=(ctx.q.get("orderBy") or "").startswith("-"))
    rendered = "renderedBody" in csv(ctx.q.get("expand"))
    page = [R.comment_json(c, issue, ctx.base, ctx.version) for c in cs[start : start + mx]]
    if rendered:
        for p, c in zip(page, cs[start : start + mx], strict=False):
            p["renderedBody"] = A.to_html(c.body)
    return JSONResponse({"startAt": start, "maxResults": mx, "total": len(cs), "comments": page})


@endpoint()
async def comments_post(ctx: Ctx):
    issue = get_issue_or_404(ctx, ctx.request.path_params["key"])
    body = (await ctx.body()).get("body")
    if ctx.version == 3:
        if not A.is_adf(body):
            raise W.WriteError({"comment": "Comment body must be an Atlassian Document (ADF)."})
        doc_ = body
    else:
        if not isinstance(body, str) or not body.strip():
            raise W.WriteError({"comment": "Comment body can not be empty!"})
        doc_ = A.from_wiki(body)
    c = ctx.store.add_comment(issue, ctx.user.account_id, doc_, ctx.now)
    return JSONResponse(R.comment_json(c, issue, ctx.base, ctx.version), status_code=201)


# ---------------------------------------------------------------- links
@endpoint()
async def issue_link_post(ctx: Ctx):
    body = await ctx.body()
    tv = body.get("type") or {}
    lt = C.LINK_TYPE_BY_NAME.get(str(tv.get("name", "")).lower()) or C.LINK_TYPE_BY_ID.get(str(tv.get("id", "")))
    if lt is None:
        raise ApiError(404, [f"No issue link type with name '{tv.get('name')}' found."])
    inward = visible_issue(
        ctx, (body.get("inwardIssue") or {}).get("key") or (body.get("inwardIssue") or {}).get("id") or ""
    )
    outward = visible_issue(
        ctx, (body.get("outwardIssue") or {}).get("key") or (body.get("outwardIssue") or {}).get("id") or ""
    )
    if inward is None or outward is None:
        raise ApiError(404, ["Issue does not exist or you do not have permission to see it."])
    # Jira REST semantics: outwardIssue <outward> ... the *inwardIssue* field names the issue shown with the
    # inward description. For Blocks, {"inwardIssue": A, "outwardIssue": B} means A blocks B.
    ctx.store.add_link(lt["id"], inward=outward, outward=inward)
    comment = body.get("comment")
    if comment and comment.get("body"):
        b = comment["body"]
        ctx.store.add_comment(inward, ctx.user.account_id, A.from_wiki(b) if ctx.version == 2 else b, ctx.now)
    return Response(status_code=201)


# ---------------------------------------------------------------- changelogs
@endpoint()
async def changelog_get(ctx: Ctx):
    issue = get_issue_or_404(ctx, ctx.request.path_params["key"])
    start = ctx.int_param("startAt", 0)
    mx = ctx.int_param("maxResults", 100, hi=100)
    hs = issue.histories
    page = [R.history_json(h, ctx.base) for h in hs[start : start + mx]]
    return JSONResponse(
        {
            "self": str(ctx.request.url),
            "maxResults": mx,
            "startAt": start,
            "total": len(hs),
            "isLast": start + len(page) >= len(hs),
            "values": page,
        }
    )


@endpoint()
async def changelog_bulk(ctx: Ctx):
    body = await ctx.body()
    keys = body.get("issueIdsOrKeys")
    if not isinstance(keys, list) or not keys or len(keys) > 1000:
        raise ApiError(400, ["issueIdsOrKeys must contain between 1 and 1000 issue ids or keys."])
    field_ids = set(body.get("fieldIds") or [])
    mx = max(1, min(int(body.get("maxResults") or 1000), 10000))
    entries = []
    for k in keys:
        issue = visible_issue(ctx, k)
        if issue is None:
            continue
        for h in issue.histories:
            items = [it for it in h.items if not field_ids or it.field_id in field_ids]
            if items:
                entries.append((issue.id, h, items))
    offset = 0
    tok = body.get("nextPageToken")
    if tok:
        try:
            offset = int(base64.urlsafe_b64decode(tok + "=" * (-len(tok) % 4)).decode())
        except Exception:
            raise ApiError(400, ["The provided next page token is invalid."]) from None
    page = entries[offset : offset + mx]
    grouped: dict[int, list] = {}
    for iid, h, items in page:
        hj = R.history_json(h, ctx.base)
        hj["items"] = [x for x in hj["items"] if x["fieldId"] in {it.field_id for it in items}]
        grouped.setdefault(iid, []).append(hj)
    out: dict[str, Any] = {"issueChangeLogs": [{"issueId": str(k), "changeHistories": v} for k, v in grouped.items()]}
    if offset + mx < len(entries):
        out["nextPageToken"] = base64.urlsafe_b64encode(str(offset + mx).encode()).decode().rstrip("=")
    return JSONResponse(out)


ROUTES = [
    Route("/rest/api/{ver}/search/jql", search_get, methods=["GET"]),
    Route("/rest/api/{ver}/search/jql", search_post, methods=["POST"]),
    Route("/rest/api/{ver}/search/approximate-count", approximate_count, methods=["POST"]),
    Route("/rest/api/{ver}/issue", issue_create, methods=["POST"]),
    Route("/rest/api/{ver}/issueLink", issue_link_post, methods=["POST"]),
    Route("/rest/api/{ver}/changelog/bulkfetch", changelog_bulk, methods=["POST"]),
    Route("/rest/api/{ver}/issue/{key:issuekey}/transitions", transitions_get, methods=["GET"]),
    Route("/rest/api/{ver}/issue/{key:issuekey}/transitions", transitions_post, methods=["POST"]),
    Route("/rest/api/{ver}/issue/{key:issuekey}/assignee", issue_assign, methods=["PUT"]),
    Route("/rest/api/{ver}/issue/{key:issuekey}/comment", comments_get, methods=["GET"]),
    Route("/rest/api/{ver}/issue/{key:issuekey}/comment", comments_post, methods=["POST"]),
    Route("/rest/api/{ver}/issue/{key:issuekey}/changelog", changelog_get, methods=["GET"]),
    Route("/rest/api/{ver}/issue/{key:issuekey}/properties/{prop}", property_get, methods=["GET"]),
    Route("/rest/api/{ver}/issue/{key:issuekey}/properties/{prop}", property_put, methods=["PUT"]),
]
# /issue/{key} must come after more specific routes
ROUTES_LATE = [
    Route("/rest/api/{ver}/issue/{key:issuekey}", issue_get, methods=["GET"]),
    Route("/rest/api/{ver}/issue/{key:issuekey}", issue_edit, methods=["PUT"]),
]
