"""What `bench.table` measures besides load runs: wire sizes, and the emulator's own time for the same requests."""

from __future__ import annotations

import json
import time
from typing import Any

import httpx2
from mcp import Client
from mcp.client.streamable_http import streamable_http_client

from .load import Call, MakeCall
from .procs import Capture, percentile
from .servers import EMAIL, TOKEN
from .workloads import (
    DESIGN_PAGE_ID,
    confluence_word,
    distinct_jql,
    get_issue_args,
    issue_key,
    jira_word,
    page_id,
    search_issues_args,
    search_issues_identical,
)

SEARCH_20 = {"project": "SHOP", "limit": 20}
SEARCH_PAGES_10 = {"query": "checkout", "limit": 10}

# Sized calls per server: (key, tool, arguments).
SIZE_PLANS: dict[str, list[tuple[str, str, dict[str, Any]]]] = {
    "jira": [
        ("search20", "jira_search_issues", SEARCH_20),
        ("search", "search", {"query": "checkout"}),
    ],
    "confluence": [
        ("search_pages10", "confluence_search_pages", SEARCH_PAGES_10),
        ("get_page", "confluence_get_page", {"id": DESIGN_PAGE_ID}),
        ("search", "search", {"query": "checkout"}),
    ],
}


def _call(tool: str, args: Any) -> MakeCall:
    return lambda i: Call(tool, args(i))


# Timed back to back at concurrency 1, every call with its own key or query (label, make).
LATENCY_PLANS: dict[str, list[tuple[str, MakeCall]]] = {
    "jira": [
        ("`jira_get_issue`, keys SHOP-1 … MOB-90 in turn", _call("jira_get_issue", get_issue_args)),
        ("`jira_search_issues`, a different JQL each call", _call("jira_search_issues", search_issues_args)),
        ("`search`, a different word each call", _call("search", lambda i: {"query": jira_word(i)})),
    ],
    "confluence": [
        ("`confluence_get_page`, the seed's pages in turn", _call("confluence_get_page", lambda i: {"id": page_id(i)})),
        (
            "`confluence_search_pages`, a different word each call",
            _call("confluence_search_pages", lambda i: {"query": confluence_word(i), "limit": 10}),
        ),
        ("`search`, a different word each call", _call("search", lambda i: {"query": confluence_word(i)})),
    ],
}

# Driven at concurrency 32: (label, make, coalesced).
LOAD_PLANS: dict[str, list[tuple[str, MakeCall, bool]]] = {
    "jira": [
        ("`jira_get_issue`, distinct keys", _call("jira_get_issue", get_issue_args), False),
        ("`jira_search_issues`, distinct JQL", _call("jira_search_issues", search_issues_args), False),
        (
            "`jira_search_issues`, identical calls, coalesced",
            _call("jira_search_issues", search_issues_identical),
            True,
        ),
    ],
    "confluence": [
        ("`confluence_get_page`, distinct pages", _call("confluence_get_page", lambda i: {"id": page_id(i)}), False),
        (
            "`confluence_search_pages`, distinct words",
            _call("confluence_search_pages", lambda i: {"query": confluence_word(i), "limit": 10}),
            False,
        ),
        (
            "`confluence_search_pages`, identical calls, coalesced",
            _call("confluence_search_pages", lambda i: dict(SEARCH_PAGES_10)),
            True,
        ),
    ],
}


async def measure_sizes(mcp_url: str, plans: list[tuple[str, str, dict[str, Any]]]) -> dict[str, Any]:
    """tools/list and each sized call, in both protocol eras, as raw response bodies."""
    sizes: dict[str, Any] = {}
    for mode, era in (("legacy", "2025-11-25"), ("auto", "2026-07-28")):
        capture = Capture()
        results = {}
        async with httpx2.AsyncClient(
            event_hooks={"response": [capture.on_response]}, timeout=httpx2.Timeout(30, read=120)
        ) as http:
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
            separators=(",", ":"),
            ensure_ascii=False,
        ).encode()
        sizes[era] = {
            "tools": len(tools),
            "tools_list_bytes": len(capture.last("tools/list")),
            "model_facing_bytes": len(model_facing),
            **results,
        }
    return sizes


def _timed(send: Any, calls: int) -> dict[str, float]:
    latencies = []
    for i in range(calls + 10):  # the first ten warm up
        started = time.perf_counter()
        send(i).raise_for_status()
        if i >= 10:
            latencies.append(time.perf_counter() - started)
    return {"p50_ms": percentile(latencies, 50) * 1000, "p95_ms": percentile(latencies, 95) * 1000}


def measure_emulator(sandbox_url: str, calls: int) -> list[dict[str, float]]:
    """The emulator's own time for each Jira latency plan's upstream request, asked directly (no MCP server)."""
    import requests

    with requests.Session() as http:
        http.auth = (EMAIL, TOKEN)

        def jql(query: Any, fields: list[str], limit: int) -> Any:
            return lambda i: http.post(
                f"{sandbox_url}/rest/api/3/search/jql",
                timeout=10,
                json={"jql": query(i), "fields": fields, "maxResults": limit},
            )

        sends = [
            lambda i: http.get(
                f"{sandbox_url}/rest/api/3/issue/{issue_key(i)}",
                params={"fields": "*all", "expand": "names"},
                timeout=10,
            ),
            jql(distinct_jql, ["summary", "status", "assignee", "priority", "updated"], 20),
            jql(lambda i: f'text ~ "{jira_word(i)}" ORDER BY updated DESC', ["summary"], 10),
        ]
        return [_timed(send, calls) for send in sends]


def replay_emulator(sandbox_url: str, logs: list[list[dict[str, Any]]], calls: int) -> list[dict[str, float]]:
    """The emulator's own time for the upstream requests each plan made, replayed from its request log (GETs
    only: the log keeps no request bodies), sandbox latency 0."""
    import requests

    out = []
    with requests.Session() as http:
        http.auth = (EMAIL, TOKEN)
        for log in logs:
            gets = [e for e in log if e["method"] == "GET"][:calls]
            urls = [f"{sandbox_url}{e['path']}" + (f"?{e['query']}" if e["query"] else "") for e in gets]
            if not urls:
                out.append({"p50_ms": float("nan"), "p95_ms": float("nan")})
                continue
            out.append(_timed(lambda i, urls=urls: http.get(urls[i % len(urls)], timeout=10), min(calls, len(urls))))
    return out
