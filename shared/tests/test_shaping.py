"""Response shaping: clipping, markdown tables, fitting a budget, opaque cursors."""

from __future__ import annotations

import base64
import json

import pytest

from shared.errors import InvalidInput
from shared.shaping import cell, clip, decode_cursor, encode_cursor, fit, table, truncation_marker


def test_clip_leaves_short_text_alone():
    assert clip("short", 10, "hint") == ("short", False)
    assert clip("x" * 10, 10, "hint") == ("x" * 10, False)


def test_clip_cuts_at_the_last_line_break_and_says_what_was_left_out():
    text = "line one\nline two\nline three\nline four"
    clipped, truncated = clip(text, 25, "Ask for fewer fields.")
    assert truncated
    kept, marker = clipped.split("\n\n[truncated: ")
    assert kept == "line one\nline two"
    omitted = len(text) - len(kept)
    assert marker == f"{omitted} more characters. Ask for fewer fields.]"
    assert clipped == kept + truncation_marker(f"{omitted} more characters", "Ask for fewer fields.")


def test_clip_cuts_mid_line_when_no_line_break_is_close_enough():
    text = "a\n" + "b" * 100
    clipped, truncated = clip(text, 40, "hint")
    assert truncated
    assert clipped.startswith("a\n" + "b" * 38 + "\n\n[truncated: 62 more characters. hint]")


def test_clipped_text_keeps_at_most_limit_characters_of_content():
    text = "\n".join(f"row {i}" for i in range(1000))
    clipped, _ = clip(text, 500, "hint")
    assert len(clipped.split("\n\n[truncated:")[0]) <= 500


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a|b", "a\\|b"),
        ("line1\nline2", "line1 line2"),
        ("crlf\r\nend", "crlf  end"),
        ("back\\slash", "back\\\\slash"),
        (None, ""),
        (42, "42"),
        ("  padded  ", "padded"),
    ],
)
def test_cell_escapes_what_would_break_a_row(value, expected):
    assert cell(value) == expected


def test_table_rows_survive_pipes_and_newlines():
    rendered = table(["key", "summary"], [["PROJ-1", "a | b\nsecond line"], ["PROJ-2", None]])
    lines = rendered.split("\n")
    assert lines == [
        "| key | summary |",
        "|---|---|",
        "| PROJ-1 | a \\| b second line |",
        "| PROJ-2 |  |",
    ]


def render(items):
    return "\n".join(f"- item {i}" for i in items)


def test_fit_returns_everything_when_it_fits():
    assert fit(list(range(5)), render, 10_000) == (render(range(5)), 0)


@pytest.mark.parametrize("budget", [0, 7, 8, 50, 100, 333])
def test_fit_keeps_the_largest_prefix_under_the_budget(budget):
    items = list(range(100))
    text, left_out = fit(items, render, budget)
    kept = len(items) - left_out
    assert text == render(items[:kept])
    assert len(text) <= budget
    if kept < len(items):
        assert len(render(items[: kept + 1])) > budget  # one more would not fit


def test_fit_with_nothing_fitting_leaves_everything_out():
    text, left_out = fit(["a very long item"], lambda xs: "".join(xs), 3)
    assert (text, left_out) == ("", 1)


def test_cursor_round_trip():
    state = {"start_at": 50, "jql": "project = PROJ ORDER BY updated", "seen": ["a", "b"]}
    cursor = encode_cursor("search", state)
    assert "=" not in cursor and "+" not in cursor and "/" not in cursor  # URL-safe, unpadded
    assert decode_cursor("search", cursor) == state


def test_cursor_of_another_kind_is_refused():
    cursor = encode_cursor("search", {"start_at": 50})
    with pytest.raises(InvalidInput, match="cursor is not valid for this tool") as info:
        decode_cursor("changes", cursor)
    assert "next_cursor" in str(info.value)  # tells the caller how to fix it


@pytest.mark.parametrize(
    "cursor",
    [
        "",
        "not-a-cursor!",
        "%%%%",
        base64.urlsafe_b64encode(b"\xff\xfe\x00garbage").decode(),
        base64.urlsafe_b64encode(b"[1, 2, 3]").decode(),
        base64.urlsafe_b64encode(json.dumps({"start_at": 1}).encode()).decode(),  # no kind
    ],
)
def test_garbage_cursor_is_invalid_input(cursor):
    with pytest.raises(InvalidInput, match="Pass the next_cursor value from the previous result unchanged"):
        decode_cursor("search", cursor)


def test_tampered_cursor_is_invalid_input():
    cursor = encode_cursor("search", {"start_at": 50})
    with pytest.raises(InvalidInput):
        decode_cursor("search", cursor[5:])  # truncated
    with pytest.raises(InvalidInput):
        decode_cursor("search", cursor + "x")  # impossible base64 length
    forged = base64.urlsafe_b64encode(b'{"k":"search","start_at":50').decode()  # broken JSON
    with pytest.raises(InvalidInput):
        decode_cursor("search", forged)
