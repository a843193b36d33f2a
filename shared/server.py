"""Build and run one connector's MCP server.

Streamable HTTP at `/mcp`, stateless (any replica answers any request) with JSON responses;
the SDK serves both protocol eras on that one URL (2026-07-28 `server/discover` and the 2025
`initialize` handshake). Beside it: `/healthz` (alive), `/readyz` (configured and not
draining), `/metrics` (Prometheus).

DNS-rebinding protection on `/mcp` (`HostAndOrigin`): the Host header must name a loopback host
or a configured public host name, with a numeric port if any (421 otherwise); an Origin, when a
browser sends one, must be one of those hosts too: loopback over http or https with any port,
configured hosts over https (403 otherwise). The SDK's own check runs after ours with the same
lists, but its port wildcard alone would take `127.0.0.1:evil.com`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version

from mcp.server import MCPServer
from mcp.server.auth.provider import TokenVerifier
from mcp.server.auth.settings import AuthSettings
from mcp.server.caching import CacheHint
from mcp.server.transport_security import TransportSecuritySettings
from starlette.applications import Starlette
from starlette.datastructures import Headers
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from . import metrics, tracing
from .access import Access
from .boundary import register
from .connector import Connector, Runtime
from .errors import ConfigError
from .observability import RequestIdMiddleware
from .settings import ServerSettings, is_loopback
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


def check_bind(host: str, settings: ServerSettings, *, inbound_auth: bool = False) -> None:
    """Refuse to listen beyond loopback without inbound auth unless explicitly told to."""
    if not is_loopback(host) and not inbound_auth and not settings.allow_unauthenticated:
        raise ConfigError(
            f"Refusing to listen on {host} without sign-in: anyone who can reach it could act with the "
            "connector's credentials. Turn per-user sign-in on (AUTH_PUBLIC_URL, see the README), listen on "
            f"127.0.0.1 behind an authenticating proxy, or pass --allow-unauthenticated (or set "
            f"{type(settings).env_name('allow_unauthenticated')}=true) if the network in front of it already "
            "authenticates every caller."
        )


@dataclass(frozen=True)
class Inbound:
    """How callers are authenticated: the SDK's token verifier and auth settings (None: no inbound auth)."""

    token_verifier: TokenVerifier
    auth: AuthSettings
    install: Callable[[Starlette], None] | None = None  # e.g. the built-in authorization server's routes


def build_server(
    connector: Connector,
    settings: ServerSettings,
    runtime: Runtime,
    inbound: Inbound | None = None,
    access: Access | None = None,
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
    register(server, tools, runtime, access)
    return server


def transport_security(settings: ServerSettings) -> TransportSecuritySettings:
    """The SDK's check, with the lists `HostAndOrigin` enforces strictly before it."""
    hosts = LOOPBACK_HOSTS + list(settings.allowed_hosts)
    origins = [f"{scheme}://{host}" for host in LOOPBACK_HOSTS for scheme in ("http", "https")]
    origins += [f"https://{host}" for host in settings.allowed_hosts]
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=[pattern for host in hosts for pattern in (host, f"{host}:*")],
        allowed_origins=[pattern for origin in origins for pattern in (origin, f"{origin}:*")],
    )


HOST_HEADER = re.compile(r"^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?$")


def split_host(value: str) -> tuple[str, int | None] | None:
    """`name[:port]` as (lower-case name, port), or None when it is not a well-formed host and port."""
    match = HOST_HEADER.match(value.strip())
    if match is None:
        return None
    port = int(match.group(2)) if match.group(2) is not None else None
    if port is not None and not 0 < port <= 65535:
        return None
    return match.group(1).lower(), port


class HostAndOrigin:
    """Refuse requests to the MCP endpoint whose Host or Origin is not ours (DNS rebinding, cross-site pages)."""

    def __init__(self, app: ASGIApp, public_hosts: Iterable[str], path: str = "/mcp"):
        self.app, self.path = app, path
        self.loopback = {host.lower() for host in LOOPBACK_HOSTS}
        self.public = {host.strip().lower() for host in public_hosts if host.strip()}

    def host_allowed(self, value: str | None) -> bool:
        parsed = split_host(value or "")
        return parsed is not None and (parsed[0] in self.loopback or parsed[0] in self.public)

    def origin_allowed(self, value: str) -> bool:
        scheme, sep, rest = value.partition("://")
        parsed = split_host(rest) if sep and scheme in ("http", "https") else None
        if parsed is None:  # also "null", paths, user info, non-numeric ports
            return False
        return parsed[0] in self.loopback or (scheme == "https" and parsed[0] in self.public)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and (scope["path"] == self.path or scope["path"].startswith(self.path + "/")):
            headers = Headers(scope=scope)
            refused = None
            if not self.host_allowed(headers.get("host")):
                refused = PlainTextResponse("Invalid Host header", status_code=421)
            elif (origin := headers.get("origin")) is not None and not self.origin_allowed(origin):
                refused = PlainTextResponse("Invalid Origin header", status_code=403)
            if refused is not None:
                await refused(scope, receive, send)
                return
        await self.app(scope, receive, send)


def build_app(
    connector: Connector,
    settings: ServerSettings,
    runtime: Runtime,
    readiness: Readiness | None = None,
    inbound: Inbound | None = None,
    access: Access | None = None,
) -> Starlette:
    server = build_server(connector, settings, runtime, inbound, access)
    readiness = readiness or Readiness()

    @server.custom_route("/healthz", methods=["GET"])  # type: ignore[untyped-decorator]  # the SDK leaves it unannotated
    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok"})

    @server.custom_route("/readyz", methods=["GET"])  # type: ignore[untyped-decorator]  # the SDK leaves it unannotated
    async def readyz(request: Request) -> Response:
        if readiness.draining:
            return JSONResponse({"status": "draining"}, status_code=503)
        return JSONResponse({"status": "ready"})

    @server.custom_route("/metrics", methods=["GET"])  # type: ignore[untyped-decorator]  # the SDK leaves it unannotated
    async def prometheus(request: Request) -> Response:
        body, content_type = metrics.render()
        return Response(body, media_type=content_type)

    app = server.streamable_http_app(
        stateless_http=True, json_response=True, transport_security=transport_security(settings)
    )
    app.add_middleware(HostAndOrigin, public_hosts=settings.allowed_hosts)
    app.add_middleware(RequestIdMiddleware)
    app.state.mcp_server = server
    app.state.readiness = readiness
    if inbound is not None and inbound.install is not None:
        inbound.install(app)  # the authorization server's routes and its start-up (migrations, keys)
    if connector.rules is not None:  # its rules run in this process when RULES_ENABLED (shared/rules/service.py)
        from .rules.service import install as install_rules

        install_rules(app, connector, runtime)
    return app
