"""The `connectors` command: serve, sandbox, demo, doctor, tools."""

from __future__ import annotations

import argparse
import logging
import os
import sys

import anyio

from .connector import Connector, connectors, sandboxes
from .errors import ConfigError
from .observability import configure_logging
from .runner import Served, serve_all
from .settings import load_settings

log = logging.getLogger("connectors")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="connectors", description="MCP servers for business systems")
    commands = parser.add_subparsers(dest="command", required=True)

    serve = commands.add_parser("serve", help="run one connector's MCP server")
    serve.add_argument("name", help="connector name, e.g. jira")
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port (default: the connector's own, e.g. 8001 for jira)")
    serve.add_argument("--stdio", action="store_true", help="speak MCP over stdin/stdout for local clients")
    serve.add_argument(
        "--allow-unauthenticated", action="store_true", help="allow a non-loopback address without inbound auth"
    )
    serve.add_argument("--read-only", action="store_true", help="register read tools only")
    serve.add_argument("--drain-seconds", type=float, default=0.0, help="readiness-fail period before shutdown")

    sandbox = commands.add_parser("sandbox", help="run the upstream emulators")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, help="port of the first sandbox (default: each sandbox's own)")
    sandbox.add_argument("--latency-ms", type=int, default=0, help="added latency per request")

    demo = commands.add_parser("demo", help="run the sandbox and every connector wired to it")
    demo.add_argument("--latency-ms", type=int, default=0)

    doctor = commands.add_parser("doctor", help="check a connector's configuration and upstream access")
    doctor.add_argument("name")

    tools = commands.add_parser("tools", help="print a connector's tool table (markdown)")
    tools.add_argument("name", nargs="?")
    return parser


def _connector(name: str) -> Connector:
    available = connectors()
    if name not in available:
        raise ConfigError(f'Unknown connector "{name}". Available: {", ".join(available)}.')
    return available[name]


def _settings(connector: Connector, args: argparse.Namespace):
    overrides = {}
    if getattr(args, "host", None):
        overrides["host"] = args.host
    if getattr(args, "port", None):
        overrides["port"] = args.port
    if getattr(args, "allow_unauthenticated", False):
        overrides["allow_unauthenticated"] = True
    if getattr(args, "read_only", False):
        overrides["read_only"] = True
    return load_settings(connector.settings, **overrides)


def _served(connector: Connector, settings) -> Served:
    from .server import Readiness, build_app, check_bind

    port = settings.port or connector.default_port
    check_bind(settings.host, settings)
    readiness = Readiness()
    app = build_app(connector, settings, connector.runtime(settings), readiness)
    return Served(app, settings.host, port, readiness)


def cmd_serve(args: argparse.Namespace) -> None:
    connector = _connector(args.name)
    settings = _settings(connector, args)
    if args.stdio:
        from .server import build_server

        build_server(connector, settings, connector.runtime(settings)).run("stdio")
        return
    served = _served(connector, settings)
    print(f"{connector.title} MCP server: http://{served.host}:{served.port}/mcp", file=sys.stderr, flush=True)
    anyio.run(lambda: serve_all([served], drain_seconds=args.drain_seconds))


def _sandbox_servers(host: str, first_port: int | None, latency_ms: int) -> list[tuple[str, str, Served]]:
    result = []
    for index, (name, sandbox) in enumerate(sandboxes().items()):
        port = (first_port + index) if first_port else sandbox.default_port
        app = sandbox.create_app(latency_ms=latency_ms)
        result.append((name, f"http://{host}:{port}", Served(app, host, port)))
    return result


def cmd_sandbox(args: argparse.Namespace) -> None:
    boxes = _sandbox_servers(args.host, args.port, args.latency_ms)
    for name, url, _ in boxes:
        print(f"sandbox {name}: {url}", flush=True)
    anyio.run(lambda: serve_all([served for _, _, served in boxes]))


def cmd_demo(args: argparse.Namespace) -> None:
    started = _sandbox_servers("127.0.0.1", None, args.latency_ms)
    boxes = {name: url for name, url, _ in started}
    servers = [served for _, _, served in started]
    lines = [f"sandbox {name}: {url}" for name, url in boxes.items()]
    for connector in connectors().values():
        login = sandboxes()[connector.sandbox].demo_login
        os.environ.update(connector.sandbox_env(boxes[connector.sandbox], login))
        served = _served(connector, load_settings(connector.settings, host="127.0.0.1"))
        servers.append(served)
        lines.append(f"{connector.title}: http://127.0.0.1:{served.port}/mcp")
    print("\n".join(lines) + "\nPress Ctrl-C to stop.", flush=True)
    anyio.run(lambda: serve_all(servers))


def cmd_doctor(args: argparse.Namespace) -> int:
    connector = _connector(args.name)
    settings = _settings(connector, args)
    print(f"configuration: ok ({connector.settings.env_name('')}* variables)")
    checks = anyio.run(connector.runtime(settings).checks)
    for check in checks:
        print(f"{check.name}: {'ok' if check.ok else 'FAILED'} - {check.detail}")
    return 0 if all(c.ok for c in checks) else 1


def cmd_tools(args: argparse.Namespace) -> None:
    from .toolstable import markdown_table

    names = [args.name] if args.name else list(connectors())
    print(markdown_table([_connector(n) for n in names]))


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    configure_logging(os.environ.get("LOG_LEVEL", "INFO"))
    handlers = {"serve": cmd_serve, "sandbox": cmd_sandbox, "demo": cmd_demo, "doctor": cmd_doctor, "tools": cmd_tools}
    try:
        return handlers[args.command](args) or 0
    except ConfigError as exc:
        print(f"connectors: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
