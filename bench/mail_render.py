"""The mail section of docs/benchmarks.md, from `bench.mail.run_mail`'s report."""

from __future__ import annotations

from typing import Any

from connectors.mail.settings import MailSettings

from .load import LoadResult
from .mail_fixture import SEARCH_WORD

DEFAULT_MAIL_RATE = MailSettings.model_fields["rate_limit_per_second"].default

LABELS = {"gmail": "Gmail", "outlook": "Outlook"}
KEPT = {"gmail": "Gmail's label names", "outlook": "Outlook's folder names"}
LIMITS = {
    "gmail": "Gmail's 250 quota units/s per user (`messages.list` 5, each message read 5)",
    "outlook": "Exchange's 4 requests in flight and 10,000 per 10 minutes per mailbox",
}

Row = tuple[str, ...]


def _table(header: Row, rows: list[Row]) -> list[str]:
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + ["| " + " | ".join(r) + " |" for r in rows]


def _workload(provider: str, key: str, report: dict[str, Any]) -> str:
    size = report["sizes"][key]
    if key == "search":
        walk = report["sizes"]["walk"]
        return (
            f'`mail_search_messages` "{SEARCH_WORD}", limit 200: the first page ({size["rows"]} rows; the whole '
            f"search is {walk['calls']} calls through `next_cursor`, {walk['rows']} rows, {walk['bytes']:,} B, "
            f"{walk['ms']:.0f} ms with throttles off) (**profits from caching**: {KEPT[provider]}, read once per "
            "person)"
        )
    return (
        f"`mail_get_thread` of the {size['rows']}-message thread, oldest first, quoted history folded "
        f"(**profits from caching**: {KEPT[provider]} and the account's own address, read once per person)"
    )


def _conditions(provider: str, setting: str, r: LoadResult, waits: float) -> str:
    done = f"{r.calls} calls, {r.errors} errors, {r.upstream_429} upstream 429s"
    if provider == "gmail":
        done += f"; {len(r.log) / max(r.calls, 1):.0f} requests/call in the sandbox's log, which lists batch parts"
    if setting == "throttles off":
        return done + "; outbound limit raised, sandbox limits off"
    return (
        done + f"; outbound limit `MAIL_RATE_LIMIT_PER_SECOND={DEFAULT_MAIL_RATE:g}` ({waits:.0f} waits) and "
        f"{LIMITS[provider]}"
    )


def reading_rows(provider: str, report: dict[str, Any]) -> list[Row]:
    rows: list[Row] = []
    for setting, key, r, waits in report["reads"]:
        rows.append(
            (
                LABELS[provider],
                _workload(provider, key, report),
                setting,
                f"{r.p50_ms:.0f} / {r.p95_ms:.0f} ms",
                f"**{r.server_cpu_ms_per_call:.1f}**",
                f"{r.upstream_per_call:.2f}",
                f"{report['sizes'][key]['bytes']:,} B",
                _conditions(provider, setting, r, waits),
            )
        )
    return rows


def render_mail(reports: dict[str, Any]) -> list[str]:
    from .table_render import throughput_table

    count = next(iter(reports.values()))["messages"] if reports else 0
    rows = [row for provider, report in reports.items() for row in reading_rows(provider, report)]
    lines = [
        "## Mail (Gmail, Outlook)",
        "",
        "Method (`bench/mail.py`): per provider, its sandbox (`connectors sandbox google` over HTTP, `connectors "
        "sandbox microsoft` over HTTPS with its generated CA) and two `connectors serve mail` acting as Alice. Her "
        f"mail is sent to her through the provider's own API first (Gmail `messages.send`, Graph `sendMail` and "
        f"the `reply` action; neither emulator has an import call): {count} messages that all hold the word "
        f'"{SEARCH_WORD}", each with its own order number and text, and a 50-message thread between Alice and Bob, '
        "each reply with its own text and the earlier conversation quoted below it. The server keeps, per person, "
        "the label or folder names and the account's own address once read: the rows that profit say so.",
        "",
    ]
    lines += _table(
        (
            "Provider",
            "Workload",
            "Settings",
            "p50 / p95",
            "server CPU ms/call",
            "upstream requests/call",
            "bytes returned (response body)",
            "conditions",
        ),
        rows,
    )
    lines += [
        "",
        "Concurrency 1, sandbox latency 0; sizes are the raw `tools/call` response bodies. Upstream requests per "
        "call and upstream 429s are the HTTP requests the server sent and the answers it got, from its own "
        "`/metrics` (`connector_upstream_requests_total`): a Gmail batch of up to 50 message reads is one request, "
        "and Exchange's per-mailbox 429s are counted, which the sandbox's request log would not show. With default "
        "settings, Gmail refuses the batch parts its quota cannot pay inside a batch answered 200 (no 429 counted "
        "here); the server reads those messages again one by one, paced by its outbound limit.",
        "",
        "Throughput: 32 clients acting as Alice, a distinct query or message per call. The searches' calls/s are "
        "limited mostly by the emulators' own search (see the sandbox's share of the cores busy), not by the server; "
        "server CPU ms/call is the figure to compare.",
        "",
    ]
    for provider, report in reports.items():
        lines += [
            f"### {LABELS[provider]}: 32 clients, sandbox latency 50 ms (**profits from caching**: "
            f"{KEPT[provider]}, the account's own address)",
            "",
            *throughput_table(report),
            "",
            *_errors(report),
        ]
    return lines


def _errors(report: dict[str, Any]) -> list[str]:
    """What the failed calls of a throughput run were told (the table only counts them)."""
    said = [
        f"- {setting}, {label}: {r.errors} of {r.calls} calls failed; the first was told: {r.first_error!r}"
        for setting, label, r, _ in report["loads"]
        if r.errors
    ]
    return [*said, ""] if said else []
