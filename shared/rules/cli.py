"""`connectors rules run [--once]`: run the due rules of every connector that declares rules.

`--once` does one pass and exits (a Kubernetes CronJob); without it the command keeps running,
one pass every RULES_TICK_SECONDS (a worker beside servers that run without RULES_ENABLED). Each
connector is configured as for `connectors serve` (its *_ settings, per-user sign-in when
AUTH_PUBLIC_URL is set: each rule then runs with its owner's tokens from the vault).
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

import anyio

from ..connector import connectors
from ..settings import load_settings, sign_in_configured
from .engine import Bound
from .service import engine_for, load_rules_settings


def add_parser(commands: Any) -> None:
    rules = commands.add_parser("rules", help="run the rules that watch connectors' data")
    actions = rules.add_subparsers(dest="rules_command", required=True)
    run = actions.add_parser("run", help="run the rules that are due")
    run.add_argument("--once", action="store_true", help="one pass, then exit (for a CronJob)")


def cmd_rules(args: argparse.Namespace) -> int:
    return anyio.run(_run, bool(args.once))


async def _run(once: bool) -> int:
    settings = load_rules_settings()
    bound: dict[str, Bound] = {}
    started: list[Any] = []
    for connector in connectors().values():
        if connector.rules is None:
            continue
        credentials = None
        if sign_in_configured():
            from ..auth.wiring import sign_in_for

            signed_in = sign_in_for(connector)
            if signed_in is not None:
                await signed_in.sign_in.start()
                started.append(signed_in.sign_in)
                credentials = signed_in.credentials
        runtime = connector.runtime(load_settings(connector.settings), credentials=credentials)
        bound[connector.name] = Bound(connector.rules, runtime)
    engine = await engine_for(bound, settings)
    try:
        while True:
            report = await engine.run_once()
            print(f"rules: {report}", flush=True)
            if once:
                return 0
            await anyio.sleep(settings.rules_tick_seconds)
    finally:
        for sign_in in started:
            await sign_in.stop()


def main(argv: list[str] | None = None) -> int:
    """`python -m shared.rules.cli run --once`: the same command without the `connectors` entry point."""
    from ..errors import ConfigError

    parser = argparse.ArgumentParser(prog="connectors")
    add_parser(parser.add_subparsers(dest="command", required=True))
    try:
        return cmd_rules(parser.parse_args(["rules", *(argv if argv is not None else sys.argv[1:])]))
    except ConfigError as exc:
        print(f"connectors: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
