"""Benchmark of the Jira and Confluence MCP servers against the Atlassian sandbox.

    python -m bench.table                 # print one table per server (about a minute)
    python -m bench.table --write-docs    # also write them to docs/benchmarks.md

What runs: `connectors sandbox`, `connectors serve jira` and `connectors serve confluence` as
subprocesses on free loopback ports (so the client load in this process does not share a GIL with
any of them), and the `mcp` SDK's `Client` over Streamable HTTP for every measurement. Sizes are
raw HTTP response bodies captured under the client (httpx2 response hook). Tokens are
approximated as bytes / 4.

Measured, for each server:
- `tools/list` body size in both protocol eras (Confluence: against the 12 KB goal), and the
  model-facing part alone (names, descriptions, input schemas as compact JSON);
- the wire size of typical results: a 20-issue `jira_search_issues` and a `search`; a 10-result
  `confluence_search_pages`, `confluence_get_page` of the macro-rich page 98618 and a `search`;
- tool-call latency at concurrency 1 with sandbox latency 0 (server + emulator time; there is no
  configured latency to subtract), next to the emulator's own time for the same upstream requests;
- calls per second at concurrency 32 (one Client per task) with 50 ms sandbox latency, bounded by
  a duration and a call count: once with default settings (outbound limit 100 req/s per user,
  sandbox rate limits on) and once with the outbound limit raised and sandbox limits off, which
  shows the server's own capacity;
- upstream requests per call from the sandbox's request log, server CPU from /proc.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import ExitStack
from datetime import datetime, timezone
from pathlib import Path

import anyio
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from sandbox.common.control import SandboxControl
from bench.procs import Capture, Proc, package_version, percentile, start_process
from shared.testing import free_port
from shared.settings import ServerSettings

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs" / "benchmarks.md"
CLI = [sys.executable, "-m", "shared.cli"]
EMAIL, TOKEN = "alice@example.com", "token-alice"
LOGIN = {"JIRA_EMAIL": EMAIL, "JIRA_API_TOKEN": TOKEN}
ISSUE_KEYS = [f"SHOP-{n}" for n in range(1, 141)]
SEARCH_20 = {"project": "SHOP", "limit": 20}
# Confluence seed (seed 42, sandbox/atlassian/README.md): pages 98305-98622; left out are the ~212 KB page
# 98619, the draft 98620, the archived 98621 and 98622, which the demo user may not see.
PAGE_IDS = [str(n) for n in range(98305, 98619)]
DESIGN_PAGE = {"id": "98618"}  # "Checkout service — technical design", the macro-rich page
SEARCH_PAGES_10 = {"query": "checkout", "limit": 10}
TOOLS_LIST_GOAL = 12 * 1024  # Confluence's whole tools/list: under 12 KB
DEFAULT_RATE = ServerSettings.model_fields["rate_limit_per_second"].default


# --------------------------------------------------------------------------- processes


def _env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("JIRA_", "CONFLUENCE_", "CONNECTOR_", "CONNECTORS_"))}
    env.update(CONNECTORS_SECRETS_DIR=str(REPO / ".bench" / "no-secrets"), LOG_LEVEL="WARNING", **extra)
    return env


def start_sandbox(logdir: Path) -> Proc:
    port = free_port()
    return start_process("sandbox", [*CLI, "sandbox", "--port", str(port)], _env(), f"http://127.0.0.1:{port}", "/__sandbox/config",
                 logdir, timeout=30)


def start_jira(name: str, sandbox_url: str, logdir: Path, **env: str) -> Proc:
    port = free_port()
    return start_process(name, [*CLI, "serve", "jira", "--port", str(port)], _env(JIRA_URL=sandbox_url, **LOGIN, **env),
                 f"http://127.0.0.1:{port}", "/healthz", logdir, timeout=30)


def start_confluence(name: str, sandbox_url: str, logdir: Path, **env: str) -> Proc:
    """CONFLUENCE_URL is the site root without /wiki, as for a real site."""
    port = free_port()
    login = {"CONFLUENCE_EMAIL": EMAIL, "CONFLUENCE_API_TOKEN": TOKEN}
    return start_process(name, [*CLI, "serve", "confluence", "--port", str(port)],
                 _env(CONFLUENCE_URL=sandbox_url, **login, **env), f"http://127.0.0.1:{port}", "/healthz", logdir,
                 timeout=30)


def metric_total(base_url: str, name: str) -> float:
    with urllib.request.urlopen(f"{base_url}/metrics", timeout=5) as response:
        text = response.read().decode()
    return sum(float(m.group(1)) for m in re.finditer(rf"^{name}(?:\{{[^}}]*\}})? ([0-9.e+-]+)$", text, re.M))


# --------------------------------------------------------------------------- measurements


# What each server is measured with: sized calls (key, tool, arguments), tools timed at concurrency 1
# (tool -> arguments of the i-th call) and the tool driven under load.
SIZE_PLANS = {
    "jira": [
        ("search20", "jira_search_issues", SEARCH_20),
        ("search", "search", {"query": "checkout"}),
    ],
    "confluence": [
        ("search_pages10", "confluence_search_pages", SEARCH_PAGES_10),
        ("get_page", "confluence_get_page", DESIGN_PAGE),
        ("search", "search", {"query": "checkout"}),
    ],
}

LATENCY_PLANS = {
    "jira": {
        "jira_get_issue": lambda i: {"key": ISSUE_KEYS[i % len(ISSUE_KEYS)]},
        "jira_search_issues": lambda i: dict(SEARCH_20),
        "search": lambda i: {"query": "checkout"},
    },
    "confluence": {
        "confluence_get_page": lambda i: {"id": PAGE_IDS[i % len(PAGE_IDS)]},
        "confluence_search_pages": lambda i: dict(SEARCH_PAGES_10),
        "search": lambda i: {"query": "checkout"},
    },
}

LOAD_PLANS = {
    "jira": ("jira_get_issue", lambda n: {"key": ISSUE_KEYS[n % len(ISSUE_KEYS)]}),
    "confluence": ("confluence_get_page", lambda n: {"id": PAGE_IDS[n % len(PAGE_IDS)]}),
}


async def measure_sizes(mcp_url: str, plans: list[tuple[str, str, dict]]) -> dict:
    sizes: dict = {}
    for mode, era in (("legacy", "2025-11-25"), ("auto", "2026-07-28")):
        capture = Capture()
        results = {}
        async with httpx2.AsyncClient(event_hooks={"response": [capture.on_response]},
                                      timeout=httpx2.Timeout(30, read=120)) as http:
            async with Client(streamable_http_client(mcp_url, http_client=http), mode=mode) as client:
                assert client.protocol_version == era, client.protocol_version
                tools = (await client.list_tools()).tools
                for key, tool, arguments in plans:
                    result = await client.call_tool(tool, arguments)
                    assert not result.is_error, (tool, result.content)
                    texts = [c.text for c in result.content if c.type == "text"]
                    structured = result.structured_content or {}
                    results[key] = {
                        "bytes": len(capture.last("tools/call")),
                        "text_chars": sum(len(t) for t in texts),
                        "structured": structured,
                        "compact_chars": len(json.dumps(structured, separators=(",", ":"), ensure_ascii=False)),
                    }
        model_facing = json.dumps(
            [{"name": t.name, "description": t.description, "inputSchema": t.input_schema} for t in tools],
            separators=(",", ":"), ensure_ascii=False,
        ).encode()
        sizes[era] = {
            "tools": len(tools),
            "tools_list_bytes": len(capture.last("tools/list")),
            "model_facing_bytes": len(model_facing),
            **results,
        }
    return sizes


async def measure_latency(server: Proc, control: SandboxControl, calls: int, plans: dict) -> dict:
    """Back-to-back calls from one client, sandbox latency 0. Keeps the upstream request log of each tool."""
    control.configure(latency_ms=0)
    out = {}
    async with Client(f"{server.url}/mcp") as client:
        for tool, args in plans.items():
            for i in range(10):  # warm-up: connections, caches, code paths
                await client.call_tool(tool, args(i))
            control.clear_requests()
            waits_before = metric_total(server.url, "connector_rate_limit_waits_total")
            latencies, errors = [], 0
            for i in range(calls):
                started = time.perf_counter()
                result = await client.call_tool(tool, args(i))
                latencies.append(time.perf_counter() - started)
                errors += bool(result.is_error)
            log = control.requests()
            out[tool] = {
                "calls": calls, "errors": errors,
                "p50_ms": percentile(latencies, 50) * 1000, "p95_ms": percentile(latencies, 95) * 1000,
                "upstream_per_call": len(log) / calls,
                "rate_limit_waits": metric_total(server.url, "connector_rate_limit_waits_total") - waits_before,
                "log": log,
            }
    return out


def measure_emulator(sandbox_url: str, calls: int) -> dict:
    """The emulator's own time for each Jira tool's upstream request, asked directly (no MCP server)."""
    import requests

    def jql(query: str, fields: list[str], limit: int):
        return lambda http, i: http.post(f"{sandbox_url}/rest/api/3/search/jql", timeout=10,
                                         json={"jql": query, "fields": fields, "maxResults": limit})

    plans = {
        "jira_get_issue": lambda http, i: http.get(
            f"{sandbox_url}/rest/api/3/issue/{ISSUE_KEYS[i % len(ISSUE_KEYS)]}",
            params={"fields": "*all", "expand": "names"}, timeout=10),
        "jira_search_issues": jql('project = "SHOP" ORDER BY updated DESC', ["summary", "status", "assignee",
                                                                             "priority", "updated"], 20),
        "search": jql('text ~ "checkout" ORDER BY updated DESC', ["summary"], 10),
    }
    out = {}
    with requests.Session() as http:
        http.auth = (EMAIL, TOKEN)
        for tool, call in plans.items():
            latencies = []
            for i in range(calls + 10):
                started = time.perf_counter()
                call(http, i).raise_for_status()
                if i >= 10:
                    latencies.append(time.perf_counter() - started)
            out[tool] = {"p50_ms": percentile(latencies, 50) * 1000, "p95_ms": percentile(latencies, 95) * 1000}
    return out


def replay_emulator(sandbox_url: str, latency: dict, calls: int) -> dict:
    """The emulator's own time for the upstream requests a tool made, replayed directly from the request log
    (GETs only: the log keeps no request bodies), sandbox latency 0."""
    import requests

    out = {}
    with requests.Session() as http:
        http.auth = (EMAIL, TOKEN)
        for tool, measured in latency.items():
            gets = [e for e in measured["log"] if e["method"] == "GET"][:calls]
            latencies = []
            for i, entry in enumerate(gets[:10] + gets):  # the first ten again as warm-up
                url = f"{sandbox_url}{entry['path']}" + (f"?{entry['query']}" if entry["query"] else "")
                started = time.perf_counter()
                http.get(url, timeout=10).raise_for_status()
                if i >= min(10, len(gets)):
                    latencies.append(time.perf_counter() - started)
            out[tool] = {"p50_ms": percentile(latencies, 50) * 1000, "p95_ms": percentile(latencies, 95) * 1000,
                         "replayed": len(latencies), "not_replayed": len(measured["log"]) - len(gets)}
    return out


async def measure_throughput(server: Proc, sandbox: Proc, control: SandboxControl, *, tool: str, args, concurrency: int,
                             latency_ms: int, duration: float, max_calls: int, sandbox_rate_limits: bool) -> dict:
    control.configure(latency_ms=latency_ms, rate_limits=sandbox_rate_limits)
    mcp_url = f"{server.url}/mcp"
    latencies: list[float] = []
    errors = 0
    issued = 0
    connected = 0
    all_connected = anyio.Event()
    go = anyio.Event()
    window = {"deadline": 0.0}

    async def worker(index: int) -> None:
        nonlocal issued, errors, connected
        async with Client(mcp_url) as client:
            connected += 1
            if connected == concurrency:
                all_connected.set()
            await go.wait()
            while issued < max_calls and time.perf_counter() < window["deadline"]:
                issued += 1
                arguments = args(issued * 7 + index)
                started = time.perf_counter()
                try:
                    result = await client.call_tool(tool, arguments)
                    errors += bool(result.is_error)
                except Exception:  # noqa: BLE001 - counted, the run goes on
                    errors += 1
                latencies.append(time.perf_counter() - started)

    waits_before = metric_total(server.url, "connector_rate_limit_waits_total")
    async with anyio.create_task_group() as group:
        for index in range(concurrency):
            group.start_soon(worker, index)
        with anyio.fail_after(60):
            await all_connected.wait()
        control.clear_requests()
        cpu_before, wall_before = server.cpu_seconds(), time.perf_counter()
        client_cpu_before, sandbox_cpu_before = time.process_time(), sandbox.cpu_seconds()
        window["deadline"] = wall_before + duration
        go.set()
    elapsed = time.perf_counter() - wall_before
    cpu = server.cpu_seconds() - cpu_before
    client_cpu = time.process_time() - client_cpu_before
    sandbox_cpu = sandbox.cpu_seconds() - sandbox_cpu_before
    log = control.requests()
    control.configure(latency_ms=0, rate_limits=True)
    done = len(latencies)
    return {
        "tool": tool, "concurrency": concurrency, "latency_ms": latency_ms, "calls": done, "errors": errors,
        "seconds": elapsed, "calls_per_s": done / elapsed,
        "p50_ms": percentile(latencies, 50) * 1000, "p95_ms": percentile(latencies, 95) * 1000,
        "upstream_per_call": len(log) / max(done, 1),
        "upstream_429": sum(1 for entry in log if entry.get("status") == 429),
        "rate_limit_waits": metric_total(server.url, "connector_rate_limit_waits_total") - waits_before,
        "server_cpu_per_call_ms": cpu / max(done, 1) * 1000,
        "server_cores_busy": cpu / elapsed,
        "client_cores_busy": client_cpu / elapsed,
        "sandbox_cores_busy": sandbox_cpu / elapsed,
    }


# --------------------------------------------------------------------------- report


def machine_facts() -> dict:
    cpu = "?"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True,
                                timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True,
                               timeout=10).stdout.strip()
        commit = f"{commit}{' + uncommitted changes' if dirty else ''}"
    except (OSError, subprocess.SubprocessError):
        commit = "?"
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "mcp": package_version("mcp"), "uvicorn": package_version("uvicorn"), "enterprise-connectors": package_version("enterprise-connectors"),
        "commit": commit,
    }



def _tok(n: int) -> str:
    return f"{n:,} B (≈{round(n / 4):,} tokens)"


def _size_rows(sizes: dict) -> list[tuple[str, str, str]]:
    modern, legacy = sizes["2026-07-28"], sizes["2025-11-25"]
    return [
        ("`tools/list` response body, 2026-07-28", _tok(modern["tools_list_bytes"]),
         f"{modern['tools']} tools; whole JSON-RPC body incl. output schemas, annotations, `_meta`"),
        ("`tools/list` response body, 2025-11-25", _tok(legacy["tools_list_bytes"]), "legacy era (`initialize`)"),
        ("tool definitions the model reads", _tok(modern["model_facing_bytes"]),
         "names + descriptions + input schemas, compact JSON (§14.5 budget: well under 5,000 tokens)"),
    ]


def _search_row(sizes: dict) -> tuple[str, str, str]:
    s = sizes["2026-07-28"]["search"]
    return ("`search` \"checkout\", on the wire", _tok(s["bytes"]),
            f"{len(s['structured']['results'])} results; JSON text item {s['text_chars']:,} chars "
            f"(as compact JSON: {s['compact_chars']:,})")


def _latency_rows(latency: dict, emulator: dict) -> list[tuple[str, str, str]]:
    rows = []
    for tool, r in latency.items():
        e = emulator[tool]
        rows.append((f"`{tool}` latency, concurrency 1", f"p50 {r['p50_ms']:.1f} ms · p95 {r['p95_ms']:.1f} ms",
                     f"{r['calls']} back-to-back calls, sandbox latency 0 (nothing to subtract), throttles off, "
                     f"{r['errors']} errors, {r['upstream_per_call']:.2f} upstream requests/call; the emulator alone "
                     f"answers such an upstream request in p50 {e['p50_ms']:.1f} ms / p95 {e['p95_ms']:.1f} ms"))
    return rows


def _default_latency_row(tool: str, r: dict, prefix: str) -> tuple[str, str, str]:
    return (f"`{tool}` latency, concurrency 1, default settings",
            f"p50 {r['p50_ms']:.1f} ms · p95 {r['p95_ms']:.1f} ms",
            f"{r['calls']} back-to-back calls, outbound limit `{prefix}_RATE_LIMIT_PER_SECOND={DEFAULT_RATE:g}` per "
            f"user and sandbox burst limits on: {r['rate_limit_waits']:.0f} outbound rate-limit waits, "
            f"{r['upstream_per_call']:.2f} upstream requests/call")


def _load_rows(loads: list) -> list[tuple[str, str, str]]:
    rows = []
    for label, r in loads:
        rows.append((f"throughput, {label}", f"{r['calls_per_s']:.1f} calls/s",
                     f"`{r['tool']}`, {r['concurrency']} clients, sandbox latency {r['latency_ms']} ms: "
                     f"{r['calls']} calls in {r['seconds']:.1f} s, {r['errors']} errors, "
                     f"p50 {r['p50_ms']:.0f} ms / p95 {r['p95_ms']:.0f} ms, "
                     f"{r['upstream_per_call']:.2f} upstream requests/call, {r['upstream_429']} upstream 429s, "
                     f"{r['rate_limit_waits']:.0f} outbound rate-limit waits, server CPU "
                     f"{r['server_cpu_per_call_ms']:.1f} ms/call ({r['server_cores_busy']:.2f} cores busy), "
                     f"sandbox {r['sandbox_cores_busy']:.2f}, load generator {r['client_cores_busy']:.2f}"))
    return rows


def _table(rows: list[tuple[str, str, str]]) -> list[str]:
    return ["| Measure | Result | Conditions |", "|---|---|---|"] + [f"| {a} | {b} | {c} |" for a, b, c in rows]


def render_jira(report: dict) -> list[str]:
    sizes = report["sizes"]
    modern, legacy = sizes["2026-07-28"], sizes["2025-11-25"]
    s20 = modern["search20"]
    rows = _size_rows(sizes) + [
        ("`jira_search_issues` 20 issues, on the wire", _tok(s20["bytes"]),
         f"`{json.dumps(SEARCH_20)}`, 2026-07-28 body; markdown text item {s20['text_chars']:,} chars; "
         f"2025-11-25 body {legacy['search20']['bytes']:,} B"),
        _search_row(sizes),
    ]
    rows += _latency_rows(report["latency"], report["emulator"])
    rows.append(_default_latency_row("jira_get_issue", report["latency_default"]["jira_get_issue"], "JIRA"))
    rows += _load_rows(report["loads"])
    return _table(rows)


def render_confluence(report: dict) -> list[str]:
    sizes = report["sizes"]
    modern, legacy = sizes["2026-07-28"], sizes["2025-11-25"]
    listed = modern["tools_list_bytes"]
    goal = "met" if max(listed, legacy["tools_list_bytes"]) < TOOLS_LIST_GOAL else "**not met**"
    rows = _size_rows(sizes)
    rows[0] = (rows[0][0], rows[0][1],
               rows[0][2] + f"; goal under 12 KB ({TOOLS_LIST_GOAL:,} B): {goal}, {listed / 1024:.1f} KB")
    s10, page = modern["search_pages10"], modern["get_page"]
    rows += [
        ("`confluence_search_pages` 10 results, on the wire", _tok(s10["bytes"]),
         f"`{json.dumps(SEARCH_PAGES_10)}`, {len(s10['structured']['ids'])} results, 2026-07-28 body; markdown text "
         f"item {s10['text_chars']:,} chars; 2025-11-25 body {legacy['search_pages10']['bytes']:,} B"),
        ("`confluence_get_page` 98618, on the wire", _tok(page["bytes"]),
         f"the macro-rich design page, whole body as markdown (no cursor); text item {page['text_chars']:,} chars; "
         f"2025-11-25 body {legacy['get_page']['bytes']:,} B"),
        _search_row(sizes),
    ]
    rows += _latency_rows(report["latency"], report["emulator"])
    rows.append(_default_latency_row("confluence_get_page", report["latency_default"]["confluence_get_page"],
                                     "CONFLUENCE"))
    rows += _load_rows(report["loads"])
    return _table(rows)


def render(facts: dict, reports: dict) -> str:
    lines = ["## Jira", ""] + render_jira(reports["jira"])
    lines += ["", "## Confluence", ""] + render_confluence(reports["confluence"])
    lines += [
        "",
        f"Machine: {facts['nproc']} CPUs ({facts['cpu']}), {facts['os']}, Python {facts['python']}; "
        f"mcp {facts['mcp']}, uvicorn {facts['uvicorn']}, enterprise-connectors {facts['enterprise-connectors']} "
        f"at {facts['commit']}; run {facts['date']}.",
    ]
    return "\n".join(lines)


DOC_HEAD = """# Benchmarks

Produced by `python -m bench.table --write-docs` (or `python3 dev.py bench --write-docs`); rerun it
after changes that touch tool descriptions, result shaping, the HTTP client or the server stack.

Method: `connectors sandbox`, `connectors serve jira` and `connectors serve confluence` run as
subprocesses on loopback; the benchmark drives them with the `mcp` SDK `Client` over Streamable
HTTP (the default `auto` mode negotiates 2026-07-28; one `Client` per concurrent task). Sizes are
raw HTTP response bodies captured under the client; tokens are approximated as bytes / 4 (no
tokenizer). Latency at concurrency 1 runs with sandbox latency 0, so it is server time plus the
emulator's own processing (no configured latency to subtract); the emulator's own time for the
same upstream requests, asked directly, is given for comparison (Confluence: the GET requests of
the run, replayed from the sandbox's request log). "Default settings" keeps the outbound limit
(`JIRA_RATE_LIMIT_PER_SECOND` / `CONFLUENCE_RATE_LIMIT_PER_SECOND`, default 100 requests/s per
user, bursts of 100) and the sandbox's Atlassian-like burst limits; "throttles off" is a second
server with the outbound limit raised and the sandbox limits disabled, which shows the server's
own cost. Throughput runs are bounded by time and calls. Upstream requests per call come from the
sandbox request log; server CPU from `/proc`. Client, servers and sandbox share the same
machine, so throughput is a lower bound.

"""


DOC_TAIL = """
Reading the default-settings rows: outbound buckets are keyed by the upstream identity, method and
endpoint (Atlassian meters bursts per endpoint: GET/POST at `JIRA_RATE_LIMIT_PER_SECOND` or
`CONFLUENCE_RATE_LIMIT_PER_SECOND`, default 100/s; PUT/DELETE at half; Jira single-issue reads at
1.5x). Until inbound auth maps callers to their own Atlassian credentials every caller shares the one
configured account, so these are the whole server's ceilings per endpoint, not one user's. Raise
them only as far as the site's own limits allow. Identical reads in flight at the same moment share
one upstream request, so a run whose calls repeat one query can exceed the per-endpoint rate.
"""


async def run_server(args: argparse.Namespace, name: str, sandbox: Proc, default: Proc, unthrottled: Proc) -> dict:
    control = SandboxControl(sandbox.url)
    control.configure(latency_ms=0, rate_limits=True)
    report: dict = {"sizes": await measure_sizes(f"{default.url}/mcp", SIZE_PLANS[name])}
    modern = report["sizes"]["2026-07-28"]
    if name == "jira":
        assert len(modern["search20"]["structured"]["keys"]) == 20, modern["search20"]
    else:
        assert len(modern["search_pages10"]["structured"]["ids"]) == 10, modern["search_pages10"]
    # Server time: throttles off, or the outbound bucket (and the sandbox's burst limits) could set the pace
    # of back-to-back calls instead of the server.
    control.configure(rate_limits=False)
    report["latency"] = await measure_latency(unthrottled, control, args.calls, LATENCY_PLANS[name])
    if name == "jira":
        report["emulator"] = measure_emulator(sandbox.url, args.calls // 2)
    else:
        report["emulator"] = replay_emulator(sandbox.url, report["latency"], args.calls // 2)
    control.configure(rate_limits=True)
    first = next(iter(LATENCY_PLANS[name]))
    report["latency_default"] = await measure_latency(default, control, args.calls // 2,
                                                      {first: LATENCY_PLANS[name][first]})
    tool, tool_args = LOAD_PLANS[name]
    load = dict(tool=tool, args=tool_args, concurrency=args.concurrency, latency_ms=args.load_latency_ms,
                duration=args.duration, max_calls=args.max_calls)
    report["loads"] = [
        ("default settings", await measure_throughput(default, sandbox, control, sandbox_rate_limits=True, **load)),
        ("throttles off", await measure_throughput(unthrottled, sandbox, control, sandbox_rate_limits=False, **load)),
    ]
    return report


async def run_all(args: argparse.Namespace, sandbox: Proc, servers: dict[str, tuple[Proc, Proc]]) -> dict:
    return {name: await run_server(args, name, sandbox, *pair) for name, pair in servers.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.table", description=__doc__.split("\n\n")[0])
    parser.add_argument("--calls", type=int, default=200, help="calls per tool at concurrency 1")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--load-latency-ms", type=int, default=50, help="sandbox latency during throughput runs")
    parser.add_argument("--duration", type=float, default=15.0, help="max seconds per throughput run")
    parser.add_argument("--max-calls", type=int, default=1000, help="max calls per throughput run")
    parser.add_argument("--write-docs", action="store_true", help=f"write the tables to {DOCS.relative_to(REPO)}")
    args = parser.parse_args(argv)

    facts = machine_facts()
    started = time.monotonic()
    unthrottled = {"RATE_LIMIT_PER_SECOND": "100000"}
    with ExitStack() as stack:
        logdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-")))
        sandbox = start_sandbox(logdir)
        stack.callback(sandbox.stop)
        servers: dict[str, tuple[Proc, Proc]] = {}
        for name, launch, prefix in (("jira", start_jira, "JIRA_"), ("confluence", start_confluence, "CONFLUENCE_")):
            default = launch(name, sandbox.url, logdir)
            stack.callback(default.stop)
            fast = launch(f"{name}-unthrottled", sandbox.url, logdir, **{prefix + k: v for k, v in unthrottled.items()})
            stack.callback(fast.stop)
            servers[name] = (default, fast)
        reports = anyio.run(run_all, args, sandbox, servers)
    table = render(facts, reports)
    print(table)
    print(f"\n(benchmark took {time.monotonic() - started:.0f} s)", file=sys.stderr)
    if args.write_docs:
        DOCS.write_text(DOC_HEAD + table + "\n" + DOC_TAIL)
        print(f"wrote {DOCS.relative_to(REPO)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
