"""A connector over several providers: choosing them, reading ids, tokens per provider, change-feed positions.

The providers here are in-memory stand-ins for upstream APIs (the connectors' own tests run the real ones against
the sandboxes); what is tested is the kit's part: `ProviderSet` and `ProviderRuntime`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from pydantic import SecretStr

from shared.credentials import ConfiguredAccount, Credential, token_set
from shared.errors import ConfigError, ConnectorError, InvalidInput
from shared.providers import ProviderRuntime, ProviderSet, StartedOver
from shared.ratelimit import EndpointBuckets
from shared.settings import ServerSettings
from shared.state import LocalState

pytestmark = pytest.mark.anyio


class Expired(ConnectorError):
    pass


@dataclass
class Feed:
    cursor: str
    items: list[str]


@dataclass
class Store:
    """An upstream's state: what changed after each position, and which positions it has forgotten."""

    name: str
    label: str
    token: Callable[[], str]
    changed: dict[str, list[str]] = field(default_factory=dict)
    forgotten: set[str] = field(default_factory=set)
    position: int = 0

    async def me(self) -> tuple[str, str]:
        if self.token() != "good":
            raise ConnectorError(f"{self.label} refused the token")
        return "Alice", "alice@example.com"

    async def start_changes(self) -> str:
        self.position += 1
        return str(self.position)

    async def changes(self, cursor: str, limit: int) -> Feed:
        if cursor in self.forgotten:
            raise Expired("gone")
        return Feed(str(int(cursor) + 1), self.changed.get(cursor, [])[:limit])

    async def recent(self, limit: int) -> list[str]:
        return ["latest"][:limit]


class Files(ProviderSet[Store]):
    kind = "files"
    prefixes = {"up": "uploads", "ar": "archive"}
    id_shapes = "up:<id> or ar:<id>"
    words = {"uploads": "uploads", "the archive": "archive", "archive": "archive"}

    def build(self, name: str, token: Callable[[], str]) -> Store:
        return Store(name, name.title(), token)


class FilesSettings(ServerSettings):
    providers: list[str] = ["uploads", "archive"]
    uploads_token: SecretStr | None = SecretStr("good")
    archive_token: SecretStr | None = SecretStr("bad")


class FilesRuntime(ProviderRuntime[Files, None]):
    upstream = "Files"
    breaker_names = {"uploads": "Uploads", "archive": "Archive"}
    token_settings = {"uploads": "uploads_token", "archive": "archive_token"}
    sync_position_seconds = 3600

    def make_client(self, credential: Credential, buckets: EndpointBuckets) -> Files:
        return Files(self.settings, credential, buckets, self.breakers)

    def make_lookups(self, client: Files, identity: str) -> None:
        return None


def runtime(credential: Credential | None = None, **settings: Any) -> FilesRuntime:
    account = ConfiguredAccount(credential) if credential else None
    return FilesRuntime(FilesSettings(_secrets_dir=None, **settings), LocalState(), account)  # type: ignore[call-arg]


def files(enabled: list[str], tokens: dict[str, str] | str) -> Files:
    """The providers of a person whose credential holds `tokens` (one bare token: any provider)."""
    secret = SecretStr(tokens) if isinstance(tokens, str) else token_set({k: SecretStr(v) for k, v in tokens.items()})
    return runtime(Credential("files:alice", "bearer", secret), providers=enabled).client


def test_no_provider_named_means_every_enabled_one_in_declared_order():
    both = files(["archive", "uploads"], {"uploads": "u", "archive": "a"})
    assert [p.name for p in both.chosen()] == ["uploads", "archive"]


def test_a_provider_is_chosen_by_what_people_call_it():
    both = files(["uploads", "archive"], {})
    assert [p.name for p in both.chosen(" The Archive ")] == ["archive"]


def test_an_unknown_or_disabled_provider_is_refused_naming_the_enabled_ones():
    one = files(["uploads"], {})
    for said in ("dropbox", "archive"):
        with pytest.raises(InvalidInput, match=r'provider "' + said + '". Enabled: uploads.'):
            one.chosen(said)


def test_a_write_with_several_providers_enabled_asks_which_naming_them():
    both = files(["uploads", "archive"], {})
    with pytest.raises(
        InvalidInput, match=r"Several files providers .* say which with provider \(uploads or archive\)"
    ):
        both.one()
    assert both.one("archive").name == "archive"
    assert files(["uploads"], {}).one().name == "uploads"


def test_an_id_names_its_provider_by_its_prefix():
    both = files(["uploads", "archive"], {})
    provider, native = both.owner_of(" ar: 42!x ")
    assert (provider.name, native) == ("archive", "42!x")


@pytest.mark.parametrize("said", ["42", "zz:42", "up:", "up:" + "x" * 401])
def test_an_id_that_is_not_ours_is_refused_showing_what_ids_look_like(said: str):
    with pytest.raises(InvalidInput, match=r"is not a files id. Ids look like up:<id> or ar:<id>"):
        files(["uploads", "archive"], {}).owner_of(said)


def test_an_id_refusal_can_say_what_kind_of_id_was_expected():
    with pytest.raises(InvalidInput, match="is not a draft id"):
        files(["uploads"], {}).owner_of("nope", "draft")


def test_an_id_of_a_disabled_provider_says_it_is_not_enabled():
    with pytest.raises(InvalidInput, match="archive is not enabled in this deployment"):
        files(["uploads"], {}).owner_of("ar:42")


def test_each_provider_reads_its_own_token_and_a_bare_token_serves_any():
    both = files(["uploads", "archive"], {"uploads": "u"})
    assert both.providers["uploads"].token() == "u"
    with pytest.raises(ConfigError, match="No archive token is configured"):
        both.providers["archive"].token()
    bare = files(["archive"], "t")
    assert bare.providers["archive"].token() == "t"


async def test_the_first_sync_starts_over_then_changes_follow_from_the_saved_position():
    rt = runtime()
    store = rt.client.providers["uploads"]
    first = await rt.follow_changes(store, "sync", 10, Expired)
    assert first == StartedOver(["latest"], "this is the first sync")
    store.changed["1"] = ["a.txt"]
    assert await rt.follow_changes(store, "sync", 10, Expired) == Feed("2", ["a.txt"])
    store.changed["2"] = ["b.txt"]
    assert await rt.follow_changes(store, "sync", 10, Expired) == Feed("3", ["b.txt"])


async def test_a_position_the_provider_forgot_starts_over_and_says_why():
    rt = runtime()
    store = rt.client.providers["uploads"]
    await rt.follow_changes(store, "sync", 10, Expired)
    store.forgotten.add("1")
    again = await rt.follow_changes(store, "sync", 10, Expired)
    assert again == StartedOver(["latest"], "the saved position had expired")
    assert await rt.follow_changes(store, "sync", 10, Expired) == Feed("3", [])  # the fresh position holds


async def test_positions_are_kept_per_provider():
    rt = runtime()
    uploads, archive = rt.client.providers["uploads"], rt.client.providers["archive"]
    await rt.follow_changes(uploads, "sync", 10, Expired)
    assert isinstance(await rt.follow_changes(archive, "sync", 10, Expired), StartedOver)
    assert isinstance(await rt.follow_changes(uploads, "sync", 10, Expired), Feed)


async def test_doctor_checks_each_enabled_provider_with_its_own_token():
    checks = await runtime().checks()
    assert [(c.name, c.ok) for c in checks] == [("uploads credentials", True), ("archive credentials", False)]
    assert checks[0].detail == "signed in as Alice <alice@example.com>"
    assert "Archive refused the token" in checks[1].detail and "(tried Archive)" in checks[1].detail


async def test_only_enabled_providers_get_a_configured_token():
    rt = runtime(providers=["archive"])
    assert list(rt.client.providers) == ["archive"]
    assert '"uploads"' not in rt.credential().secret.get_secret_value()


def test_each_provider_has_its_own_breaker():
    breakers = runtime().breakers
    assert set(breakers) == {"uploads", "archive"} and breakers["uploads"] is not breakers["archive"]
