"""``changes.getStartPageToken``, ``changes.list``, ``drives.list``/``get`` and ``about.get``.

Page tokens are decimal positions in the store's change counter. ``changes.list`` returns the latest state
of each item changed at or after the token (an item changed twice appears once, at its latest position);
``nextPageToken`` while more remain, ``newStartPageToken`` only on the last page. Deleted items, and items
the caller lost access to, come as ``removed: true`` without ``file``. A token that is not a position the
store handed out, or one expired through the control API, is Drive's 400 ``Invalid Value`` on ``pageToken``.
"""

from __future__ import annotations

from starlette.responses import Response

from .. import users as U
from ..errors import GoogleError, invalid_value, required
from .context import Ctx
from .model import rfc3339
from .resource import EXPORTS, file_json
from .store import ChangeEntry

CHANGES_DEFAULT = (
    "kind,nextPageToken,newStartPageToken,"
    "changes(kind,changeType,time,removed,fileId,driveId,file(kind,id,name,mimeType))"
)
DRIVES_DEFAULT = "kind,nextPageToken,drives(kind,id,name)"
STORAGE_LIMIT = 16_106_127_360  # 15 GiB, a Workspace Starter seat


def _drive_param(ctx: Ctx) -> str | None:
    drive_id = ctx.param("driveId")
    if drive_id is not None:
        drive = ctx.store.drives.get(drive_id)
        if drive is None or ctx.viewer not in drive.members:
            raise GoogleError(404, f"Shared drive not found: {drive_id}", "notFound", location="driveId")
        if not ctx.flag("supportsAllDrives") and not ctx.flag("supportsTeamDrives"):
            raise invalid_value(
                "supportsAllDrives", "The supportsAllDrives parameter must be set to true when driveId is specified."
            )
    return drive_id


async def start_page_token(ctx: Ctx) -> Response:
    _drive_param(ctx)
    return ctx.respond(
        {"kind": "drive#startPageToken", "startPageToken": ctx.store.start_page_token()},
        "kind,startPageToken",
        "StartPageToken",
    )


def _position(ctx: Ctx) -> int:
    token = ctx.param("pageToken")
    if not token:
        raise required("pageToken")
    if not token.isdigit() or not ctx.store.oldest_token <= int(token) <= ctx.store.counter + 1:
        raise invalid_value("pageToken")
    return int(token)


async def list_changes(ctx: Ctx) -> Response:
    start = _position(ctx)
    size = ctx.integer("pageSize", 100, 1, None)
    size = min(size, 1000)  # larger values are coerced, not refused
    drive_id = _drive_param(ctx)
    include_removed = ctx.flag("includeRemoved", True)
    all_drives = ctx.flag("includeItemsFromAllDrives") or ctx.flag("includeTeamDriveItems")
    restrict = ctx.flag("restrictToMyDrive")
    store, me = ctx.store, ctx.viewer
    latest: dict[str, ChangeEntry] = {}
    for entry in store.log:
        if entry.seq < start or me not in entry.seen_by:
            continue
        if drive_id and entry.drive_id != drive_id:
            continue
        if not drive_id and entry.drive_id and (not all_drives or restrict):
            continue
        latest.pop(entry.item_id, None)
        latest[entry.item_id] = entry
    changes: list[dict] = []
    next_seq: int | None = None
    for entry in latest.values():
        f = store.files.get(entry.item_id)
        visible = f is not None and (store.role(f, me) is not None if f.drive_id else store.in_user_corpus(f, me))
        if not visible and not include_removed:
            continue
        if len(changes) == size:
            next_seq = entry.seq
            break
        change = {
            "kind": "drive#change",
            "changeType": "file",
            "type": "file",
            "time": rfc3339(entry.time),
            "removed": not visible,
            "fileId": entry.item_id,
        }
        if entry.drive_id:
            change["driveId"] = entry.drive_id
            change["teamDriveId"] = entry.drive_id
        if visible and f is not None:
            change["file"] = file_json(store, f, me, ctx.base_url, content=ctx.content)
        changes.append(change)
    body: dict = {"kind": "drive#changeList", "changes": changes}
    if next_seq is not None:
        body["nextPageToken"] = str(next_seq)
    else:
        body["newStartPageToken"] = store.start_page_token()
    return ctx.respond(body, CHANGES_DEFAULT, "ChangeList")


async def list_drives(ctx: Ctx) -> Response:
    size = ctx.integer("pageSize", 10, 1, 100)
    token = ctx.param("pageToken") or "0"
    if not token.isdigit():
        raise invalid_value("pageToken")
    mine = sorted((d for d in ctx.store.drives.values() if ctx.viewer in d.members), key=lambda d: d.name)
    offset = int(token)
    body: dict = {
        "kind": "drive#driveList",
        "drives": [d.to_json(d.members[ctx.viewer]) for d in mine[offset : offset + size]],
    }
    if offset + size < len(mine):
        body["nextPageToken"] = str(offset + size)
    return ctx.respond(body, DRIVES_DEFAULT, "DriveList")


async def get_drive(ctx: Ctx) -> Response:
    drive_id = ctx.request.path_params["driveId"]
    drive = ctx.store.drives.get(drive_id)
    if drive is None or ctx.viewer not in drive.members:
        raise GoogleError(404, f"Shared drive not found: {drive_id}", "notFound", location="driveId")
    return ctx.respond(drive.to_json(drive.members[ctx.viewer]), "kind,id,name", "Drive")


async def about(ctx: Ctx) -> Response:
    if not ctx.param("fields"):
        raise GoogleError(400, "The 'fields' parameter is required for this method.", "required", location="fields")
    owned = [f for f in ctx.store.files.values() if f.owner == ctx.viewer and not f.is_native]
    in_drive = sum(len(f.data or b"") for f in owned if not f.trashed)
    in_trash = sum(len(f.data or b"") for f in owned if f.trashed)
    user = U.by_email(ctx.viewer)
    assert user is not None
    body = {
        "kind": "drive#about",
        "user": user.drive_user(me=True),
        "storageQuota": {
            "limit": str(STORAGE_LIMIT),
            "usage": str(in_drive + in_trash),
            "usageInDrive": str(in_drive),
            "usageInDriveTrash": str(in_trash),
        },
        "maxUploadSize": "5497558138880",
        "appInstalled": False,
        "canCreateDrives": True,
        "canCreateTeamDrives": True,
        "exportFormats": {src: list(targets) for src, targets in EXPORTS.items()},
        "importFormats": {
            "text/plain": ["application/vnd.google-apps.document"],
            "text/markdown": ["application/vnd.google-apps.document"],
            "text/html": ["application/vnd.google-apps.document"],
            "text/csv": ["application/vnd.google-apps.spreadsheet"],
        },
        "folderColorPalette": ["#8f8f8f", "#4986e7"],
        "driveThemes": [
            {
                "id": "abacus",
                "backgroundImageLink": "https://ssl.gstatic.com/team_drive_themes/abacus_bg.jpg",
                "colorRgb": "#4986e7",
            }
        ],
    }
    return ctx.respond(body, "", "About")
