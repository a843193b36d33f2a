"""Sharing: invite people (``invite``), sharing links (``createLink``), list and remove permissions."""

from __future__ import annotations

import secrets
from typing import Any

from starlette.responses import JSONResponse, Response

from ..graph import GraphError, bad_request
from ..users import by_email
from .access import Context, require_write
from .model import Item, Permission
from .render import owner_permission_json, permission_json
from .validate import json_body

LINK_TYPES = {"view": ["read"], "edit": ["write"], "embed": ["read"]}
LINK_SCOPES = ("anonymous", "organization", "users")


def _manage(ctx: Context, item: Item) -> None:
    require_write(ctx, item)


async def invite(ctx: Context, item: Item) -> Response:
    _manage(ctx, item)
    body = await json_body(ctx)
    recipients = body.get("recipients")
    if not isinstance(recipients, list) or not recipients:
        raise bad_request('Provide \'recipients\': [{"email": "someone@example.com"}, ...].')
    roles = body.get("roles") or ["read"]
    if not isinstance(roles, list) or not set(roles) <= {"read", "write"}:
        raise bad_request('\'roles\' must be a list holding "read" and/or "write".')
    if body.get("requireSignIn") is False:
        raise bad_request(
            "invite always requires sign-in; use createLink with scope 'anonymous' for a link anyone can open."
        )
    created = []
    with ctx.store.lock:
        for recipient in recipients:
            email = (recipient or {}).get("email", "") if isinstance(recipient, dict) else ""
            if "@" not in email:
                raise bad_request(f"Recipient {recipient!r} has no valid 'email'.")
            user = by_email(email)
            permission = Permission(
                ctx.store.new_permission_id(), list(roles), user=user, invited_email="" if user else email.lower()
            )
            item.permissions.append(permission)
            created.append(permission)
        ctx.store.touch(item)
    return JSONResponse(
        {
            "@odata.context": f"{ctx.graph_base}/$metadata#Collection(permission)",
            "value": [permission_json(ctx.store, p) for p in created],
        }
    )


async def create_link(ctx: Context, item: Item) -> Response:
    _manage(ctx, item)
    body = await json_body(ctx)
    kind, scope = body.get("type"), body.get("scope", "anonymous")
    if kind not in LINK_TYPES:
        raise bad_request(f"'type' must be one of {', '.join(LINK_TYPES)}.")
    if scope not in LINK_SCOPES:
        raise bad_request(f"'scope' must be one of {', '.join(LINK_SCOPES)}.")
    store = ctx.store
    with store.lock:
        for existing in item.permissions:
            if existing.link and existing.link["type"] == kind and existing.link["scope"] == scope:
                return JSONResponse(permission_json(store, existing))  # same link again: 200, as Graph
        letter = {"pdf": "b", "docx": "w", "xlsx": "x", "pptx": "p"}.get(item.name.rpartition(".")[2], "u")
        drive = store.drives[item.drive_id]
        url = f"{drive.web_url.split('/Documents')[0].split('/Shared')[0]}/:{letter}:/g/E{secrets.token_urlsafe(18)}"
        permission = Permission(
            store.new_permission_id(), LINK_TYPES[kind], link={"type": kind, "scope": scope, "webUrl": url}
        )
        item.permissions.append(permission)
        store.touch(item)
    return JSONResponse(permission_json(store, permission), status_code=201)


def permissions_of(ctx: Context, item: Item) -> list[dict[str, Any]]:
    """The owner's, the item's own and the inherited permissions (``inheritedFrom``), in that order."""
    store = ctx.store
    with store.lock:
        value = [owner_permission_json(store, item)]
        value += [permission_json(store, p) for p in item.permissions]
        for ancestor in list(store.ancestors(item))[1:]:
            value += [permission_json(store, p, inherited_from=ancestor) for p in ancestor.permissions]
    return value


def list_permissions(ctx: Context, item: Item) -> Response:
    value = permissions_of(ctx, item)
    return JSONResponse({"@odata.context": f"{ctx.graph_base}/$metadata#Collection(permission)", "value": value})


def get_permission(ctx: Context, item: Item, permission_id: str) -> Response:
    permission = next((p for p in item.permissions if p.id == permission_id), None)
    if permission is None:
        raise GraphError(
            404,
            "itemNotFound",
            f"No permission '{permission_id}' on this item (inherited ones are managed on the item they come from).",
        )
    return JSONResponse(permission_json(ctx.store, permission))


def delete_permission(ctx: Context, item: Item, permission_id: str) -> Response:
    _manage(ctx, item)
    with ctx.store.lock:
        permission = next((p for p in item.permissions if p.id == permission_id), None)
        if permission is None:
            raise GraphError(404, "itemNotFound", f"No permission '{permission_id}' on this item.")
        item.permissions.remove(permission)
        ctx.store.touch(item)
    return Response(status_code=204)
