"""A configured Jira connector: client, lookups, caches, and its tools."""

from __future__ import annotations

from functools import cached_property

from shared.connector import Check
from shared.errors import ConnectorError
from shared.ratelimit import RateTable
from shared.runtime import UpstreamRuntime
from shared.tools import Tool

from .client import UPSTREAM, JiraClient
from .resolve import Lookups
from .settings import JiraSettings


class JiraRuntime(UpstreamRuntime):
    upstream = UPSTREAM
    settings: JiraSettings

    def identity(self) -> str:
        """Who the upstream sees. Until per-user OAuth, the configured account."""
        return f"jira:{self.settings.email or 'pat'}@{self.settings.site}"

    @property
    def rate_table(self) -> RateTable:
        """Jira Cloud's burst limits per endpoint and method: GET/POST at the base rate (100/s by default),
        PUT/PATCH/DELETE at half, single-issue reads at 1.5x (developer.atlassian.com/cloud/jira/platform/rate-limiting)."""
        return RateTable(self.settings.rate_limit_per_second,
                         {"PUT": 0.5, "PATCH": 0.5, "DELETE": 0.5, ("GET", "/rest/api/{}/issue/{}"): 1.5})

    @cached_property
    def client(self) -> JiraClient:
        return JiraClient(self.settings, self.bucket(), self.breaker)

    @cached_property
    def lookups(self) -> Lookups:
        return Lookups(self.client, self.cache, self.identity())

    async def timezone(self) -> str:
        return await self.lookups.timezone(self.settings.timezone)

    @cached_property
    def tools(self) -> list[Tool]:
        from .tools import all_tools

        return all_tools(self)

    async def checks(self) -> list[Check]:
        try:
            me = await self.client.myself()
        except ConnectorError as exc:
            return [Check("jira credentials", False, str(exc))]
        checks = [Check("jira credentials", True, f"signed in to {self.settings.site} as {me.get('displayName')}")]
        try:
            projects = await self.lookups.projects()
            checks.append(Check("jira projects", bool(projects), f"{len(projects)} projects visible"))
        except ConnectorError as exc:
            checks.append(Check("jira projects", False, str(exc)))
        return checks + self.state_checks()
