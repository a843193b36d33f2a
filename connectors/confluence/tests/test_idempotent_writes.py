"""Additive writes with an idempotency_key happen once: a retry, even after a lost answer, returns the first one."""

from __future__ import annotations

import pytest

from shared.testing import call, fail

pytestmark = pytest.mark.anyio

LOST = dict(kind="reset", after_write=True)  # the write is applied, then the connection is cut
FAILED_AFTER = dict(kind="status", status=500, after_write=True)  # applied, then Confluence answers 500

FAULTS = [
    pytest.param(LOST, id="connection cut"),
    pytest.param(FAILED_AFTER, id="500 after the write"),
]


def comments_on(upstream, page_id) -> list:
    return [c for c in upstream.store.comments.values() if c.container_id == int(page_id)]


def pages_titled(upstream, title: str) -> list:
    return [c for c in upstream.store.contents.values() if c.title == title]


async def test_the_same_comment_key_twice_is_one_comment(confluence, upstream):
    pid = str(upstream.fixtures["macro_page"])
    before = len(comments_on(upstream, pid))
    args = dict(id=pid, body="Reviewed, **ship it**", idempotency_key="c-1")
    _, first = await call(confluence, "confluence_add_comment", **args)
    text, again = await call(confluence, "confluence_add_comment", **args)
    assert again["id"] == first["id"] and "Already commented" in text
    assert len(comments_on(upstream, pid)) == before + 1
    error = await fail(confluence, "confluence_add_comment", id=pid, body="Other", idempotency_key="c-1")
    assert "different request" in error


@pytest.mark.parametrize("fault", FAULTS)
async def test_a_comment_whose_answer_was_lost_is_found_not_written_again(confluence, upstream, fault):
    pid = str(upstream.fixtures["macro_page"])
    before = len(comments_on(upstream, pid))
    args = dict(id=pid, body="Numbers checked against the dashboard", idempotency_key="c-2")
    upstream.control.fault(**fault, method="POST", path="/footer-comments", times=1)
    await fail(confluence, "confluence_add_comment", **args)
    assert len(comments_on(upstream, pid)) == before + 1
    text, data = await call(confluence, "confluence_add_comment", **args)
    assert "Already commented" in text and len(comments_on(upstream, pid)) == before + 1
    assert data["id"] == str(max(c.id for c in comments_on(upstream, pid)))


async def test_a_reply_whose_answer_was_lost_is_found_not_written_again(confluence, upstream):
    pid = str(upstream.fixtures["macro_page"])
    _, top = await call(confluence, "confluence_add_comment", id=pid, body="Question?")
    args = dict(id=pid, body="Answer.", reply_to=top["id"], idempotency_key="r-1")
    upstream.control.fault(**LOST, method="POST", path="/footer-comments", times=1)
    await fail(confluence, "confluence_add_comment", **args)
    text, _ = await call(confluence, "confluence_add_comment", **args)
    assert "Already replied" in text
    replies = [c for c in upstream.store.comments.values() if c.parent_comment_id == int(top["id"])]
    assert len(replies) == 1


@pytest.mark.parametrize("fault", FAULTS)
async def test_a_keyed_create_retried_after_an_uncertain_outcome_returns_the_page_it_created(
    confluence, upstream, fault
):
    args = dict(space="ENG", title="Retry-safe runbook", body="Step one.", idempotency_key="p-1")
    await call(confluence, "confluence_list_spaces")  # warm the lookups: only the create meets the fault
    upstream.control.fault(**fault, method="POST", path="/api/v2/pages$", times=1)
    await fail(confluence, "confluence_create_page", **args)
    created = pages_titled(upstream, "Retry-safe runbook")
    assert len(created) == 1
    text, data = await call(confluence, "confluence_create_page", **args)
    assert "Already created" in text and "already exists" not in text
    assert data["id"] == str(created[0].id) and len(pages_titled(upstream, "Retry-safe runbook")) == 1
