"""Sending and drafts: SENT copies, delivery to sandbox mailboxes, the outbox of external mail, reply threading."""

from __future__ import annotations

import base64
import io
from typing import Any

import httpx
import pytest
from googleapiclient.errors import HttpError
from googleapiclient.http import MediaIoBaseUpload

from sandbox.google.gmail.testing import assert_valid, gmail_service, rfc822
from sandbox.google.testing import GoogleUnderTest

from .conftest import ALICE_TOKEN, BOB_TOKEN

HTML = "<p>Hello <b>Bob</b>, see <a href='https://acme.example/contract'>the contract</a>.</p>"


@pytest.fixture()
def alice(fresh: GoogleUnderTest) -> Any:
    return gmail_service(fresh.url, ALICE_TOKEN)


@pytest.fixture()
def bob(fresh: GoogleUnderTest) -> Any:
    return gmail_service(fresh.url, BOB_TOKEN)


def encoded(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode()


def outbox(site: GoogleUnderTest) -> list[dict]:
    return httpx.get(site.url + "/__sandbox/google/gmail/outbox").json()["messages"]


def find(mail: Any, q: str) -> list[dict]:
    return mail.users().messages().list(userId="me", q=q).execute().get("messages", [])


def raw_of(mail: Any, message_id: str) -> bytes:
    raw = mail.users().messages().get(userId="me", id=message_id, format="raw").execute()["raw"]
    return base64.urlsafe_b64decode(raw)


def test_a_send_lands_once_in_sent_and_once_in_the_recipients_inbox_with_both_parts(
    fresh: GoogleUnderTest, alice: Any, bob: Any
) -> None:
    raw = rfc822(
        "alice@example.com", "Bob Nguyen <bob@example.com>", "Contract v4", "Hello Bob, see the contract.", html=HTML
    )
    sent = alice.users().messages().send(userId="me", body={"raw": encoded(raw)}).execute()
    assert_valid("gmail.users.messages.send", sent)
    assert sent["labelIds"] == ["SENT"]
    assert [m["id"] for m in find(alice, "in:sent subject:(Contract v4)")] == [sent["id"]]
    received = find(bob, "subject:(Contract v4)")
    assert len(received) == 1
    message = bob.users().messages().get(userId="me", id=received[0]["id"]).execute()
    assert {"INBOX", "UNREAD"} <= set(message["labelIds"])
    parts = {p["mimeType"]: base64.urlsafe_b64decode(p["body"]["data"]) for p in message["payload"]["parts"]}
    assert parts["text/html"].decode().strip() == HTML and b"Hello Bob" in parts["text/plain"]
    [record] = outbox(fresh)
    assert record["deliveredTo"] == ["bob@example.com"] and record["external"] == []
    assert record["html"].strip() == HTML and record["sentMessageId"] == sent["id"]


def test_external_recipients_go_to_the_outbox_and_from_is_always_the_sender(
    fresh: GoogleUnderTest, alice: Any, bob: Any
) -> None:
    raw = rfc822(
        "ceo@example.com", "carol@partner.org", "Partner update", "Hi Carol", headers={"Bcc": "bob@example.com"}
    )
    media = MediaIoBaseUpload(io.BytesIO(raw), mimetype="message/rfc822")
    sent = alice.users().messages().send(userId="me", media_body=media).execute()
    [record] = outbox(fresh)
    assert record["external"] == ["carol@partner.org"] and record["deliveredTo"] == ["bob@example.com"]
    assert record["from"] == "alice@example.com" and "alice@example.com" in raw_of(alice, sent["id"]).decode()
    assert b"ceo@example.com" not in raw_of(alice, sent["id"])
    [copy] = find(bob, "subject:(Partner update)")
    assert b"Bcc:" not in raw_of(bob, copy["id"]) and b"Bcc:" in raw_of(alice, sent["id"])


def test_replies_thread_by_in_reply_to_and_references_in_both_mailboxes(alice: Any, bob: Any) -> None:
    first = (
        alice.users()
        .messages()
        .send(userId="me", body={"raw": encoded(rfc822("alice@example.com", "bob@example.com", "Budget", "Numbers?"))})
        .execute()
    )
    [received] = find(bob, "subject:Budget")
    original_id = next(
        h["value"]
        for h in bob.users()
        .messages()
        .get(userId="me", id=received["id"], format="metadata")
        .execute()["payload"]["headers"]
        if h["name"].lower() == "message-id"
    )
    reply_raw = rfc822(
        "bob@example.com",
        "alice@example.com",
        "Re: Budget",
        "Here they are.",
        headers={"In-Reply-To": original_id, "References": original_id},
    )
    reply = (
        bob.users()
        .messages()
        .send(userId="me", body={"raw": encoded(reply_raw), "threadId": received["threadId"]})
        .execute()
    )
    assert reply["threadId"] == received["threadId"]
    in_alice = find(alice, "subject:Budget")
    assert {m["threadId"] for m in in_alice} == {first["threadId"]} and len(in_alice) == 2
    thread = alice.users().threads().get(userId="me", id=first["threadId"], format="metadata").execute()
    headers = {h["name"]: h["value"] for h in thread["messages"][1]["payload"]["headers"]}
    assert headers["In-Reply-To"] == original_id and headers["References"] == original_id


def test_a_send_without_recipients_or_message_is_a_clear_400(alice: Any) -> None:
    with pytest.raises(HttpError) as no_rcpt:
        alice.users().messages().send(userId="me", body={"raw": encoded(b"Subject: hi\r\n\r\nbody")}).execute()
    assert no_rcpt.value.resp.status == 400 and "Recipient address required" in no_rcpt.value.content.decode()
    with pytest.raises(HttpError) as no_raw:
        alice.users().messages().send(userId="me", body={}).execute()
    assert no_raw.value.resp.status == 400 and "'raw'" in no_raw.value.content.decode()


def test_draft_lifecycle_create_list_get_update_send_once(fresh: GoogleUnderTest, alice: Any, bob: Any) -> None:
    seeded = alice.users().drafts().list(userId="me").execute()
    assert_valid("gmail.users.drafts.list", seeded)
    assert seeded["resultSizeEstimate"] == 1
    draft = (
        alice.users()
        .drafts()
        .create(
            userId="me",
            body={"message": {"raw": encoded(rfc822("alice@example.com", "bob@example.com", "Plan", "v1"))}},
        )
        .execute()
    )
    assert_valid("gmail.users.drafts.create", draft)
    assert draft["message"]["labelIds"] == ["DRAFT"]
    updated = (
        alice.users()
        .drafts()
        .update(
            userId="me",
            id=draft["id"],
            body={"message": {"raw": encoded(rfc822("alice@example.com", "bob@example.com", "Plan", "v2"))}},
        )
        .execute()
    )
    got = alice.users().drafts().get(userId="me", id=draft["id"], format="raw").execute()
    assert_valid("gmail.users.drafts.get", got)
    assert got["message"]["id"] == updated["message"]["id"] != draft["message"]["id"]
    assert base64.urlsafe_b64decode(got["message"]["raw"]).rstrip().endswith(b"v2")
    assert alice.users().drafts().list(userId="me").execute()["resultSizeEstimate"] == 2
    sent = alice.users().drafts().send(userId="me", body={"id": draft["id"]}).execute()
    assert_valid("gmail.users.drafts.send", sent)
    assert sent["labelIds"] == ["SENT"] and len(find(bob, "subject:Plan")) == 1 and len(outbox(fresh)) == 1
    with pytest.raises(HttpError) as again:
        alice.users().drafts().send(userId="me", body={"id": draft["id"]}).execute()
    assert again.value.resp.status == 404 and len(outbox(fresh)) == 1
    assert find(alice, "in:drafts subject:Plan") == []


def test_drafts_by_upload_and_delete(alice: Any) -> None:
    media = MediaIoBaseUpload(
        io.BytesIO(rfc822("alice@example.com", "x@partner.org", "Uploaded", "hi")), mimetype="message/rfc822"
    )
    draft = alice.users().drafts().create(userId="me", body={}, media_body=media).execute()
    assert alice.users().drafts().get(userId="me", id=draft["id"]).execute()["message"]["snippet"] == "hi"
    assert alice.users().drafts().delete(userId="me", id=draft["id"]).execute() in ("", None)
    with pytest.raises(HttpError) as gone:
        alice.users().drafts().get(userId="me", id=draft["id"]).execute()
    assert gone.value.resp.status == 404


def test_mail_from_outside_is_delivered_through_the_control_api(fresh: GoogleUnderTest, alice: Any) -> None:
    answer = httpx.post(
        fresh.url + "/__sandbox/google/gmail/deliver",
        json={"to": "alice@example.com", "raw": "From: x@outside.example\nTo: alice@example.com\nSubject: Ping\n\nHi"},
    )
    assert answer.status_code == 200
    [found] = find(alice, "from:outside.example is:unread in:inbox")
    assert found["id"] == answer.json()["id"]
    bad = httpx.post(fresh.url + "/__sandbox/google/gmail/deliver", json={"to": "nobody@example.com", "raw": "x"})
    assert bad.status_code == 400 and "sandbox mailbox" in bad.json()["error"]


def test_resumable_uploads_send_in_chunks_and_the_session_belongs_to_its_owner(
    fresh: GoogleUnderTest, alice: Any, bob: Any
) -> None:
    raw = rfc822("alice@example.com", "bob@example.com", "Chunked", "z" * 5000)
    media = MediaIoBaseUpload(io.BytesIO(raw), mimetype="message/rfc822", chunksize=2048, resumable=True)
    request = alice.users().messages().send(userId="me", body={}, media_body=media)
    status, done = request.next_chunk()
    assert done is None and 0 < status.progress() < 1
    stolen = httpx.put(request.resumable_uri, content=b"x", headers={"Authorization": f"Bearer {BOB_TOKEN}"})
    assert stolen.status_code == 404
    while done is None:
        status, done = request.next_chunk()
    assert done["labelIds"] == ["SENT"] and len(outbox(fresh)) == 1
    [copy] = find(bob, "subject:Chunked")
    assert raw_of(bob, copy["id"]).endswith(raw.partition(b"\r\n\r\n")[2])  # the whole body arrived


def test_a_draft_that_cannot_be_sent_stays_a_draft(fresh: GoogleUnderTest, alice: Any) -> None:
    draft = (
        alice.users()
        .drafts()
        .create(userId="me", body={"message": {"raw": encoded(b"Subject: x\r\n\r\nno one")}})
        .execute()
    )
    with pytest.raises(HttpError) as caught:
        alice.users().drafts().send(userId="me", body={"id": draft["id"]}).execute()
    assert caught.value.resp.status == 400 and outbox(fresh) == []
    assert alice.users().drafts().get(userId="me", id=draft["id"]).execute()["id"] == draft["id"]
