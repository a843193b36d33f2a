"""Side-by-side benchmark: our Jira + Confluence MCP servers vs mcp-atlassian 0.23.1.

    python -m bench.compare                # print the tables (several minutes)
    python -m bench.compare --write-docs   # also write docs/benchmarks-vs-mcp-atlassian.md

What runs, all on loopback, all as subprocesses (the load generator in this process shares no GIL
with any server): one Atlassian sandbox (`connectors sandbox`, Jira at `/`, Confluence at `/wiki`);
ours, `connectors serve jira` and `connectors serve confluence` at default settings; theirs,
mcp-atlassian 0.23.1 from PyPI in its own virtual environment (`bench/theirs.py`), default settings
(all toolsets, one process for both products).

One driver for both: the `mcp` SDK `Client` over Streamable HTTP (`auto` mode: 2026-07-28 with our
servers, the 2025-11-25 `initialize` handshake with mcp-atlassian). Concurrency N = N clients, each
connected before the clock starts. Every timed call has its own key or query (`bench/workloads.py`)
so that our single-flight coalescing never makes a row look cheaper; one extra row repeats one JQL
on purpose and says so. Each run reports calls/s, latency, server CPU ms per call (user + system
time of the server process from /proc) and upstream requests per call (the sandbox's request log).
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import anyio
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from sandbox.common.control import SandboxControl

from .compare_render import goals, render
from .doc import write_doc
from .facts import load_average, machine_facts
from .load import LoadResult, run_load, text_of, upstream_log
from .procs import REPO, Capture, Proc
from .servers import metric_total, start_sandbox, start_server, unthrottled_env
from .theirs import ensure_mcp_atlassian, failed, start_theirs, theirs_versions
from .workloads import COALESCED, WORKLOADS, Workload

DOCS = REPO / "docs" / "benchmarks-vs-mcp-atlassian.md"
WAITS = "connector_rate_limit_waits_total"


async def measure_static(url: str, side: str, products: set[str], control: SandboxControl, reps: int) -> dict:
    """tools/list and one result per workload (sizes), then upstream requests per call (steady state)."""
    capture = Capture()
    out: dict[str, Any] = {"workloads": {}}
    async with httpx2.AsyncClient(
        event_hooks={"response": [capture.on_response]}, timeout=httpx2.Timeout(30, read=120)
    ) as http:
        async with Client(streamable_http_client(url, http_client=http)) as client:
            out["protocol"] = client.protocol_version
            tools = (await client.list_tools()).tools
            out["tools"] = len(tools)
            out["tools_list_bytes"] = len(capture.last("tools/list"))
            model_facing = [
                {"name": t.name, "description": t.description, "inputSchema": t.input_schema} for t in tools
            ]
            compact = json.dumps(model_facing, separators=(",", ":"), ensure_ascii=False)
            out["model_facing_bytes"] = len(compact.encode())
            for wl in WORKLOADS:
                if wl.product not in products:
                    continue
                make = wl.ours if side == "ours" else wl.theirs
                call = make(wl.size_sample)
                result = await client.call_tool(call.tool, call.args)
                entry = {
                    "bytes": len(capture.last("tools/call")),
                    "text_chars": len(text_of(result)),
                    "error": failed(result),
                    "text": text_of(result),
                }
                control.clear_requests()  # steady state: caches warmed by the call above
                errors = 0
                for i in range(1, reps + 1):
                    c = make(wl.size_sample + i)
                    errors += failed(await client.call_tool(c.tool, c.args))
                log = upstream_log(control)
                entry["upstream_per_call"] = len(log) / reps
                entry["errors_in_reps"] = errors
                out["workloads"][wl.key] = entry
    return out


async def _tools_list_size(url: str) -> dict[str, int]:
    capture = Capture()
    async with httpx2.AsyncClient(event_hooks={"response": [capture.on_response]}) as http:
        async with Client(streamable_http_client(url, http_client=http)) as client:
            tools = (await client.list_tools()).tools
    return {"tools": len(tools), "tools_list_bytes": len(capture.last("tools/list"))}


async def run_all(args: argparse.Namespace, sandbox: Proc, procs: dict[str, Proc]) -> dict[str, Any]:
    control = SandboxControl(sandbox.url)
    report: dict[str, Any] = {"static": {"ours": {}}, "load": {}, "capacity": {}}
    theirs = procs["theirs"]

    # 1. sizes and upstream requests per call, no added latency
    control.reset()
    control.configure(latency_ms=0)
    for product in ("jira", "confluence"):
        url = f"{procs[product].url}/mcp"
        report["static"]["ours"][product] = await measure_static(url, "ours", {product}, control, args.reps)
    report["static"]["theirs"] = await measure_static(
        f"{theirs.url}/mcp", "theirs", {"jira", "confluence"}, control, args.reps
    )
    if "theirs_default_toolsets" in procs:
        report["static"]["theirs_default_toolsets"] = await _tools_list_size(
            f"{procs['theirs_default_toolsets'].url}/mcp"
        )

    async def one(
        wl: Workload, side: str, concurrency: int, calls: int, server: Proc, **sandbox_settings: Any
    ) -> LoadResult:
        control.reset()  # writes do not accumulate; every run starts from the same seed
        control.configure(latency_ms=args.latency_ms, **sandbox_settings)
        waits = metric_total(server.url, WAITS) if side == "ours" else 0.0
        result = await run_load(
            f"{server.url}/mcp",
            wl.ours if side == "ours" else wl.theirs,
            concurrency=concurrency,
            max_calls=calls,
            duration=args.duration,
            server=server,
            sandbox=procs["sandbox"],
            control=control,
            warmup=3,
            failed=failed,
        )
        if side == "ours":
            result.rate_limit_waits = metric_total(server.url, WAITS) - waits
        print(
            f"  {wl.key:<13} {side:<6} c={concurrency:<3} {result.calls:>4} calls {result.calls_per_s:7.1f}/s "
            f"p50 {result.p50_ms:7.1f} ms CPU {result.server_cpu_ms_per_call:5.2f} ms/call "
            f"errors {result.errors}",
            file=sys.stderr,
        )
        return result

    # 2. latency at concurrency 1 and N, calls/s at N, with the sandbox's added latency, default settings
    for wl in WORKLOADS:
        for side in ("ours", "theirs"):
            server = procs[wl.product] if side == "ours" else theirs
            for concurrency, calls in ((1, args.calls_c1), (args.concurrency, args.max_calls)):
                report["load"][(wl.key, side, concurrency)] = await one(wl, side, concurrency, calls, server)
    for side in ("ours", "theirs"):
        server = procs["jira"] if side == "ours" else theirs
        report["load"][(COALESCED.key, side, args.concurrency)] = await one(
            COALESCED, side, args.concurrency, args.max_calls, server
        )
    # 3. capacity: the two Jira reads at c=N with every throttle off (our outbound limit raised, the
    #    sandbox's burst limits off; mcp-atlassian has no outbound limit by default)
    if "jira_unthrottled" in procs:
        for wl in WORKLOADS[:2]:
            for side, server in (("ours", procs["jira_unthrottled"]), ("theirs", theirs)):
                report["capacity"][(wl.key, side)] = await one(
                    wl, side, args.concurrency, args.max_calls, server, rate_limits=False
                )
    control.configure(latency_ms=0, rate_limits=True)
    control.reset()
    report["rss"] = {"ours": {p: procs[p].peak_rss() for p in ("jira", "confluence")}, "theirs": theirs.peak_rss()}
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.compare", description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--latency-ms", type=int, default=50, help="sandbox latency for latency/throughput runs")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--calls-c1", type=int, default=30, help="calls per workload and side at concurrency 1")
    parser.add_argument("--max-calls", type=int, default=600, help="max calls per run at high concurrency")
    parser.add_argument("--duration", type=float, default=8.0, help="max seconds per run")
    parser.add_argument("--reps", type=int, default=5, help="calls per workload for upstream requests per call")
    parser.add_argument(
        "--skip-default-toolsets",
        action="store_true",
        help="do not start a second mcp-atlassian with TOOLSETS=default for its tools/list size",
    )
    parser.add_argument(
        "--skip-capacity",
        action="store_true",
        help="skip the throttles-off runs (a second Jira server with the outbound limit raised)",
    )
    parser.add_argument("--write-docs", action="store_true", help=f"write {DOCS.relative_to(REPO)}")
    parser.add_argument("--json", type=Path, help="also dump the raw report here")
    args = parser.parse_args(argv)

    started = time.monotonic()
    theirs_python = ensure_mcp_atlassian()
    facts = machine_facts()
    facts["theirs"] = theirs_versions(theirs_python)
    with ExitStack() as stack:
        logdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-compare-")))
        procs: dict[str, Proc] = {}

        def launch(key: str, proc: Proc) -> None:
            stack.callback(proc.stop)
            procs[key] = proc

        launch("sandbox", start_sandbox(logdir))
        url = procs["sandbox"].url
        for product in ("jira", "confluence"):
            launch(product, start_server(product, url, logdir, name=f"ours-{product}"))
        launch("theirs", start_theirs(theirs_python, url, logdir))
        if not args.skip_default_toolsets:
            launch(
                "theirs_default_toolsets",
                start_theirs(theirs_python, url, logdir, name="mcp-atlassian-default-toolsets", TOOLSETS="default"),
            )
        if not args.skip_capacity:
            launch(
                "jira_unthrottled",
                start_server("jira", url, logdir, name="ours-jira-unthrottled", env=unthrottled_env("jira")),
            )
        report = anyio.run(run_all, args, procs["sandbox"], procs)
    facts["load_after"] = load_average()
    if args.json:
        flat = {k: {"/".join(map(str, key)): vars(v) for key, v in report[k].items()} for k in ("load", "capacity")}
        args.json.write_text(json.dumps({"static": report["static"], "rss": report["rss"], **flat}, indent=2))
    table = render(facts, report, args)
    verdicts = goals(report, args)
    print(table)
    print()
    print("\n".join(f"- {v}" for v in verdicts))
    print(f"\n(benchmark took {time.monotonic() - started:.0f} s)", file=sys.stderr)
    if args.write_docs:
        write_doc(DOCS, facts, table, verdicts, report)
        print(f"wrote {DOCS.relative_to(REPO)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
