"""Upstream faults on each provider: retried where safe, reported clearly where not; nothing sent twice."""

from __future__ import annotations

import pytest

from shared import metrics
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


async def test_gmail_quota_units_spent_mid_search_are_waited_out(as_gmail, google):
    """Gmail meters quota units per user (a messages.get costs 5): a search reading 40 messages at 60 units a
    second runs past the budget, meets Gmail's 429 and still answers within the call."""
    google.control.http.post(f"{google.url}/__sandbox/google/gmail/config", json={"units_per_second": 60}, timeout=10)
    try:
        async with as_gmail() as client:
            google.control.clear_requests()
            _, found = await call(client, "mail_search_messages", sender="ci@builds.example.com", limit=40)
    finally:
        google.control.http.post(f"{google.url}/__sandbox/google/gmail/config", json={"units_per_second": 250})
    assert len(found["messages"]) == 40
    assert 429 in {r["status"] for r in google.control.requests()}


async def test_outlooks_four_requests_per_mailbox_limit_is_waited_out(as_outlook, tenant):
    """Exchange lets an application have 4 requests in flight per mailbox; over that it answers 429 with
    Retry-After. Two calls at once with room for one: both answer."""
    import anyio

    config = f"{tenant.url}/__sandbox/mail/config"
    tenant.control.http.post(config, json={"concurrency": 1, "handling_ms": 300}, timeout=10).raise_for_status()
    results: list[dict] = []
    retried = metrics.RETRIES.labels(upstream="Outlook", reason="429")
    before = retried._value.get()
    async with as_outlook() as client:

        async def one(words: str) -> None:
            results.append((await call(client, "mail_search_messages", words=words))[1])

        async with anyio.create_task_group() as group:
            group.start_soon(one, "Phoenix")
            group.start_soon(one, "forecast")
    assert len(results) == 2 and all(r["messages"] for r in results)
    assert retried._value.get() > before  # the limiter's 429 was met and waited out (it answers before the log)


@pytest.mark.parametrize("kind", ["malformed", "reset", "status"])
async def test_a_gmail_batch_that_fails_is_read_again_message_by_message(as_gmail, google, kind: str):
    async with as_gmail() as client:
        _, expected = await call(client, "mail_search_messages", sender="claire.dubois@acme-legal.example.com")
        google.control.fault(kind=kind, status=503, method="POST", path="^/batch", times=5)
        _, found = await call(client, "mail_search_messages", sender="claire.dubois@acme-legal.example.com")
    assert found == expected and len(found["messages"]) == 2


async def test_gmail_reads_failing_in_parallel_are_reported_as_one_clear_error(as_gmail, google):
    async with as_gmail() as client:
        google.control.fault(kind="status", status=503, method="POST", path="^/batch", times=20)
        google.control.fault(kind="status", status=503, method="GET", path="/messages/[0-9a-f]+$", times=200)
        message = await fail(client, "mail_search_messages", sender="claire.dubois@acme-legal.example.com")
    assert ("having trouble" in message or "failing repeatedly" in message) and "Internal error" not in message
