"""The rules suite: the Jira server over real HTTP against the Atlassian sandbox, alerts landing in the
sandbox's SMTP server and webhook recorder, state in a SQLite file or the real PostgreSQL."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import httpx
import psycopg
import pytest

from connectors.jira.connector import connector
from connectors.jira.settings import JiraSettings
from sandbox.alerts.smtp import SmtpRecorder
from sandbox.alerts.webhooks import create_app as webhook_app
from sandbox.atlassian.testing import SiteUnderTest, running_site
from sandbox.atlassian.users import DEMO_TOKEN, DEMO_USER
from shared.rules.engine import Bound, Engine
from shared.rules.service import engine_for
from shared.server import build_app
from shared.testing import free_port, serve_in_thread

POSTGRES_URL = "postgresql://postgres@127.0.0.1:5432/test"


class Upstream(SiteUnderTest):
    @property
    def site(self) -> Any:
        return self.app.state.jira

    def advance(self, hours: float) -> str:
        answer = httpx.post(f"{self.url}/__sandbox/clock", json={"advance_hours": hours}, timeout=10)
        answer.raise_for_status()
        return str(answer.json()["now"])

    def issues(self) -> dict[str, Any]:
        return {i.key: i for i in self.site.store.issues.values()}

    def follow_ups(self) -> list[Any]:
        return [i for i in self.issues().values() if i.summary.startswith("Follow up ")]


@dataclass
class Hooks:
    url: str
    inbox: Any

    def received(self, kind: str) -> list[dict[str, Any]]:
        return [r for r in self.inbox.received if r["kind"] == kind]


@pytest.fixture(scope="session")
def atlassian() -> Iterator[Upstream]:
    with running_site(Upstream) as site:
        yield site


@pytest.fixture
def upstream(atlassian: Upstream) -> Iterator[Upstream]:
    atlassian.control.reset()
    yield atlassian
    atlassian.control.clear_faults()


@pytest.fixture
def smtp() -> Iterator[SmtpRecorder]:
    recorder = SmtpRecorder(free_port()).start()
    yield recorder
    recorder.stop()


@pytest.fixture(scope="session")
def hooks_server() -> Iterator[Hooks]:
    app = webhook_app()
    with serve_in_thread(app, lifespan="off") as url:
        yield Hooks(url, app.state.inbox)


@pytest.fixture
def hooks(hooks_server: Hooks) -> Hooks:
    with hooks_server.inbox.lock:
        hooks_server.inbox.received.clear()
        hooks_server.inbox.failures.clear()
    return hooks_server


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A DATABASE_URL whose search_path is a fresh schema of the real PostgreSQL, dropped after the test."""
    schema = f"rules_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute(f"CREATE SCHEMA {schema}")
    try:
        yield f"{POSTGRES_URL}?options={quote(f'-csearch_path={schema}')}"
    finally:
        with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
            admin.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["sqlite"])
def database(request: pytest.FixtureRequest) -> str:
    """Which database holds the rules: SQLite here; tests that also want PostgreSQL parametrize it."""
    return str(request.param)


@pytest.fixture
def rules_env(
    request: pytest.FixtureRequest, database: str, tmp_path: Any, monkeypatch: pytest.MonkeyPatch, smtp: SmtpRecorder
) -> dict[str, str]:
    env = {
        "AUTH_SQLITE_PATH": str(tmp_path / "connectors.db"),
        "DATABASE_URL": request.getfixturevalue("postgres_url") if database == "postgres" else "",
        "SMTP_HOST": smtp.host,
        "SMTP_PORT": str(smtp.port),
        "SMTP_STARTTLS": "false",
        "SMTP_FROM": "rules@connectors.test",
        "RULES_WEBHOOK_HOSTS": "127.0.0.1",
        "RULES_RETRY_SECONDS": "60",
        "RULES_DELIVERY_ATTEMPTS": "3",
        "RULES_ENABLED": "false",
    }
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.delenv("AUTH_PUBLIC_URL", raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return env


def jira_settings(url: str, email: str = DEMO_USER, token: str = DEMO_TOKEN) -> JiraSettings:
    values: dict[str, Any] = dict(url=url, email=email, api_token=token, rate_limit_per_second=1000)
    return JiraSettings(_secrets_dir=None, **values)  # type: ignore[call-arg]  # pydantic-settings init kwarg


@dataclass
class Served:
    mcp_url: str
    runtime: Any

    async def engine(self) -> Engine:
        return await engine_for({"jira": Bound(connector.rules, self.runtime)})


@pytest.fixture
def jira_server(upstream: Upstream, rules_env: dict[str, str]) -> Iterator[Served]:
    """The Jira MCP server as alice, over real Streamable HTTP; `engine()` runs rules with the same runtime kind."""
    settings = jira_settings(upstream.url)
    runtime = connector.runtime(settings)
    with serve_in_thread(build_app(connector, settings, runtime)) as base:
        yield Served(f"{base}/mcp", connector.runtime(settings))


@pytest.fixture
def as_mallory(upstream: Upstream, rules_env: dict[str, str]) -> Iterator[Served]:
    settings = jira_settings(upstream.url, "mallory@example.com", "token-mallory")
    runtime = connector.runtime(settings)
    with serve_in_thread(build_app(connector, settings, runtime)) as base:
        yield Served(f"{base}/mcp", connector.runtime(settings))
