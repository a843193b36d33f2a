"""Who may see and change what, and resolving an Address to a drive and an item for the caller."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from ..graph import GraphError, Principal, not_found, principal
from ..users import by_email, by_id
from .address import Address
from .model import Drive, DriveStore, Item
from .seed import SITES, personal_drive_id


@dataclass
class Context:
    request: Request
    store: DriveStore
    who: Principal

    @property
    def base(self) -> str:
        return str(self.request.base_url).rstrip("/")

    @property
    def graph_base(self) -> str:
        return self.base + "/v1.0"


def context(request: Request) -> Context:
    who = principal(request)
    if not who.can_read():
        raise GraphError(
            403,
            "accessDenied",
            "The token has none of the Files.* or Sites.* permissions this "
            "request needs. Request Files.Read (or broader) when acquiring the token.",
        )
    return Context(request, request.app.state.drives, who)


def is_member(ctx: Context, drive: Drive) -> bool:
    if ctx.who.user is None:
        return True  # app-only tokens with Files/Sites roles see every drive of the tenant
    return any(m.id == ctx.who.user.id for m in drive.members)


def granted_roles(ctx: Context, item: Item) -> set[str]:
    """Roles the caller holds on ``item``: everything as a drive member, else what shares on it or above give."""
    drive = ctx.store.drives[item.drive_id]
    if is_member(ctx, drive):
        return {"read", "write", "owner"}
    user = ctx.who.user
    roles: set[str] = set()
    for node in ctx.store.ancestors(item):
        for permission in node.permissions:
            if user is not None and permission.user is not None and permission.user.id == user.id:
                roles.update(permission.roles)
    return roles


def can_read(ctx: Context, item: Item) -> bool:
    return bool(granted_roles(ctx, item))


def require_write(ctx: Context, item: Item) -> None:
    if not ctx.who.can_write():
        raise GraphError(
            403, "accessDenied", "The token only allows reading. Request Files.ReadWrite (or broader) to change files."
        )
    if not granted_roles(ctx, item) & {"write", "owner"}:
        raise GraphError(
            403,
            "accessDenied",
            "Access denied. You do not have permission to perform this action or access this resource.",
        )


def resolve_drive(ctx: Context, addr: Address) -> Drive:
    if addr.drive_kind == "me":
        if ctx.who.user is None:
            raise GraphError(400, "BadRequest", "/me request is only valid with delegated authentication flow.")
        drive_id = personal_drive_id(ctx.who.user)
    elif addr.drive_kind == "user":
        user = by_id(addr.drive_key) or by_email(addr.drive_key)
        if user is None or user.external:
            raise GraphError(404, "itemNotFound", f"User '{addr.drive_key}' has no OneDrive in this tenant.")
        drive_id = personal_drive_id(user)
    elif addr.drive_kind == "site":
        site = next(
            (s for s in SITES if s.id == addr.drive_key or (addr.drive_key == "root" and s.name == "root")), None
        )
        if site is None or not site.drive_ids:
            raise GraphError(404, "itemNotFound", "Requested site could not be found, or has no document library.")
        drive_id = site.drive_ids[0]
    else:
        drive_id = addr.drive_key
    drive = ctx.store.drive(drive_id)
    if drive is None:
        raise not_found("The drive could not be found. Check the drive id (from /me/drives or /sites/{id}/drives).")
    return drive


def resolve_item(ctx: Context, drive: Drive, addr: Address) -> Item:
    """The addressed item, visible to the caller; 404 itemNotFound otherwise."""
    item, _, _ = locate(ctx, drive, addr)
    if item is None:
        raise not_found("The resource could not be found.")
    return item


def locate(ctx: Context, drive: Drive, addr: Address) -> tuple[Item | None, Item | None, str]:
    """(item, deepest existing folder, missing rest of the path): what PUT and upload sessions create below."""
    store = ctx.store
    base = store.root(drive) if addr.base == "root" else store.item(addr.base)
    if base is None or base.drive_id != drive.id:
        return None, None, ""
    if not can_read(ctx, base) and not addr.path:  # a share below an unreadable folder is reachable by path
        return None, None, ""
    item, folder, missing = store.walk(addr.path, base) if addr.path else (base, None, "")
    if item is not None and not can_read(ctx, item):
        return None, None, ""
    if folder is not None and not can_read(ctx, folder):
        return None, None, ""
    return item, folder, missing
