"""Rules that watch Jira for their owner: create (with a dry run), list with status, change, delete.

The engine is shared (`shared.rules`); Jira declares its condition and actions in `..rules`.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, Field, WithJsonSchema

from shared.rules import manage
from shared.tools import Effect, Reply, tool

from ..rules import RULES
from ..runtime import JiraRuntime

MENTION = ("jira", "jira_mention", "jira mention")


class RuleRef(BaseModel):
    id: str


class RuleIds(BaseModel):
    ids: list[str]


# A plain object in the schema: the filters are checked by name when the rule is made (tools/list stays small).
Filters = Annotated[dict[str, Any], WithJsonSchema({"type": "object"})]


@tool(
    name="jira_create_rule",
    title="Create rule",
    description="Watch Jira on a schedule: alert, follow up, mention. dry_run previews.",
    effect=Effect.ADD,
    toolset="rules",
    output=RuleRef,
    invoked="Done",
)
async def create_rule(
    rt: JiraRuntime,
    condition: Annotated[Filters, Field(description="jira_search_issues filters")],
    schedule: Annotated[str, Field(description='"every 30 min", "at 9:00"')] = "",
    actions: Annotated[list[str], Field(description="follow_up, mention, email, slack, teams[:url]")] = [],
    follow_up_assignee: str = "",
    dry_run: bool = False,
    idempotency_key: str = "",
) -> Reply:
    said = ["mention" if a.strip().lower() in MENTION else a for a in actions or ["email"]]  # the Jira "channel"
    does, channels = manage.split(said)
    rule, text = await manage.create(
        RULES,
        rt,
        condition=condition,
        schedule=schedule or "every 60 minutes",
        actions=does,
        channels=channels,
        options={"assignee": follow_up_assignee} if follow_up_assignee else {},
        name="",
        dry_run=dry_run,
        idempotency_key=idempotency_key,
    )
    return Reply(text, RuleRef(id="" if dry_run else rule.id), target=None if dry_run else rule.id)


@tool(
    name="jira_list_rules",
    title="List rules",
    description="Your rules, how they ran.",
    effect=Effect.READ,
    toolset="rules",
    output=RuleIds,
    invoked="Done",
)
async def list_rules(rt: JiraRuntime) -> Reply:
    store = await manage.rule_store()
    rules = await manage.mine(RULES.connector, rt)
    if not rules:
        return Reply("You have no rules. Create one with jira_create_rule.", RuleIds(ids=[]))
    parts = [manage.status_text(r, await store.deliveries(r.id)) for r in rules]
    return Reply("\n".join(parts), RuleIds(ids=[r.id for r in rules]))


@tool(
    name="jira_update_rule",
    title="Change rule",
    description="Pause, resume, change a rule.",
    effect=Effect.CHANGE,
    toolset="rules",
    output=RuleRef,
    invoked="Done",
    target_arg="id",
)
async def update_rule(
    rt: JiraRuntime,
    id: str,
    status: Annotated[str, Field(description="pause, resume")] = "",
    condition: Filters = {},
    schedule: str = "",
) -> Reply:
    rule, text = await manage.update(
        RULES, rt, id, status=status, condition=condition, schedule=schedule, actions=[], channels=[], options={}
    )
    return Reply(text, RuleRef(id=rule.id), target=rule.id)


@tool(
    name="jira_delete_rule",
    title="Delete rule",
    description="Delete a rule.",
    effect=Effect.CHANGE,
    toolset="rules",
    output=RuleRef,
    invoked="Done",
    target_arg="id",
)
async def delete_rule(rt: JiraRuntime, id: str) -> Reply:
    rule = await manage.delete(RULES.connector, rt, id)
    return Reply(f"Deleted rule {rule.id} ({rule.name}).", RuleRef(id=rule.id), target=rule.id)
