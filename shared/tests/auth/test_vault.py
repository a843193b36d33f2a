"""The token vault: encrypted at rest, key rotation, refresh under a lock, unlink on invalid_grant."""

from __future__ import annotations

import base64
import os
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace

import anyio
import pytest
from prometheus_client import REGISTRY

from shared.auth.crypto import KeyRing
from shared.auth.db import Database, Tx
from shared.auth.errors import InvalidGrant, RefreshFailed, UpstreamLinkMissing
from shared.auth.vault import TokenVault, UpstreamTokens
from shared.errors import ConfigError, UpstreamUnavailable
from shared.redis_state import RedisState
from shared.state import LocalState

pytestmark = pytest.mark.anyio
NOW = 1_800_000_000.0


def key() -> str:
    return base64.b64encode(os.urandom(32)).decode()


class RotatingUpstream:
    """An upstream token endpoint that rotates refresh tokens: each one works exactly once."""

    def __init__(self) -> None:
        self.valid = {"refresh-0"}
        self.calls = 0
        self.gate: Callable[[], Awaitable[object]] | None = None

    async def refresh(self, refresh_token: str) -> UpstreamTokens:
        self.calls += 1
        if self.gate is not None:
            await self.gate()
        if refresh_token not in self.valid:
            raise InvalidGrant()
        self.valid.discard(refresh_token)
        new = f"refresh-{self.calls}"
        self.valid.add(new)
        return UpstreamTokens(access_token=f"access-{self.calls}", refresh_token=new, expires_at=NOW + 3600)


class ObservedState:
    """The real state backend, noting each lock request so a test can wait for a contender."""

    def __init__(self, inner) -> None:
        self.inner, self.entered = inner, 0

    def lock(self, name: str, ttl_seconds: float = 30):
        self.entered += 1
        return self.inner.lock(name, ttl_seconds)


def expired(**changes) -> UpstreamTokens:
    base = UpstreamTokens(
        access_token="access-0",
        refresh_token="refresh-0",
        expires_at=NOW - 5,
        scopes=("read:jira-work",),
        account_id="acc-1",
        site="https://example.atlassian.net",
    )
    return replace(base, **changes)


async def make_vault(database: Database, keys: KeyRing | None = None, state=None) -> TokenVault:
    vault = TokenVault(database, keys or KeyRing.generate(), state or LocalState(), clock=lambda: NOW)
    await vault.start()
    return vault


async def stored(vault: TokenVault, subject: str) -> UpstreamTokens:
    """The tokens the vault holds for `subject` at Atlassian (the test fails if there are none)."""
    tokens = await vault.get(subject, "atlassian")
    assert tokens is not None, f"no tokens stored for {subject}"
    return tokens


async def wait_until(condition: Callable[[], bool]) -> None:
    with anyio.fail_after(5):
        while not condition():
            await anyio.sleep(0.001)


async def test_migrations_are_recorded_and_applied_only_once(database: Database):
    vault = await make_vault(database)
    await vault.start()
    assert await database.version("vault") == 1
    assert await database.migrate("vault", [["CREATE TABLE must_not_run (x INTEGER)"]]) == 0


async def test_tokens_are_stored_encrypted_and_read_back(database: Database):
    vault = await make_vault(database)
    await vault.put("alice", "atlassian", expired(expires_at=NOW + 600))
    raw = await database.run(lambda tx: tx.rows("SELECT ciphertext FROM vault_tokens"))
    assert "access-0" not in raw[0][0] and "refresh-0" not in raw[0][0] and "acc-1" not in raw[0][0]
    got = await vault.get("alice", "atlassian")
    assert got == expired(expires_at=NOW + 600)
    assert "access-0" not in repr(got) and "refresh-0" not in repr(got)


async def test_a_ciphertext_copied_to_another_person_does_not_decrypt(database: Database):
    vault = await make_vault(database)
    await vault.put("alice", "atlassian", expired())

    def copy(tx: Tx) -> None:
        tx.exec(
            "INSERT INTO vault_tokens (subject, upstream, ciphertext, expires_at, updated_at) "
            "SELECT 'mallory', upstream, ciphertext, expires_at, updated_at FROM vault_tokens"
        )

    await database.run(copy)
    with pytest.raises(UpstreamLinkMissing, match="can no longer be read"):
        await vault.get("mallory", "atlassian")


async def test_key_rotation_keeps_old_values_readable_and_reencrypt_moves_them(database: Database):
    k1, k2 = key(), key()
    old = await make_vault(database, KeyRing.parse(f"k1:{k1}"))
    await old.put("alice", "atlassian", expired())
    rotated = await make_vault(database, KeyRing.parse(f"k2:{k2},k1:{k1}"))
    assert (await rotated.get("alice", "atlassian")) == expired()
    await rotated.put("bob", "atlassian", expired(access_token="bob-access"))
    key_ids = await database.run(lambda tx: tx.rows("SELECT subject, ciphertext FROM vault_tokens ORDER BY subject"))
    assert [(subject, text.split(":")[0]) for subject, text in key_ids] == [("alice", "k1"), ("bob", "k2")]

    assert await rotated.reencrypt() == 1
    assert await rotated.reencrypt() == 0
    only_new = await make_vault(database, KeyRing.parse(f"k2:{k2}"))
    assert (await only_new.get("alice", "atlassian")) == expired()
    assert (await stored(only_new, "bob")).access_token == "bob-access"


async def test_a_token_valid_for_longer_than_the_margin_is_returned_without_refreshing(database: Database):
    vault, upstream = await make_vault(database), RotatingUpstream()
    await vault.put("alice", "atlassian", expired(expires_at=NOW + 600))
    assert (await vault.fresh("alice", "atlassian", upstream.refresh)).access_token == "access-0"
    assert upstream.calls == 0


async def test_an_expiring_token_is_refreshed_and_the_rotated_refresh_token_kept(database: Database):
    vault, upstream = await make_vault(database), RotatingUpstream()
    await vault.put("alice", "atlassian", expired(expires_at=NOW + 30))
    tokens = await vault.fresh("alice", "atlassian", upstream.refresh)
    assert (tokens.access_token, tokens.refresh_token) == ("access-1", "refresh-1")
    assert (tokens.account_id, tokens.site, tokens.scopes) == (
        "acc-1",
        "https://example.atlassian.net",
        ("read:jira-work",),
    )
    assert await vault.get("alice", "atlassian") == tokens


async def test_a_token_the_upstream_refused_is_refreshed_even_before_it_expires(database: Database):
    vault, upstream = await make_vault(database), RotatingUpstream()
    await vault.put("alice", "atlassian", expired(expires_at=NOW + 600))
    tokens = await vault.fresh("alice", "atlassian", upstream.refresh, stale_access_token="access-0")
    assert tokens.access_token == "access-1"


async def test_invalid_grant_unlinks_the_person_and_asks_to_reconnect(database: Database):
    vault, upstream = await make_vault(database), RotatingUpstream()
    await vault.put("alice", "atlassian", expired(refresh_token="revoked-upstream"))
    with pytest.raises(UpstreamLinkMissing, match="Reconnect") as caught:
        await vault.fresh("alice", "atlassian", upstream.refresh)
    assert caught.value.upstream == "atlassian" and "revoked-upstream" not in str(caught.value)
    assert await vault.get("alice", "atlassian") is None
    with pytest.raises(UpstreamLinkMissing, match="not connected"):
        await vault.fresh("alice", "atlassian", upstream.refresh)


async def test_a_refresh_that_fails_for_a_passing_reason_keeps_the_link_and_says_to_retry(database: Database):
    vault = await make_vault(database)
    await vault.put("alice", "atlassian", expired())

    async def unreachable(refresh_token: str) -> UpstreamTokens:
        raise RefreshFailed("Atlassian could not be reached (ConnectTimeout)")

    with pytest.raises(UpstreamUnavailable, match="Try again shortly") as caught:
        await vault.fresh("alice", "atlassian", unreachable)
    assert caught.value.retryable and "refresh-0" not in str(caught.value)
    assert await vault.get("alice", "atlassian") == expired()


async def test_two_concurrent_refreshes_call_the_upstream_once_and_share_the_result(database: Database):
    state, upstream = ObservedState(LocalState()), RotatingUpstream()
    vault = await make_vault(database, state=state)
    await vault.put("alice", "atlassian", expired())
    upstream.gate = lambda: wait_until(lambda: state.entered == 2)  # the second request waits on the lock
    before = REGISTRY.get_sample_value("connector_vault_refreshes_total", {"outcome": "already_refreshed"}) or 0
    results: list[UpstreamTokens] = []

    async def call() -> None:
        results.append(await vault.fresh("alice", "atlassian", upstream.refresh))

    async with anyio.create_task_group() as tg:
        tg.start_soon(call)
        tg.start_soon(call)
    assert upstream.calls == 1
    assert [t.access_token for t in results] == ["access-1", "access-1"]
    assert (await stored(vault, "alice")).refresh_token == "refresh-1"
    after = REGISTRY.get_sample_value("connector_vault_refreshes_total", {"outcome": "already_refreshed"})
    assert after == before + 1


async def test_two_replicas_refreshing_at_once_through_redis_never_lose_the_rotated_token(database: Database):
    prefix = f"test-vault-{uuid.uuid4().hex[:8]}:"
    replica_a = ObservedState(RedisState("redis://127.0.0.1:6379/0", prefix=prefix))
    replica_b = ObservedState(RedisState("redis://127.0.0.1:6379/0", prefix=prefix))
    keys, upstream = KeyRing.generate(), RotatingUpstream()
    vault_a = await make_vault(database, keys, replica_a)
    vault_b = await make_vault(database, keys, replica_b)
    await vault_a.put("alice", "atlassian", expired())
    upstream.gate = lambda: wait_until(lambda: replica_a.entered + replica_b.entered == 2)
    results: dict[str, UpstreamTokens] = {}

    async def call(name: str, vault: TokenVault) -> None:
        results[name] = await vault.fresh("alice", "atlassian", upstream.refresh)

    async with anyio.create_task_group() as tg:
        tg.start_soon(call, "a", vault_a)
        tg.start_soon(call, "b", vault_b)
    assert upstream.calls == 1
    assert results["a"].access_token == results["b"].access_token == "access-1"
    assert (await stored(vault_b, "alice")).refresh_token == "refresh-1"


async def test_revocation_removes_one_link_or_all_of_a_persons_links(database: Database):
    vault = await make_vault(database)
    for subject, upstream in [("alice", "atlassian"), ("alice", "google"), ("bob", "atlassian")]:
        await vault.put(subject, upstream, expired(expires_at=NOW + 600))
    assert [(link.subject, link.upstream) for link in await vault.links("alice")] == [
        ("alice", "atlassian"),
        ("alice", "google"),
    ]
    assert await vault.revoke("alice", "google") == 1
    assert await vault.revoke("alice") == 1
    assert [(link.subject, link.upstream) for link in await vault.links()] == [("bob", "atlassian")]
    assert "access" not in repr(await vault.links())


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("", "VAULT_KEYS is missing"),
        ("nocolon", "must look like"),
        ("k1:not-base64!", "not valid base64"),
        ("k1:" + base64.b64encode(b"short").decode(), "must decode to 32 bytes"),
        ("k1:{k},k1:{k}", "names key k1 twice"),
    ],
)
def test_a_bad_vault_key_setting_is_explained_without_echoing_the_key(spec: str, message: str):
    spec = spec.replace("{k}", key())
    with pytest.raises(ConfigError, match=message) as caught:
        KeyRing.parse(spec)
    secret = spec.partition(":")[2].split(",")[0]
    assert not secret or secret not in str(caught.value)
