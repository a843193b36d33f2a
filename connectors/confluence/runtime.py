"""A configured Confluence connector: client, lookups, caches, and its tools."""

from __future__ import annotations

from functools import cached_property

from shared.connector import Check
from shared.errors import ConnectorError
from shared.ratelimit import RateTable
from shared.runtime import UpstreamRuntime
from shared.tools import Tool

from .client import UPSTREAM, ConfluenceClient
from .resolve import Lookups
from .settings import ConfluenceSettings


class ConfluenceRuntime(UpstreamRuntime):
    upstream = UPSTREAM
    settings: ConfluenceSettings

    def identity(self) -> str:
        """Who the upstream sees. Until per-user OAuth, the configured account."""
        return f"confluence:{self.settings.email or 'pat'}@{self.settings.site}"

    @property
    def rate_table(self) -> RateTable:
        """Confluence Cloud's burst limits per endpoint and method: GET/POST at the base rate (100/s by
        default), PUT/PATCH/DELETE at half (developer.atlassian.com/cloud/confluence/rate-limiting)."""
        return RateTable(self.settings.rate_limit_per_second, {"PUT": 0.5, "PATCH": 0.5, "DELETE": 0.5})

    @cached_property
    def client(self) -> ConfluenceClient:
        return ConfluenceClient(self.settings, self.bucket(), self.breaker)

    @cached_property
    def lookups(self) -> Lookups:
        return Lookups(self.client, self.cache, self.identity())

    async def cql_timezone(self) -> str:
        """The zone Confluence reads CQL date literals in (the caller's profile zone)."""
        return await self.lookups.profile_timezone(self.settings.timezone)

    @cached_property
    def tools(self) -> list[Tool]:
        from .tools import all_tools

        return all_tools(self)

    async def checks(self) -> list[Check]:
        try:
            me = await self.client.current_user()
        except ConnectorError as exc:
            return [Check("confluence credentials", False, str(exc))]
        checks = [Check("confluence credentials", True, f"signed in to {self.settings.wiki} as {me.get('displayName')}")]
        try:
            spaces = await self.lookups.spaces()
            checks.append(Check("confluence spaces", bool(spaces), f"{len(spaces)} spaces visible"))
        except ConnectorError as exc:
            checks.append(Check("confluence spaces", False, str(exc)))
        return checks + self.state_checks()
