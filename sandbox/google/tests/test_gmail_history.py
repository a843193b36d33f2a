"""history.list: increasing, gapped ids; types and label filters; paging; 404 once a start id is out of retention."""

from __future__ import annotations

import base64
import time
from typing import Any

import httpx
import pytest
from googleapiclient.errors import HttpError

from sandbox.google.gmail.testing import assert_valid, gmail_service, oauth_token, rfc822
from sandbox.google.testing import GoogleUnderTest

from .conftest import ALICE_TOKEN, BOB_TOKEN


@pytest.fixture()
def alice(fresh: GoogleUnderTest) -> Any:
    return gmail_service(fresh.url, ALICE_TOKEN)


def start(mail: Any) -> str:
    return mail.users().getProfile(userId="me").execute()["historyId"]


def history(mail: Any, start_id: str, **extra: Any) -> dict:
    return mail.users().history().list(userId="me", startHistoryId=start_id, **extra).execute()


def office_move(mail: Any) -> dict:
    return mail.users().messages().list(userId="me", q="subject:(Office move)").execute()["messages"][0]


def test_every_change_after_the_start_is_listed_once_in_increasing_gapped_order(alice: Any) -> None:
    begin = start(alice)
    assert history(alice, begin) == {"historyId": begin}
    ref = office_move(alice)
    alice.users().messages().modify(userId="me", id=ref["id"], body={"addLabelIds": ["UNREAD"]}).execute()
    alice.users().messages().modify(userId="me", id=ref["id"], body={"removeLabelIds": ["UNREAD"]}).execute()
    sent = (
        alice.users()
        .messages()
        .send(
            userId="me", body={"raw": base64.urlsafe_b64encode(rfc822("a@x", "carol@partner.org", "s", "t")).decode()}
        )
        .execute()
    )
    answer = history(alice, begin)
    assert_valid("gmail.users.history.list", answer)
    records = answer["history"]
    ids = [int(r["id"]) for r in records]
    assert ids == sorted(ids) and len(set(ids)) == 3 and int(begin) < ids[0]
    assert any(b - a > 1 for a, b in zip([int(begin), *ids], ids, strict=False))  # gaps, as at Gmail
    assert records[0]["labelsAdded"][0]["labelIds"] == ["UNREAD"]
    assert records[1]["labelsRemoved"][0]["message"]["id"] == ref["id"]
    assert records[2]["messagesAdded"][0]["message"] == {
        "id": sent["id"],
        "threadId": sent["threadId"],
        "labelIds": ["SENT"],
    }
    assert answer["historyId"] == start(alice) == str(ids[-1])
    message = alice.users().messages().get(userId="me", id=sent["id"], format="minimal").execute()
    assert message["historyId"] == str(ids[-1])


def test_history_types_and_label_filters(alice: Any, fresh: GoogleUnderTest) -> None:
    begin = start(alice)
    ref = office_move(alice)
    alice.users().messages().trash(userId="me", id=ref["id"]).execute()
    alice.users().messages().modify(userId="me", id=ref["id"], body={"addLabelIds": ["Label_1"]}).execute()
    gmail_service(fresh.url, BOB_TOKEN).users().messages().send(
        userId="me", body={"raw": base64.urlsafe_b64encode(rfc822("b@x", "alice@example.com", "s", "t")).decode()}
    ).execute()
    added = history(alice, begin, historyTypes=["messageAdded"])["history"]
    assert [list(r)[-1] for r in added] == ["messagesAdded"] and "INBOX" in added[0]["messagesAdded"][0]["message"][
        "labelIds"
    ]
    labelled = history(alice, begin, historyTypes=["labelAdded"], labelId="TRASH")["history"]  # messages in TRASH
    assert [r["labelsAdded"][0]["labelIds"] for r in labelled] == [["TRASH"], ["Label_1"]]
    assert len(history(alice, begin, labelId="Label_1")["history"]) == 1
    assert len(history(alice, begin, labelId="INBOX")["history"]) == 3  # the inbox message changed twice, plus one new
    bad_type = httpx.get(  # the client checks the enum itself: send it raw
        f"{fresh.url}/gmail/v1/users/me/history?startHistoryId={begin}&historyTypes=messageChanged",
        headers={"Authorization": f"Bearer {ALICE_TOKEN}"},
    )
    assert bad_type.status_code == 400 and "messageAdded" in bad_type.json()["error"]["message"]


def test_history_pages_with_tokens_and_reports_the_current_id_on_each_page(alice: Any) -> None:
    begin = start(alice)
    ids = [m["id"] for m in alice.users().messages().list(userId="me", q="from:ci", maxResults=7).execute()["messages"]]
    alice.users().messages().batchModify(userId="me", body={"ids": ids, "addLabelIds": ["STARRED"]}).execute()
    first = history(alice, begin, maxResults=5)
    assert len(first["history"]) == 5 and first["historyId"] == start(alice)
    second = history(alice, begin, maxResults=5, pageToken=first["nextPageToken"])
    assert len(second["history"]) == 2 and "nextPageToken" not in second
    assert {r["messages"][0]["id"] for r in first["history"] + second["history"]} == set(ids)


def test_a_start_id_out_of_retention_or_zero_is_404_and_the_current_one_still_works(
    alice: Any, fresh: GoogleUnderTest
) -> None:
    old = start(alice)
    alice.users().messages().trash(userId="me", id=office_move(alice)["id"]).execute()
    expired = httpx.post(fresh.url + "/__sandbox/google/gmail/history/expire", json={"user": "alice@example.com"})
    assert expired.status_code == 200
    for start_id in (old, "0"):
        with pytest.raises(HttpError) as caught:
            history(alice, start_id)
        assert caught.value.resp.status == 404 and '"notFound"' in caught.value.content.decode()
    current = start(alice)
    assert current == expired.json()["historyId"]["alice@example.com"]
    assert history(alice, current) == {"historyId": current}


def test_retention_by_age_is_set_through_the_control_api(fresh: GoogleUnderTest, alice: Any) -> None:
    old = start(alice)
    config = httpx.post(fresh.url + "/__sandbox/google/gmail/config", json={"history_retention_seconds": 1}).json()
    assert config["history_retention_seconds"] == 1
    alice.users().messages().trash(userId="me", id=office_move(alice)["id"]).execute()
    fresh.app.state.gmail.clock = lambda: time.time() + 5  # five seconds later: every change is older than 1 s
    with pytest.raises(HttpError) as caught:
        history(alice, old)
    assert caught.value.resp.status == 404
    bad = httpx.post(fresh.url + "/__sandbox/google/gmail/config", json={"history_retention_seconds": 0})
    assert bad.status_code == 400 and "at least 1" in bad.json()["error"]


def test_a_missing_start_id_is_a_400(alice: Any) -> None:
    response = httpx.get(
        alice._baseUrl + "gmail/v1/users/me/history", headers={"Authorization": f"Bearer {ALICE_TOKEN}"}
    )
    assert response.status_code == 400 and response.json()["error"]["errors"][0]["reason"] == "required"


def test_permanent_deletion_needs_the_full_mail_scope_and_is_a_message_deleted_record(fresh: GoogleUnderTest) -> None:
    alice = gmail_service(fresh.url, ALICE_TOKEN)  # static tokens carry gmail.modify, not https://mail.google.com/
    ref = office_move(alice)
    with pytest.raises(HttpError) as refused:
        alice.users().messages().delete(userId="me", id=ref["id"]).execute()
    assert refused.value.resp.status == 403
    full = gmail_service(fresh.url, oauth_token(fresh.url, "https://mail.google.com/", user="alice@example.com"))
    begin = start(full)
    full.users().messages().delete(userId="me", id=ref["id"]).execute()
    builds = [
        m["id"] for m in full.users().messages().list(userId="me", q="from:ci", maxResults=2).execute()["messages"]
    ]
    full.users().messages().batchDelete(userId="me", body={"ids": builds}).execute()
    records = history(full, begin, historyTypes=["messageDeleted"])["history"]
    assert [r["messagesDeleted"][0]["message"]["id"] for r in records] == [ref["id"], *builds]
    with pytest.raises(HttpError) as gone:
        full.users().messages().get(userId="me", id=ref["id"]).execute()
    assert gone.value.resp.status == 404
