"""What the Confluence surface says about each tool. The rules every connector keeps (snapshots, hints,
read-only mode, toolsets, the size budget) are checked by the contract suite, tests/contract/."""

from __future__ import annotations

from shared.tools import Effect

from ..connector import TOOLS

WRITES = {"confluence_create_page", "confluence_update_page", "confluence_add_comment"}


def test_writes_are_the_three_write_tools_and_only_the_update_is_destructive():
    assert {t.name for t in TOOLS if t.effect is not Effect.READ} == WRITES
    assert {t.name for t in TOOLS if t.effect is Effect.CHANGE} == {"confluence_update_page"}
    assert not any(t.effect is Effect.SEND for t in TOOLS)
