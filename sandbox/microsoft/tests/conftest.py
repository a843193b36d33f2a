"""One HTTPS Microsoft sandbox per test session, with a CA made for it; clients trust that CA."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import requests

from sandbox.common.control import SandboxControl
from sandbox.microsoft.app import create_app
from sandbox.microsoft.serving import serve_tls
from sandbox.microsoft.tls import TLSFiles, certificates


@pytest.fixture(scope="session")
def tls(tmp_path_factory: pytest.TempPathFactory) -> TLSFiles:
    return certificates(tmp_path_factory.mktemp("tls"))


@pytest.fixture(scope="session")
def ca(tls: TLSFiles) -> Path:
    return tls.ca


@pytest.fixture(scope="session")
def base_url(tls: TLSFiles) -> Iterator[str]:
    with serve_tls(create_app(), tls) as url:
        yield url


@pytest.fixture(scope="session")
def ssl_context(ca: Path) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(ca))


@pytest.fixture(scope="session")
def control(base_url: str, ca: Path) -> Iterator[SandboxControl]:
    with requests.Session() as session:
        session.verify = str(ca)
        session.trust_env = False  # REQUESTS_CA_BUNDLE would override verify
        yield SandboxControl(base_url, session)


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
def anonymous(base_url: str, ssl_context: ssl.SSLContext) -> Iterator[httpx.Client]:
    """No bearer token: for the pre-authenticated download and upload URLs."""
    with httpx.Client(verify=ssl_context, timeout=30) as client:
        yield client


@pytest.fixture()
def msal_http(ca: Path) -> Iterator[requests.Session]:
    """The HTTP client msal uses: requests trusting the sandbox CA and ignoring CA-bundle environment variables."""
    with requests.Session() as session:
        session.verify = str(ca)
        session.trust_env = False
        yield session
