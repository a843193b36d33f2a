"""Jira's rule declarations: a condition is jira_search_issues' own words, and a dry run finds what it finds."""

from __future__ import annotations

import pytest

from shared.testing import call, fail

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(
    "condition",
    [
        {"project": "SHOP", "blockers": True, "unchanged_for": "48h"},
        {"project": "Webshop", "assignee": "me", "sprint": "current"},
        {"project": "SHOP", "status": "In Progress", "updated": "cette semaine"},
        {"jql": "project = MOB AND priority = High"},
    ],
)
async def test_a_dry_run_matches_what_jira_search_issues_finds_for_the_same_words(jira, upstream, condition):
    _, found = await call(jira, "jira_search_issues", **condition, limit=100)
    text, data = await call(jira, "jira_create_rule", condition=condition, actions=["follow_up"], dry_run=True)
    assert data == {"id": ""} and "nothing saved" in text
    assert all(f"[{key}]" in text for key in found["keys"][:20])
    if not found["keys"]:
        assert "Nothing matches now" in text


async def test_a_condition_is_checked_before_anything_is_saved(jira, upstream):
    text = await fail(jira, "jira_create_rule", condition={"project": "SHOP", "assignee": "Nobody Atall"})
    assert "Nobody Atall" in text
    text = await fail(jira, "jira_create_rule", condition={"project": "SHOP", "blockers": "yes"})
    assert "condition.blockers must be true or false" in text
    text = await fail(jira, "jira_create_rule", condition={})
    assert "condition is empty" in text
