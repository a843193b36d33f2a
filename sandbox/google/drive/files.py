"""``files.list``, ``get``, ``create`` (metadata only), ``update``, ``delete``, ``copy``, ``generateIds``."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime

from starlette.responses import Response

from ..errors import GoogleError, insufficient_permissions, invalid_value
from . import query as Q
from .content import download
from .context import Ctx
from .model import FOLDER, DriveFile
from .resource import GET_DEFAULT, LIST_DEFAULT, file_json

ORDER_KEYS = {
    "createdTime",
    "folder",
    "modifiedByMeTime",
    "modifiedTime",
    "name",
    "name_natural",
    "quotaBytesUsed",
    "recency",
    "sharedWithMeTime",
    "starred",
    "viewedByMeTime",
}
DEFAULT_ORDER = "folder,modifiedTime desc,name"
WRITABLE = {
    "name",
    "description",
    "starred",
    "trashed",
    "mimeType",
    "originalFilename",
    "modifiedTime",
    "properties",
    "appProperties",
}
# Writable at Drive, accepted and ignored here (they change nothing a connector reads back from the sandbox).
ACCEPTED = {
    "contentHints",
    "folderColorRgb",
    "copyRequiresWriterPermission",
    "writersCanShare",
    "viewedByMeTime",
    "viewersCanCopyContent",
    "contentRestrictions",
    "shortcutDetails",
    "inheritedPermissionsDisabled",
    "downloadRestrictions",
    "createdTime",
}


def _merge(target: dict[str, str], changes: dict | None) -> None:
    """Drive's property maps: keys are set to the new values; a null value deletes the key."""
    for key, value in (changes or {}).items():
        if value is None:
            target.pop(key, None)
        else:
            target[key] = str(value)


def _time_field(meta: dict, name: str) -> float | None:
    """A writable RFC 3339 time in request metadata (``modifiedTime``), as epoch seconds."""
    if name not in meta:
        return None
    try:
        parsed = datetime.fromisoformat(str(meta[name]))
    except ValueError:
        raise invalid_value(name, f"Invalid value for {name}: {meta[name]!r} is not an RFC 3339 time.") from None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


def _sort_key(key: str, f: DriveFile, size: int) -> float | str | int:
    return {
        "createdTime": f.created,
        "folder": 0 if f.is_folder else 1,
        "modifiedByMeTime": f.modified,
        "modifiedTime": f.modified,
        "name": f.name.casefold(),
        "name_natural": f.name.casefold(),
        "quotaBytesUsed": size,
        "recency": f.modified,
        "sharedWithMeTime": f.created,
        "starred": 0 if f.starred else 1,
        "viewedByMeTime": f.modified,
    }[key]


def _order(files: list[DriveFile], order_by: str) -> list[DriveFile]:
    keys = []
    for part in order_by.split(","):
        words = part.split()
        if not words or words[0] not in ORDER_KEYS or len(words) > 2 or (len(words) == 2 and words[1] != "desc"):
            raise invalid_value("orderBy", f"Invalid sort order: '{part.strip()}'")
        keys.append((words[0], len(words) == 2))
    out = sorted(files, key=lambda f: f.id)
    for key, desc in reversed(keys):
        out.sort(key=lambda f: _sort_key(key, f, 0 if f.is_native or f.data is None else len(f.data)), reverse=desc)
    return out


def _page_token(offset: int, fingerprint: str) -> str:
    return base64.urlsafe_b64encode(json.dumps({"o": offset, "k": fingerprint}).encode()).decode().rstrip("=")


def _offset(token: str | None, fingerprint: str) -> int:
    if not token:
        return 0
    try:
        decoded = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        if decoded["k"] == fingerprint and int(decoded["o"]) >= 0:
            return int(decoded["o"])
    except (ValueError, KeyError, TypeError):
        pass
    raise invalid_value("pageToken")


def _corpus(ctx: Ctx) -> tuple[str, str | None, bool]:
    corpora, drive_id = ctx.param("corpora") or ctx.param("corpus") or "user", ctx.param("driveId")
    all_drives = ctx.flag("includeItemsFromAllDrives") or ctx.flag("includeTeamDriveItems")
    if corpora not in ("user", "domain", "drive", "allDrives"):
        raise invalid_value("corpora")
    if (corpora == "drive") != bool(drive_id):
        raise invalid_value(
            "corpora", "The driveId parameter must be specified if and only if corpora is set to drive."
        )
    if corpora in ("drive", "allDrives") and not all_drives:
        raise invalid_value(
            "includeItemsFromAllDrives",
            "The includeItemsFromAllDrives parameter must be set to true when corpora is set to drive or allDrives.",
        )
    if drive_id and not (ctx.store.drives.get(drive_id) and ctx.viewer in ctx.store.drives[drive_id].members):
        raise GoogleError(404, f"Shared drive not found: {drive_id}", "notFound", location="driveId")
    return corpora, drive_id, all_drives


def listed(ctx: Ctx) -> list[DriveFile]:
    """Files of the requested corpus that match ``q``, in ``orderBy`` order."""
    corpora, drive_id, all_drives = _corpus(ctx)
    predicate = Q.parse(ctx.param("q") or "")
    store, me = ctx.store, ctx.viewer
    viewer = Q.Viewer(me, store.role, store.shared_with_me, lambda f: f.text, store.roots.get(me, ""))
    roots = set(store.roots.values())
    if (ctx.param("spaces") or "drive") not in ("drive",):
        return []
    out = []
    for f in store.files.values():
        if f.id in roots:
            continue
        if f.drive_id:
            if not all_drives or (drive_id and f.drive_id != drive_id) or store.role(f, me) is None:
                continue
        elif corpora == "drive" or not (
            store.in_domain_corpus(f, me) if corpora in ("domain", "allDrives") else store.in_user_corpus(f, me)
        ):
            continue
        if predicate(viewer, f):
            out.append(f)
    return _order(out, ctx.param("orderBy") or DEFAULT_ORDER)


async def list_files(ctx: Ctx) -> Response:
    size = ctx.integer("pageSize", 100, 1, 1000)
    fingerprint = hashlib.sha256(
        "|".join(
            str(ctx.param(k)) for k in ("q", "orderBy", "corpora", "driveId", "includeItemsFromAllDrives", "spaces")
        ).encode()
    ).hexdigest()[:16]
    fingerprint += ctx.viewer
    offset = _offset(ctx.param("pageToken"), fingerprint)
    found = listed(ctx)
    page = found[offset : offset + size]
    body: dict = {
        "kind": "drive#fileList",
        "incompleteSearch": False,
        "files": [file_json(ctx.store, f, ctx.viewer, ctx.base_url, content=ctx.content) for f in page],
    }
    if offset + size < len(found):
        body["nextPageToken"] = _page_token(offset + size, fingerprint)
    return ctx.respond(body, LIST_DEFAULT, "FileList")


async def get_file(ctx: Ctx) -> Response:
    f = ctx.file(ctx.request.path_params["fileId"])
    if ctx.param("alt") == "media":
        return download(ctx, f)
    if ctx.param("alt") not in (None, "json"):
        raise invalid_value("alt")
    return ctx.respond(file_json(ctx.store, f, ctx.viewer, ctx.base_url, content=ctx.content), GET_DEFAULT, "File")


def _parents_for_new(ctx: Ctx, parents: list[str] | None) -> tuple[list[str], str | None]:
    """Validated parents of a new file and the shared drive it lands in (if any)."""
    if not parents:
        return [ctx.store.roots[ctx.viewer]], None
    if len(parents) > 1:
        raise GoogleError(403, "Increasing the number of parents is not allowed.", "cannotAddParent")
    pid = parents[0]
    drive = ctx.store.drives.get(pid)
    if drive is not None:
        if not ctx.flag("supportsAllDrives") or ctx.viewer not in drive.members:
            raise GoogleError(404, f"File not found: {pid}.", "notFound", location="parentId")
        if drive.members[ctx.viewer] in ("reader", "commenter"):
            raise insufficient_permissions()
        return [pid], pid
    parent = ctx.file(pid, write=True)
    if not parent.is_folder:
        raise GoogleError(400, "The specified parent is not a folder.", "invalid", location="parents")
    return [parent.id], parent.drive_id


def new_file(ctx: Ctx, meta: dict, mime: str | None = None) -> DriveFile:
    """A file from request metadata (not yet stored): id, name, parents and type checked."""
    unknown = set(meta) - WRITABLE - ACCEPTED - {"id", "parents", "kind"}
    if unknown:
        raise GoogleError(
            403,
            f"The resource body includes fields which are not directly writable: {', '.join(sorted(unknown))}.",
            "fieldNotWritable",
        )
    store = ctx.store
    file_id = meta.get("id") or store.new_id()
    if meta.get("id"):
        if file_id in store.files:
            raise GoogleError(409, "A file already exists with the provided ID.", "duplicate", location="id")
        if file_id not in store.generated_ids:
            raise invalid_value("id", "The provided file ID is not usable.")
        store.generated_ids.discard(file_id)
    parents, drive_id = _parents_for_new(ctx, meta.get("parents"))
    now = store.clock()
    made = DriveFile(
        file_id,
        meta.get("name") or "Untitled",
        meta.get("mimeType") or mime or "application/octet-stream",
        parents,
        None if drive_id else ctx.viewer,
        now,
        _time_field(meta, "modifiedTime") or now,
        drive_id=drive_id,
        description=meta.get("description"),
        starred=bool(meta.get("starred")),
        last_modifier=ctx.viewer,
        original_filename=meta.get("originalFilename"),
    )
    _merge(made.properties, meta.get("properties"))
    _merge(made.app_properties, meta.get("appProperties"))
    return made


async def create_file(ctx: Ctx) -> Response:
    f = new_file(ctx, await ctx.json_body("File"))
    if not f.is_native and f.data is None:
        f.data = b""
    if f.mime_type == "application/vnd.google-apps.document":
        f.doc_markdown = ""
    elif f.mime_type == "application/vnd.google-apps.spreadsheet":
        f.sheets = [("Sheet1", [])]
    elif f.mime_type == "application/vnd.google-apps.presentation":
        f.slides = []
    if f.owner:
        f.permissions.append(ctx.store.permission_for("user", "owner", f.owner, None, None))
    ctx.store.add(f)
    return ctx.respond(file_json(ctx.store, f, ctx.viewer, ctx.base_url, content=ctx.content), GET_DEFAULT, "File")


def apply_update(ctx: Ctx, f: DriveFile, meta: dict) -> None:
    if "parents" in meta:
        raise GoogleError(
            403,
            "The parents field is not directly writable in update requests. Use the addParents "
            "and removeParents parameters instead.",
            "fieldNotWritable",
        )
    unknown = set(meta) - WRITABLE - ACCEPTED - {"kind", "id"}
    if unknown:
        raise GoogleError(
            403,
            f"The resource body includes fields which are not directly writable: {', '.join(sorted(unknown))}.",
            "fieldNotWritable",
        )
    if (
        "mimeType" in meta
        and meta["mimeType"] != f.mime_type
        and (f.is_native or meta["mimeType"].startswith("application/vnd.google-apps."))
    ):
        raise GoogleError(
            403, "The mimeType of a Google Docs Editors file or folder cannot be changed.", "fieldNotWritable"
        )
    add = [p for p in (ctx.param("addParents") or "").split(",") if p]
    remove = [p for p in (ctx.param("removeParents") or "").split(",") if p]
    for pid in add:
        target = ctx.store.drives.get(pid) or ctx.file(pid, write=True)
        if isinstance(target, DriveFile) and target.mime_type != FOLDER:
            raise GoogleError(400, "The specified parent is not a folder.", "invalid", location="addParents")
    if len([p for p in f.parents if p not in remove] + add) > 1:
        raise GoogleError(
            403,
            "A shared drive item must have exactly one parent."
            if f.drive_id
            else "Increasing the number of parents is not allowed.",
            "cannotAddParent",
        )

    def change() -> None:
        for key, attr in (
            ("name", "name"),
            ("description", "description"),
            ("starred", "starred"),
            ("trashed", "trashed"),
            ("mimeType", "mime_type"),
            ("originalFilename", "original_filename"),
        ):
            if key in meta:
                setattr(f, attr, meta[key])
        _merge(f.properties, meta.get("properties"))
        _merge(f.app_properties, meta.get("appProperties"))
        if add or remove:
            f.parents = [p for p in f.parents if p not in remove] + [p for p in add if p not in f.parents]

    ctx.store.mutate(f, change, subtree=bool(add or remove), by=ctx.viewer)


async def update_file(ctx: Ctx) -> Response:
    f = ctx.file(ctx.request.path_params["fileId"], write=True)
    meta = await ctx.json_body("File")
    if "trashed" in meta and ctx.store.role(f, ctx.viewer) not in ("owner", "organizer", "fileOrganizer"):
        raise insufficient_permissions()
    modified = _time_field(meta, "modifiedTime")
    apply_update(ctx, f, meta)
    if modified is not None:  # an explicit modifiedTime wins over "now" (clients set it when syncing)
        f.modified = modified
    return ctx.respond(file_json(ctx.store, f, ctx.viewer, ctx.base_url, content=ctx.content), GET_DEFAULT, "File")


async def delete_file(ctx: Ctx) -> Response:
    f = ctx.file(ctx.request.path_params["fileId"])
    if ctx.store.role(f, ctx.viewer) not in ("owner", "organizer"):
        raise insufficient_permissions()
    ctx.store.delete(f)
    return Response(status_code=204)


async def generate_ids(ctx: Ctx) -> Response:
    count = ctx.integer("count", 10, 1, 1000)
    ids = [ctx.store.new_id() for _ in range(count)]
    ctx.store.generated_ids.update(ids)
    body = {"kind": "drive#generatedIds", "space": ctx.param("space") or "drive", "ids": ids}
    return ctx.respond(body, "kind,space,ids", "GeneratedIds")


async def copy_file(ctx: Ctx) -> Response:
    """``files.copy``: a new file owned by the caller, with the content (not the sharing) of the original."""
    source = ctx.file(ctx.request.path_params["fileId"])
    if source.is_folder:
        raise GoogleError(403, "This file cannot be copied by the user.", "cannotCopyFile")
    meta = await ctx.json_body("File")
    meta.setdefault("name", f"Copy of {source.name}")
    meta.setdefault("parents", [p for p in source.parents if p in ctx.store.drives or p in ctx.store.files][:1])
    copy = new_file(ctx, {**meta, "mimeType": source.mime_type})
    copy.data, copy.lazy_data, copy.text = source.data, source.lazy_data, source.text
    copy.doc_markdown = source.doc_markdown
    copy.sheets = [(title, [list(r) for r in rows]) for title, rows in source.sheets] if source.sheets else None
    copy.slides = list(source.slides) if source.slides is not None else None
    if copy.owner:
        copy.permissions.append(ctx.store.permission_for("user", "owner", copy.owner, None, None))
    ctx.store.add(copy)
    return ctx.respond(file_json(ctx.store, copy, ctx.viewer, ctx.base_url, content=ctx.content), GET_DEFAULT, "File")
