"""A configured storage connector: the hooks of the shared runtime, over Drive and OneDrive (`shared.providers`)."""

from __future__ import annotations

from shared.credentials import Credential
from shared.providers import ProviderRuntime
from shared.ratelimit import EndpointBuckets, RateTable

from .client import UPSTREAM, StorageClient
from .resolve import Lookups
from .settings import StorageSettings


class StorageRuntime(ProviderRuntime[StorageClient, Lookups]):
    upstream = UPSTREAM
    settings: StorageSettings
    breaker_names = {"google-drive": "Google Drive", "onedrive": "OneDrive"}
    token_settings = {"google-drive": "google_token", "onedrive": "graph_token"}
    sync_position_seconds = 30 * 24 * 3600  # Drive page tokens never expire; Graph delta links last about that long

    def make_client(self, credential: Credential, buckets: EndpointBuckets) -> StorageClient:
        return StorageClient(self.settings, credential, buckets, self.breakers)

    def make_lookups(self, client: StorageClient, identity: str) -> Lookups:
        return Lookups(client, self.cache, identity, self.settings.timezone)

    @property
    def rate_table(self) -> RateTable:
        """Writes at half the pace: Drive and Graph both charge them more (Graph: 2 resource units, reads 1)."""
        return RateTable(self.settings.rate_limit_per_second, {"POST": 0.5, "PATCH": 0.5, "PUT": 0.5, "DELETE": 0.5})
