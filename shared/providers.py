"""A connector over several providers: one tool surface, whichever providers a deployment enables.

Storage (Google Drive, OneDrive) and mail (Gmail, Outlook) work this way. The connector declares its providers
once; the kit does the rest the same way for both:

- `ProviderSet`, the per-person facade: the person's token per provider (from one credential,
  `shared.credentials.tokens_of`), the enabled providers built on first use, which ones a tool call is about
  (`chosen`, `one`) and which provider an id belongs to (`owner_of`, from the id's prefix: `gdrive:...`);
- `ProviderRuntime`, the runtime: a circuit breaker per provider (one failing never pauses the other), the
  configured account's tokens, `doctor`'s sign-in check per provider, and each person's change-feed position
  per provider (`follow_changes`), kept server-side so a sync tool takes no cursor.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any, ClassVar, Generic, Protocol, TypeVar

from pydantic import SecretStr

from .cache import IdentityCache
from .circuit import CircuitBreaker
from .credentials import Credential, CredentialProvider, configured_token_set, tokens_of
from .errors import ConfigError, ConnectorError, InvalidInput
from .ratelimit import EndpointBuckets
from .runtime import Check, UpstreamRuntime

MAX_NATIVE_ID = 400  # longer than any provider's id: refused before it reaches a URL


class Provider(Protocol):
    """What the kit needs of every provider (a connector's own protocol adds its operations)."""

    name: str  # "google-drive": what settings, tokens and breakers are keyed by
    label: str  # "Google Drive": what people read

    async def me(self) -> tuple[str, str]: ...  # (display name, e-mail) of the signed-in person


class ProviderSettings(Protocol):
    @property
    def providers(self) -> Sequence[str]: ...  # the enabled ones, as configured


ProviderT = TypeVar("ProviderT", bound=Provider)


class ProviderSet(Generic[ProviderT]):
    """The enabled providers for one person. A subclass declares them and says how to build each one:

    - `kind`: the connector in messages ("storage": "is not a storage id", "several storage providers");
    - `prefixes`: id prefix -> provider name, in the order providers are built and searched;
    - `id_shapes`: what ids look like, for the message refusing one ("gdrive:<id> or onedrive:<drive>!<item>");
    - `words`: what people call each provider ("google drive", "sharepoint") -> provider name;
    - `build(name, token)`: the provider, `token()` read at each request (tokens get refreshed).
    """

    kind: ClassVar[str]
    prefixes: ClassVar[Mapping[str, str]]
    id_shapes: ClassVar[str]
    words: ClassVar[Mapping[str, str]]

    def __init__(
        self,
        settings: Any,
        credential: Credential,
        buckets: EndpointBuckets,
        breakers: Mapping[str, CircuitBreaker],
    ):
        self.settings, self.credential, self.buckets, self.breakers = settings, credential, buckets, breakers
        self._tokens = tokens_of(credential)

    def build(self, name: str, token: Callable[[], str]) -> ProviderT:
        raise NotImplementedError

    def _token(self, provider: str) -> str:
        token = self._tokens.get(provider) or self._tokens.get("*")
        if not token:
            raise ConfigError(f"No {provider} token is configured for this account.")
        return token

    @cached_property
    def providers(self) -> dict[str, ProviderT]:
        """The enabled providers by name, built on first use, in the order `prefixes` declares them."""
        enabled: ProviderSettings = self.settings
        names = [name for name in dict.fromkeys(self.prefixes.values()) if name in enabled.providers]
        return {name: self.build(name, self._reader(name)) for name in names}

    def _reader(self, name: str) -> Callable[[], str]:
        """The provider's token, read at each request (a refreshed token is used at once)."""
        return lambda: self._token(name)

    async def aclose(self) -> None:
        """Close the providers' pooled connections (those with an `aclose`)."""
        for provider in self.providers.values():
            close = getattr(provider, "aclose", None)
            if close is not None:
                await close()

    def chosen(self, said: str = "") -> list[ProviderT]:
        """The providers a tool call is about: the one named, else every enabled one."""
        if not said.strip():
            return list(self.providers.values())
        name = self.words.get(said.strip().lower())
        if name is None or name not in self.providers:
            known = ", ".join(self.providers)
            raise InvalidInput(f'Unknown or disabled provider "{said[:40]}". Enabled: {known}.')
        return [self.providers[name]]

    def one(self, said: str = "") -> ProviderT:
        """The single provider a write goes to (with several enabled, the caller must say which)."""
        found = self.chosen(said)
        if len(found) > 1:
            names = " or ".join(self.providers)
            raise InvalidInput(f"Several {self.kind} providers are enabled: say which with provider ({names}).")
        return found[0]

    def owner_of(self, said_id: str, what: str = "") -> tuple[ProviderT, str]:
        """(provider, native id) of an id as this connector hands them out (`<prefix>:<native id>`)."""
        prefix, _, native = said_id.strip().partition(":")
        name, native = self.prefixes.get(prefix), native.strip()
        if name is None or not native or len(native) > MAX_NATIVE_ID:
            raise InvalidInput(
                f'"{said_id[:60]}" is not a {what or self.kind} id. Ids look like {self.id_shapes}, as search and '
                f"the other {self.kind} tools return them."
            )
        if name not in self.providers:
            raise InvalidInput(f"{name} is not enabled in this deployment.")
        return self.providers[name], native


class _Moved(Protocol):
    @property
    def cursor(self) -> str: ...  # the position to save for next time


ChangesT = TypeVar("ChangesT", bound=_Moved, covariant=True)
ListingT = TypeVar("ListingT", covariant=True)


class ChangeFeed(Protocol[ChangesT, ListingT]):
    """A provider's change feed: changes since a saved position, a fresh position, the latest items."""

    @property
    def name(self) -> str: ...

    async def changes(self, cursor: str, limit: int) -> ChangesT: ...

    async def start_changes(self) -> str: ...

    async def recent(self, limit: int) -> ListingT: ...


L = TypeVar("L")
C = TypeVar("C", bound=_Moved)


@dataclass(frozen=True)
class StartedOver(Generic[L]):
    """No usable saved position: the latest items instead, and why ("this is the first sync")."""

    listing: L
    why: str


SetT = TypeVar("SetT", bound=ProviderSet[Any])
LookupsT = TypeVar("LookupsT")


class ProviderRuntime(UpstreamRuntime[SetT, LookupsT]):
    """`UpstreamRuntime` for a connector over several providers. A subclass declares:

    - `breaker_names`: provider -> the name its circuit breaker reports ("Google Drive");
    - `token_settings`: provider -> the setting holding the configured account's token for it;
    - `sync_position_seconds`: how long a person's change-feed position is kept.
    """

    breaker_names: ClassVar[Mapping[str, str]]
    token_settings: ClassVar[Mapping[str, str]]
    sync_position_seconds: ClassVar[int]

    def configured_credentials(self) -> CredentialProvider:
        """The configured account: one token per enabled provider, in one credential."""
        enabled = self.settings.providers
        tokens: dict[str, SecretStr | None] = {
            name: getattr(self.settings, setting) for name, setting in self.token_settings.items() if name in enabled
        }
        return configured_token_set(self.upstream.lower(), tokens)

    @cached_property
    def breakers(self) -> dict[str, CircuitBreaker]:
        """One breaker per provider: one failing never pauses calls to the other."""
        return {name: CircuitBreaker(label) for name, label in self.breaker_names.items()}

    @cached_property
    def sync_positions(self) -> IdentityCache:
        """Each person's change-feed position per provider, kept server-side."""
        return self.state.cache(self.sync_position_seconds)

    async def follow_changes(
        self, feed: ChangeFeed[C, L], namespace: str, limit: int, expired: type[Exception]
    ) -> C | StartedOver[L]:
        """What changed on one provider since this person's saved position, moving the position on; the latest
        items instead on the first call, or when the provider no longer knows the position (raises `expired`)."""
        identity = self.identity()
        saved = self.sync_positions.peek(identity, namespace, feed.name)
        why = "this is the first sync"
        if saved:
            try:
                found = await feed.changes(saved, limit)
            except expired:
                why = "the saved position had expired"
            else:
                self.sync_positions.put(identity, namespace, feed.name, found.cursor)
                return found
        self.sync_positions.put(identity, namespace, feed.name, await feed.start_changes())
        return StartedOver(await feed.recent(limit), why)

    async def checks(self) -> list[Check]:
        """For `doctor`: whom each enabled provider signs in as, or what to fix."""
        checks = []
        for provider in self.client.providers.values():
            try:
                name, email = await provider.me()
            except ConnectorError as exc:
                checks.append(Check(f"{provider.name} credentials", False, self.settings.explain(exc, provider.label)))
                continue
            checks.append(Check(f"{provider.name} credentials", True, f"signed in as {name} <{email}>"))
        return checks + self.state_checks()
