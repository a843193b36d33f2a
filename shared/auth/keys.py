"""Keys that sign and verify access tokens: ours (in the database, shared by replicas) or a remote JWKS.

`SigningKeys` keeps ES256 key pairs in `auth_signing_keys`, the private half encrypted with the vault's
key ring. Every replica signs with the newest active key and verifies with all active ones; a replica
that meets an unknown `kid` reloads from the database (at most every `reload_interval` seconds), so a
rotation done by one replica is seen by the others. `jwks()` is the public view served at the JWKS URL.

`RemoteJwks` is the same lookup for an external (enterprise) identity provider: its JWKS is fetched
over HTTPS, cached, and fetched again when a token names a key the cache does not hold.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import Any, Protocol

import anyio
import httpx
from joserfc.errors import JoseError
from joserfc.jwk import ECKey, Key, KeySet

from ..errors import ConfigError
from .crypto import DecryptionFailed, KeyRing
from .db import Database, Tx
from .rotation import reencrypt_table

log = logging.getLogger(__name__)

ALGORITHM = "ES256"

MIGRATIONS: list[list[str]] = [
    [
        """CREATE TABLE auth_signing_keys (
            kid TEXT PRIMARY KEY,
            alg TEXT NOT NULL,
            ciphertext TEXT NOT NULL,
            created_at DOUBLE PRECISION NOT NULL,
            retired_at DOUBLE PRECISION
        )""",
    ],
]


class KeyLookup(Protocol):
    """Where a verifier finds the public key a token names."""

    async def key_for(self, kid: str | None) -> Key | None: ...


class SigningKeys:
    def __init__(
        self, db: Database, keys: KeyRing, *, reload_interval: float = 30.0, clock: Callable[[], float] = time.time
    ):
        self.db, self.keys, self.reload_interval, self.clock = db, keys, reload_interval, clock
        self._active: list[ECKey] = []  # newest first
        self._loaded_at = float("-inf")
        self._lock = anyio.Lock()

    async def start(self) -> None:
        """Create the table if needed, and a first key if there is none; load the active keys."""
        await self.db.migrate("signing_keys", MIGRATIONS)
        await self.reload()
        if not self._active:
            await self.rotate()

    async def rotate(self) -> str:
        """Make a new key the signing key (old ones keep verifying until retired); returns its kid."""
        key = ECKey.generate_key("P-256", parameters={"alg": ALGORITHM, "use": "sig"}, auto_kid=True)
        kid = str(key.kid)
        private = json.dumps(key.as_dict(private=True)).encode()
        ciphertext = self.keys.encrypt(private, _context(kid))

        def insert(tx: Tx) -> None:
            newest = tx.one("SELECT MAX(created_at) FROM auth_signing_keys")
            # Strictly newer than any key so far, even within one clock tick: "newest signs" stays unambiguous.
            created_at = max(self.clock(), (newest[0] or 0) + 0.001) if newest else self.clock()
            tx.exec(
                "INSERT INTO auth_signing_keys (kid, alg, ciphertext, created_at) VALUES (?, ?, ?, ?)",
                (kid, ALGORITHM, ciphertext, created_at),
            )

        await self.db.run(insert)
        await self.reload()
        return kid

    async def retire(self, kid: str) -> None:
        """Stop trusting a key (after its tokens expired, or at once if it leaked)."""
        await self.db.run(
            lambda tx: tx.exec("UPDATE auth_signing_keys SET retired_at = ? WHERE kid = ?", (self.clock(), kid))
        )
        await self.reload()

    async def reload(self) -> None:
        rows = await self.db.run(self._read_active, read_only=True)
        active = []
        for kid, ciphertext in rows:
            try:
                active.append(ECKey.import_key(json.loads(self.keys.decrypt(ciphertext, _context(kid)))))
            except DecryptionFailed as exc:
                raise ConfigError(
                    f"Configuration error: signing key {kid} in the database cannot be decrypted ({exc}); "
                    "VAULT_KEYS must still list the key it was stored under (add new keys in front; drop old ones "
                    "only after `reencrypt`)"
                ) from None
        self._active, self._loaded_at = active, self.clock()

    async def reencrypt(self) -> int:
        """Move the stored private keys to the current vault key; returns how many moved."""
        return await self.db.run(
            lambda tx: reencrypt_table(tx, self.keys, "auth_signing_keys", ["kid"], lambda ids: _context(ids[0]))
        )

    @staticmethod
    def _read_active(tx: Tx) -> list[tuple[Any, ...]]:
        return tx.rows(
            "SELECT kid, ciphertext FROM auth_signing_keys WHERE retired_at IS NULL ORDER BY created_at DESC, kid"
        )

    @property
    def current(self) -> ECKey:
        if not self._active:
            raise RuntimeError("SigningKeys.start() must run before tokens are signed")
        return self._active[0]

    def jwks(self) -> dict[str, Any]:
        """The public keys, as served at the JWKS URL (never a private parameter)."""
        return {"keys": [dict(key.as_dict(private=False)) for key in self._active]}

    async def key_for(self, kid: str | None) -> Key | None:
        found = _find(self._active, kid)
        if found is None and kid and self.clock() - self._loaded_at >= self.reload_interval:
            async with self._lock:  # one reload at a time; others reuse its result
                if self.clock() - self._loaded_at >= self.reload_interval:
                    await self.reload()
            found = _find(self._active, kid)
        return found


class RemoteJwks:
    """An external identity provider's JWKS, fetched over HTTP(S) and cached."""

    def __init__(
        self,
        url: str,
        *,
        http: httpx.AsyncClient | None = None,
        cache_seconds: float = 300.0,
        refetch_interval: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ):
        self.url, self.cache_seconds, self.refetch_interval, self.clock = url, cache_seconds, refetch_interval, clock
        self._http = http or httpx.AsyncClient(timeout=10.0)
        self._keys: list[Key] = []
        self._fetched_at = float("-inf")
        self._lock = anyio.Lock()

    async def key_for(self, kid: str | None) -> Key | None:
        age = self.clock() - self._fetched_at
        found = _find(self._keys, kid)
        if age >= self.cache_seconds or (found is None and age >= self.refetch_interval):
            async with self._lock:
                if self.clock() - self._fetched_at >= min(self.refetch_interval, self.cache_seconds):
                    await self._fetch()
            found = _find(self._keys, kid)
        return found

    async def _fetch(self) -> None:
        try:
            response = await self._http.get(self.url, headers={"Accept": "application/json"})
            response.raise_for_status()
            keys = list(KeySet.import_key_set(response.json()))
        except (httpx.HTTPError, ValueError, JoseError) as exc:
            # Keep the keys we had: a flaky IdP must not refuse every caller at once.
            log.warning("auth: cannot fetch the identity provider's JWKS at %s: %s", self.url, type(exc).__name__)
            self._fetched_at = self.clock()
            return
        self._keys, self._fetched_at = keys, self.clock()

    async def aclose(self) -> None:
        await self._http.aclose()


def _find(keys: list[Key] | list[ECKey], kid: str | None) -> Key | None:
    if kid is None:
        return keys[0] if len(keys) == 1 else None  # without a kid, only an unambiguous key set will do
    return next((key for key in keys if key.kid == kid), None)


def _context(kid: str) -> str:
    return f"signing-key:{kid}"
