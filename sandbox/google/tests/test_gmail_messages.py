"""Gmail messages, threads, labels and profile through google-api-python-client (unpatched, re-rooted)."""

from __future__ import annotations

import base64
import io
from typing import Any

import pytest
from googleapiclient.errors import HttpError
from openpyxl import load_workbook
from pypdf import PdfReader

from sandbox.google.gmail.testing import assert_valid, gmail_service
from sandbox.google.testing import GoogleUnderTest

from .conftest import ALICE_TOKEN, BOB_TOKEN


@pytest.fixture()
def mail(fresh: GoogleUnderTest) -> Any:
    return gmail_service(fresh.url, ALICE_TOKEN)


def one(mail: Any, q: str) -> dict:
    found = mail.users().messages().list(userId="me", q=q).execute()
    assert found["resultSizeEstimate"] == 1, (q, found)
    return found["messages"][0]


def header(message: dict, name: str) -> str:
    return next(h["value"] for h in message["payload"]["headers"] if h["name"].lower() == name.lower())


def b64(data: str) -> bytes:
    return base64.urlsafe_b64decode(data + "=" * (-len(data) % 4))


def test_profile_names_the_caller_and_counts_the_mailbox(mail: Any) -> None:
    profile = mail.users().getProfile(userId="me").execute()
    assert_valid("gmail.users.getProfile", profile)
    assert profile["emailAddress"] == "alice@example.com"
    assert profile["messagesTotal"] > 250 and int(profile["historyId"]) > 0


def test_list_gives_ids_only_newest_first_and_pages_through_a_200_message_search(mail: Any) -> None:
    first = mail.users().messages().list(userId="me", q="from:ci@builds.example.com", maxResults=80).execute()
    assert_valid("gmail.users.messages.list", first)
    assert set(first["messages"][0]) == {"id", "threadId"} and first["resultSizeEstimate"] == 200
    seen = [m["id"] for m in first["messages"]]
    token = first["nextPageToken"]
    while token:
        page = (
            mail.users()
            .messages()
            .list(userId="me", q="from:ci@builds.example.com", maxResults=80, pageToken=token)
            .execute()
        )
        seen += [m["id"] for m in page["messages"]]
        token = page.get("nextPageToken")
    assert len(seen) == len(set(seen)) == 200
    dates = [
        int(mail.users().messages().get(userId="me", id=i, format="minimal").execute()["internalDate"])
        for i in (seen[0], seen[100], seen[-1])
    ]
    assert dates == sorted(dates, reverse=True)


def test_a_forged_page_token_is_refused_on_page_token(mail: Any) -> None:
    with pytest.raises(HttpError) as caught:
        mail.users().messages().list(userId="me", pageToken="not-a-token").execute()
    assert caught.value.resp.status == 400 and "pageToken" in caught.value.content.decode()


def test_label_ids_are_anded_and_spam_and_trash_are_left_out_unless_asked(mail: Any) -> None:
    starred_inbox = mail.users().messages().list(userId="me", labelIds=["INBOX", "STARRED"]).execute()
    subjects = {
        header(mail.users().messages().get(userId="me", id=m["id"], format="metadata").execute(), "Subject")
        for m in starred_inbox["messages"]
    }
    assert subjects == {"Acme contract: new effective date this week", "Office move on Friday"}
    assert mail.users().messages().list(userId="me", q="Facture").execute()["resultSizeEstimate"] == 0
    everywhere = mail.users().messages().list(userId="me", q="Facture", includeSpamTrash=True).execute()
    assert everywhere["resultSizeEstimate"] == 1


def test_full_format_has_the_part_tree_with_text_html_and_attachment_ids(mail: Any) -> None:
    ref = one(mail, 'subject:"Tech Weekly #142"')
    message = mail.users().messages().get(userId="me", id=ref["id"]).execute()
    assert_valid("gmail.users.messages.get", message)
    payload = message["payload"]
    assert payload["mimeType"] == "multipart/alternative" and payload["partId"] == ""
    text, html = payload["parts"]
    assert (text["partId"], text["mimeType"], html["mimeType"]) == ("0", "text/plain", "text/html")
    assert b"display:none" in b64(html["body"]["data"]) and b"t.techweekly.example/open" in b64(html["body"]["data"])
    assert "UNREAD" in message["labelIds"] and message["snippet"].startswith("AI agents in the enterprise")


def test_attachments_are_fetched_by_id_and_are_real_files(mail: Any) -> None:
    ref = one(mail, "filename:xlsx")
    message = mail.users().messages().get(userId="me", id=ref["id"]).execute()
    part = next(p for p in message["payload"]["parts"] if p["filename"] == "Q3 forecast.xlsx")
    assert "data" not in part["body"]
    body = (
        mail.users()
        .messages()
        .attachments()
        .get(userId="me", messageId=ref["id"], id=part["body"]["attachmentId"])
        .execute()
    )
    assert_valid("gmail.users.messages.attachments.get", body)
    sheet = load_workbook(io.BytesIO(b64(body["data"]))).active
    assert sheet["A2"].value == "July" and body["size"] == part["body"]["size"]
    pdf_ref = one(
        mail, 'filename:pdf subject:"Nouvelle date de signature" -in:sent -in:drafts from:claire has:attachment'
    )
    pdf_msg = mail.users().messages().get(userId="me", id=pdf_ref["id"]).execute()
    pdf_part = next(p for p in pdf_msg["payload"]["parts"] if p["filename"].endswith(".pdf"))
    pdf = (
        mail.users()
        .messages()
        .attachments()
        .get(userId="me", messageId=pdf_ref["id"], id=pdf_part["body"]["attachmentId"])
        .execute()
    )
    assert "Resiliation" in PdfReader(io.BytesIO(b64(pdf["data"]))).pages[0].extract_text()


def test_metadata_minimal_and_raw_formats(mail: Any) -> None:
    ref = one(mail, "subject:(Office move)")
    meta = (
        mail.users()
        .messages()
        .get(userId="me", id=ref["id"], format="metadata", metadataHeaders=["From", "Subject"])
        .execute()
    )
    assert_valid("gmail.users.messages.get", meta)
    assert [h["name"] for h in meta["payload"]["headers"]] == ["From", "Subject"]
    minimal = mail.users().messages().get(userId="me", id=ref["id"], format="minimal").execute()
    assert "payload" not in minimal and {"id", "threadId", "labelIds", "historyId", "internalDate"} <= set(minimal)
    raw = mail.users().messages().get(userId="me", id=ref["id"], format="raw").execute()
    assert_valid("gmail.users.messages.get", raw)
    assert b"Subject: Office move on Friday" in b64(raw["raw"]) and raw["sizeEstimate"] == len(b64(raw["raw"]))


def test_an_unknown_message_is_404_and_another_users_mailbox_is_refused(mail: Any, fresh: GoogleUnderTest) -> None:
    with pytest.raises(HttpError) as missing:
        mail.users().messages().get(userId="me", id="0000000000000000").execute()
    assert missing.value.resp.status == 404
    with pytest.raises(HttpError) as delegated:
        mail.users().messages().list(userId="bob@example.com").execute()
    assert delegated.value.resp.status == 403 and "Delegation denied" in delegated.value.content.decode()
    own = gmail_service(fresh.url, BOB_TOKEN).users().messages().list(userId="bob@example.com").execute()
    assert own["resultSizeEstimate"] > 0


def test_modify_trash_untrash_and_batch_modify_change_labels(mail: Any) -> None:
    ref = one(mail, "subject:(Office move)")
    modified = (
        mail.users()
        .messages()
        .modify(userId="me", id=ref["id"], body={"addLabelIds": ["UNREAD", "Label_2"], "removeLabelIds": ["STARRED"]})
        .execute()
    )
    assert_valid("gmail.users.messages.modify", modified)
    assert {"UNREAD", "Label_2"} <= set(modified["labelIds"]) and "STARRED" not in modified["labelIds"]
    trashed = mail.users().messages().trash(userId="me", id=ref["id"]).execute()
    assert "TRASH" in trashed["labelIds"]
    assert mail.users().messages().list(userId="me", q="subject:(Office move)").execute()["resultSizeEstimate"] == 0
    assert mail.users().messages().list(userId="me", q="in:trash Office").execute()["resultSizeEstimate"] == 1
    assert "TRASH" not in mail.users().messages().untrash(userId="me", id=ref["id"]).execute()["labelIds"]
    builds = mail.users().messages().list(userId="me", q="from:ci@builds.example.com", maxResults=5).execute()
    ids = [m["id"] for m in builds["messages"]]
    assert mail.users().messages().batchModify(
        userId="me", body={"ids": ids, "addLabelIds": ["STARRED"]}
    ).execute() in ("", None, {})
    assert mail.users().messages().list(userId="me", q="is:starred from:ci").execute()["resultSizeEstimate"] == 5
    with pytest.raises(HttpError) as bad:
        mail.users().messages().modify(userId="me", id=ref["id"], body={"addLabelIds": ["Label_999"]}).execute()
    assert bad.value.resp.status == 400
    with pytest.raises(HttpError) as unknown_field:
        mail.users().messages().modify(userId="me", id=ref["id"], body={"addLabels": ["STARRED"]}).execute()
    assert "Unknown name" in unknown_field.value.content.decode()


def test_threads_list_get_modify_and_trash(mail: Any) -> None:
    listed = mail.users().threads().list(userId="me", q="Phoenix").execute()
    assert_valid("gmail.users.threads.list", listed)
    assert listed["resultSizeEstimate"] == 1
    thread_id = listed["threads"][0]["id"]
    thread = mail.users().threads().get(userId="me", id=thread_id).execute()
    assert_valid("gmail.users.threads.get", thread)
    assert len(thread["messages"]) == 50
    assert {m["threadId"] for m in thread["messages"]} == {thread_id}
    assert "SENT" in thread["messages"][1]["labelIds"]
    modified = mail.users().threads().modify(userId="me", id=thread_id, body={"removeLabelIds": ["UNREAD"]}).execute()
    assert_valid("gmail.users.threads.modify", modified)
    assert mail.users().threads().list(userId="me", q="Phoenix is:unread").execute()["resultSizeEstimate"] == 0
    trashed = mail.users().threads().trash(userId="me", id=thread_id).execute()
    assert all("TRASH" in m["labelIds"] for m in trashed["messages"])
    mail.users().threads().untrash(userId="me", id=thread_id).execute()
    assert mail.users().threads().list(userId="me", q="Phoenix").execute()["resultSizeEstimate"] == 1


def test_labels_list_get_create_and_refuse_a_duplicate(mail: Any) -> None:
    labels = mail.users().labels().list(userId="me").execute()
    assert_valid("gmail.users.labels.list", labels)
    names = {label["name"]: label for label in labels["labels"]}
    assert {"INBOX", "SENT", "UNREAD", "Clients/Acme", "Newsletters"} <= set(names)
    inbox = mail.users().labels().get(userId="me", id="INBOX").execute()
    assert_valid("gmail.users.labels.get", inbox)
    assert inbox["messagesTotal"] > 200 and inbox["messagesUnread"] >= 3
    created = mail.users().labels().create(userId="me", body={"name": "Receipts"}).execute()
    assert_valid("gmail.users.labels.create", created)
    assert created["type"] == "user" and created["id"].startswith("Label_")
    with pytest.raises(HttpError) as duplicate:
        mail.users().labels().create(userId="me", body={"name": "receipts"}).execute()
    assert duplicate.value.resp.status == 409
    mail.users().messages().modify(
        userId="me", id=one(mail, "subject:(Q3 forecast)")["id"], body={"addLabelIds": [created["id"]]}
    ).execute()
    assert mail.users().messages().list(userId="me", q="label:receipts").execute()["resultSizeEstimate"] == 1


def test_an_id_that_cannot_be_a_message_id_is_a_400(mail: Any) -> None:
    with pytest.raises(HttpError) as caught:
        mail.users().messages().get(userId="me", id="not an id!").execute()
    assert caught.value.resp.status == 400 and "Invalid id value" in caught.value.content.decode()


def test_every_remaining_method_answers_in_its_discovery_schema(mail: Any) -> None:
    ref = one(mail, "subject:(Office move)")
    assert_valid("gmail.users.messages.trash", mail.users().messages().trash(userId="me", id=ref["id"]).execute())
    assert_valid("gmail.users.messages.untrash", mail.users().messages().untrash(userId="me", id=ref["id"]).execute())
    thread = ref["threadId"]
    assert_valid("gmail.users.threads.trash", mail.users().threads().trash(userId="me", id=thread).execute())
    assert_valid("gmail.users.threads.untrash", mail.users().threads().untrash(userId="me", id=thread).execute())
    draft_id = mail.users().drafts().list(userId="me").execute()["drafts"][0]["id"]
    assert_valid("gmail.users.drafts.get", mail.users().drafts().get(userId="me", id=draft_id).execute())
    raw = base64.urlsafe_b64encode(b"To: bob@example.com\r\nSubject: v2\r\n\r\nv2").decode()
    updated = mail.users().drafts().update(userId="me", id=draft_id, body={"message": {"raw": raw}}).execute()
    assert_valid("gmail.users.drafts.update", updated)
    with pytest.raises(HttpError) as too_old:  # start id 1 is older than anything the mailbox keeps
        mail.users().history().list(userId="me", startHistoryId="1").execute()
    assert too_old.value.resp.status == 404
    begin = int(mail.users().getProfile(userId="me").execute()["historyId"]) - 1
    assert_valid("gmail.users.history.list", mail.users().history().list(userId="me", startHistoryId=begin).execute())


def test_a_user_label_can_be_deleted_and_leaves_its_messages(mail: Any) -> None:
    mail.users().labels().delete(userId="me", id="Label_2").execute()
    assert "Newsletters" not in {label["name"] for label in mail.users().labels().list(userId="me").execute()["labels"]}
    assert mail.users().messages().list(userId="me", q='subject:"Tech Weekly"').execute()["resultSizeEstimate"] == 1
    with pytest.raises(HttpError) as system:
        mail.users().labels().delete(userId="me", id="INBOX").execute()
    assert system.value.resp.status == 400


def test_fields_cuts_answers_to_the_partial_response_asked_for(mail: Any) -> None:
    listed = mail.users().messages().list(userId="me", q="from:ci", fields="messages/id,nextPageToken").execute()
    assert set(listed) == {"messages", "nextPageToken"} and set(listed["messages"][0]) == {"id"}
    message = (
        mail.users()
        .messages()
        .get(userId="me", id=listed["messages"][0]["id"], format="metadata", fields="id,payload/headers")
        .execute()
    )
    assert set(message) == {"id", "payload"} and set(message["payload"]) == {"headers"}
    with pytest.raises(HttpError) as caught:
        mail.users().messages().list(userId="me", fields="messages/subject").execute()
    assert caught.value.resp.status == 400 and "Invalid field selection" in caught.value.content.decode()
