"""Graph JSON for drives, driveItems, permissions, sites and users."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import quote

from ..users import User
from .model import Drive, DriveStore, Item, Permission
from .seed import SITES, Site

QUOTA_TOTAL = 1024**4  # 1 TB, as a business OneDrive


def stamp(when: datetime) -> str:
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def user_json(user: User) -> dict[str, Any]:
    first, _, last = user.display_name.partition(" ")
    return {
        "id": user.id,
        "displayName": user.display_name,
        "givenName": first,
        "surname": last,
        "mail": user.mail,
        "userPrincipalName": user.mail,
        "jobTitle": user.job_title or None,
        "businessPhones": [],
        "officeLocation": None,
        "preferredLanguage": "en-US",
        "mobilePhone": None,
    }


def _site_of(drive: Drive) -> Site:
    """The site of a document library (only called for drives that have one)."""
    return next(s for s in SITES if s.id == drive.site_id)


def drive_json(store: DriveStore, drive: Drive) -> dict[str, Any]:
    used = store.size(store.root(drive))
    owner = (
        {"user": drive.owner.identity()["user"]}
        if drive.owner
        else {"group": {"id": drive.site_id.split(",")[1], "displayName": f"{_site_of(drive).display_name} Owners"}}
    )
    out = {
        "id": drive.id,
        "name": drive.name,
        "driveType": drive.drive_type,
        "description": drive.description,
        "webUrl": drive.web_url,
        "createdDateTime": stamp(drive.created),
        "lastModifiedDateTime": stamp(max(i.modified for i in store.items.values() if i.drive_id == drive.id)),
        "owner": owner,
        "createdBy": {"user": {"displayName": "System Account"}},
        "quota": {"deleted": 0, "remaining": QUOTA_TOTAL - used, "state": "normal", "total": QUOTA_TOTAL, "used": used},
    }
    return out


def parent_reference(store: DriveStore, item: Item, *, with_path: bool = True) -> dict[str, Any]:
    drive = store.drives[item.drive_id]
    ref: dict[str, Any] = {"driveType": drive.drive_type, "driveId": drive.id}
    if drive.site_id:
        ref["siteId"] = drive.site_id
    if item.parent_id is None:
        return ref
    parent = store.items[item.parent_id]
    ref["id"] = parent.id
    if parent.parent_id is not None:
        ref["name"] = parent.name
    if with_path:
        ref["path"] = f"/drives/{drive.id}/root:{quote(store.path_of(parent))}"
    return ref


def item_json(
    store: DriveStore, item: Item, *, base: str, download_url: str | None = None, for_delta: bool = False
) -> dict[str, Any]:
    """A driveItem. Delta leaves out ``parentReference.path`` and, for deleted items, the name (as Business)."""
    drive = store.drives[item.drive_id]
    if item.deleted:
        return {
            "id": item.id,
            "parentReference": parent_reference(store, item, with_path=False),
            "deleted": {"state": "deleted"},
            ("folder" if item.is_folder else "file"): {},
        }
    path = store.path_of(item)
    out: dict[str, Any] = {
        "@odata.etag": item.etag,
        "id": item.id,
        "name": item.name,
        "eTag": item.etag,
        "createdDateTime": stamp(item.created),
        "lastModifiedDateTime": stamp(item.modified),
        "webUrl": drive.web_url + quote(path) if path else drive.web_url,
        "size": store.size(item),
        "createdBy": item.created_by.identity(),
        "lastModifiedBy": item.modified_by.identity(),
        "parentReference": parent_reference(store, item, with_path=not for_delta),
        "fileSystemInfo": {"createdDateTime": stamp(item.created), "lastModifiedDateTime": stamp(item.modified)},
    }
    if item.parent_id is None:
        out["root"] = {}
        out["name"] = "root"
    if item.is_folder:
        out["folder"] = {"childCount": len(store.children(item))}
    else:
        out["cTag"] = item.ctag
        out["file"] = {"mimeType": item.mime_type}
        if download_url:
            out["@microsoft.graph.downloadUrl"] = download_url
    if item.permissions:
        out["shared"] = {"scope": _share_scope(item.permissions), "owner": _owner(store, item)}
    if drive.site_id:
        out["sharepointIds"] = {
            "siteId": drive.site_id.split(",")[1],
            "webId": drive.site_id.split(",")[2],
            "listItemUniqueId": item.guid,
            "siteUrl": _site_of(drive).web_url,
        }
    return out


def _share_scope(permissions: list[Permission]) -> str:
    scopes = {p.link["scope"] for p in permissions if p.link}
    if "anonymous" in scopes:
        return "anonymous"
    if "organization" in scopes:
        return "organization"
    return "users"


def _owner(store: DriveStore, item: Item) -> dict[str, Any]:
    drive = store.drives[item.drive_id]
    return drive.owner.identity() if drive.owner else {"user": {"displayName": "System Account"}}


def permission_json(store: DriveStore, permission: Permission, *, inherited_from: Item | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"id": permission.id, "roles": list(permission.roles), "shareId": f"s!{permission.id}"}
    if permission.user is not None:
        identity = permission.user.identity()
        out["grantedTo"] = identity
        out["grantedToV2"] = identity
    if permission.invited_email:
        out["invitation"] = {"email": permission.invited_email, "signInRequired": True}
        out["grantedToIdentitiesV2"] = [{"user": {"email": permission.invited_email}}]
    if permission.link is not None:
        out["link"] = {**permission.link, "preventsDownload": False}
        out["hasPassword"] = False
    if inherited_from is not None:
        out["inheritedFrom"] = {
            "driveId": inherited_from.drive_id,
            "id": inherited_from.id,
            "path": f"/drives/{inherited_from.drive_id}/root:{quote(store.path_of(inherited_from))}",
        }
    return out


def owner_permission_json(store: DriveStore, item: Item) -> dict[str, Any]:
    drive = store.drives[item.drive_id]
    people = [drive.owner] if drive.owner else list(drive.members)
    return {
        "id": "owner-" + drive.id[-8:],
        "roles": ["owner"],
        "grantedToIdentitiesV2": [p.identity() for p in people if p is not None],
        "grantedToIdentities": [p.identity() for p in people if p is not None],
    }


def site_json(site: Site) -> dict[str, Any]:
    _, site_guid, web_guid = site.id.split(",")
    return {
        "id": site.id,
        "name": site.name,
        "displayName": site.display_name,
        "webUrl": site.web_url,
        "description": site.description,
        "createdDateTime": "2024-01-15T08:00:00Z",
        "lastModifiedDateTime": "2026-11-01T09:00:00Z",
        "siteCollection": {"hostname": site.web_url.split("/")[2]},
        "root": {} if site.name == "root" else None,
        "sharepointIds": {"siteId": site_guid, "webId": web_guid, "siteUrl": site.web_url},
    }
