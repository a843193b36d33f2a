"""Confluence people: ``POST /wiki/api/v2/users-bulk``, ``GET /wiki/rest/api/user?accountId=`` and the user CQL
search ``GET /wiki/rest/api/search/user`` (fields ``user``, ``user.fullname``, ``user.accountid``, ``type = user``)."""

from __future__ import annotations

import re
import time
from urllib.parse import urlencode

from starlette.responses import JSONResponse
from starlette.routing import Route

from .. import users as U
from . import render as R
from .cql.ast import could_not_parse
from .http import ApiError, Ctx, endpoint, iso

_TOKEN = re.compile(
    r'\s*(?:(?P<str>"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\')|(?P<op>!=|!~|=|~)|(?P<punct>[(),])'
    r'|(?P<word>[^\s()=!~,"\']+))'
)
USER_FIELDS = ("user", "user.fullname", "user.accountid", "type")


def _tokens(cql: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    while pos < len(cql):
        m = _TOKEN.match(cql, pos)
        if not m or m.end() == pos:
            if cql[pos:].strip():
                raise could_not_parse(cql)
            break
        kind = m.lastgroup or ""
        text = m.group(kind)
        if kind == "str":
            text = re.sub(r"\\(.)", r"\1", text[1:-1])
        elif kind == "word" and text.lower() in ("and", "or", "not", "in"):
            kind = text.lower()
        out.append((kind, text))
        pos = m.end()
    return out


class _UserQuery:
    """Recursive descent over ``clause ((AND|OR) clause)*`` with parentheses and NOT: a predicate on users."""

    def __init__(self, cql: str):
        self.cql, self.toks, self.i = cql, _tokens(cql), 0
        if not self.toks:
            raise could_not_parse(cql)
        self.pred = self._or()
        if self.i != len(self.toks):
            raise could_not_parse(cql)

    def _peek(self) -> str | None:
        return self.toks[self.i][0] if self.i < len(self.toks) else None

    def _take(self, kind: str | None = None) -> str:
        if self.i >= len(self.toks) or (kind and self.toks[self.i][0] != kind):
            raise could_not_parse(self.cql)
        self.i += 1
        return self.toks[self.i - 1][1]

    def _or(self):
        parts = [self._and()]
        while self._peek() == "or":
            self._take()
            parts.append(self._and())
        return lambda u: any(p(u) for p in parts)

    def _and(self):
        parts = [self._not()]
        while self._peek() == "and":
            self._take()
            parts.append(self._not())
        return lambda u: all(p(u) for p in parts)

    def _not(self):
        if self._peek() == "not":
            self._take()
            inner = self._not()
            return lambda u: not inner(u)
        if self._peek() == "(":
            self._take("(")
            inner = self._or()
            self._take(")")
            return inner
        return self._clause()

    def _value(self) -> str:
        kind = self._peek()
        if kind not in ("str", "word"):
            raise could_not_parse(self.cql)
        return self._take()

    def _clause(self):
        field = self._take("word").lower()
        if field not in USER_FIELDS:
            raise could_not_parse(self.cql, f"field '{field}' is not supported when searching users")
        if self._peek() == "in":
            self._take()
            self._take("(")
            values = [self._value()]
            while self._peek() == ",":
                self._take()
                values.append(self._value())
            self._take(")")
            op = "in"
        else:
            op = self._take("op")
            values = [self._value()]
        return _predicate(self.cql, field, op, values)


def _name_matches(u: U.User, text: str) -> bool:
    """``~`` on a name: every word of the query starts a word of the display name (case-insensitive)."""
    words = u.display_name.lower().split()
    return all(any(w.startswith(q.rstrip("*")) for w in words) for q in text.lower().split())


def _predicate(cql: str, field: str, op: str, values: list[str]):
    if field == "type":
        if op not in ("=", "in"):
            raise could_not_parse(cql, f"operator '{op}' is not supported for field 'type'")
        return lambda u: "user" in [v.lower() for v in values]
    if field == "user.accountid" or (field == "user" and op in ("=", "!=", "in")):
        if op not in ("=", "!=", "in"):
            raise could_not_parse(cql, f"operator '{op}' is not supported for field '{field}'")
        wanted = set(values)
        return (lambda u: u.account_id not in wanted) if op == "!=" else (lambda u: u.account_id in wanted)
    if op not in ("~", "!~", "="):
        raise could_not_parse(cql, f"operator '{op}' is not supported for field '{field}'")
    text = values[0]
    if op == "=":
        return lambda u: u.display_name.lower() == text.lower()
    return (lambda u: not _name_matches(u, text)) if op == "!~" else (lambda u: _name_matches(u, text))


@endpoint("v1")
async def search_user(ctx: Ctx):
    t0 = time.monotonic()
    cql = ctx.q.get("cql")
    if not cql or not cql.strip():
        raise ApiError(
            400, "com.atlassian.confluence.api.service.exceptions.BadRequestException: cql query parameter is required"
        )
    pred = _UserQuery(cql).pred
    hits = [u for u in U.USERS if u.active and pred(u)]
    start = ctx.int_param("start", 0)
    limit = ctx.int_param("limit", 25, hi=1000)
    page = hits[start : start + limit]
    now = iso(ctx.now)
    results: list[dict] = [
        {
            "user": R.user_v1(u, ctx.base),
            "title": u.display_name,
            "excerpt": "",
            "url": f"/people/{u.account_id}",
            "breadcrumbs": [],
            "entityType": "user",
            "iconCssClass": "aui-icon content-type-profile",
            "lastModified": now,
            "score": 0.0,
        }
        for u in page
    ]
    links = {"base": ctx.base, "context": "/wiki", "self": f"{ctx.base}/rest/api/search/user?{urlencode({'cql': cql})}"}
    if start + len(page) < len(hits):
        links["next"] = f"/rest/api/search/user?{urlencode({'cql': cql, 'start': start + limit, 'limit': limit})}"
    return JSONResponse(
        {
            "results": results,
            "start": start,
            "limit": limit,
            "size": len(results),
            "totalSize": len(hits),
            "cqlQuery": cql,
            "searchDuration": int((time.monotonic() - t0) * 1000),
            "_links": links,
        }
    )


@endpoint("v1")
async def user_get(ctx: Ctx):
    aid = ctx.q.get("accountId")
    if not aid:
        raise ApiError(400, "The accountId query parameter is required.")
    u = U.BY_ACCOUNT_ID.get(aid)
    if u is None:
        raise ApiError(404, f"No user found with accountId: {aid}")
    out = R.user_v1(u, ctx.base)
    out["_links"].update({"base": ctx.base, "context": "/wiki"})
    return JSONResponse(out)


def user_v2(u: U.User) -> dict:
    return {
        "accountId": u.account_id,
        "accountType": u.account_type,
        "accountStatus": "active" if u.active else "inactive",
        "displayName": u.display_name,
        "publicName": u.display_name,
        "email": u.email,
        "timeZone": u.time_zone,
        "isExternalCollaborator": False,
        "profilePicture": {"path": f"/wiki/aa-avatar/{u.account_id}", "width": 48, "height": 48, "isDefault": False},
    }


@endpoint("v2")
async def users_bulk(ctx: Ctx):
    body = await ctx.body()
    ids = body.get("accountIds") if isinstance(body, dict) else None
    if not isinstance(ids, list) or not 1 <= len(ids) <= 250 or not all(isinstance(i, str) for i in ids):
        raise ApiError(400, "accountIds must be a list of 1 to 250 account ids")
    found = [U.BY_ACCOUNT_ID[i] for i in dict.fromkeys(ids) if i in U.BY_ACCOUNT_ID]
    return JSONResponse({"results": [user_v2(u) for u in found], "_links": {"base": ctx.base}})


ROUTES = [
    Route("/api/v2/users-bulk", users_bulk, methods=["POST"]),
    Route("/rest/api/search/user", search_user, methods=["GET"]),
    Route("/rest/api/user", user_get, methods=["GET"]),
]
