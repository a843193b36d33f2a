"""Issue sub-resources and issue lifecycle beyond create/edit: delete, bulk create, one comment, one link,
worklogs, watchers, remote links."""

from __future__ import annotations

import json
import re
from datetime import datetime

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .. import users as U
from . import adf as A
from . import catalog as C
from . import render as R
from . import writes as W
from .http import ApiError, Ctx, endpoint, get_issue_or_404
from .routes_issues import create_issue

K = "/rest/api/{ver}/issue/{key:issuekey}"
USER_NOT_FOUND = "Specified user does not exist or you do not have required permissions"


# ---------------------------------------------------------------- delete / bulk create
@endpoint()
async def issue_delete(ctx: Ctx):
    issue = get_issue_or_404(ctx, ctx.request.path_params["key"])
    subtasks = [c for c in ctx.store.children(issue) if c.issuetype.subtask]
    if subtasks and ctx.q.get("deleteSubtasks") != "true":
        raise ApiError(400, [f"The issue '{issue.key}' has subtasks. Set deleteSubtasks=true to delete them too."])
    for sub in subtasks:
        ctx.store.delete_issue(sub)
    ctx.store.delete_issue(issue)
    return Response(status_code=204)


@endpoint()
async def issue_bulk_create(ctx: Ctx):
    """``POST /issue/bulk``: creates every valid entry; failures are listed by position (201 if any was created)."""
    updates = (await ctx.body()).get("issueUpdates")
    if not isinstance(updates, list) or not updates or len(updates) > 50:
        raise ApiError(400, ["issueUpdates must contain between 1 and 50 issues."])
    created, errors = [], []
    for n, entry in enumerate(updates):
        try:
            if not isinstance(entry, dict):
                raise W.WriteError(messages=["Each issue update must be a JSON object."])
            issue = create_issue(ctx, entry)
        except (W.WriteError, ApiError) as exc:
            errors.append(
                {
                    "status": 400,
                    "failedElementNumber": n,
                    "elementErrors": {"errorMessages": exc.messages, "errors": exc.errors},
                }
            )
            continue
        created.append(
            {"id": str(issue.id), "key": issue.key, "self": f"{ctx.base}/rest/api/{ctx.version}/issue/{issue.id}"}
        )
    return JSONResponse({"issues": created, "errors": errors}, status_code=201 if created else 400)


# ---------------------------------------------------------------- one comment
def _comment_or_404(ctx: Ctx):
    issue = get_issue_or_404(ctx, ctx.request.path_params["key"])
    cid = ctx.request.path_params["id"]
    c = next((c for c in issue.comments if str(c.id) == cid), None)
    if c is None:
        raise ApiError(404, [f"Can not find a comment for the id: {cid}."])
    return issue, c


def _rich_body(ctx: Ctx, body, what: str) -> dict:
    if ctx.version == 3:
        if not A.is_adf(body):
            raise W.WriteError({what: f"{what.capitalize()} body must be an Atlassian Document (ADF)."})
        return body
    if not isinstance(body, str) or not body.strip():
        raise W.WriteError({what: f"{what.capitalize()} body can not be empty!"})
    return A.from_wiki(body) or {"type": "doc", "version": 1, "content": []}


@endpoint()
async def comment_get(ctx: Ctx):
    issue, c = _comment_or_404(ctx)
    return JSONResponse(R.comment_json(c, issue, ctx.base, ctx.version))


@endpoint()
async def comment_put(ctx: Ctx):
    issue, c = _comment_or_404(ctx)
    if c.author != ctx.user.account_id:
        raise ApiError(403, ["You do not have the permission to edit this comment."])
    c.body = _rich_body(ctx, (await ctx.body()).get("body"), "comment")
    c.updated = ctx.now
    issue.updated = max(issue.updated, c.updated)
    return JSONResponse(R.comment_json(c, issue, ctx.base, ctx.version))


@endpoint()
async def comment_delete(ctx: Ctx):
    issue, c = _comment_or_404(ctx)
    if c.author != ctx.user.account_id:
        raise ApiError(403, ["You do not have the permission to delete this comment."])
    issue.comments.remove(c)
    return Response(status_code=204)


# ---------------------------------------------------------------- one issue link
def _link_or_404(ctx: Ctx):
    lid = ctx.request.path_params["link"]
    link = ctx.store.links.get(int(lid)) if lid.isdigit() else None
    if link is None:
        raise ApiError(404, [f"No issue link with id '{lid}' exists."])
    return link


@endpoint()
async def issue_link_get(ctx: Ctx):
    link = _link_or_404(ctx)
    lt = C.LINK_TYPE_BY_ID[link.type_id]
    b, v = ctx.base, ctx.version
    # Stored as "outward <verb> inward"; the REST shape names the issue on each side the other way round.
    return JSONResponse(
        {
            "id": str(link.id),
            "self": f"{b}/rest/api/{v}/issueLink/{link.id}",
            "type": {**lt, "self": f"{b}/rest/api/{v}/issueLinkType/{lt['id']}"},
            "inwardIssue": R.issue_stub(ctx.store.issues[link.outward_id], b, v),
            "outwardIssue": R.issue_stub(ctx.store.issues[link.inward_id], b, v),
        }
    )


@endpoint()
async def issue_link_delete(ctx: Ctx):
    link = _link_or_404(ctx)
    del ctx.store.links[link.id]
    return Response(status_code=204)


# ---------------------------------------------------------------- worklogs
_DURATION = re.compile(r"^\s*(?:(\d+)w)?\s*(?:(\d+)d)?\s*(?:(\d+)h)?\s*(?:(\d+)m)?\s*$")


def _seconds(body: dict) -> int:
    if "timeSpentSeconds" in body:
        secs = body["timeSpentSeconds"]
        if isinstance(secs, bool) or not isinstance(secs, int) or secs <= 0:
            raise W.WriteError({"timeLogged": "Time Spent must be a positive number of seconds."})
        return secs
    m = _DURATION.match(str(body.get("timeSpent") or ""))
    if not body.get("timeSpent") or not m or not any(m.groups()):
        raise W.WriteError({"timeLogged": 'You must indicate the time spent working (e.g. "3h 30m").'})
    w, d, h, mins = (int(g or 0) for g in m.groups())
    return (((w * 5 + d) * 8 + h) * 60 + mins) * 60


def _started(body: dict, now: datetime) -> datetime:
    raw = body.get("started")
    if raw is None:
        return now
    try:
        return datetime.strptime(str(raw), "%Y-%m-%dT%H:%M:%S.%f%z")
    except ValueError:
        raise W.WriteError({"started": "Started must look like 2026-11-20T09:30:00.000+0000."}) from None


@endpoint()
async def worklogs_get(ctx: Ctx):
    issue = get_issue_or_404(ctx, ctx.request.path_params["key"])
    start = ctx.int_param("startAt", 0)
    mx = ctx.int_param("maxResults", 5000, hi=5000)
    ws = sorted(issue.worklogs, key=lambda w: (w.started, w.id))
    page = [R.worklog_json(w, issue, ctx.base, ctx.version) for w in ws[start : start + mx]]
    return JSONResponse({"startAt": start, "maxResults": mx, "total": len(ws), "worklogs": page})


@endpoint()
async def worklog_add(ctx: Ctx):
    issue = get_issue_or_404(ctx, ctx.request.path_params["key"])
    body = await ctx.body()
    comment = _rich_body(ctx, body["comment"], "comment") if body.get("comment") is not None else None
    w = ctx.store.add_worklog(issue, ctx.user.account_id, _started(body, ctx.now), _seconds(body), comment, ctx.now)
    return JSONResponse(R.worklog_json(w, issue, ctx.base, ctx.version), status_code=201)


# ---------------------------------------------------------------- watchers
def _user_ref(ctx: Ctx, account_id: str) -> dict:
    d = U.BY_ACCOUNT_ID[account_id].to_ref(ctx.base)
    d["self"] = f"{ctx.base}/rest/api/{ctx.version}/user?accountId={account_id}"
    return d


@endpoint()
async def watchers_get(ctx: Ctx):
    issue = get_issue_or_404(ctx, ctx.request.path_params["key"])
    return JSONResponse(
        {
            "self": f"{ctx.base}/rest/api/{ctx.version}/issue/{issue.key}/watchers",
            "isWatching": ctx.user.account_id in issue.watchers,
            "watchCount": len(issue.watchers),
            "watchers": [_user_ref(ctx, a) for a in issue.watchers],
        }
    )


def _watcher(account_id) -> str:
    u = U.BY_ACCOUNT_ID.get(account_id) if isinstance(account_id, str) else None
    if u is None or not u.active:
        raise ApiError(404, [USER_NOT_FOUND])
    return u.account_id


@endpoint()
async def watcher_add(ctx: Ctx):
    """The body is a bare JSON string (the accountId); an empty body adds the caller."""
    issue = get_issue_or_404(ctx, ctx.request.path_params["key"])
    raw = (await ctx.request.body()).strip()
    try:
        account_id = json.loads(raw) if raw else ctx.user.account_id
    except ValueError:
        raise ApiError(400, ["The request body must be a JSON string: the accountId of the user."]) from None
    aid = _watcher(account_id)
    if aid not in issue.watchers:
        issue.watchers.append(aid)
    return Response(status_code=204)


@endpoint()
async def watcher_remove(ctx: Ctx):
    issue = get_issue_or_404(ctx, ctx.request.path_params["key"])
    if not ctx.q.get("accountId"):
        raise ApiError(400, ["The accountId query parameter is required."])
    aid = _watcher(ctx.q["accountId"])
    if aid in issue.watchers:
        issue.watchers.remove(aid)
    return Response(status_code=204)


# ---------------------------------------------------------------- remote links
def _remote_json(ctx: Ctx, issue, link) -> dict:
    out = {
        "id": link.id,
        "self": f"{ctx.base}/rest/api/{ctx.version}/issue/{issue.key}/remotelink/{link.id}",
        "application": link.application,
        "object": link.object,
    }
    if link.global_id:
        out["globalId"] = link.global_id
    if link.relationship:
        out["relationship"] = link.relationship
    return out


@endpoint()
async def remote_links_get(ctx: Ctx):
    issue = get_issue_or_404(ctx, ctx.request.path_params["key"])
    gid = ctx.q.get("globalId")
    if gid:
        link = next((x for x in issue.remote_links if x.global_id == gid), None)
        if link is None:
            raise ApiError(404, [f"No remote link with globalId '{gid}' on {issue.key}."])
        return JSONResponse(_remote_json(ctx, issue, link))
    return JSONResponse([_remote_json(ctx, issue, x) for x in issue.remote_links])


@endpoint()
async def remote_link_add(ctx: Ctx):
    """Creates, or updates the link with the same ``globalId`` (200 instead of 201), as Jira does."""
    issue = get_issue_or_404(ctx, ctx.request.path_params["key"])
    body = await ctx.body()
    obj = body.get("object")
    if not isinstance(obj, dict) or not obj.get("url") or not obj.get("title"):
        raise ApiError(400, [], {"object": "The remote link needs an object with a url and a title."})
    gid = body.get("globalId")
    existing = next((x for x in issue.remote_links if gid and x.global_id == gid), None)
    if existing:
        existing.object, existing.application = obj, body.get("application") or {}
        existing.relationship = body.get("relationship")
        link, status = existing, 200
    else:
        link = ctx.store.add_remote_link(issue, gid, obj, body.get("application") or {}, body.get("relationship"))
        status = 201
    return JSONResponse({"id": link.id, "self": _remote_json(ctx, issue, link)["self"]}, status_code=status)


ROUTES = [
    Route("/rest/api/{ver}/issue/bulk", issue_bulk_create, methods=["POST"]),
    Route("/rest/api/{ver}/issueLink/{link}", issue_link_get, methods=["GET"]),
    Route("/rest/api/{ver}/issueLink/{link}", issue_link_delete, methods=["DELETE"]),
    Route(K + "/comment/{id}", comment_get, methods=["GET"]),
    Route(K + "/comment/{id}", comment_put, methods=["PUT"]),
    Route(K + "/comment/{id}", comment_delete, methods=["DELETE"]),
    Route(K + "/worklog", worklogs_get, methods=["GET"]),
    Route(K + "/worklog", worklog_add, methods=["POST"]),
    Route(K + "/watchers", watchers_get, methods=["GET"]),
    Route(K + "/watchers", watcher_add, methods=["POST"]),
    Route(K + "/watchers", watcher_remove, methods=["DELETE"]),
    Route(K + "/remotelink", remote_links_get, methods=["GET"]),
    Route(K + "/remotelink", remote_link_add, methods=["POST"]),
    Route(K, issue_delete, methods=["DELETE"]),
]
