"""One HTTPS Microsoft sandbox per test session (sandbox.microsoft.testing); clients trust its CA."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import requests

from sandbox.common.control import SandboxControl
from sandbox.microsoft.testing import TenantUnderTest, running_tenant


@pytest.fixture(scope="session")
def tenant() -> Iterator[TenantUnderTest]:
    with running_tenant() as running:
        yield running


@pytest.fixture(scope="session")
def base_url(tenant: TenantUnderTest) -> str:
    return tenant.url


@pytest.fixture(scope="session")
def ca(tenant: TenantUnderTest) -> Path:
    return Path(tenant.ca)


@pytest.fixture(scope="session")
def ssl_context(tenant: TenantUnderTest) -> ssl.SSLContext:
    return tenant.ssl_context()


@pytest.fixture(scope="session")
def control(tenant: TenantUnderTest) -> SandboxControl:
    return tenant.control


@pytest.fixture()
def fresh(control: SandboxControl) -> Iterator[SandboxControl]:
    """A re-seeded tenant with default limits, and the same again afterwards for the next test."""
    control.reset()
    yield control
    control.reset()


def graph_client(base_url: str, ssl_context: ssl.SSLContext, token: str | None) -> httpx.Client:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return httpx.Client(base_url=base_url + "/v1.0", verify=ssl_context, headers=headers, timeout=30)


@pytest.fixture()
def alice(base_url: str, ssl_context: ssl.SSLContext) -> Iterator[httpx.Client]:
    with graph_client(base_url, ssl_context, "demo-alice") as client:
        yield client


@pytest.fixture()
def bob(base_url: str, ssl_context: ssl.SSLContext) -> Iterator[httpx.Client]:
    with graph_client(base_url, ssl_context, "demo-bob") as client:
        yield client


@pytest.fixture()
def anonymous(ssl_context: ssl.SSLContext) -> Iterator[httpx.Client]:
    """No bearer token: for the pre-authenticated download and upload URLs."""
    with httpx.Client(verify=ssl_context, timeout=30) as client:
        yield client


@pytest.fixture()
def msal_http(tenant: TenantUnderTest) -> Iterator[requests.Session]:
    """The HTTP client msal uses: requests trusting the sandbox CA and ignoring CA-bundle environment variables."""
    with tenant.http_session() as session:
        yield session
