"""The engine knows no connector: a mail-like source ("a mail from this customer unanswered for 24 hours")
declared in a few lines gets schedules, once-per-match, retries of its own failed actions and alerts."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pydantic import SecretStr

from shared.credentials import ConfiguredAccount, Credential
from shared.errors import UpstreamUnavailable
from shared.rules import Done, Found, Item, Owner, Rule
from shared.rules.engine import Bound, Engine
from shared.rules.lease import DatabaseLease
from shared.rules.service import load_rules_settings, rule_store

pytestmark = pytest.mark.anyio
NOW = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


@dataclass
class Inbox:
    """What a mail connector would declare: unanswered mails as items, "draft_reply" as its action."""

    connector: str = "mail"
    actions: dict[str, str] = field(default_factory=lambda: {"draft_reply": "draft a reply"})
    unanswered: dict[str, datetime] = field(default_factory=dict)
    drafted: list[str] = field(default_factory=list)
    failing: int = 0

    async def check(self, runtime: Any, condition: dict[str, Any], options: dict[str, Any]) -> str:
        return f"unanswered from {condition['from']}"

    async def owner(self, runtime: Any, subject: str) -> Owner:
        return Owner(subject=subject, identity="mail:alice", email="alice@example.com")

    async def find(self, runtime: Any, rule: Rule) -> Found:
        mails = self.unanswered.items()
        return Found([Item(key, f"Mail {key}", f"https://mail.example/{key}", since) for key, since in mails], NOW)

    async def act(self, runtime: Any, rule: Rule, item: Item, action: str, episode: int, now: datetime) -> Done:
        if self.failing:
            self.failing -= 1
            raise UpstreamUnavailable("Mail is having trouble (HTTP 503). Try again shortly.")
        self.drafted.append(f"{item.key}#{episode}")
        return Done(text=f"drafted a reply to {item.key}")


@dataclass
class Runtime:
    credentials: ConfiguredAccount


async def test_any_connector_gets_once_per_match_retries_and_alerts(rules_env: dict[str, str], smtp: Any):
    store = await rule_store()
    source = Inbox(unanswered={"m1": NOW - timedelta(hours=30), "m2": NOW - timedelta(hours=26)})
    runtime = Runtime(ConfiguredAccount(Credential("mail:alice", "bearer", SecretStr("secret"))))
    engine = Engine(store, load_rules_settings(), {"mail": Bound(source, runtime)}, DatabaseLease(store))
    owner = await source.owner(runtime, "")
    rule = Rule(
        "r-mail",
        "mail",
        "customer",
        owner,
        {"from": "acme.com"},
        "every 60 minutes",
        ["draft_reply", "alert"],
        ["email"],
        created_at=0,
        next_run_at=0,
    )
    await store.add(rule)
    start = time.time()

    source.failing = 1  # the first draft fails: that item waits, the other goes on
    await engine.run_once(now=start)
    assert len(source.drafted) == 1 and len(smtp.messages) == 1 and "1 new match" in smtp.messages[0].subject
    stored = await store.get("r-mail")
    assert stored is not None and "Mail is having trouble" in stored.last_error

    await engine.run_once(now=start + 3601)  # the failed draft is done now, the other not again
    assert sorted(source.drafted) == ["m1#1", "m2#1"] and len(smtp.messages) == 2
    assert "since" in smtp.messages[1].text and "(3" in smtp.messages[0].text + smtp.messages[1].text

    del source.unanswered["m1"]  # answered
    await engine.run_once(now=start + 7202)
    source.unanswered["m1"] = NOW  # a new unanswered mail in the same thread: it matches again
    await engine.run_once(now=start + 10803)
    assert sorted(source.drafted) == ["m1#1", "m1#2", "m2#1"] and len(smtp.messages) == 3
