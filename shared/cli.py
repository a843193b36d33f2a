"""The `connectors` command: serve, sandbox, demo, doctor, tools."""

from __future__ import annotations

import argparse
import base64
import json
import logging
import os
import secrets
import sys
import tempfile
from collections.abc import Callable
from typing import Any

import anyio

from .connector import Connector, Runtime, Sandbox, connectors, sandboxes
from .errors import ConfigError
from .observability import configure_logging
from .runner import PortInUse, Served, serve_all
from .settings import ServerSettings, load_settings, sign_in_configured

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
    sandbox.add_argument("names", nargs="*", help="which sandboxes, e.g. atlassian (default: all)")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, help="port of the first sandbox (default: each sandbox's own)")
    sandbox.add_argument("--latency-ms", type=int, default=0, help="added latency per request")

    demo = commands.add_parser("demo", help="run the sandbox and every connector wired to it")
    demo.add_argument("--latency-ms", type=int, default=0)
    demo.add_argument("--auth", action="store_true", help="per-user sign-in on, brokered to the sandboxes' logins")
    demo.add_argument(
        "--port",
        action="append",
        default=[],
        metavar="NAME=PORT",
        help="another port for a server or sandbox, e.g. --port jira=9001 --port atlassian=9101 (repeatable)",
    )

    doctor = commands.add_parser("doctor", help="check a connector's configuration and upstream access")
    doctor.add_argument("name")

    tools = commands.add_parser("tools", help="print a connector's tool table (markdown)")
    tools.add_argument("name", nargs="?")

    from .rules.cli import add_parser as add_rules_parser  # `connectors rules run [--once]`: shared/rules/cli.py

    add_rules_parser(commands)
    return parser


def _connector(name: str) -> Connector:
    available = connectors()
    if name not in available:
        raise ConfigError(f'Unknown connector "{name}". Available: {", ".join(available)}.')
    return available[name]


def _settings(connector: Connector, args: argparse.Namespace) -> ServerSettings:
    overrides: dict[str, Any] = {}
    if getattr(args, "host", None):
        overrides["host"] = args.host
    if getattr(args, "port", None):
        overrides["port"] = args.port
    if getattr(args, "allow_unauthenticated", False):
        overrides["allow_unauthenticated"] = True
    if getattr(args, "read_only", False):
        overrides["read_only"] = True
    return load_settings(connector.settings, **overrides)


def _served(connector: Connector, settings: ServerSettings, port: int | None = None, option: str = "--port") -> Served:
    from .auth.wiring import sign_in_for
    from .server import Readiness, build_app, check_bind

    signed_in = sign_in_for(connector, settings)  # None unless AUTH_PUBLIC_URL turns per-user sign-in on
    check_bind(settings.host, settings, inbound_auth=signed_in is not None)
    readiness = Readiness()
    if signed_in is None:
        app = build_app(connector, settings, connector.runtime(settings), readiness)
    else:
        runtime = connector.runtime(settings, credentials=signed_in.credentials)
        app = build_app(connector, settings, runtime, readiness, signed_in.inbound, signed_in.access)
    return Served(app, settings.host, port or settings.port or connector.default_port, readiness, option=option)


def _run(served: list[Served], on_ready: Callable[[], object], drain_seconds: float = 0.0) -> None:
    try:
        anyio.run(lambda: serve_all(served, drain_seconds=drain_seconds, on_ready=on_ready))
    except PortInUse as exc:
        raise ConfigError(str(exc)) from None


def cmd_serve(args: argparse.Namespace) -> None:
    connector = _connector(args.name)
    settings = _settings(connector, args)
    if args.stdio:
        from .server import build_server

        build_server(connector, settings, connector.runtime(settings)).run("stdio")
        return
    served = _served(connector, settings)

    def ready() -> None:  # printed once it is actually served
        print(f"{connector.title} MCP server: {served.url}/mcp", file=sys.stderr, flush=True)

    _run([served], ready, args.drain_seconds)


def _sandbox_served(name: str, sandbox: Sandbox, host: str, port: int, latency_ms: int, option: str) -> Served:
    tls = sandbox.tls() if sandbox.tls else None
    return Served(sandbox.create_app(latency_ms=latency_ms), host, port, tls=tls, option=option, graceful_timeout=2)


def cmd_sandbox(args: argparse.Namespace) -> None:
    available = sandboxes()
    unknown = [name for name in args.names if name not in available]
    if unknown:
        raise ConfigError(f"Unknown sandbox {', '.join(unknown)}. Available: {', '.join(available)}.")
    chosen = {name: box for name, box in available.items() if not args.names or name in args.names}
    names = list(chosen)
    boxes = []
    for index, (name, box) in enumerate(chosen.items()):
        port = (args.port + index) if args.port else box.default_port
        boxes.append(_sandbox_served(name, box, args.host, port, args.latency_ms, "--port"))

    def ready() -> None:
        for name, served in zip(names, boxes, strict=False):
            print(f"sandbox {name}: {served.url}", flush=True)

    _run(boxes, ready)


def _ports(pairs: list[str]) -> dict[str, int]:
    chosen: dict[str, int] = {}
    for pair in pairs:
        name, _, port = pair.partition("=")
        if not name or not port.isdigit() or not 0 < int(port) < 65536:
            raise ConfigError(f'--port "{pair}" is not NAME=PORT, e.g. --port jira=9001 or --port atlassian=9101.')
        chosen[name.strip()] = int(port)
    return chosen


async def _signed_in(title: str, runtime: Runtime) -> str:
    """Who the demo acts as, in words (from the connector's own doctor checks)."""
    try:
        checks = await runtime.checks()
    except Exception as exc:  # noqa: BLE001 - the demo still runs; say what failed
        return f"  {title}: could not check the sign-in ({type(exc).__name__})"
    finally:
        # An idle pooled TLS connection to an in-process sandbox would hold up its shutdown (Ctrl-C).
        close = getattr(runtime, "aclose", None)
        if close is not None:
            await close()
    return "\n".join(f"  {title}: {c.detail}" for c in checks)


def cmd_demo(args: argparse.Namespace) -> None:
    chosen = _ports(args.port)
    known = set(sandboxes()) | set(connectors())
    unknown = sorted(set(chosen) - known)
    if unknown:
        raise ConfigError(
            f"--port names {', '.join(unknown)}: not a server or sandbox. Known: {', '.join(sorted(known))}."
        )
    servers: list[Served] = []
    urls: dict[str, str] = {}
    lines: list[str] = []
    os.environ.setdefault("RULES_ENABLED", "true")  # rules people create in the demo run in it (docs/rules.md)
    for name, box in sandboxes().items():
        port = chosen.get(name, box.default_port)
        served = _sandbox_served(name, box, "127.0.0.1", port, args.latency_ms, f"--port {name}=<port>")
        servers.append(served)
        urls[name] = served.url
        lines.append(f"sandbox {name}: {served.url}")
    runtimes: list[tuple[str, Runtime]] = []
    first: tuple[str, str] | None = None  # (URL, search words) of the first server, for the "Try first" line
    people: dict[str, str] = {}
    vault_keys = "k1:" + base64.b64encode(secrets.token_bytes(32)).decode()  # this demo's vault key
    data = tempfile.mkdtemp(prefix="connectors-demo-")
    for connector in connectors().values():
        os.environ.update(connector.env_for(urls))
        port = chosen.get(connector.name, connector.default_port)
        os.environ.pop("AUTH_PUBLIC_URL", None)
        logins = [sandboxes()[name] for name in connector.sandboxes]
        logins = [box for box in logins if box.sign_in_env is not None]
        if args.auth and connector.sign_in is not None and logins:
            for box in logins:
                assert box.sign_in_env is not None
                os.environ.update(box.sign_in_env(urls[box.name]))
                people[box.title] = box.sign_in_people
            os.environ.update(
                AUTH_PUBLIC_URL=f"http://127.0.0.1:{port}",
                VAULT_KEYS=vault_keys,
                AUTH_SQLITE_PATH=os.path.join(data, f"{connector.name}.db"),
            )
        settings = load_settings(connector.settings, host="127.0.0.1")
        served = _served(connector, settings, port, f"--port {connector.name}=<port>")
        servers.append(served)
        if "AUTH_PUBLIC_URL" not in os.environ:
            runtimes.append((connector.title, connector.runtime(settings)))
        lines.append(f"{connector.title}: {served.url}/mcp")
        first = first or (f"{served.url}/mcp", connector.search_example or "report")

    async def ready() -> None:
        print("\n".join(lines), flush=True)
        if people:
            print("Sign-in is on: an MCP client is sent to each server's login. Sandbox people:", flush=True)
            print("\n".join(f"  {where}: {who}" for where, who in people.items()), flush=True)
        else:
            who = [await _signed_in(title, runtime) for title, runtime in runtimes]
            print("Signed in to the sandbox as:\n" + "\n".join(who), flush=True)
        url, words = first or ("http://127.0.0.1:8001/mcp", "checkout")
        print(
            "Try first: point an MCP client at a URL above, e.g.\n"
            f"  npx @modelcontextprotocol/inspector --cli {url} --method tools/call "
            f"--tool-name search --tool-args-json '{json.dumps({'query': words})}'\n"
            'and ask "What is blocking the Webshop release?" or "Create a bug in SHOP for the checkout crash, '
            'assign it to Paul, current sprint".\nPress Ctrl-C to stop.',
            flush=True,
        )

    _run(servers, ready)


def cmd_doctor(args: argparse.Namespace) -> int:
    connector = _connector(args.name)
    settings = _settings(connector, args)
    print(f"configuration: ok ({connector.settings.env_name('')}* variables)")
    if sign_in_configured():  # per-user sign-in: no account of the server's own to check
        from .auth.wiring import sign_in_checks

        checks = anyio.run(sign_in_checks, connector)
    else:
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
    # doctor prints its own findings: library chatter (retries...) only when asked for with LOG_LEVEL
    default_level = "WARNING" if args.command in ("doctor", "tools") else "INFO"
    configure_logging(os.environ.get("LOG_LEVEL", default_level))
    from .rules.cli import cmd_rules

    handlers: dict[str, Callable[[argparse.Namespace], int | None]] = {
        "serve": cmd_serve,
        "sandbox": cmd_sandbox,
        "demo": cmd_demo,
        "doctor": cmd_doctor,
        "tools": cmd_tools,
        "rules": cmd_rules,
    }
    try:
        return handlers[args.command](args) or 0
    except ConfigError as exc:
        print(f"connectors: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `connectors tools | head`: the reader has gone, end quietly
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(main())
