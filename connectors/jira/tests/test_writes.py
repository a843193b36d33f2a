"""Writes: validated before sending, nothing half-applied, read back, idempotent on request."""

from __future__ import annotations

import pytest

from shared.testing import call, fail

pytestmark = pytest.mark.anyio


def stored(upstream, key):
    return next(i for i in upstream.site.store.issues.values() if i.key == key)


def issue_count(upstream) -> int:
    return len(upstream.site.store.issues)


async def test_unknown_project_names_close_matches(jira, upstream):
    error = await fail(jira, "jira_create_issue", project="SHPO", summary="x")
    assert 'Unknown project "SHPO"' in error and "SHOP" in error


async def test_unknown_issue_type_lists_known_ones(jira, upstream):
    error = await fail(jira, "jira_create_issue", project="SHOP", summary="x", issue_type="Bgu")
    assert "Bug" in error and "Unknown issue type" in error


async def test_unknown_field_names_close_matches(jira, upstream):
    error = await fail(jira, "jira_create_issue", project="SHOP", summary="x", fields={"Story point estimat": 3})
    assert "Story point estimate" in error


async def test_field_not_on_the_screen_is_refused_before_writing(jira, upstream):
    """Jira would silently drop Team on the SHOP Bug screen: we say so and write nothing."""
    before = issue_count(upstream)
    error = await fail(
        jira,
        "jira_create_issue",
        project="SHOP",
        issue_type="Bug",
        summary="x",
        description="d",
        fields={"Team": "Payments"},
    )
    assert "Team" in error and "not on this screen" in error and "Nothing was created" in error
    assert issue_count(upstream) == before and not upstream.requests("POST")


async def test_required_field_missing(jira, upstream):
    error = await fail(jira, "jira_create_issue", project="SHOP", issue_type="Bug", summary="No description")
    assert "required" in error and "Description" in error


async def test_bad_arguments_are_clear_errors(jira, upstream):
    error = await fail(jira, "jira_create_issue", project="SHOP", summary="x", labels=["two words"])
    assert "spaces" in error
    error = await fail(jira, "jira_create_issue", project="SHOP", summary="x", colour="red")
    assert "colour" in error  # unknown arguments are refused, not ignored
    error = await fail(jira, "jira_get_issue", key="not a key")
    assert "PROJ-123" in error


async def test_create_with_fields_by_display_name_and_markdown(jira, upstream):
    text, data = await call(
        jira,
        "jira_create_issue",
        project="SHOP",
        issue_type="Story",
        summary="Wishlist",
        description="# Goal\n\nA **wishlist** with [docs](https://example.com).",
        priority="High",
        labels=["wishlist"],
        fields={"Story point estimate": 5},
    )
    issue = stored(upstream, data["key"])
    assert issue.story_points == 5 and issue.labels == ["wishlist"]
    assert issue.description["content"][0]["type"] == "heading"
    _, got = await call(jira, "jira_get_issue", key=data["key"])
    text, _ = await call(jira, "jira_get_issue", key=data["key"])
    assert "A **wishlist** with [docs](https://example.com)." in text


async def test_idempotency_key_returns_the_first_issue(jira, upstream):
    args = dict(project="SHOP", summary="Only once", idempotency_key="req-42")
    before = issue_count(upstream)
    _, first = await call(jira, "jira_create_issue", **args)
    text, again = await call(jira, "jira_create_issue", **args)
    assert again["key"] == first["key"] and "Already created" in text
    assert issue_count(upstream) == before + 1
    error = await fail(jira, "jira_create_issue", project="SHOP", summary="Something else", idempotency_key="req-42")
    assert "different request" in error


async def test_dry_run_writes_nothing(jira, upstream):
    text, data = await call(jira, "jira_create_issue", project="SHOP", summary="Preview", assignee="Paul", dry_run=True)
    assert data["dry_run"] is True and '"summary": "Preview"' in text
    assert '"assignee": "Paul Martin"' in text and "accountId" not in text  # names, not account ids
    assert not upstream.requests("POST")


async def test_update_reassigns_moves_sprint_and_changes_labels(jira, upstream):
    _, data = await call(jira, "jira_create_issue", project="SHOP", summary="Move me", labels=["a"])
    key = data["key"]
    text, result = await call(
        jira, "jira_update_issue", key=key, assignee="Paul", sprint="next", add_labels=["b"], priority="Low"
    )
    issue = stored(upstream, key)
    future = [s for s in upstream.site.store.sprints.values() if s.state == "future" and s.board_id == 1]
    assert issue.assignee is not None and sorted(issue.labels) == ["a", "b"]
    assert issue.sprint_ids == [future[0].id]
    assert result["warnings"] == []


async def test_update_reports_what_jira_did_not_store(jira, upstream):
    """environment is not on the OPS Task edit screen: refused before writing, with the reason."""
    _, data = await call(jira, "jira_create_issue", project="OPS", summary="Patch servers")
    error = await fail(jira, "jira_update_issue", key=data["key"], fields={"Environment": "prod"})
    assert "not on this screen" in error and "Nothing was changed" in error


async def test_transition_with_comment_and_resolution(jira, upstream):
    _, data = await call(jira, "jira_create_issue", project="SHOP", summary="Finish me")
    text, result = await call(
        jira, "jira_transition_issue", key=data["key"], status="done", comment="Shipped in *1.2*", resolution="Done"
    )
    issue = stored(upstream, data["key"])
    assert issue.status.name == "Done" and result["status"] == "Done"
    assert issue.comments and "Shipped" in str(issue.comments[-1].body)
    error = await fail(jira, "jira_transition_issue", key=data["key"], status="Teleported")
    assert 'cannot move to "Teleported"' in error and "Statuses it can move to:" in error


async def test_comment_and_link(jira, upstream):
    _, a = await call(jira, "jira_create_issue", project="SHOP", summary="A")
    _, b = await call(jira, "jira_create_issue", project="SHOP", summary="B")
    text, c = await call(jira, "jira_add_comment", key=a["key"], body="Looks good to [@Paul Martin](mention:x)")
    assert "focusedCommentId" in c["url"]
    await call(jira, "jira_link_issues", key=a["key"], link="blocks", other_key=b["key"])
    text, _ = await call(jira, "jira_get_issue", key=b["key"], include=["links"])
    assert f"is blocked by [{a['key']}]" in text
    error = await fail(jira, "jira_link_issues", key=a["key"], link="eats", other_key=b["key"])
    assert "blocks" in error
