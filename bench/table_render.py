"""docs/benchmarks.md from one `python -m bench.table` run: sizes, latency and throughput tables per server."""

from __future__ import annotations

import json
from typing import Any

from shared.settings import ServerSettings

from .load import LoadResult
from .table_measure import SEARCH_20, SEARCH_PAGES_10

TOOLS_LIST_GOAL = 12 * 1024  # Confluence's whole tools/list: under 12 KB
DEFAULT_RATE = ServerSettings.model_fields["rate_limit_per_second"].default
CPU_GOAL_MS = 5.0

Row = tuple[str, ...]


def _tok(n: int) -> str:
    return f"{n:,} B (≈{round(n / 4):,} tokens)"


def _table(header: Row, rows: list[Row]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + ["| " + " | ".join(r) + " |" for r in rows]


def _size_rows(sizes: dict[str, Any]) -> list[Row]:
    modern, legacy = sizes["2026-07-28"], sizes["2025-11-25"]
    return [
        (
            "`tools/list` response body, 2026-07-28",
            _tok(modern["tools_list_bytes"]),
            f"{modern['tools']} tools; whole JSON-RPC body incl. output schemas, annotations, `_meta`",
        ),
        ("`tools/list` response body, 2025-11-25", _tok(legacy["tools_list_bytes"]), "legacy era (`initialize`)"),
        (
            "tool definitions the model reads",
            _tok(modern["model_facing_bytes"]),
            "names + descriptions + input schemas, compact JSON (§14.5 budget: well under 5,000 tokens)",
        ),
    ]


def _search_row(sizes: dict[str, Any]) -> Row:
    s = sizes["2026-07-28"]["search"]
    return (
        '`search` "checkout", on the wire',
        _tok(s["bytes"]),
        f"{len(s['structured']['results'])} results; JSON text item {s['text_chars']:,} chars "
        f"(as compact JSON: {s['compact_chars']:,})",
    )


def _cpu(r: LoadResult) -> str:
    return f"**{r.server_cpu_ms_per_call:.1f}**"


def latency_table(report: dict[str, Any], prefix: str) -> list[str]:
    rows: list[Row] = []
    for label, r, emulator in report["latency"]:
        rows.append(
            (
                f"{label}, throttles off",
                f"{r.p50_ms:.1f} / {r.p95_ms:.1f} ms",
                _cpu(r),
                f"{r.upstream_per_call:.2f}",
                f"{emulator['p50_ms']:.1f} / {emulator['p95_ms']:.1f} ms",
                f"{r.calls} calls, {r.errors} errors",
            )
        )
    label, r, waits = report["latency_default"]
    rows.append(
        (
            f"{label}, default settings",
            f"{r.p50_ms:.1f} / {r.p95_ms:.1f} ms",
            _cpu(r),
            f"{r.upstream_per_call:.2f}",
            "",
            f"{r.calls} calls, {r.errors} errors; outbound limit `{prefix}_RATE_LIMIT_PER_SECOND="
            f"{DEFAULT_RATE:g}` and sandbox burst limits on: {waits:.0f} outbound rate-limit waits",
        )
    )
    header = (
        "Concurrency 1, sandbox latency 0",
        "p50 / p95",
        "server CPU ms/call",
        "upstream requests/call",
        "emulator alone p50 / p95",
        "calls",
    )
    return _table(header, rows)


def throughput_table(report: dict[str, Any]) -> list[str]:
    rows: list[Row] = []
    for setting, label, r, waits in report["loads"]:
        c = r.cores_busy
        rows.append(
            (
                setting,
                label,
                f"{r.calls_per_s:.1f}",
                f"{r.p50_ms:.0f} / {r.p95_ms:.0f} ms",
                _cpu(r),
                f"{r.upstream_per_call:.2f}",
                f"{r.calls} calls in {r.seconds:.1f} s, {r.errors} errors, {r.upstream_429} upstream 429s, "
                f"{waits:.0f} outbound rate-limit waits; cores busy: server {c['server']:.2f}, sandbox "
                f"{c['sandbox']:.2f}, load generator {c['load_generator']:.2f}",
            )
        )
    header = (
        "Settings",
        "Tool and arguments",
        "calls/s",
        "p50 / p95",
        "server CPU ms/call",
        "upstream requests/call",
        "conditions",
    )
    return _table(header, rows)


def render_jira(report: dict[str, Any]) -> list[str]:
    sizes = report["sizes"]
    s20, legacy = sizes["2026-07-28"]["search20"], sizes["2025-11-25"]
    rows = _size_rows(sizes) + [
        (
            "`jira_search_issues` 20 issues, on the wire",
            _tok(s20["bytes"]),
            f"`{json.dumps(SEARCH_20)}`, 2026-07-28 body; markdown text item {s20['text_chars']:,} chars; "
            f"2025-11-25 body {legacy['search20']['bytes']:,} B",
        ),
        _search_row(sizes),
    ]
    return _table(("Measure", "Result", "Conditions"), rows)


def render_confluence(report: dict[str, Any]) -> list[str]:
    sizes = report["sizes"]
    modern, legacy = sizes["2026-07-28"], sizes["2025-11-25"]
    listed = modern["tools_list_bytes"]
    goal = "met" if max(listed, legacy["tools_list_bytes"]) < TOOLS_LIST_GOAL else "**not met**"
    rows = _size_rows(sizes)
    rows[0] = (
        rows[0][0],
        rows[0][1],
        rows[0][2] + f"; goal under 12 KB ({TOOLS_LIST_GOAL:,} B): {goal}, {listed / 1024:.1f} KB",
    )
    s10, page = modern["search_pages10"], modern["get_page"]
    rows += [
        (
            "`confluence_search_pages` 10 results, on the wire",
            _tok(s10["bytes"]),
            f"`{json.dumps(SEARCH_PAGES_10)}`, {len(s10['structured']['ids'])} results, 2026-07-28 body; markdown text "
            f"item {s10['text_chars']:,} chars; 2025-11-25 body {legacy['search_pages10']['bytes']:,} B",
        ),
        (
            "`confluence_get_page` 98618, on the wire",
            _tok(page["bytes"]),
            f"the macro-rich design page, whole body as markdown (no cursor); text item {page['text_chars']:,} chars; "
            f"2025-11-25 body {legacy['get_page']['bytes']:,} B",
        ),
        _search_row(sizes),
    ]
    return _table(("Measure", "Result", "Conditions"), rows)


def render_floor(floor: dict[str, dict[int, LoadResult]]) -> list[str]:
    rows: list[Row] = []
    for stack, by_c in floor.items():
        for c, r in by_c.items():
            rows.append((stack, str(c), f"{r.calls_per_s:.1f}", f"{r.p50_ms:.1f} / {r.p95_ms:.1f} ms", _cpu(r)))
    return _table(("uvicorn loop + HTTP parser", "clients", "calls/s", "p50 / p95", "server CPU ms/call"), rows)


def render(facts: dict[str, str], reports: dict[str, Any], floor: dict[str, dict[int, LoadResult]] | None) -> str:
    lines: list[str] = []
    for name, title, prefix, sizes in (
        ("jira", "Jira", "JIRA", render_jira),
        ("confluence", "Confluence", "CONFLUENCE", render_confluence),
    ):
        if name not in reports:  # `--only` another server
            continue
        report = reports[name]
        lines += [f"## {title}", "", *sizes(report), "", *latency_table(report, prefix), ""]
        lines += [*throughput_table(report), ""]
    if "storage" in reports:
        from .storage_render import render_storage

        lines += render_storage(reports["storage"])
    if "mail" in reports:
        from .mail_render import render_mail

        lines += render_mail(reports["mail"])
    if floor:
        lines += ["## The floor: a bare `mcp` server with one trivial tool", "", *render_floor(floor), ""]
    lines.append(
        f"Machine: {facts['nproc']} CPUs ({facts['cpu']}), {facts['mem']} RAM, {facts['os']}, "
        f"Python {facts['python']}; mcp {facts['mcp']}, uvicorn {facts['uvicorn']}, uvloop {facts['uvloop']}, "
        f"httptools {facts['httptools']}; "
        f"enterprise-connectors {facts['enterprise-connectors']} at {facts['commit']}; run {facts['date']}; load "
        f"average (1 / 5 / 15 min) {facts['load_before']} before the run and {facts['load_after']} after it."
    )
    return "\n".join(lines)


DOC_HEAD = """# Benchmarks

Produced by `python -m bench.table --write-docs` (or `python3 dev.py bench --write-docs`); rerun it
after changes that touch tool descriptions, result shaping, the HTTP client or the server stack.

Method: `connectors sandbox`, `connectors serve jira` and `connectors serve confluence` run as
subprocesses on loopback; the benchmark drives them with the `mcp` SDK `Client` over Streamable
HTTP (the default `auto` mode negotiates 2026-07-28; one `Client` per concurrent task, all connected
before the clock starts). Sizes are raw HTTP response bodies captured under the client; tokens are
approximated as bytes / 4 (no tokenizer).

**Distinct calls.** Identical reads that one user has in flight at the same moment share one
execution (`shared.coalesce`), so a run whose clients repeat one query would measure a fraction of
the work per call. Every latency and throughput row therefore gives each call its own key or query
(`bench/workloads.py`): issue keys cycle over the 320 seeded issues (SHOP-1 … MOB-90), JQL varies
the project and a `created <= -Nh` cut-off, text searches cycle over about 100 seed words, pages over
the 314 current seed pages. The one row per server labelled "identical calls, coalesced" repeats a
single query on purpose, to show what coalescing does; its "upstream requests/call" is below 1.

**Server CPU ms/call** is the server process's user + system CPU time (all threads, from
`/proc/<pid>/stat`) over the timed window, divided by the calls completed in it. It does not depend
on how fast the sandbox or the load generator are, so it is the figure to compare between runs;
calls/s and latency do depend on them, because the client, the servers and the sandbox share this
machine (and, when this file was written, other people's work on it: see the load average below).

Latency at concurrency 1 runs with sandbox latency 0, so it is server time plus the emulator's own
processing; the emulator's own time for the same upstream requests, asked directly, is given for
comparison (Confluence: the GET requests of the run, replayed from the sandbox's request log).
"Default settings" keeps the outbound limit (`JIRA_RATE_LIMIT_PER_SECOND` /
`CONFLUENCE_RATE_LIMIT_PER_SECOND`, default 100 requests/s per user, bursts of 100) and the
sandbox's Atlassian-like burst limits; "throttles off" is a second server with the outbound limit
raised and the sandbox limits disabled, which shows the server's own cost; "throttles off, uvloop"
is a third Jira server started through `bench/uvloop_launcher.py`, the CLI with its event loop on
uvloop (`shared.cli` runs anyio's default asyncio loop; uvicorn picks httptools by itself).
Throughput runs use sandbox latency 50 ms and are bounded by time and calls. Upstream requests per
call come from the sandbox request log. Servers import some modules on first use, so a tree that
others edit during a run can mix versions; this run used a copy of the tree taken just before it
(`BENCH_COMMIT` describes the copy in the machine line below).

"""

DOC_TAIL = """
Reading the default-settings rows: outbound buckets are keyed by the upstream identity, method and
endpoint (Atlassian meters bursts per endpoint: GET/POST at `JIRA_RATE_LIMIT_PER_SECOND` or
`CONFLUENCE_RATE_LIMIT_PER_SECOND`, default 100/s; PUT/DELETE at half; Jira single-issue reads at
1.5x). Until inbound auth maps callers to their own Atlassian credentials every caller shares the one
configured account, so these are the whole server's ceilings per endpoint, not one user's. Raise
them only as far as the site's own limits allow.

The floor (`python -m bench.floor`): an `MCPServer` with one tool that returns its argument, served
like our connectors (Streamable HTTP, stateless, JSON responses) under uvicorn, driven by the same
load generator. What a connector costs per call beyond it is the connector's own work.

Where a Jira server's CPU goes: `python -m bench.profile jira_get_issue` (or `jira_search_issues`;
needs `pip install py-spy` in the venv, never a project dependency) samples the server under a
distinct-key load and prints its CPU per call, the share of samples per layer (ADF to markdown,
worker-thread handoff, upstream HTTP client, MCP SDK, pydantic, event loop, …) and the top functions.

### Where the CPU goes (written by hand; not regenerated by this program)

Profiled 2026-12-04 at 728ab48 plus others' uncommitted changes, Jira server, 32 clients, sandbox
latency 50 ms, distinct keys / JQL, py-spy 250 samples/s of the thread holding the GIL
(`python -m bench.profile <tool> --concurrency 32 --latency-ms 50`); 3.1 ms (`jira_get_issue`) and
2.9 ms (`jira_search_issues`) of server CPU per call in those runs:

| Layer | `jira_get_issue` | `jira_search_issues` |
|---|---|---|
| ADF to markdown (`connectors/jira/adf`, its markdown-it check parse) | 27.5 % | – |
| worker-thread handoff (`shared.http.in_worker`: anyio.to_thread, queue, threading) | 10.7 % | 28.4 % |
| upstream HTTP client (atlassian-python-api, requests, urllib3, JSON decode) | 11.6 % | 18.7 % |
| MCP SDK + pydantic (request validation, result serialisation) | 15.3 % | 14.7 % |
| uvicorn, starlette, httptools, event loop | 15.9 % | 11.6 % |
| result shaping (`connectors/jira/views.py`) | 3.5 % | 8.9 % |
| our `shared/` and `connectors/` code otherwise, stdlib, JSON on the loop | 15.5 % | 17.6 % |

The floor above (a bare `mcp` server) is 0.6–0.8 ms per call, so about 2.2–2.5 ms of each call is
ours. `python -m bench.upstream_clients` puts numbers on the upstream part: client CPU per
`GET /rest/api/3/issue/{key}` (about 10 KB of JSON, parsed) was 0.86–0.91 ms with requests on anyio
worker threads (our path, before atlassian-python-api's own work), 0.30–0.35 ms with aiohttp on the
event loop, and 1.1–2.0 ms with httpx's `AsyncClient` (so httpx would not help).
"""
