"""Issue and metadata JSON for API v2 (wiki markup) and v3 (ADF) from the one store."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from .. import users as U
from . import adf as A
from . import catalog as C
from .store import Comment, Component, History, Issue, Sprint, Store, Version, Worklog

ALL_FIELD_IDS = [f.id for f in C.FIELDS]
NAVIGABLE_IDS = [f.id for f in C.FIELDS if f.navigable]


def ts(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}+0000"


def iso(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def rich(doc_: dict | None, version: int):
    return doc_ if version == 3 else A.to_wiki(doc_)


def user_ref(account_id: str | None, base: str):
    if not account_id:
        return None
    u = U.BY_ACCOUNT_ID.get(account_id)
    return u.to_ref(base) if u else None


def status_json(st: C.Status, base: str, v: int = 3) -> dict:
    cat = C.STATUS_CATEGORIES[st.category]
    return {
        "self": f"{base}/rest/api/{v}/status/{st.id}",
        "description": st.description,
        "iconUrl": f"{base}/images/icons/statuses/generic.png",
        "name": st.name,
        "id": st.id,
        "statusCategory": {"self": f"{base}/rest/api/{v}/statuscategory/{cat['id']}", **cat},
    }


def priority_json(p: C.Named, base: str, v: int = 3) -> dict:
    return {
        "self": f"{base}/rest/api/{v}/priority/{p.id}",
        "iconUrl": f"{base}/images/icons/priorities/{p.name.lower()}.svg",
        "name": p.name,
        "id": p.id,
    }


def resolution_json(r: C.Named, base: str, v: int = 3) -> dict:
    return {"self": f"{base}/rest/api/{v}/resolution/{r.id}", "id": r.id, "description": r.description, "name": r.name}


def issuetype_json(t: C.IssueType, base: str, v: int = 3) -> dict:
    return {
        "self": f"{base}/rest/api/{v}/issuetype/{t.id}",
        "id": t.id,
        "description": t.description,
        "iconUrl": f"{base}/rest/api/2/universal_avatar/view/type/issuetype/avatar/{t.avatar}?size=medium",
        "name": t.name,
        "subtask": t.subtask,
        "avatarId": t.avatar,
        "hierarchyLevel": t.hierarchy,
    }


def project_ref(p: C.Project, base: str, v: int = 3) -> dict:
    return {
        "self": f"{base}/rest/api/{v}/project/{p.id}",
        "id": p.id,
        "key": p.key,
        "name": p.name,
        "projectTypeKey": p.type_key,
        "simplified": False,
        "avatarUrls": {
            f"{n}x{n}": f"{base}/rest/api/2/universal_avatar/view/type/project/avatar/10400?size={n}"
            for n in (48, 24, 16, 32)
        },
    }


def sprint_json(s: Sprint, base: str, *, agile: bool = False) -> dict:
    out = {"id": s.id, "name": s.name, "state": s.state, "boardId": s.board_id, "goal": s.goal}
    if agile:
        out = {
            "id": s.id,
            "self": f"{base}/rest/agile/1.0/sprint/{s.id}",
            "state": s.state,
            "name": s.name,
            "originBoardId": s.board_id,
            "goal": s.goal,
        }
    if s.start:
        out["startDate"] = iso(s.start)
    if s.end:
        out["endDate"] = iso(s.end)
    if s.complete:
        out["completeDate"] = iso(s.complete)
    if agile:
        out["createdDate"] = iso(s.start) if s.start else None
        if out["createdDate"] is None:
            out.pop("createdDate")
    return out


def issue_stub(i: Issue, base: str, v: int) -> dict:
    return {
        "id": str(i.id),
        "key": i.key,
        "self": f"{base}/rest/api/{v}/issue/{i.id}",
        "fields": {
            "summary": i.summary,
            "status": status_json(i.status, base, v),
            "priority": priority_json(C.PRIORITY_BY_ID[i.priority_id], base, v),
            "issuetype": issuetype_json(i.issuetype, base, v),
        },
    }


def comment_json(c: Comment, issue: Issue, base: str, v: int, *, rendered: bool = False) -> dict:
    return {
        "self": f"{base}/rest/api/{v}/issue/{issue.id}/comment/{c.id}",
        "id": str(c.id),
        "author": user_ref(c.author, base),
        "body": A.to_html(c.body) if rendered else rich(c.body, v),
        "updateAuthor": user_ref(c.author, base),
        "created": ts(c.created),
        "updated": ts(c.updated),
        "jsdPublic": True,
    }


def component_json(c: Component, base: str, v: int, *, full: bool = False) -> dict:
    out: dict[str, Any] = {
        "self": f"{base}/rest/api/{v}/component/{c.id}",
        "id": c.id,
        "name": c.name,
        "description": c.description,
    }
    if full:
        p = C.PROJECT_BY_KEY[c.project_key]
        lead = user_ref(c.lead, base)
        out.update(
            {
                "project": p.key,
                "projectId": int(p.id),
                "assigneeType": "PROJECT_DEFAULT",
                "realAssigneeType": "PROJECT_DEFAULT",
                "isAssigneeTypeValid": False,
            }
        )
        if lead:
            out["lead"] = lead
    return out


def version_json(ver: Version, base: str, v: int) -> dict:
    out = {
        "self": f"{base}/rest/api/{v}/version/{ver.id}",
        "id": ver.id,
        "name": ver.name,
        "description": ver.description,
        "archived": ver.archived,
        "released": ver.released,
        "projectId": int(C.PROJECT_BY_KEY[ver.project_key].id),
    }
    if ver.release_date:
        out["releaseDate"] = ver.release_date
    if ver.start_date:
        out["startDate"] = ver.start_date
    return out


def worklog_json(w: Worklog, issue: Issue, base: str, v: int) -> dict:
    out = {
        "self": f"{base}/rest/api/{v}/issue/{issue.id}/worklog/{w.id}",
        "author": user_ref(w.author, base),
        "updateAuthor": user_ref(w.author, base),
        "created": ts(w.created),
        "updated": ts(w.updated),
        "started": ts(w.started),
        "timeSpent": duration(w.seconds),
        "timeSpentSeconds": w.seconds,
        "id": str(w.id),
        "issueId": str(issue.id),
    }
    if w.comment is not None:
        out["comment"] = rich(w.comment, v)
    return out


def duration(seconds: int) -> str:
    """Jira's short duration text (8h days, 5d weeks): 5400 -> "1h 30m"."""
    parts, rest = [], seconds // 60
    for unit, size in (("w", 5 * 8 * 60), ("d", 8 * 60), ("h", 60), ("m", 1)):
        if rest >= size:
            parts.append(f"{rest // size}{unit}")
            rest %= size
    return " ".join(parts) or "0m"


def _timetracking(i: Issue) -> dict:
    spent = sum(w.seconds for w in i.worklogs)
    return {"timeSpent": duration(spent), "timeSpentSeconds": spent} if spent else {}


def history_json(h: History, base: str) -> dict:
    return {
        "id": str(h.id),
        "author": user_ref(h.author, base),
        "created": ts(h.created),
        "items": [
            {
                "field": it.field,
                "fieldtype": "custom" if it.field_id.startswith("customfield_") else "jira",
                "fieldId": it.field_id,
                "from": it.from_,
                "fromString": it.from_string,
                "to": it.to,
                "toString": it.to_string,
            }
            for it in h.items
        ],
    }


def field_value(i: Issue, fid: str, store: Store, base: str, v: int, viewer: str | None = None):
    if fid == "summary":
        return i.summary
    if fid == "description":
        return rich(i.description, v)
    if fid == "environment":
        return rich(i.environment, v)
    if fid == C.CF_ACCEPTANCE:
        return rich(i.acceptance, v)
    if fid == "issuetype":
        return issuetype_json(i.issuetype, base, v)
    if fid == "project":
        return project_ref(i.project, base, v)
    if fid == "priority":
        return priority_json(C.PRIORITY_BY_ID[i.priority_id], base, v)
    if fid == "status":
        return status_json(i.status, base, v)
    if fid == "resolution":
        return resolution_json(C.RESOLUTION_BY_ID[i.resolution_id], base, v) if i.resolution_id else None
    if fid == "resolutiondate":
        return ts(i.resolved)
    if fid in ("assignee", "reporter", "creator"):
        return user_ref(getattr(i, fid), base)
    if fid == "labels":
        return list(i.labels)
    if fid == "created":
        return ts(i.created)
    if fid == "updated":
        return ts(i.updated)
    if fid == "statuscategorychangedate":
        return ts(i.status_changed)
    if fid == "duedate":
        return i.duedate
    if fid == "parent":
        p = store.issues.get(i.parent_id) if i.parent_id else None
        return issue_stub(p, base, v) if p else None
    if fid == "subtasks":
        return [issue_stub(c, base, v) for c in store.children(i) if c.issuetype.subtask]
    if fid == "issuelinks":
        out = []
        for link in store.links_of(i):
            lt = C.LINK_TYPE_BY_ID[link.type_id]
            entry = {
                "id": str(link.id),
                "self": f"{base}/rest/api/{v}/issueLink/{link.id}",
                "type": {**lt, "self": f"{base}/rest/api/{v}/issueLinkType/{lt['id']}"},
            }
            if link.inward_id == i.id:  # i "is blocked by" the other issue
                entry["inwardIssue"] = issue_stub(store.issues[link.outward_id], base, v)
            else:  # i "blocks" the other issue
                entry["outwardIssue"] = issue_stub(store.issues[link.inward_id], base, v)
            out.append(entry)
        return out
    if fid == "comment":
        cs = [comment_json(c, i, base, v) for c in i.comments]
        return {
            "comments": cs,
            "self": f"{base}/rest/api/{v}/issue/{i.id}/comment",
            "maxResults": len(cs),
            "total": len(cs),
            "startAt": 0,
        }
    if fid == "components":
        return [component_json(store.components[c], base, v) for c in i.components if c in store.components]
    if fid == "fixVersions":
        return [version_json(store.versions[x], base, v) for x in i.fix_versions if x in store.versions]
    if fid == "attachment":
        return []
    if fid == "worklog":
        ws = [worklog_json(w, i, base, v) for w in i.worklogs[:20]]
        return {"startAt": 0, "maxResults": 20, "total": len(i.worklogs), "worklogs": ws}
    if fid == "timetracking":
        return _timetracking(i)
    if fid == "watches":
        return {
            "self": f"{base}/rest/api/{v}/issue/{i.key}/watchers",
            "watchCount": len(i.watchers),
            "isWatching": viewer in i.watchers,
        }
    if fid == "votes":
        return {"self": f"{base}/rest/api/{v}/issue/{i.key}/votes", "votes": i.votes, "hasVoted": False}
    if fid == C.CF_SPRINT:
        return [sprint_json(store.sprints[s], base) for s in i.sprint_ids] or None
    if fid == C.CF_FLAGGED:
        return (
            [{"self": f"{base}/rest/api/{v}/customFieldOption/{C.FLAGGED_OPTION['id']}", **C.FLAGGED_OPTION}]
            if i.flagged
            else None
        )
    if fid == C.CF_STORY_POINTS:
        return i.story_points
    if fid == C.CF_TEAM:
        opt = next((o for o in C.TEAM_OPTIONS if o["id"] == i.team_id), None)
        return {"self": f"{base}/rest/api/{v}/customFieldOption/{opt['id']}", **opt} if opt else None
    return None


def parse_fields_param(raw, default: list[str]) -> list[str]:
    """Resolve a ``fields`` parameter (string or list): ``*all``, ``*navigable``, ids, ``-x`` exclusions."""
    if raw is None or raw == "" or raw == []:
        return list(default)
    items = raw if isinstance(raw, list) else [raw]
    parts = [p.strip() for item in items for p in str(item).split(",") if p.strip()]
    chosen: list[str] = []
    excluded = set()
    for p in parts:
        if p == "*all":
            chosen += ALL_FIELD_IDS
        elif p == "*navigable":
            chosen += NAVIGABLE_IDS
        elif p.startswith("-"):
            excluded.add(p[1:])
        else:
            fid = p
            if p not in C.FIELD_BY_ID:
                by_name = next((f.id for f in C.FIELDS if f.name.lower() == p.lower()), None)
                fid = by_name or p
            chosen.append(fid)
    if not chosen and excluded:
        chosen = list(NAVIGABLE_IDS)
    seen, out = set(), []
    for f in chosen:
        if f not in seen and f not in excluded:
            seen.add(f)
            out.append(f)
    return out


def issue_json(
    i: Issue,
    store: Store,
    base: str,
    v: int,
    fields: list[str],
    expand: set[str],
    transitions_fn=None,
    viewer: str | None = None,
) -> dict:
    if fields == ["id"] and not expand:
        return {"id": str(i.id)}
    out: dict[str, Any] = {
        "expand": "renderedFields,names,schema,operations,editmeta,changelog,versionedRepresentations",
        "id": str(i.id),
        "self": f"{base}/rest/api/{v}/issue/{i.id}",
        "key": i.key,
    }
    fmap: dict[str, Any] = {}
    for fid in fields:
        if fid in ("id", "key"):
            continue
        if fid in C.FIELD_BY_ID:
            fmap[fid] = field_value(i, fid, store, base, v, viewer)
    out["fields"] = fmap
    if "renderedFields" in expand:
        rf: dict[str, Any] = {}
        for fid in fields:
            if fid in C.RICH_TEXT_FIELDS:
                rf[fid] = A.to_html(
                    {"description": i.description, "environment": i.environment, C.CF_ACCEPTANCE: i.acceptance}[fid]
                )
            elif fid == "comment":
                cs = [comment_json(c, i, base, v, rendered=True) for c in i.comments]
                rf["comment"] = {"comments": cs, "maxResults": len(cs), "total": len(cs), "startAt": 0}
            elif fid in ("created", "updated", "resolutiondate"):
                rf[fid] = fmap.get(fid)
        out["renderedFields"] = rf
    if "names" in expand:
        out["names"] = {fid: C.FIELD_BY_ID[fid].name for fid in fmap}
    if "schema" in expand:
        out["schema"] = {fid: C.FIELD_BY_ID[fid].schema for fid in fmap}
    if "changelog" in expand:
        hs = [history_json(h, base) for h in i.histories]
        out["changelog"] = {"startAt": 0, "maxResults": len(hs), "total": len(hs), "histories": hs}
    if "transitions" in expand and transitions_fn:
        out["transitions"] = transitions_fn(i)
    return out


def transition_json(t: C.Transition, base: str, v: int) -> dict:
    return {
        "id": t.id,
        "name": t.name,
        "to": status_json(C.STATUS_BY_ID[t.to], base, v),
        "hasScreen": t.to == C.DONE,
        "isGlobal": False,
        "isInitial": False,
        "isAvailable": True,
        "isConditional": False,
        "isLooped": False,
    }
