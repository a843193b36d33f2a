"""The tables and goal verdicts of `python -m bench.compare`."""

from __future__ import annotations

import argparse
import math
from typing import Any

from .load import LoadResult
from .theirs import THEIRS_VERSION
from .workloads import COALESCED, WORKLOADS

CPU_GOAL_MS = 5.0
RATIO_GOAL = 5.0
Row = tuple[str, ...]


def _tok(n: float) -> str:
    return f"{n:,.0f} B (≈{n / 4:,.0f} tok)"


def _ratio(theirs: float, ours: float, *, higher_is_better: bool = False) -> str:
    if not ours or not theirs or math.isnan(ours) or math.isnan(theirs):
        return "–"
    r = (ours / theirs) if higher_is_better else (theirs / ours)
    return f"**{r:.1f}×**" if r >= 1 else f"{r:.2f}× (behind)"


def _table(header: Row, rows: list[Row]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + ["| " + " | ".join(r) + " |" for r in rows]


def main_rows(report: dict[str, Any], args: argparse.Namespace) -> list[Row]:
    workloads = WORKLOADS
    s_ours, s_theirs = report["static"]["ours"], report["static"]["theirs"]
    ours_list = sum(s["tools_list_bytes"] for s in s_ours.values())
    ours_model = sum(s["model_facing_bytes"] for s in s_ours.values())
    counts = " + ".join(str(s["tools"]) for s in s_ours.values())
    rows: list[Row] = [
        (
            "`tools/list` response body (Jira + Confluence)",
            f"{_tok(ours_list)}; {sum(s['tools'] for s in s_ours.values())} tools ({counts})",
            f"{_tok(s_theirs['tools_list_bytes'])}; {s_theirs['tools']} tools",
            _ratio(s_theirs["tools_list_bytes"], ours_list),
        ),
    ]
    dflt = report["static"].get("theirs_default_toolsets")
    if dflt:
        rows.append(
            (
                "  vs mcp-atlassian `TOOLSETS=default`",
                _tok(ours_list),
                f"{_tok(dflt['tools_list_bytes'])}; {dflt['tools']} tools",
                _ratio(dflt["tools_list_bytes"], ours_list),
            )
        )
    rows.append(
        (
            "tool definitions the model reads (names, descriptions, input schemas; compact JSON)",
            _tok(ours_model),
            _tok(s_theirs["model_facing_bytes"]),
            _ratio(s_theirs["model_facing_bytes"], ours_model),
        )
    )
    for wl in workloads:
        o, t = s_ours[wl.product]["workloads"][wl.key], s_theirs["workloads"][wl.key]
        rows.append(
            (
                f"result bytes: {wl.label}",
                f"{_tok(o['bytes'])} (text {o['text_chars']:,} chars)",
                f"{_tok(t['bytes'])} (text {t['text_chars']:,} chars)" + (" **error**" if t["error"] else ""),
                "–" if t["error"] else _ratio(t["bytes"], o["bytes"]),
            )
        )
    for wl in workloads:
        o, t = s_ours[wl.product]["workloads"][wl.key], s_theirs["workloads"][wl.key]
        rows.append(
            (
                f"upstream requests per call: {wl.label}",
                f"{o['upstream_per_call']:.2f}",
                f"{t['upstream_per_call']:.2f}" + (" (fails)" if t["error"] else ""),
                "–" if t["error"] else _ratio(t["upstream_per_call"], o["upstream_per_call"]),
            )
        )
    load = report["load"]
    for wl in workloads:
        for c in (1, args.concurrency):
            o, t = load[(wl.key, "ours", c)], load[(wl.key, "theirs", c)]

            def cell(r: LoadResult) -> str:
                errors = f", {r.errors} errors" if r.errors else ""
                return f"{r.p50_ms:.0f} / {r.p95_ms:.0f} ms (CPU {r.server_cpu_ms_per_call:.1f} ms/call){errors}"

            rows.append(
                (
                    f"latency p50 / p95, c={c}: {wl.label}",
                    cell(o),
                    cell(t),
                    "–" if t.errors == t.calls else _ratio(t.p50_ms, o.p50_ms),
                )
            )
    rss_o, rss_t = report["rss"]["ours"], report["rss"]["theirs"]
    total = sum(rss_o.values())
    rows.append(
        (
            "peak RSS of the server processes",
            f"{total / 2**20:.0f} MiB ({' + '.join(f'{p} {v / 2**20:.0f}' for p, v in rss_o.items())})",
            f"{rss_t / 2**20:.0f} MiB (one process, both products)",
            _ratio(rss_t, total),
        )
    )
    return rows


def throughput_rows(report: dict[str, Any], args: argparse.Namespace) -> list[Row]:
    workloads, coalesced = WORKLOADS, COALESCED
    runs: list[tuple[str, LoadResult, LoadResult]] = []
    for wl in [*workloads, coalesced]:
        o, t = report["load"][(wl.key, "ours", args.concurrency)], report["load"][(wl.key, "theirs", args.concurrency)]
        runs.append((wl.label, o, t))
    for wl in workloads[:2]:
        if (wl.key, "ours") in report["capacity"]:
            o, t = report["capacity"][(wl.key, "ours")], report["capacity"][(wl.key, "theirs")]
            runs.append((f"{wl.label}, every throttle off", o, t))
    rows: list[Row] = []
    for label, o, t in runs:
        ok = t.calls - t.errors
        rows.append(
            (
                label,
                f"{o.calls_per_s:.1f}",
                f"{t.calls_per_s:.1f}",
                "–" if ok == 0 else _ratio(t.calls_per_s, o.calls_per_s, higher_is_better=True),
                f"**{o.server_cpu_ms_per_call:.1f}**",
                f"{t.server_cpu_ms_per_call:.1f}",
                _ratio(t.server_cpu_ms_per_call, o.server_cpu_ms_per_call),
                f"{o.upstream_per_call:.2f} / {t.upstream_per_call:.2f}",
                f"{o.calls} / {t.calls} ({o.errors} / {t.errors} errors; {o.upstream_429} / {t.upstream_429} "
                f"upstream 429; our outbound rate-limit waits {o.rate_limit_waits:.0f})",
                f"{o.cores_busy['server']:.2f} / {t.cores_busy['server']:.2f}; load generator "
                f"{o.cores_busy['load_generator']:.2f} / {t.cores_busy['load_generator']:.2f}",
            )
        )
    return rows


def render(facts: dict[str, str], report: dict[str, Any], args: argparse.Namespace) -> str:
    s_ours, s_theirs = report["static"]["ours"], report["static"]["theirs"]
    lines = _table(("Measure", "Ours", f"mcp-atlassian {THEIRS_VERSION}", "Ours vs theirs"), main_rows(report, args))
    header = (
        f"c={args.concurrency}, distinct keys and queries unless labelled",
        "ours calls/s",
        "theirs calls/s",
        "ours vs theirs",
        "ours server CPU ms/call",
        "theirs server CPU ms/call",
        "CPU theirs ÷ ours",
        "upstream requests/call ours / theirs",
        "calls ours / theirs",
        "cores busy: server ours / theirs",
    )
    lines += ["", f"### Throughput at c={args.concurrency} and server CPU per call", ""]
    lines += _table(header, throughput_rows(report, args))
    lines += [
        "",
        f"Run {facts['date']} on {facts['nproc']} CPUs ({facts['cpu']}), {facts['mem']} RAM, {facts['os']}, "
        f"Python {facts['python']}; load average (1 / 5 / 15 min) {facts['load_before']} before the run and "
        f"{facts['load_after']} after it. Ours: enterprise-connectors {facts['enterprise-connectors']} at "
        f"{facts['commit']} (mcp {facts['mcp']}, uvicorn {facts['uvicorn']}, httptools {facts['httptools']}, "
        f"asyncio loop). Theirs: {facts['theirs']}. Protocol: ours {s_ours['jira']['protocol']}, theirs "
        f"{s_theirs['protocol']}. Sandbox latency {args.latency_ms} ms per upstream request for the latency and "
        f'throughput rows (0 for sizes); sandbox burst limits on (Cloud-like) except in the "every throttle off" '
        f"rows; both servers at their default settings. c=1: {args.calls_c1} calls; c={args.concurrency}: up to "
        f"{args.max_calls} calls or {args.duration:.0f} s.",
    ]
    return "\n".join(lines)


def goals(report: dict[str, Any], args: argparse.Namespace) -> list[str]:
    workloads = WORKLOADS
    s_ours, s_theirs = report["static"]["ours"], report["static"]["theirs"]
    ours_list = sum(s["tools_list_bytes"] for s in s_ours.values())

    def verdict(ok: bool) -> str:
        return "met" if ok else "MISSED"

    r = s_theirs["tools_list_bytes"] / ours_list
    out = [f"tools/list ≥ 5× smaller than mcp-atlassian's default (all toolsets): {r:.2f}× → {verdict(r >= 5)}"]
    dflt = report["static"].get("theirs_default_toolsets")
    if dflt:
        r = dflt["tools_list_bytes"] / ours_list
        out.append(f"tools/list vs `TOOLSETS=default` ({dflt['tools']} tools): {r:.2f}× → {verdict(r >= 5)}")
    o, t = s_ours["jira"]["workloads"]["search20"], s_theirs["workloads"]["search20"]
    r = t["bytes"] / o["bytes"]
    out.append(f"20-issue search result ≥ 3× smaller: {r:.1f}× → {verdict(r >= 3)}")
    c = args.concurrency
    for wl in workloads:
        ours, theirs = report["load"][(wl.key, "ours", c)], report["load"][(wl.key, "theirs", c)]
        if theirs.calls == theirs.errors:
            why = " ".join(theirs.first_error.split())[:110]
            out.append(
                f"calls/s at c={c}, {wl.label}: mcp-atlassian fails every call (`{why}…`); "
                f"ours {ours.calls_per_s:.1f}/s"
            )
            continue
        r = ours.calls_per_s / theirs.calls_per_s
        out.append(f"calls/s at c={c} ≥ {RATIO_GOAL:g}×, distinct calls, {wl.label}: {r:.1f}× → {verdict(r >= 5)}")
    for (key, side), ours in report.get("capacity", {}).items():
        if side != "ours":
            continue
        theirs = report["capacity"][(key, "theirs")]
        r = ours.calls_per_s / theirs.calls_per_s
        label = next(wl.label for wl in workloads if wl.key == key)
        out.append(
            f"calls/s at c={c} ≥ {RATIO_GOAL:g}× with every throttle off, distinct calls, {label}: "
            f"{r:.1f}× → {verdict(r >= RATIO_GOAL)}"
        )
    for key, tool in (("get_issue", "jira_get_issue"), ("search20", "jira_search_issues")):
        runs = [("default settings", report["load"][(key, "ours", c)])]
        if (key, "ours") in report["capacity"]:
            runs.append(("every throttle off", report["capacity"][(key, "ours")]))
        for setting, r_ in runs:
            ms = r_.server_cpu_ms_per_call
            out.append(
                f"server CPU ≤ {CPU_GOAL_MS:g} ms per `{tool}` at c={c}, distinct calls, {setting}: "
                f"{ms:.1f} ms → {verdict(ms <= CPU_GOAL_MS)}"
            )
    return out
