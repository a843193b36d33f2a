"""Benchmark of the Jira, Confluence, storage and mail MCP servers against their sandboxes.

    python -m bench.table                 # print one set of tables per server (a few minutes)
    python -m bench.table --write-docs    # also write them to docs/benchmarks.md
    python -m bench.table --only storage  # one server's rows (not for --write-docs: the page holds them all)

What runs: `connectors sandbox`, `connectors serve jira` and `connectors serve confluence` as
subprocesses on free loopback ports (so the client load in this process does not share a GIL with
any of them), and the `mcp` SDK's `Client` over Streamable HTTP for every measurement.

Measured, for each server:
- `tools/list` body size in both protocol eras (Confluence: against the 12 KB goal), the model-facing
  part alone, and the wire size of typical results;
- at concurrency 1 with sandbox latency 0: latency, server CPU ms per call and upstream requests per
  call of each read tool, every call with its own key or query (`bench/workloads.py`), next to the
  emulator's own time for the same upstream requests;
- at concurrency 32 with 50 ms sandbox latency: calls/s, latency, server CPU ms per call and upstream
  requests per call, with distinct keys and queries; one extra row repeats one query ("identical
  calls, coalesced");
- the floor: a bare `mcp` server with one trivial tool (`bench/floor.py`);
- storage (Google Drive and OneDrive sandboxes): reading a 50-page PDF and a ~5 MB spreadsheet, and calls/s at
  concurrency 32 with 50 ms sandbox latency (`bench/storage.py`);
- mail (Gmail and Outlook sandboxes): a 200-message search and a 50-message thread, and calls/s at concurrency 32
  with 50 ms sandbox latency (`bench/mail.py`).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import anyio

from sandbox.common.control import SandboxControl

from .facts import load_average, machine_facts
from .floor import measure_floor
from .load import LoadResult, MakeCall, run_load
from .mail import run_mail
from .procs import REPO, Proc
from .servers import metric_total, start_sandbox, start_server, unthrottled_env
from .storage import run_storage
from .table_measure import LATENCY_PLANS, LOAD_PLANS, SIZE_PLANS, measure_emulator, measure_sizes, replay_emulator
from .table_render import DOC_HEAD, DOC_TAIL, render

DOCS = REPO / "docs" / "benchmarks.md"
WAITS = "connector_rate_limit_waits_total"
UVLOOP_CLI = [sys.executable, "-m", "bench.uvloop_launcher"]
# Which LOAD_PLANS (by index: distinct gets, distinct searches, identical searches) each server variant runs.
RUNS = {"default settings": (0,), "throttles off": (0, 1, 2), "throttles off, uvloop": (0, 1)}
SERVERS = ("jira", "confluence", "storage", "mail")


async def _load(server: Proc, sandbox: Proc, make: MakeCall, **kwargs: Any) -> tuple[LoadResult, float]:
    """One run and the outbound rate-limit waits the server counted during it."""
    before = metric_total(server.url, WAITS)
    result = await run_load(
        f"{server.url}/mcp", make, server=server, sandbox=sandbox, control=SandboxControl(sandbox.url), **kwargs
    )
    return result, metric_total(server.url, WAITS) - before


async def run_server(args: argparse.Namespace, name: str, sandbox: Proc, servers: dict[str, Proc]) -> dict[str, Any]:
    default, unthrottled = servers["default settings"], servers["throttles off"]
    control = SandboxControl(sandbox.url)
    control.configure(latency_ms=0, rate_limits=True)
    report: dict[str, Any] = {"sizes": await measure_sizes(f"{default.url}/mcp", SIZE_PLANS[name])}
    modern = report["sizes"]["2026-07-28"]
    if name == "jira":
        assert len(modern["search20"]["structured"]["keys"]) == 20, modern["search20"]
    else:
        assert len(modern["search_pages10"]["structured"]["ids"]) == 10, modern["search_pages10"]

    # Server time: throttles off, or the outbound bucket (and the sandbox's burst limits) could set the pace.
    control.configure(rate_limits=False)
    c1 = dict(concurrency=1, max_calls=args.calls, duration=120.0, warmup=10)
    latency = [(label, (await _load(unthrottled, sandbox, make, **c1))[0]) for label, make in LATENCY_PLANS[name]]
    if name == "jira":
        emulator = measure_emulator(sandbox.url, args.calls // 2)
    else:
        emulator = replay_emulator(sandbox.url, [r.log for _, r in latency], args.calls // 2)
    report["latency"] = [(label, r, e) for (label, r), e in zip(latency, emulator, strict=True)]
    control.configure(rate_limits=True)
    label, make = LATENCY_PLANS[name][0]
    report["latency_default"] = (label, *await _load(default, sandbox, make, **{**c1, "max_calls": args.calls // 2}))

    load = dict(concurrency=args.concurrency, max_calls=args.max_calls, duration=args.duration, warmup=5)
    report["loads"] = []
    for setting, server in servers.items():
        throttled = setting == "default settings"
        for index in RUNS[setting]:
            plan_label, make, _ = LOAD_PLANS[name][index]
            control.configure(latency_ms=args.load_latency_ms, rate_limits=throttled)
            result, waits = await _load(server, sandbox, make, **load)
            report["loads"].append((setting, plan_label, result, waits))
            print(
                f"  {name} {setting}: {plan_label}: {result.calls_per_s:.1f}/s, "
                f"CPU {result.server_cpu_ms_per_call:.2f} ms/call",
                file=sys.stderr,
            )
    control.configure(latency_ms=0, rate_limits=True)
    return report


async def run_all(
    args: argparse.Namespace, sandbox: Proc | None, servers: dict[str, dict[str, Proc]], logdir: Path, stack: ExitStack
) -> dict[str, Any]:
    reports: dict[str, Any] = {}
    if sandbox is not None:
        reports = {name: await run_server(args, name, sandbox, procs) for name, procs in servers.items()}
    if "storage" in args.only:
        reports["storage"] = await run_storage(args, logdir, stack)
    if "mail" in args.only:
        reports["mail"] = await run_mail(args, logdir, stack)
    return reports


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.table", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=200, help="calls per tool at concurrency 1")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--load-latency-ms", type=int, default=50, help="sandbox latency during throughput runs")
    parser.add_argument("--duration", type=float, default=15.0, help="max seconds per throughput run")
    parser.add_argument("--max-calls", type=int, default=1000, help="max calls per throughput run")
    parser.add_argument("--skip-floor", action="store_true", help="do not measure the bare mcp server")
    parser.add_argument("--write-docs", action="store_true", help=f"write the tables to {DOCS.relative_to(REPO)}")
    parser.add_argument(
        "--only", default=",".join(SERVERS), help=f"comma-separated servers to measure (default: {','.join(SERVERS)})"
    )
    parser.add_argument("--storage-copies", type=int, default=5, help="copies of each big file read cold (storage)")
    parser.add_argument("--storage-xlsx-mb", type=float, default=5.0, help="size of the storage rows' spreadsheet")
    parser.add_argument("--mail-messages", type=int, default=200, help="messages the mail rows' search finds")
    parser.add_argument("--mail-calls", type=int, default=20, help="timed calls per mail read row, throttles off")
    args = parser.parse_args(argv)
    args.only = [name.strip() for name in args.only.split(",") if name.strip()]
    if set(args.only) - set(SERVERS) or not args.only:
        parser.error(f"--only takes {', '.join(SERVERS)}")
    if args.write_docs and set(args.only) != set(SERVERS):
        parser.error("--write-docs writes the whole page: run every server (leave --only out)")

    facts = machine_facts()
    started = time.monotonic()
    with ExitStack() as stack:
        logdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-")))
        atlassian = [name for name in ("jira", "confluence") if name in args.only]
        sandbox = start_sandbox(logdir) if atlassian else None
        if sandbox is not None:
            stack.callback(sandbox.stop)
        servers: dict[str, dict[str, Proc]] = {}
        for name in atlassian:
            variants: list[tuple[str, dict[str, str], list[str] | None]] = [
                ("default settings", {}, None),
                ("throttles off", unthrottled_env(name), None),
            ]
            if name == "jira":  # what running `shared.cli` on uvloop would change
                variants.append(("throttles off, uvloop", unthrottled_env(name), UVLOOP_CLI))
            servers[name] = {}
            for setting, env, cli in variants:
                assert sandbox is not None
                proc = start_server(name, sandbox.url, logdir, name=f"{name} {setting}", cli=cli, env=env)
                stack.callback(proc.stop)
                servers[name][setting] = proc
        reports = anyio.run(run_all, args, sandbox, servers, logdir, stack)
    floor = None
    if not args.skip_floor:
        with tempfile.TemporaryDirectory(prefix="bench-floor-") as tmp:
            floor = measure_floor(Path(tmp), concurrency=args.concurrency)
    facts["load_after"] = load_average()
    table = render(facts, reports, floor)
    print(table)
    print(f"\n(benchmark took {time.monotonic() - started:.0f} s)", file=sys.stderr)
    if args.write_docs:
        DOCS.write_text(DOC_HEAD + table + "\n" + DOC_TAIL)
        print(f"wrote {DOCS.relative_to(REPO)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
