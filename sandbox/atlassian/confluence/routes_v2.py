"""Confluence Cloud REST v2 (``/wiki/api/v2``).

Spaces, pages, blog posts, tree, comments, labels, attachments, versions."""

from __future__ import annotations

import json
import re
from typing import Literal, overload

from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import render as R
from .http import ApiError, Ctx, endpoint, paginate
from .store import Content, Version

P = "/api/v2"
MAX_LIMIT = 250
MAX_BODY = 5 * 1024 * 1024
PAGE_SORTS = {
    "id": lambda c: (c.id,),
    "created-date": lambda c: (c.created, c.id),
    "modified-date": lambda c: (c.updated, c.id),
    "title": lambda c: (c.title.lower(), c.id),
}
NOT_FOUND_PAGE = "Page not found"


def _multi(ctx: Ctx, name: str) -> list[str]:
    out = []
    for raw in ctx.q.getlist(name):
        out += [p.strip() for p in raw.split(",") if p.strip()]
    return out


def _limit(ctx: Ctx, default: int = 25) -> int:
    return ctx.int_param("limit", default, lo=1, hi=MAX_LIMIT)


def _listing(
    ctx: Ctx,
    items: list,
    render,
    *,
    sort: str | None = None,
    sorts=None,
    default_sort="id",
    scope_keys=(),
    limit_default=25,
) -> Response:
    sorts = sorts or PAGE_SORTS
    sort = sort or default_sort
    desc = sort.startswith("-")
    name = sort.lstrip("-")
    if name not in sorts:
        raise ApiError(
            400, f"Invalid value '{sort}' for sort. Allowed values: " + ", ".join(f"{s}, -{s}" for s in sorts)
        )
    key = sorts[name]
    items = sorted(items, key=key, reverse=desc)
    limit = _limit(ctx, limit_default)
    params = {k: ctx.q.get(k) for k in ctx.q.keys() if k != "cursor"}
    params["limit"] = str(limit)
    scope = (
        ctx.request.url.path.split("/wiki", 1)[-1]
        + "|"
        + sort
        + "|"
        + "|".join(f"{k}={params.get(k)}" for k in sorted(params) if k not in ("limit", "body-format"))
    )
    path = ctx.request.url.path.split("/wiki", 1)[-1]
    page, links, headers = paginate(
        ctx, items, key, descending=desc, limit=limit, scope=scope, path=path, params=params
    )
    return JSONResponse({"results": [render(i) for i in page], "_links": links}, headers=headers)


def _visible_page(ctx: Ctx, pid, *, types=("page",), statuses=("current", "draft", "archived")) -> Content:
    c = ctx.store.page(pid, ctx.user.account_id, types=types, statuses=statuses)
    if c is None:
        raise ApiError(404, NOT_FOUND_PAGE if "page" in types else "Blog post not found")
    return c


# ---------------------------------------------------------------- spaces
SPACE_SORTS = {"id": lambda s: (s.id,), "key": lambda s: (s.key, s.id), "name": lambda s: (s.name.lower(), s.id)}


@endpoint()
async def spaces(ctx: Ctx):
    keys = {k.upper() for k in _multi(ctx, "keys")}
    ids = set(_multi(ctx, "ids"))
    types = set(_multi(ctx, "type"))
    statuses = set(_multi(ctx, "status"))
    labels = {x.lower() for x in _multi(ctx, "labels")}
    items = [
        s
        for s in ctx.store.spaces.values()
        if (not keys or s.key.upper() in keys)
        and (not ids or str(s.id) in ids)
        and (not types or s.type in types)
        and (not statuses or s.status in statuses)
        and (not labels or labels & set(s.labels))
        and ctx.store.space_visible(s, ctx.user.account_id)
    ]
    fmt = ctx.q.get("description-format")
    return _listing(
        ctx, items, lambda s: R.space_json(s, ctx.store, ctx.base, fmt), sort=ctx.q.get("sort"), sorts=SPACE_SORTS
    )


def _space(ctx: Ctx):
    sid = ctx.request.path_params["id"]
    if not sid.isdigit():
        raise ApiError(400, f"Provided value {{{sid}}} for 'id' is not the correct type. Expected type is long")
    sp = ctx.store.spaces.get(int(sid))
    if sp is None or not ctx.store.space_visible(sp, ctx.user.account_id):
        raise ApiError(404, "Space not found")
    return sp


@endpoint()
async def space_get(ctx: Ctx):
    sp = _space(ctx)
    out = R.space_json(sp, ctx.store, ctx.base, ctx.q.get("description-format"))
    if ctx.q.get("include-labels") == "true":
        out["labels"] = {
            "results": [{"id": str(ctx.store.label(n).id), "name": n, "prefix": "global"} for n in sp.labels],
            "meta": {"hasMore": False, "cursor": ""},
            "_links": {},
        }
    out["_links"]["base"] = ctx.base
    return JSONResponse(out)


# ---------------------------------------------------------------- pages & blog posts
def _content_filter(ctx: Ctx, ctype: str, *, space_ids: set[str] | None = None):
    ids = set(_multi(ctx, "id"))
    space_ids = space_ids if space_ids is not None else set(_multi(ctx, "space-id"))
    statuses = set(_multi(ctx, "status")) or ({"current", "archived"} if ctype == "page" else {"current"})
    if "any" in statuses:
        statuses = {"current", "archived", "draft", "trashed", "deleted"}
    title = ctx.q.get("title")
    acct = ctx.user.account_id
    return [
        c
        for c in ctx.store.contents.values()
        if c.type == ctype
        and c.status in statuses
        and ctx.store.visible(c, acct)
        and (not ids or str(c.id) in ids)
        and (not space_ids or str(c.space_id) in space_ids)
        and (title is None or c.title == title)
    ]


@endpoint()
async def pages(ctx: Ctx):
    fmt = R.body_format(ctx.q.get("body-format"), single=False)
    items = _content_filter(ctx, "page")
    return _listing(ctx, items, lambda c: R.page_json(c, ctx.store, ctx.base, fmt), sort=ctx.q.get("sort"))


@endpoint()
async def space_pages(ctx: Ctx):
    sp = _space(ctx)
    fmt = R.body_format(ctx.q.get("body-format"), single=False)
    items = _content_filter(ctx, "page", space_ids={str(sp.id)})
    if ctx.q.get("depth") == "root":
        items = [c for c in items if c.parent_id is None]
    return _listing(ctx, items, lambda c: R.page_json(c, ctx.store, ctx.base, fmt), sort=ctx.q.get("sort"))


@endpoint()
async def blogposts(ctx: Ctx):
    fmt = R.body_format(ctx.q.get("body-format"), single=False)
    items = _content_filter(ctx, "blogpost")
    return _listing(ctx, items, lambda c: R.page_json(c, ctx.store, ctx.base, fmt), sort=ctx.q.get("sort"))


@endpoint()
async def space_blogposts(ctx: Ctx):
    sp = _space(ctx)
    fmt = R.body_format(ctx.q.get("body-format"), single=False)
    items = _content_filter(ctx, "blogpost", space_ids={str(sp.id)})
    return _listing(ctx, items, lambda c: R.page_json(c, ctx.store, ctx.base, fmt), sort=ctx.q.get("sort"))


def _single(ctx: Ctx, c: Content) -> dict:
    fmt = R.body_format(ctx.q.get("body-format"), single=True)
    wanted = ctx.q.get("version")
    shown = c
    if wanted not in (None, ""):
        try:
            n = int(wanted)
        except ValueError:
            raise ApiError(
                400, f"Provided value {{{wanted}}} for 'version' is not the correct type. Expected type is Integer"
            ) from None
        if not 1 <= n <= len(c.versions):
            raise ApiError(404, f"Version {n} of content {c.id} not found")
        if n != c.version.number:
            shown = Content(
                id=c.id,
                type=c.type,
                space_id=c.space_id,
                author_id=c.author_id,
                created=c.created,
                versions=c.versions[:n],
                status="historical",
                parent_id=c.parent_id,
                position=c.position,
                owner_id=c.owner_id,
                labels=c.labels,
            )
    extra = {}
    if ctx.q.get("include-labels") == "true":
        extra["labels"] = {
            "results": [R.label_json(ctx.store, i) for i in c.labels],
            "meta": {"hasMore": False, "cursor": ""},
            "_links": {},
        }
    if ctx.q.get("include-versions") == "true":
        vs = list(reversed(c.versions))[:50]
        extra["versions"] = {
            "results": [R.version_json(v) for v in vs],
            "meta": {"hasMore": len(c.versions) > 50, "cursor": ""},
            "_links": {},
        }
    out = R.page_json(shown, ctx.store, ctx.base, fmt, single=True, extra=extra)
    if ctx.q.get("include-version") == "false":
        out.pop("version", None)
    return out


@endpoint()
async def page_get(ctx: Ctx):
    c = _visible_page(ctx, ctx.request.path_params["id"], statuses=("current", "draft", "archived", "trashed"))
    return JSONResponse(_single(ctx, c))


@endpoint()
async def blogpost_get(ctx: Ctx):
    c = _visible_page(ctx, ctx.request.path_params["id"], types=("blogpost",))
    return JSONResponse(_single(ctx, c))


@overload
def _storage_from(body: object, *, required: Literal[True]) -> str: ...
@overload
def _storage_from(body: object, *, required: bool) -> str | None: ...
def _storage_from(body, *, required: bool) -> str | None:
    """Accept ``{representation, value}`` and the nested ``{storage: {value, representation}}`` form."""
    if body is None:
        if required:
            raise ApiError(400, "Body is required")
        return None
    if not isinstance(body, dict):
        raise ApiError(400, "Invalid body: expected an object")
    rep, value = body.get("representation"), body.get("value")
    if rep is None:
        for k in ("storage", "atlas_doc_format", "wiki"):
            if isinstance(body.get(k), dict):
                rep, value = body[k].get("representation") or k, body[k].get("value")
                break
    if rep is None or value is None:
        raise ApiError(400, "Body must contain a representation and a value")
    if not isinstance(value, str):
        raise ApiError(400, "Body value must be a string")
    if len(value.encode()) > MAX_BODY:
        raise ApiError(413, "Request Entity Too Large", "The page body exceeds the maximum size of 5 MB")
    if rep == "storage":
        return value
    if rep == "wiki":
        return "".join(f"<p>{_esc(line)}</p>" for line in value.splitlines() if line.strip()) or "<p />"
    if rep == "atlas_doc_format":
        try:
            doc = json.loads(value)
        except ValueError:
            raise ApiError(400, "Invalid atlas_doc_format body: not valid JSON") from None
        return _adf_to_storage(doc)
    raise ApiError(400, f"Invalid representation '{rep}'. Allowed values: storage, atlas_doc_format, wiki")


def _esc(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _adf_to_storage(node) -> str:
    """Minimal ADF → storage (paragraphs, headings, lists, code, text marks)."""
    if isinstance(node, list):
        return "".join(_adf_to_storage(n) for n in node)
    if not isinstance(node, dict):
        return ""
    t, kids = node.get("type"), node.get("content", [])
    inner = _adf_to_storage(kids)
    if t == "text":
        s = _esc(node.get("text", ""))
        for m in node.get("marks", []):
            tag = {"strong": "strong", "em": "em", "code": "code", "underline": "u", "strike": "s"}.get(m.get("type"))
            if tag:
                s = f"<{tag}>{s}</{tag}>"
            elif m.get("type") == "link":
                s = f'<a href="{_esc(m.get("attrs", {}).get("href", ""))}">{s}</a>'
        return s
    if t == "paragraph":
        return f"<p>{inner}</p>"
    if t == "heading":
        lvl = int(node.get("attrs", {}).get("level", 1))
        return f"<h{lvl}>{inner}</h{lvl}>"
    if t == "bulletList":
        return f"<ul>{inner}</ul>"
    if t == "orderedList":
        return f"<ol>{inner}</ol>"
    if t == "listItem":
        return f"<li>{inner}</li>"
    if t == "hardBreak":
        return "<br />"
    if t == "codeBlock":
        lang = node.get("attrs", {}).get("language", "")
        text = "".join(k.get("text", "") for k in kids if isinstance(k, dict))
        return (
            f'<ac:structured-macro ac:name="code" ac:schema-version="1"><ac:parameter ac:name="language">{lang}'
            f"</ac:parameter><ac:plain-text-body><![CDATA[{text}]]></ac:plain-text-body></ac:structured-macro>"
        )
    if t == "mention":
        return f'<ac:link><ri:user ri:account-id="{node.get("attrs", {}).get("id", "")}" /></ac:link>'
    return inner


def _check_title(ctx: Ctx, space_id: int, title: str, ctype: str, own_id: int | None = None) -> None:
    if not title or not title.strip():
        raise ApiError(400, "Title is required for a page that is not a draft")
    if len(title) > 255:
        raise ApiError(400, "Title cannot be longer than 255 characters")
    for c in ctx.store.contents.values():
        if (
            c.type == ctype
            and c.space_id == space_id
            and c.status in ("current", "archived", "draft")
            and c.id != own_id
            and c.title.strip().lower() == title.strip().lower()
        ):
            raise ApiError(
                400, "A page with this title already exists: A page already exists with the same TITLE in this space"
            )


@endpoint()
async def page_create(ctx: Ctx):
    data = await ctx.body()
    if not isinstance(data, dict):
        raise ApiError(400, "Request body must be a JSON object")
    space_id = str(data.get("spaceId") or "")
    if not space_id:
        raise ApiError(400, "spaceId is required")
    if (
        not space_id.isdigit()
        or int(space_id) not in ctx.store.spaces
        or not ctx.store.space_visible(ctx.store.spaces[int(space_id)], ctx.user.account_id)
    ):
        raise ApiError(404, f"Space with id {space_id} was not found")
    sp = ctx.store.spaces[int(space_id)]
    status = data.get("status") or "current"
    if status not in ("current", "draft"):
        raise ApiError(400, f"Invalid status '{status}'. Allowed values: current, draft")
    title = data.get("title") or ""
    if status == "current" or title:
        _check_title(ctx, sp.id, title, "page")
    root_level = ctx.q.get("root-level") == "true"
    parent_id = data.get("parentId")
    if parent_id and root_level:
        raise ApiError(400, "parentId may not be supplied when root-level is true")
    if parent_id:
        parent = ctx.store.page(parent_id, ctx.user.account_id)
        if parent is None or parent.space_id != sp.id:
            raise ApiError(400, f"Invalid parentId {parent_id}: the parent page must exist in space {sp.key}")
        pid: int | None = parent.id
    else:
        pid = None if root_level else sp.homepage_id
    storage = _storage_from(data.get("body"), required=False) or ""
    now = ctx.now
    siblings = ctx.store.children(pid) if pid else []
    c = ctx.store.add_content(
        type="page",
        space_id=sp.id,
        author_id=ctx.user.account_id,
        created=now,
        versions=[Version(1, ctx.user.account_id, now, "", title, storage)],
        status=status,
        parent_id=pid,
        position=(max((s.position for s in siblings), default=-1) + 1),
        owner_id=ctx.user.account_id,
    )
    return JSONResponse(R.page_json(c, ctx.store, ctx.base, "storage", single=True))


def _conflict(current: int, provided) -> ApiError:
    return ApiError(
        409,
        f"Version must be incremented when updating a page. Current Version: [{current}]. "
        f"Provided version: [{provided}]",
        code="CONFLICT",
    )


@endpoint()
async def page_update(ctx: Ctx):
    pid = ctx.request.path_params["id"]
    c = _visible_page(ctx, pid, statuses=("current", "draft", "archived", "trashed"))
    data = await ctx.body()
    if not isinstance(data, dict):
        raise ApiError(400, "Request body must be a JSON object")
    missing = [k for k in ("id", "status", "title", "body", "version") if data.get(k) in (None, "")]
    if missing:
        raise ApiError(400, f"Missing required field(s): {', '.join(missing)}")
    if str(data["id"]) != str(c.id):
        raise ApiError(400, f"The id in the request body ({data['id']}) does not match the id in the path ({c.id})")
    status = data["status"]
    if status not in ("current", "draft", "archived"):
        raise ApiError(400, f"Invalid status '{status}'. Allowed values: current, draft")
    if data.get("spaceId") not in (None, "") and str(data["spaceId"]) != str(c.space_id):
        raise ApiError(400, "Moving a page to another space is not supported")
    version = data["version"]
    if (
        not isinstance(version, dict)
        or not isinstance(version.get("number"), int)
        or isinstance(version.get("number"), bool)
    ):
        raise ApiError(400, "version.number is required and must be an integer")
    number = version["number"]
    current = c.version.number
    if c.status == "trashed" and status == "current":  # restore: contents unchanged
        c.status = "current"
        return JSONResponse(R.page_json(c, ctx.store, ctx.base, "storage", single=True))
    if number != current + 1 and not (status == "draft" and number == 1):
        raise _conflict(current, number)
    title = data["title"]
    _check_title(ctx, c.space_id, title, c.type, own_id=c.id)
    storage = _storage_from(data["body"], required=True)
    if data.get("parentId") not in (None, ""):
        parent = ctx.store.page(data["parentId"], ctx.user.account_id)
        if parent is None or parent.space_id != c.space_id:
            raise ApiError(400, f"Invalid parentId {data['parentId']}")
        if parent.id == c.id or any(a.id == c.id for a in ctx.store.ancestors(parent)):
            raise ApiError(400, "A page cannot be moved below itself or one of its descendants")
        c.parent_id = parent.id
    if data.get("ownerId"):
        c.owner_id = str(data["ownerId"])
    c.versions.append(
        Version(
            current + 1,
            ctx.user.account_id,
            ctx.now,
            str(version.get("message") or ""),
            title,
            storage,
            bool(version.get("minorEdit", False)),
        )
    )
    c.status = status
    return JSONResponse(R.page_json(c, ctx.store, ctx.base, "storage", single=True))


@endpoint()
async def page_delete(ctx: Ctx):
    c = _visible_page(ctx, ctx.request.path_params["id"], statuses=("current", "draft", "archived", "trashed"))
    if ctx.q.get("purge") == "true":
        if c.status != "trashed":
            raise ApiError(400, "Only trashed pages can be purged")
        c.status = "deleted"
    elif ctx.q.get("draft") == "true":
        if c.status != "draft":
            raise ApiError(404, NOT_FOUND_PAGE)
        c.status = "deleted"
    else:
        if c.status == "trashed":
            raise ApiError(404, NOT_FOUND_PAGE)
        c.status = "trashed"
    return Response(status_code=204)


# ---------------------------------------------------------------- tree
CHILD_SORTS = {
    "id": lambda c: (c.id,),
    "created-date": lambda c: (c.created, c.id),
    "modified-date": lambda c: (c.updated, c.id),
    "child-position": lambda c: (c.position, c.id),
}


@endpoint()
async def direct_children(ctx: Ctx):
    c = _visible_page(ctx, ctx.request.path_params["id"])
    kids = [k for k in ctx.store.children(c.id) if ctx.store.visible(k, ctx.user.account_id)]
    return _listing(
        ctx,
        kids,
        lambda k: {
            "id": str(k.id),
            "status": k.status,
            "title": k.title,
            "type": "page",
            "spaceId": str(k.space_id),
            "childPosition": k.position,
        },
        sort=ctx.q.get("sort"),
        sorts=CHILD_SORTS,
        default_sort="child-position",
    )


@endpoint()
async def children_deprecated(ctx: Ctx):
    c = _visible_page(ctx, ctx.request.path_params["id"])
    kids = [k for k in ctx.store.children(c.id) if ctx.store.visible(k, ctx.user.account_id)]
    return _listing(
        ctx,
        kids,
        lambda k: {
            "id": str(k.id),
            "status": k.status,
            "title": k.title,
            "spaceId": str(k.space_id),
            "childPosition": k.position,
        },
        sort=ctx.q.get("sort"),
        sorts=CHILD_SORTS,
        default_sort="child-position",
    )


@endpoint()
async def ancestors(ctx: Ctx):
    c = _visible_page(ctx, ctx.request.path_params["id"])
    anc = ctx.store.ancestors(c)
    limit = _limit(ctx)
    anc = anc[-limit:]  # the nearest ``limit`` ancestors, top to bottom
    return JSONResponse({"results": [{"id": str(a.id), "type": "page"} for a in anc], "_links": {"base": ctx.base}})


@endpoint()
async def descendants(ctx: Ctx):
    c = _visible_page(ctx, ctx.request.path_params["id"])
    max_depth = ctx.int_param("depth", 5, lo=1, hi=5)
    out = []

    def walk(node, depth):
        if depth > max_depth:
            return
        for k in ctx.store.children(node.id):
            if ctx.store.visible(k, ctx.user.account_id):
                out.append((k, depth))
                walk(k, depth + 1)

    walk(c, 1)
    depth_of = {k.id: d for k, d in out}
    return _listing(
        ctx,
        [k for k, _ in out],
        lambda k: {
            "id": str(k.id),
            "status": k.status,
            "title": k.title,
            "type": "page",
            "parentId": str(k.parent_id),
            "depth": depth_of[k.id],
            "childPosition": k.position,
        },
        sorts={"id": lambda k: (k.id,)},
    )


# ---------------------------------------------------------------- comments
COMMENT_SORTS = {
    "created-date": lambda c: (c.created, c.id),
    "modified-date": lambda c: (c.version.created, c.id),
    "id": lambda c: (c.id,),
}


@endpoint()
async def page_footer_comments(ctx: Ctx):
    ctype = "blogpost" if "/blogposts/" in ctx.request.url.path else "page"
    c = _visible_page(ctx, ctx.request.path_params["id"], types=(ctype,))
    fmt = R.body_format(ctx.q.get("body-format"), single=False)
    items = ctx.store.top_comments(c.id)
    return _listing(
        ctx,
        items,
        lambda cm: R.comment_json(cm, ctx.store, ctx.base, fmt, footer=False),
        sort=ctx.q.get("sort"),
        sorts=COMMENT_SORTS,
        default_sort="created-date",
    )


@endpoint()
async def page_inline_comments(ctx: Ctx):
    ctype = "blogpost" if "/blogposts/" in ctx.request.url.path else "page"
    _visible_page(ctx, ctx.request.path_params["id"], types=(ctype,))
    R.body_format(ctx.q.get("body-format"), single=False)
    return _listing(ctx, [], lambda x: x, sorts=COMMENT_SORTS, default_sort="created-date")


def _comment(ctx: Ctx, cid: str):
    try:
        cm = ctx.store.comments.get(int(cid))
    except ValueError:
        cm = None
    if cm is None or cm.status != "current":
        raise ApiError(404, "Comment not found")
    c = ctx.store.contents.get(cm.container_id)
    if c is None or not ctx.store.visible(c, ctx.user.account_id) or c.status not in ("current", "archived"):
        raise ApiError(404, "Comment not found")
    return cm


@endpoint()
async def footer_comment_get(ctx: Ctx):
    cm = _comment(ctx, ctx.request.path_params["id"])
    fmt = R.body_format(ctx.q.get("body-format"), single=True)
    out = R.comment_json(cm, ctx.store, ctx.base, fmt)
    out["_links"]["base"] = ctx.base
    return JSONResponse(out)


@endpoint()
async def footer_comment_children(ctx: Ctx):
    cm = _comment(ctx, ctx.request.path_params["id"])
    fmt = R.body_format(ctx.q.get("body-format"), single=False)
    items = ctx.store.replies(cm.id)

    def render(r):
        out = R.comment_json(r, ctx.store, ctx.base, fmt)
        out.pop("pageId", None)
        out.pop("blogPostId", None)
        return out

    return _listing(ctx, items, render, sort=ctx.q.get("sort"), sorts=COMMENT_SORTS, default_sort="created-date")


@endpoint()
async def footer_comment_create(ctx: Ctx):
    data = await ctx.body()
    if not isinstance(data, dict):
        raise ApiError(400, "Request body must be a JSON object")
    targets = [k for k in ("pageId", "blogPostId", "parentCommentId", "attachmentId", "customContentId") if data.get(k)]
    if len(targets) != 1:
        raise ApiError(
            400, "Exactly one of pageId, blogPostId, parentCommentId, attachmentId or customContentId must be provided"
        )
    storage = _storage_from(data.get("body"), required=True)
    if not storage.strip():
        raise ApiError(400, "Comment body cannot be empty")
    kind = targets[0]
    parent_comment = None
    if kind == "parentCommentId":
        parent_comment = _comment(ctx, str(data[kind]))
        container = ctx.store.contents[parent_comment.container_id]
    elif kind in ("pageId", "blogPostId"):
        page = ctx.store.page(
            data[kind],
            ctx.user.account_id,
            types=("page" if kind == "pageId" else "blogpost",),
            statuses=("current", "archived"),
        )
        if page is None:
            raise ApiError(404, NOT_FOUND_PAGE if kind == "pageId" else "Blog post not found")
        container = page
    else:
        raise ApiError(400, f"Comments on {kind[:-2]} are not supported by this site")
    now = ctx.now
    cm = ctx.store.add_comment(
        container_id=container.id,
        author_id=ctx.user.account_id,
        created=now,
        parent_comment_id=parent_comment.id if parent_comment else None,
        versions=[Version(1, ctx.user.account_id, now, "", f"Re: {container.title}", storage)],
    )
    out = R.comment_json(cm, ctx.store, ctx.base, "storage")
    out["_links"]["base"] = ctx.base
    return JSONResponse(out, status_code=201)


# ---------------------------------------------------------------- labels, attachments, versions
@endpoint()
async def content_labels(ctx: Ctx):
    ctype = "blogpost" if "/blogposts/" in ctx.request.url.path else "page"
    c = _visible_page(ctx, ctx.request.path_params["id"], types=(ctype,))
    prefix = ctx.q.get("prefix")
    ids = [i for i in c.labels if prefix in (None, "") or ctx.store.labels[i].prefix == prefix]
    store = ctx.store
    sorts = {"id": lambda i: (i,), "name": lambda i: (store.labels[i].name, i), "created-date": lambda i: (i,)}
    return _listing(ctx, ids, lambda i: R.label_json(store, i), sort=ctx.q.get("sort"), sorts=sorts)


PROPERTY_SORTS = {"key": lambda p: (p.key, p.id)}


@endpoint()
async def content_properties(ctx: Ctx):
    ctype = "blogpost" if "/blogposts/" in ctx.request.url.path else "page"
    c = _visible_page(ctx, ctx.request.path_params["id"], types=(ctype,))
    key = ctx.q.get("key")
    items = [p for p in c.properties if key in (None, "") or p.key == key]
    return _listing(ctx, items, R.property_json, sort=ctx.q.get("sort"), sorts=PROPERTY_SORTS, default_sort="key")


ATT_SORTS = {
    "created-date": lambda a: (a.created, a.id),
    "modified-date": lambda a: (a.created, a.id),
    "id": lambda a: (a.id,),
}


@endpoint()
async def content_attachments(ctx: Ctx):
    ctype = "blogpost" if "/blogposts/" in ctx.request.url.path else "page"
    c = _visible_page(ctx, ctx.request.path_params["id"], types=(ctype,))
    items = ctx.store.attachments_of(c.id)
    mt, fn = ctx.q.get("mediaType"), ctx.q.get("filename")
    items = [a for a in items if (not mt or a.media_type == mt) and (not fn or a.title == fn)]
    return _listing(
        ctx,
        items,
        lambda a: R.attachment_json(a, ctx.store, ctx.base),
        sort=ctx.q.get("sort"),
        sorts=ATT_SORTS,
        default_sort="created-date",
        limit_default=50,
    )


@endpoint()
async def attachment_get(ctx: Ctx):
    raw = ctx.request.path_params["id"]
    m = re.fullmatch(r"(?:att)?(\d+)", raw)
    a = ctx.store.attachments.get(int(m.group(1))) if m else None
    if a is None or a.status != "current":
        raise ApiError(404, "Attachment not found")
    c = ctx.store.contents.get(a.container_id)
    if c is None or not ctx.store.visible(c, ctx.user.account_id):
        raise ApiError(404, "Attachment not found")
    out = R.attachment_json(a, ctx.store, ctx.base)
    out["_links"]["base"] = ctx.base
    return JSONResponse(out)


VERSION_SORTS = {"modified-date": lambda v: (v.number,)}


@endpoint()
async def content_versions(ctx: Ctx):
    ctype = "blogpost" if "/blogposts/" in ctx.request.url.path else "page"
    c = _visible_page(ctx, ctx.request.path_params["id"], types=(ctype,))
    fmt = R.body_format(ctx.q.get("body-format"), single=False)
    key = "page" if ctype == "page" else "blogpost"

    def render(v: Version):
        out = R.version_json(v)
        out[key] = {"id": str(c.id), "title": v.title}
        if fmt:
            out["body"] = R.body_json(v.body, fmt, ctx.base)
        return out

    return _listing(ctx, list(c.versions), render, sort=ctx.q.get("sort") or "-modified-date", sorts=VERSION_SORTS)


@endpoint()
async def content_version_get(ctx: Ctx):
    c = _visible_page(ctx, ctx.request.path_params["id"])
    try:
        n = int(ctx.request.path_params["n"])
    except ValueError:
        raise ApiError(400, "Version number must be an integer") from None
    if not 1 <= n <= len(c.versions):
        raise ApiError(404, f"Version {n} of page {c.id} not found")
    v = c.versions[n - 1]
    out = R.version_json(v)
    out["content"] = {"id": str(c.id), "title": v.title}
    return JSONResponse(out)


ROUTES = [
    Route(f"{P}/spaces", spaces, methods=["GET"]),
    Route(f"{P}/spaces/{{id}}", space_get, methods=["GET"]),
    Route(f"{P}/spaces/{{id}}/pages", space_pages, methods=["GET"]),
    Route(f"{P}/spaces/{{id}}/blogposts", space_blogposts, methods=["GET"]),
    Route(f"{P}/pages", pages, methods=["GET"]),
    Route(f"{P}/pages", page_create, methods=["POST"]),
    Route(f"{P}/pages/{{id}}", page_get, methods=["GET"]),
    Route(f"{P}/pages/{{id}}", page_update, methods=["PUT"]),
    Route(f"{P}/pages/{{id}}", page_delete, methods=["DELETE"]),
    Route(f"{P}/pages/{{id}}/direct-children", direct_children, methods=["GET"]),
    Route(f"{P}/pages/{{id}}/children", children_deprecated, methods=["GET"]),
    Route(f"{P}/pages/{{id}}/ancestors", ancestors, methods=["GET"]),
    Route(f"{P}/pages/{{id}}/descendants", descendants, methods=["GET"]),
    Route(f"{P}/pages/{{id}}/footer-comments", page_footer_comments, methods=["GET"]),
    Route(f"{P}/pages/{{id}}/inline-comments", page_inline_comments, methods=["GET"]),
    Route(f"{P}/pages/{{id}}/labels", content_labels, methods=["GET"]),
    Route(f"{P}/pages/{{id}}/attachments", content_attachments, methods=["GET"]),
    Route(f"{P}/pages/{{id}}/properties", content_properties, methods=["GET"]),
    Route(f"{P}/pages/{{id}}/versions", content_versions, methods=["GET"]),
    Route(f"{P}/pages/{{id}}/versions/{{n}}", content_version_get, methods=["GET"]),
    Route(f"{P}/blogposts", blogposts, methods=["GET"]),
    Route(f"{P}/blogposts/{{id}}", blogpost_get, methods=["GET"]),
    Route(f"{P}/blogposts/{{id}}/footer-comments", page_footer_comments, methods=["GET"]),
    Route(f"{P}/blogposts/{{id}}/inline-comments", page_inline_comments, methods=["GET"]),
    Route(f"{P}/blogposts/{{id}}/labels", content_labels, methods=["GET"]),
    Route(f"{P}/blogposts/{{id}}/attachments", content_attachments, methods=["GET"]),
    Route(f"{P}/blogposts/{{id}}/versions", content_versions, methods=["GET"]),
    Route(f"{P}/footer-comments", footer_comment_create, methods=["POST"]),
    Route(f"{P}/footer-comments/{{id}}", footer_comment_get, methods=["GET"]),
    Route(f"{P}/footer-comments/{{id}}/children", footer_comment_children, methods=["GET"]),
    Route(f"{P}/attachments/{{id}}", attachment_get, methods=["GET"]),
]
