"""A configured Jira connector: client, lookups, caches, and its tools."""

from __future__ import annotations

from functools import cached_property

from shared.connector import Check
from shared.errors import ConnectorError
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
