"""The scenarios of the issue, end to end over Streamable HTTP against the sandbox."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from mcp import Client

from sandbox.atlassian.users import user
from shared.testing import call, fail

pytestmark = pytest.mark.anyio


async def test_create_bug_assign_paul_current_sprint_in_one_call(jira_url, upstream):
    """ "Crée un ticket Jira pour ce bug, assigne-le à Paul et ajoute-le au sprint en cours"."""
    async with Client(jira_url) as jira:
        text, data = await call(
            jira,
            "jira_create_issue",
            project="SHOP",
            issue_type="Bug",
            summary="Le paiement échoue avec Visa",
            description="## Étapes\n\n1. Ajouter au panier\n2. Payer avec **Visa**",
            assignee="Paul",
            sprint="current",
        )
    key = data["key"]
    assert data["url"] == f"{upstream.url}/browse/{key}"
    stored = next(i for i in upstream.site.store.issues.values() if i.key == key)
    active = [s for s in upstream.site.store.sprints.values() if s.state == "active" and s.board_id == 1]
    assert stored.assignee == user("paul.martin").account_id  # the one Paul who can be assigned in SHOP
    assert stored.sprint_ids == [active[0].id]
    assert "Paul Martin" in text and active[0].name in text


async def test_warm_create_costs_one_upstream_request(jira, upstream):
    args = dict(project="SHOP", issue_type="Bug", description="Steps", assignee="Paul", sprint="current")
    await call(jira, "jira_create_issue", summary="first", **args)  # warms the caches
    upstream.control.clear_requests()
    await call(jira, "jira_create_issue", summary="second", **args)
    sent = upstream.requests()
    assert [(r["method"], r["path"]) for r in sent] == [("POST", "/rest/api/3/issue")]


async def test_ambiguous_person_lists_the_candidates_and_writes_nothing(jira, upstream):
    error = await fail(jira, "jira_create_issue", project="OPS", summary="Rotate keys", assignee="Pa")
    assert "Paul Martin" in error and "Pauline Durand" in error
    assert not upstream.requests("POST")


async def test_a_whole_first_name_wins_over_a_longer_name_that_begins_with_it(jira, upstream):
    """In OPS both can be assigned: "Paul" is Paul Martin, never Pauline Durand."""
    text, _ = await call(jira, "jira_create_issue", project="OPS", summary="Rotate keys", assignee="Paul", dry_run=True)
    assert "Paul Martin" in text and "Pauline" not in text


async def test_a_prefix_alone_is_never_taken_silently(jira, upstream):
    """In MOB only Pauline Durand can be assigned: "Paul" is asked about, naming who cannot be assigned there."""
    error = await fail(jira, "jira_create_issue", project="MOB", summary="Fix login", assignee="Paul")
    assert "Pauline Durand" in error and "Paul Martin" in error and "cannot be assigned in MOB" in error
    assert not upstream.requests("POST")


async def test_a_misspelt_name_gets_a_suggestion(jira, upstream):
    error = await fail(jira, "jira_create_issue", project="SHOP", summary="x", assignee="Pual")
    assert "Did you mean" in error and "Paul Martin" in error


async def test_unknown_person_says_so(jira, upstream):
    error = await fail(jira, "jira_create_issue", project="SHOP", summary="x", assignee="Zebulon")
    assert "Nobody matching" in error and "Zebulon" in error


async def test_blockers_unchanged_for_48_hours(jira, upstream):
    """ "Si un ticket est bloquant depuis plus de 48h…": Blocker priority, flagged, or blocked by a link."""
    text, data = await call(jira, "jira_search_issues", project="SHOP", blockers=True, unchanged_for="48h", limit=100)
    store, now = upstream.site.store, datetime.now(UTC)
    blocked_ids = {  # blocked by an issue still open: a Done blocker blocks nothing
        link.inward_id
        for link in store.links.values()
        if link.type_id == "10000" and store.issues[link.outward_id].status.category != "done"
    }
    blockers = [
        i
        for i in store.issues.values()
        if i.project_key == "SHOP"
        and i.status.category != "done"
        and (i.priority_id == "10000" or i.flagged or i.id in blocked_ids)
    ]

    def last_change(issue):
        moves = [h.created for h in issue.histories if any(item.field == "status" for item in h.items)]
        return max(moves, default=issue.created)

    stale = {
        i.key for i in blockers if last_change(i) < now - timedelta(hours=48) and i.created < now - timedelta(hours=48)
    }
    fresh = {i.key for i in blockers if last_change(i) > now - timedelta(hours=48)}
    assert len(stale) >= 3 and len(fresh) >= 3  # the seed has both kinds, of each blocker sort
    assert set(data["keys"]) == stale


async def test_search_result_is_a_compact_table_with_urls(jira, upstream):
    text, data = await call(jira, "jira_search_issues", project="SHOP", limit=20)
    assert len(data["keys"]) == 20
    assert text.count(f"{upstream.url}/browse/") == 20
    assert "| Key | Summary | Status | Assignee | Priority | Updated |" in text
    assert len(text.encode()) < 5_000  # 20 issues, all the columns a person needs
