"""Jira tests run the real server code against the Atlassian sandbox over real HTTP."""

from __future__ import annotations

import pytest
from mcp import Client

from connectors.jira.connector import connector
from connectors.jira.runtime import JiraRuntime
from connectors.jira.settings import JiraSettings
from sandbox.atlassian.testing import SiteUnderTest, running_site
from sandbox.atlassian.users import DEMO_TOKEN, DEMO_USER
from shared.server import build_app, build_server
from shared.testing import serve_in_thread


class Upstream(SiteUnderTest):
    @property
    def site(self):
        """The Jira emulator's state (sandbox.atlassian.jira.site.JiraSite), for expectations."""
        return self.app.state.jira


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


def make_settings(url: str, **overrides) -> JiraSettings:
    values = dict(url=url, email=DEMO_USER, api_token=DEMO_TOKEN, rate_limit_per_second=1000, http_timeout_seconds=3)
    return JiraSettings(_secrets_dir=None, **(values | overrides))


@pytest.fixture
def settings(upstream) -> JiraSettings:
    return make_settings(upstream.url)


@pytest.fixture
def runtime(settings) -> JiraRuntime:
    return JiraRuntime(settings)


@pytest.fixture
async def jira(settings, runtime):
    """An MCP client talking to the Jira server in memory (same protocol layer as HTTP)."""
    async with Client(build_server(connector, settings, runtime)) as client:
        yield client


@pytest.fixture
def jira_url(settings, runtime):
    """The Jira MCP server over real Streamable HTTP."""
    with serve_in_thread(build_app(connector, settings, runtime)) as base:
        yield f"{base}/mcp"
