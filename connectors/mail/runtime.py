"""A configured mail connector: the five hooks of the shared runtime, plus where sync positions are kept."""

from __future__ import annotations

from functools import cached_property

from shared.cache import IdentityCache
from shared.circuit import CircuitBreaker
from shared.credentials import Credential, CredentialProvider, configured_token_set
from shared.errors import ConnectorError
from shared.ratelimit import EndpointBuckets, RateTable
from shared.runtime import Check, UpstreamRuntime

from .client import UPSTREAM, MailClient
from .resolve import Lookups
from .settings import MailSettings

SYNC_POSITION_SECONDS = 30 * 24 * 3600  # Gmail keeps history about a week, Graph delta tokens longer


class MailRuntime(UpstreamRuntime[MailClient, Lookups]):
    upstream = UPSTREAM
    settings: MailSettings
    read_requests = frozenset({("POST", "/batch")})  # Gmail batches of messages.get: replayed like reads

    def configured_credentials(self) -> CredentialProvider:
        s = self.settings
        tokens = {"gmail": s.google_token, "outlook": s.graph_token}
        return configured_token_set("mail", {k: v for k, v in tokens.items() if k in s.providers})

    @cached_property
    def breakers(self) -> dict[str, CircuitBreaker]:
        """One breaker per provider: Gmail failing never pauses Outlook calls."""
        return {"gmail": CircuitBreaker("Gmail"), "outlook": CircuitBreaker("Outlook")}

    @cached_property
    def sync_positions(self) -> IdentityCache:
        """Each person's change-feed position per provider (Gmail history id, Graph delta links), server-side."""
        return self.state.cache(SYNC_POSITION_SECONDS)

    def make_client(self, credential: Credential, buckets: EndpointBuckets) -> MailClient:
        return MailClient(self.settings, credential, buckets, self.breakers)

    def make_lookups(self, client: MailClient, identity: str) -> Lookups:
        return Lookups(self.cache, identity, self.settings.timezone)

    @property
    def rate_table(self) -> RateTable:
        """Writes at half the pace: a Gmail send costs 100 quota units, a Graph write 2 resource units."""
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
