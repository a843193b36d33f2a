"""A configured Jira connector: client, lookups, caches, and its tools."""

from __future__ import annotations

from functools import cached_property

from shared import state as shared_state
from shared.circuit import CircuitBreaker
from shared.connector import Check
from shared.errors import ConnectorError
from shared.tools import Tool

from .client import UPSTREAM, JiraClient
from .resolve import Lookups
from .settings import JiraSettings


class JiraRuntime:
    def __init__(self, settings: JiraSettings, state: shared_state.State | None = None):
        self.settings = settings
        # In process, or Redis when REDIS_URL is set: then every replica draws from one bucket
        # per (identity, Jira) and shares warm caches, idempotency records and locks.
        self.state = state if state is not None else shared_state.from_env()
        self.cache = self.state.cache(settings.cache_ttl_seconds)
        self.idempotency = self.state.idempotency()
        self.buckets = self.state.buckets(settings.rate_limit_per_second)
        self.breaker = CircuitBreaker(UPSTREAM)  # each replica judges Jira's health for itself

    def identity(self) -> str:
        """Who the upstream sees. Until per-user OAuth, the configured account."""
        return f"jira:{self.settings.email or 'pat'}@{self.settings.site}"

    @cached_property
    def client(self) -> JiraClient:
        return JiraClient(self.settings, self.buckets.get(self.identity(), UPSTREAM), self.breaker)

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
        if self.state.backend != "memory":
            ok = self.state.healthy()
            detail = self.state.describe() + ("" if ok else ": unreachable, falling back to in-process state")
            checks.append(Check("shared state", ok, detail))
        return checks
