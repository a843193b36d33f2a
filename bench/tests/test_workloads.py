"""The benchmark's own promises: distinct calls where it says so, and profiles read the way they are printed.

.venv/bin/python -m pytest bench/tests -q
"""

from __future__ import annotations

from bench.profile import layers, summarize
from bench.workloads import (
    COALESCED,
    CONFLUENCE_WORDS,
    ISSUE_KEYS,
    JIRA_WORDS,
    PAGE_IDS,
    WORKLOADS,
    confluence_word,
    distinct_jql,
    issue_key,
)


def test_every_seeded_issue_is_read_once_before_any_key_repeats() -> None:
    keys = [issue_key(i) for i in range(320)]
    assert len(set(keys)) == 320 == len(ISSUE_KEYS)
    assert keys[0] == "SHOP-1" and keys[139] == "SHOP-140" and keys[-1] == "MOB-90"
    assert issue_key(320) == "SHOP-1"


def test_jql_texts_do_not_repeat_within_thousands_of_calls() -> None:
    texts = [distinct_jql(i) for i in range(2880)]
    assert len(set(texts)) == len(texts)
    assert {t.split()[2] for t in texts} == {"SHOP", "OPS", "MOB"}
    assert all(t.endswith("ORDER BY updated DESC") for t in texts)


def test_word_and_page_lists_have_no_duplicates_and_outnumber_the_clients() -> None:
    for items in (JIRA_WORDS, CONFLUENCE_WORDS, PAGE_IDS):
        assert len(set(items)) == len(items) > 32
    assert "should" not in CONFLUENCE_WORDS  # a stopword: the search tool refuses it as an empty query


def test_consecutive_calls_of_every_timed_workload_differ_and_only_the_coalesced_row_repeats() -> None:
    for wl in WORKLOADS:
        for make in (wl.ours, wl.theirs):
            window = [make(i).args for i in range(64)]
            assert all(window[i] != window[i + 1] for i in range(63)), wl.key
    assert COALESCED.ours(0).args == COALESCED.ours(1).args
    assert "coalesced" in COALESCED.label
    assert confluence_word(WORKLOADS[3].size_sample) == "checkout"


def test_collapsed_stacks_are_summed_per_function_and_per_layer() -> None:
    raw = "\n".join(
        [
            "main (shared/cli.py:1);adf_to_markdown (connectors/jira/adf/to_markdown.py:23) 3",
            "main (shared/cli.py:1);run_sync (anyio/to_thread.py:9);put (queue.py:2) 1",
        ]
    )
    total, inclusive, own = summarize(raw, top=5)
    assert total == 4
    assert dict(inclusive)["main (shared/cli.py)"] == 4
    assert dict(own)["adf_to_markdown (adf/to_markdown.py)"] == 3
    shares = dict(layers(raw))
    assert shares["ADF to markdown (connectors/jira/adf, markdown-it)"] == 0.75
    assert shares["worker-thread handoff (anyio.to_thread, queue, threading)"] == 0.25
