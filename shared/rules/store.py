"""Rules, matches, actions done and deliveries, in the vault's database (`shared.auth.db`).

Tables are the `rules` component's migrations (applied by `RuleStore.start`, safe from several
replicas at once). Once-per-match lives here: a match row per (rule, item) carries an episode
number that grows each time the item starts matching again; an action is recorded per (rule,
item, episode, action) and a delivery per (rule, run, channel), both under primary keys, so a
retry, a restart or a second replica can never record the same thing twice.
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from ..auth.crypto import KeyRing
from ..auth.db import Database, Tx
from .channels import seal, unseal
from .model import Owner, Rule

COMPONENT = "rules"
MIGRATIONS: list[list[str]] = [
    [
        """CREATE TABLE rules (
            id TEXT PRIMARY KEY,
            connector TEXT NOT NULL,
            owner_subject TEXT NOT NULL,
            owner_identity TEXT NOT NULL,
            body TEXT NOT NULL,
            status TEXT NOT NULL,
            paused_reason TEXT NOT NULL DEFAULT '',
            created_at DOUBLE PRECISION NOT NULL,
            next_run_at DOUBLE PRECISION NOT NULL,
            last_run_at DOUBLE PRECISION,
            last_result TEXT NOT NULL DEFAULT '{}',
            last_error TEXT NOT NULL DEFAULT ''
        )""",
        "CREATE INDEX rules_owner ON rules (connector, owner_identity)",
        """CREATE TABLE rule_matches (
            rule_id TEXT NOT NULL,
            item_key TEXT NOT NULL,
            episode INTEGER NOT NULL,
            active INTEGER NOT NULL,
            first_seen DOUBLE PRECISION NOT NULL,
            last_seen DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (rule_id, item_key)
        )""",
        """CREATE TABLE rule_actions (
            rule_id TEXT NOT NULL,
            item_key TEXT NOT NULL,
            episode INTEGER NOT NULL,
            action TEXT NOT NULL,
            result TEXT NOT NULL,
            done_at DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (rule_id, item_key, episode, action)
        )""",
        """CREATE TABLE rule_deliveries (
            id TEXT PRIMARY KEY,
            rule_id TEXT NOT NULL,
            channel TEXT NOT NULL,
            message TEXT NOT NULL,
            state TEXT NOT NULL,
            attempts INTEGER NOT NULL DEFAULT 0,
            next_attempt_at DOUBLE PRECISION NOT NULL,
            last_error TEXT NOT NULL DEFAULT '',
            created_at DOUBLE PRECISION NOT NULL,
            sent_at DOUBLE PRECISION
        )""",
        "CREATE INDEX rule_deliveries_due ON rule_deliveries (state, next_attempt_at)",
        """CREATE TABLE rule_leases (
            name TEXT PRIMARY KEY,
            holder TEXT NOT NULL,
            expires_at DOUBLE PRECISION NOT NULL
        )""",
    ],
]

RULE_COLUMNS = (
    "id, connector, owner_subject, owner_identity, body, status, paused_reason, created_at, next_run_at, "
    "last_run_at, last_result, last_error"
)


def new_rule_id(owner: str = "", idempotency_key: str = "") -> str:
    """A fresh id, or with an idempotency key the same id for the same owner and key (a retried create)."""
    if not idempotency_key:
        return "r-" + secrets.token_hex(4)
    return "r-" + hashlib.sha256(f"{owner}\0{idempotency_key}".encode()).hexdigest()[:8]


def _rule(row: tuple[Any, ...], keys: KeyRing | None) -> Rule:
    body = json.loads(row[4])
    return Rule(
        id=row[0],
        connector=row[1],
        owner=Owner(**body["owner"]),
        name=body["name"],
        condition=body["condition"],
        schedule=body["schedule"],
        actions=body["actions"],
        channels=[unseal(c, keys, row[0]) for c in body["channels"]],
        options=body.get("options", {}),
        status=row[5],
        paused_reason=row[6],
        created_at=float(row[7]),
        next_run_at=float(row[8]),
        last_run_at=None if row[9] is None else float(row[9]),
        last_result=json.loads(row[10] or "{}"),
        last_error=row[11],
    )


def _body(rule: Rule, keys: KeyRing | None) -> str:
    return json.dumps(
        {
            "owner": asdict(rule.owner),
            "name": rule.name,
            "condition": rule.condition,
            "schedule": rule.schedule,
            "actions": rule.actions,
            "channels": [seal(c, keys, rule.id) for c in rule.channels],
            "options": rule.options,
        },
        sort_keys=True,
    )


class RuleStore:
    def __init__(self, db: Database, keys: KeyRing | None = None):
        self.db, self.keys = db, keys

    async def start(self) -> None:
        await self.db.migrate(COMPONENT, MIGRATIONS)

    # -- rules -----------------------------------------------------------------------------------
    async def add(self, rule: Rule) -> bool:
        """Store a new rule; False if one with its id exists (a create retried with the same idempotency key)."""

        def work(tx: Tx) -> bool:
            return (
                tx.exec(
                    f"INSERT INTO rules ({RULE_COLUMNS}) VALUES ({', '.join('?' * 12)}) ON CONFLICT DO NOTHING",
                    (
                        rule.id,
                        rule.connector,
                        rule.owner.subject,
                        rule.owner.identity,
                        _body(rule, self.keys),
                        rule.status,
                        rule.paused_reason,
                        rule.created_at,
                        rule.next_run_at,
                        rule.last_run_at,
                        json.dumps(rule.last_result),
                        rule.last_error,
                    ),
                )
                > 0
            )

        return await self.db.run(work)

    async def save(self, rule: Rule) -> None:
        """Write a changed rule's definition and status (not its run results)."""

        def work(tx: Tx) -> None:
            tx.exec(
                "UPDATE rules SET body = ?, status = ?, paused_reason = ?, next_run_at = ? WHERE id = ?",
                (_body(rule, self.keys), rule.status, rule.paused_reason, rule.next_run_at, rule.id),
            )

        await self.db.run(work)

    async def get(self, rule_id: str) -> Rule | None:
        row = await self.db.run(
            lambda tx: tx.one(f"SELECT {RULE_COLUMNS} FROM rules WHERE id = ?", (rule_id,)), read_only=True
        )
        return None if row is None else _rule(row, self.keys)

    async def owned(self, connector: str, owner_identity: str) -> list[Rule]:
        rows = await self.db.run(
            lambda tx: tx.rows(
                f"SELECT {RULE_COLUMNS} FROM rules WHERE connector = ? AND owner_identity = ? ORDER BY created_at",
                (connector, owner_identity),
            ),
            read_only=True,
        )
        return [_rule(r, self.keys) for r in rows]

    async def due(self, connectors: Sequence[str], now: float) -> list[Rule]:
        rows = await self.db.run(
            lambda tx: tx.rows(
                f"SELECT {RULE_COLUMNS} FROM rules WHERE status = 'active' AND next_run_at <= ? ORDER BY next_run_at",
                (now,),
            ),
            read_only=True,
        )
        return [r for r in (_rule(row, self.keys) for row in rows) if r.connector in connectors]

    async def delete(self, rule_id: str) -> None:
        def work(tx: Tx) -> None:
            for table in ("rule_matches", "rule_actions", "rule_deliveries"):
                tx.exec(f"DELETE FROM {table} WHERE rule_id = ?", (rule_id,))
            tx.exec("DELETE FROM rules WHERE id = ?", (rule_id,))

        await self.db.run(work)

    async def pause(self, rule_id: str, reason: str) -> None:
        await self.db.run(
            lambda tx: tx.exec("UPDATE rules SET status = 'paused', paused_reason = ? WHERE id = ?", (reason, rule_id))
        )

    async def ran(self, rule_id: str, now: float, next_run_at: float, result: dict[str, Any], error: str) -> None:
        await self.db.run(
            lambda tx: tx.exec(
                "UPDATE rules SET last_run_at = ?, next_run_at = ?, last_result = ?, last_error = ? WHERE id = ?",
                (now, next_run_at, json.dumps(result), error, rule_id),
            )
        )

    # -- matches ---------------------------------------------------------------------------------
    async def sync_matches(self, rule_id: str, keys: Sequence[str], now: float) -> dict[str, int]:
        """Record what matches now; returns every matching key with its episode. An item that had stopped
        matching starts a new episode; one no longer matching is marked so, and will start another."""

        def work(tx: Tx) -> dict[str, int]:
            known = {
                r[0]: (int(r[1]), bool(r[2]))
                for r in tx.rows("SELECT item_key, episode, active FROM rule_matches WHERE rule_id = ?", (rule_id,))
            }
            episodes: dict[str, int] = {}
            for key in keys:
                found = known.get(key)
                if found is None:
                    tx.exec(
                        "INSERT INTO rule_matches (rule_id, item_key, episode, active, first_seen, last_seen) "
                        "VALUES (?, ?, 1, 1, ?, ?)",
                        (rule_id, key, now, now),
                    )
                    episodes[key] = 1
                elif found[1]:
                    tx.exec(
                        "UPDATE rule_matches SET last_seen = ? WHERE rule_id = ? AND item_key = ?", (now, rule_id, key)
                    )
                    episodes[key] = found[0]
                else:
                    tx.exec(
                        "UPDATE rule_matches SET episode = episode + 1, active = 1, first_seen = ?, last_seen = ? "
                        "WHERE rule_id = ? AND item_key = ?",
                        (now, now, rule_id, key),
                    )
                    episodes[key] = found[0] + 1
            gone = [k for k, (_, active) in known.items() if active and k not in episodes]
            for key in gone:
                tx.exec("UPDATE rule_matches SET active = 0 WHERE rule_id = ? AND item_key = ?", (rule_id, key))
            return episodes

        return await self.db.run(work)

    # -- actions ---------------------------------------------------------------------------------
    async def actions_done(self, rule_id: str, keys: Sequence[str]) -> dict[tuple[str, int, str], dict[str, Any]]:
        """(item, episode, action) -> what it did, for these items."""
        wanted = set(keys)
        rows = await self.db.run(
            lambda tx: tx.rows(
                "SELECT item_key, episode, action, result FROM rule_actions WHERE rule_id = ?", (rule_id,)
            ),
            read_only=True,
        )
        return {(r[0], int(r[1]), r[2]): json.loads(r[3]) for r in rows if r[0] in wanted}

    async def record_action(self, rule_id: str, key: str, episode: int, action: str, result: dict[str, Any]) -> bool:
        """Record an action once; False if it was already recorded (another runner got there first)."""

        def work(tx: Tx) -> bool:
            return (
                tx.exec(
                    "INSERT INTO rule_actions (rule_id, item_key, episode, action, result, done_at) "
                    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (rule_id, key, episode, action, json.dumps(result), time.time()),
                )
                > 0
            )

        return await self.db.run(work)

    # -- deliveries ------------------------------------------------------------------------------
    async def enqueue(
        self, rule_id: str, alerted: Sequence[tuple[str, int]], channels: Sequence[str], message: dict[str, Any]
    ) -> list[str]:
        """One delivery per channel for one alert, and the alert recorded for each item, in one transaction.

        `channels` are as people see them (`channels.shown`): a delivery names its channel by its index in the
        rule's channels, never by a webhook URL."""
        now = time.time()
        batch = secrets.token_hex(4)

        def work(tx: Tx) -> list[str]:
            ids: list[str] = []
            fresh = 0
            for key, episode in alerted:
                fresh += tx.exec(
                    "INSERT INTO rule_actions (rule_id, item_key, episode, action, result, done_at) "
                    "VALUES (?, ?, ?, 'alert', ?, ?) ON CONFLICT DO NOTHING",
                    (rule_id, key, episode, json.dumps({"batch": batch}), now),
                )
            if not fresh:  # another runner alerted about these already
                return ids
            for index, channel in enumerate(channels):
                delivery = f"{rule_id}:{batch}:{index}"
                tx.exec(
                    "INSERT INTO rule_deliveries (id, rule_id, channel, message, state, attempts, next_attempt_at, "
                    "created_at) VALUES (?, ?, ?, ?, 'pending', 0, 0, ?)",  # due at once
                    (delivery, rule_id, f"{index}|{channel}", json.dumps(message), now),
                )
                ids.append(delivery)
            return ids

        return await self.db.run(work)

    async def due_deliveries(self, now: float) -> list[tuple[str, str, int, dict[str, Any], int]]:
        """(id, rule id, index of the rule's channel, message, attempts so far) of deliveries due now."""
        rows = await self.db.run(
            lambda tx: tx.rows(
                "SELECT id, rule_id, channel, message, attempts FROM rule_deliveries "
                "WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY created_at",
                (now,),
            ),
            read_only=True,
        )
        return [(r[0], r[1], int(r[2].partition("|")[0]), json.loads(r[3]), int(r[4])) for r in rows]

    async def claim_delivery(self, delivery_id: str, attempts: int, until: float) -> bool:
        """Take one attempt of a delivery (compare-and-set on its attempt count): two runners never both send."""
        return bool(
            await self.db.run(
                lambda tx: tx.exec(
                    "UPDATE rule_deliveries SET attempts = attempts + 1, next_attempt_at = ? "
                    "WHERE id = ? AND state = 'pending' AND attempts = ?",
                    (until, delivery_id, attempts),
                )
            )
        )

    async def delivered(self, delivery_id: str, now: float) -> None:
        await self.db.run(
            lambda tx: tx.exec(
                "UPDATE rule_deliveries SET state = 'sent', sent_at = ?, last_error = '' WHERE id = ?",
                (now, delivery_id),
            )
        )

    async def delivery_failed(self, delivery_id: str, error: str, retry_at: float | None) -> None:
        """A failed attempt: retried at `retry_at`, or given up (None)."""
        state = "pending" if retry_at is not None else "failed"
        await self.db.run(
            lambda tx: tx.exec(
                "UPDATE rule_deliveries SET state = ?, last_error = ?, next_attempt_at = ? WHERE id = ?",
                (state, error, retry_at if retry_at is not None else 0.0, delivery_id),
            )
        )

    async def deliveries(self, rule_id: str) -> list[dict[str, Any]]:
        rows = await self.db.run(
            lambda tx: tx.rows(
                "SELECT id, channel, state, attempts, last_error, created_at, sent_at FROM rule_deliveries "
                "WHERE rule_id = ? ORDER BY created_at",
                (rule_id,),
            ),
            read_only=True,
        )
        names = ("id", "channel", "state", "attempts", "last_error", "created_at", "sent_at")
        return [dict(zip(names, (r[0], r[1].partition("|")[2], *r[2:]), strict=True)) for r in rows]

    async def note_error(self, rule_id: str, error: str) -> None:
        """A failure that belongs in the rule's status (an alert given up) without a run."""
        await self.db.run(lambda tx: tx.exec("UPDATE rules SET last_error = ? WHERE id = ?", (error, rule_id)))
