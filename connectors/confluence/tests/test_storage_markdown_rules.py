"""Markdown rules of the storage converter: code fences as CommonMark sees them, and characters XML cannot carry."""

from __future__ import annotations

import re

import pytest

from connectors.confluence import storage_format as C
from shared.errors import InvalidInput

CODE_WITH_A_SHORTER_FENCE = "# Real\n\n````\n```\n# shown in code\n```\n````\n\n# Also real"


def test_headings_shown_inside_code_are_not_sections():
    assert [h[2] for h in C.headings(CODE_WITH_A_SHORTER_FENCE)] == ["Real", "Also real"]
    in_a_list = "- step\n\n  ```\n  # a comment in code\n  ```\n\n# After"
    assert [h[2] for h in C.headings(in_a_list)] == ["After"]


def test_a_backtick_line_with_backticks_in_its_info_is_not_a_fence():
    assert [h[2] for h in C.headings("``` a`b\n# Heading")] == ["Heading"]


def test_a_section_runs_past_a_heading_shown_inside_code():
    edited = C.edit_section(CODE_WITH_A_SHORTER_FENCE, "Real", "replaced", append=False)
    assert edited == "# Real\n\nreplaced\n\n# Also real"


def test_a_placeholder_shown_inside_code_stays_code():
    doc = C.read('<p>intro</p><ac:structured-macro ac:name="toc" ac:schema-version="1" />')
    assert doc.markdown == "intro\n\n[[toc #1]]"
    out, report = C.write(doc.markdown + "\n\n```\n[[toc #1]]\n```", doc)
    assert out.endswith("<ac:plain-text-body><![CDATA[[[toc #1]]]]></ac:plain-text-body></ac:structured-macro>")
    assert report.removed == []


def test_a_fence_left_open_inside_a_container_ends_with_the_container():
    body = (
        '<ac:structured-macro ac:name="info" ac:schema-version="1"><ac:rich-text-body><p>note</p>'
        '</ac:rich-text-body></ac:structured-macro><ac:structured-macro ac:name="toc" ac:schema-version="1" />'
    )
    doc = C.read(body)
    assert doc.markdown == "[[info #1]]\nnote\n[[/info #1]]\n\n[[toc #2]]"
    out, report = C.write(doc.markdown.replace("note", "note\n\n```\nopen"), doc)
    assert out.endswith('<ac:structured-macro ac:name="toc" ac:schema-version="1" />')
    assert "<![CDATA[open]]>" in out and report.removed == []


def test_a_code_block_never_closed_may_not_swallow_placeholders():
    body = (
        '<pre>x</pre><ac:structured-macro ac:name="warning" ac:schema-version="1"><ac:rich-text-body><p>careful</p>'
        '</ac:rich-text-body></ac:structured-macro><p>see <ac:structured-macro ac:name="jira" ac:schema-version="1">'
        '<ac:parameter ac:name="key">SHOP-1</ac:parameter></ac:structured-macro></p>'
    )
    doc = C.read(body)
    assert doc.markdown == "```\nx\n```\n\n[[warning #1]]\ncareful\n[[/warning #1]]\n\nsee [[jira SHOP-1 #2]]"
    unclosed = doc.markdown.replace("x\n```", "x")
    with pytest.raises(InvalidInput, match=re.escape('opened by the line "```" is never closed, so [[warning #1]]')):
        C.write(unclosed, doc)
    only_inline = doc.markdown.replace("[[warning #1]]\ncareful\n[[/warning #1]]\n\n", "").replace("x\n```", "x")
    with pytest.raises(InvalidInput, match=re.escape("so [[jira SHOP-1 #2]] and everything after it")):
        C.write(only_inline, doc)


@pytest.mark.parametrize(
    ("markdown", "named"),
    [
        ("# Log\n\nbuild \x1b[32mok\x1b[0m", "U+001B (escape) at line 3, column 7 (1 more after it)"),
        ("nul\x00", "U+0000 (NUL) at line 1, column 4"),
        ("page\x0cbreak", "U+000C (form feed) at line 1, column 5"),
        ("```\ncode\x08\n```", "U+0008 (backspace) at line 2, column 5"),
        ("broken pair \udc00", "U+DC00 (surrogate) at line 1, column 13"),
    ],
)
def test_a_control_character_is_refused_with_its_name_and_position(markdown, named):
    with pytest.raises(InvalidInput) as refused:
        C.write(markdown)
    assert named in str(refused.value) and "Remove it" in str(refused.value)


def test_a_control_character_is_refused_in_an_edit_of_an_existing_page_too():
    doc = C.read("<p>first</p><p>second</p>")
    with pytest.raises(InvalidInput, match="U\\+001B"):
        C.write(doc.markdown.replace("second", "sec\x1bond"), doc)


def test_tab_newline_and_carriage_return_are_fine_and_entities_of_controls_become_replacement_characters():
    out, _ = C.write("a\tb\r\nc &#27; d")
    assert out == "<p>a\tb\nc \ufffd d</p>"
    C.parse(out)
