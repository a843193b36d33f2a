"""The `connectors` CLI end to end: real subprocesses, real HTTP, the `mcp` SDK client."""

from __future__ import annotations

import http.client
import json
import re
import signal
import sys
import time
from urllib.parse import urlsplit

import pytest
from mcp import Client

from .conftest import (
    JIRA_LOGIN,
    clean_env,
    free_port,
    http_get,
    port_is_free,
    run_cli,
    start_cli,
    start_jira,
    wait_for_exit,
    wait_until_healthy,
)

pytestmark = [pytest.mark.e2e]

ERAS = [("legacy", "2025-11-25"), ("auto", "2026-07-28")]
WRITE_TOOLS = {
    "jira_create_issue",
    "jira_update_issue",
    "jira_transition_issue",
    "jira_add_comment",
    "jira_link_issues",
}


def _raw_post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
    """POST with exactly these headers (http.client lets us set a foreign Host)."""
    parts = urlsplit(url)
    assert parts.hostname is not None, url
    conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        conn.request("POST", parts.path, body=body, headers=headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def _tools_list_request(host: str, **extra: str) -> dict[str, str]:
    return {
        "Host": host,
        "Content-Type": "application/json",
        "Accept": "application/json, text/event-stream",
        "MCP-Protocol-Version": "2025-11-25",
        **extra,
    }


TOOLS_LIST = json.dumps({"jsonrpc": "2.0", "id": 1, "method": "tools/list", "params": {}}).encode()


# --------------------------------------------------------------------------- MCP over HTTP


@pytest.mark.anyio
@pytest.mark.parametrize(("mode", "version"), ERAS, ids=[m for m, _ in ERAS])
async def test_tools_list_in_both_eras(mcp_url, mode, version):
    async with Client(mcp_url, mode=mode) as client:
        assert client.protocol_version == version
        tools = (await client.list_tools()).tools
    names = {tool.name for tool in tools}
    assert {"search", "fetch", "jira_search_issues", "jira_get_issue"} <= names
    assert WRITE_TOOLS <= names, "the full server registers the write tools"
    for tool in tools:
        assert tool.annotations is not None, tool.name
        assert isinstance(tool.annotations.read_only_hint, bool), tool.name


@pytest.mark.anyio
@pytest.mark.parametrize(("mode", "version"), ERAS, ids=[m for m, _ in ERAS])
async def test_search_returns_id_title_url(mcp_url, mode, version):
    async with Client(mcp_url, mode=mode) as client:
        result = await client.call_tool("search", {"query": "checkout"})
    assert not result.is_error, result.content
    results = result.structured_content["results"]
    assert results, "the sandbox has issues about checkout"
    for item in results:
        assert item["id"] and item["title"] and item["url"].startswith("http"), item
    assert any("checkout" in item["title"].lower() for item in results)
    # search/fetch contract: the same object as one JSON text item
    texts = [c.text for c in result.content if c.type == "text"]
    assert len(texts) == 1 and json.loads(texts[0]) == result.structured_content


# --------------------------------------------------------------------------- HTTP endpoints


def test_healthz_and_readyz(jira_server):
    assert http_get(f"{jira_server.url}/healthz")[0] == 200
    status, body = http_get(f"{jira_server.url}/readyz")
    assert status == 200, body
    assert json.loads(body)["status"] == "ready"


@pytest.mark.anyio
async def test_metrics_count_tool_calls(jira_server, mcp_url):
    async with Client(mcp_url) as client:
        await client.call_tool("search", {"query": "checkout"})
    status, body = http_get(f"{jira_server.url}/metrics")
    assert status == 200
    text = body.decode()
    assert "connector_tool_calls_total" in text
    assert re.search(r'^connector_tool_calls_total\{[^}]*tool="search"[^}]*\} [1-9]', text, re.M), text[:2000]


def test_foreign_host_header_is_refused(jira_server, mcp_url):
    status, body = _raw_post(mcp_url, TOOLS_LIST, _tools_list_request("evil.example"))
    assert status in (421, 403), (status, body[:300])
    # control: the same request with the loopback Host passes the check
    port = urlsplit(mcp_url).port
    status, body = _raw_post(mcp_url, TOOLS_LIST, _tools_list_request(f"127.0.0.1:{port}"))
    assert status == 200, (status, body[:300])
    assert "search" in body.decode()


def test_foreign_origin_is_refused(mcp_url):
    port = urlsplit(mcp_url).port
    headers = _tools_list_request(f"127.0.0.1:{port}", Origin="https://evil.example")
    status, body = _raw_post(mcp_url, TOOLS_LIST, headers)
    assert status == 403, (status, body[:300])


# --------------------------------------------------------------------------- configuration errors


def test_listening_beyond_loopback_needs_allow_unauthenticated(sandbox):
    env = clean_env(JIRA_URL=sandbox.url, **JIRA_LOGIN)
    try:
        done = run_cli(["serve", "jira", "--host", "0.0.0.0", "--port", str(free_port())], env, timeout=30)
    except Exception as exc:  # subprocess.TimeoutExpired: it started listening on 0.0.0.0
        pytest.fail(f"`serve jira --host 0.0.0.0` did not refuse to start: {exc!r}")
    assert done.returncode != 0
    assert "--allow-unauthenticated" in done.stderr, done.stderr


def test_missing_jira_url_is_named():
    env = clean_env(**JIRA_LOGIN)
    done = run_cli(["serve", "jira", "--port", str(free_port())], env, timeout=30)
    assert done.returncode != 0
    assert "JIRA_URL" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr, done.stderr


# --------------------------------------------------------------------------- read-only


@pytest.fixture(scope="module")
def read_only_server(sandbox, e2e_logs):
    proc = start_jira(sandbox.url, e2e_logs / "jira-read-only.log", "--read-only")
    yield proc
    proc.stop()


@pytest.mark.anyio
@pytest.mark.parametrize("mode", ["legacy", "auto"])
async def test_read_only_lists_only_read_tools(read_only_server, mcp_url, mode):
    async with Client(f"{read_only_server.url}/mcp", mode=mode) as client:
        read_only = (await client.list_tools()).tools
    async with Client(mcp_url, mode=mode) as client:
        full = (await client.list_tools()).tools
    assert read_only, "read-only mode still serves the read tools"
    for tool in read_only:
        assert tool.annotations is not None and tool.annotations.read_only_hint is True, tool.name
    assert not WRITE_TOOLS & {tool.name for tool in read_only}
    expected = {t.name for t in full if t.annotations and t.annotations.read_only_hint}
    assert {t.name for t in read_only} == expected


# --------------------------------------------------------------------------- shutdown


def test_sigterm_exits_zero(sandbox, e2e_logs):
    proc = start_jira(sandbox.url, e2e_logs / "jira-sigterm.log")
    try:
        started = time.monotonic()
        proc.popen.send_signal(signal.SIGTERM)
        code = wait_for_exit(proc, timeout=15)
        assert code == 0, proc.tail()
        assert time.monotonic() - started < 15
    finally:
        proc.stop()


def test_sigterm_fails_readiness_while_draining(sandbox, e2e_logs):
    proc = start_jira(sandbox.url, e2e_logs / "jira-drain.log", "--drain-seconds", "3")
    try:
        proc.popen.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 3
        seen = None
        while time.monotonic() < deadline:
            seen = http_get(f"{proc.url}/readyz", timeout=2)[0]
            if seen == 503:
                break
            time.sleep(0.05)
        assert seen == 503, f"/readyz answered {seen} during the drain period"
        assert http_get(f"{proc.url}/healthz", timeout=2)[0] == 200, "still alive while draining"
        assert wait_for_exit(proc, timeout=20) == 0, proc.tail()
    finally:
        proc.stop()


# --------------------------------------------------------------------------- demo


def wait_for_output(proc, text: str, timeout: float = 30.0) -> str:
    """The process's output once it contains `text` (polled with a deadline)."""
    deadline = time.monotonic() + timeout
    while text not in (output := proc.output()) and time.monotonic() < deadline and proc.popen.poll() is None:
        time.sleep(0.05)
    return output


@pytest.mark.anyio
async def test_demo_runs_sandbox_and_every_server(e2e_logs):
    from shared.connector import installed_connectors, installed_sandboxes

    servers = {c.title: c.default_port for c in installed_connectors().values()}
    boxes = {name: s.default_port for name, s in installed_sandboxes().items()}
    assert servers.get("Jira") == 8001 and boxes.get("atlassian") == 9100, (servers, boxes)
    busy = sorted(port for port in [*servers.values(), *boxes.values()] if not port_is_free(port))
    if busy:
        pytest.fail(
            f"`connectors demo` uses fixed ports {sorted(servers.values())} (servers) and {sorted(boxes.values())} "
            f"(sandboxes); busy here: {busy}. Stop whatever listens there (another demo?) and rerun."
        )
    proc = start_cli(["demo"], e2e_logs / "demo.log", clean_env())
    try:
        wait_until_healthy(proc, "http://127.0.0.1:8001/healthz")
        for port in servers.values():
            wait_until_healthy(proc, f"http://127.0.0.1:{port}/healthz")
        output = wait_for_output(proc, "Press Ctrl-C to stop.")  # printed once every server is served
        for title, port in servers.items():
            assert f"{title}: http://127.0.0.1:{port}/mcp" in output, output
        for name, port in boxes.items():
            scheme = "https" if installed_sandboxes()[name].tls else "http"
            assert f"sandbox {name}: {scheme}://127.0.0.1:{port}" in output, output
        assert "Press Ctrl-C to stop." in output, output
        # who the demo acts as: name, time zone, what is visible, and what to try first
        assert "as Alice Martin, time zone Europe/Paris" in output and "3 projects visible" in output, output
        assert "Try first" in output, output
        async with Client("http://127.0.0.1:8001/mcp") as client:
            result = await client.call_tool("search", {"query": "checkout"})
        assert not result.is_error, result.content
        assert result.structured_content["results"]
        assert all(r["url"].startswith("http://127.0.0.1:9100/") for r in result.structured_content["results"])
        proc.popen.send_signal(signal.SIGTERM)
        assert wait_for_exit(proc, timeout=20) == 0, proc.tail()
    finally:
        proc.stop()


def test_demo_with_sign_in_asks_every_caller_to_sign_in(e2e_logs):
    """`connectors demo --auth`: each server runs its authorization server, brokered to the sandbox's login."""
    from shared.connector import installed_connectors

    proc = start_cli(["demo", "--auth"], e2e_logs / "demo-auth.log", clean_env())
    try:
        wait_until_healthy(proc, "http://127.0.0.1:8001/healthz")
        for connector in installed_connectors().values():
            assert connector.sign_in is not None, f"{connector.name} has no per-user sign-in"
            base = f"http://127.0.0.1:{connector.default_port}"
            wait_until_healthy(proc, f"{base}/healthz")
            status, body = http_get(f"{base}/.well-known/oauth-protected-resource/mcp", timeout=5)
            assert status == 200 and f'"resource":"{base}/mcp"' in body.decode().replace(" ", ""), body
            assert http_get(f"{base}/.well-known/oauth-authorization-server", timeout=5)[0] == 200
        output = wait_for_output(proc, "Press Ctrl-C to stop.")
        assert "Sign-in is on" in output and "password-alice" in output, output
        proc.popen.send_signal(signal.SIGTERM)
        assert wait_for_exit(proc, timeout=20) == 0, proc.tail()
    finally:
        proc.stop()


@pytest.mark.anyio
async def test_stdio_for_local_clients(sandbox):
    """`connectors serve jira --stdio`: MCP over stdin/stdout; logs stay on stderr."""
    from mcp import StdioServerParameters

    params = StdioServerParameters(
        command=sys.executable,
        args=["-m", "shared.cli", "serve", "jira", "--stdio"],
        env=clean_env(JIRA_URL=sandbox.url, **JIRA_LOGIN),
    )
    async with Client(params) as client:
        tools = await client.list_tools()
        result = await client.call_tool("search", {"query": "checkout"})
    assert "jira_create_issue" in {t.name for t in tools.tools}
    assert not result.is_error and result.structured_content["results"]
