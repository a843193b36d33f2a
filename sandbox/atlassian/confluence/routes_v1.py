"""Confluence Cloud REST v1 (``/wiki/rest/api``): CQL search, current user, labels; removed content CRUD → 410."""

from __future__ import annotations

import base64
import json
import re
import time
import zlib
from typing import Any
from urllib.parse import urlencode

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import render as R
from .cql import evaluate as CQ
from .http import GONE, ApiError, Ctx, endpoint, iso, v1_error

P = "/rest/api"
SEARCH_MAX = 100
EXPORT_VIEW_MAX = 25
LABEL_RE = re.compile(r"^[^\s:!#&()*,.;<>?@\[\]^]+$")


def _csv(raw: str | None) -> set[str]:
    return {p.strip() for p in (raw or "").split(",") if p.strip()}


def _cursor(offset: int, cql: str) -> str:
    raw = json.dumps({"o": offset, "q": zlib.crc32(cql.encode())}, separators=(",", ":")).encode()
    return "_f_" + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _offset(ctx: Ctx, cql: str) -> int:
    tok = ctx.q.get("cursor")
    if tok:
        try:
            data = json.loads(base64.urlsafe_b64decode(tok[3:] + "=" * (-len(tok[3:]) % 4)))
            if not tok.startswith("_f_") or data["q"] != zlib.crc32(cql.encode()):
                raise ValueError
            return int(data["o"])
        except Exception:
            raise ApiError(
                400,
                "com.atlassian.confluence.api.service.exceptions.BadRequestException: Invalid cursor for this query",
            ) from None
    return ctx.int_param("start", 0, lo=0)


def _paging(ctx: Ctx, path: str, cql: str, total: int, offset: int, limit: int, shown: int, extra: dict) -> dict:
    links = {"base": ctx.base, "context": "/wiki"}
    common = {k: v for k, v in extra.items() if v not in (None, "")}
    self_q = {"cql": cql, **common}
    links["self"] = f"{ctx.base}{path}?{urlencode(self_q)}"
    if offset + shown < total and shown:
        q = {
            "next": "true",
            "cursor": _cursor(offset + shown, cql),
            **common,
            "limit": limit,
            "start": offset + shown,
            "cql": cql,
        }
        links["next"] = f"{path}?{urlencode(q)}"
    if offset > 0:
        prev = max(0, offset - limit)
        q = {"prev": "true", "cursor": _cursor(prev, cql), **common, "limit": limit, "start": prev, "cql": cql}
        links["prev"] = f"{path}?{urlencode(q)}"
    return links


def _excerpt(c, terms: list[str], mode: str) -> str:
    if mode == "none":
        return ""
    text = " ".join(c.text.split())
    low = CQ.fold(text)
    pos = -1
    for t in terms:
        pos = low.find(t)
        if pos >= 0:
            break
    start = max(0, pos - 60) if pos >= 0 else 0
    snippet = text[start : start + 240]
    if start > 0:
        snippet = "..." + snippet
    if start + 240 < len(text):
        snippet += "..."
    if mode in ("highlight", "highlight_unescaped") and terms:
        for t in sorted(set(terms), key=len, reverse=True):
            snippet = re.sub(rf"(?i)\b({re.escape(t)}\w*)", r"@@@hl@@@\1@@@endhl@@@", snippet)
    return snippet


def _content_expand(raw: str | None, prefix: str = "") -> set[str]:
    out = set()
    for e in _csv(raw):
        if prefix:
            if e.startswith(prefix):
                out.add(e[len(prefix) :])
        else:
            out.add(e)
    return out


async def _run_search(ctx: Ctx):
    cql = ctx.q.get("cql") or ""
    hits, query = CQ.search(ctx.store, cql, ctx.user, ctx.now)
    acct = ctx.user.account_id
    hits = [h for h in hits if ctx.store.visible(h, acct)]
    return cql, hits, query


@endpoint("v1")
async def search(ctx: Ctx):
    t0 = time.monotonic()
    cql, hits, query = await _run_search(ctx)
    expand = _csv(ctx.q.get("expand"))
    cap = EXPORT_VIEW_MAX if expand & {"content.body.export_view", "content.body.styled_view"} else SEARCH_MAX
    limit = ctx.int_param("limit", 25, lo=0, hi=cap)
    offset = _offset(ctx, cql)
    page = hits[offset : offset + limit]
    cexp = _content_expand(ctx.q.get("expand"), "content.")
    terms = CQ.highlight_terms(query)
    mode = ctx.q.get("excerpt") or "highlight"
    now = ctx.now
    results: list[Any] = []
    for c in page:
        sp = ctx.store.spaces[c.space_id]
        results.append(
            {
                "content": R.content_v1(c, ctx.store, ctx.base, now, cexp),
                "title": c.title if mode == "none" or not terms else _excerpt_title(c.title, terms, mode),
                "excerpt": _excerpt(c, terms, mode),
                "url": R.webui(c, ctx.store),
                "resultGlobalContainer": {"title": sp.name, "displayUrl": f"/spaces/{sp.key}"},
                "breadcrumbs": [],
                "entityType": "content",
                "iconCssClass": f"aui-icon content-type-{c.type}",
                "lastModified": iso(c.updated),
                "friendlyLastModified": R.friendly(c.updated, now),
                "score": 0.0,
            }
        )
    extra = {"expand": ctx.q.get("expand"), "excerpt": ctx.q.get("excerpt")}
    body = {
        "results": results,
        "start": offset,
        "limit": limit,
        "size": len(results),
        "totalSize": len(hits),
        "cqlQuery": cql,
        "searchDuration": int((time.monotonic() - t0) * 1000),
        "archivedResultCount": 0,
        "_links": _paging(ctx, f"{P}/search", cql, len(hits), offset, limit, len(results), extra),
    }
    return JSONResponse(body)


def _excerpt_title(title: str, terms: list[str], mode: str) -> str:
    if mode not in ("highlight", "highlight_unescaped"):
        return title
    out = title
    for t in sorted(set(terms), key=len, reverse=True):
        out = re.sub(rf"(?i)\b({re.escape(t)}\w*)", r"@@@hl@@@\1@@@endhl@@@", out)
    return out


@endpoint("v1")
async def content_search(ctx: Ctx):
    cql, hits, _ = await _run_search(ctx)
    expand = _content_expand(ctx.q.get("expand"))
    cap = EXPORT_VIEW_MAX if expand & {"body.export_view", "body.styled_view"} else SEARCH_MAX
    limit = ctx.int_param("limit", 25, lo=0, hi=cap)
    offset = _offset(ctx, cql)
    page = hits[offset : offset + limit]
    now = ctx.now
    results = [R.content_v1(c, ctx.store, ctx.base, now, expand) for c in page]
    body = {
        "results": results,
        "start": offset,
        "limit": limit,
        "size": len(results),
        "_links": _paging(
            ctx, f"{P}/content/search", cql, len(hits), offset, limit, len(results), {"expand": ctx.q.get("expand")}
        ),
    }
    return JSONResponse(body)


@endpoint("v1")
async def user_current(ctx: Ctx):
    out = R.user_v1(ctx.user, ctx.base)
    out["_links"]["base"] = ctx.base
    out["_links"]["context"] = "/wiki"
    return JSONResponse(out)


def _content_or_404(ctx: Ctx):
    cid = ctx.request.path_params["id"]
    c = ctx.store.page(cid, ctx.user.account_id, types=("page", "blogpost"), statuses=("current", "draft", "archived"))
    if c is None:
        raise ApiError(404, f"No content found with id: ContentId{{id={cid}}}")
    return c


def _labels_array(ctx: Ctx, c) -> dict:
    labels = [
        {
            "prefix": ctx.store.labels[i].prefix,
            "name": ctx.store.labels[i].name,
            "id": str(i),
            "label": ctx.store.labels[i].name,
        }
        for i in c.labels
    ]
    return {
        "results": labels,
        "start": 0,
        "limit": 200,
        "size": len(labels),
        "_links": {"base": ctx.base, "context": "/wiki", "self": f"{ctx.base}{P}/content/{c.id}/label"},
    }


@endpoint("v1")
async def label_add(ctx: Ctx):
    c = _content_or_404(ctx)
    data = await ctx.body()
    items = data if isinstance(data, list) else [data]
    if not items or not all(isinstance(i, dict) for i in items):
        raise ApiError(400, "Labels must be an array of {prefix, name} objects")
    new = []
    for i in items:
        name = str(i.get("name") or "").strip()
        prefix = str(i.get("prefix") or "global")
        if not name or len(name) > 255 or not LABEL_RE.match(name):
            raise ApiError(400, f"Label '{name}' contains invalid characters or is too long")
        if prefix not in ("global", "my", "team"):
            raise ApiError(400, f"Invalid label prefix '{prefix}'")
        new.append((prefix, name.lower()))
    if len(c.labels) + len(new) > 500:
        raise ApiError(400, "Too many labels on this content (maximum 500)")
    for prefix, name in new:
        lab = ctx.store.label(name, prefix)
        if lab.id not in c.labels:
            c.labels.append(lab.id)
    return JSONResponse(_labels_array(ctx, c))


def _remove_label(ctx: Ctx, name: str) -> Response:
    c = _content_or_404(ctx)
    if "/" in name:
        raise ApiError(400, "Label names cannot contain '/'; use DELETE /wiki/rest/api/content/{id}/label?name=")
    name = name.lower()
    keep = [i for i in c.labels if ctx.store.labels[i].name != name]
    if len(keep) == len(c.labels):
        raise ApiError(404, f"Label '{name}' not found on content {c.id}")
    c.labels = keep
    return Response(status_code=204)


@endpoint("v1")
async def label_delete_path(ctx: Ctx):
    return _remove_label(ctx, ctx.request.path_params["label"])


@endpoint("v1")
async def label_delete_query(ctx: Ctx):
    name = ctx.q.get("name")
    if not name:
        raise ApiError(400, "The 'name' query parameter is required")
    return _remove_label(ctx, name)


async def gone(request):
    return v1_error(410, GONE)


ROUTES = [
    Route(f"{P}/search", search, methods=["GET"]),
    Route(f"{P}/content/search", content_search, methods=["GET"]),
    Route(f"{P}/user/current", user_current, methods=["GET"]),
    Route(f"{P}/content/{{id}}/label", label_add, methods=["POST"]),
    Route(f"{P}/content/{{id}}/label", label_delete_query, methods=["DELETE"]),
    Route(f"{P}/content/{{id}}/label/{{label:path}}", label_delete_path, methods=["DELETE"]),
    # Removed from Confluence Cloud: answered with 410 Gone (upstreams.md §1.2)
    Route(f"{P}/content", gone, methods=["GET", "POST"]),
    Route(f"{P}/content/{{id}}", gone, methods=["GET", "PUT", "DELETE"]),
    Route(f"{P}/content/{{id}}/label", gone, methods=["GET"]),
    Route(f"{P}/content/{{id}}/child", gone, methods=["GET"]),
    Route(f"{P}/content/{{id}}/child/{{type}}", gone, methods=["GET"]),
    Route(f"{P}/content/{{id}}/history", gone, methods=["GET"]),
    Route(f"{P}/content/{{id}}/version", gone, methods=["GET"]),
    Route(f"{P}/content/{{id}}/property", gone, methods=["GET", "POST"]),
    Route(f"{P}/content/{{id}}/property/{{key}}", gone, methods=["GET", "PUT", "DELETE"]),
    Route(f"{P}/space", gone, methods=["GET"]),
    Route(f"{P}/space/{{key}}", gone, methods=["GET"]),
    Route(f"{P}/space/{{key}}/content", gone, methods=["GET"]),
]
