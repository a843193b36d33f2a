"""The storage rows of the benchmark (issue 12): reading a 50-page PDF and a ~5 MB spreadsheet (time and bytes
returned), and calls/s at concurrency 32 with 50 ms upstream latency, for Google Drive and OneDrive.

    python -m bench.table --only storage      # these rows alone (the full table runs them after Confluence)

Per provider: its sandbox and two `connectors serve storage` (default settings; throttles off: outbound limit
raised, sandbox limits off), the files uploaded through the provider's API first (`bench/storage_fixture.py`).

Reading, at concurrency 1 and sandbox latency 0, through the MCP client over Streamable HTTP:
- "first page, cold": `storage_read_file` of a copy never read before (download + conversion), each copy once;
- "first page again": the same call repeated: the server still downloads the file (it keeps no files) but finds
  its converted text in memory (`shared.content.memo`): a row that profits from caching, labelled so;
- "whole file": every page through `next_cursor` (pages after the first reuse the converted text too).
Bytes are the raw `tools/call` response bodies.

Throughput (run before the big files are uploaded, whose text would slow the emulators' searches), 32 clients,
sandbox latency 50 ms, distinct keys: `search` for one of 64 uploaded notes by its number, and `storage_read_file`
of the 64 notes in turn (a note comes back every 64 calls, downloaded again; its converted text may be reused).
"""

from __future__ import annotations

import argparse
import sys
import time
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from .load import Call, LoadResult, run_load
from .procs import Capture, Proc, percentile
from .servers import metric_total
from .storage_fixture import NOTES, Site, start_site, start_storage, upload_big_files, upload_notes

PROVIDERS = ("google-drive", "onedrive")
WAITS = "connector_rate_limit_waits_total"


def note_search(i: int) -> Call:
    return Call("search", {"query": f"bench note {i % NOTES:03d}"})


def note_reader(site: Site) -> Any:
    return lambda i: Call("storage_read_file", {"id": site.notes[i % NOTES]})


async def _read(client: Client, capture: Capture, file_id: str, cursor: str = "") -> tuple[float, int, str]:
    """(seconds, response bytes, next cursor) of one `storage_read_file`."""
    arguments = {"id": file_id} | ({"cursor": cursor} if cursor else {})
    started = time.perf_counter()
    result = await client.call_tool("storage_read_file", arguments)
    seconds = time.perf_counter() - started
    assert not result.is_error, result.content
    return seconds, len(capture.last("tools/call")), str((result.structured_content or {}).get("next_cursor") or "")


async def measure_reads(mcp_url: str, ids: list[str], repeats: int) -> dict[str, Any]:
    """Cold first pages (one per copy), the first page again (cached conversion), and the whole of copy 0."""
    capture = Capture()
    async with httpx2.AsyncClient(
        event_hooks={"response": [capture.on_response]}, timeout=httpx2.Timeout(60, read=300)
    ) as http:
        async with Client(streamable_http_client(mcp_url, http_client=http)) as client:
            cold = [await _read(client, capture, file_id) for file_id in ids]
            again = [await _read(client, capture, ids[0]) for _ in range(repeats)]
            started, pages, total, cursor = time.perf_counter(), 0, 0, ""
            while True:  # the whole file through its cursors
                _, size, cursor = await _read(client, capture, ids[0], cursor)
                pages, total = pages + 1, total + size
                if not cursor or pages >= 200:
                    break
            whole = time.perf_counter() - started
    return {
        "cold_s": [c[0] for c in cold],
        "first_page_bytes": cold[0][1],
        "again_s": [a[0] for a in again],
        "whole_s": whole,
        "whole_calls": pages,
        "whole_bytes": total,
    }


def summary(values: list[float]) -> dict[str, float]:
    return {"p50_ms": percentile(values, 50) * 1000, "p95_ms": percentile(values, 95) * 1000, "n": len(values)}


async def _load(server: Proc, site: Site, make: Any, **kwargs: Any) -> tuple[LoadResult, float]:
    before = metric_total(server.url, WAITS)
    url, control = f"{server.url}/mcp", site.control
    result = await run_load(url, make, server=server, sandbox=site.sandbox, control=control, **kwargs)
    return result, metric_total(server.url, WAITS) - before


async def run_provider(args: argparse.Namespace, site: Site, servers: dict[str, Proc]) -> dict[str, Any]:
    control = site.control
    report: dict[str, Any] = {"loads": []}
    load = dict(concurrency=args.concurrency, max_calls=args.max_calls, duration=args.duration, warmup=5)
    plans = [
        (f"`search`, one of {NOTES} notes by its number each call", note_search),
        (f"`storage_read_file`, {NOTES} notes in turn", note_reader(site)),
    ]
    for setting, server in servers.items():
        for label, make in plans:
            control.configure(latency_ms=args.load_latency_ms, rate_limits=setting == "default settings")
            result, waits = await _load(server, site, make, **load)
            report["loads"].append((setting, label, result, waits))
            print(f"  {site.provider} {setting}: {label}: {result.calls_per_s:.1f}/s", file=sys.stderr)
    control.configure(latency_ms=0, rate_limits=False)
    started = time.perf_counter()
    upload_big_files(site, args.storage_copies, args.storage_xlsx_mb)
    print(f"  {site.provider}: big files uploaded in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    reads_at = f"{servers['throttles off'].url}/mcp"
    report |= {"sizes": dict(site.sizes), "copies": len(site.pdfs)}
    report["pdf"] = await measure_reads(reads_at, site.pdfs, args.calls)
    report["xlsx"] = await measure_reads(reads_at, site.workbooks, args.calls)
    control.configure(latency_ms=0, rate_limits=True)
    return report


async def run_storage(args: argparse.Namespace, logdir: Path, stack: ExitStack) -> dict[str, Any]:
    """Start, fill and measure each provider in turn; every process is stopped by `stack`."""
    reports: dict[str, Any] = {}
    for provider in PROVIDERS:
        site = start_site(provider, logdir)
        stack.callback(site.sandbox.stop)
        upload_notes(site)
        servers: dict[str, Proc] = {}
        for setting, unthrottled in (("default settings", False), ("throttles off", True)):
            servers[setting] = start_storage(site, logdir, unthrottled=unthrottled)
            stack.callback(servers[setting].stop)
        reports[provider] = await run_provider(args, site, servers)
        for proc in (*servers.values(), site.sandbox):
            proc.stop()
    return reports
