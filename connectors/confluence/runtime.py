"""A configured Confluence connector: the hooks the shared runtime needs, nothing else."""

from __future__ import annotations

from shared.credentials import ConfiguredAccount, Credential, CredentialProvider
from shared.errors import ConfigError, ConnectorError
from shared.ratelimit import EndpointBuckets, RateTable
from shared.runtime import Check, UpstreamRuntime

from .client import UPSTREAM, ConfluenceClient
from .resolve import Lookups
from .settings import ConfluenceSettings


class ConfluenceRuntime(UpstreamRuntime[ConfluenceClient, Lookups]):
    upstream = UPSTREAM
    read_requests = {("POST", "/wiki/rest/api/search"), ("POST", "/users-bulk")}  # POST, yet reads
    settings: ConfluenceSettings

    def configured_credentials(self) -> CredentialProvider:
        s = self.settings
        if s.pat is not None:
            return ConfiguredAccount(Credential(f"confluence:pat@{s.site}", "bearer", s.pat))
        if s.api_token is None or not s.email:
            raise ConfigError(
                "No confluence account is configured: "
                "set CONFLUENCE_EMAIL and CONFLUENCE_API_TOKEN (or CONFLUENCE_PAT)."
            )
        return ConfiguredAccount(Credential(f"confluence:{s.email}@{s.site}", "basic", s.api_token, username=s.email))

    def make_client(self, credential: Credential, buckets: EndpointBuckets) -> ConfluenceClient:
        return ConfluenceClient(self.settings, credential, buckets, self.breaker)

    def make_lookups(self, client: ConfluenceClient, identity: str) -> Lookups:
        return Lookups(client, self.cache, identity, self.settings.timezone)

    @property
    def rate_table(self) -> RateTable:
        """Confluence Cloud's burst limits per endpoint and method: GET/POST at the base rate (100/s by
        default), PUT/PATCH/DELETE at half (developer.atlassian.com/cloud/confluence/rate-limiting)."""
        return RateTable(self.settings.rate_limit_per_second, {"PUT": 0.5, "PATCH": 0.5, "DELETE": 0.5})

    async def checks(self) -> list[Check]:
        try:
            me = await self.client.current_user()
        except ConnectorError as exc:
            return [Check("confluence credentials", False, self.settings.explain(exc))]
        who = me.get("displayName")
        who = f"{who}, time zone {me.get('timeZone') or self.settings.timezone}"
        checks = [Check("confluence credentials", True, f"signed in to {self.settings.wiki} as {who}")]
        try:
            spaces = await self.lookups.spaces()
            checks.append(Check("confluence spaces", bool(spaces), f"{len(spaces)} spaces visible"))
        except ConnectorError as exc:
            checks.append(Check("confluence spaces", False, str(exc)))
        return checks + self.state_checks()
