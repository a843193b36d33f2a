"""Helpers shared by the tests/deploy suites: paths, the CLI contract, Dockerfile parsing."""

from __future__ import annotations

import argparse
import importlib
import json
import shlex
import sys
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
DEPLOY = REPO / "deploy"
CHART = REPO / "helm"
DOCKERFILE = DEPLOY / "Dockerfile"

# The CLI contract (docs: "The CLI contract you deploy"). Ports come from the connector declarations,
# the one place they are written; connectors not built yet keep their reserved ports.
RESERVED_PORTS = {"storage": 8003, "mail": 8004}
INSTALLED = {ep.name: ep.load() for ep in entry_points(group="enterprise_connectors.connectors")}
DEFAULT_PORTS = RESERVED_PORTS | {name: c.default_port for name, c in INSTALLED.items()}
AVAILABLE_CONNECTORS = tuple(sorted(INSTALLED, key=lambda name: DEFAULT_PORTS[name]))
SANDBOXES = {ep.name: ep.load() for ep in entry_points(group="enterprise_connectors.sandboxes")}


def has_url(name: str) -> bool:
    """Whether the connector is pointed at its upstream by a <PREFIX>_URL setting (Jira, Confluence: yes)."""
    return "url" in INSTALLED[name].settings.model_fields


SANDBOX_PORT = 9100
PREFIXES = {name: name.upper() for name in DEFAULT_PORTS}
LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def contract_parser() -> argparse.ArgumentParser:
    """argparse mirror of the documented CLI contract (used to read values out of argv)."""
    parser = argparse.ArgumentParser(prog="connectors", exit_on_error=False)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", exit_on_error=False)
    serve.add_argument("name", choices=sorted(DEFAULT_PORTS))
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int)
    serve.add_argument("--stdio", action="store_true")
    serve.add_argument("--allow-unauthenticated", action="store_true")
    sandbox = sub.add_parser("sandbox", exit_on_error=False)
    sandbox.add_argument("names", nargs="*")
    sandbox.add_argument("--host", default="127.0.0.1")
    sandbox.add_argument("--port", type=int, default=SANDBOX_PORT)
    sub.add_parser("demo", exit_on_error=False)
    doctor = sub.add_parser("doctor", exit_on_error=False)
    doctor.add_argument("name", choices=sorted(DEFAULT_PORTS))
    return parser


def parse_contract(argv: list[str]) -> argparse.Namespace:
    ns = contract_parser().parse_args(argv)
    if ns.command == "serve" and ns.port is None:
        ns.port = DEFAULT_PORTS[ns.name]
    return ns


def real_parser() -> argparse.ArgumentParser | None:
    """`shared.cli:build_parser()` when the CLI exists, else None (the contract mirror is used)."""
    try:
        cli = importlib.import_module("shared.cli")
    except ModuleNotFoundError as error:
        if error.name in ("shared", "shared.cli"):
            return None
        raise
    assert hasattr(cli, "build_parser"), "shared.cli must expose build_parser() (CLI contract)"
    parser = cli.build_parser()
    assert isinstance(parser, argparse.ArgumentParser)
    return parser


def check_argv(argv: list[str]) -> argparse.Namespace:
    """Parse argv (after `connectors`) with the real CLI when present, and with the contract.

    Returns the contract namespace (stable attribute names: command, name, host, port, ...).
    """
    parser = real_parser()
    if parser is not None:
        try:
            real = parser.parse_args(argv)
        except SystemExit as exit_:  # argparse error: make it a readable assertion
            raise AssertionError(f"shared.cli rejects {shlex.join(argv)!r} (exit {exit_.code})") from None
        if argv[:1] == ["serve"] and "--port" not in argv:
            port = getattr(real, "port", None)
            if isinstance(port, int):
                assert port == DEFAULT_PORTS[argv[1]], (
                    f"shared.cli default port for {argv[1]} is {port}, contract says {DEFAULT_PORTS[argv[1]]}"
                )
    try:
        return parse_contract(argv)
    except (argparse.ArgumentError, SystemExit) as error:
        raise AssertionError(f"{shlex.join(argv)!r} breaks the CLI contract: {error}") from None


@dataclass
class Stage:
    name: str
    base: str
    instructions: list[tuple[str, str]] = field(default_factory=list)

    def all(self, keyword: str) -> list[str]:
        return [args for kw, args in self.instructions if kw == keyword]


def dockerfile_instructions(path: Path = DOCKERFILE) -> list[tuple[str, str]]:
    """(KEYWORD, arguments) pairs, continuation lines joined, comments dropped."""
    result: list[tuple[str, str]] = []
    buffer = ""
    for raw in path.read_text().splitlines():
        line = raw.strip()
        if not buffer and (not line or line.startswith("#")):
            continue
        if buffer and line.startswith("#"):
            continue
        if line.endswith("\\"):
            buffer += line[:-1] + " "
            continue
        buffer += line
        keyword, _, args = buffer.partition(" ")
        result.append((keyword.upper(), args.strip()))
        buffer = ""
    return result


def dockerfile_stages(path: Path = DOCKERFILE) -> dict[str, Stage]:
    stages: dict[str, Stage] = {}
    current: Stage | None = None
    for keyword, args in dockerfile_instructions(path):
        if keyword == "FROM":
            words = args.split()
            name = words[words.index("AS") + 1] if "AS" in words else str(len(stages))
            current = Stage(name=name, base=words[0])
            stages[name] = current
        elif current is not None:
            current.instructions.append((keyword, args))
    return stages


def stage_chain(stages: dict[str, Stage], name: str) -> list[Stage]:
    """The stage and its ancestors (base first)."""
    chain = [stages[name]]
    while chain[0].base in stages:
        chain.insert(0, stages[chain[0].base])
    return chain


def effective(stages: dict[str, Stage], name: str, keyword: str) -> list[str] | None:
    """The last ENTRYPOINT/CMD (exec form) in effect for a stage, inheriting from its parents."""
    value = None
    for stage in stage_chain(stages, name):
        for args in stage.all(keyword):
            value = json.loads(args)
    return value


def final_stage(stages: dict[str, Stage]) -> Stage:
    return list(stages.values())[-1]


def python() -> str:
    return sys.executable
