"""What a rule is, and what a connector declares so the engine can run rules over its data.

A rule belongs to its owner and runs as them. Its condition is the connector's own search words
(for Jira: `jira_search_issues`' filters); the engine never reads it, only stores it and hands it
back to the connector's `RuleSource`. The engine's own action is `alert` (the channels); every
other action (`follow_up`, `mention`...) is the connector's, done by `RuleSource.act`, which must
be safe to repeat after a crash: it looks upstream for what it already did before doing it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

ALERT = "alert"  # the engine's action: tell the owner on the rule's channels


@dataclass(frozen=True)
class Owner:
    """Who a rule runs as and whom it alerts, as the upstream knows them."""

    subject: str  # the sign-in subject ("" with a configured API token: the configured account)
    identity: str  # the upstream credential's identity (per-user keys, audit)
    account_id: str = ""
    name: str = ""
    email: str = ""
    timezone: str = "UTC"


@dataclass
class Rule:
    id: str
    connector: str
    name: str
    owner: Owner
    condition: dict[str, Any]  # the connector's search words, as given
    schedule: str  # words `parse_schedule` reads, in the owner's time zone
    actions: list[str]
    channels: list[str]  # "email", "email:a@b.c", "slack", "slack:<url>", "teams", "teams:<url>"
    options: dict[str, Any] = field(default_factory=dict)  # connector action options (follow-up assignee...)
    status: str = "active"  # active | paused
    paused_reason: str = ""
    created_at: float = 0.0
    next_run_at: float = 0.0
    last_run_at: float | None = None
    last_result: dict[str, Any] = field(default_factory=dict)  # matched, new, keys, note
    last_error: str = ""


@dataclass(frozen=True)
class Item:
    """One thing a condition matched (an issue, a mail, a file)."""

    key: str
    title: str
    url: str
    since: datetime | None = None  # since when it has matched (e.g. the blocker's last status change)
    why: str = ""


@dataclass(frozen=True)
class Found:
    items: list[Item]
    now: datetime  # the upstream's clock: ages are measured with it
    note: str = ""  # e.g. "OPS is not visible to you": said in the rule's status


@dataclass(frozen=True)
class Done:
    """What an action did, in words for the alert, with the object it made if any."""

    text: str
    ref: str = ""
    url: str = ""


class RuleSource(Protocol):
    """What a connector declares: its conditions and actions over its own data."""

    @property
    def connector(self) -> str:
        """The connector's name, e.g. "jira"."""
        ...

    @property
    def actions(self) -> Mapping[str, str]:
        """Action name -> what it does (the engine adds `alert`)."""
        ...

    async def check(self, runtime: Any, condition: dict[str, Any], options: dict[str, Any]) -> str:
        """Validate a condition (raise InvalidInput with how to fix it); return it in words."""
        ...

    async def owner(self, runtime: Any, subject: str) -> Owner:
        """The person the runtime acts as now (inside `engine.acting_as`)."""
        ...

    async def find(self, runtime: Any, rule: Rule) -> Found: ...

    async def act(self, runtime: Any, rule: Rule, item: Item, action: str, episode: int, now: datetime) -> Done:
        """Do `action` for `item` once: if an earlier, interrupted attempt already did it upstream, return that."""
        ...


def age_words(seconds: float) -> str:
    """A duration as people say it: "54h", "4d 2h", "35 min"."""
    minutes = max(0, int(seconds // 60))
    if minutes < 60:
        return f"{minutes} min"
    hours = minutes // 60
    if hours < 72:
        return f"{hours}h"
    days, rest = divmod(hours, 24)
    return f"{days}d {rest}h" if rest else f"{days}d"
