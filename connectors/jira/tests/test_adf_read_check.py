"""Reads check their Markdown with one parse of the whole document, and give what checking each block alone gives.

The reference below is the converter's own order of attempts, each judged by parsing that block on
its own (how every read worked before issue 10); the Markdown a read returns must not depend on
which way it was checked.
"""

from __future__ import annotations

import random

import pytest

from connectors.jira.adf import adf_to_markdown, markdown_to_adf
from connectors.jira.adf.one_parse import derive_each, predict_patched
from connectors.jira.adf.render_blocks import fence, join_blocks
from connectors.jira.adf.syntax import ADF_FENCE, dumps
from connectors.jira.adf.to_adf import parse_markdown
from connectors.jira.adf.to_markdown import _attempts, _first_mismatch, _settle_alone
from sandbox.atlassian.jira.seed import build_store

from .adf_support import DATE, PANEL, STATUS, doc, p, t


def markdown_checking_each_block_alone(adf: dict) -> str:
    nodes = adf["content"]
    parts = []
    for node in nodes:
        attempts = _attempts(node)
        parts.append(_settle_alone(attempts, next(attempts)))
    for _ in range(len(nodes)):
        markdown = join_blocks(nodes, parts) + "\n"
        bad = _first_mismatch(nodes, parse_markdown(markdown))
        if bad is None:
            return markdown
        parts[bad] = fence(dumps(nodes[bad]), ADF_FENCE)
    return join_blocks(nodes, parts) + "\n"


def seeded_documents() -> list[dict]:
    issues = build_store(42).ordered()
    return [i.description for i in issues if i.description] + [c.body for i in issues for c in i.comments]


def test_seeded_issues_read_the_same_with_one_parse_as_block_by_block():
    docs = seeded_documents()
    assert len(docs) > 500
    for adf in docs:
        assert adf_to_markdown(adf) == markdown_checking_each_block_alone(adf)


# Text pieces chosen to make blocks interact: fences, list markers, references, HTML comments, escapes.
PIECES = [
    "a",
    "b c",
    " ",
    "*",
    "**",
    "_",
    "~~",
    "`",
    "```",
    "~~~",
    "[",
    "]",
    "[x]: /u",
    "(",
    "<",
    ">",
    "!",
    "#",
    "-",
    "+",
    "1.",
    "2)",
    "&amp;",
    "\\",
    "|",
    "\n",
    "\n\n",
    "---",
    "> ",
    "- ",
    "    ",
    "\t",
    "<!-- -->",
    "adf:",
    "é",
]
MARKS = [
    {"type": "em"},
    {"type": "strong"},
    {"type": "code"},
    {"type": "underline"},
    {"type": "link", "attrs": {"href": "u v"}},
]


def random_document(rng: random.Random) -> dict:
    def text() -> str:
        return "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 5)))

    def inline() -> list[dict]:
        nodes = []
        for _ in range(rng.randint(1, 3)):
            node = rng.choice([t(text(), *rng.sample(MARKS, rng.randint(0, 2))), STATUS, {"type": "hardBreak"}])
            nodes.append(node)
        return nodes

    def block(depth: int) -> dict:
        kind = rng.choice(["paragraph", "heading", "list", "quote", "code", "table", "panel", "rule"])
        if kind == "heading":
            return {"type": "heading", "attrs": {"level": rng.randint(1, 6)}, "content": inline()}
        if kind == "list" and depth < 2:
            items = [{"type": "listItem", "content": [block(depth + 1)]} for _ in range(rng.randint(1, 2))]
            return {"type": rng.choice(["bulletList", "orderedList"]), "content": items}
        if kind == "quote" and depth < 2:
            return {"type": "blockquote", "content": [block(depth + 1)]}
        if kind == "code":
            return {"type": "codeBlock", "attrs": {"language": rng.choice(["py", "a`b"])}, "content": [t(text())]}
        if kind == "table":
            cell = {"type": "tableCell", "attrs": {}, "content": [p(*inline())]}
            return {
                "type": "table",
                "attrs": {"layout": "default"},
                "content": [{"type": "tableRow", "content": [cell]}],
            }
        if kind == "panel":
            return PANEL
        if kind == "rule":
            return {"type": "rule"}
        return p(*inline())

    return doc(*[block(0) for _ in range(rng.randint(1, 5))])


@pytest.mark.parametrize(
    "adf",
    [
        doc({"type": "paragraph"}),
        doc({"type": "paragraph"}, {"type": "paragraph"}),
        doc(p(t(" "))),
        doc({"type": "bulletList", "content": []}, p(t("a"))),
        doc({"type": "paragraph", "content": []}, {"type": "rule"}),
        doc(p(t("a\rb")), p(t("c"))),
        doc(p(t("c")), p(t("a\rb"))),
    ],
    ids=["empty paragraph", "two empty paragraphs", "a space", "empty list", "empty content", "CR first", "CR last"],
)
def test_documents_with_blocks_that_write_nothing_read_the_same(adf):
    assert adf_to_markdown(adf) == markdown_checking_each_block_alone(adf)


def test_random_documents_read_the_same_with_one_parse_as_block_by_block():
    rng = random.Random(10)
    for _ in range(400):
        adf = random_document(rng)
        assert adf_to_markdown(adf) == markdown_checking_each_block_alone(adf), adf


@pytest.mark.parametrize(
    "markdown",
    [
        "| a | b |\n| --- | --- |\n| c | d |",
        "- one\n- two",
        "# Title",
        "plain `code` and [link](http://x)",
        "```py\nx = 1\n```",
        "> quoted\n> text",
    ],
)
def test_a_patch_comment_in_front_of_a_block_parses_as_predicted(markdown):
    text_blocks = parse_markdown(markdown)
    patch = '<!-- adf-patch:{"attrs":{"localId":"a|b","layout":"x\\u003ey"}} -->'
    patched = patch + "\n" + markdown
    assert predict_patched(markdown, patched, text_blocks) == parse_markdown(patched)


@pytest.mark.parametrize("first_line", ["| --- | --- |", "---|", ":-:", "- |"])
def test_no_prediction_when_the_first_line_could_make_the_comment_a_table_header(first_line):
    markdown = first_line + "\nmore"
    assert predict_patched(markdown, '<!-- adf-patch:{"a":"|"} -->\n' + markdown, parse_markdown(markdown)) is None


def test_jira_tables_and_inline_nodes_still_round_trip_exactly():
    table = markdown_to_adf("| a | b |\n| --- | --- |\n| c | d |")["content"][0]
    table["attrs"] = {"isNumberColumnEnabled": False, "layout": "default"}
    adf = doc(p(t("see "), DATE, t(" and "), STATUS), table, p(t("after")))
    markdown = adf_to_markdown(adf)
    assert '<!-- adf-patch:{"attrs":{"isNumberColumnEnabled":false,"layout":"default"}} -->\n| a | b |' in markdown
    assert markdown_to_adf(markdown) == adf


def test_a_link_reference_definition_anywhere_means_blocks_are_judged_one_by_one():
    nodes = [p(t("see [x]")), p(t("defined below"))]
    parts = ["see [x]", "[x]: /u"]
    assert derive_each(nodes, parts, join_blocks(nodes, parts) + "\n") is None


def test_a_block_ending_with_an_html_comment_is_judged_on_its_own():
    nodes = [p(t("a")), p(t("b"))]
    parts = ["a", 'b\n\n<!-- adf-patch:{"attrs":{"x":1}} -->']
    derived = derive_each(nodes, parts, join_blocks(nodes, parts) + "\n")
    assert derived == [[p(t("a"))], None]


def test_markdown_outside_every_block_means_blocks_are_judged_one_by_one():
    nodes = [p(t("a"))]
    assert derive_each(nodes, ["a"], "a\n\nstray\n") is None
    assert derive_each(nodes, ["a"], "a\n") == [[p(t("a"))]]
