"""A configured Jira connector: the hooks the shared runtime needs, nothing else."""

from __future__ import annotations

from shared.credentials import ConfiguredAccount, Credential, CredentialProvider
from shared.errors import ConfigError, ConnectorError
from shared.ratelimit import EndpointBuckets, RateTable
from shared.runtime import Check, UpstreamRuntime

from .client import UPSTREAM, JiraClient
from .resolve import Lookups
from .settings import JiraSettings


class JiraRuntime(UpstreamRuntime[JiraClient, Lookups]):
    upstream = UPSTREAM
    read_requests = {("POST", "/search/jql"), ("POST", "/changelog/bulkfetch")}  # POST, yet reads
    settings: JiraSettings

    def configured_credentials(self) -> CredentialProvider:
        s = self.settings
        if s.pat is not None:
            return ConfiguredAccount(Credential(f"jira:pat@{s.site}", "bearer", s.pat))
        if s.api_token is None or not s.email:
            raise ConfigError("No jira account is configured: set JIRA_EMAIL and JIRA_API_TOKEN (or JIRA_PAT).")
        return ConfiguredAccount(Credential(f"jira:{s.email}@{s.site}", "basic", s.api_token, username=s.email))

    def make_client(self, credential: Credential, buckets: EndpointBuckets) -> JiraClient:
        return JiraClient(self.settings, credential, buckets, self.breaker)

    def make_lookups(self, client: JiraClient, identity: str) -> Lookups:
        return Lookups(client, self.cache, identity, self.settings.timezone)

    @property
    def rate_table(self) -> RateTable:
        """Jira Cloud's burst limits per endpoint and method: GET/POST at the base rate (100/s by default),
        PUT/PATCH/DELETE at half, single-issue reads at 1.5x
        (developer.atlassian.com/cloud/jira/platform/rate-limiting).
        """
        factors: dict[str | tuple[str, str], float] = {
            "PUT": 0.5,
            "PATCH": 0.5,
            "DELETE": 0.5,
            ("GET", "/rest/api/{}/issue/{}"): 1.5,
        }
        return RateTable(self.settings.rate_limit_per_second, factors)

    async def checks(self) -> list[Check]:
        try:
            me = await self.client.myself()
        except ConnectorError as exc:
            return [Check("jira credentials", False, self.settings.explain(exc))]
        zone = me.get("timeZone") or self.settings.timezone  # what "this week" means for this account
        who = f"{me.get('displayName')}, time zone {zone}"
        checks = [Check("jira credentials", True, f"signed in to {self.settings.site} as {who}")]
        try:
            projects = await self.lookups.projects()
            checks.append(Check("jira projects", bool(projects), f"{len(projects)} projects visible"))
        except ConnectorError as exc:
            checks.append(Check("jira projects", False, str(exc)))
        return checks + self.state_checks()
