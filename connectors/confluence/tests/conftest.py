"""Confluence tests run the real server code against the Atlassian sandbox over real HTTP."""

from __future__ import annotations

import pytest
from mcp import Client

from connectors.confluence.connector import connector
from connectors.confluence.runtime import ConfluenceRuntime
from connectors.confluence.settings import ConfluenceSettings
from sandbox.atlassian.testing import SiteUnderTest, running_site
from sandbox.atlassian.users import DEMO_TOKEN, DEMO_USER
from shared.server import build_app, build_server
from shared.testing import serve_in_thread


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
    values = dict(url=url, email=DEMO_USER, api_token=DEMO_TOKEN, rate_limit_per_second=1000, http_timeout_seconds=3)
    return ConfluenceSettings(_secrets_dir=None, **(values | overrides))


@pytest.fixture
def settings(upstream) -> ConfluenceSettings:
    return make_settings(upstream.url)


@pytest.fixture
def runtime(settings) -> ConfluenceRuntime:
    return ConfluenceRuntime(settings)


@pytest.fixture
async def confluence(settings, runtime):
    """An MCP client talking to the Confluence server in memory (same protocol layer as HTTP)."""
    async with Client(build_server(connector, settings, runtime)) as client:
        yield client


@pytest.fixture
def confluence_url(settings, runtime):
    """The Confluence MCP server over real Streamable HTTP."""
    with serve_in_thread(build_app(connector, settings, runtime)) as base:
        yield f"{base}/mcp"
