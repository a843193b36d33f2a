"""Drive's ``File`` resource as one viewer sees it (capabilities, ownership, sharing, export links)."""

from __future__ import annotations

import re
from urllib.parse import quote

from .. import users as U
from . import formats as F
from .model import DOC, FOLDER, ROLE_RANK, SHEET, SLIDES, DriveFile, rfc3339
from .store import DriveStore

# Export targets per Google-native type (what ``files.export`` accepts, and ``exportLinks`` lists).
EXPORTS: dict[str, tuple[str, ...]] = {
    DOC: ("text/plain", "text/markdown", "text/html", F.DOCX, F.PDF),
    SHEET: ("text/csv", "text/tab-separated-values", F.XLSX),
    SLIDES: ("text/plain", F.PPTX, F.PDF),
}
LIST_DEFAULT = "kind,incompleteSearch,nextPageToken,files(kind,id,name,mimeType)"
GET_DEFAULT = "kind,id,name,mimeType"
_EXTENSIONS = {
    F.PDF: "pdf",
    F.DOCX: "docx",
    F.XLSX: "xlsx",
    F.PPTX: "pptx",
    "text/plain": "txt",
    "text/csv": "csv",
    "text/html": "html",
    "image/png": "png",
    "text/markdown": "md",
}


def _person(email: str, viewer: str) -> dict:
    person = U.by_email(email)
    if person is None:
        return {"kind": "drive#user", "displayName": email, "me": False, "emailAddress": email}
    return person.drive_user(me=email == viewer)


def _capabilities(role: str | None, f: DriveFile) -> dict:
    rank = ROLE_RANK.get(role or "", 0)
    owner = role in ("owner", "organizer")
    return {
        "canEdit": rank >= 3,
        "canComment": rank >= 2,
        "canShare": rank >= 3,
        "canCopy": not f.is_folder,
        "canDownload": True,
        "canRename": rank >= 3,
        "canTrash": owner or (bool(f.drive_id) and rank >= 4),
        "canDelete": owner,
        "canAddChildren": f.is_folder and rank >= 3,
        "canListChildren": f.is_folder,
        "canRemoveChildren": f.is_folder and rank >= 3,
        "canReadRevisions": rank >= 3,
        "canModifyContent": rank >= 3,
        "canMoveItemWithinDrive": rank >= 3,
        "canUntrash": owner,
        "canReadDrive": bool(f.drive_id),
        "canChangeCopyRequiresWriterPermission": rank >= 3,
    }


CONTENT_KEYS = ("size", "quotaBytesUsed", "md5Checksum", "sha1Checksum", "sha256Checksum")


def wants_content(fields: str | None) -> bool:
    """Does this ``fields`` selection need the bytes (size, checksums)? Avoids making lazy files for nothing."""
    if not fields:
        return False
    words = re.findall(r"[A-Za-z0-9*]+", fields)
    return (
        "*" in words or any(k in words for k in CONTENT_KEYS) or re.search(r"\bfiles?\b(?!\s*[(/])", fields) is not None
    )


def file_json(store: DriveStore, f: DriveFile, viewer: str, base_url: str, *, content: bool = True) -> dict:
    role = store.role(f, viewer)
    out: dict = {
        "kind": "drive#file",
        "id": f.id,
        "name": f.name,
        "mimeType": f.mime_type,
        "starred": f.starred,
        "trashed": f.trashed,
        "explicitlyTrashed": f.trashed,
        "parents": list(f.parents),
        "spaces": ["drive"],
        "version": str(f.version),
        "createdTime": rfc3339(f.created),
        "modifiedTime": rfc3339(f.modified),
        "viewedByMe": f.owner == viewer,
        "modifiedByMe": f.last_modifier == viewer,
        "shared": len([p for p in f.permissions if p.role != "owner"]) > 0,
        "ownedByMe": f.owner == viewer,
        "capabilities": _capabilities(role, f),
        "viewersCanCopyContent": True,
        "copyRequiresWriterPermission": False,
        "writersCanShare": True,
        "hasThumbnail": f.mime_type.startswith("image/") or f.is_native and not f.is_folder,
        "thumbnailVersion": "0",
        "isAppAuthorized": False,
        "webViewLink": f"{base_url}/file/d/{f.id}/view?usp=drivesdk",
        "iconLink": f"https://drive-thirdparty.googleusercontent.com/16/type/{f.mime_type}",
        "permissionIds": [p.id for p in f.permissions],
    }
    if f.description is not None:
        out["description"] = f.description
    if f.properties:
        out["properties"] = dict(f.properties)
    if f.app_properties:
        out["appProperties"] = dict(f.app_properties)
    if f.last_modifier:
        out["lastModifyingUser"] = _person(f.last_modifier, viewer)
    if f.drive_id:
        out["driveId"] = f.drive_id
        out["teamDriveId"] = f.drive_id
    else:
        out["owners"] = [_person(f.owner, viewer)] if f.owner else []
    if ROLE_RANK.get(role or "", 0) >= 3:
        out["permissions"] = [p.to_json() for p in f.permissions]
    if store.shared_with_me(f, viewer):
        out["sharedWithMeTime"] = rfc3339(f.created)
        out["sharingUser"] = _person(f.owner or "", viewer)
    if f.is_native:
        out["quotaBytesUsed"] = "0"
        if f.mime_type in EXPORTS:
            out["exportLinks"] = {
                m: f"{base_url}/drive/v3/files/{f.id}/export?mimeType={quote(m, safe='')}" for m in EXPORTS[f.mime_type]
            }
    else:
        body = f.content() if content or f.lazy_data is None else b""
        ext = _EXTENSIONS.get(f.mime_type) or (f.name.rsplit(".", 1)[-1] if "." in f.name else None)
        out.update(
            headRevisionId=f"0B{f.id[1:20]}{f.version}",
            originalFilename=f.original_filename or f.name,
            webContentLink=f"{base_url}/drive/v3/files/{f.id}?alt=media",
        )
        if content or f.lazy_data is None:
            out.update(size=str(len(body)), quotaBytesUsed=str(len(body)), **f.checksums())
        if ext:
            out.update(fileExtension=ext, fullFileExtension=ext)
    if f.mime_type == FOLDER:
        out["folderColorRgb"] = "#8f8f8f"
    return out
