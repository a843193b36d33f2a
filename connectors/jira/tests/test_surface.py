"""What the Jira surface says about each tool. The rules every connector keeps (snapshots, hints, read-only
mode, toolsets, the size budget) are checked by the contract suite, tests/contract/."""

from __future__ import annotations

from shared.tools import Effect

from ..connector import TOOLS

WRITES = {"jira_create_issue", "jira_update_issue", "jira_transition_issue", "jira_add_comment", "jira_link_issues"}
RULE_WRITES = {"jira_create_rule", "jira_update_rule", "jira_delete_rule"}


def test_writes_are_the_five_write_tools_and_only_overwrites_are_destructive():
    assert {t.name for t in TOOLS if t.effect is not Effect.READ} == WRITES | RULE_WRITES
    changes = {"jira_update_issue", "jira_transition_issue", "jira_update_rule", "jira_delete_rule"}
    assert {t.name for t in TOOLS if t.effect is Effect.CHANGE} == changes
    assert not any(t.effect is Effect.SEND for t in TOOLS)  # nothing leaves the organisation
