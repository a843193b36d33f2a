"""Cross-drive views of one person: ``sharedWithMe()`` and ``recent()``, with ``remoteItem`` for others' items."""

from __future__ import annotations

from typing import Any

from starlette.responses import JSONResponse, Response

from ..graph import GraphError, query_options
from ..users import User
from .access import Context, can_read
from .links import render_item
from .model import Item

_REMOTE_KEYS = (
    "id",
    "name",
    "size",
    "webUrl",
    "parentReference",
    "file",
    "folder",
    "createdBy",
    "lastModifiedBy",
    "lastModifiedDateTime",
    "createdDateTime",
    "shared",
)
RECENT_LIMIT = 20


def _user(ctx: Context, name: str) -> User:
    if ctx.who.user is None:
        raise GraphError(400, "BadRequest", f"{name} is only valid with delegated authentication flow.")
    return ctx.who.user


def _remote(ctx: Context, item: Item) -> dict[str, Any]:
    """An item of someone else's drive as it appears in the caller's views."""
    full = render_item(ctx, item)
    kind = {"file": full["file"]} if "file" in full else {"folder": full["folder"]}
    return {
        "id": item.id,
        "name": item.name,
        "webUrl": full["webUrl"],
        "size": full["size"],
        "lastModifiedDateTime": full["lastModifiedDateTime"],
        "remoteItem": {k: full[k] for k in _REMOTE_KEYS if k in full},
        **kind,
    }


def _shared_with(ctx: Context, user: User) -> list[Item]:
    return [
        i
        for i in ctx.store.items.values()
        if not i.deleted and any(p.user is not None and p.user.id == user.id for p in i.permissions)
    ]


def _collection(ctx: Context, value: list[dict[str, Any]]) -> Response:
    return JSONResponse({"@odata.context": f"{ctx.graph_base}/$metadata#Collection(driveItem)", "value": value})


def shared_with_me(ctx: Context) -> Response:
    """Items others shared with the caller directly."""
    user = _user(ctx, "sharedWithMe")
    with ctx.store.lock:
        shared = sorted(_shared_with(ctx, user), key=lambda i: i.name.lower())
        return _collection(ctx, [_remote(ctx, i) for i in shared])


def recent(ctx: Context) -> Response:
    """The caller's most recently modified files: their own drive and what was shared with them, newest first."""
    user = _user(ctx, "recent")
    store = ctx.store
    top = min(query_options(ctx.request).top or RECENT_LIMIT, RECENT_LIMIT)
    with store.lock:
        own = store.drives_of(user)
        files = [i for i in store.items.values() if not i.deleted and not i.is_folder and i.drive_id in own]
        shared = [i for i in _shared_with(ctx, user) if not i.is_folder and can_read(ctx, i)]
        newest = sorted({i.id: i for i in files + shared}.values(), key=lambda i: (-i.modified.timestamp(), i.name))
        value = [render_item(ctx, i) if i.drive_id in own else _remote(ctx, i) for i in newest[:top]]
    return _collection(ctx, value)
