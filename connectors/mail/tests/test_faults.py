"""Upstream faults on each provider: retried where safe, reported clearly where not; nothing sent twice."""

from __future__ import annotations

import pytest

from shared.testing import call, fail

from .conftest import Mailbox

pytestmark = pytest.mark.anyio
LIST = "/messages$"  # Gmail's messages.list, Graph's /me/messages
SEARCH = dict(sender="claire.dubois@acme-legal.example.com")


def statuses(mail: Mailbox) -> list[int]:
    return [r["status"] for r in mail.control.requests() if r["path"].endswith("/messages")]


async def test_a_throttled_read_is_waited_out_inside_the_call(mail: Mailbox):
    async with mail.connect() as client:
        mail.control.clear_requests()
        mail.control.fault(kind="rate_limit", method="GET", path=LIST, times=2, retry_after=1)
        _, found = await call(client, "mail_search_messages", **SEARCH)
    assert found["messages"] and statuses(mail)[:3] == [429, 429, 200]


async def test_a_long_retry_after_is_handed_back_with_the_wait(mail: Mailbox):
    async with mail.connect() as client:
        mail.control.fault(kind="rate_limit", method="GET", path=LIST, times=10, retry_after=120)
        message = await fail(client, "mail_search_messages", **SEARCH)
    assert "rate limit" in message.lower() and "Traceback" not in message


async def test_a_5xx_on_a_read_is_retried(mail: Mailbox):
    async with mail.connect() as client:
        mail.control.clear_requests()
        mail.control.fault(kind="status", status=503, method="GET", path=LIST, times=2)
        _, found = await call(client, "mail_search_messages", **SEARCH)
    assert found["messages"] and statuses(mail)[:3] == [503, 503, 200]


async def test_a_reset_connection_on_a_read_is_retried(mail: Mailbox):
    async with mail.connect() as client:
        mail.control.fault(kind="reset", method="GET", path=LIST, times=1)
        _, found = await call(client, "mail_search_messages", **SEARCH)
    assert found["messages"]


async def test_a_read_that_never_answers_is_retried_then_reported(mail: Mailbox):
    async with mail.connect(http_timeout_seconds=0.3) as client:
        mail.control.fault(kind="timeout", method="GET", path=LIST, times=10, delay_ms=2000)
        message = await fail(client, "mail_search_messages", **SEARCH)
    assert "did not answer" in message and "Traceback" not in message


async def test_a_malformed_answer_is_reported_as_unreadable(mail: Mailbox):
    async with mail.connect() as client:
        mail.control.fault(kind="malformed", method="GET", path=LIST, times=10)
        message = await fail(client, "mail_search_messages", **SEARCH)
    assert "unreadable" in message and "Traceback" not in message and "Internal error" not in message


async def test_a_5xx_on_a_send_is_reported_as_maybe_sent_and_never_replayed(mail: Mailbox):
    async with mail.connect() as client:
        _, draft = await call(client, "mail_create_draft", to=["Bob"], subject="Once", body="Only once.")
        mail.control.clear_requests()
        mail.control.fault(kind="status", status=503, method="POST", path="/send$", times=1, after_write=True)
        message = await fail(client, "mail_send", draft_id=draft["id"])
    sends = [r for r in mail.control.requests() if r["path"].endswith("/send")]
    assert "may or may not have been applied" in message and len(sends) == 1
