"""Creating and updating issues: names resolved, fields validated against the screen before sending."""

from __future__ import annotations

import json
from typing import Annotated, Any

from pydantic import Field

from shared.errors import InvalidInput, NotFound, PermissionDenied
from shared.idempotency import run_once
from shared.names import pick
from shared.tools import Effect, Reply, tool
from shared.vocabulary import BACKLOG, UNASSIGNED, means

from .. import jql as q
from ..adf import adf_to_text, markdown_to_adf
from ..fieldvalues import to_jira
from ..runtime import JiraRuntime
from ..views import plain
from .issues import IssueRef, issue_key

IDEMPOTENCY_PROPERTY = "enterprise-connectors"


class Written(IssueRef):
    """A write's result; a dry run has no key yet, only the fields it would send."""

    key: str = ""
    url: str = ""
    dry_run: bool = False
    warnings: list[str] | None = None


def check_writable(rt: JiraRuntime, project_key: str) -> None:
    """JIRA_PROJECTS, when set, is the list of projects this deployment may write in (reads are unaffected)."""
    allowed = rt.settings.projects
    if allowed and project_key.upper() not in allowed:
        raise PermissionDenied(
            f"This server may only write in {', '.join(allowed)} (JIRA_PROJECTS); {project_key} is read-only here. "
            "Nothing was written."
        )


class Fields:
    """Field values being prepared for one write, with what could not be sent and the people named."""

    def __init__(self, project_key: str, screen: dict[str, dict]):
        self.project_key, self.screen = project_key, screen
        self.values: dict[str, Any] = {}
        self.problems: list[str] = []
        self.people: dict[str, str] = {}  # accountId -> display name, for previews and replies

    def put(self, field_id: str, label: str, value: Any) -> None:
        if self.screen and field_id not in self.screen:
            self.problems.append(f"{label} is not on this screen in {self.project_key}, so Jira would drop it")
        else:
            self.values[field_id] = value

    def preview(self) -> dict[str, Any]:
        """The values as a person reads them: names instead of account ids, text instead of ADF."""

        def shown(value: Any) -> Any:
            if isinstance(value, dict) and value.get("type") == "doc":
                return adf_to_text(value)
            if isinstance(value, dict) and "accountId" in value:
                return self.people.get(value["accountId"], value["accountId"])
            if isinstance(value, list):
                return [shown(v) for v in value]
            return value

        return {k: shown(v) for k, v in self.values.items()}


async def fill(
    rt: JiraRuntime,
    out: Fields,
    *,
    summary: str | None = None,
    description: str | None = None,
    assignee: str | None = None,
    priority: str = "",
    labels: list[str] | None = None,
    parent: str = "",
    fields: dict[str, Any] | None = None,
) -> None:
    """Validated Jira field values into `out`; anything not on the screen goes to `out.problems`."""
    lk, key = rt.lookups, out.project_key
    if summary is not None:
        if not summary.strip():
            raise InvalidInput("summary must not be empty.")
        out.put("summary", "summary", summary.strip())
    if description is not None:
        out.put("description", "description", markdown_to_adf(description))
    if assignee is not None:
        if not assignee.strip() or means(assignee, UNASSIGNED):
            out.put("assignee", "assignee", None)
        else:
            person = await lk.user(assignee, key)
            out.people[person["accountId"]] = person.get("displayName", "")
            out.put("assignee", "assignee", {"accountId": person["accountId"]})
    if priority:
        allowed = out.screen.get("priority", {}).get("allowedValues") or list((await lk.priorities()).values())
        out.put("priority", "priority", {"id": pick("priority", priority, {p["name"]: p for p in allowed})["id"]})
    if labels is not None:
        bad = [label for label in labels if not label or " " in label]
        if bad:
            raise InvalidInput(f"Labels cannot contain spaces: {bad}. Use hyphens, e.g. 'needs-review'.")
        out.put("labels", "labels", list(labels))
    if parent:
        out.put("parent", "parent", {"key": issue_key(parent)})
    for name, value in (fields or {}).items():
        field = await lk.field(name)
        meta = out.screen.get(field["id"], {"schema": field.get("schema", {})})
        out.put(field["id"], f'field "{field["name"]}"', await to_jira(field["name"], meta, value, lk, key))


async def find_created(rt: JiraRuntime, project_key: str, summary: str, idem_key: str) -> dict | None:
    """After an uncertain create: the issue this key created, if Jira has it."""
    client = rt.client
    query = f"project = {q.quote(project_key)} AND reporter = currentUser() AND created >= -1d ORDER BY created DESC"
    page = await client.search(query, ["summary"], 50, properties=[IDEMPOTENCY_PROPERTY])
    for issue in page.get("issues", []):
        if "properties" in issue:
            stored = issue["properties"].get(IDEMPOTENCY_PROPERTY) or {}
        elif issue["fields"].get("summary") == summary:  # properties not in search: ask the issue
            try:
                stored = ((await client.issue_property(issue["key"], IDEMPOTENCY_PROPERTY)) or {}).get("value", {})
            except NotFound:
                stored = {}
        else:
            continue
        if stored.get("idempotency_key") == idem_key:
            return {"key": issue["key"]}
    return None


@tool(
    name="jira_create_issue",
    title="Create issue",
    description='Create an issue; names are resolved (assignee "Paul", sprint "current", fields by name).',
    effect=Effect.ADD,
    toolset="issues",
    output=Written,
    invoking="Creating issue…",
    invoked="Created issue",
    target_arg="project",
)
async def create_issue(
    rt: JiraRuntime,
    project: Annotated[str, Field(description="Project key or name")],
    summary: str,
    description: Annotated[str, Field(description="Markdown")] = "",
    issue_type: str = "Task",
    assignee: Annotated[str, Field()] = "",
    sprint: Annotated[str, Field(description='"current", "next", or name')] = "",
    priority: str = "",
    labels: list[str] = [],
    parent: Annotated[str, Field(description="Parent issue key")] = "",
    fields: Annotated[dict[str, Any], Field(description="By display name")] = {},
    idempotency_key: Annotated[str, Field(description="Same key, same issue")] = "",
    dry_run: Annotated[bool, Field(description="Preview only")] = False,
) -> Reply:
    lk, client = rt.lookups, rt.client
    key = (await lk.project(project))["key"]
    check_writable(rt, key)
    issue_type_obj, screen = await lk.create_screen(key, issue_type)
    prepared = Fields(key, screen)
    prepared.values = {"project": {"key": key}, "issuetype": {"id": issue_type_obj["id"]}}
    await fill(
        rt,
        prepared,
        summary=summary,
        description=description or None,
        assignee=assignee or None,
        priority=priority,
        labels=labels or None,
        parent=parent,
        fields=fields,
    )
    sprint_name = ""
    if sprint:
        chosen = await lk.sprint(key, sprint)
        if chosen.get("state") == "closed":
            raise InvalidInput(f'Sprint "{chosen["name"]}" is closed. Use "current" or a future sprint.')
        sprint_field = await lk.field_id("Sprint")
        if not sprint_field or sprint_field not in screen:
            prepared.problems.append(f"Sprint is not on the create screen of {issue_type_obj['name']} in {key}")
        else:
            prepared.values[sprint_field], sprint_name = int(chosen["id"]), chosen["name"]
    missing = [
        meta.get("name", fid)
        for fid, meta in screen.items()
        if meta.get("required") and not meta.get("hasDefaultValue") and fid not in prepared.values
    ]
    if missing:
        prepared.problems.append(f"required fields are missing: {', '.join(missing)}")
    if prepared.problems:
        raise InvalidInput("Nothing was created: " + "; ".join(prepared.problems) + ".")
    payload = prepared.values
    if dry_run:
        shown = {k: v for k, v in prepared.preview().items() if k not in ("project", "issuetype")}
        if sprint_name:
            shown["sprint"] = sprint_name
        return Reply(
            f"Dry run, nothing created. Would create a {issue_type_obj['name']} in {key} with: "
            f"{json.dumps(shown, ensure_ascii=False)}",
            Written(dry_run=True),
        )

    async def write() -> dict:
        props = (
            [{"key": IDEMPOTENCY_PROPERTY, "value": {"idempotency_key": idempotency_key}}] if idempotency_key else None
        )
        created = await client.create_issue(payload, props)
        return {"key": created["key"]}

    if idempotency_key:
        result, reused = await run_once(
            rt.idempotency,
            rt.identity(),
            idempotency_key,
            payload,
            write,
            lambda: find_created(rt, key, summary, idempotency_key),
        )
    else:
        result, reused = await write(), False
    new_key = result["key"]
    url = client.browse_url(new_key)
    person = next(iter(prepared.people.values()), "")
    facts = [f"in {key}", f"assigned to {person}" if person else "", f"in sprint {sprint_name}" if sprint_name else ""]
    verb = "Already created (same idempotency_key)" if reused else "Created"
    return Reply(
        f"{verb} [{new_key}]({url}): {summary} ({', '.join(f for f in facts if f)})",
        Written(key=new_key, url=url),
        target=new_key,
    )


def dropped(sent: dict[str, Any], stored: dict[str, Any]) -> list[str]:
    """Fields whose stored value differs from what was sent (Jira drops some silently)."""
    warnings = []
    for field_id, value in sent.items():
        got = stored.get(field_id)
        if isinstance(value, dict) and value.get("type") == "doc":
            same = adf_to_text(value).strip() == adf_to_text(got).strip() if isinstance(got, dict) else False
        elif isinstance(value, dict) and "accountId" in value:
            same = (got or {}).get("accountId") == value["accountId"]
        elif isinstance(value, dict) and "id" in value:
            same = str((got or {}).get("id")) == str(value["id"])
        elif isinstance(value, dict) and "key" in value:
            same = (got or {}).get("key") == value["key"]
        elif isinstance(value, list):
            same = sorted(map(plain, value)) == sorted(map(plain, got or []))
        else:
            same = plain(got) == plain(value)
        if not same:
            warnings.append(f"{field_id} was not stored as sent (Jira kept: {plain(got) or 'nothing'})")
    return warnings


@tool(
    name="jira_update_issue",
    title="Update issue",
    description="Change the given fields, reassign, or move to a sprint; reports fields Jira did not store.",
    effect=Effect.CHANGE,
    toolset="issues",
    output=Written,
    idempotent=True,
    invoking="Updating issue…",
    invoked="Updated issue",
    target_arg="key",
)
async def update_issue(
    rt: JiraRuntime,
    key: str,
    summary: str = "",
    description: Annotated[str, Field(description="Markdown")] = "",
    assignee: Annotated[str, Field(description='Name, e-mail, "me", "unassigned"')] = "",
    sprint: Annotated[str, Field(description='"current", "next", name, "backlog"')] = "",
    priority: str = "",
    labels: Annotated[list[str], Field(description="Replaces all")] = [],
    add_labels: list[str] = [],
    remove_labels: list[str] = [],
    parent: str = "",
    fields: Annotated[dict[str, Any], Field(description="By display name")] = {},
    dry_run: bool = False,
) -> Reply:
    lk, client = rt.lookups, rt.client
    key = issue_key(key)
    project_key = key.rsplit("-", 1)[0]
    check_writable(rt, project_key)
    prepared = Fields(project_key, await client.editmeta(key))
    await fill(
        rt,
        prepared,
        summary=summary or None,
        description=description or None,
        assignee=assignee or None,
        priority=priority,
        labels=labels or None,
        parent=parent,
        fields=fields,
    )
    update: dict[str, list] = {}
    if add_labels or remove_labels:
        update["labels"] = [{"add": x} for x in add_labels] + [{"remove": x} for x in remove_labels]
    target_sprint = None
    if sprint and not means(sprint, BACKLOG):
        target_sprint = await lk.sprint(project_key, sprint)
    if prepared.problems:
        raise InvalidInput("Nothing was changed: " + "; ".join(prepared.problems) + ".")
    payload = prepared.values
    if not payload and not update and not sprint:
        raise InvalidInput("Nothing to change: give at least one field to update.")
    if dry_run:
        shown: dict[str, Any] = {"fields": prepared.preview(), **({"update": update} if update else {})}
        if sprint:
            shown["sprint"] = target_sprint["name"] if target_sprint else "backlog"
        preview = json.dumps(shown, ensure_ascii=False)
        return Reply(f"Dry run, nothing changed. Would update {key} with: {preview}", Written(dry_run=True))
    warnings: list[str] = []
    if payload or update:
        stored = await client.update_issue(key, payload, update)
        warnings = dropped(payload, (stored or {}).get("fields", {})) if stored else []
    if sprint:
        if target_sprint is None:
            await client.move_to_backlog([key])
        else:
            await client.move_to_sprint(int(target_sprint["id"]), [key])
    url = client.browse_url(key)
    changed = list(payload) + (["labels"] if update else []) + (["sprint"] if sprint else [])
    text = f"Updated [{key}]({url}): {', '.join(changed)}."
    if warnings:
        text += "\n\nWarning: " + "; ".join(warnings)
    return Reply(text, Written(key=key, url=url, warnings=warnings), target=key)
