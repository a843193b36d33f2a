"""The contract suite runs for every registered connector, each against its own sandbox.

The echo connector (tests/contract/echo/) is registered here, in process: a third connector written
only from docs/adding-a-connector.md, proving a new connector gets the whole suite by registering.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import ExitStack

import pytest

from shared.connector import Connector, connectors, register, sandboxes
from shared.settings import load_settings
from shared.testing import serve_in_thread

from .echo.connector import connector as echo
from .echo.sandbox import SANDBOX as echo_sandbox

register(echo)
register(echo_sandbox)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "connector" in metafunc.fixturenames:
        found = list(connectors().values())
        metafunc.parametrize("connector", found, ids=[c.name for c in found], scope="module")


@pytest.fixture(scope="session")
def sandbox_urls() -> Iterator[dict[str, str]]:
    """Each sandbox a connector needs, started once for the session, by name."""
    with ExitStack() as stack:
        urls: dict[str, str] = {}
        for name in {name for connector in connectors().values() for name in connector.sandboxes}:
            box = sandboxes()[name]
            tls = box.tls() if box.tls else None  # e.g. Microsoft's: msal only speaks https
            urls[name] = stack.enter_context(serve_in_thread(box.create_app(), lifespan="off", tls=tls))
        yield urls


@pytest.fixture(scope="module")
def environment(connector: Connector, sandbox_urls: dict[str, str]) -> dict[str, str]:
    """The connector's settings pointed at its sandbox, as `connectors demo` does."""
    return connector.env_for(sandbox_urls)


@pytest.fixture
def settings_for(environment: dict[str, str], connector: Connector, monkeypatch: pytest.MonkeyPatch):
    """Settings from the sandbox environment, with overrides (e.g. read_only=True, a wrong secret)."""

    def make(**overrides: object):
        for name in list(os.environ):
            if name.startswith(connector.settings.env_name("")):
                monkeypatch.delenv(name)
        for name, value in environment.items():
            monkeypatch.setenv(name, value)
        return load_settings(connector.settings, **overrides)

    return make
