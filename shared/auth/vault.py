"""The per-user token vault: a person's upstream tokens, encrypted at rest, refreshed under a lock.

Keyed by (user subject, upstream): the subject is the `sub` of the access token our server verified,
the upstream a system name such as "atlassian" or "google". Everything secret (access and refresh
tokens, scopes, account id, site) is one AES-GCM ciphertext bound to its row; only the key columns,
the expiry and the update time are stored in clear (for administration).

`fresh()` is what a tool calls before reaching the upstream: it returns a usable access token and
refreshes it when it expires within `refresh_margin` seconds (or when the upstream just refused the
one passed as `stale_access_token`). Refreshes run under a named lock from `shared.state` (a Redis
lease when `REDIS_URL` is set), and the row is re-read once the lock is held, so when two requests or
two replicas refresh at once only the first calls the upstream and the second reads its result: a
rotating refresh token is used once and never lost. An `invalid_grant` deletes the link and raises
`UpstreamLinkMissing`, which the tool layer turns into a reconnect challenge.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

from prometheus_client import Counter

from ..errors import UpstreamUnavailable
from ..state import State
from .crypto import DecryptionFailed, KeyRing
from .db import Database
from .errors import InvalidGrant, RefreshFailed, UpstreamLinkMissing
from .rotation import reencrypt_table

log = logging.getLogger(__name__)

REFRESHES = Counter(
    "connector_vault_refreshes_total",
    "Upstream token refreshes by outcome (refreshed, already_refreshed, invalid_grant, failed)",
    ["outcome"],
)

MIGRATIONS: list[list[str]] = [
    [
        """CREATE TABLE vault_tokens (
            subject TEXT NOT NULL,
            upstream TEXT NOT NULL,
            ciphertext TEXT NOT NULL,
            expires_at DOUBLE PRECISION,
            updated_at DOUBLE PRECISION NOT NULL,
            PRIMARY KEY (subject, upstream)
        )""",
    ],
]


@dataclass(frozen=True)
class UpstreamTokens:
    """One person's credentials for one upstream. `repr` never shows the tokens."""

    access_token: str = field(repr=False)
    refresh_token: str | None = field(default=None, repr=False)
    expires_at: float | None = None  # epoch seconds; None = the upstream did not say
    scopes: tuple[str, ...] = ()
    account_id: str | None = None  # the person's id at the upstream
    site: str | None = None  # e.g. an Atlassian cloud id or site URL

    def expires_within(self, seconds: float, now: float) -> bool:
        return self.expires_at is not None and self.expires_at - now <= seconds

    def to_json(self) -> bytes:
        return json.dumps(
            {
                "access_token": self.access_token,
                "refresh_token": self.refresh_token,
                "expires_at": self.expires_at,
                "scopes": list(self.scopes),
                "account_id": self.account_id,
                "site": self.site,
            }
        ).encode()

    @classmethod
    def from_json(cls, raw: bytes) -> UpstreamTokens:
        data: dict[str, Any] = json.loads(raw)
        return cls(
            access_token=data["access_token"],
            refresh_token=data.get("refresh_token"),
            expires_at=data.get("expires_at"),
            scopes=tuple(data.get("scopes") or ()),
            account_id=data.get("account_id"),
            site=data.get("site"),
        )


Refresher = Callable[[str], Awaitable[UpstreamTokens]]
"""Trade a refresh token for new tokens; raise `InvalidGrant` if the upstream refuses it for good,
`RefreshFailed` (a message without secrets) if it failed for a reason that may pass."""


@dataclass(frozen=True)
class Link:
    """What an administrator may see about a stored link: no secret."""

    subject: str
    upstream: str
    expires_at: float | None
    updated_at: float


def _context(subject: str, upstream: str) -> str:
    return f"vault:{subject}\x00{upstream}"


def _lock_name(subject: str, upstream: str) -> str:
    return "vault-refresh:" + hashlib.sha256(_context(subject, upstream).encode()).hexdigest()[:32]


class TokenVault:
    def __init__(
        self,
        db: Database,
        keys: KeyRing,
        state: State,
        *,
        refresh_margin: float = 60.0,
        lock_ttl_seconds: float = 30.0,
        clock: Callable[[], float] = time.time,
    ):
        self.db, self.keys, self.state = db, keys, state
        self.refresh_margin, self.lock_ttl_seconds, self.clock = refresh_margin, lock_ttl_seconds, clock

    async def start(self) -> None:
        """Create or upgrade the vault's tables (idempotent; call on every start)."""
        await self.db.migrate("vault", MIGRATIONS)

    async def put(self, subject: str, upstream: str, tokens: UpstreamTokens) -> None:
        ciphertext = self.keys.encrypt(tokens.to_json(), _context(subject, upstream))
        await self.db.run(
            lambda tx: tx.exec(
                "INSERT INTO vault_tokens (subject, upstream, ciphertext, expires_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (subject, upstream) DO UPDATE SET "
                "ciphertext = excluded.ciphertext, expires_at = excluded.expires_at, updated_at = excluded.updated_at",
                (subject, upstream, ciphertext, tokens.expires_at, self.clock()),
            )
        )

    async def get(self, subject: str, upstream: str) -> UpstreamTokens | None:
        row = await self.db.run(
            lambda tx: tx.one(
                "SELECT ciphertext FROM vault_tokens WHERE subject = ? AND upstream = ?", (subject, upstream)
            ),
            read_only=True,
        )
        if row is None:
            return None
        try:
            return UpstreamTokens.from_json(self.keys.decrypt(row[0], _context(subject, upstream)))
        except DecryptionFailed as exc:
            # Kept, not deleted: a key removed by mistake must not wipe everyone's links.
            log.warning("vault: a stored %s link cannot be read: %s", upstream, exc)
            raise UpstreamLinkMissing(upstream, "the stored link can no longer be read") from None

    async def fresh(
        self, subject: str, upstream: str, refresher: Refresher, *, stale_access_token: str | None = None
    ) -> UpstreamTokens:
        """A usable access token for this person and upstream, refreshed first if needed.

        Pass `stale_access_token` when the upstream just answered 401 to it: it is then refreshed even
        if not yet expired (unless another request already replaced it). Raises `UpstreamLinkMissing`.
        """
        seen = await self.get(subject, upstream)
        if seen is None:
            raise UpstreamLinkMissing(upstream)
        if not self._needs_refresh(seen, stale_access_token):
            return seen
        async with self.state.lock(_lock_name(subject, upstream), self.lock_ttl_seconds):
            current = await self.get(subject, upstream)  # another request or replica may have refreshed it
            if current is None:
                raise UpstreamLinkMissing(upstream)
            if current.access_token != seen.access_token and not self._needs_refresh(current, stale_access_token):
                REFRESHES.labels(outcome="already_refreshed").inc()
                return current
            return await self._refresh(subject, upstream, current, refresher)

    def _needs_refresh(self, tokens: UpstreamTokens, stale_access_token: str | None) -> bool:
        if stale_access_token is not None and tokens.access_token == stale_access_token:
            return True
        return tokens.expires_within(self.refresh_margin, self.clock())

    async def _refresh(
        self, subject: str, upstream: str, current: UpstreamTokens, refresher: Refresher
    ) -> UpstreamTokens:
        if not current.refresh_token:
            await self.revoke(subject, upstream)
            raise UpstreamLinkMissing(upstream, "access expired and the upstream gave no refresh token")
        try:
            new = await refresher(current.refresh_token)
        except InvalidGrant:
            REFRESHES.labels(outcome="invalid_grant").inc()
            await self.revoke(subject, upstream)
            log.info("vault: %s refused a refresh (invalid_grant); the link was removed", upstream)
            raise UpstreamLinkMissing(upstream, "the upstream no longer accepts the saved sign-in") from None
        except RefreshFailed as exc:
            REFRESHES.labels(outcome="failed").inc()
            log.warning("vault: refreshing a %s link failed: %s", upstream, exc)
            raise UpstreamUnavailable(
                f"{upstream} could not renew your sign-in just now ({exc}). Try again shortly."
            ) from None
        # Upstreams that do not rotate omit the refresh token and identity fields: keep ours.
        merged = replace(
            new,
            refresh_token=new.refresh_token or current.refresh_token,
            account_id=new.account_id or current.account_id,
            site=new.site or current.site,
            scopes=new.scopes or current.scopes,
        )
        await self.put(subject, upstream, merged)
        REFRESHES.labels(outcome="refreshed").inc()
        return merged

    async def revoke(self, subject: str, upstream: str | None = None) -> int:
        """Delete a person's link to one upstream, or to all (disconnect; an administrator's revocation)."""
        if upstream is None:
            return await self.db.run(lambda tx: tx.exec("DELETE FROM vault_tokens WHERE subject = ?", (subject,)))
        return await self.db.run(
            lambda tx: tx.exec("DELETE FROM vault_tokens WHERE subject = ? AND upstream = ?", (subject, upstream))
        )

    async def links(self, subject: str | None = None) -> list[Link]:
        """Stored links (all, or one person's), without secrets: for an administrator's listing."""
        sql = "SELECT subject, upstream, expires_at, updated_at FROM vault_tokens"
        params: tuple[str, ...] = ()
        if subject is not None:
            sql, params = sql + " WHERE subject = ?", (subject,)
        rows = await self.db.run(lambda tx: tx.rows(sql + " ORDER BY subject, upstream", params), read_only=True)
        return [Link(*row) for row in rows]

    async def reencrypt(self) -> int:
        """Move every ciphertext to the current key (after adding a key to VAULT_KEYS); returns how many moved."""
        return await self.db.run(
            lambda tx: reencrypt_table(
                tx, self.keys, "vault_tokens", ["subject", "upstream"], lambda ids: _context(*ids)
            )
        )
