"""Storage tests run the real server code against the Google sandbox (HTTP) and the Microsoft one (HTTPS)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import pytest
from mcp import Client

from connectors.storage.connector import connector
from connectors.storage.runtime import StorageRuntime
from connectors.storage.settings import StorageSettings
from sandbox.google.testing import GoogleUnderTest, running_google
from sandbox.microsoft.testing import TenantUnderTest, running_tenant
from shared import content
from shared.connector import register
from shared.server import build_server

register(connector)  # until pyproject declares the entry point

GOOGLE_TOKENS = {"alice": "ya29.sandbox-alice", "bob": "ya29.sandbox-bob"}
GRAPH_TOKENS = {"alice": "demo-alice", "bob": "demo-bob"}
FAST = {"rate_limit_per_second": 1000, "http_timeout_seconds": 5, "_secrets_dir": None}


@pytest.fixture(scope="session")
def google_site() -> Iterator[GoogleUnderTest]:
    with running_google() as site:
        yield site


@pytest.fixture(scope="session")
def tenant_site() -> Iterator[TenantUnderTest]:
    with running_tenant() as tenant:
        yield tenant


@pytest.fixture
def google(google_site: GoogleUnderTest) -> Iterator[GoogleUnderTest]:
    """A freshly seeded Drive per test."""
    google_site.control.reset()
    yield google_site
    google_site.control.clear_faults()


@pytest.fixture
def tenant(tenant_site: TenantUnderTest) -> Iterator[TenantUnderTest]:
    tenant_site.control.reset()
    yield tenant_site
    tenant_site.control.clear_faults()


def google_settings(url: str, person: str = "alice", **overrides: Any) -> StorageSettings:
    values = {"providers": "google-drive", "google_root_url": url, "google_token": GOOGLE_TOKENS[person]}
    return StorageSettings(**(values | FAST | overrides))


def graph_settings(tenant: TenantUnderTest, person: str = "alice", **overrides: Any) -> StorageSettings:
    values = {
        "providers": "onedrive",
        "graph_url": tenant.graph_url,
        "graph_token": GRAPH_TOKENS[person],
        "graph_ca_file": tenant.ca,
    }
    return StorageSettings(**(values | FAST | overrides))


Connect = Callable[..., AbstractAsyncContextManager[Client]]


@asynccontextmanager
async def connected(settings: StorageSettings, runtime: StorageRuntime | None = None) -> AsyncIterator[Client]:
    try:
        async with Client(build_server(connector, settings, runtime or StorageRuntime(settings))) as client:
            yield client
    finally:
        await content.close_workers()  # conversion workers belong to this test's event loop


@pytest.fixture
def as_google(google: GoogleUnderTest) -> Connect:
    """`async with as_google("bob") as client`: an MCP client acting as that person on Drive."""
    return lambda person="alice", **overrides: connected(google_settings(google.url, person, **overrides))


@pytest.fixture
def as_graph(tenant: TenantUnderTest) -> Connect:
    return lambda person="alice", **overrides: connected(graph_settings(tenant, person, **overrides))


@pytest.fixture
def as_both(google: GoogleUnderTest, tenant: TenantUnderTest) -> Connect:
    """Both providers enabled for one person: one token each in the same credential."""

    def connect(person: str = "alice", **overrides: Any) -> AbstractAsyncContextManager[Client]:
        values = {
            "providers": "google-drive,onedrive",
            "google_root_url": google.url,
            "google_token": GOOGLE_TOKENS[person],
        }
        return connected(graph_settings(tenant, person, **(values | overrides)))

    return connect
