"""The drive workload of the Graph emulator: maps a parsed Address and method to its handler."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..graph import GraphError
from . import changes, items, shares, sharing, sites, transfer, views
from .access import Context, context, locate, resolve_drive, resolve_item
from .address import Address, parse
from .model import Drive, Item


async def dispatch(request: Request, path: str) -> Response | None:
    """Answer a drive or site request below /v1.0; ``None`` if ``path`` is not one (another workload's)."""
    answered = sites.dispatch(request, path) or shares.dispatch(request, path)
    if answered is not None:
        return answered
    addr = parse(path)
    if addr is None:
        return None
    ctx = context(request)
    drive = resolve_drive(ctx, addr)
    method = request.method
    if not addr.base:
        if addr.action == "search" and method == "GET":
            return changes.search(ctx, drive, None, addr.prefix, addr.argument)
        if addr.action == "sharedWithMe" and method == "GET":
            return views.shared_with_me(ctx)
        if addr.action == "recent" and method == "GET":
            return views.recent(ctx)
        if not addr.action and method == "GET":
            return items.get_drive(ctx, drive)
        raise _not_allowed(method, addr)
    if addr.action in ("content", "createUploadSession") and method in ("PUT", "POST"):
        item, folder, missing = locate(ctx, drive, addr)
        if item is None and folder is None:
            raise GraphError(404, "itemNotFound", "The parent folder could not be found.")
        if addr.action == "content" and method == "PUT":
            return await transfer.put_content(ctx, item, folder, missing)
        if addr.action == "createUploadSession" and method == "POST":
            return await transfer.create_upload_session(ctx, item, folder, missing)
    item = resolve_item(ctx, drive, addr)
    handler = _HANDLERS.get((method, addr.action))
    if handler is None:
        raise _not_allowed(method, addr)
    return await handler(ctx, drive, item, addr)


def _not_allowed(method: str, addr: Address) -> GraphError:
    target = addr.action or ("item" if addr.base else "drive")
    return GraphError(405, "BadRequest", f"The {method} method is not supported on '{target}'.")


async def _get(ctx: Context, drive: Drive, item: Item, addr: Address) -> Response:
    return items.get_item(ctx, item)


async def _children(ctx: Context, drive: Drive, item: Item, addr: Address) -> Response:
    return items.list_children(ctx, item, addr.prefix)


async def _create(ctx: Context, drive: Drive, item: Item, addr: Address) -> Response:
    return await items.create_child(ctx, item)


async def _patch(ctx: Context, drive: Drive, item: Item, addr: Address) -> Response:
    return await items.update_item(ctx, item)


async def _delete(ctx: Context, drive: Drive, item: Item, addr: Address) -> Response:
    return items.delete_item(ctx, item)


async def _content(ctx: Context, drive: Drive, item: Item, addr: Address) -> Response:
    return transfer.get_content(ctx, item)


async def _delta(ctx: Context, drive: Drive, item: Item, addr: Address) -> Response:
    return changes.delta(ctx, drive, item, addr.prefix, addr.argument)


async def _search(ctx: Context, drive: Drive, item: Item, addr: Address) -> Response:
    return changes.search(ctx, drive, item, addr.prefix, addr.argument)


async def _invite(ctx: Context, drive: Drive, item: Item, addr: Address) -> Response:
    return await sharing.invite(ctx, item)


async def _link(ctx: Context, drive: Drive, item: Item, addr: Address) -> Response:
    return await sharing.create_link(ctx, item)


async def _permissions(ctx: Context, drive: Drive, item: Item, addr: Address) -> Response:
    if addr.sub_id:
        return sharing.get_permission(ctx, item, addr.sub_id)
    return sharing.list_permissions(ctx, item)


async def _delete_permission(ctx: Context, drive: Drive, item: Item, addr: Address) -> Response:
    if not addr.sub_id:
        raise GraphError(405, "BadRequest", "DELETE a single permission: .../permissions/{id}.")
    return sharing.delete_permission(ctx, item, addr.sub_id)


_HANDLERS = {
    ("GET", ""): _get,
    ("PATCH", ""): _patch,
    ("DELETE", ""): _delete,
    ("GET", "children"): _children,
    ("POST", "children"): _create,
    ("GET", "content"): _content,
    ("GET", "delta"): _delta,
    ("GET", "search"): _search,
    ("POST", "invite"): _invite,
    ("POST", "createLink"): _link,
    ("GET", "permissions"): _permissions,
    ("DELETE", "permissions"): _delete_permission,
}


def public_routes() -> list[Route]:
    """Pre-authenticated endpoints outside /v1.0 (the URLs Graph hands out for downloads and upload sessions)."""
    return [
        Route("/_layouts/15/download.aspx", transfer.download, methods=["GET"]),
        Route(
            "/_api/v2.0/drives/{drive}/items/{item}/uploadSession",
            transfer.upload_chunk,
            methods=["PUT", "GET", "DELETE"],
        ),
    ]
