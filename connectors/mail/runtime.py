"""A configured mail connector: the hooks of the shared runtime, over Gmail and Outlook (`shared.providers`)."""

from __future__ import annotations

from shared.credentials import Credential
from shared.providers import ProviderRuntime
from shared.ratelimit import EndpointBuckets, RateTable

from .client import UPSTREAM, MailClient
from .resolve import Lookups
from .settings import MailSettings


class MailRuntime(ProviderRuntime[MailClient, Lookups]):
    upstream = UPSTREAM
    settings: MailSettings
    read_requests = frozenset({("POST", "/batch")})  # Gmail batches of messages.get: replayed like reads
    breaker_names = {"gmail": "Gmail", "outlook": "Outlook"}
    token_settings = {"gmail": "google_token", "outlook": "graph_token"}
    sync_position_seconds = 30 * 24 * 3600  # Gmail keeps history about a week, Graph delta tokens longer

    def make_client(self, credential: Credential, buckets: EndpointBuckets) -> MailClient:
        return MailClient(self.settings, credential, buckets, self.breakers)

    def make_lookups(self, client: MailClient, identity: str) -> Lookups:
        return Lookups(self.cache, identity, self.settings.timezone)

    @property
    def rate_table(self) -> RateTable:
        """Writes at half the pace: a Gmail send costs 100 quota units, a Graph write 2 resource units."""
        return RateTable(self.settings.rate_limit_per_second, {"POST": 0.5, "PATCH": 0.5, "PUT": 0.5, "DELETE": 0.5})
