"""What Markdown cannot say (unknown nodes, marks, Jira attributes) comes back byte for byte."""

from __future__ import annotations

import json

import pytest

from .adf_support import (
    DATE,
    DECISIONS,
    EXPAND,
    INLINE_CARD,
    MEDIA,
    PANEL,
    STATUS,
    TASKS,
    UNKNOWN_BLOCK,
    UNKNOWN_INLINE,
    assert_adf_roundtrip,
    doc,
    link,
    p,
    t,
)

# --------------------------------------------------------------------------
# unknown nodes / marks: byte-for-byte preservation
# --------------------------------------------------------------------------


@pytest.mark.parametrize("node", [PANEL, MEDIA, EXPAND, TASKS, DECISIONS, UNKNOWN_BLOCK], ids=lambda n: n["type"])
def test_unknown_block_nodes_preserved(node):
    adf = doc(p(t("before")), node, p(t("after")))
    markdown = assert_adf_roundtrip(adf)
    assert "```adf\n" + json.dumps(node, separators=(",", ":"), ensure_ascii=False) + "\n```" in markdown


@pytest.mark.parametrize("node", [STATUS, DATE, INLINE_CARD, UNKNOWN_INLINE], ids=lambda n: n["type"])
def test_unknown_inline_nodes_preserved(node):
    adf = doc(p(t("x "), node, t(" y")))
    markdown = assert_adf_roundtrip(adf)
    assert "`adf:{" in markdown


@pytest.mark.parametrize(
    "marks",
    [
        [{"type": "underline"}],
        [{"type": "textColor", "attrs": {"color": "#ff5630"}}],
        [{"type": "strong"}, {"type": "textColor", "attrs": {"color": "#00b8d9"}}],
        [{"type": "subsup", "attrs": {"type": "sub"}}],
        [{"type": "strong"}, {"type": "em"}],  # non-canonical order
    ],
)
def test_unsupported_marks_preserved(marks):
    adf = doc(p(t("plain "), {"type": "text", "text": "styled", "marks": marks}, t(" end")))
    markdown = assert_adf_roundtrip(adf)
    assert markdown.startswith("plain `adf:")


def test_unknown_nodes_inside_lists_and_tables():
    table = {
        "type": "table",
        "content": [
            {"type": "tableRow", "content": [{"type": "tableHeader", "content": [p(t("h"))]}]},
            {"type": "tableRow", "content": [{"type": "tableCell", "content": [p(STATUS)]}]},
            {"type": "tableRow", "content": [{"type": "tableCell", "content": [PANEL]}]},
        ],
    }
    lst = {"type": "bulletList", "content": [{"type": "listItem", "content": [p(t("x")), MEDIA]}]}
    assert_adf_roundtrip(doc(table, lst))


def test_jira_specific_attrs_are_kept():
    cell = {"type": "tableCell", "attrs": {}, "content": [{"type": "paragraph", "content": []}]}
    head = {"type": "tableHeader", "attrs": {"colwidth": [120]}, "content": [p(t("h"))]}
    table = {
        "type": "table",
        "attrs": {"isNumberColumnEnabled": False, "layout": "default", "localId": "5f1"},
        "content": [{"type": "tableRow", "content": [head]}, {"type": "tableRow", "content": [cell]}],
    }
    headerless = {
        "type": "table",
        "content": [{"type": "tableRow", "content": [{"type": "tableCell", "content": [p(t("only cells"))]}]}],
    }
    code = {"type": "codeBlock", "attrs": {}, "content": [t("x = 1")]}
    empty = {"type": "paragraph", "content": []}
    adf = doc(
        table,
        headerless,
        code,
        empty,
        {"type": "paragraph"},
        {"type": "heading", "attrs": {"level": 1, "localId": "h1"}, "content": [t("H")]},
    )
    markdown = assert_adf_roundtrip(adf)
    assert "| h |" in markdown and "| only cells |" in markdown and "x = 1" in markdown


def test_styled_text_with_edge_spaces_and_adjacent_runs():
    adf = doc(
        p(
            t("bold ", "strong"),
            t("plain"),
            t("x", "em"),
            t("y", "strong"),
            t('"q"', "strong"),
            t("z"),
            t("a", "strike"),
            t("b", "strike", "code"),
        )
    )
    assert "```adf" not in assert_adf_roundtrip(adf)


def test_edge_cases_handled_inline():
    mention = {"type": "mention", "attrs": {"id": "1", "text": "@x"}}
    cases = [
        doc(p(t("line"), {"type": "hardBreak"})),  # trailing hard break
        doc(p(t("wow!"), mention, t("!"), t("l", link("http://l")))),  # "!" before "[" is no image
        doc(p(t("~", "strike"), t("~x~"))),  # "~" next to "~~"
        doc(p(t("a", "code"), STATUS, t("b", "code"))),  # adjacent code spans
    ]
    for adf in cases:
        assert "```adf" not in assert_adf_roundtrip(adf)


def test_unrepresentable_blocks_fall_back_to_fence():
    adf = doc(p(t("\nstarts with newline")), p(t("~~~", "strike")), p(t("after")))
    markdown = assert_adf_roundtrip(adf)
    assert markdown.startswith("```adf\n")
