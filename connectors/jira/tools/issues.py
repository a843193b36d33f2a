"""Reading and writing issues."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, Field

from shared.errors import InvalidInput, NotFound
from shared.idempotency import run_once
from shared.shaping import DEFAULT_BUDGET, clip
from shared.tools import Effect, Reply, Tool

from .. import jql as q
from ..adf import adf_to_text, markdown_to_adf
from ..fieldvalues import to_jira
from ..resolve import pick
from ..views import (
    attachments_section,
    changelog_section,
    comments_section,
    issue_document,
    links_section,
    plain,
    transitions_section,
)

if TYPE_CHECKING:
    from ..runtime import JiraRuntime

IDEMPOTENCY_PROPERTY = "enterprise-connectors"
Part = Literal["comments", "changelog", "links", "transitions", "attachments"]


class FetchOutput(BaseModel):
    id: str
    title: str
    text: str
    url: str
    metadata: dict[str, str] = Field(default_factory=dict)


class IssueRef(BaseModel):
    key: str
    url: str


class IssueState(IssueRef):
    status: str


class Written(IssueRef):
    """A write's result; a dry run has no key yet, only the fields it would send."""

    key: str = ""
    url: str = ""
    dry_run: bool = False
    warnings: list[str] | None = None


def tools(rt: "JiraRuntime") -> list[Tool]:
    lk, client = rt.lookups, rt.client

    def ref(key: str) -> str:
        key = key.strip().upper()
        if not key or not q.ISSUE_KEY.match(key):
            raise InvalidInput(f'"{key}" is not an issue key. Issue keys look like PROJ-123.')
        return key

    async def sprint_extra(fields: dict) -> dict[str, str]:
        sprint_id = await lk.field_id("Sprint")
        value = fields.get(sprint_id) if sprint_id else None
        return {"Sprint": plain(value)} if value else {}

    async def read_issue(key: str, parts: list[str], comment_limit: int = 5) -> tuple[dict, str]:
        expand = ",".join(["names"] + (["changelog"] if "changelog" in parts else []) + (["transitions"] if "transitions" in parts else []))
        issue = await client.issue(key, expand=expand)
        fields = issue.get("fields", {})
        url = client.browse_url(issue["key"])
        sections = [issue_document(issue, url, await sprint_extra(fields))]
        if "comments" in parts:
            block = fields.get("comment") or {}
            comments = (block.get("comments") or [])[-comment_limit:]
            sections.append(comments_section(list(reversed(comments)), block.get("total", len(comments))))
        if "links" in parts:
            sections.append(links_section(fields.get("issuelinks") or [], client.browse_url))
        if "attachments" in parts:
            sections.append(attachments_section(fields.get("attachment") or []))
        if "changelog" in parts:
            sections.append(changelog_section((issue.get("changelog") or {}).get("histories", [])[-20:]))
        if "transitions" in parts:
            sections.append(transitions_section(issue.get("transitions") or []))
        text, _ = clip("\n\n".join(s for s in sections if s), DEFAULT_BUDGET, "Ask for fewer parts.")
        return issue, text

    async def get_issue(
        key: Annotated[str, Field(description="e.g. SHOP-12")],
        include: Annotated[list[Part], Field()] = ["comments"],
        comment_limit: Annotated[int, Field(ge=0, le=50)] = 5,
    ) -> Reply:
        issue, text = await read_issue(ref(key), list(include), comment_limit)
        return Reply(
            text,
            IssueState(key=issue["key"], url=client.browse_url(issue["key"]), status=plain(issue["fields"].get("status"))),
        )

    async def fetch(id: Annotated[str, Field()]) -> FetchOutput:
        issue, text = await read_issue(ref(id), ["comments", "links"])
        fields = issue.get("fields", {})
        metadata = {
            k: plain(fields.get(f))
            for k, f in (("status", "status"), ("assignee", "assignee"), ("priority", "priority"), ("updated", "updated"), ("type", "issuetype"))
            if fields.get(f)
        }
        return FetchOutput(
            id=issue["key"], title=f"{issue['key']}: {fields.get('summary', '')}", text=text,
            url=client.browse_url(issue["key"]), metadata=metadata,
        )  # fmt: skip

    async def write_fields(
        project_key: str, screen: dict[str, dict], *, summary, description, assignee, priority, labels, parent, fields, problems
    ) -> dict[str, Any]:
        """Validated Jira field values; anything not on the screen goes to `problems`."""
        out: dict[str, Any] = {}

        def put(field_id: str, label: str, value: Any) -> None:
            if screen and field_id not in screen:
                problems.append(f"{label} is not on this screen in {project_key}, so Jira would drop it")
            else:
                out[field_id] = value

        if summary is not None:
            if not summary.strip():
                raise InvalidInput("summary must not be empty.")
            put("summary", "summary", summary.strip())
        if description is not None:
            put("description", "description", markdown_to_adf(description))
        if assignee is not None:
            if assignee.strip().lower() in ("", "unassigned", "nobody", "personne"):
                put("assignee", "assignee", None)
            else:
                put("assignee", "assignee", {"accountId": (await lk.user(assignee, project_key))["accountId"]})
        if priority:
            allowed = screen.get("priority", {}).get("allowedValues") or list((await lk.priorities()).values())
            put("priority", "priority", {"id": pick("priority", priority, {p["name"]: p for p in allowed})["id"]})
        if labels is not None:
            bad = [label for label in labels if not label or " " in label]
            if bad:
                raise InvalidInput(f"Labels cannot contain spaces: {bad}. Use hyphens, e.g. 'needs-review'.")
            put("labels", "labels", list(labels))
        if parent:
            put("parent", "parent", {"key": ref(parent)})
        for name, value in (fields or {}).items():
            field = await lk.field(name)
            meta = screen.get(field["id"], {"schema": field.get("schema", {})})
            put(field["id"], f'field "{field["name"]}"', await to_jira(field["name"], meta, value, lk, project_key))
        return out

    async def create_issue(
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
        proj = await lk.project(project)
        key = proj["key"]
        issue_type_obj, screen = await lk.create_screen(key, issue_type)
        problems: list[str] = []
        payload = {"project": {"key": key}, "issuetype": {"id": issue_type_obj["id"]}}
        payload |= await write_fields(
            key, screen, summary=summary, description=description or None, assignee=assignee or None,
            priority=priority, labels=labels or None, parent=parent, fields=fields, problems=problems,
        )  # fmt: skip
        sprint_name = ""
        if sprint:
            chosen = await lk.sprint(key, sprint)
            if chosen.get("state") == "closed":
                raise InvalidInput(f'Sprint "{chosen["name"]}" is closed. Use "current" or a future sprint.')
            sprint_field = await lk.field_id("Sprint")
            if not sprint_field or sprint_field not in screen:
                problems.append(f"Sprint is not on the create screen of {issue_type_obj['name']} in {key}")
            else:
                payload[sprint_field], sprint_name = int(chosen["id"]), chosen["name"]
        missing = [
            meta.get("name", fid) for fid, meta in screen.items()
            if meta.get("required") and not meta.get("hasDefaultValue") and fid not in payload
        ]  # fmt: skip
        if missing:
            problems.append(f"required fields are missing: {', '.join(missing)}")
        if problems:
            raise InvalidInput("Nothing was created: " + "; ".join(problems) + ".")
        if dry_run:
            return Reply(
                f"Dry run, nothing created. Would create a {issue_type_obj['name']} in {key} with: {json.dumps(payload)}",
                Written(dry_run=True),
            )

        async def write() -> dict:
            props = [{"key": IDEMPOTENCY_PROPERTY, "value": {"idempotency_key": idempotency_key}}] if idempotency_key else None
            created = await client.create_issue(payload, props)
            return {"key": created["key"]}

        if idempotency_key:
            result, reused = await run_once(
                rt.idempotency, rt.identity(), idempotency_key, payload, write,
                lambda: find_created(key, summary, idempotency_key),
            )  # fmt: skip
        else:
            result, reused = await write(), False
        issue_key = result["key"]
        url = client.browse_url(issue_key)
        person = (await lk.user(assignee, key))["displayName"] if assignee else ""  # cached: no request
        facts = [f"in {key}", f"assigned to {person}" if person else "", f"in sprint {sprint_name}" if sprint_name else ""]
        verb = "Already created (same idempotency_key)" if reused else "Created"
        return Reply(
            f"{verb} [{issue_key}]({url}): {summary} ({', '.join(f for f in facts if f)})",
            Written(key=issue_key, url=url),
            target=issue_key,
        )

    async def find_created(project_key: str, summary: str, idem_key: str) -> dict | None:
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

    async def update_issue(
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
        key = ref(key)
        project_key = key.rsplit("-", 1)[0]
        screen = await client.editmeta(key)
        problems: list[str] = []
        payload = await write_fields(
            project_key, screen, summary=summary or None, description=description or None,
            assignee=assignee or None, priority=priority, labels=labels or None, parent=parent, fields=fields,
            problems=problems,
        )  # fmt: skip
        update: dict[str, list] = {}
        if add_labels or remove_labels:
            update["labels"] = [{"add": x} for x in add_labels] + [{"remove": x} for x in remove_labels]
        target_sprint = None
        if sprint and sprint.strip().lower() not in ("backlog", "none"):
            target_sprint = await lk.sprint(project_key, sprint)
        if problems:
            raise InvalidInput("Nothing was changed: " + "; ".join(problems) + ".")
        if not payload and not update and not sprint:
            raise InvalidInput("Nothing to change: give at least one field to update.")
        if dry_run:
            preview = json.dumps({"fields": payload, **({"update": update} if update else {})})
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

    async def transition_issue(
        key: str,
        status: Annotated[str, Field(description="Status or transition name")],
        comment: Annotated[str, Field(description="Markdown")] = "",
        resolution: Annotated[str, Field(description="e.g. Fixed, Won't Do")] = "",
    ) -> Reply:
        key = ref(key)
        options = await client.transitions(key)
        by_name = {t["to"]["name"]: t for t in options} | {t["name"]: t for t in options}
        if not options:
            raise InvalidInput(f"{key} has no transitions available to you.")
        chosen = pick(f"status for {key} (available)", status, by_name)
        fields = {"resolution": {"name": resolution}} if resolution else None
        await client.transition(key, chosen["id"], fields, markdown_to_adf(comment) if comment else None)
        url = client.browse_url(key)
        return Reply(f"Moved [{key}]({url}) to {chosen['to']['name']}.", IssueState(key=key, url=url, status=chosen["to"]["name"]), target=key)

    async def add_comment(key: str, body: Annotated[str, Field(description="Markdown")]) -> Reply:
        key = ref(key)
        if not body.strip():
            raise InvalidInput("body must not be empty.")
        created = await client.add_comment(key, markdown_to_adf(body))
        url = f"{client.browse_url(key)}?focusedCommentId={created.get('id')}"
        return Reply(f"Commented on [{key}]({url}).", IssueRef(key=key, url=url), target=key)

    async def link_issues(
        key: Annotated[str, Field()],
        link: Annotated[str, Field(description='"blocks", "is blocked by", "relates to", "duplicates"...')],
        other_key: str,
    ) -> Reply:
        key, other_key = ref(key), ref(other_key)
        if key == other_key:
            raise InvalidInput("An issue cannot be linked to itself.")
        type_name, outward = await lk.link_type(link)
        # Jira links run from inwardIssue to outwardIssue, read with the outward phrase:
        # "A blocks B" is inwardIssue A, outwardIssue B; "A is blocked by B" is the reverse.
        inward_key, outward_key = (key, other_key) if outward else (other_key, key)
        await client.link(type_name, inward_key, outward_key)
        url = client.browse_url(key)
        return Reply(f"Linked: [{key}]({url}) {link} [{other_key}]({client.browse_url(other_key)}).", IssueRef(key=key, url=url), target=key)

    return [
        Tool("fetch", "Fetch issue", "One Jira issue (id from search) as markdown.",
             fetch, Effect.READ, "search", invoking="Opening issue…", invoked="Opened issue"),
        Tool("jira_get_issue", "Get issue", "One issue as markdown, with the parts asked for.", get_issue, Effect.READ, "issues", output=IssueState,
             invoking="Reading issue…", invoked="Read issue"),
        Tool("jira_create_issue", "Create issue", "Create an issue; names are resolved (assignee \"Paul\", sprint \"current\", fields by name).", create_issue,
             Effect.ADD, "issues", output=Written, invoking="Creating issue…", invoked="Created issue", target_arg="project"),
        Tool("jira_update_issue", "Update issue", "Change the given fields, reassign, or move to a sprint; reports fields Jira did not store.", update_issue, Effect.CHANGE, "issues",
             output=Written, idempotent=True, invoking="Updating issue…", invoked="Updated issue", target_arg="key"),
        Tool("jira_transition_issue", "Change status", "Move an issue to a status; optional comment, resolution.", transition_issue, Effect.CHANGE, "issues", output=IssueState,
             invoking="Changing status…", invoked="Changed status", target_arg="key"),
        Tool("jira_add_comment", "Add comment", "Add a markdown comment to an issue.", add_comment, Effect.ADD,
             "issues", output=IssueRef, invoking="Commenting…", invoked="Commented", target_arg="key"),
        Tool("jira_link_issues", "Link issues", "Link two issues: key <link phrase> other_key, e.g. A blocks B.",
             link_issues, Effect.ADD, "issues", output=IssueRef, invoking="Linking…", invoked="Linked", target_arg="key"),
    ]  # fmt: skip
