"""Reading and changing driveItems: item, children (paged), create folder, rename/move (PATCH), delete."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from starlette.responses import JSONResponse, Response

from ..graph import GraphError, Query, apply_select, bad_request, decode_cursor, encode_cursor, query_options
from .access import Context, can_read, is_member, require_write
from .links import render_item
from .model import Drive, Item, now
from .render import drive_json
from .sharing import permissions_of
from .validate import check_if_match, check_name, conflict_behaviour, json_body

DEFAULT_PAGE = 200
MAX_PAGE = 999


def get_drive(ctx: Context, drive: Drive) -> Response:
    if not is_member(ctx, drive):
        raise GraphError(
            403,
            "accessDenied",
            "Access denied: this drive belongs to someone else; open the items shared with you by their ids.",
        )
    body = {"@odata.context": f"{ctx.graph_base}/$metadata#drives/$entity", **drive_json(ctx.store, drive)}
    return JSONResponse(apply_select(body, query_options(ctx.request).select))


EXPANDABLE = ("children", "permissions", "thumbnails")


def expanded(ctx: Context, item: Item, q: Query) -> dict[str, Any]:
    """The driveItem with ``$select`` applied and the ``$expand`` navigation properties added."""
    unknown = set(q.expand) - set(EXPANDABLE)
    if unknown:
        raise bad_request(f"$expand supports {', '.join(EXPANDABLE)} in the sandbox, not {', '.join(sorted(unknown))}.")
    body = apply_select(render_item(ctx, item), q.select)
    if "children" in q.expand and item.is_folder:
        kids = [k for k in ctx.store.children(item) if can_read(ctx, k)]
        body["children"] = [apply_select(render_item(ctx, k), q.select) for k in kids[:DEFAULT_PAGE]]
    if "permissions" in q.expand:
        body["permissions"] = permissions_of(ctx, item)
    if "thumbnails" in q.expand:
        body["thumbnails"] = []  # none generated (as for a file whose previews are not ready yet)
    return body


def get_item(ctx: Context, item: Item) -> Response:
    body = expanded(ctx, item, query_options(ctx.request))
    return JSONResponse(
        {"@odata.context": f"{ctx.graph_base}/$metadata#drives('{item.drive_id}')/items/$entity", **body}
    )


def page_link(ctx: Context, path: str, **params: str) -> str:
    keep = {k: v for k, v in ctx.request.query_params.items() if k in ("$select", "$top", "$expand", "$orderby")}
    return f"{ctx.graph_base}{path}?{urlencode({**keep, **params})}"


def list_children(ctx: Context, folder: Item, prefix: str) -> Response:
    if not folder.is_folder:
        return JSONResponse({"value": []})
    q = query_options(ctx.request)
    size = min(q.top or DEFAULT_PAGE, MAX_PAGE)
    start = 0
    if q.skiptoken:
        cursor = decode_cursor(q.skiptoken)
        if cursor is None or not isinstance(cursor.get("o"), int):
            raise bad_request("The $skiptoken is not one this service issued; follow @odata.nextLink verbatim.")
        start = cursor["o"]
    kids = [k for k in ctx.store.children(folder) if can_read(ctx, k)]
    page = kids[start : start + size]
    body: dict[str, Any] = {
        "@odata.context": f"{ctx.graph_base}/$metadata#drives('{folder.drive_id}')/items('{folder.id}')/children",
        "value": [expanded(ctx, k, q) for k in page],
    }
    if start + size < len(kids):
        body["@odata.nextLink"] = page_link(
            ctx, prefix + "/children", **{"$skiptoken": encode_cursor({"o": start + size})}
        )
    return JSONResponse(body)


async def create_child(ctx: Context, folder: Item) -> Response:
    if not folder.is_folder:
        raise bad_request("Children can only be created in a folder.")
    require_write(ctx, folder)
    body = await json_body(ctx)
    name = check_name(body.get("name"))
    if "folder" not in body:
        raise bad_request(
            'POST children creates folders (give "folder": {}); upload files with PUT .../content '
            "or createUploadSession."
        )
    behaviour = conflict_behaviour(body.get("@microsoft.graph.conflictBehavior"), "fail")
    store = ctx.store
    with store.lock:
        existing = store.child_named(folder, name)
        if existing is not None:
            if behaviour == "fail":
                raise GraphError(409, "nameAlreadyExists", f"An item named '{name}' already exists in this folder.")
            if behaviour == "rename":
                name = store.unique_name(folder, name)
            else:
                store.delete(existing)
        store.touch(folder)  # before the child, so delta lists the parent first
        created = store.add(Item.created_now(folder, name, ctx.who.user or folder.created_by, is_folder=True))
    return JSONResponse(render_item(ctx, created), status_code=201)


async def update_item(ctx: Context, item: Item) -> Response:
    require_write(ctx, item)
    check_if_match(ctx, item)
    body = await json_body(ctx)
    store = ctx.store
    with store.lock:
        new_parent = store.items.get(item.parent_id) if item.parent_id else None
        ref = body.get("parentReference")
        if isinstance(ref, dict) and ref.get("id"):
            new_parent = store.item(str(ref["id"]))
            if new_parent is None or not new_parent.is_folder or new_parent.drive_id != item.drive_id:
                raise bad_request("parentReference.id must be a folder in the same drive.")
            if any(a.id == item.id for a in store.ancestors(new_parent)):
                raise bad_request("An item cannot be moved into itself or one of its descendants.")
            require_write(ctx, new_parent)
        if item.parent_id is None and (ref or "name" in body):
            raise bad_request("The root folder cannot be renamed or moved.")
        name = check_name(body["name"]) if "name" in body else item.name
        if new_parent is not None:
            clash = store.child_named(new_parent, name)
            if clash is not None and clash.id != item.id:
                raise GraphError(409, "nameAlreadyExists", f"An item named '{name}' already exists there.")
        old_parent = store.items.get(item.parent_id) if item.parent_id else None
        item.name = name
        item.parent_id = new_parent.id if new_parent is not None else item.parent_id
        item.modified = now()
        item.modified_by = ctx.who.user or item.modified_by
        store.touch(item)
        touched = {f.id: f for f in (old_parent, new_parent) if f is not None}
        for folder in touched.values():
            store.touch(folder)
    return JSONResponse(render_item(ctx, item))


def delete_item(ctx: Context, item: Item) -> Response:
    if item.parent_id is None:
        raise GraphError(403, "accessDenied", "The root folder cannot be deleted.")
    require_write(ctx, item)
    check_if_match(ctx, item)
    with ctx.store.lock:
        ctx.store.delete(item)
        parent = ctx.store.items[item.parent_id]
        ctx.store.touch(parent)
    return Response(status_code=204)
