"""No raw search markup in any output: Confluence's @@@hl@@@ highlight markers never reach the model."""

from __future__ import annotations

import json

import pytest

pytestmark = pytest.mark.anyio

CALLS = [
    ("search", {"query": "checkout design"}),
    ("confluence_search_pages", {"query": "checkout design"}),
    ("confluence_search_pages", {"cql": 'title ~ "checkout"'}),
    ("confluence_get_changes", {"since": "30d"}),
    ("confluence_find_decisions", {"project": "Webshop", "period": "this week"}),
]


@pytest.mark.parametrize("tool, args", CALLS, ids=[f"{t}-{i}" for i, (t, _) in enumerate(CALLS)])
async def test_titles_and_excerpts_carry_no_highlight_markers(confluence, upstream, tool, args):
    result = await confluence.call_tool(tool, args)
    assert not result.is_error, result.content[0].text
    everything = result.content[0].text + json.dumps(result.structured_content, ensure_ascii=False)
    assert "checkout" in everything.lower() or tool == "confluence_find_decisions"
    assert "@@@" not in everything and "hl@@@" not in everything
