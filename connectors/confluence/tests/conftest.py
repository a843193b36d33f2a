"""Confluence tests run the real server code against the Atlassian sandbox over real HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from connectors.confluence.connector import connector
from connectors.confluence.settings import ConfluenceSettings
from sandbox.atlassian.testing import SiteUnderTest, running_site
from sandbox.atlassian.users import DEMO_TOKEN, DEMO_USER
from shared.testing import connector_fixtures


class Upstream(SiteUnderTest):
    @property
    def site(self):
        """The emulator's state (sandbox.atlassian.confluence.site.ConfluenceSite), re-seeded on reset."""
        return self.app.state.confluence

    @property
    def store(self):
        return self.site.store

    @property
    def fixtures(self) -> dict:
        return self.site.fixtures


@pytest.fixture(scope="session")
def atlassian():
    with running_site(Upstream) as site:
        yield site


@pytest.fixture
def upstream(atlassian):
    """A freshly seeded site per test: tests never see each other's writes or faults."""
    atlassian.control.reset()
    yield atlassian
    atlassian.control.clear_faults()


def make_settings(url: str, **overrides) -> ConfluenceSettings:
    values: dict[str, Any] = dict(
        url=url, email=DEMO_USER, api_token=DEMO_TOKEN, rate_limit_per_second=1000, http_timeout_seconds=3
    )
    return ConfluenceSettings(_secrets_dir=None, **(values | overrides))  # type: ignore[call-arg]  # pydantic-settings init kwarg


globals().update(connector_fixtures(connector, make_settings))  # settings, runtime, client, mcp_url


@pytest.fixture
def confluence(client):
    """An MCP client talking to the Confluence server in memory (same protocol layer as HTTP)."""
    return client


@pytest.fixture
def confluence_url(mcp_url):
    """The Confluence MCP server over real Streamable HTTP."""
    return mcp_url
