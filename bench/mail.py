"""The mail rows of the benchmark (issue 13): a 200-message search and a 50-message thread (time and bytes
returned), and calls/s at concurrency 32 with 50 ms upstream latency, for Gmail and Outlook.

    python -m bench.table --only mail      # these rows alone (the full table runs them after storage)

Per provider: its sandbox and two `connectors serve mail` acting as Alice (default settings; throttles off:
outbound limit raised, the sandbox's limits off: Gmail's quota units, Exchange's per-mailbox limits), her mail
sent to her through the provider's own API first (`bench/mail_fixture.py`).

Throughput first (32 clients, sandbox latency 50 ms, a distinct query per call): `mail_search_messages` for one of
the search messages by its order number, and `mail_get_thread` of those messages in turn (each its own thread).
Then, at concurrency 1 and sandbox latency 0, through the MCP client over Streamable HTTP: the search that finds
all of them (`mail_search_messages`, limit 200: pages of 50, each call's `next_cursor` leading to the next; the timed
row is the first page, and the whole walk is measured once for its calls, bytes and time) and `mail_get_thread` of
the 50-message thread, each with throttles off and with default settings. Bytes are raw `tools/call` response
bodies.

What the server keeps between calls, per person: Gmail's label names and Outlook's folder names (read once, then
used to name each message's folder), and the account's own address (`mail_get_thread` tells mail from others by
it). Every timed call after the first profits from them; the rows say so.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
import urllib.request
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from .load import Call, LoadResult, MakeCall, run_load
from .mail_fixture import SEARCH_WORD, MailSite, seed, start_mail, start_mail_site
from .procs import Capture, Proc
from .servers import metric_total

PROVIDERS = ("gmail", "outlook")
WAITS = "connector_rate_limit_waits_total"
UPSTREAM = "connector_upstream_requests_total"
SEARCH_LIMIT = 200  # the tool's largest limit


def search_all() -> Call:
    return Call("mail_search_messages", {"words": SEARCH_WORD, "limit": SEARCH_LIMIT})


def order_search(site: MailSite) -> MakeCall:
    """One search message by its order number: a query of its own for every call in a window of `len(orders)`."""
    return lambda i: Call("mail_search_messages", {"words": f"{SEARCH_WORD} {site.orders[i % len(site.orders)]}"})


def thread_reader(site: MailSite) -> MakeCall:
    return lambda i: Call("mail_get_thread", {"id": site.messages[i % len(site.messages)]})


async def measure_sizes(mcp_url: str, site: MailSite) -> dict[str, Any]:
    """The raw response body and what it holds, of the 200-message search and of the 50-message thread."""
    capture = Capture()
    sizes: dict[str, Any] = {}
    async with httpx2.AsyncClient(
        event_hooks={"response": [capture.on_response]}, timeout=httpx2.Timeout(60, read=300)
    ) as http:
        async with Client(streamable_http_client(mcp_url, http_client=http)) as client:
            for key, call in (("search", search_all()), ("thread", Call("mail_get_thread", {"id": site.thread}))):
                result = await client.call_tool(call.tool, call.args)
                assert not result.is_error, (call, result.content)
                structured = result.structured_content or {}
                sizes[key] = {
                    "bytes": len(capture.last("tools/call")),
                    "text_chars": sum(len(c.text) for c in result.content if c.type == "text"),
                    "rows": len(structured.get("messages") or structured.get("ids") or []),
                    "left_out": int(structured.get("left_out") or 0),
                }
            sizes["walk"] = await walk_search(client, capture)
    return sizes


async def walk_search(client: Client, capture: Capture) -> dict[str, Any]:
    """The whole 200-message search, page after page through `next_cursor`: calls, rows, bytes and time."""
    call = search_all()
    walk: dict[str, Any] = {"calls": 0, "rows": 0, "bytes": 0, "ms": 0.0}
    started = time.perf_counter()
    while True:
        result = await client.call_tool(call.tool, call.args)
        assert not result.is_error, (call, result.content)
        structured = result.structured_content or {}
        walk["calls"] += 1
        walk["rows"] += len(structured.get("messages") or [])
        walk["bytes"] += len(capture.last("tools/call"))
        cursor = structured.get("next_cursor")
        if not cursor or walk["calls"] >= 50:
            break
        call = Call(call.tool, {**search_all().args, "cursor": cursor})
    walk["ms"] = (time.perf_counter() - started) * 1000
    return walk


def upstream_counts(base_url: str) -> tuple[float, float]:
    """(HTTP requests, of which 429s) the server has sent upstream, from its own /metrics: a Gmail batch is one
    request there, while the sandbox's log also lists each of its parts; Exchange's per-mailbox 429s are answered
    before the sandbox's log sees them."""
    with urllib.request.urlopen(f"{base_url}/metrics", timeout=5) as response:
        text = response.read().decode()
    found = [(m.group(1), float(m.group(2))) for m in re.finditer(rf"^{UPSTREAM}\{{([^}}]*)\}} (\S+)$", text, re.M)]
    return sum(v for _, v in found), sum(v for labels, v in found if 'status="429"' in labels)


async def _load(server: Proc, site: MailSite, make: MakeCall, warmup: int, **kwargs: Any) -> tuple[LoadResult, float]:
    """One run; its upstream requests per call and 429s as the server counted them (`upstream_counts`). The warm-up
    calls (indices no timed call uses) run first on a client of their own, outside the counts."""
    url, control = f"{server.url}/mcp", site.control
    async with Client(url) as client:
        for n in range(warmup):
            call = make(10**6 + n)
            await client.call_tool(call.tool, call.args)
    waits, (sent, throttled) = metric_total(server.url, WAITS), upstream_counts(server.url)
    result = await run_load(url, make, server=server, sandbox=site.sandbox, control=control, **kwargs)
    after = upstream_counts(server.url)
    result.upstream_per_call = (after[0] - sent) / max(result.calls, 1)
    result.upstream_429 = int(after[1] - throttled)
    return result, metric_total(server.url, WAITS) - waits


async def run_provider(args: argparse.Namespace, site: MailSite, servers: dict[str, Proc]) -> dict[str, Any]:
    report: dict[str, Any] = {"loads": [], "reads": [], "messages": len(site.messages)}
    load = dict(concurrency=args.concurrency, max_calls=args.max_calls, duration=args.duration)
    warm = 5
    plans = [
        (
            f"`mail_search_messages`, one of {len(site.orders)} messages by its order number each call",
            order_search(site),
        ),
        (f"`mail_get_thread`, {len(site.messages)} one-message threads in turn", thread_reader(site)),
    ]
    for setting, server in servers.items():
        for label, make in plans:
            site.throttles(setting == "default settings")
            site.control.configure(latency_ms=args.load_latency_ms)
            result, waits = await _load(server, site, make, warm, **load)
            report["loads"].append((setting, label, result, waits))
            print(f"  {site.provider} {setting}: {label}: {result.calls_per_s:.1f}/s", file=sys.stderr)
    site.control.configure(latency_ms=0)
    site.throttles(False)
    report["sizes"] = await measure_sizes(f"{servers['throttles off'].url}/mcp", site)
    reads = [("search", lambda i: search_all()), ("thread", lambda i: Call("mail_get_thread", {"id": site.thread}))]
    for setting in ("throttles off", "default settings"):
        site.throttles(setting == "default settings")
        calls = args.mail_calls if setting == "throttles off" else max(2, args.mail_calls // 4)
        for key, make in reads:
            c1 = dict(concurrency=1, max_calls=calls, duration=300.0)
            result, waits = await _load(servers[setting], site, make, 1, **c1)
            report["reads"].append((setting, key, result, waits))
            print(f"  {site.provider} {setting}: {key}: p50 {result.p50_ms:.0f} ms", file=sys.stderr)
    site.throttles(True)
    return report


async def run_mail(args: argparse.Namespace, logdir: Path, stack: ExitStack) -> dict[str, Any]:
    """Start, fill and measure each provider in turn; every process is stopped by `stack`."""
    reports: dict[str, Any] = {}
    for provider in PROVIDERS:
        site = start_mail_site(provider, logdir)
        stack.callback(site.sandbox.stop)
        seed(site, args.mail_messages)
        servers: dict[str, Proc] = {}
        for setting, unthrottled in (("default settings", False), ("throttles off", True)):
            servers[setting] = start_mail(site, logdir, unthrottled=unthrottled)
            stack.callback(servers[setting].stop)
        reports[provider] = await run_provider(args, site, servers)
        for proc in (*servers.values(), site.sandbox):
            proc.stop()
    return reports
