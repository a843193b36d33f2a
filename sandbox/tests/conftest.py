from __future__ import annotations

from datetime import UTC, datetime

import pytest
import requests

from sandbox.atlassian.app import create_app
from sandbox.atlassian.users import DEMO_TOKEN, DEMO_USER
from sandbox.common.control import SandboxControl
from sandbox.common.server import run_in_thread

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def jira_url():
    url, stop = run_in_thread(create_app(seed=42, now=NOW, rate_limits=True))
    yield url
    stop()


@pytest.fixture(scope="session")
def control(jira_url):
    return SandboxControl(jira_url)


@pytest.fixture()
def clean(control):
    control.clear_faults()
    control.configure(latency_ms=0, rate_limits=True)
    yield control
    control.clear_faults()
    control.configure(latency_ms=0, rate_limits=True)


@pytest.fixture(scope="session")
def http(jira_url):
    s = requests.Session()
    s.auth = (DEMO_USER, DEMO_TOKEN)
    s.headers["Accept"] = "application/json"
    s.base = jira_url  # type: ignore[attr-defined]
    return s


class Api:
    def __init__(self, session, base):
        self.s, self.base = session, base

    def get(self, path, **kw):
        return self.s.get(self.base + path, timeout=10, **kw)

    def post(self, path, json=None, **kw):
        return self.s.post(self.base + path, json=json, timeout=10, **kw)

    def put(self, path, json=None, **kw):
        return self.s.put(self.base + path, json=json, timeout=10, **kw)


@pytest.fixture(scope="session")
def api(http, jira_url):
    return Api(http, jira_url)
