"""A Jira rule's actions on a matched issue: a follow-up issue, and a comment that mentions the owner.

Each is done once per match, even when a run is interrupted: the engine records what was done,
and before acting we look in Jira for an earlier attempt: the matched issue carries an entity
property (`enterprise-connectors.rules`: per rule, the episode it followed up and the follow-up's
key), and the follow-up itself carries the idempotency property `jira_create_issue` uses, so a
follow-up created just before a crash is found (`find_created`) instead of created again.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.dates import local
from shared.errors import NotFound
from shared.rules import Done, Item, Rule, age_words

from ..runtime import JiraRuntime
from ..tools.actions import find_comment, find_link
from ..tools.writes import IDEMPOTENCY_PROPERTY, find_created

PROPERTY = "enterprise-connectors.rules"


async def marks(rt: JiraRuntime, key: str) -> dict[str, Any]:
    try:
        found = await rt.client.issue_property(key, PROPERTY)
    except NotFound:
        return {}
    value = (found or {}).get("value")
    return value if isinstance(value, dict) else {}


async def mark(rt: JiraRuntime, key: str, rule_id: str, **values: Any) -> None:
    """Merge `values` into this rule's entry of the issue's property (other rules' entries are kept)."""
    current = await marks(rt, key)
    entry = dict(current.get(rule_id) or {}) | values
    path = f"{rt.client.api_root}/issue/{key}/properties/{PROPERTY}"
    await rt.client.call("PUT", path, body=current | {rule_id: entry})


def project_of(key: str) -> str:
    return key.rsplit("-", 1)[0]


def summary_for(rule: Rule, item: Item, now: datetime) -> str:
    verb = "blocking" if rule.condition.get("blockers") else "matching"
    age = f" for {age_words((now - item.since).total_seconds())}" if item.since else ""
    return f"Follow up {item.key} ({verb}{age}): {item.title}"[:250]


async def follow_up(rt: JiraRuntime, rule: Rule, item: Item, episode: int, now: datetime) -> Done:
    client = rt.client
    earlier = (await marks(rt, item.key)).get(rule.id) or {}
    marker = f"rule:{rule.id}:{item.key}:{episode}"
    project = str(rule.options.get("project") or project_of(item.key))
    if earlier.get("episode") == episode and earlier.get("follow_up"):
        key = str(earlier["follow_up"])
    else:
        summary = summary_for(rule, item, now)
        found = await find_created(rt, project, summary, marker)
        key = found["key"] if found else await _create(rt, rule, item, project, summary, marker)
        await mark(rt, item.key, rule.id, episode=episode, follow_up=key)
    type_name, _ = await rt.lookups.link_type("relates to")
    if await find_link(rt, type_name, key, item.key) is None:
        await client.link(type_name, key, item.key)
    return Done(text=f"created follow-up {key} (relates to {item.key})", ref=key, url=client.browse_url(key))


async def _create(rt: JiraRuntime, rule: Rule, item: Item, project: str, summary: str, marker: str) -> str:
    lk = rt.lookups
    type_name = str(rule.options.get("issue_type") or "Task")
    issue_type, screen = await lk.create_screen(project, type_name)
    who = str(rule.options.get("assignee") or "")
    assignee = (await lk.user(who, project))["accountId"] if who else rule.owner.account_id
    fields: dict[str, Any] = {
        "project": {"key": project},
        "issuetype": {"id": issue_type["id"]},
        "summary": summary,
    }
    if not screen or "description" in screen:
        fields["description"] = _doc(
            [
                _text(f"{item.key} ({item.title}) matched the rule “{rule.name}”"),
                _text(f" since {local(item.since, rule.owner.timezone)}" if item.since else ""),
                _text(f": {item.why}. " if item.why else ". "),
                _link(item.url),
            ]
        )
    if assignee and (not screen or "assignee" in screen):
        fields["assignee"] = {"accountId": assignee}
    marked = [{"key": IDEMPOTENCY_PROPERTY, "value": {"idempotency_key": marker}}]
    created = await rt.client.create_issue(fields, marked)
    return str(created["key"])


async def mention(rt: JiraRuntime, rule: Rule, item: Item, episode: int, now: datetime) -> Done:
    """A comment on the matched issue whose first node is a real mention of the owner (Jira notifies them)."""
    client = rt.client
    earlier = (await marks(rt, item.key)).get(rule.id) or {}
    url = client.browse_url(item.key)
    if earlier.get("mentioned") == episode:
        return Done(text=f"mentioned {rule.owner.name or 'the owner'} in a comment on {item.key}", url=url)
    since = f" since {local(item.since, rule.owner.timezone)}" if item.since else ""
    followed = earlier.get("follow_up") if earlier.get("episode") == episode else None
    follow = f" Follow-up: {followed}." if followed else ""
    words = f" this issue has matched the rule “{rule.name}”{since}{': ' + item.why if item.why else ''}.{follow}"
    document = _doc([_mention(rule.owner.account_id, rule.owner.name), _text(words)])
    if await find_comment(rt, item.key, document) is None:
        await client.add_comment(item.key, document)
    await mark(rt, item.key, rule.id, mentioned=episode)
    return Done(text=f"mentioned {rule.owner.name or 'the owner'} in a comment on {item.key}", url=url)


def _doc(nodes: list[dict[str, Any] | None]) -> dict[str, Any]:
    return {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [n for n in nodes if n]}]}


def _text(text: str) -> dict[str, Any] | None:
    return {"type": "text", "text": text} if text else None


def _link(url: str) -> dict[str, Any]:
    return {"type": "text", "text": url, "marks": [{"type": "link", "attrs": {"href": url}}]}


def _mention(account_id: str, name: str) -> dict[str, Any]:
    return {"type": "mention", "attrs": {"id": account_id, "text": f"@{name or account_id}", "accessLevel": ""}}
