"""The rules' state on SQLite and on the real PostgreSQL: migrations, episodes, once-only records, claims, leases;
the schedule in the owner's zone; the Redis lease on the real Redis."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import redis

from shared.auth.db import open_database
from shared.errors import InvalidInput
from shared.rules import Owner, Rule
from shared.rules.lease import DatabaseLease, RedisLease
from shared.rules.schedule import parse_schedule
from shared.rules.store import COMPONENT, MIGRATIONS, RuleStore

pytestmark = pytest.mark.anyio


@pytest.fixture(params=["sqlite", "postgres"])
def store(request: pytest.FixtureRequest, tmp_path) -> Iterator[RuleStore]:
    url = request.getfixturevalue("postgres_url") if request.param == "postgres" else f"sqlite:///{tmp_path}/r.db"
    db = open_database(url)
    yield RuleStore(db)
    db.close()


def rule(rule_id: str = "r-1") -> Rule:
    owner = Owner(subject="", identity="jira:alice", account_id="a1", email="alice@example.com")
    return Rule(
        id=rule_id,
        connector="jira",
        name="stale blockers",
        owner=owner,
        condition={"blockers": True},
        schedule="every 30 minutes",
        actions=["follow_up", "alert"],
        channels=["email"],
        created_at=time.time(),
        next_run_at=0,
    )


async def test_migrations_apply_once_and_rules_round_trip(store: RuleStore):
    await store.start()
    await store.start()  # every start, every replica: idempotent
    assert await store.db.version(COMPONENT) == len(MIGRATIONS)
    await store.add(rule())
    found = await store.get("r-1")
    assert found is not None and found.owner.email == "alice@example.com" and found.condition == {"blockers": True}
    assert [r.id for r in await store.due(["jira"], time.time())] == ["r-1"]
    assert await store.due(["storage"], time.time()) == []
    await store.pause("r-1", "paused by its owner")
    assert await store.due(["jira"], time.time()) == []


async def test_an_item_that_stops_matching_and_matches_again_starts_a_new_episode(store: RuleStore):
    await store.start()
    await store.add(rule())
    assert await store.sync_matches("r-1", ["SHOP-1", "SHOP-2"], 1.0) == {"SHOP-1": 1, "SHOP-2": 1}
    assert await store.sync_matches("r-1", ["SHOP-1", "SHOP-2"], 2.0) == {"SHOP-1": 1, "SHOP-2": 1}
    assert await store.sync_matches("r-1", ["SHOP-2"], 3.0) == {"SHOP-2": 1}  # SHOP-1 stopped matching
    assert await store.sync_matches("r-1", ["SHOP-1", "SHOP-2"], 4.0) == {"SHOP-1": 2, "SHOP-2": 1}


async def test_an_action_is_recorded_once_and_an_alert_queues_one_delivery_per_channel_once(store: RuleStore):
    await store.start()
    await store.add(rule())
    assert await store.record_action("r-1", "SHOP-1", 1, "follow_up", {"text": "created SHOP-9"})
    assert not await store.record_action("r-1", "SHOP-1", 1, "follow_up", {"text": "again"})
    done = await store.actions_done("r-1", ["SHOP-1"])
    assert done == {("SHOP-1", 1, "follow_up"): {"text": "created SHOP-9"}}
    message = {"subject": "s", "text": "t", "lines": ["l"]}
    ids = await store.enqueue("r-1", [("SHOP-1", 1)], ["email", "slack"], message)
    assert len(ids) == 2
    assert await store.enqueue("r-1", [("SHOP-1", 1)], ["email"], message) == []  # already alerted
    due = await store.due_deliveries(time.time())
    assert [d[0] for d in due] == ids
    # Two runners claim the same attempt: one wins.
    assert await store.claim_delivery(ids[0], 0, time.time() + 300)
    assert not await store.claim_delivery(ids[0], 0, time.time() + 300)
    await store.delivery_failed(ids[1], "SMTP down", None)
    states = {d["id"]: (d["state"], d["attempts"]) for d in await store.deliveries("r-1")}
    assert states == {ids[0]: ("pending", 1), ids[1]: ("failed", 0)}


async def test_the_lease_is_held_by_one_runner_until_it_expires_or_is_released(store: RuleStore):
    await store.start()
    lease, now = DatabaseLease(store), time.time()
    assert await lease.take("runner", "a", 60, now)
    assert not await lease.take("runner", "b", 60, now + 1)
    assert await lease.take("runner", "a", 60, now + 2)  # the holder renews
    assert await lease.take("runner", "b", 60, now + 63)  # expired: taken over
    await lease.release("runner", "a")  # not the holder: nothing happens
    assert not await lease.take("runner", "a", 60, now + 64)
    await lease.release("runner", "b")
    assert await lease.take("runner", "a", 60, now + 65)


async def test_the_redis_lease_is_compare_and_set():
    prefix = f"ec-test-{uuid.uuid4().hex[:8]}:"
    lease = RedisLease("redis://127.0.0.1:6379/0", prefix)
    try:
        assert await lease.take("runner", "a", 30, 0)
        assert not await lease.take("runner", "b", 30, 0)
        await lease.release("runner", "b")
        assert not await lease.take("runner", "b", 30, 0)
        await lease.release("runner", "a")
        assert await lease.take("runner", "b", 30, 0)
    finally:
        redis.Redis.from_url("redis://127.0.0.1:6379/0").delete(f"{prefix}lease:runner")


def test_schedules_in_words_and_in_the_owners_zone():
    moment = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
    assert parse_schedule("every 30 min").next_after(moment) == datetime(2026, 12, 4, 10, 30, tzinfo=UTC)
    assert parse_schedule("toutes les 2 heures").next_after(moment) == datetime(2026, 12, 4, 12, 0, tzinfo=UTC)
    paris = parse_schedule("daily at 9:00", "Europe/Paris")  # 08:00 UTC in winter: tomorrow's
    assert paris.next_after(moment) == datetime(2026, 12, 5, 8, 0, tzinfo=UTC)
    assert parse_schedule("at 6pm", "America/New_York").next_after(moment) == datetime(2026, 12, 4, 23, 0, tzinfo=UTC)
    for wrong in ("every 1 minute", "sometimes", "at 25:00", "9"):
        with pytest.raises(InvalidInput, match="schedule"):
            parse_schedule(wrong)


def test_the_sandbox_clock_moves_forward_only(atlassian):
    before = httpx.get(f"{atlassian.url}/__sandbox/clock").json()["now"]
    after = httpx.post(f"{atlassian.url}/__sandbox/clock", json={"advance_hours": 48}).json()["now"]
    assert datetime.fromisoformat(after) - datetime.fromisoformat(before) >= timedelta(hours=48)
    server = httpx.get(f"{atlassian.url}/rest/api/3/serverInfo", auth=("alice@example.com", "token-alice")).json()
    assert server["serverTime"][:13] == datetime.fromisoformat(after).strftime("%Y-%m-%dT%H")
    refused = httpx.post(f"{atlassian.url}/__sandbox/clock", json={"advance_hours": -1})
    assert refused.status_code == 400 and "only moves forward" in refused.text
    atlassian.control.reset()
