"""Additive writes with an idempotency_key happen once: a retry, even after a lost answer, returns the first one."""

from __future__ import annotations

import pytest

from shared.testing import call, fail

pytestmark = pytest.mark.anyio

LOST = dict(kind="reset", after_write=True)  # the write is applied, then the connection is cut
FAILED_AFTER = dict(kind="status", status=500, after_write=True)  # applied, then Jira answers 500


def comments(upstream, key: str) -> list:
    return next(i for i in upstream.site.store.issues.values() if i.key == key).comments


def links_between(upstream, a: str, b: str) -> int:
    store = upstream.site.store
    ids = {i.id for i in store.issues.values() if i.key in (a, b)}
    return len([link for link in store.links.values() if {link.inward_id, link.outward_id} == ids])


async def test_the_same_comment_key_twice_is_one_comment(jira, upstream):
    before = len(comments(upstream, "SHOP-3"))
    args = dict(key="SHOP-3", body="Deployed to *staging*", idempotency_key="c-1")
    _, first = await call(jira, "jira_add_comment", **args)
    text, again = await call(jira, "jira_add_comment", **args)
    assert again["url"] == first["url"] and "Already commented" in text
    assert len(comments(upstream, "SHOP-3")) == before + 1
    error = await fail(jira, "jira_add_comment", key="SHOP-3", body="Something else", idempotency_key="c-1")
    assert "different request" in error


async def test_a_comment_whose_answer_was_lost_is_found_not_written_again(jira, upstream):
    before = len(comments(upstream, "SHOP-3"))
    upstream.control.fault(**LOST, method="POST", path="/issue/SHOP-3/comment", times=1)
    error = await fail(jira, "jira_add_comment", key="SHOP-3", body="Rolled back", idempotency_key="c-2")
    assert "may or may not have been applied" in error
    assert len(comments(upstream, "SHOP-3")) == before + 1
    text, data = await call(jira, "jira_add_comment", key="SHOP-3", body="Rolled back", idempotency_key="c-2")
    assert "Already commented" in text and len(comments(upstream, "SHOP-3")) == before + 1
    assert f"focusedCommentId={comments(upstream, 'SHOP-3')[-1].id}" in data["url"]


async def test_a_comment_that_failed_with_500_after_writing_is_not_written_again(jira, upstream):
    before = len(comments(upstream, "SHOP-3"))
    upstream.control.fault(**FAILED_AFTER, method="POST", path="/issue/SHOP-3/comment", times=1)
    await fail(jira, "jira_add_comment", key="SHOP-3", body="Hotfix shipped", idempotency_key="c-3")
    text, _ = await call(jira, "jira_add_comment", key="SHOP-3", body="Hotfix shipped", idempotency_key="c-3")
    assert len(comments(upstream, "SHOP-3")) == before + 1


async def test_the_same_link_key_twice_is_one_link(jira, upstream):
    _, a = await call(jira, "jira_create_issue", project="SHOP", summary="A")
    _, b = await call(jira, "jira_create_issue", project="SHOP", summary="B")
    args = dict(key=a["key"], link="blocks", other_key=b["key"], idempotency_key="l-1")
    await call(jira, "jira_link_issues", **args)
    text, _ = await call(jira, "jira_link_issues", **args)
    assert "Already linked" in text and links_between(upstream, a["key"], b["key"]) == 1


@pytest.mark.parametrize("fault", [LOST, FAILED_AFTER], ids=["connection cut", "500 after the write"])
async def test_a_link_whose_answer_was_lost_is_found_not_written_again(jira, upstream, fault):
    _, a = await call(jira, "jira_create_issue", project="SHOP", summary="A")
    _, b = await call(jira, "jira_create_issue", project="SHOP", summary="B")
    args = dict(key=b["key"], link="is blocked by", other_key=a["key"], idempotency_key="l-2")
    upstream.control.fault(**fault, method="POST", path="/issueLink", times=1)
    await fail(jira, "jira_link_issues", **args)
    assert links_between(upstream, a["key"], b["key"]) == 1
    text, _ = await call(jira, "jira_link_issues", **args)
    assert links_between(upstream, a["key"], b["key"]) == 1
    text, _ = await call(jira, "jira_get_issue", key=b["key"], include=["links"])
    assert f"is blocked by [{a['key']}]" in text
