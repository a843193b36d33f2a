"""Storage tests run the real server code against the Google sandbox (HTTP) and the Microsoft one (HTTPS)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractAsyncContextManager
from typing import Any

import pytest
from mcp import Client

from connectors.storage.connector import connector
from connectors.storage.runtime import StorageRuntime
from connectors.storage.settings import StorageSettings
from sandbox.google.testing import GoogleUnderTest, running_google
from sandbox.microsoft.testing import TenantUnderTest, running_tenant
from shared import testing
from shared.connector import register

register(connector)  # until pyproject declares the entry point

GOOGLE_TOKENS = {"alice": "ya29.sandbox-alice", "bob": "ya29.sandbox-bob"}
GRAPH_TOKENS = {"alice": "demo-alice", "bob": "demo-bob"}
FAST = testing.FAST_SETTINGS

# google_site / tenant_site once per session; google / tenant (a freshly seeded Drive and tenant) per test
globals().update(testing.sandbox_fixtures(google=running_google, tenant=running_tenant))


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


def connected(settings: StorageSettings, runtime: StorageRuntime | None = None) -> AbstractAsyncContextManager[Client]:
    return testing.connected(connector, settings, runtime)


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
