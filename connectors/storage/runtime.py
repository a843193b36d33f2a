"""A configured storage connector: the five hooks of the shared runtime, plus where sync positions are kept."""

from __future__ import annotations

from functools import cached_property

from shared.cache import IdentityCache
from shared.circuit import CircuitBreaker
from shared.credentials import Credential, CredentialProvider, configured_token_set
from shared.errors import ConnectorError
from shared.ratelimit import EndpointBuckets, RateTable
from shared.runtime import Check, UpstreamRuntime

from .client import UPSTREAM, StorageClient
from .resolve import Lookups
from .settings import StorageSettings

SYNC_POSITION_SECONDS = 30 * 24 * 3600  # Drive page tokens never expire; Graph delta links last about that long


class StorageRuntime(UpstreamRuntime[StorageClient, Lookups]):
    upstream = UPSTREAM
    settings: StorageSettings

    def configured_credentials(self) -> CredentialProvider:
        s = self.settings
        tokens = {"google-drive": s.google_token, "onedrive": s.graph_token}
        return configured_token_set("storage", {k: v for k, v in tokens.items() if k in s.providers})

    @cached_property
    def breakers(self) -> dict[str, CircuitBreaker]:
        """One breaker per provider: Drive failing never pauses OneDrive calls."""
        return {"google-drive": CircuitBreaker("Google Drive"), "onedrive": CircuitBreaker("OneDrive")}

    @cached_property
    def sync_positions(self) -> IdentityCache:
        """Each person's change-feed position per provider (Drive page token, Graph delta link), kept server-side."""
        return self.state.cache(SYNC_POSITION_SECONDS)

    def make_client(self, credential: Credential, buckets: EndpointBuckets) -> StorageClient:
        return StorageClient(self.settings, credential, buckets, self.breakers)

    def make_lookups(self, client: StorageClient, identity: str) -> Lookups:
        return Lookups(client, self.cache, identity, self.settings.timezone)

    @property
    def rate_table(self) -> RateTable:
        """Writes at half the pace: Drive and Graph both charge them more (Graph: 2 resource units, reads 1)."""
        return RateTable(self.settings.rate_limit_per_second, {"POST": 0.5, "PATCH": 0.5, "PUT": 0.5, "DELETE": 0.5})

    async def checks(self) -> list[Check]:
        checks = []
        for provider in self.client.providers.values():
            try:
                name, email = await provider.me()
            except ConnectorError as exc:
                checks.append(Check(f"{provider.name} credentials", False, self.settings.explain(exc, provider.label)))
                continue
            checks.append(Check(f"{provider.name} credentials", True, f"signed in as {name} <{email}>"))
        return checks + self.state_checks()
