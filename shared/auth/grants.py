"""What the authorization server remembers between requests: pending logins, codes, refresh-token families.

Codes, refresh tokens and pending-login ids are random bearer values; only their SHA-256 is stored,
so a database dump grants nothing. Each successful code exchange starts a *family*: every refresh
token it leads to belongs to it. A refresh token works once (rotation); presenting a used one again
means it leaked, so the whole family is revoked (RFC 9700 §4.14.2) and the person signs in again.
A code presented twice revokes the family it produced (RFC 6749 §4.1.2).
"""

from __future__ import annotations

import hashlib
import json
import secrets
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

from .db import Database, Tx

MIGRATIONS: list[list[str]] = [
    [
        """CREATE TABLE oauth_clients (
            client_id TEXT PRIMARY KEY,
            ciphertext TEXT NOT NULL,
            created_at DOUBLE PRECISION NOT NULL
        )""",
        """CREATE TABLE oauth_pending (
            id_hash TEXT PRIMARY KEY,
            payload TEXT NOT NULL,
            expires_at DOUBLE PRECISION NOT NULL
        )""",
        """CREATE TABLE oauth_codes (
            code_hash TEXT PRIMARY KEY,
            payload TEXT NOT NULL,
            expires_at DOUBLE PRECISION NOT NULL,
            used_at DOUBLE PRECISION,
            family_id TEXT
        )""",
        """CREATE TABLE oauth_families (
            family_id TEXT PRIMARY KEY,
            subject TEXT NOT NULL,
            client_id TEXT NOT NULL,
            created_at DOUBLE PRECISION NOT NULL,
            revoked_at DOUBLE PRECISION
        )""",
        """CREATE TABLE oauth_refresh_tokens (
            token_hash TEXT PRIMARY KEY,
            family_id TEXT NOT NULL,
            payload TEXT NOT NULL,
            expires_at DOUBLE PRECISION NOT NULL,
            used_at DOUBLE PRECISION
        )""",
        "CREATE INDEX oauth_families_subject ON oauth_families (subject)",
        "CREATE INDEX oauth_refresh_tokens_family ON oauth_refresh_tokens (family_id)",
    ],
]


def digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def new_secret() -> str:
    return secrets.token_urlsafe(32)  # 256 bits


@dataclass(frozen=True)
class Grant:
    """Who granted what to whom: carried by a code and by each refresh token of a family."""

    client_id: str
    subject: str
    scopes: list[str]
    resource: str


@dataclass(frozen=True)
class CodeRecord:
    grant: Grant
    code_challenge: str
    redirect_uri: str
    redirect_uri_provided_explicitly: bool
    expires_at: float
    used: bool


@dataclass(frozen=True)
class RefreshRecord:
    grant: Grant
    family_id: str
    expires_at: float
    used: bool
    revoked: bool


class GrantStore:
    def __init__(self, db: Database, *, clock: Callable[[], float] = time.time):
        self.db, self.clock = db, clock

    async def start(self) -> None:
        await self.db.migrate("oauth", MIGRATIONS)

    # -- pending logins (between /authorize and the upstream's callback) ----------------------------
    async def save_pending(self, payload: dict[str, Any], ttl_seconds: float) -> str:
        pending_id = new_secret()
        await self.db.run(
            lambda tx: tx.exec(
                "INSERT INTO oauth_pending (id_hash, payload, expires_at) VALUES (?, ?, ?)",
                (digest(pending_id), json.dumps(payload), self.clock() + ttl_seconds),
            )
        )
        return pending_id

    async def peek_pending(self, pending_id: str) -> dict[str, Any] | None:
        row = await self.db.run(
            lambda tx: tx.one(
                "SELECT payload FROM oauth_pending WHERE id_hash = ? AND expires_at > ?",
                (digest(pending_id), self.clock()),
            )
        )
        return None if row is None else json.loads(row[0])

    async def take_pending(self, pending_id: str) -> dict[str, Any] | None:
        """Read and delete in one transaction: a pending login completes at most once."""

        def take(tx: Tx) -> dict[str, Any] | None:
            row = tx.one(
                "SELECT payload FROM oauth_pending WHERE id_hash = ? AND expires_at > ?",
                (digest(pending_id), self.clock()),
            )
            if row is None or tx.exec("DELETE FROM oauth_pending WHERE id_hash = ?", (digest(pending_id),)) != 1:
                return None
            payload: dict[str, Any] = json.loads(row[0])
            return payload

        return await self.db.run(take)

    async def advance_pending(self, pending_id: str, step: int, payload: dict[str, Any]) -> bool:
        """Replace a pending login's payload if it is still at `step` (a login through several upstreams moves
        on once per callback); False when it is gone, expired or already moved on."""

        def advance(tx: Tx) -> bool:
            row = tx.one(
                "SELECT payload FROM oauth_pending WHERE id_hash = ? AND expires_at > ?",
                (digest(pending_id), self.clock()),
            )
            if row is None or int(json.loads(row[0]).get("step", 0)) != step:
                return False
            updated = tx.exec(
                "UPDATE oauth_pending SET payload = ? WHERE id_hash = ? AND payload = ?",
                (json.dumps(payload), digest(pending_id), row[0]),
            )
            return updated == 1

        return await self.db.run(advance)

    # -- authorization codes ---------------------------------------------------------------------------
    async def save_code(
        self, grant: Grant, *, code_challenge: str, redirect_uri: str, explicit: bool, ttl_seconds: float
    ) -> str:
        code = new_secret()
        payload = {
            "grant": asdict(grant),
            "code_challenge": code_challenge,
            "redirect_uri": redirect_uri,
            "explicit": explicit,
        }
        await self.db.run(
            lambda tx: tx.exec(
                "INSERT INTO oauth_codes (code_hash, payload, expires_at) VALUES (?, ?, ?)",
                (digest(code), json.dumps(payload), self.clock() + ttl_seconds),
            )
        )
        return code

    async def load_code(self, code: str) -> CodeRecord | None:
        row = await self.db.run(
            lambda tx: tx.one(
                "SELECT payload, expires_at, used_at FROM oauth_codes WHERE code_hash = ?", (digest(code),)
            )
        )
        if row is None:
            return None
        payload = json.loads(row[0])
        return CodeRecord(
            grant=Grant(**payload["grant"]),
            code_challenge=payload["code_challenge"],
            redirect_uri=payload["redirect_uri"],
            redirect_uri_provided_explicitly=payload["explicit"],
            expires_at=float(row[1]),
            used=row[2] is not None,
        )

    async def redeem_code(self, code: str, grant: Grant) -> str | None:
        """Mark the code used and start a family; None if it was already used (its family is then revoked)."""

        def redeem(tx: Tx) -> str | None:
            family_id = new_secret()
            now = self.clock()
            claimed = tx.exec(
                "UPDATE oauth_codes SET used_at = ?, family_id = ? WHERE code_hash = ? AND used_at IS NULL",
                (now, family_id, digest(code)),
            )
            if claimed != 1:
                row = tx.one("SELECT family_id FROM oauth_codes WHERE code_hash = ?", (digest(code),))
                if row and row[0]:
                    self._revoke_family(tx, row[0])
                return None
            tx.exec(
                "INSERT INTO oauth_families (family_id, subject, client_id, created_at) VALUES (?, ?, ?, ?)",
                (family_id, grant.subject, grant.client_id, now),
            )
            return family_id

        return await self.db.run(redeem)

    # -- refresh tokens ----------------------------------------------------------------------------------
    async def save_refresh(self, family_id: str, grant: Grant, ttl_seconds: float) -> tuple[str, float]:
        token = new_secret()
        expires_at = self.clock() + ttl_seconds
        await self.db.run(
            lambda tx: tx.exec(
                "INSERT INTO oauth_refresh_tokens (token_hash, family_id, payload, expires_at) VALUES (?, ?, ?, ?)",
                (digest(token), family_id, json.dumps(asdict(grant)), expires_at),
            )
        )
        return token, expires_at

    async def load_refresh(self, token: str) -> RefreshRecord | None:
        row = await self.db.run(
            lambda tx: tx.one(
                "SELECT r.payload, r.family_id, r.expires_at, r.used_at, f.revoked_at FROM oauth_refresh_tokens r "
                "JOIN oauth_families f ON f.family_id = r.family_id WHERE r.token_hash = ?",
                (digest(token),),
            )
        )
        if row is None:
            return None
        return RefreshRecord(
            grant=Grant(**json.loads(row[0])),
            family_id=row[1],
            expires_at=float(row[2]),
            used=row[3] is not None,
            revoked=row[4] is not None,
        )

    async def rotate_refresh(self, token: str) -> bool:
        """Mark a refresh token used. False if it already was: reuse, and its whole family is revoked."""

        def rotate(tx: Tx) -> bool:
            row = tx.one(
                "SELECT r.family_id, f.revoked_at FROM oauth_refresh_tokens r "
                "JOIN oauth_families f ON f.family_id = r.family_id WHERE r.token_hash = ?",
                (digest(token),),
            )
            if row is None or row[1] is not None:
                return False
            claimed = tx.exec(
                "UPDATE oauth_refresh_tokens SET used_at = ? WHERE token_hash = ? AND used_at IS NULL",
                (self.clock(), digest(token)),
            )
            if claimed != 1:
                self._revoke_family(tx, row[0])
                return False
            return True

        return await self.db.run(rotate)

    # -- revocation ----------------------------------------------------------------------------------------
    def _revoke_family(self, tx: Tx, family_id: str) -> None:
        tx.exec(
            "UPDATE oauth_families SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL",
            (self.clock(), family_id),
        )

    async def revoke_family(self, family_id: str) -> tuple[str, bool] | None:
        """Revoke one sign-in; returns (its subject, whether that person has any sign-in left), None if unknown."""

        def revoke(tx: Tx) -> tuple[str, bool] | None:
            self._revoke_family(tx, family_id)
            row = tx.one("SELECT subject FROM oauth_families WHERE family_id = ?", (family_id,))
            if row is None:
                return None
            left = tx.one("SELECT COUNT(*) FROM oauth_families WHERE subject = ? AND revoked_at IS NULL", (row[0],))
            return row[0], bool(left and left[0])

        return await self.db.run(revoke)

    async def revoke_subject(self, subject: str) -> int:
        """Revoke every family of one person (the person disconnects, or an administrator revokes them)."""
        return await self.db.run(
            lambda tx: tx.exec(
                "UPDATE oauth_families SET revoked_at = ? WHERE subject = ? AND revoked_at IS NULL",
                (self.clock(), subject),
            )
        )

    async def family_revoked(self, family_id: str) -> bool:
        row = await self.db.run(
            lambda tx: tx.one("SELECT revoked_at FROM oauth_families WHERE family_id = ?", (family_id,))
        )
        return row is None or row[0] is not None

    async def purge_expired(self) -> None:
        """Drop expired pending logins, codes and refresh tokens (called now and then)."""

        def purge(tx: Tx) -> None:
            now = self.clock()
            tx.exec("DELETE FROM oauth_pending WHERE expires_at <= ?", (now,))
            tx.exec("DELETE FROM oauth_codes WHERE expires_at <= ?", (now - 3600,))  # kept a while: replay detection
            tx.exec("DELETE FROM oauth_refresh_tokens WHERE expires_at <= ?", (now,))

        await self.db.run(purge)
