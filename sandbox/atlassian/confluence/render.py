"""JSON renderings: v2 objects (pages, blog posts, spaces, comments, labels, attachments, versions) and v1 content."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import quote, quote_plus

from .. import users as U
from . import adf as A
from .http import ApiError, iso
from .store import Attachment, Comment, Content, ContentProperty, Space, Store, Version

BODY_FORMATS_BULK = {"storage", "atlas_doc_format"}
# The spec's PrimaryBodyRepresentation (lists) and PrimaryBodyRepresentationSingle (one page / blog post).
BODY_FORMATS_SINGLE = {
    "storage",
    "atlas_doc_format",
    "view",
    "export_view",
    "styled_view",
    "anonymous_export_view",
    "editor",
}


def tiny(cid: int) -> str:
    raw = int(cid).to_bytes(8, "little").rstrip(b"\0") or b"\0"
    return "/x/" + base64.b64encode(raw).decode().rstrip("=").replace("/", "-").replace("+", "_")


def webui(c: Content, store: Store) -> str:
    sp = store.spaces[c.space_id]
    if c.type == "blogpost":
        return f"/spaces/{sp.key}/blog/{c.created:%Y/%m/%d}/{c.id}/{quote_plus(c.title)}"
    return f"/spaces/{sp.key}/pages/{c.id}/{quote_plus(c.title)}"


def content_links(c: Content, store: Store) -> dict:
    sp = store.spaces[c.space_id]
    out = {
        "editui": f"/pages/resumedraft.action?draftId={c.id}",
        "webui": webui(c, store),
        "edituiv2": f"/spaces/{sp.key}/{'pages' if c.type == 'page' else 'blog'}/edit-v2/{c.id}",
        "tinyui": tiny(c.id),
    }
    return out


def body_format(raw: str | None, *, single: bool) -> str | None:
    if raw in (None, ""):
        return None
    allowed = BODY_FORMATS_SINGLE if single else BODY_FORMATS_BULK
    if raw not in allowed:
        raise ApiError(400, f"Invalid value '{raw}' for body-format. Allowed values: {', '.join(sorted(allowed))}")
    return raw


def body_json(storage: str, fmt: str | None, base: str) -> dict:
    if fmt is None:
        return {}
    if fmt == "storage":
        return {"storage": {"representation": "storage", "value": storage}}
    if fmt == "atlas_doc_format":
        return {"atlas_doc_format": {"representation": "atlas_doc_format", "value": A.to_adf(storage, base)}}
    if fmt == "editor":  # the editor's XHTML is storage markup as far as readers are concerned
        return {"editor": {"representation": "editor", "value": storage}}
    return {fmt: {"representation": fmt, "value": A.to_view(storage)}}


def version_json(v: Version) -> dict:
    return {
        "createdAt": iso(v.created),
        "message": v.message,
        "number": v.number,
        "minorEdit": v.minor_edit,
        "authorId": v.author_id,
    }


def page_json(
    c: Content, store: Store, base: str, fmt: str | None, *, single: bool = False, extra: dict | None = None
) -> dict:
    out: dict[str, Any] = {"id": str(c.id), "status": c.status, "title": c.title, "spaceId": str(c.space_id)}
    if c.type == "page":
        if c.parent_id is not None:
            out["parentId"] = str(c.parent_id)
            out["parentType"] = "page"
        out["position"] = c.position
    out["authorId"] = c.author_id
    if c.type == "page":
        out["ownerId"] = c.owner_id or c.author_id
        out["lastOwnerId"] = None
        if not single:
            out["subtype"] = None
    out["createdAt"] = iso(c.created)
    out["version"] = version_json(c.version)
    out["body"] = body_json(c.body, fmt, base)
    out["_links"] = content_links(c, store)
    if single:
        out["_links"]["base"] = base
    if extra:
        out.update(extra)
    return out


def space_json(sp: Space, store: Store, base: str, desc_format: str | None = None) -> dict:
    out: dict[str, Any] = {
        "id": str(sp.id),
        "key": sp.key,
        "name": sp.name,
        "type": sp.type,
        "status": sp.status,
        "authorId": sp.author_id,
        "spaceOwnerId": sp.author_id,
        "currentActiveAlias": sp.key,
        "createdAt": iso(sp.created),
        "homepageId": str(sp.homepage_id) if sp.homepage_id else None,
        "_links": {"webui": f"/spaces/{sp.key}"},
    }
    if desc_format in ("plain", "view"):
        value = sp.description if desc_format == "plain" else f"<p>{sp.description}</p>"
        out["description"] = {desc_format: {"representation": desc_format, "value": value}}
    return out


def comment_links(cm: Comment, store: Store) -> dict:
    c = store.contents.get(cm.container_id)
    link = webui(c, store) if c else ""
    return {"webui": f"{link}?focusedCommentId={cm.id}#comment-{cm.id}"}


def comment_json(cm: Comment, store: Store, base: str, fmt: str | None, *, footer: bool = True) -> dict:
    c = store.contents.get(cm.container_id)
    out: dict[str, Any] = {"id": str(cm.id), "status": cm.status, "title": cm.version.title}
    if c is not None:
        out["blogPostId" if c.type == "blogpost" else "pageId"] = str(c.id)
    if footer and cm.parent_comment_id is not None:
        out["parentCommentId"] = str(cm.parent_comment_id)
    out["version"] = version_json(cm.version)
    out["body"] = body_json(cm.body, fmt, base)
    out["_links"] = comment_links(cm, store)
    return out


def label_json(store: Store, label_id: int) -> dict:
    lab = store.labels[label_id]
    return {"id": str(lab.id), "name": lab.name, "prefix": lab.prefix}


def property_json(p: ContentProperty) -> dict:
    return {
        "id": str(p.id),
        "key": p.key,
        "value": p.value,
        "version": {
            "createdAt": iso(p.created),
            "message": "",
            "number": 1,
            "minorEdit": False,
            "authorId": p.author_id,
        },
    }


def attachment_json(a: Attachment, store: Store, base: str) -> dict:
    c = store.contents.get(a.container_id)
    sp = store.spaces[c.space_id] if c else None
    modified = int(a.created.timestamp() * 1000)
    download = (
        f"/download/attachments/{a.container_id}/{quote(a.title)}"
        f"?version={a.version}&modificationDate={modified}&api=v2"
    )
    out = {
        "id": f"att{a.id}",
        "status": a.status,
        "title": a.title,
        "createdAt": iso(a.created),
        ("blogPostId" if c is not None and c.type == "blogpost" else "pageId"): str(a.container_id),
        "mediaType": a.media_type,
        "mediaTypeDescription": a.media_type.split("/")[-1].upper(),
        "comment": a.comment,
        "fileId": a.file_id,
        "fileSize": a.file_size,
        "webuiLink": f"/spaces/{sp.key if sp else ''}/pages/{a.container_id}/attachments/{a.id}" if c else "",
        "downloadLink": download,
        "version": {
            "createdAt": iso(a.created),
            "message": "",
            "number": a.version,
            "minorEdit": False,
            "authorId": a.author_id,
        },
        "_links": {
            "webui": f"/pages/viewpageattachments.action?pageId={a.container_id}"
            f"&preview=%2F{a.container_id}%2F{a.id}%2F{quote(a.title)}",
            "download": download,
        },
    }
    return out


# ---------------------------------------------------------------- v1
def user_v1(u: U.User | None, base: str, *, account_id: str | None = None) -> dict:
    if u is None:
        return {
            "type": "known",
            "accountId": account_id or "",
            "accountType": "atlassian",
            "publicName": "Unknown user",
            "displayName": "Unknown user",
            "isExternalCollaborator": False,
            "isGuest": False,
            "profilePicture": {"path": "/wiki/aa-avatar/default.png", "width": 48, "height": 48, "isDefault": True},
            "_expandable": {"operations": "", "personalSpace": ""},
            "_links": {},
        }
    return {
        "type": "known",
        "accountId": u.account_id,
        "accountType": u.account_type,
        "email": u.email,
        "publicName": u.display_name,
        "timeZone": u.time_zone,
        "profilePicture": {"path": f"/wiki/aa-avatar/{u.account_id}", "width": 48, "height": 48, "isDefault": False},
        "displayName": u.display_name,
        "isExternalCollaborator": False,
        "isGuest": False,
        "_expandable": {"operations": "", "personalSpace": ""},
        "_links": {"self": f"{base}/rest/api/user?accountId={u.account_id}"},
    }


def friendly(dt: datetime, now: datetime) -> str:
    delta = now - dt
    if delta < timedelta(minutes=1):
        return "just a moment ago"
    if delta < timedelta(hours=1):
        m = int(delta.total_seconds() // 60)
        return f"{m} minute{'s' if m != 1 else ''} ago"
    if delta < timedelta(hours=24):
        h = int(delta.total_seconds() // 3600)
        return "about an hour ago" if h == 1 else f"about {h} hours ago"
    if delta < timedelta(hours=48):
        return f"yesterday at {dt:%-I:%M %p}"
    if dt.year == now.year:
        return f"{dt:%b %d}"
    return f"{dt:%b %d, %Y}"


def version_v1(v: Version, c: Content, base: str, now: datetime) -> dict:
    return {
        "by": user_v1(U.BY_ACCOUNT_ID.get(v.author_id), base, account_id=v.author_id),
        "when": iso(v.created),
        "friendlyWhen": friendly(v.created, now),
        "message": v.message,
        "number": v.number,
        "minorEdit": v.minor_edit,
        "contentTypeModified": False,
        "_expandable": {"collaborators": "", "content": f"/rest/api/content/{c.id}"},
        "_links": {"self": f"{base}/rest/api/content/{c.id}/version/{v.number}"},
    }


def space_v1(sp: Space, base: str) -> dict:
    return {
        "id": sp.id,
        "key": sp.key,
        "alias": sp.key,
        "name": sp.name,
        "type": sp.type,
        "status": sp.status,
        "_expandable": {
            "settings": f"/rest/api/space/{sp.key}/settings",
            "metadata": "",
            "operations": "",
            "lookAndFeel": f"/rest/api/settings/lookandfeel?spaceKey={sp.key}",
            "identifiers": "",
            "permissions": "",
            "icon": "",
            "description": "",
            "theme": f"/rest/api/space/{sp.key}/theme",
            "history": "",
            "homepage": f"/rest/api/content/{sp.homepage_id}",
        },
        "_links": {"webui": f"/spaces/{sp.key}", "self": f"{base}/rest/api/space/{sp.key}"},
    }


V1_EXPANDABLE = (
    "childTypes",
    "container",
    "metadata",
    "operations",
    "schedulePublishDate",
    "children",
    "restrictions",
    "history",
    "ancestors",
    "schedulePublishInfo",
    "body",
    "descendants",
    "space",
    "version",
)


def content_v1(c: Content, store: Store, base: str, now: datetime, expand: set[str]) -> dict:
    sp = store.spaces[c.space_id]
    out: dict = {"id": str(c.id), "type": c.type, "status": c.status, "title": c.title}
    expandable = {k: "" for k in V1_EXPANDABLE}
    expandable.update(
        {
            "container": f"/rest/api/space/{sp.key}",
            "space": f"/rest/api/space/{sp.key}",
            "history": f"/rest/api/content/{c.id}/history",
            "version": "",
            "children": f"/rest/api/content/{c.id}/child",
            "descendants": f"/rest/api/content/{c.id}/descendant",
            "restrictions": f"/rest/api/content/{c.id}/restriction/byOperation",
        }
    )
    if "space" in expand:
        out["space"] = space_v1(sp, base)
        expandable.pop("space")
    if "container" in expand:
        out["container"] = space_v1(sp, base)
        expandable.pop("container")
    if expand & {"history", "history.lastUpdated", "history.contributors", "history.previousVersion"}:
        hist: dict[str, Any] = {
            "latest": True,
            "createdBy": user_v1(U.BY_ACCOUNT_ID.get(c.author_id), base, account_id=c.author_id),
            "ownedBy": user_v1(
                U.BY_ACCOUNT_ID.get(c.owner_id or c.author_id), base, account_id=c.owner_id or c.author_id
            ),
            "createdDate": iso(c.created),
            "_expandable": {"lastUpdated": "", "previousVersion": "", "contributors": "", "nextVersion": ""},
            "_links": {"self": f"{base}/rest/api/content/{c.id}/history"},
        }
        if "history.lastUpdated" in expand:
            hist["lastUpdated"] = version_v1(c.version, c, base, now)
            hist["_expandable"].pop("lastUpdated")
        if "history.previousVersion" in expand and len(c.versions) > 1:
            hist["previousVersion"] = version_v1(c.versions[-2], c, base, now)
            hist["_expandable"].pop("previousVersion")
        if "history.contributors" in expand:
            hist["contributors"] = {
                "publishers": {
                    "users": [user_v1(U.BY_ACCOUNT_ID.get(a), base, account_id=a) for a in sorted(c.contributors)],
                    "userAccountIds": sorted(c.contributors),
                }
            }
            hist["_expandable"].pop("contributors")
        out["history"] = hist
        expandable.pop("history")
    if "version" in expand:
        out["version"] = version_v1(c.version, c, base, now)
        expandable.pop("version")
    if "ancestors" in expand:
        out["ancestors"] = [
            {
                "id": str(a.id),
                "type": a.type,
                "status": a.status,
                "title": a.title,
                "_links": {"webui": webui(a, store), "self": f"{base}/rest/api/content/{a.id}"},
            }
            for a in store.ancestors(c)
        ]
        expandable.pop("ancestors")
    if "metadata.labels" in expand or "metadata" in expand:
        labels = [
            {
                "prefix": store.labels[i].prefix,
                "name": store.labels[i].name,
                "id": str(i),
                "label": store.labels[i].name,
            }
            for i in c.labels
        ]
        out["metadata"] = {
            "labels": {
                "results": labels,
                "start": 0,
                "limit": 200,
                "size": len(labels),
                "_links": {"self": f"{base}/rest/api/content/{c.id}/label"},
            },
            "_expandable": {
                "currentuser": "",
                "comments": "",
                "sourceTemplateEntityId": "",
                "simple": "",
                "properties": "",
                "frontend": "",
                "likes": "",
            },
        }
        expandable.pop("metadata")
    bodies = {e.split(".", 1)[1] for e in expand if e.startswith("body.")}
    if bodies:
        body = {}
        for rep in bodies:
            if rep == "storage":
                body["storage"] = {
                    "value": c.body,
                    "representation": "storage",
                    "embeddedContent": [],
                    "_expandable": {"content": f"/rest/api/content/{c.id}"},
                }
            elif rep == "atlas_doc_format":
                body[rep] = {
                    "value": A.to_adf(c.body, base),
                    "representation": rep,
                    "_expandable": {"content": f"/rest/api/content/{c.id}"},
                }
            elif rep in ("view", "export_view", "styled_view", "anonymous_export_view", "editor"):
                body[rep] = {
                    "value": A.to_view(c.body),
                    "representation": rep if rep != "editor" else "editor",
                    "_expandable": {
                        "webresource": "",
                        "embeddedContent": "",
                        "mediaToken": "",
                        "content": f"/rest/api/content/{c.id}",
                    },
                }
        body["_expandable"] = {
            k: f"/rest/api/content/{c.id}"
            for k in (
                "editor",
                "atlas_doc_format",
                "view",
                "export_view",
                "styled_view",
                "dynamic",
                "storage",
                "editor2",
                "anonymous_export_view",
            )
            if k not in body
        }
        out["body"] = body
        expandable.pop("body")
    out["macroRenderedOutput"] = {}
    if c.type == "page":
        out["extensions"] = {"position": c.position}
    out["_expandable"] = expandable
    out["_links"] = {
        "webui": webui(c, store),
        "editui": f"/pages/resumedraft.action?draftId={c.id}",
        "tinyui": tiny(c.id),
        "self": f"{base}/rest/api/content/{c.id}",
    }
    return out
