"""A configured Echo connector: the five hooks of the shared runtime."""

from __future__ import annotations

from shared.credentials import ConfiguredAccount, Credential, CredentialProvider
from shared.errors import ConnectorError
from shared.ratelimit import EndpointBuckets, RateTable
from shared.runtime import Check, UpstreamRuntime

from .client import UPSTREAM, EchoClient
from .settings import EchoSettings


class EchoRuntime(UpstreamRuntime[EchoClient, None]):
    upstream = UPSTREAM
    settings: EchoSettings

    def configured_credentials(self) -> CredentialProvider:
        return ConfiguredAccount(Credential(f"echo:token@{self.settings.url}", "bearer", self.settings.token))

    def make_client(self, credential: Credential, buckets: EndpointBuckets) -> EchoClient:
        return EchoClient(self.settings, credential, buckets, self.breaker)

    def make_lookups(self, client: EchoClient, identity: str) -> None:
        return None  # nothing to resolve: notes are found by words

    @property
    def rate_table(self) -> RateTable:
        return RateTable(self.settings.rate_limit_per_second, {"POST": 0.5})

    async def checks(self) -> list[Check]:
        try:
            me = await self.client.me()
        except ConnectorError as exc:
            return [Check("echo credentials", False, self.settings.explain(exc))]
        return [Check("echo credentials", True, f"signed in as {me['name']}")] + self.state_checks()
