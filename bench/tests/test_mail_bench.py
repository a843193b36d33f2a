"""The mail rows run end to end at a tiny scale (each sandbox and server a subprocess, as in the real run) and
render; they check that the bench works and keeps its promises (distinct queries, labelled caching), never its speed.

.venv/bin/python -m pytest bench/tests/test_mail_bench.py -q -p no:randomly
"""

from __future__ import annotations

import argparse
from contextlib import ExitStack
from pathlib import Path

import anyio

from bench.mail import order_search, run_mail, thread_reader
from bench.mail_fixture import MailSite, order_number, search_text, thread_text
from bench.mail_render import render_mail

MESSAGES = 12


def test_throughput_calls_never_repeat_within_the_messages() -> None:
    site = MailSite("gmail", None, None, None)  # type: ignore[arg-type]
    site.orders = [order_number(n) for n in range(MESSAGES)]
    site.messages = [f"gmail:{n}" for n in range(MESSAGES)]
    for make in (order_search(site), thread_reader(site)):
        window = [str(make(i).args) for i in range(MESSAGES)]
        assert len(set(window)) == MESSAGES
        assert make(MESSAGES).args == make(0).args  # then the messages come round again


def test_every_seeded_message_has_its_own_text() -> None:
    assert len({search_text(n) for n in range(200)}) == 200
    assert len({thread_text(k) for k in range(50)}) == 50


def test_the_mail_rows_run_on_both_providers_and_render(tmp_path: Path) -> None:
    args = argparse.Namespace(
        concurrency=2, max_calls=6, duration=2.0, load_latency_ms=0, mail_messages=MESSAGES, mail_calls=2
    )
    with ExitStack() as stack:
        reports = anyio.run(run_mail, args, tmp_path, stack)
    assert set(reports) == {"gmail", "outlook"}
    for report in reports.values():
        settings = [(setting, r.errors) for setting, _, r, _ in report["loads"]]
        assert settings == [("default settings", 0)] * 2 + [("throttles off", 0)] * 2
        assert all(r.calls > 0 and r.upstream_per_call >= 1 for _, _, r, _ in report["loads"])
        reads = [(setting, key, r.errors) for setting, key, r, _ in report["reads"]]
        assert reads == [(s, k, 0) for s in ("throttles off", "default settings") for k in ("search", "thread")]
        search, thread = report["sizes"]["search"], report["sizes"]["thread"]
        assert search["bytes"] > 1000 and 0 < search["rows"] <= 50  # the first page
        walk = report["sizes"]["walk"]
        assert walk["rows"] == MESSAGES and walk["calls"] == -(-MESSAGES // 50)  # every match, a page of 50 a call
        assert thread["rows"] == 50 and thread["bytes"] > 1000
    text = "\n".join(render_mail(reports))
    assert "| Gmail | `mail_search_messages`" in text and "| Outlook | `mail_get_thread` of the 50-message" in text
    rows = [line for line in text.splitlines() if line.startswith(("| Gmail |", "| Outlook |"))]
    assert len(rows) == 8 and all("**profits from caching**" in row for row in rows)  # every read row says so
    assert "### Outlook: 32 clients, sandbox latency 50 ms (**profits from caching**" in text
