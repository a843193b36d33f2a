"""``permissions.create``, ``list``, ``get``, ``update``, ``delete``: user, group, domain and anyone grants.

Only writers (and owners, organizers) may share; sharing with an address outside the domain is allowed
unless the domain policy says otherwise (control API: ``external_sharing``).
"""

from __future__ import annotations

from starlette.responses import Response

from .. import users as U
from ..errors import GoogleError, insufficient_permissions, invalid_value, required
from .context import Ctx
from .model import ROLE_RANK, Permission

PERMISSION_DEFAULT = "kind,id,type,role"
LIST_DEFAULT = "kind,nextPageToken,permissions(kind,id,type,role)"
ROLES = {"owner", "organizer", "fileOrganizer", "writer", "commenter", "reader"}
TYPES = {"user", "group", "domain", "anyone"}


def _not_found(permission_id: str) -> GoogleError:
    return GoogleError(404, f"Permission not found: {permission_id}.", "notFound", location="permissionId")


def _sharer(ctx: Ctx):
    f = ctx.file(ctx.request.path_params["fileId"])
    if ROLE_RANK.get(ctx.store.role(f, ctx.viewer) or "", 0) < 3:
        raise insufficient_permissions()
    return f


async def create_permission(ctx: Ctx) -> Response:
    f = _sharer(ctx)
    body = await ctx.json_body("Permission")
    kind, role = body.get("type"), body.get("role")
    if not kind:
        raise required("permission.type")
    if not role:
        raise required("permission.role")
    if kind not in TYPES:
        raise invalid_value("permission.type", f"The provided value '{kind}' is not valid for type.")
    if role not in ROLES:
        raise invalid_value("permission.role", f"The provided value '{role}' is not valid for role.")
    email, domain = body.get("emailAddress"), body.get("domain")
    if kind in ("user", "group") and not email:
        raise required("permission.emailAddress")
    if kind == "domain" and not domain:
        raise required("permission.domain")
    if role == "owner" and not ctx.flag("transferOwnership"):
        raise GoogleError(
            403,
            "The transferOwnership parameter must be enabled when the permission role is 'owner'.",
            "forbidden",
            location="transferOwnership",
        )
    outside = (email and not email.lower().endswith("@" + U.DOMAIN)) or (domain and domain != U.DOMAIN)
    if outside and not ctx.store.policy.get("external_sharing", True):
        raise GoogleError(
            403,
            'Bad Request. User message: "Sharing outside of your domain is not allowed by your administrator."',
            "invalidSharingRequest",
        )
    perm = ctx.store.permission_for(
        kind, role, email.lower() if email else None, domain, body.get("allowFileDiscovery")
    )

    def change() -> None:
        f.permissions[:] = [p for p in f.permissions if p.id != perm.id] + [perm]
        if role == "owner" and kind == "user" and not f.drive_id:
            for p in f.permissions:
                if p.role == "owner" and p.id != perm.id:
                    p.role = "writer"
            f.owner = perm.email

    ctx.store.mutate(f, change, subtree=True, touch=False)
    return ctx.respond(perm.to_json(), PERMISSION_DEFAULT, "Permission")


async def list_permissions(ctx: Ctx) -> Response:
    f = ctx.file(ctx.request.path_params["fileId"])
    perms: list[Permission] = list(f.permissions)
    if f.drive_id:
        drive = ctx.store.drives[f.drive_id]
        perms = [ctx.store.permission_for("user", r, e, None, None) for e, r in drive.members.items()] + perms
    body = {"kind": "drive#permissionList", "permissions": [p.to_json() for p in perms]}
    return ctx.respond(body, LIST_DEFAULT, "PermissionList")


async def get_permission(ctx: Ctx) -> Response:
    f = ctx.file(ctx.request.path_params["fileId"])
    pid = ctx.request.path_params["permissionId"]
    for p in f.permissions:
        if p.id == pid:
            return ctx.respond(p.to_json(), PERMISSION_DEFAULT, "Permission")
    raise _not_found(pid)


async def delete_permission(ctx: Ctx) -> Response:
    f = _sharer(ctx)
    pid = ctx.request.path_params["permissionId"]
    perm = next((p for p in f.permissions if p.id == pid), None)
    if perm is None:
        raise _not_found(pid)
    if perm.role == "owner":
        raise GoogleError(403, "The owner of a file cannot be removed.", "cannotRemoveOwner")
    ctx.store.mutate(f, lambda: f.permissions.remove(perm), subtree=True, touch=False)
    return Response(status_code=204)


async def update_permission(ctx: Ctx) -> Response:
    """PATCH a grant's role (the only field Drive lets an update change, besides expirationTime)."""
    f = _sharer(ctx)
    pid = ctx.request.path_params["permissionId"]
    perm = next((p for p in f.permissions if p.id == pid), None)
    if perm is None:
        raise _not_found(pid)
    body = await ctx.json_body("Permission")
    role = body.get("role", perm.role)
    if role not in ROLES:
        raise invalid_value("permission.role", f"The provided value '{role}' is not valid for role.")
    if perm.role == "owner" and role != "owner":
        raise GoogleError(403, "The owner of a file cannot be downgraded; transfer ownership first.", "forbidden")
    if role == "owner":
        raise GoogleError(403, "Use permissions.create with transferOwnership=true to change the owner.", "forbidden")

    def change() -> None:
        perm.role = role

    ctx.store.mutate(f, change, subtree=True, touch=False)
    return ctx.respond(perm.to_json(), PERMISSION_DEFAULT, "Permission")
