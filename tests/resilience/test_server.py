"""Binding rules and the HTTP app's side routes."""

from __future__ import annotations

import pytest
from pydantic_settings import SettingsConfigDict

from shared.errors import ConfigError
from shared.server import check_bind, is_loopback, transport_security
from shared.settings import ServerSettings


class DemoSettings(ServerSettings):
    model_config = SettingsConfigDict(extra="ignore", env_prefix="DEMO_")


def settings(**values) -> DemoSettings:
    return DemoSettings(_secrets_dir=None, **values)  # type: ignore[call-arg]  # pydantic-settings init kwarg


@pytest.mark.parametrize("host", ["127.0.0.1", "127.0.0.2", "::1", "[::1]", "localhost"])
def test_loopback_hosts(host):
    assert is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "[::]", "10.0.0.5", "192.168.1.2", "example.com", ""])
def test_non_loopback_hosts(host):
    assert not is_loopback(host)


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "10.0.0.5"])
def test_check_bind_refuses_public_addresses_without_auth(host):
    with pytest.raises(ConfigError) as info:
        check_bind(host, settings())
    message = str(info.value)
    assert f"Refusing to listen on {host}" in message
    assert "--allow-unauthenticated" in message
    assert "DEMO_ALLOW_UNAUTHENTICATED=true" in message


@pytest.mark.parametrize("host", ["0.0.0.0", "::"])
def test_check_bind_allows_public_addresses_when_told_to(host):
    check_bind(host, settings(allow_unauthenticated=True))


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "localhost"])
def test_check_bind_accepts_loopback(host):
    check_bind(host, settings())


def test_transport_security_allows_loopback_and_configured_hosts_only():
    security = transport_security(settings(allowed_hosts=["mcp.example.com"]))
    assert security.enable_dns_rebinding_protection
    for host in ["127.0.0.1", "127.0.0.1:*", "localhost:*", "[::1]:*", "mcp.example.com", "mcp.example.com:*"]:
        assert host in security.allowed_hosts
    assert "evil.example.net" not in security.allowed_hosts
    for origin in ["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*", "https://mcp.example.com"]:
        assert origin in security.allowed_origins
    assert "http://mcp.example.com" not in security.allowed_origins


# -- Host and Origin over real HTTP ----------------------------------------------------------------

INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}},
}


@pytest.fixture(scope="module")
def mcp_url():
    from connectors.jira.connector import connector
    from connectors.jira.runtime import JiraRuntime
    from connectors.jira.settings import JiraSettings
    from shared.server import build_app
    from shared.testing import serve_in_thread

    values = dict(url="http://127.0.0.1:9", email="a@example.com", api_token="not-used")
    jira = JiraSettings(_secrets_dir=None, allowed_hosts=["mcp.example.com"], **values)
    with serve_in_thread(build_app(connector, jira, JiraRuntime(jira))) as base:
        yield f"{base}/mcp"


def post(url: str, **headers: str) -> int:
    import requests

    sent = {"Accept": "application/json, text/event-stream", "Content-Type": "application/json", **headers}
    return requests.post(url, json=INITIALIZE, headers=sent, timeout=10).status_code


@pytest.mark.parametrize(
    "origin",
    [
        None,
        "http://127.0.0.1:{port}",
        "http://localhost:{port}",
        "http://localhost",
        "https://localhost:{port}",
        "http://[::1]:{port}",
        "https://mcp.example.com",
        "https://mcp.example.com:8443",
    ],
)
def test_loopback_and_configured_origins_are_served(mcp_url, origin):
    port = mcp_url.split(":")[2].split("/")[0]
    headers = {} if origin is None else {"Origin": origin.format(port=port)}
    assert post(mcp_url, **headers) == 200


@pytest.mark.parametrize(
    "origin",
    [
        "http://evil.example.net",
        "https://evil.example.net:443",
        "http://mcp.example.com",  # configured hosts over https only
        "null",
        "http://127.0.0.1:evil.com",
        "http://localhost.evil.com",
        "http://127.0.0.1:80@evil.com",
        "file://localhost",
    ],
)
def test_foreign_origins_are_refused_with_403(mcp_url, origin):
    assert post(mcp_url, Origin=origin) == 403


@pytest.mark.parametrize(
    "host",
    ["evil.example.net", "127.0.0.1:evil.com", "localhost:80:80", "localhost:99999", "127.0.0.1.evil.com", "[::2]:80"],
)
def test_foreign_or_malformed_hosts_are_refused_with_421(mcp_url, host):
    assert post(mcp_url, Host=host) == 421


@pytest.mark.parametrize(
    "host", ["127.0.0.1:8000", "localhost", "[::1]:8001", "mcp.example.com", "mcp.example.com:443"]
)
def test_loopback_and_configured_hosts_are_served(mcp_url, host):
    assert post(mcp_url, Host=host) == 200


def test_side_routes_answer_whatever_the_host(mcp_url):
    import requests

    health = mcp_url.removesuffix("/mcp") + "/healthz"
    assert requests.get(health, headers={"Host": "10.1.2.3:8001"}, timeout=10).status_code == 200
