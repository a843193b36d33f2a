"""Build and run one connector's MCP server.

Streamable HTTP at `/mcp`, stateless (any replica answers any request) with JSON responses;
the SDK serves both protocol eras on that one URL (2026-07-28 `server/discover` and the 2025
`initialize` handshake). Beside it: `/healthz` (alive), `/readyz` (configured and not
draining), `/metrics` (Prometheus). The Host header is checked against loopback names plus
the configured public host names (DNS-rebinding protection).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

from mcp.server import MCPServer
from mcp.server.auth.provider import TokenVerifier
from mcp.server.auth.settings import AuthSettings
from mcp.server.caching import CacheHint
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from . import metrics, tracing
from .connector import Connector, Runtime
from .errors import ConfigError
from .observability import RequestIdMiddleware
from .settings import ServerSettings
from .boundary import register
from .tools import enabled

LOOPBACK_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

try:
    VERSION = version("enterprise-connectors")
except PackageNotFoundError:  # running from a source tree without install
    VERSION = "0.0.0"


class Readiness:
    """Flipped to draining on shutdown so load balancers stop sending before we stop."""

    def __init__(self) -> None:
        self.draining = False


def is_loopback(host: str) -> bool:
    if host in ("localhost", ""):
        return host == "localhost"
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_bind(host: str, settings: ServerSettings) -> None:
    """Refuse to listen beyond loopback without inbound auth unless explicitly told to."""
    if not is_loopback(host) and not settings.allow_unauthenticated:
        raise ConfigError(
            f"Refusing to listen on {host}: this server has no inbound authentication yet, so anyone who can "
            f"reach it could act with the connector's credentials. Listen on 127.0.0.1 behind an authenticating "
            f"proxy, or pass --allow-unauthenticated (or set {type(settings).env_name('allow_unauthenticated')}=true) "
            "if the network in front of it already authenticates every caller."
        )


@dataclass(frozen=True)
class Inbound:
    """How callers are authenticated: the SDK's token verifier and auth settings (None: no inbound auth)."""

    token_verifier: TokenVerifier
    auth: AuthSettings


def build_server(
    connector: Connector, settings: ServerSettings, runtime: Runtime, inbound: Inbound | None = None
) -> MCPServer:
    server = MCPServer(
        connector.name,
        title=connector.title,
        version=VERSION,
        instructions=connector.instructions,
        cache_hints={"tools/list": CacheHint(ttl_ms=300_000, scope="private")},
        token_verifier=inbound.token_verifier if inbound else None,
        auth=inbound.auth if inbound else None,
    )
    tools = enabled(connector.tools, read_only=settings.read_only, toolsets=settings.toolsets)
    if tracing.configure_from_env(connector.name):  # OTEL_EXPORTER_OTLP_ENDPOINT set (or configured by a test)
        tools = [tracing.traced(tool) for tool in tools]
    register(server, tools, runtime)
    return server


def transport_security(settings: ServerSettings) -> TransportSecuritySettings:
    hosts = LOOPBACK_HOSTS + list(settings.allowed_hosts)
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=[pattern for host in hosts for pattern in (host, f"{host}:*")],
        allowed_origins=[f"https://{host}" for host in settings.allowed_hosts],
    )


def build_app(
    connector: Connector,
    settings: ServerSettings,
    runtime: Runtime,
    readiness: Readiness | None = None,
    inbound: Inbound | None = None,
) -> Starlette:
    server = build_server(connector, settings, runtime, inbound)
    readiness = readiness or Readiness()

    @server.custom_route("/healthz", methods=["GET"])
    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    @server.custom_route("/readyz", methods=["GET"])
    async def readyz(request: Request) -> Response:
        if readiness.draining:
            return JSONResponse({"status": "draining"}, status_code=503)
        return JSONResponse({"status": "ready"})

    @server.custom_route("/metrics", methods=["GET"])
    async def prometheus(request: Request) -> Response:
        body, content_type = metrics.render()
        return Response(body, media_type=content_type)

    app = server.streamable_http_app(
        stateless_http=True, json_response=True, transport_security=transport_security(settings)
    )
    app.add_middleware(RequestIdMiddleware)
    app.state.mcp_server = server
    app.state.readiness = readiness
    return app
