"""What Jira declares to the shared rules engine: its condition (a `jira_search_issues` search) and its actions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.errors import InvalidInput
from shared.rules import Done, Found, Item, Owner, Rule

from ..runtime import JiraRuntime
from . import actions as act
from . import condition as cond

OPTIONS = ("assignee", "project", "issue_type")  # of the follow-up


class JiraRules:
    connector = "jira"
    actions = {
        "follow_up": "create a follow-up issue linked 'relates to' the match, assigned to you or options.assignee",
        "mention": "comment on the matched issue, mentioning you (Jira notifies you)",
    }

    async def check(self, runtime: Any, condition: dict[str, Any], options: dict[str, Any]) -> str:
        rt: JiraRuntime = runtime
        wrong = [name for name in options if name not in OPTIONS]
        if wrong:
            raise InvalidInput(f"options: unknown {', '.join(map(str, wrong))[:100]}. Use: {', '.join(OPTIONS)}.")
        hidden = await cond.hidden_project(rt, condition)
        if hidden:
            raise InvalidInput(hidden + " Nothing was saved.")
        query = await cond.jql_for(rt, condition)
        if options.get("assignee"):
            project = str(options.get("project") or cond.normalised(condition).get("project") or "") or None
            await rt.lookups.user(str(options["assignee"]), project.upper() if project else None)
        if options.get("project"):
            await rt.lookups.project(str(options["project"]))
        return _said(condition, query)

    async def owner(self, runtime: Any, subject: str) -> Owner:
        rt: JiraRuntime = runtime
        me = await rt.lookups.me()
        return Owner(
            subject=subject,
            identity=rt.identity(),
            account_id=str(me.get("accountId") or ""),
            name=str(me.get("displayName") or ""),
            email=str(me.get("emailAddress") or ""),
            timezone=await rt.lookups.timezone(),
        )

    async def find(self, runtime: Any, rule: Rule) -> Found:
        return await cond.find(runtime, rule.condition)

    async def act(self, runtime: Any, rule: Rule, item: Item, action: str, episode: int, now: datetime) -> Done:
        if action == "follow_up":
            return await act.follow_up(runtime, rule, item, episode, now)
        if action == "mention":
            return await act.mention(runtime, rule, item, episode, now)
        raise InvalidInput(f"Jira rules have no action {action!r}.")


def _said(condition: dict[str, Any], query: str) -> str:
    """A short name for the rule from its condition."""
    parts = []
    if condition.get("blockers"):
        parts.append("open blockers")
    if condition.get("project"):
        parts.append(f"in {condition['project']}")
    if condition.get("unchanged_for"):
        parts.append(f"unchanged for {condition['unchanged_for']}")
    return " ".join(parts) or query[:80]


RULES = JiraRules()
