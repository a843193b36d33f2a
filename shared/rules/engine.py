"""Running rules: what is due, as its owner, each match's actions once, then the alerts with retries.

One pass (`Engine.run_once`) is what the in-process loop does every tick and what
`connectors rules run --once` does from a CronJob. It holds the run lease first (`lease.py`), so
two replicas or two overlapping jobs never run the same rules at once.

Per due rule: the owner's credential is bound (`shared.caller.acting`) for the whole run, so the
rule sees and does only what its owner may; an owner who is disconnected pauses the rule with the
reason. The matches are recorded (`RuleStore.sync_matches`); each connector action not yet recorded
for an item's current episode is done by the connector (which first looks upstream for an earlier,
interrupted attempt) and recorded; then one alert for every item not yet alerted is queued, one
delivery per channel, in the same transaction that records the items as alerted. Deliveries are
sent afterwards, each on its own: a failure is retried with backoff (doubling) on later passes and
never repeats another action; after the last attempt the failure shows in the rule's status.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..caller import Caller, acting
from ..credentials import CredentialProvider
from ..dates import local
from ..errors import AuthFailed, ConnectorError
from . import channels as ch
from .lease import Lease
from .model import ALERT, Done, Found, Item, Rule, RuleSource, age_words
from .schedule import parse_schedule
from .settings import RulesSettings
from .store import RuleStore

log = logging.getLogger(__name__)
LEASE = "rules-runner"
DISCONNECTED = "paused: the owner's account is disconnected ({why}); they reconnect by signing in again, then resume it"


@dataclass
class Bound:
    """A connector's rules: its declaration and a runtime to act with (credentials per owner)."""

    source: RuleSource
    runtime: Any  # has `.credentials: CredentialProvider`


@dataclass
class Report:
    ran: list[str] = field(default_factory=list)  # rule ids
    skipped: str = ""  # why nothing ran (another runner holds the lease)
    sent: int = 0
    failed: int = 0

    def __str__(self) -> str:
        if self.skipped:
            return self.skipped
        return f"{len(self.ran)} rules run, {self.sent} alerts sent, {self.failed} alert attempts failed"


async def bind_owner(runtime: Any, subject: str) -> Any:
    """Act as the rule's owner from here on (returns the token to reset `acting` with)."""
    provider: CredentialProvider = runtime.credentials
    credential = await provider.for_caller(Caller(subject=subject))
    return acting.set(credential)


class Engine:
    def __init__(
        self,
        store: RuleStore,
        settings: RulesSettings,
        bound: Mapping[str, Bound],
        lease: Lease,
        clock: Callable[[], float] = time.time,
    ):
        self.store, self.settings, self.bound, self.lease, self.clock = store, settings, dict(bound), lease, clock
        self.holder = secrets.token_hex(8)

    async def run_once(self, now: float | None = None) -> Report:
        report = Report()
        moment = self.clock() if now is None else now
        if not await self.lease.take(LEASE, self.holder, self.settings.rules_lease_seconds, moment):
            report.skipped = "another runner is running the rules now; nothing done"
            return report
        try:
            for rule in await self.store.due(list(self.bound), moment):
                # Renew before each rule: a long pass keeps its lease, and one that lost it stops here.
                if not await self.lease.take(LEASE, self.holder, self.settings.rules_lease_seconds, self.clock()):
                    break
                try:
                    await self.run_rule(rule, moment)
                except Exception:  # noqa: BLE001 - one rule's bug must not stop the others; logged, said in its status
                    log.exception("rule %s: the run failed", rule.id)
                    await self.store.note_error(rule.id, "the last run failed unexpectedly; see the server logs")
                report.ran.append(rule.id)
            await self.deliver_due(moment, report)
        finally:
            await self.lease.release(LEASE, self.holder)
        return report

    async def run_rule(self, rule: Rule, now: float) -> None:
        bound = self.bound[rule.connector]
        moment = datetime.fromtimestamp(now, UTC)
        next_run = parse_schedule(rule.schedule, rule.owner.timezone).next_after(moment).timestamp()
        try:
            token = await bind_owner(bound.runtime, rule.owner.subject)
        except AuthFailed as exc:
            await self.store.pause(rule.id, DISCONNECTED.format(why=_reason(exc)))
            return
        try:
            found = await bound.source.find(bound.runtime, rule)
            error, new = await self._act(bound, rule, found, now)
            keys = [i.key for i in found.items]
            result = {"matched": len(keys), "new": new, "keys": keys[:20], "note": found.note}
            await self.store.ran(rule.id, now, next_run, result, error)
        except AuthFailed as exc:
            await self.store.pause(rule.id, DISCONNECTED.format(why=_reason(exc)))
        except ConnectorError as exc:  # the upstream failed: try again at the next run, say so meanwhile
            await self.store.ran(rule.id, now, next_run, rule.last_result, f"last run failed: {exc}")
        finally:
            acting.reset(token)

    async def _act(self, bound: Bound, rule: Rule, found: Found, now: float) -> tuple[str, int]:
        """Every action due for the matches; returns the first failure in words ("" if none) and how many
        matches are new (nothing done for them yet)."""
        episodes = await self.store.sync_matches(rule.id, [i.key for i in found.items], now)
        done = await self.store.actions_done(rule.id, list(episodes))
        items = {i.key: i for i in found.items}
        new = sum(1 for k, e in episodes.items() if not any((k, e, a) in done for a in rule.actions))
        error = ""
        ready: list[tuple[str, int]] = []
        for key, episode in episodes.items():
            try:
                for action in rule.actions:
                    if action == ALERT or (key, episode, action) in done:
                        continue
                    did = await bound.source.act(bound.runtime, rule, items[key], action, episode, found.now)
                    await self.store.record_action(rule.id, key, episode, action, asdict(did))
                    done[(key, episode, action)] = asdict(did)
            except AuthFailed:
                raise
            except ConnectorError as exc:  # this item's remaining actions wait for the next run
                error = error or f"{key}: {exc}"
                continue
            if ALERT in rule.actions and (key, episode, ALERT) not in done:
                ready.append((key, episode))
        if ready:
            alert = compose(rule, [items[k] for k, _ in ready], [done_for(done, k, e) for k, e in ready], found.now)
            await self.store.enqueue(rule.id, ready, [ch.shown(c) for c in rule.channels], asdict(alert))
        return error, new

    async def deliver_due(self, now: float, report: Report) -> None:
        attempts_max = self.settings.rules_delivery_attempts
        for delivery_id, rule_id, index, message, attempts in await self.store.due_deliveries(now):
            rule = await self.store.get(rule_id)
            if rule is None:
                continue
            if index >= len(rule.channels):  # the rule's channels changed since: nowhere to send it
                await self.store.delivery_failed(delivery_id, "the rule no longer has this channel", None)
                continue
            channel = rule.channels[index]
            # A claim pushes the next attempt past this one: a runner that dies mid-send is retried later.
            if not await self.store.claim_delivery(delivery_id, attempts, now + self.settings.rules_lease_seconds):
                continue
            try:
                await ch.send(channel, ch.Alert(**message), rule.owner.email, self.settings)
            except ch.DeliveryFailed as exc:
                report.failed += 1
                tried = attempts + 1
                if tried >= attempts_max:
                    await self.store.delivery_failed(delivery_id, str(exc), None)
                    await self.store.note_error(
                        rule_id, f"alert by {ch.shown(channel)} given up after {tried} attempts: {exc}"
                    )
                else:
                    retry_at = now + self.settings.rules_retry_seconds * 2 ** (tried - 1)
                    await self.store.delivery_failed(delivery_id, str(exc), retry_at)
                log.warning("rule %s: alert by %s failed (attempt %d): %s", rule_id, ch.shown(channel), tried, exc)
                continue
            await self.store.delivered(delivery_id, now)
            report.sent += 1


def _reason(exc: Exception) -> str:
    return str(getattr(exc, "reason", "") or "its sign-in was refused")


def done_for(done: Mapping[tuple[str, int, str], Mapping[str, Any]], key: str, episode: int) -> list[Done]:
    return [Done(**d) for (k, e, a), d in done.items() if k == key and e == episode and a != ALERT and "text" in d]


def compose(rule: Rule, items: list[Item], did: list[list[Done]], upstream_now: datetime) -> ch.Alert:
    """The owner's alert: what matched, since when, with links, and what the rule did."""
    tz = rule.owner.timezone
    lines, plain = [], []
    for item, actions in zip(items, did, strict=True):
        since = ""
        if item.since is not None:
            age = age_words((upstream_now - item.since).total_seconds())
            since = f", since {local(item.since, tz)} ({age})"
        why = f" ({item.why})" if item.why else ""
        what = "; ".join(d.text for d in actions)
        lines.append(f"[{item.key}]({item.url}) {item.title}{why}{since}" + (f". Done: {what}" if what else ""))
        plain.append(f"- {item.key} {item.title}{why}{since}\n  {item.url}" + (f"\n  Done: {what}" if what else ""))
    count = f"{len(items)} new match{'es' if len(items) != 1 else ''}"
    subject = f'Rule "{rule.name}": {count}'
    text = f"{subject}\n\n" + "\n".join(plain) + f"\n\nRule {rule.id}; times in {tz}."
    return ch.Alert(subject=subject, text=text, lines=lines)
