"""The `connectors` command and the generated tool table, with a fake connector (no network)."""

from __future__ import annotations

import os

import pytest
from pydantic import Field
from pydantic_settings import SettingsConfigDict

import shared.cli as cli
from shared.connector import Check, Connector
from shared.credentials import ConfiguredAccount, Credential
from shared.settings import ServerSettings
from shared.tools import Effect, tool
from shared.toolstable import markdown_table


class DemoSettings(ServerSettings):
    model_config = SettingsConfigDict(extra="ignore", env_prefix="DEMO_")

    url: str = Field(description="Base URL of the demo upstream")


@tool(name="demo_search", title="Search", description="Find things | fast.", effect=Effect.READ, toolset="search")
async def demo_search(rt, query: str) -> str:
    return query


@tool(name="demo_create", title="Create", description="Create a thing.", effect=Effect.ADD, toolset="things")
async def demo_create(rt, summary: str) -> str:
    return summary


@tool(name="demo_send", title="Send", description="Send it out.", effect=Effect.SEND, toolset="mail")
async def demo_send(rt, summary: str) -> str:
    return summary


class DemoRuntime:
    def __init__(self, settings):
        self.settings = settings
        self.credentials = ConfiguredAccount(Credential("demo:alice", "bearer", "secret"))

    def identity(self) -> str:
        return "alice"

    async def checks(self) -> list[Check]:
        return [Check("credentials", True, "signed in as alice"), Check("projects", False, "no project visible")]


DEMO = Connector(
    name="demo",
    title="Demo",
    default_port=8999,
    settings=DemoSettings,
    instructions="A demo connector.",
    tools=[demo_search, demo_create, demo_send],
    runtime=DemoRuntime,
    sandboxes=(),
    sandbox_env=lambda sites: {},
)


@pytest.fixture(autouse=True)
def isolated(monkeypatch, tmp_path):
    for name in list(os.environ):
        if name.startswith("DEMO_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("CONNECTORS_SECRETS_DIR", str(tmp_path))
    monkeypatch.setattr(cli, "connectors", lambda: {"demo": DEMO})
    monkeypatch.setattr(cli, "configure_logging", lambda level: None)  # keep pytest's log capture


@pytest.fixture
def served(monkeypatch):
    started = []

    async def fake_serve_all(servers, drain_seconds=0.0, on_ready=None):
        started.extend(servers)
        if on_ready is not None:
            on_ready()

    monkeypatch.setattr(cli, "serve_all", fake_serve_all)
    return started


def test_unknown_connector_exits_2_listing_the_available_ones(capsys):
    assert cli.main(["serve", "nope"]) == 2
    assert 'Unknown connector "nope". Available: demo.' in capsys.readouterr().err


def test_missing_configuration_exits_2_naming_the_variable(capsys, served):
    assert cli.main(["serve", "demo"]) == 2
    assert "DEMO_URL is missing" in capsys.readouterr().err
    assert served == []


def test_serve_on_a_public_address_is_refused_without_the_flag(monkeypatch, capsys, served):
    monkeypatch.setenv("DEMO_URL", "http://upstream.local")
    assert cli.main(["serve", "demo", "--host", "0.0.0.0"]) == 2
    assert "--allow-unauthenticated" in capsys.readouterr().err
    assert served == []


def test_serve_on_a_public_address_with_the_flag(monkeypatch, served):
    monkeypatch.setenv("DEMO_URL", "http://upstream.local")
    assert cli.main(["serve", "demo", "--host", "0.0.0.0", "--allow-unauthenticated", "--port", "9100"]) == 0
    (server,) = served
    assert (server.host, server.port) == ("0.0.0.0", 9100)


def test_serve_defaults_to_loopback_and_the_connectors_port(monkeypatch, capsys, served):
    monkeypatch.setenv("DEMO_URL", "http://upstream.local")
    assert cli.main(["serve", "demo"]) == 0
    (server,) = served
    assert (server.host, server.port) == ("127.0.0.1", 8999)
    assert "Demo MCP server: http://127.0.0.1:8999/mcp" in capsys.readouterr().err


def test_served_app_health_and_readiness(monkeypatch, served):
    from starlette.testclient import TestClient

    monkeypatch.setenv("DEMO_URL", "http://upstream.local")
    cli.main(["serve", "demo"])
    (server,) = served
    http = TestClient(server.app, base_url="http://127.0.0.1")
    assert http.get("/healthz").json() == {"status": "ok"}
    assert http.get("/readyz").status_code == 200
    server.app.state.readiness.draining = True
    ready = http.get("/readyz")
    assert (ready.status_code, ready.json()) == (503, {"status": "draining"})
    assert "connector_tool_calls_total" in http.get("/metrics").text


def test_read_only_flag_registers_read_tools_only(monkeypatch, served):
    import anyio

    monkeypatch.setenv("DEMO_URL", "http://upstream.local")
    cli.main(["serve", "demo", "--read-only"])
    (server,) = served
    listed = anyio.run(server.app.state.mcp_server.list_tools)
    assert [t.name for t in listed] == ["demo_search"]


def test_doctor_prints_each_check_and_fails_if_one_fails(monkeypatch, capsys):
    monkeypatch.setenv("DEMO_URL", "http://upstream.local")
    assert cli.main(["doctor", "demo"]) == 1
    out = capsys.readouterr().out
    assert "configuration: ok (DEMO_* variables)" in out
    assert "credentials: ok - signed in as alice" in out
    assert "projects: FAILED - no project visible" in out


def test_tools_prints_the_table_without_configuration(capsys):
    assert cli.main(["tools", "demo"]) == 0  # DEMO_URL is not set: no settings are validated
    out = capsys.readouterr().out
    assert "### Demo (`connectors serve demo`, port 8999)" in out
    assert "| `demo_create` | write (additive) | things | Create a thing. |" in out


def test_markdown_table_labels_every_effect():
    table = markdown_table([DEMO])
    assert "| `demo_search` | read | search |" in table
    assert "| `demo_send` | write (destructive, open world) | mail |" in table
    assert table.count("\n| `") == 3


def test_listing_the_tools_needs_no_runtime():
    assert [t.name for t in DEMO.tools] == ["demo_search", "demo_create", "demo_send"]


def test_parser_requires_a_command():
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args([])
    args = cli.build_parser().parse_args(["serve", "demo", "--stdio", "--drain-seconds", "5"])
    assert (args.name, args.stdio, args.drain_seconds, args.host) == ("demo", True, 5.0, None)


def test_markdown_table_escapes_pipes_in_descriptions():
    """Regression: a raw "|" in a description added a column and broke the README row."""
    row = next(line for line in markdown_table([DEMO]).splitlines() if "`demo_search`" in line)
    assert row == "| `demo_search` | read | search | Find things \\| fast. |"


def test_a_port_in_use_is_one_line_naming_it_and_the_option(monkeypatch, capsys):
    import socket

    monkeypatch.setenv("DEMO_URL", "http://127.0.0.1:1")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert cli.main(["serve", "demo", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"Port {port} on 127.0.0.1 is already in use" in err and "--port" in err
    assert "Traceback" not in err and "http://" not in err  # nothing announced that is not served


def test_demo_port_options_must_name_a_server_or_sandbox(capsys):
    assert cli.main(["demo", "--port", "nosuch=9001"]) == 2
    assert "not a server or sandbox" in capsys.readouterr().err
    assert cli.main(["demo", "--port", "jira"]) == 2
    assert "is not NAME=PORT" in capsys.readouterr().err


def test_tools_piped_into_head_ends_quietly():
    import subprocess
    import sys

    proc = subprocess.Popen(
        [sys.executable, "-m", "shared.cli", "tools"], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    assert proc.stdout is not None
    proc.stdout.close()  # like `| head` once it has read what it wants: the reader is gone before the table is written
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and b"Traceback" not in err and b"BrokenPipe" not in err, err
