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
    return DemoSettings(_secrets_dir=None, **values)


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
    assert security.allowed_origins == ["https://mcp.example.com"]
