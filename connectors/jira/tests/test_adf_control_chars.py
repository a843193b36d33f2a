"""Markdown written to Jira never carries control characters Jira rejects: a clear error says which and where."""

from __future__ import annotations

import pytest

from connectors.jira.adf import adf_to_markdown, markdown_to_adf
from shared.errors import InvalidInput

from .adf_support import doc, p, t


@pytest.mark.parametrize(
    ("markdown", "named"),
    [
        ("ok\nbad \x1b[31mred\x1b[0m", "U+001B (escape) at line 2, column 5 (1 more after it)"),
        ("nul\x00here", "U+0000 (NUL) at line 1, column 4"),
        ("- item\n- tab\x0bbed", "U+000B (vertical tab) at line 2, column 6"),
        ("```\ncode \x07\n```", "U+0007 (bell) at line 2, column 6"),
        ("half a pair \ud83d", "U+D83D (surrogate) at line 1, column 13"),
    ],
)
def test_a_control_character_is_refused_with_its_name_and_position(markdown, named):
    with pytest.raises(InvalidInput) as refused:
        markdown_to_adf(markdown)
    assert named in str(refused.value)
    assert "Remove it" in str(refused.value)


@pytest.mark.parametrize("entity", ["&#27;", "&#x1B;", "&#11;", "&#0;"])
def test_a_control_character_written_as_an_entity_becomes_the_replacement_character(entity):
    assert markdown_to_adf(f"colour {entity}[31m")["content"] == [p(t("colour \ufffd[31m"))]


def test_tab_newline_and_carriage_return_are_ordinary_text():
    adf = markdown_to_adf("a\tb\r\nc\n\n```\nx\ty\n```")
    assert adf["content"][0] == p(t("a\tb\nc"))
    assert adf["content"][1]["content"] == [t("x\ty")]


def test_reading_a_jira_text_with_a_control_character_still_works():
    adf = doc(p(t("log: \x1b[31mred")))
    assert "red" in adf_to_markdown(adf)
