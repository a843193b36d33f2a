"""``/shares/{shareId}``: open a sharing link or an item's web URL someone pasted.

A share id is ``u!`` + the URL in unpadded base64url (Graph's encoding of a sharing URL), or a permission's
``shareId`` (``s!...``). Anonymous links open for anyone in the tenant, organization links for any member; any other
URL needs the caller to have access already.
"""

from __future__ import annotations

import base64
import binascii
import re
from urllib.parse import quote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from ..graph import GraphError, apply_select, query_options
from .access import Context, can_read, context
from .links import render_item
from .model import Item, Permission
from .transfer import get_content

_SHARES = re.compile(r"^/shares/([^/]+)(?:/(driveItem|root)(?:/(content))?)?$")


def encode_share_url(url: str) -> str:
    return "u!" + base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")


def _decode(share_id: str) -> str:
    try:
        return base64.urlsafe_b64decode(share_id[2:] + "=" * (-len(share_id[2:]) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise GraphError(400, "invalidRequest", "The share id is not u!<base64url of a URL> or s!<id>.") from None


def _find(ctx: Context, share_id: str) -> tuple[Item, Permission | None]:
    store = ctx.store
    url = _decode(share_id).rstrip("/") if share_id.startswith("u!") else ""
    for item in store.items.values():
        if item.deleted:
            continue
        for permission in item.permissions:
            if (url and permission.link and permission.link["webUrl"] == url) or share_id == f"s!{permission.id}":
                return item, permission
        if url:
            drive = store.drives[item.drive_id]
            if url == (drive.web_url + quote(store.path_of(item))).rstrip("/"):
                return item, None
    raise GraphError(404, "itemNotFound", "The sharing link or URL does not point at an item you can open.")


def _opens(ctx: Context, item: Item, permission: Permission | None) -> bool:
    if permission is not None and permission.link is not None:
        scope = permission.link["scope"]
        if scope == "anonymous" or (scope == "organization" and (ctx.who.user is None or not ctx.who.user.external)):
            return True
    return can_read(ctx, item)


def dispatch(request: Request, path: str) -> Response | None:
    match = _SHARES.match(path)
    if match is None or request.method != "GET":
        return None
    ctx = context(request)
    share_id, target, content = match.groups()
    with ctx.store.lock:
        item, permission = _find(ctx, share_id)
        if not _opens(ctx, item, permission):
            raise GraphError(403, "accessDenied", "You do not have access to this item; ask its owner to share it.")
        if content:
            return get_content(ctx, item)
        rendered = render_item(ctx, item)
    q = query_options(request)
    if target:
        return JSONResponse(apply_select(rendered, q.select))
    drive = ctx.store.drives[item.drive_id]
    owner = drive.owner.identity() if drive.owner else {"user": {"displayName": "System Account"}}
    body = {
        "id": share_id,
        "name": item.name,
        "webUrl": rendered["webUrl"],
        "owner": owner,
        "@odata.context": f"{ctx.graph_base}/$metadata#shares/$entity",
    }
    return JSONResponse(apply_select(body, q.select))
