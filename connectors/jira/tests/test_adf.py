"""Tests for the Markdown <-> ADF converter (connectors/jira/adf.py)."""

from __future__ import annotations

import copy
import json

import pytest

from connectors.jira.adf import adf_to_markdown, adf_to_text, markdown_to_adf

# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------


def doc(*content):
    return {"type": "doc", "version": 1, "content": list(content)}


def p(*content):
    return {"type": "paragraph", "content": list(content)}


def t(text, *marks):
    node = {"type": "text", "text": text}
    if marks:
        node["marks"] = [m if isinstance(m, dict) else {"type": m} for m in marks]
    return node


def link(href, **extra):
    return {"type": "link", "attrs": {"href": href, **extra}}


def md_roundtrip(markdown: str) -> str:
    """md -> adf -> md; the result must be a fixed point afterwards."""
    once = adf_to_markdown(markdown_to_adf(markdown))
    twice = adf_to_markdown(markdown_to_adf(once))
    assert twice == once, f"not stable:\n{once!r}\n{twice!r}"
    return once


def assert_adf_roundtrip(adf: dict) -> str:
    original = copy.deepcopy(adf)
    markdown = adf_to_markdown(adf)
    assert adf == original, "converter mutated its input"
    back = markdown_to_adf(markdown)
    assert back == adf, f"markdown was:\n{markdown}"
    return markdown


def _schema_validator():
    """Atlassian's own ADF JSON schema, from the @atlaskit/adf-schema npm package (pinned)."""
    import jsonschema

    from shared.testing import npm_package

    schema = npm_package("@atlaskit/adf-schema", "57.7.22") / "dist/json-schema/v1/full.json"
    return jsonschema.Draft4Validator(json.loads(schema.read_text()))


SCHEMA = _schema_validator()


def assert_valid_adf(adf: dict) -> None:
    """Structural ADF rules we promise, plus the official JSON schema if present."""
    _check_node(adf)
    errors = sorted(SCHEMA.iter_errors(adf), key=str)
    assert not errors, errors[0].message


def _check_node(node: dict) -> None:
    kind = node["type"]
    if kind == "text":
        assert node["text"], "empty text node"
        kinds = [m["type"] for m in node.get("marks", [])]
        if "code" in kinds:
            assert set(kinds) <= {"code", "link"}
    else:
        assert "marks" not in node or kind not in ("paragraph", "mention", "hardBreak")
    if kind == "listItem":
        assert node["content"][0]["type"] == "paragraph"
    if kind in ("tableCell", "tableHeader"):
        assert node["content"] and all(c["type"] == "paragraph" for c in node["content"])
    for child in node.get("content", []):
        _check_node(child)


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
    assert adf == doc(
        p(t("b", "strong"), t(" "), t("i", "em"), t(" "), t("c", "code"), t(" "), t("s", "strike"))
    )
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
    adf = doc(p(t("go ", link("https://x.io")), t("here", link("https://x.io"), "strong"),
                t("fn()", link("https://x.io"), "code")))
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
    adf = doc({"type": "bulletList", "content": [item]}, {"type": "bulletList", "content": [item]},
              {"type": "blockquote", "content": [p(t("q"))]}, {"type": "blockquote", "content": [p(t("r"))]})
    assert_adf_roundtrip(adf)


def test_list_item_with_multiple_blocks():
    adf = doc({"type": "bulletList", "content": [{"type": "listItem", "content": [
        p(t("para")), {"type": "codeBlock", "attrs": {"language": "sh"}, "content": [t("ls\n\nls -l")]},
        p(t("after")), {"type": "orderedList", "attrs": {"order": 2}, "content": [
            {"type": "listItem", "content": [p(t("two"))]}]},
    ]}]})
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
    assert adf == doc({"type": "codeBlock", "attrs": {"language": "python"},
                       "content": [t("def f():\n    return 1")]})
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


# --------------------------------------------------------------------------
# escaping
# --------------------------------------------------------------------------

TRICKY_TEXTS = [
    "a*b*c", "[not a link]", "# not heading", "1. not a list", "2) neither", "- not a bullet",
    "+ plus", "> not quote", "<div>html</div>", "<https://autolink>", "snake_case_name", "_em_",
    "__init__", "back\\slash", "`tick`", "~~no strike~~", "&amp; literal entity", "R&D",
    "line\n# second", "text ending with #", "  leading spaces", "trailing spaces  ",
    "---", "===", "***", "a | b", "![img](x)", "[a]: http://ref", "tab\tinside", "x\n    indented",
    "adf:{\"type\":\"rule\"}", ":smile:", "100\\. escaped", "*", "\\",
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
    adf = doc({"type": "table", "content": [
        {"type": "tableRow", "content": [header, header]},
        {"type": "tableRow", "content": [cell, code_cell]},
    ]})
    markdown = assert_adf_roundtrip(adf)
    assert markdown.startswith("| h1 | h1 |")


def test_tricky_text_in_heading_and_list():
    assert_adf_roundtrip(doc({"type": "heading", "attrs": {"level": 2}, "content": [t("# a #")]}))
    assert_adf_roundtrip(doc({"type": "bulletList", "content": [
        {"type": "listItem", "content": [p(t("1. x\n- y\n> z"))]}]}))


def test_markdown_escapes_read_literally():
    adf = markdown_to_adf("a\\*b\\*c \\[x\\] \\# y\n")
    assert adf == doc(p(t("a*b*c [x] # y")))


# --------------------------------------------------------------------------
# unknown nodes / marks: byte-for-byte preservation
# --------------------------------------------------------------------------

PANEL = {"type": "panel", "attrs": {"panelType": "info"}, "content": [p(t("Heads up"))]}
STATUS = {"type": "status", "attrs": {"text": "IN PROGRESS", "color": "blue", "localId": "a|b", "style": ""}}
DATE = {"type": "date", "attrs": {"timestamp": "1700000000000"}}
INLINE_CARD = {"type": "inlineCard", "attrs": {"url": "https://jira.example/browse/ABC-1"}}
MEDIA = {"type": "mediaSingle", "attrs": {"layout": "center"}, "content": [
    {"type": "media", "attrs": {"type": "file", "id": "abc-123", "collection": "jira-1", "width": 200, "height": 100}}]}
EXPAND = {"type": "expand", "attrs": {"title": "Details"}, "content": [p(t("hidden"))]}
TASKS = {"type": "taskList", "attrs": {"localId": "t1"}, "content": [
    {"type": "taskItem", "attrs": {"localId": "t2", "state": "TODO"}, "content": [t("do it")]}]}
DECISIONS = {"type": "decisionList", "attrs": {"localId": "d1"}, "content": [
    {"type": "decisionItem", "attrs": {"localId": "d2", "state": "DECIDED"}, "content": [t("yes")]}]}
UNKNOWN_BLOCK = {"type": "fancyNewBlock", "attrs": {"x": [1, 2, {"y": None}]}, "content": [p(t("```"))]}
UNKNOWN_INLINE = {"type": "fancyInline", "attrs": {"s": "`tick` and | pipe -->"}}


@pytest.mark.parametrize("node", [PANEL, MEDIA, EXPAND, TASKS, DECISIONS, UNKNOWN_BLOCK],
                         ids=lambda n: n["type"])
def test_unknown_block_nodes_preserved(node):
    adf = doc(p(t("before")), node, p(t("after")))
    markdown = assert_adf_roundtrip(adf)
    assert "```adf\n" + json.dumps(node, separators=(",", ":"), ensure_ascii=False) + "\n```" in markdown


@pytest.mark.parametrize("node", [STATUS, DATE, INLINE_CARD, UNKNOWN_INLINE], ids=lambda n: n["type"])
def test_unknown_inline_nodes_preserved(node):
    adf = doc(p(t("x "), node, t(" y")))
    markdown = assert_adf_roundtrip(adf)
    assert "`adf:{" in markdown


@pytest.mark.parametrize("marks", [
    [{"type": "underline"}],
    [{"type": "textColor", "attrs": {"color": "#ff5630"}}],
    [{"type": "strong"}, {"type": "textColor", "attrs": {"color": "#00b8d9"}}],
    [{"type": "subsup", "attrs": {"type": "sub"}}],
    [{"type": "strong"}, {"type": "em"}],  # non-canonical order
])
def test_unsupported_marks_preserved(marks):
    adf = doc(p(t("plain "), {"type": "text", "text": "styled", "marks": marks}, t(" end")))
    markdown = assert_adf_roundtrip(adf)
    assert markdown.startswith("plain `adf:")


def test_unknown_nodes_inside_lists_and_tables():
    table = {"type": "table", "content": [
        {"type": "tableRow", "content": [{"type": "tableHeader", "content": [p(t("h"))]}]},
        {"type": "tableRow", "content": [{"type": "tableCell", "content": [p(STATUS)]}]},
        {"type": "tableRow", "content": [{"type": "tableCell", "content": [PANEL]}]},
    ]}
    lst = {"type": "bulletList", "content": [{"type": "listItem", "content": [p(t("x")), MEDIA]}]}
    assert_adf_roundtrip(doc(table, lst))


def test_jira_specific_attrs_are_kept():
    cell = {"type": "tableCell", "attrs": {}, "content": [{"type": "paragraph", "content": []}]}
    head = {"type": "tableHeader", "attrs": {"colwidth": [120]}, "content": [p(t("h"))]}
    table = {"type": "table", "attrs": {"isNumberColumnEnabled": False, "layout": "default", "localId": "5f1"},
             "content": [{"type": "tableRow", "content": [head]}, {"type": "tableRow", "content": [cell]}]}
    headerless = {"type": "table", "content": [{"type": "tableRow", "content": [
        {"type": "tableCell", "content": [p(t("only cells"))]}]}]}
    code = {"type": "codeBlock", "attrs": {}, "content": [t("x = 1")]}
    empty = {"type": "paragraph", "content": []}
    adf = doc(table, headerless, code, empty, {"type": "paragraph"},
              {"type": "heading", "attrs": {"level": 1, "localId": "h1"}, "content": [t("H")]})
    markdown = assert_adf_roundtrip(adf)
    assert "| h |" in markdown and "| only cells |" in markdown and "x = 1" in markdown


def test_styled_text_with_edge_spaces_and_adjacent_runs():
    adf = doc(p(t("bold ", "strong"), t("plain"), t("x", "em"), t("y", "strong"),
                t('"q"', "strong"), t("z"), t("a", "strike"), t("b", "strike", "code")))
    assert "```adf" not in assert_adf_roundtrip(adf)


def test_edge_cases_handled_inline():
    mention = {"type": "mention", "attrs": {"id": "1", "text": "@x"}}
    cases = [
        doc(p(t("line"), {"type": "hardBreak"})),                    # trailing hard break
        doc(p(t("wow!"), mention, t("!"), t("l", link("http://l")))),  # "!" before "[" is no image
        doc(p(t("~", "strike"), t("~x~"))),                          # "~" next to "~~"
        doc(p(t("a", "code"), STATUS, t("b", "code"))),              # adjacent code spans
    ]
    for adf in cases:
        assert "```adf" not in assert_adf_roundtrip(adf)


def test_unrepresentable_blocks_fall_back_to_fence():
    adf = doc(p(t("\nstarts with newline")), p(t("~~~", "strike")), p(t("after")))
    markdown = assert_adf_roundtrip(adf)
    assert markdown.startswith("```adf\n")


# --------------------------------------------------------------------------
# realistic Jira description
# --------------------------------------------------------------------------

JIRA_MARKDOWN = """\
## Summary

Checkout fails for **EU customers** when the cart has more than *10 items*.
Reported by [@Jane Doe](mention:557058:f58131cb-b67d-43c7-b30d-6b58d40bd077), see [the logs](https://logs.example.com/q?id=42&range=1h).

### Steps to reproduce

1. Add 11 items to the cart
2. Go to `/checkout` and pick ~~PayPal~~ card
   - use card `4111 1111 1111 1111`
   - expiry: any future date
3. Submit

### Expected vs actual

| Case | Expected | Actual |
| --- | --- | --- |
| EU | 200 OK | 500 \\| timeout |
| US | 200 OK | 200 OK |

> The payment provider returns `HTTP 502` after 30s.\\
> Retry does **not** help.

```python
def total(items):
    return sum(i.price for i in items)  # *not* rounded
```

---

Notes: a\\*b\\*c is not emphasis, \\[not a link\\] either, and snake_case_names stay readable.
"""


def test_realistic_jira_description_markdown_roundtrip():
    adf = markdown_to_adf(JIRA_MARKDOWN)
    assert_valid_adf(adf)
    types = [n["type"] for n in adf["content"]]
    assert types == ["heading", "paragraph", "heading", "orderedList", "heading", "table",
                     "blockquote", "codeBlock", "rule", "paragraph"]
    assert adf_to_markdown(adf) == JIRA_MARKDOWN
    assert markdown_to_adf(adf_to_markdown(adf)) == adf


def test_realistic_jira_adf_with_everything_roundtrip():
    adf = markdown_to_adf(JIRA_MARKDOWN)
    adf["content"][1]["content"].append(STATUS)
    adf["content"].insert(2, PANEL)
    adf["content"].append(p(t("underlined", {"type": "underline"}), t(" "), DATE, t(" "), INLINE_CARD))
    adf["content"].append(TASKS)
    assert_adf_roundtrip(adf)


def test_adf_to_text_preview():
    text = adf_to_text(markdown_to_adf(JIRA_MARKDOWN))
    assert text.startswith("Summary\nCheckout fails for EU customers")
    assert "@Jane Doe" in text and "EU | 200 OK | 500 | timeout" in text
    assert "**" not in text and "](" not in text
    assert adf_to_text(doc(p(STATUS, t(" "), {"type": "mention", "attrs": {"id": "1"}}))) == "IN PROGRESS @1"


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
    "`adf:{\"type\":\"status\",\"attrs\":{\"text\":\"DONE\",\"color\":\"green\"}}` inline",
    "```adf\n{\"type\":\"panel\",\"attrs\":{\"panelType\":\"note\"},\"content\":[{\"type\":\"paragraph\"}]}\n```",
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


def test_realistic_description_validates_against_atlassians_schema():
    assert_valid_adf(markdown_to_adf(JIRA_MARKDOWN))
    assert not list(SCHEMA.iter_errors({"type": "doc", "version": 1, "content": [{"type": "bogus"}]})) == []
