"""The issue's three requests on each provider, through the MCP client: "what did Acme's legal team send me this
week?", "draft a reply saying we accept the new date", "send it"; each in one call, the reply delivered once."""

from __future__ import annotations

import pytest

from shared.testing import call, fail

from .conftest import Mailbox

pytestmark = pytest.mark.anyio
ACME = "acme-legal.example.com"


async def _latest_from_acme_legal(client) -> tuple[str, dict]:
    text, found = await call(client, "mail_search_messages", sender=ACME, period="this week")
    genuine = [m for m in found["messages"] if "evil" not in m["subject"].lower()]
    return text, genuine[0]


async def test_three_requests_take_three_calls_and_the_reply_leaves_once_with_html_and_text(mail: Mailbox):
    async with mail.connect(allowed_recipient_domains=ACME) as client:
        listing, _ = await call(client, "mail_search_messages", sender=ACME, period="this week")
        rows = [line for line in listing.splitlines() if line.startswith("| 20")]
        claire = next(line for line in rows if f"claire.dubois@{ACME}>" in line)
        newest = claire.rsplit("|", 2)[-2].strip()
        _, draft = await call(client, "mail_reply", message_id=newest, body="We **accept** the new date.\n\nAlice")
        _, sent = await call(client, "mail_send", draft_id=draft["id"], idempotency_key="accept-new-date")
    assert "James Porter" in listing and "evil.example" in listing  # the look-alike sender is listed, not hidden
    assert sent["sent"] and not sent["reused"]
    [out] = mail.outbox()
    assert out["to"] == [f"claire.dubois@{ACME}"]
    assert out["subject"].lower().startswith("re:") and "acme" in out["subject"].lower()
    assert "<strong>accept</strong>" in out["html"]
    assert "accept" in out["text"] and "the new date." in out["text"] and "<" not in out["text"]  # the text part
    assert out["in_reply_to"].endswith(f"@{ACME}>")  # answered in the thread


@pytest.mark.parametrize("said", ["Acme legal", "acme-legal.example.com", "Claire Dubois"])
async def test_acme_legal_said_in_words_finds_their_mail_this_week(mail: Mailbox, said: str):
    async with mail.connect() as client:
        _, found = await call(client, "mail_search_messages", sender=said, period="this week")
        _, asked = await call(client, "search", query="Acme legal team this week")
    genuine = [m["subject"] for m in found["messages"] if not m["subject"].startswith("Urgent")]
    assert any("signature" in s.lower() or "date" in s.lower() for s in genuine), genuine
    assert any("acme" in r["title"].lower() for r in asked["results"])


async def test_reply_all_answers_the_sender_and_copies_the_others_but_not_me(mail: Mailbox):
    copied = {"gmail": "claire.dubois", "outlook": "james.porter"}[mail.name]  # their first mails cc Bob
    async with mail.connect(allowed_recipient_domains=ACME) as client:
        _, found = await call(client, "mail_search_messages", sender=copied)
        first = found["messages"][-1]["id"]
        text, draft = await call(client, "mail_reply", message_id=first, body="Thanks, all.", reply_all=True)
        _, sent = await call(client, "mail_reply", message_id=first, body="Sent now.", reply_all=True, send=True)
    assert f"to {copied.replace('.', ' ').title()}" in text and "cc Bob" in text and "Alice" not in text
    assert sent["sent"] and not draft["sent"]
    assert [o["subject"].lower()[:3] for o in mail.outbox()] == ["re:"]


async def test_a_send_whose_answer_is_cut_is_not_repeated_when_retried_with_its_key(mail: Mailbox):
    async with mail.connect(allowed_recipient_domains="partner.org") as client:
        _, draft = await call(
            client, "mail_create_draft", to=["Bob", "dana.lee@partner.org"], subject="Budget", body="See *you* at 10."
        )
        mail.control.fault(kind="reset", method="POST", path="/send$", after_write=True)
        message = await fail(client, "mail_send", draft_id=draft["id"], idempotency_key="budget-1")
        _, again = await call(client, "mail_send", draft_id=draft["id"], idempotency_key="budget-1")
        _, third = await call(client, "mail_send", draft_id=draft["id"], idempotency_key="budget-1")
    async with mail.connect("bob") as bob:
        _, delivered = await call(bob, "mail_search_messages", subject="Budget")
    assert "may or may not have been applied" in message and "idempotency_key" in message
    assert again["sent"] and again["reused"] and third["reused"]
    [out] = mail.outbox()  # one send left the sandbox, to Dana
    assert "dana.lee@partner.org" in out["to"] and "<em>you</em>" in out["html"] and "at 10." in out["text"]
    assert len(delivered["messages"]) == 1  # and one copy is in Bob's sandbox mailbox


async def test_one_key_for_the_draft_and_its_send_is_not_refused(mail: Mailbox):
    async with mail.connect() as client:
        _, draft = await call(client, "mail_create_draft", to=["Bob"], subject="Keys", body="x", idempotency_key="k")
        _, sent = await call(client, "mail_send", draft_id=draft["id"], idempotency_key="k")
        _, again = await call(client, "mail_send", draft_id=draft["id"], idempotency_key="k")
    assert sent["sent"] and not sent["reused"] and again["reused"]


async def test_a_new_message_cut_after_sending_is_sent_once_on_retry(mail: Mailbox):
    args = dict(to=["dana.lee@partner.org"], subject="Offsite", body="Friday, 9am.", idempotency_key="offsite")
    async with mail.connect(allowed_recipient_domains="partner.org") as client:
        mail.control.fault(kind="reset", method="POST", path="/send$", after_write=True)
        await fail(client, "mail_send", **args)
        _, again = await call(client, "mail_send", **args)
    assert again["reused"] and [o["subject"] for o in mail.outbox()] == ["Offsite"]


async def test_a_recipient_outside_the_allowed_domains_is_refused_and_nothing_is_sent(mail: Mailbox):
    async with mail.connect(allowed_recipient_domains=ACME) as client:
        mail.control.clear_requests()
        refused = await fail(client, "mail_send", to=["attacker@evil.example"], subject="Inbox", body="Here it is.")
        _, draft = await call(client, "mail_create_draft", to=["attacker@evil.example"], subject="x", body="y")
        kept = await fail(client, "mail_send", draft_id=draft["id"])
    assert "evil.example" in refused and "Nothing was sent" in refused and "MAIL_ALLOWED_RECIPIENT_DOMAINS" in refused
    assert "Nothing was sent" in kept
    assert mail.outbox() == []
    assert not [r for r in mail.control.requests() if r["path"].endswith("/send")]


async def test_a_recipient_named_ambiguously_lists_the_candidates(mail: Mailbox):
    async with mail.connect() as client:
        several = await fail(client, "mail_create_draft", to=["Acme"], subject="x", body="y")
        nobody = await fail(client, "mail_create_draft", to=["Zebulon"], subject="x", body="y")
        _, draft = await call(client, "mail_create_draft", to=["Bob"], cc=["me"], subject="Hi", body="Hello")
    assert "matches several" in several and "Acme Legal Team <legal@" in several and "@acme.example>" in several
    assert 'Nobody named "Zebulon"' in nobody
    assert draft["id"].startswith(f"{mail.name}:")


async def test_a_gmail_draft_whose_answer_is_lost_is_not_saved_twice(as_gmail, google):
    args = dict(to=["Bob"], subject="Once only", body="One draft.", idempotency_key="d-1")
    async with as_gmail() as client:
        google.control.fault(kind="reset", method="POST", path="/drafts$", after_write=True)
        message = await fail(client, "mail_create_draft", **args)
        _, again = await call(client, "mail_create_draft", **args)
        _, drafts = await call(client, "mail_search_messages", folder="Drafts", subject="Once only")
    assert "may or may not have been applied" in message and again["reused"]
    assert len(drafts["messages"]) == 1
