"""Validation and application of issue create/edit payloads (fields + update operations)."""

from __future__ import annotations

import re
from datetime import datetime

from .. import users as U
from . import adf as A
from . import catalog as C
from .store import ChangeItem, Issue, Store


class WriteError(Exception):
    def __init__(self, errors: dict | None = None, messages: list[str] | None = None, status: int = 400):
        super().__init__(str(errors or messages))
        self.errors = errors or {}
        self.messages = messages or []
        self.status = status


NOT_SETTABLE = "Field '{f}' cannot be set. It is not on the appropriate screen, or unknown."


def _ref_id(value, by_name: dict, by_id: dict) -> str | None:
    if not isinstance(value, dict):
        return None
    if "id" in value and str(value["id"]) in by_id:
        return str(value["id"])
    if "name" in value and str(value["name"]).lower() in by_name:
        obj = by_name[str(value["name"]).lower()]
        return obj.id if hasattr(obj, "id") else obj["id"]
    return None


def resolve_project_type(fields: dict) -> tuple[C.Project, C.IssueType]:
    errors = {}
    pv = fields.get("project")
    proj = C.project(pv.get("key") or pv.get("id")) if isinstance(pv, dict) else None
    if proj is None:
        errors["project"] = "Specify a valid project ID or key"
    tid = _ref_id(fields.get("issuetype"), C.ITYPE_BY_NAME, C.ITYPE_BY_ID)
    if tid is None or (proj and tid not in proj.issue_types):
        errors["issuetype"] = (
            "Specify an issue type" if not fields.get("issuetype") else "The issue type selected is invalid."
        )
    if errors or proj is None or tid is None:  # with no errors both are set; the check tells mypy
        raise WriteError(errors)
    return proj, C.ITYPE_BY_ID[tid]


def _rich(fid: str, value, version: int, errors: dict):
    if value is None:
        return None
    if version >= 3:
        if not A.is_adf(value):
            errors[fid] = "Operation value must be an Atlassian Document (see the Atlassian Document Format)"
            return None
        return value
    if not isinstance(value, str):
        errors[fid] = "Operation value must be a string"
        return None
    return A.from_wiki(value, {u.account_id: u.display_name for u in U.USERS})


def normalise(
    store: Store,
    fields: dict,
    proj: C.Project,
    itype: C.IssueType,
    version: int,
    *,
    creating: bool,
    issue: Issue | None = None,
) -> dict:
    """Validate ``fields`` against the screen; return {field_id: internal value}. Drops silently-ignored fields."""
    screen = set(proj.screen(itype.id))
    errors: dict[str, str] = {}
    out: dict = {}
    for fid, value in fields.items():
        if fid in ("project", "issuetype"):
            continue
        if fid not in C.FIELD_BY_ID or fid in (
            "status",
            "resolution",
            "created",
            "updated",
            "creator",
            "subtasks",
            "issuelinks",
            "comment",
            "resolutiondate",
            "statuscategorychangedate",
        ):
            errors[fid] = NOT_SETTABLE.format(f=fid)
            continue
        if fid not in screen:
            if fid in C.SILENTLY_DROPPED:
                continue  # Jira drops known fields that are missing from the screen
            errors[fid] = NOT_SETTABLE.format(f=fid)
            continue
        if fid == "summary":
            if not isinstance(value, str) or not value.strip():
                errors[fid] = "You must specify a summary of the issue."
            elif len(value) > 255:
                errors[fid] = "Summary must be less than 255 characters."
            elif "\n" in value:
                errors[fid] = "The summary is invalid because it contains newline characters."
            else:
                out[fid] = value
        elif fid in C.RICH_TEXT_FIELDS:
            out[fid] = _rich(fid, value, version, errors)
        elif fid == "priority":
            pid = _ref_id(value, C.PRIORITY_BY_NAME, C.PRIORITY_BY_ID)
            if pid is None:
                errors[fid] = "Specify the Priority (id or name) in the string format"
            out[fid] = pid
        elif fid in ("assignee", "reporter"):
            if value is None or (
                isinstance(value, dict) and value.get("accountId") in (None, "-1") and fid == "assignee"
            ):
                if fid == "reporter":
                    errors[fid] = "Reporter is required."
                out[fid] = None
                continue
            aid = value.get("accountId") if isinstance(value, dict) else None
            u = U.BY_ACCOUNT_ID.get(aid or "")
            if u is None or not u.active:
                errors[fid] = "Specified user does not exist or you do not have required permissions"
            elif fid == "assignee" and u.localpart not in proj.members:
                errors[fid] = f"User '{aid}' cannot be assigned issues."
            else:
                out[fid] = u.account_id
        elif fid == "labels":
            if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
                errors[fid] = "Labels must be a list of strings."
            elif any(" " in x for x in value):
                bad = next(x for x in value if " " in x)
                errors[fid] = f"The label '{bad}' contains spaces which is invalid."
            else:
                out[fid] = sorted(set(value))
        elif fid in ("components", "fixVersions"):
            found = _project_refs(store, fid, value, proj, errors)
            if found is not None:
                out[fid] = found
        elif fid == "duedate":
            if value is not None and not (isinstance(value, str) and re.match(r"^\d{4}-\d{2}-\d{2}$", value)):
                errors[fid] = "Error parsing date string: " + str(value)
            out[fid] = value
        elif fid == "parent":
            pv = value if isinstance(value, dict) else {}
            parent = store.get(pv.get("key") or pv.get("id") or "")
            if parent is None:
                errors[fid] = "Could not find issue by id or key."
            elif itype.subtask and parent.issuetype.subtask:
                errors[fid] = "Given parent issue is a sub-task."
            elif not itype.subtask and parent.issuetype_id != C.EPIC:
                errors[fid] = "Given parent work item does not belong to appropriate hierarchy."
            elif parent.project_key != proj.key and itype.subtask:
                errors[fid] = "Sub-task parent must be in the same project."
            else:
                out[fid] = parent.id
        elif fid == C.CF_SPRINT:
            if value is None:
                out[fid] = None
            elif isinstance(value, bool) or not isinstance(value, int):
                errors[fid] = "Number value expected as the Sprint id."
            elif value not in store.sprints:
                errors[fid] = f"Sprint with id {value} does not exist."
            elif store.sprints[value].state == "closed":
                errors[fid] = "Issue can be assigned only active or future sprints."
            else:
                out[fid] = value
        elif fid == C.CF_FLAGGED:
            if value in (None, []):
                out[fid] = False
            elif isinstance(value, list) and all(
                isinstance(o, dict) and (o.get("value") == "Impediment" or o.get("id") == C.FLAGGED_OPTION["id"])
                for o in value
            ):
                out[fid] = True
            else:
                errors[fid] = "Option value 'x' is not valid".replace("x", str(value))
        elif fid == C.CF_STORY_POINTS:
            if value is not None and (isinstance(value, bool) or not isinstance(value, (int, float))):
                errors[fid] = "Operation value must be a number"
            out[fid] = float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None
        elif fid == C.CF_TEAM:
            if value is None:
                out[fid] = None
            else:
                opt = next(
                    (
                        o
                        for o in C.TEAM_OPTIONS
                        if isinstance(value, dict) and (value.get("id") == o["id"] or value.get("value") == o["value"])
                    ),
                    None,
                )
                if opt is None:
                    errors[fid] = f"Option value '{value}' is not valid"
                out[fid] = opt["id"] if opt else None
    if creating:
        for req in proj.required_fields(itype.id):
            if req in ("project", "issuetype"):
                continue
            if req not in errors and out.get(req) in (None, "", []):
                name = C.FIELD_BY_ID[req].name
                errors[req] = f"{name} is required." if req != "summary" else "You must specify a summary of the issue."
    if errors:
        raise WriteError(errors)
    return out


def _project_refs(store: Store, fid: str, value, proj: C.Project, errors: dict) -> list[str] | None:
    """Component or version references (``[{"id"}|{"name"}]``) of the project, as ids; None after an error."""
    pool = store.components if fid == "components" else store.versions
    what = "Component" if fid == "components" else "Version"
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        errors[fid] = f"{what}s must be a list of objects with an id or a name."
        return None
    ids = []
    for ref in value:
        hit = next(
            (
                x
                for x in pool.values()
                if x.project_key == proj.key
                and (str(ref.get("id")) == x.id or str(ref.get("name", "")).lower() == x.name.lower())
            ),
            None,
        )
        if hit is None:
            label = f"name '{ref['name']}'" if "name" in ref else f"id '{ref.get('id')}'"
            errors[fid] = f"{what} {label} is not valid"
            return None
        if hit.id not in ids:
            ids.append(hit.id)
    return ids


_ATTR = {
    "summary": "summary",
    "description": "description",
    "environment": "environment",
    C.CF_ACCEPTANCE: "acceptance",
    "priority": "priority_id",
    "assignee": "assignee",
    "reporter": "reporter",
    "labels": "labels",
    "duedate": "duedate",
    "parent": "parent_id",
    C.CF_FLAGGED: "flagged",
    C.CF_STORY_POINTS: "story_points",
    C.CF_TEAM: "team_id",
    "components": "components",
    "fixVersions": "fix_versions",
}


def _display(fid: str, value, store: Store):
    if value is None:
        return None, None
    if fid == "priority":
        return value, C.PRIORITY_BY_ID[value].name
    if fid in ("assignee", "reporter"):
        return value, U.BY_ACCOUNT_ID[value].display_name
    if fid == "labels":
        return None, " ".join(value)
    if fid in ("components", "fixVersions"):
        pool = store.components if fid == "components" else store.versions
        return None, ", ".join(pool[x].name for x in value if x in pool) or None
    if fid == "parent":
        return str(value), store.issues[value].key
    if fid in C.RICH_TEXT_FIELDS:
        return None, A.to_wiki(value)
    if fid == C.CF_FLAGGED:
        return (C.FLAGGED_OPTION["id"], "Impediment") if value else (None, None)
    if fid == C.CF_TEAM:
        return value, next(o["value"] for o in C.TEAM_OPTIONS if o["id"] == value)
    return None, str(value)


def apply(store: Store, issue: Issue, values: dict, actor: str, when: datetime, *, record: bool = True) -> None:
    items = []
    for fid, new in values.items():
        if fid == C.CF_SPRINT:
            if record:
                store.move_to_sprint(issue, new, actor, when)
            else:
                issue.sprint_ids = [new] if new else []
            continue
        attr = _ATTR[fid]
        old = getattr(issue, attr)
        if old == new:
            continue
        setattr(issue, attr, new)
        if record:
            fo, fs = _display(fid, old, store)
            to, tstr = _display(fid, new, store)
            f = C.FIELD_BY_ID[fid]
            items.append(ChangeItem(f.name if f.custom else fid, fid, fo, fs, to, tstr))
    if record and items:
        store.add_history(issue, actor, when, items)
    issue.updated = when


def _same_ref(a, b) -> bool:
    """Two ``{"id"}``/``{"name"}`` references to one component or version (ids compared as text)."""
    if not isinstance(a, dict) or not isinstance(b, dict):
        return False
    return ("id" in a and "id" in b and str(a["id"]) == str(b["id"])) or (
        "name" in a and "name" in b and str(a["name"]).lower() == str(b["name"]).lower()
    )


def update_ops(update: dict, issue: Issue | None, version: int, store: Store | None = None) -> tuple[dict, list]:
    """Turn ``update`` operations into field values; returns (fields, comment bodies)."""
    fields: dict = {}
    comments = []
    errors = {}
    for fid, ops in (update or {}).items():
        if not isinstance(ops, list):
            errors[fid] = "Operations must be a list."
            continue
        for op in ops:
            if not isinstance(op, dict) or len(op) != 1:
                errors[fid] = "Each operation must have exactly one verb."
                continue
            verb, arg = next(iter(op.items()))
            if fid == "comment":
                if verb != "add" or not isinstance(arg, dict):
                    errors[fid] = "Only 'add' is supported for comments."
                    continue
                comments.append(arg.get("body"))
            elif fid == "labels":
                cur = list(fields.get("labels", issue.labels if issue else []))
                if verb == "set":
                    cur = list(arg or [])
                elif verb == "add":
                    cur = cur + [arg] if arg not in cur else cur
                elif verb == "remove":
                    cur = [x for x in cur if x != arg]
                else:
                    errors[fid] = f"Unsupported operation '{verb}'."
                fields["labels"] = cur
            elif fid in ("components", "fixVersions") and verb in ("set", "add", "remove"):
                pool = (store.components if fid == "components" else store.versions) if store else {}
                now = (
                    [{"id": x, "name": pool[x].name} if x in pool else {"id": x} for x in getattr(issue, _ATTR[fid])]
                    if issue
                    else []
                )
                current = fields.get(fid, now)
                if verb == "set":
                    current = list(arg or [])
                elif verb == "add":
                    current = current + [arg]
                else:
                    current = [x for x in current if not _same_ref(x, arg)]
                fields[fid] = current
            elif verb == "set":
                fields[fid] = arg
            else:
                errors[fid] = f"Field '{fid}' does not support operation '{verb}'."
    if errors:
        raise WriteError(errors)
    return fields, comments
