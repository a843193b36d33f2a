"""Markdown <-> ADF, one construct at a time: the ADF shape, and the round trip both ways."""

from __future__ import annotations

import pytest

from connectors.jira.adf import adf_to_markdown, adf_to_text, markdown_to_adf

from .adf_support import assert_adf_roundtrip, assert_valid_adf, doc, link, md_roundtrip, p, t

# --------------------------------------------------------------------------
# empty input
# --------------------------------------------------------------------------


def test_empty_inputs():
    assert adf_to_markdown(None) == ""
    assert adf_to_markdown({}) == ""
    assert adf_to_markdown(doc()) == ""
    assert markdown_to_adf("") == doc()
    assert markdown_to_adf("   \n\n") == doc()
    assert adf_to_text(None) == ""
    assert adf_to_text(doc()) == ""


# --------------------------------------------------------------------------
# one test per construct (md -> adf shape, and round trip both ways)
# --------------------------------------------------------------------------


@pytest.mark.parametrize("level", range(1, 7))
def test_headings(level):
    markdown = "#" * level + " Title\n"
    adf = markdown_to_adf(markdown)
    assert adf == doc({"type": "heading", "attrs": {"level": level}, "content": [t("Title")]})
    assert adf_to_markdown(adf) == markdown
    assert_valid_adf(adf)


def test_paragraphs_and_soft_break():
    adf = markdown_to_adf("first\nline\n\nsecond\n")
    assert adf == doc(p(t("first\nline")), p(t("second")))
    assert adf_to_markdown(adf) == "first\nline\n\nsecond\n"


def test_hard_break():
    adf = markdown_to_adf("a\\\nb\n")
    assert adf == doc(p(t("a"), {"type": "hardBreak"}, t("b")))
    assert adf_to_markdown(adf) == "a\\\nb\n"
    assert md_roundtrip("a  \nb") == "a\\\nb\n"


def test_strong_em_code_strike():
    adf = markdown_to_adf("**b** *i* `c` ~~s~~\n")
    assert adf == doc(p(t("b", "strong"), t(" "), t("i", "em"), t(" "), t("c", "code"), t(" "), t("s", "strike")))
    assert adf_to_markdown(adf) == "**b** *i* `c` ~~s~~\n"
    assert md_roundtrip("__b__ _i_") == "**b** *i*\n"


def test_nested_marks_are_canonical():
    adf = markdown_to_adf("***both*** and **bold *bold-em***\n")
    assert adf["content"][0]["content"][0] == t("both", "em", "strong")
    assert adf["content"][0]["content"][-1] == t("bold-em", "em", "strong")
    assert_adf_roundtrip(adf)


def test_link():
    adf = markdown_to_adf('[site](https://example.com/a?b=1&c=2 "Title")\n')
    assert adf == doc(p(t("site", link("https://example.com/a?b=1&c=2", title="Title"))))
    assert_adf_roundtrip(adf)


def test_link_with_marks_inside_and_code():
    adf = doc(
        p(
            t("go ", link("https://x.io")),
            t("here", link("https://x.io"), "strong"),
            t("fn()", link("https://x.io"), "code"),
        )
    )
    markdown = assert_adf_roundtrip(adf)
    assert markdown == "[go **here**`fn()`](https://x.io)\n"


def test_link_href_with_spaces_parens_and_unicode():
    for href in ["https://x.io/a b", "https://x.io/(x)", "https://ä.example/ü?q=1&amp;", ""]:
        assert_adf_roundtrip(doc(p(t("x", link(href)))))


def test_code_mark_only_combines_with_link():
    adf = markdown_to_adf("**`x`** ~~*`y`*~~\n")
    for node in adf["content"][0]["content"]:
        if node["text"] in ("x", "y"):
            assert node["marks"] == [{"type": "code"}]
    assert_valid_adf(adf)


def test_bullet_list_nested():
    markdown = "- a\n- b\n  - c\n    - d\n- e\n"
    adf = markdown_to_adf(markdown)
    assert adf["content"][0]["type"] == "bulletList"
    inner = adf["content"][0]["content"][1]["content"][1]
    assert inner["type"] == "bulletList"
    assert adf_to_markdown(adf) == markdown
    assert_valid_adf(adf)


def test_ordered_list_start_and_nesting():
    markdown = "3. three\n4. four\n   1. sub\n"
    adf = markdown_to_adf(markdown)
    ol = adf["content"][0]
    assert ol["type"] == "orderedList" and ol["attrs"] == {"order": 3}
    assert ol["content"][1]["content"][1]["attrs"] == {"order": 1}
    assert adf_to_markdown(adf) == markdown


def test_ordered_list_without_attrs_uses_paren():
    adf = doc({"type": "orderedList", "content": [{"type": "listItem", "content": [p(t("x"))]}]})
    assert assert_adf_roundtrip(adf) == "1) x\n"


def test_adjacent_lists_stay_separate():
    item = {"type": "listItem", "content": [p(t("x"))]}
    adf = doc(
        {"type": "bulletList", "content": [item]},
        {"type": "bulletList", "content": [item]},
        {"type": "blockquote", "content": [p(t("q"))]},
        {"type": "blockquote", "content": [p(t("r"))]},
    )
    assert_adf_roundtrip(adf)


def test_list_item_with_multiple_blocks():
    adf = doc(
        {
            "type": "bulletList",
            "content": [
                {
                    "type": "listItem",
                    "content": [
                        p(t("para")),
                        {"type": "codeBlock", "attrs": {"language": "sh"}, "content": [t("ls\n\nls -l")]},
                        p(t("after")),
                        {
                            "type": "orderedList",
                            "attrs": {"order": 2},
                            "content": [{"type": "listItem", "content": [p(t("two"))]}],
                        },
                    ],
                }
            ],
        }
    )
    assert_adf_roundtrip(adf)


def test_list_item_gets_leading_paragraph():
    adf = markdown_to_adf("- - nested\n-\n- ```\n  code\n  ```\n")
    for item in adf["content"][0]["content"]:
        assert item["content"][0]["type"] == "paragraph"
    assert_valid_adf(adf)
    md_roundtrip("- - nested\n-\n- ```\n  code\n  ```\n")


def test_code_block_with_language():
    markdown = "```python\ndef f():\n    return 1\n```\n"
    adf = markdown_to_adf(markdown)
    assert adf == doc({"type": "codeBlock", "attrs": {"language": "python"}, "content": [t("def f():\n    return 1")]})
    assert adf_to_markdown(adf) == markdown


def test_code_block_without_language_and_with_backticks():
    adf = doc({"type": "codeBlock", "content": [t("```\nnested fence\n```")]})
    assert assert_adf_roundtrip(adf).startswith("````\n")
    assert markdown_to_adf("```\n```\n") == doc({"type": "codeBlock"})
    assert markdown_to_adf("    indented\n") == doc({"type": "codeBlock", "content": [t("indented")]})


def test_blockquote():
    markdown = "> quoted **text**\n>\n> - item\n"
    adf = markdown_to_adf(markdown)
    assert adf["content"][0]["type"] == "blockquote"
    assert [c["type"] for c in adf["content"][0]["content"]] == ["paragraph", "bulletList"]
    assert adf_to_markdown(adf) == markdown


def test_blockquote_coerces_invalid_children():
    adf = markdown_to_adf("> # heading\n>\n> ---\n")
    assert adf == doc({"type": "blockquote", "content": [p(t("heading"))]})
    assert_valid_adf(adf)


def test_rule():
    assert markdown_to_adf("a\n\n***\n") == doc(p(t("a")), {"type": "rule"})
    assert adf_to_markdown(doc({"type": "rule"})) == "---\n"


def test_table_with_header_row():
    markdown = "| Name | Value |\n| --- | --- |\n| a | **b** |\n|  | `c` |\n"
    adf = markdown_to_adf(markdown)
    table = adf["content"][0]
    assert table["type"] == "table"
    header, row1, row2 = table["content"]
    assert [c["type"] for c in header["content"]] == ["tableHeader", "tableHeader"]
    assert row1["content"][1] == {"type": "tableCell", "content": [p(t("b", "strong"))]}
    assert row2["content"][0] == {"type": "tableCell", "content": [{"type": "paragraph"}]}
    assert adf_to_markdown(adf) == markdown
    assert_valid_adf(adf)


def test_mention():
    adf = markdown_to_adf("Hi [@Jane Doe](mention:5b10ac8d82e05b22cc7d4ef5)!\n")
    mention = {"type": "mention", "attrs": {"id": "5b10ac8d82e05b22cc7d4ef5", "text": "@Jane Doe"}}
    assert adf == doc(p(t("Hi "), mention, t("!")))
    assert adf_to_markdown(adf) == "Hi [@Jane Doe](mention:5b10ac8d82e05b22cc7d4ef5)!\n"


def test_mention_with_jira_extra_attrs_uses_patch():
    mention = {"type": "mention", "attrs": {"id": "557058:f5", "text": "@Bob", "accessLevel": ""}}
    markdown = assert_adf_roundtrip(doc(p(t("cc "), mention)))
    assert "[@Bob](mention:557058:f5)" in markdown


def test_emoji_is_preserved_as_inline_span():
    emoji = {"type": "emoji", "attrs": {"shortName": ":smile:", "id": "1f604", "text": "😄"}}
    markdown = assert_adf_roundtrip(doc(p(t("hi "), emoji)))
    assert "`adf:" in markdown
