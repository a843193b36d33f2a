"""Side-by-side benchmark: our Jira + Confluence MCP servers vs mcp-atlassian 0.23.1.

    python -m bench.compare                # print the table (a few minutes)
    python -m bench.compare --write-docs   # also write docs/benchmarks-vs-mcp-atlassian.md

What runs, all on loopback, all as subprocesses (the load generator in this process shares no GIL
with any server):
- one Atlassian sandbox (`connectors sandbox`), Jira at `/`, Confluence at `/wiki`;
- ours: `connectors serve jira` and `connectors serve confluence`, default settings;
- theirs: mcp-atlassian 0.23.1 from PyPI, installed into its own virtual environment
  `.bench/mcp-atlassian-venv` (created on first run, reused after; never a project dependency),
  `--transport streamable-http`, default settings (all toolsets; one process for both products).
  mcp-atlassian decides "Cloud" from the host name only (127.0.0.1 is always Server/DC), so it gets
  `http://bench-site.atlassian.net:<port>` URLs and `bench/cloud_alias_launcher.py` resolves that
  name to 127.0.0.1 inside its process. It therefore runs its Cloud code paths, which the sandbox
  answers as Cloud does. Its Confluence side uses an OAuth access token (with an API token 0.23.1
  reads pages through the removed v1 content API: 410 Gone); the launcher sends its
  `https://api.atlassian.com` gateway calls to the sandbox's gateway paths.

One driver for both: the `mcp` SDK `Client` over Streamable HTTP (default `auto` mode: 2026-07-28
with our servers, which speak it; the 2025-11-25 `initialize` handshake with mcp-atlassian, which
does not). Concurrency N = N clients in one anyio task group, each connected before the clock
starts. Sizes are raw HTTP response bodies captured under the client. Tokens ≈ bytes / 4 (no
tokenizer: tiktoken needs to download its vocabulary, which this machine cannot). Upstream
requests per call come from the sandbox's request log. Peak RSS is VmHWM from /proc.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import anyio
import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from sandbox.atlassian.jira.catalog import CLOUD_ID
from sandbox.atlassian.users import DEMO_OAUTH_TOKEN, DEMO_TOKEN, DEMO_USER
from sandbox.common.control import SandboxControl
from shared.testing import free_port

from .procs import Capture, Proc, package_version, percentile, start_process

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs" / "benchmarks-vs-mcp-atlassian.md"
BENCH_DIR = REPO / ".bench"
VENV = BENCH_DIR / "mcp-atlassian-venv"
THEIRS_VERSION = "0.23.1"
CLOUD_ALIAS = "bench-site.atlassian.net"
EMAIL, TOKEN, OAUTH_TOKEN = DEMO_USER, DEMO_TOKEN, DEMO_OAUTH_TOKEN
ISSUE_KEYS = [f"SHOP-{n}" for n in range(1, 141)]
# Current, visible pages of the seed (98622 is restricted, 98620/98621 draft/archived).
PAGE_IDS = [str(n) for n in range(98305, 98620)]
JQL = "project = SHOP ORDER BY updated DESC"
ASSIGNEE = "paul.martin@example.com"  # assignable in SHOP; an e-mail both sides accept


# --------------------------------------------------------------------------- workloads


@dataclass(frozen=True)
class Call:
    tool: str
    args: dict


@dataclass(frozen=True)
class Workload:
    key: str
    label: str
    product: str  # "jira" | "confluence"
    ours: object  # (i) -> Call
    theirs: object  # (i) -> Call
    write: bool = False


WORKLOADS = [
    Workload("search20", "JQL search, 20 issues", "jira",
             lambda i: Call("jira_search_issues", {"jql": JQL, "limit": 20}),
             lambda i: Call("jira_search", {"jql": JQL, "limit": 20})),
    Workload("get_issue", "get one issue", "jira",
             lambda i: Call("jira_get_issue", {"key": ISSUE_KEYS[i % len(ISSUE_KEYS)]}),
             lambda i: Call("jira_get_issue", {"issue_key": ISSUE_KEYS[i % len(ISSUE_KEYS)]})),
    Workload("create", "create an issue with an assignee", "jira",
             lambda i: Call("jira_create_issue", {"project": "SHOP", "summary": f"Bench issue {i}",
                                                  "issue_type": "Task", "assignee": ASSIGNEE}),
             lambda i: Call("jira_create_issue", {"project_key": "SHOP", "summary": f"Bench issue {i}",
                                                  "issue_type": "Task", "assignee": ASSIGNEE}),
             write=True),
    Workload("cf_search", "Confluence text search (10 results)", "confluence",
             lambda i: Call("confluence_search_pages", {"query": "checkout", "limit": 10}),
             lambda i: Call("confluence_search", {"query": "checkout", "limit": 10})),
    Workload("get_page", "get a page", "confluence",
             lambda i: Call("confluence_get_page", {"id": PAGE_IDS[i % len(PAGE_IDS)]}),
             lambda i: Call("confluence_get_page", {"page_id": PAGE_IDS[i % len(PAGE_IDS)]})),
]
SIZE_SAMPLE = {"get_issue": 0, "get_page": PAGE_IDS.index("98618")}  # SHOP-1; the macro-rich design page


# --------------------------------------------------------------------------- processes


def _clean_env(**extra: str) -> dict[str, str]:
    drop = ("JIRA_", "CONFLUENCE_", "CONNECTOR_", "CONNECTORS_", "ATLASSIAN_", "TOOLSETS", "READ_ONLY",
            "ENABLED_TOOLS", "MCP_", "FASTMCP_")
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(drop) and not k.lower().endswith("_proxy")}
    env.update(extra)
    return env


def ensure_mcp_atlassian() -> Path:
    """The isolated venv with mcp-atlassian==THEIRS_VERSION: created once, reused while it matches."""
    python = VENV / "bin" / "python"
    probe = "import importlib.metadata as m; print(m.version('mcp-atlassian'))"
    if python.exists():
        done = subprocess.run([python, "-c", probe], capture_output=True, text=True, timeout=60)
        if done.returncode == 0 and done.stdout.strip() == THEIRS_VERSION:
            return python
    print(f"installing mcp-atlassian=={THEIRS_VERSION} into {VENV.relative_to(REPO)} …", file=sys.stderr)
    BENCH_DIR.mkdir(exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", "--clear", VENV], check=True, timeout=300)
    subprocess.run([python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                    f"mcp-atlassian=={THEIRS_VERSION}"], check=True, timeout=900)
    return python


def start_sandbox(logdir: Path) -> Proc:
    port = free_port()
    return start_process("sandbox", [sys.executable, "-m", "shared.cli", "sandbox", "--port", str(port)], _clean_env(),
                  f"http://127.0.0.1:{port}", "/__sandbox/config", logdir)


def start_ours(product: str, sandbox_url: str, logdir: Path, *, name: str = "", **extra: str) -> Proc:
    port = free_port()
    prefix = product.upper()
    env = _clean_env(**{f"{prefix}_URL": sandbox_url, f"{prefix}_EMAIL": EMAIL, f"{prefix}_API_TOKEN": TOKEN},
                     CONNECTORS_SECRETS_DIR=str(BENCH_DIR / "no-secrets"), LOG_LEVEL="WARNING", **extra)
    return start_process(name or f"ours-{product}", [sys.executable, "-m", "shared.cli", "serve", product, "--port", str(port)],
                  env, f"http://127.0.0.1:{port}", "/healthz", logdir)


def start_theirs(python: Path, sandbox_url: str, logdir: Path, *, name: str = "mcp-atlassian",
                 **extra: str) -> Proc:
    port, sandbox_port = free_port(), sandbox_url.rsplit(":", 1)[1]
    site = f"http://{CLOUD_ALIAS}:{sandbox_port}"
    home = logdir / f"{name}-home"
    home.mkdir(exist_ok=True)
    env = _clean_env(
        HOME=str(home), BENCH_CLOUD_ALIAS=CLOUD_ALIAS,
        JIRA_URL=site, JIRA_USERNAME=EMAIL, JIRA_API_TOKEN=TOKEN,
        # Confluence through OAuth (3LO), the only mode in which 0.23.1 reads pages with v2: with an API
        # token it uses the removed v1 content API, which Cloud (and the sandbox) answer 410 Gone.
        CONFLUENCE_URL=f"{site}/wiki", CONFLUENCE_OAUTH_ACCESS_TOKEN=OAUTH_TOKEN, ATLASSIAN_OAUTH_CLOUD_ID=CLOUD_ID,
        BENCH_GATEWAY_URL=site,  # the alias: mcp-atlassian trusts its configured hosts (its SSRF guard)
        # Without this, its HTTP transport answers 401 to requests that carry no per-user token.
        ALLOW_GLOBAL_CRED_FALLBACK="true",
        FASTMCP_CHECK_FOR_UPDATES="off", FASTMCP_SHOW_CLI_BANNER="false", **extra,
    )
    cmd = [str(python), str(REPO / "bench" / "cloud_alias_launcher.py"), "--transport", "streamable-http",
           "--host", "127.0.0.1", "--port", str(port), "--path", "/mcp"]
    proc = start_process(name, cmd, env, f"http://127.0.0.1:{port}", "/mcp", logdir)
    text = proc.log.read_text(errors="replace")
    for product in ("JIRA", "CONFLUENCE"):
        if f"bench: {product} is_cloud=True" not in text:
            raise SystemExit(f"{name} did not configure {product} as Cloud:\n{text[-3000:]}")
    return proc


# --------------------------------------------------------------------------- measurement helpers


def _upstream(control: SandboxControl) -> list[dict]:
    return [e for e in control.requests() if not str(e.get("path", "")).startswith("/__sandbox")]


def _text(result) -> str:
    return "".join(c.text for c in result.content if c.type == "text")


def failed(result) -> bool:
    """An MCP error, or mcp-atlassian's way of failing: a normal result whose JSON is `{"error": …}`."""
    if result.is_error:
        return True
    text = _text(result).lstrip()
    if not text.startswith("{"):
        return False
    try:
        body = json.loads(text)
    except ValueError:
        return False
    return isinstance(body, dict) and "error" in body and len(body) <= 2


async def measure_static(url: str, side: str, control: SandboxControl, reps: int) -> dict:
    """tools/list and one result per workload (sizes), then upstream requests per call (steady state)."""
    capture = Capture()
    out: dict = {"workloads": {}}
    async with httpx2.AsyncClient(event_hooks={"response": [capture.on_response]},
                                  timeout=httpx2.Timeout(30, read=120)) as http:
        async with Client(streamable_http_client(url, http_client=http)) as client:
            out["protocol"] = client.protocol_version
            tools = (await client.list_tools()).tools
            out["tools"] = len(tools)
            out["tool_names"] = [t.name for t in tools]
            out["tools_list_bytes"] = len(capture.last("tools/list"))
            out["model_facing_bytes"] = len(json.dumps(
                [{"name": t.name, "description": t.description, "inputSchema": t.input_schema} for t in tools],
                separators=(",", ":"), ensure_ascii=False).encode())
            for wl in WORKLOADS:
                make = wl.ours if side == "ours" else wl.theirs
                if side != "theirs" and wl.product not in url_products(url):
                    continue
                call = make(SIZE_SAMPLE.get(wl.key, 0))
                result = await client.call_tool(call.tool, call.args)
                entry = {"call": call, "bytes": len(capture.last("tools/call")), "text_chars": len(_text(result)),
                         "error": failed(result), "text": _text(result)}
                # steady state: warm caches with the call above, then count upstream requests
                control.clear_requests()
                errors = 0
                for i in range(1, reps + 1):
                    c = make(i)
                    r = await client.call_tool(c.tool, c.args)
                    errors += failed(r)
                log = _upstream(control)
                entry["upstream_per_call"] = len(log) / reps
                entry["upstream_paths"] = sorted({f"{e.get('method')} {e.get('path')}" for e in log})
                entry["upstream_statuses"] = sorted({int(e.get("status") or 0) for e in log})
                entry["errors_in_reps"] = errors
                out["workloads"][wl.key] = entry
    return out


_URL_PRODUCTS: dict[str, set[str]] = {}


def url_products(url: str) -> set[str]:
    return _URL_PRODUCTS.get(url, {"jira", "confluence"})


async def measure_load(url: str, make, control: SandboxControl, *, concurrency: int, calls: int,
                       duration: float, server: Proc | None = None, sandbox: Proc | None = None) -> dict:
    """`concurrency` clients, each connected first; then calls until `calls` are issued or `duration` passes."""
    latencies: list[float] = []
    errors, issued, connected = 0, 0, 0
    first_error = ""
    all_connected, go = anyio.Event(), anyio.Event()
    window = {"deadline": 0.0}

    async def worker(index: int) -> None:
        nonlocal issued, errors, connected, first_error
        async with Client(url) as client:
            connected += 1
            if connected == concurrency:
                all_connected.set()
            await go.wait()
            while issued < calls and time.perf_counter() < window["deadline"]:
                issued += 1
                call = make(issued * 7 + index)
                started = time.perf_counter()
                try:
                    result = await client.call_tool(call.tool, call.args)
                    if failed(result):
                        errors += 1
                        first_error = first_error or _text(result)[:200]
                except Exception as exc:  # noqa: BLE001 - counted; the run goes on
                    errors += 1
                    first_error = first_error or repr(exc)[:200]
                latencies.append(time.perf_counter() - started)

    async with anyio.create_task_group() as group:
        for index in range(concurrency):
            group.start_soon(worker, index)
        with anyio.fail_after(120):
            await all_connected.wait()
        control.clear_requests()
        cpu0 = (server.cpu_seconds() if server else 0.0, sandbox.cpu_seconds() if sandbox else 0.0,
                time.process_time())
        started = time.perf_counter()
        window["deadline"] = started + duration
        go.set()
    elapsed = time.perf_counter() - started
    cpu1 = (server.cpu_seconds() if server else 0.0, sandbox.cpu_seconds() if sandbox else 0.0, time.process_time())
    log = _upstream(control)
    done = len(latencies)
    return {
        "cores_busy": {"server": (cpu1[0] - cpu0[0]) / elapsed, "sandbox": (cpu1[1] - cpu0[1]) / elapsed,
                       "load_generator": (cpu1[2] - cpu0[2]) / elapsed},
        "server_cpu_ms_per_call": (cpu1[0] - cpu0[0]) / max(done, 1) * 1000,
        "concurrency": concurrency, "calls": done, "errors": errors, "first_error": first_error,
        "seconds": elapsed, "calls_per_s": done / elapsed,
        "p50_ms": percentile(latencies, 50) * 1000, "p95_ms": percentile(latencies, 95) * 1000,
        "upstream_per_call": len(log) / max(done, 1),
        "upstream_429": sum(1 for e in log if e.get("status") == 429),
    }


# --------------------------------------------------------------------------- the run


async def run_all(args: argparse.Namespace, sandbox: Proc, ours: dict[str, Proc], theirs: Proc,
                  theirs_default_toolsets: Proc | None, ours_unthrottled: Proc | None) -> dict:
    control = SandboxControl(sandbox.url)
    report: dict = {"static": {}, "load": {}}
    ours_urls = {p: f"{proc.url}/mcp" for p, proc in ours.items()}
    for product, url in ours_urls.items():
        _URL_PRODUCTS[url] = {product}
    theirs_url = f"{theirs.url}/mcp"

    # 1. sizes and upstream requests per call, no added latency
    control.reset()
    control.configure(latency_ms=0)
    report["static"]["ours"] = {p: await measure_static(u, "ours", control, args.reps) for p, u in ours_urls.items()}
    report["static"]["theirs"] = await measure_static(theirs_url, "theirs", control, args.reps)
    if theirs_default_toolsets is not None:
        capture = Capture()
        async with httpx2.AsyncClient(event_hooks={"response": [capture.on_response]}) as http:
            async with Client(streamable_http_client(f"{theirs_default_toolsets.url}/mcp", http_client=http)) as c:
                tools = (await c.list_tools()).tools
        report["static"]["theirs_default_toolsets"] = {"tools": len(tools),
                                                       "tools_list_bytes": len(capture.last("tools/list"))}

    # 2. latency at concurrency 1 and 32, calls/s at 32, with the sandbox's added latency
    for wl in WORKLOADS:
        for side in ("ours", "theirs"):
            url = ours_urls[wl.product] if side == "ours" else theirs_url
            make = wl.ours if side == "ours" else wl.theirs
            for concurrency, calls, duration in ((1, args.calls_c1, args.duration),
                                                 (args.concurrency, args.max_calls, args.duration)):
                control.reset()  # writes do not accumulate; every run starts from the same seed
                control.configure(latency_ms=args.latency_ms)
                proc = ours[wl.product] if side == "ours" else theirs
                result = await measure_load(url, make, control, concurrency=concurrency, calls=calls,
                                            duration=duration, server=proc, sandbox=sandbox)
                report["load"][(wl.key, side, concurrency)] = result
                print(f"  {wl.key:<10} {side:<6} c={concurrency:<3} {result['calls']:>4} calls "
                      f"{result['calls_per_s']:7.1f}/s p50 {result['p50_ms']:7.1f} ms p95 {result['p95_ms']:7.1f} ms "
                      f"errors {result['errors']}", file=sys.stderr)
    # 3. capacity: the same c=32 runs for the two Jira reads with every throttle off (our outbound
    #    limit raised, the sandbox's burst limits off; mcp-atlassian has no outbound limit by default)
    report["capacity"] = {}
    if ours_unthrottled is not None:
        for wl in WORKLOADS[:2]:
            for side, url, make, proc in (("ours", f"{ours_unthrottled.url}/mcp", wl.ours, ours_unthrottled),
                                          ("theirs", theirs_url, wl.theirs, theirs)):
                control.reset()
                control.configure(latency_ms=args.latency_ms, rate_limits=False)
                result = await measure_load(url, make, control, concurrency=args.concurrency, calls=args.max_calls,
                                            duration=args.duration, server=proc, sandbox=sandbox)
                report["capacity"][(wl.key, side)] = result
                print(f"  capacity {wl.key:<10} {side:<6} {result['calls_per_s']:7.1f}/s "
                      f"p50 {result['p50_ms']:7.1f} ms cores {result['cores_busy']}", file=sys.stderr)
        control.configure(rate_limits=True)
    control.configure(latency_ms=0)
    control.reset()
    report["rss"] = {"ours": {p: proc.peak_rss() for p, proc in ours.items()}, "theirs": theirs.peak_rss()}
    return report


# --------------------------------------------------------------------------- report


def machine_facts(theirs_python: Path) -> dict:
    cpu = "?"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = "?"
    try:
        kb = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                      if line.startswith("MemTotal")))
        mem = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, StopIteration, ValueError):
        pass
    probe = ("import importlib.metadata as m; print(' '.join(f'{p} {m.version(p)}' for p in "
             "('mcp-atlassian', 'fastmcp', 'mcp', 'atlassian-python-api', 'requests')))")
    theirs = subprocess.run([theirs_python, "-c", probe], capture_output=True, text=True, timeout=60).stdout.strip()
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True, text=True,
                                timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain"], cwd=REPO, capture_output=True, text=True,
                               timeout=10).stdout.strip()
        commit += " + uncommitted changes" if dirty else ""
    except (OSError, subprocess.SubprocessError):
        commit = "?"
    return {
        "date": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "nproc": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
        "cpu": cpu, "mem": mem, "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "ours": f"enterprise-connectors {package_version('enterprise-connectors')} at {commit} (mcp {package_version('mcp')}, "
                f"atlassian-python-api {package_version('atlassian-python-api')}, uvicorn {package_version('uvicorn')})",
        "theirs": theirs.replace(" ", "=", 1).replace(" fastmcp ", ", fastmcp ").replace(" mcp ", ", mcp ")
                        .replace(" atlassian-python-api ", ", atlassian-python-api ").replace(" requests ", ", requests "),
    }


def _b(n: float) -> str:
    return f"{n:,.0f} B"


def _tok(n: float) -> str:
    return f"{n:,.0f} B (≈{n / 4:,.0f} tok)"


def _ratio(theirs: float, ours: float, *, higher_is_better: bool = False) -> str:
    if not ours or not theirs or math.isnan(ours) or math.isnan(theirs):
        return "–"
    r = (ours / theirs) if higher_is_better else (theirs / ours)
    return f"**{r:.1f}×**" if r >= 1 else f"{r:.2f}× (behind)"


def render(facts: dict, report: dict, args: argparse.Namespace) -> str:
    s_ours, s_theirs = report["static"]["ours"], report["static"]["theirs"]
    ours_tools = sum(s["tools"] for s in s_ours.values())
    ours_list = sum(s["tools_list_bytes"] for s in s_ours.values())
    ours_model = sum(s["model_facing_bytes"] for s in s_ours.values())
    rows = [
        ("`tools/list` response body (Jira + Confluence)",
         f"{_tok(ours_list)}; {ours_tools} tools ({' + '.join(str(s['tools']) for s in s_ours.values())})",
         f"{_tok(s_theirs['tools_list_bytes'])}; {s_theirs['tools']} tools", _ratio(s_theirs["tools_list_bytes"], ours_list)),
    ]
    dflt = report["static"].get("theirs_default_toolsets")
    if dflt:
        rows.append(("  vs mcp-atlassian `TOOLSETS=default`", f"{_tok(ours_list)}",
                     f"{_tok(dflt['tools_list_bytes'])}; {dflt['tools']} tools",
                     _ratio(dflt["tools_list_bytes"], ours_list)))
    rows.append(("tool definitions the model reads (names, descriptions, input schemas; compact JSON)",
                 _tok(ours_model), _tok(s_theirs["model_facing_bytes"]),
                 _ratio(s_theirs["model_facing_bytes"], ours_model)))
    for wl in WORKLOADS:
        o = s_ours[wl.product]["workloads"][wl.key]
        t = s_theirs["workloads"][wl.key]
        t_note = " **error**" if t["error"] else ""
        rows.append((f"result bytes: {wl.label}", f"{_tok(o['bytes'])} (text {o['text_chars']:,} chars)",
                     f"{_tok(t['bytes'])} (text {t['text_chars']:,} chars){t_note}",
                     "–" if t["error"] else _ratio(t["bytes"], o["bytes"])))
    for wl in WORKLOADS:
        o = s_ours[wl.product]["workloads"][wl.key]
        t = s_theirs["workloads"][wl.key]
        rows.append((f"upstream requests per call: {wl.label}", f"{o['upstream_per_call']:.2f}",
                     f"{t['upstream_per_call']:.2f}" + (" (fails)" if t["error"] else ""),
                     "–" if t["error"] else _ratio(t["upstream_per_call"], o["upstream_per_call"])))
    load = report["load"]
    for wl in WORKLOADS:
        for concurrency in (1, args.concurrency):
            o, t = load[(wl.key, "ours", concurrency)], load[(wl.key, "theirs", concurrency)]
            t_err = f", {t['errors']} errors" if t["errors"] else ""
            o_err = f", {o['errors']} errors" if o["errors"] else ""
            rows.append((f"latency p50 / p95, c={concurrency}: {wl.label}",
                         f"{o['p50_ms']:.0f} / {o['p95_ms']:.0f} ms{o_err}",
                         f"{t['p50_ms']:.0f} / {t['p95_ms']:.0f} ms{t_err}",
                         "–" if t["errors"] == t["calls"] else _ratio(t["p50_ms"], o["p50_ms"])))
    for wl in WORKLOADS:
        o, t = load[(wl.key, "ours", args.concurrency)], load[(wl.key, "theirs", args.concurrency)]
        t_ok = t["calls"] - t["errors"]
        rows.append((f"calls/s at c={args.concurrency}: {wl.label}",
                     f"{o['calls_per_s']:.1f} ({o['calls']} calls, {o['errors']} errors, "
                     f"{o['upstream_per_call']:.2f} upstream requests per call, {o['upstream_429']} upstream 429)",
                     f"{t['calls_per_s']:.1f} ({t['calls']} calls, {t['errors']} errors, "
                     f"{t['upstream_per_call']:.2f} upstream requests per call, {t['upstream_429']} upstream 429)",
                     "–" if t_ok == 0 else _ratio(t["calls_per_s"], o["calls_per_s"], higher_is_better=True)))
    for wl in WORKLOADS[:2]:
        if (wl.key, "ours") not in report["capacity"]:
            continue
        o, t = report["capacity"][(wl.key, "ours")], report["capacity"][(wl.key, "theirs")]

        def cell(r: dict) -> str:
            c = r["cores_busy"]
            return (f"{r['calls_per_s']:.1f} (p50 {r['p50_ms']:.0f} ms, {r['errors']} errors; cores busy: server "
                    f"{c['server']:.2f}, load generator {c['load_generator']:.2f})")

        rows.append((f"calls/s at c={args.concurrency}, every throttle off: {wl.label}", cell(o), cell(t),
                     _ratio(t["calls_per_s"], o["calls_per_s"], higher_is_better=True)))
    rss_o, rss_t = report["rss"]["ours"], report["rss"]["theirs"]
    total = sum(rss_o.values())
    rows.append(("peak RSS of the server processes",
                 f"{total / 2**20:.0f} MiB ({' + '.join(f'{p} {v / 2**20:.0f}' for p, v in rss_o.items())})",
                 f"{rss_t / 2**20:.0f} MiB (one process, both products)", _ratio(rss_t, total)))
    lines = ["| Measure | Ours | mcp-atlassian " + THEIRS_VERSION + " | Ours vs theirs |", "|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} |" for a, b, c, d in rows]
    lines += [
        "",
        f"Run {facts['date']} on {facts['nproc']} CPUs ({facts['cpu']}), {facts['mem']} RAM, {facts['os']}, "
        f"Python {facts['python']}. Ours: {facts['ours']}. Theirs: {facts['theirs']}. "
        f"Protocol: ours {s_ours['jira']['protocol']}, theirs {s_theirs['protocol']}. "
        f"Sandbox latency {args.latency_ms} ms per upstream request for the latency and throughput rows "
        f"(0 for sizes); sandbox burst limits on (Cloud-like); both servers at their default settings. "
        f"c=1: {args.calls_c1} calls; c={args.concurrency}: up to {args.max_calls} calls or {args.duration:.0f} s.",
    ]
    return "\n".join(lines)


def goals(report: dict, args: argparse.Namespace) -> list[str]:
    s_ours, s_theirs = report["static"]["ours"], report["static"]["theirs"]
    ours_list = sum(s["tools_list_bytes"] for s in s_ours.values())
    out = []
    r = s_theirs["tools_list_bytes"] / ours_list
    out.append(f"tools/list ≥ 5× smaller than mcp-atlassian's default (all toolsets): {r:.1f}× → "
               f"{'met' if r >= 5 else 'MISSED'}")
    dflt = report["static"].get("theirs_default_toolsets")
    if dflt:
        r = dflt["tools_list_bytes"] / ours_list
        out.append(f"tools/list vs `TOOLSETS=default` ({dflt['tools']} tools): {r:.1f}× → "
                   f"{'met' if r >= 5 else 'MISSED'}")
    o, t = s_ours["jira"]["workloads"]["search20"], s_theirs["workloads"]["search20"]
    r = t["bytes"] / o["bytes"]
    out.append(f"20-issue search result ≥ 3× smaller: {r:.1f}× → {'met' if r >= 3 else 'MISSED'}")
    for wl in WORKLOADS:
        o, t = report["load"][(wl.key, "ours", args.concurrency)], report["load"][(wl.key, "theirs", args.concurrency)]
        if t["calls"] == t["errors"]:
            why = " ".join(t["first_error"].split())[:110]
            out.append(f"calls/s at c={args.concurrency}, {wl.label}: mcp-atlassian fails every call "
                       f"(`{why}…`); ours {o['calls_per_s']:.1f}/s")
            continue
        r = o["calls_per_s"] / t["calls_per_s"]
        out.append(f"calls/s at c={args.concurrency} ≥ 5×, {wl.label}: {r:.1f}× → {'met' if r >= 5 else 'MISSED'}")
    for (key, side), o in report.get("capacity", {}).items():
        if side != "ours":
            continue
        t = report["capacity"][(key, "theirs")]
        r = o["calls_per_s"] / t["calls_per_s"]
        label = next(wl.label for wl in WORKLOADS if wl.key == key)
        out.append(f"calls/s at c={args.concurrency} ≥ 5× with every throttle off, {label}: {r:.1f}× → "
                   f"{'met' if r >= 5 else 'MISSED'}")
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.compare", description=__doc__.split("\n\n")[0])
    parser.add_argument("--latency-ms", type=int, default=50, help="sandbox latency for latency/throughput runs")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--calls-c1", type=int, default=30, help="calls per workload and side at concurrency 1")
    parser.add_argument("--max-calls", type=int, default=600, help="max calls per run at high concurrency")
    parser.add_argument("--duration", type=float, default=8.0, help="max seconds per run")
    parser.add_argument("--reps", type=int, default=5, help="calls per workload for upstream requests per call")
    parser.add_argument("--skip-default-toolsets", action="store_true",
                        help="do not start a second mcp-atlassian with TOOLSETS=default for its tools/list size")
    parser.add_argument("--skip-capacity", action="store_true",
                        help="skip the throttles-off runs (a second Jira server with the outbound limit raised)")
    parser.add_argument("--write-docs", action="store_true", help=f"write {DOCS.relative_to(REPO)}")
    parser.add_argument("--json", type=Path, help="also dump the raw report here")
    args = parser.parse_args(argv)

    started = time.monotonic()
    theirs_python = ensure_mcp_atlassian()
    facts = machine_facts(theirs_python)
    with ExitStack() as stack:
        logdir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-compare-")))
        sandbox = start_sandbox(logdir)
        stack.callback(sandbox.stop)
        ours = {}
        for product in ("jira", "confluence"):
            ours[product] = start_ours(product, sandbox.url, logdir)
            stack.callback(ours[product].stop)
        theirs = start_theirs(theirs_python, sandbox.url, logdir)
        stack.callback(theirs.stop)
        theirs_default = None
        if not args.skip_default_toolsets:
            theirs_default = start_theirs(theirs_python, sandbox.url, logdir, name="mcp-atlassian-default-toolsets",
                                          TOOLSETS="default")
            stack.callback(theirs_default.stop)
        unthrottled = None
        if not args.skip_capacity:
            unthrottled = start_ours("jira", sandbox.url, logdir, name="ours-jira-unthrottled",
                                     JIRA_RATE_LIMIT_PER_SECOND="100000")
            stack.callback(unthrottled.stop)
        report = anyio.run(run_all, args, sandbox, ours, theirs, theirs_default, unthrottled)
        if args.json:
            args.json.write_text(json.dumps(
                {"static": report["static"], "rss": report["rss"],
                 "load": {"/".join(map(str, k)): v for k, v in report["load"].items()},
                 "capacity": {"/".join(map(str, k)): v for k, v in report["capacity"].items()}},
                indent=2, default=lambda o: o.__dict__))
    table = render(facts, report, args)
    verdicts = goals(report, args)
    print(table)
    print()
    print("\n".join(f"- {v}" for v in verdicts))
    print(f"\n(benchmark took {time.monotonic() - started:.0f} s)", file=sys.stderr)
    if args.write_docs:
        from bench.doc import write_doc

        write_doc(DOCS, facts, table, verdicts, report, args)
        print(f"wrote {DOCS.relative_to(REPO)}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
