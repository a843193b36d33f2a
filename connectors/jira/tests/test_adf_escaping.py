"""Text that looks like Markdown stays literal text both ways, in every context."""

from __future__ import annotations

import pytest

from connectors.jira.adf import adf_to_markdown, adf_to_text, markdown_to_adf

from .adf_support import assert_adf_roundtrip, assert_valid_adf, doc, md_roundtrip, p, t

# --------------------------------------------------------------------------
# escaping
# --------------------------------------------------------------------------

TRICKY_TEXTS = [
    "a*b*c",
    "[not a link]",
    "# not heading",
    "1. not a list",
    "2) neither",
    "- not a bullet",
    "+ plus",
    "> not quote",
    "<div>html</div>",
    "<https://autolink>",
    "snake_case_name",
    "_em_",
    "__init__",
    "back\\slash",
    "`tick`",
    "~~no strike~~",
    "&amp; literal entity",
    "R&D",
    "line\n# second",
    "text ending with #",
    "  leading spaces",
    "trailing spaces  ",
    "---",
    "===",
    "***",
    "a | b",
    "![img](x)",
    "[a]: http://ref",
    "tab\tinside",
    "x\n    indented",
    'adf:{"type":"rule"}',
    ":smile:",
    "100\\. escaped",
    "*",
    "\\",
]


@pytest.mark.parametrize("text", TRICKY_TEXTS)
def test_tricky_text_survives_literally(text):
    adf = doc(p(t(text)))
    assert_adf_roundtrip(adf)
    markdown = adf_to_markdown(adf)
    assert "```adf" not in markdown  # escaped, not a JSON fallback


@pytest.mark.parametrize("text", ["a | b", "pipe|in|cell", "`code|x`", "*", "\\|"])
def test_pipes_in_table_cells(text):
    cell = {"type": "tableCell", "content": [p(t(text))]}
    code_cell = {"type": "tableCell", "content": [p(t(text, "code"))]}
    header = {"type": "tableHeader", "content": [p(t("h1"))]}
    adf = doc(
        {
            "type": "table",
            "content": [
                {"type": "tableRow", "content": [header, header]},
                {"type": "tableRow", "content": [cell, code_cell]},
            ],
        }
    )
    markdown = assert_adf_roundtrip(adf)
    assert markdown.startswith("| h1 | h1 |")


def test_tricky_text_in_heading_and_list():
    assert_adf_roundtrip(doc({"type": "heading", "attrs": {"level": 2}, "content": [t("# a #")]}))
    assert_adf_roundtrip(
        doc({"type": "bulletList", "content": [{"type": "listItem", "content": [p(t("1. x\n- y\n> z"))]}]})
    )


def test_markdown_escapes_read_literally():
    adf = markdown_to_adf("a\\*b\\*c \\[x\\] \\# y\n")
    assert adf == doc(p(t("a*b*c [x] # y")))


def test_a_space_ending_a_paragraph_reads_as_an_entity_so_it_writes_back():
    # The seeded comments end this way (sandbox/atlassian/jira/seed.py adds " " before an optional mention):
    # Markdown drops a trailing space, so the reader writes it as &#32; to keep adf -> md -> adf exact.
    adf = doc(p(t("PR is up for review. ")))
    assert assert_adf_roundtrip(adf) == "PR is up for review.&#32;\n"
    mention = {"type": "mention", "attrs": {"id": "abc", "text": "@Ann"}}
    assert adf_to_markdown(doc(p(t("PR is up for review. "), mention))) == "PR is up for review. [@Ann](mention:abc)\n"


# --------------------------------------------------------------------------
# property-ish loop over sample snippets
# --------------------------------------------------------------------------

SNIPPETS = [
    "plain text",
    "**bold** then *em* then ***both***",
    "`code` and ``co`de`` and ` `` `",
    "~~gone~~ and ~single~ tilde",
    "[link](http://a.b) and <http://auto.link> and ![img](http://i.png)",
    "[titled](http://a.b 'single quotes')",
    "line one\nline two\\\nline three",
    "# H1\n## H2\n### H3\n#### H4\n##### H5\n###### H6",
    "Setext\n===",
    "- a\n- b\n\n* c",
    "1. one\n1. two\n1. three",
    "7) seven\n8) eight",
    "- [ ] task-like text\n- [x] done",
    "> quote\n> > nested quote",
    "> lazy\ncontinuation",
    "```\nno lang\n```",
    "~~~js\nconst x = `t`;\n~~~",
    "    indented code",
    "***\n---\n___",
    "| a | b |\n|:--|--:|\n| 1 | 2 |\n| 3 |",
    "| x |\n| - |\n| `a|b` |",
    "<div>raw html</div>\n\ntext <span>inline</span>",
    "&copy; &amp; &#35; entities",
    "escapes: \\* \\_ \\` \\# \\[ \\] \\< \\> \\| \\\\ \\~",
    "mention [@A B](mention:123) and [no at](mention:x-y) and [](mention:z)",
    '`adf:{"type":"status","attrs":{"text":"DONE","color":"green"}}` inline',
    '```adf\n{"type":"panel","attrs":{"panelType":"note"},"content":[{"type":"paragraph"}]}\n```',
    "```adf\nnot json\n```",
    "- item\n\n  second para\n\n  ```\n  code\n  ```\n- > quote in list\n- # heading in list",
    "**unclosed bold and _unclosed em",
    "foo_bar_baz *intra*word **st**rong",
    "trailing backslash \\",
    "1. a\n   1. b\n      1. c\n         - d",
    "Hello :smile: world 😀 – ünïcödé",
    "<!-- a comment -->\n\ntext",
    "[ref link][r]\n\n[r]: http://ref.example",
]


@pytest.mark.parametrize("snippet", SNIPPETS)
def test_snippets_roundtrip(snippet):
    adf = markdown_to_adf(snippet)
    assert_valid_adf(adf)
    once = md_roundtrip(snippet)
    assert markdown_to_adf(once) == adf
    assert_adf_roundtrip(adf)
    assert isinstance(adf_to_text(adf), str)
