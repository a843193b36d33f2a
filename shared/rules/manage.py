"""Creating, listing, changing and deleting rules: what a connector's rules tools call.

A rule belongs to the person calling (the credential's identity); another person's rule answers
"not found", as the upstream does for what one cannot see. Everything is validated before it is
stored: the condition by the connector, the schedule, the actions and the channels here.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Any

from ..caller import acting, inbound_caller
from ..dates import local
from ..errors import InvalidInput, NotFound
from . import channels as ch
from .model import ALERT, Found, Rule, RuleSource, age_words
from .schedule import parse_schedule, schedule_text
from .service import load_rules_settings, rule_store
from .store import new_rule_id

MAX_RULES = 50  # per person and connector


def _identity(runtime: Any) -> str:
    credential = acting.get()
    return credential.identity if credential is not None else str(runtime.identity())


def split(said: list[str]) -> tuple[list[str], list[str]]:
    """One list as people say it ("follow_up", "mention", "email", "slack:<url>") -> (actions, channels)."""
    channels = [c for c in said if c.strip().lower().partition(":")[0].strip() in ch.SAID]
    actions = [a for a in said if a not in channels] + ([ALERT] if channels else [])
    return actions, channels


def _actions(source: RuleSource, actions: list[str]) -> list[str]:
    known = [ALERT, *source.actions]
    chosen = list(dict.fromkeys(a.strip().lower().replace("-", "_") for a in actions if a.strip()))
    wrong = [a for a in chosen if a not in known]
    if wrong or not chosen:
        raise InvalidInput(f"actions {wrong or '[]'}: choose among {', '.join(known)}.")
    return chosen


def _channels(actions: list[str], channels: list[str]) -> list[str]:
    if ALERT not in actions:
        return []
    settings = load_rules_settings()
    return list(dict.fromkeys(ch.parse_channel(c, settings) for c in (channels or ["email"])))


async def create(
    source: RuleSource,
    runtime: Any,
    *,
    condition: dict[str, Any],
    schedule: str,
    actions: list[str],
    channels: list[str],
    options: dict[str, Any],
    name: str,
    dry_run: bool,
    idempotency_key: str = "",
    subject: str | None = None,
) -> tuple[Rule, str]:
    """`subject`: the owner's sign-in subject (default: the verified caller of this request, "" without sign-in)."""
    owner = await source.owner(runtime, inbound_caller().subject if subject is None else subject)
    rule_id = new_rule_id(owner.identity, idempotency_key)
    chosen = _actions(source, actions)
    when = parse_schedule(schedule, owner.timezone)
    said = await source.check(runtime, condition, options)
    now = time.time()
    rule = Rule(
        id=rule_id,
        connector=source.connector,
        name=(name.strip() or said)[:120],
        owner=owner,
        condition=condition,
        schedule=schedule_text(when),
        actions=chosen,
        channels=_channels(chosen, channels),
        options=options,
        created_at=now,
        next_run_at=now,  # due at once: the first run finds what matches already
    )
    if dry_run:
        found = await source.find(runtime, rule)
        return rule, preview(rule, found, when.describe())
    store = await rule_store()
    if len(await store.owned(source.connector, owner.identity)) >= MAX_RULES:
        raise InvalidInput(f"You have {MAX_RULES} rules already: delete one you no longer need first.")
    if not await store.add(rule):  # the same create retried (idempotency_key): the rule it made, not a second
        earlier = await store.get(rule_id)
        assert earlier is not None
        return earlier, f"Already created (same idempotency_key): rule {earlier.id} ({earlier.name})."
    return rule, f"Created rule {rule.id} ({rule.name}), {when.describe()}: {describe_actions(rule)}."


def describe_actions(rule: Rule) -> str:
    parts = [a.replace("_", "-") for a in rule.actions if a != ALERT]
    if ALERT in rule.actions:
        parts.append("alert by " + ", ".join(ch.shown(c) for c in rule.channels))
    return ", ".join(parts)


def preview(rule: Rule, found: Found, when: str) -> str:
    head = f"Dry run, nothing saved. Rule ({rule.name}), {when}, would do for each new match: {describe_actions(rule)}."
    if not found.items:
        return f"{head}\n\nNothing matches now." + (f" {found.note}" if found.note else "")
    lines = []
    for item in found.items[:20]:
        age = f", for {age_words((found.now - item.since).total_seconds())}" if item.since else ""
        lines.append(f"- [{item.key}]({item.url}) {item.title}" + (f" ({item.why})" if item.why else "") + age)
    more = f"\n- … and {len(found.items) - 20} more" if len(found.items) > 20 else ""
    return f"{head}\n\nMatches now ({len(found.items)}):\n" + "\n".join(lines) + more


async def mine(connector: str, runtime: Any) -> list[Rule]:
    return await (await rule_store()).owned(connector, _identity(runtime))


async def owned(connector: str, runtime: Any, rule_id: str) -> Rule:
    rule = await (await rule_store()).get(rule_id.strip())
    if rule is None or rule.connector != connector or rule.owner.identity != _identity(runtime):
        raise NotFound(f'No rule "{rule_id[:40]}" of yours. List yours with the list-rules tool.')
    return rule


def status_text(rule: Rule, deliveries: list[dict[str, Any]]) -> str:
    tz = rule.owner.timezone
    state = "active" if rule.status == "active" else f"paused{': ' + rule.paused_reason if rule.paused_reason else ''}"
    when = parse_schedule(rule.schedule, tz).describe()
    lines = [f"**{rule.id}** {rule.name}: {state}; {when}; {describe_actions(rule)}."]
    if rule.last_run_at is None:
        lines.append("  Not run yet.")
    else:
        result = rule.last_result
        keys = ", ".join(result.get("keys", [])) or "nothing"
        ran = local(datetime.fromtimestamp(rule.last_run_at, UTC), tz)
        lines.append(f"  Last run {ran}: {result.get('matched', 0)} matching ({keys}), {result.get('new', 0)} new.")
        if result.get("note"):
            lines.append(f"  {result['note']}")
    if rule.last_error:
        lines.append(f"  Problem: {rule.last_error}")
    failed = [d for d in deliveries if d["state"] == "failed"]
    waiting = [d for d in deliveries if d["state"] == "pending" and d["attempts"]]
    if failed:
        lines.append(f"  {len(failed)} alert(s) could not be delivered: {failed[-1]['last_error']}")
    if waiting:
        lines.append(f"  {len(waiting)} alert(s) being retried: {waiting[-1]['last_error']}")
    return "\n".join(lines)


async def update(
    source: RuleSource,
    runtime: Any,
    rule_id: str,
    *,
    status: str,
    condition: dict[str, Any],
    schedule: str,
    actions: list[str],
    channels: list[str],
    options: dict[str, Any],
) -> tuple[Rule, str]:
    rule = await owned(source.connector, runtime, rule_id)
    changed = []
    if condition:
        await source.check(runtime, condition, options or rule.options)
        rule.condition = condition
        changed.append("condition")
    if options:
        await source.check(runtime, rule.condition, options)
        rule.options = options
        changed.append("options")
    if schedule:
        rule.schedule = schedule_text(parse_schedule(schedule, rule.owner.timezone))
        changed.append("schedule")
    if actions:
        rule.actions = _actions(source, actions)
        changed.append("actions")
    if channels or actions:
        rule.channels = _channels(rule.actions, channels or rule.channels)
    if channels:
        changed.append("channels")
    wanted = status.strip().lower()
    if wanted in ("pause", "paused"):
        rule.status, rule.paused_reason = "paused", "paused by its owner"
        changed.append("paused")
    elif wanted in ("resume", "active", "resumed"):
        rule.status, rule.paused_reason, rule.next_run_at = "active", "", time.time()
        changed.append("resumed")
    elif wanted:
        raise InvalidInput(f'status "{status[:40]}": use "pause" or "resume".')
    if not changed:
        raise InvalidInput("Nothing to change: give status (pause, resume), condition, schedule, actions or channels.")
    await (await rule_store()).save(rule)
    return rule, f"Rule {rule.id} ({rule.name}): {', '.join(changed)}."


async def delete(connector: str, runtime: Any, rule_id: str) -> Rule:
    rule = await owned(connector, runtime, rule_id)
    await (await rule_store()).delete(rule.id)
    return rule
