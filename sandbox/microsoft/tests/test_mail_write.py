"""Writing Outlook mail through Graph over HTTPS: drafts, PATCH, replies and forwards, send, sendMail, move, delete;
delivery to sandbox mailboxes and to the control API's outbox, exactly once."""

from __future__ import annotations

import base64

import pytest


@pytest.fixture(autouse=True)
def _fresh(fresh):
    fresh.http.delete(f"{fresh.base}/mail/outbox")
    return fresh


def _outbox(control) -> list[dict]:
    answer = control.http.get(f"{control.base}/mail/outbox")
    assert answer.status_code == 200
    return answer.json()["messages"]


def _inbox_subjects(client) -> list[str]:
    return [m["subject"] for m in client.get("/me/mailFolders/inbox/messages", params={"$top": "100"}).json()["value"]]


def _find(client, subject: str, folder: str = "inbox") -> dict:
    found = client.get(f"/me/mailFolders/{folder}/messages", params={"$filter": f"subject eq '{subject}'"})
    return found.json()["value"][0]


def _to(*addresses: str) -> list[dict]:
    return [{"emailAddress": {"address": a}} for a in addresses]


def test_a_draft_is_created_in_drafts_then_sent_to_a_colleague_once(alice, bob, fresh):
    created = alice.post(
        "/me/messages",
        json={
            "subject": "Budget review",
            "body": {"contentType": "HTML", "content": "<p>See you <b>Monday</b></p>"},
            "toRecipients": _to("bob@contoso.example"),
        },
    )
    assert created.status_code == 201
    draft = created.json()
    assert draft["isDraft"] is True and draft["parentFolderId"] == alice.get("/me/mailFolders/drafts").json()["id"]
    assert alice.post(f"/me/messages/{draft['id']}/send").status_code == 202
    again = alice.post(f"/me/messages/{draft['id']}/send")
    assert again.status_code == 400  # sending the same draft twice cannot deliver twice
    assert _inbox_subjects(bob).count("Budget review") == 1
    received = _find(bob, "Budget review")
    assert received["isRead"] is False and "<b>Monday</b>" in received["body"]["content"]
    sent = _find(alice, "Budget review", "sentitems")
    assert sent["id"] == draft["id"] and sent["isDraft"] is False and sent["sentDateTime"]
    assert _outbox(fresh) == []


def test_send_mail_to_an_outside_address_lands_in_the_outbox_once_with_html_and_text(alice, fresh):
    answer = alice.post(
        "/me/sendMail",
        json={
            "message": {
                "subject": "Signed contract",
                "body": {"contentType": "HTML", "content": "<p>Hello <i>Claire</i>, signed copy attached.</p>"},
                "toRecipients": _to("claire.dubois@acme-legal.example.com"),
                "ccRecipients": _to("bob@contoso.example"),
                "attachments": [
                    {
                        "@odata.type": "#microsoft.graph.fileAttachment",
                        "name": "signed.txt",
                        "contentType": "text/plain",
                        "contentBytes": base64.b64encode(b"signed").decode(),
                    }
                ],
            },
            "saveToSentItems": True,
        },
    )
    assert answer.status_code == 202 and answer.content == b""
    [entry] = _outbox(fresh)
    assert entry["recipients"] == ["claire.dubois@acme-legal.example.com"]
    assert entry["html"] == "<p>Hello <i>Claire</i>, signed copy attached.</p>"
    assert entry["text"] == "Hello Claire, signed copy attached."
    assert entry["attachments"] == [{"name": "signed.txt", "contentType": "text/plain", "size": 6}]
    assert entry["sender"]["address"] == "alice@contoso.example"
    assert "Signed contract" in [m["subject"] for m in alice.get("/me/mailFolders/sentitems/messages").json()["value"]]


def test_send_mail_to_a_colleague_delivers_to_their_inbox_and_not_to_the_outbox(alice, bob, fresh):
    message = {
        "subject": "Lunch?",
        "body": {"contentType": "Text", "content": "12:30?"},
        "toRecipients": _to("bob@contoso.example"),
    }
    assert alice.post("/me/sendMail", json={"message": message, "saveToSentItems": False}).status_code == 202
    assert _inbox_subjects(bob).count("Lunch?") == 1 and _outbox(fresh) == []
    assert "Lunch?" not in [m["subject"] for m in alice.get("/me/mailFolders/sentitems/messages").json()["value"]]


def test_send_mail_rejects_a_message_without_recipients_or_with_a_bad_address(alice, fresh):
    empty = alice.post("/me/sendMail", json={"message": {"subject": "x"}})
    assert empty.status_code == 400 and empty.json()["error"]["code"] == "ErrorInvalidRecipients"
    bad = alice.post("/me/sendMail", json={"message": {"subject": "x", "toRecipients": _to("not-an-address")}})
    assert bad.status_code == 400 and "emailAddress.address" in bad.json()["error"]["message"]
    assert _outbox(fresh) == []


def test_create_reply_keeps_the_conversation_and_the_threading_headers(alice, fresh):
    original = _find(alice, "RE: Contrat cadre Acme : nouvelle date de signature")
    created = alice.post(f"/me/messages/{original['id']}/createReply", json={"comment": "Parfait, merci."})
    assert created.status_code == 201
    draft = created.json()
    assert draft["isDraft"] and draft["conversationId"] == original["conversationId"]
    assert draft["subject"] == original["subject"]  # already "RE: "
    assert draft["toRecipients"] == [
        {"emailAddress": {"name": "Claire Dubois", "address": "claire.dubois@acme-legal.example.com"}}
    ]
    headers = alice.get(f"/me/messages/{draft['id']}", params={"$select": "internetMessageHeaders"}).json()
    names = {h["name"]: h["value"] for h in headers["internetMessageHeaders"]}
    assert names["In-Reply-To"] == "<acme-fr-3@acme-legal.example.com>"
    assert names["References"].split() == [
        "<acme-fr-1@acme-legal.example.com>",
        "<acme-fr-2@contoso.example>",
        "<acme-fr-3@acme-legal.example.com>",
    ]
    assert alice.post(f"/me/messages/{draft['id']}/send").status_code == 202
    [entry] = _outbox(fresh)
    assert entry["inReplyTo"] == "<acme-fr-3@acme-legal.example.com>" and "Parfait, merci." in entry["text"]
    thread = alice.get("/me/messages", params={"$filter": f"conversationId eq '{original['conversationId']}'"})
    assert len(thread.json()["value"]) == 4


def test_reply_all_addresses_everyone_but_me_and_forward_carries_attachments(alice, fresh):
    original = _find(alice, "Acme MSA: new effective date")
    everyone = alice.post(f"/me/messages/{original['id']}/createReplyAll").json()
    assert [r["emailAddress"]["address"] for r in everyone["toRecipients"]] == ["james.porter@acme-legal.example.com"]
    assert [r["emailAddress"]["address"] for r in everyone["ccRecipients"]] == ["bob@contoso.example"]
    forward = alice.post(
        f"/me/messages/{original['id']}/createForward", json={"toRecipients": _to("carol@fabrikam.example")}
    ).json()
    assert forward["subject"] == "FW: Acme MSA: new effective date" and forward["hasAttachments"] is True
    assert alice.post(f"/me/messages/{forward['id']}/send").status_code == 202
    [entry] = _outbox(fresh)
    assert entry["recipients"] == ["carol@fabrikam.example"]
    assert entry["attachments"][0]["name"] == "Acme amendment No 2.docx"


def test_patch_marks_read_categorises_and_flags_but_only_drafts_change_their_subject(alice, fresh):
    message = _find(alice, "Acme MSA: new effective date")
    patched = alice.patch(
        f"/me/messages/{message['id']}",
        json={"isRead": True, "categories": ["Acme"], "flag": {"flagStatus": "complete"}},
    )
    assert patched.status_code == 200
    body = patched.json()
    assert body["isRead"] is True and body["categories"] == ["Acme"] and body["flag"]["flagStatus"] == "complete"
    assert body["changeKey"] != message["changeKey"]
    refused = alice.patch(f"/me/messages/{message['id']}", json={"subject": "Changed"})
    assert refused.status_code == 400 and "Only drafts" in refused.json()["error"]["message"]
    assert alice.patch(f"/me/messages/{message['id']}", json={"isRead": "yes"}).status_code == 400


def test_move_accepts_a_well_known_name_or_a_folder_id_and_keeps_ids_only_when_immutable_ids_are_asked(alice, fresh):
    message = _find(alice, "Q3 forecast")
    immutable = {"Prefer": 'IdType="ImmutableId"'}
    moved = alice.post(f"/me/messages/{message['id']}/move", json={"destinationId": "archive"}, headers=immutable)
    assert moved.status_code == 201
    archive = alice.get("/me/mailFolders/archive").json()
    assert moved.json()["parentFolderId"] == archive["id"] and moved.json()["id"] == message["id"]
    inbox = alice.get("/me/mailFolders/inbox").json()
    back = alice.post(f"/me/messages/{message['id']}/move", json={"destinationId": inbox["id"]})
    assert back.json()["parentFolderId"] == inbox["id"]
    assert back.json()["id"] != message["id"]  # Exchange's default ids change on a move
    assert alice.get(f"/me/messages/{message['id']}").status_code == 404
    unknown = alice.post(f"/me/messages/{back.json()['id']}/move", json={"destinationId": "nowhere"})
    assert unknown.status_code == 404 and unknown.json()["error"]["code"] == "ErrorItemNotFound"


def test_reply_and_forward_actions_send_at_once(alice, fresh):
    original = _find(alice, "Acme MSA: new effective date")
    assert alice.post(f"/me/messages/{original['id']}/reply", json={"comment": "Noted."}).status_code == 202
    refused = alice.post(f"/me/messages/{original['id']}/forward", json={"comment": "FYI"})
    assert refused.status_code == 400 and "toRecipients" in refused.json()["error"]["message"]
    forwarded = alice.post(
        f"/me/messages/{original['id']}/forward", json={"comment": "FYI", "toRecipients": _to("dana.lee@partner.org")}
    )
    assert forwarded.status_code == 202
    assert [e["recipients"] for e in _outbox(fresh)] == [
        ["james.porter@acme-legal.example.com"],
        ["dana.lee@partner.org"],
    ]
    sent = alice.get("/me/mailFolders/sentitems/messages", params={"$top": "2"}).json()["value"]
    assert {m["subject"] for m in sent} == {"RE: Acme MSA: new effective date", "FW: Acme MSA: new effective date"}


def test_delete_removes_a_message_and_attachments_can_be_added_to_a_draft(alice, fresh):
    draft = alice.post("/me/messages", json={"subject": "With file"}).json()
    added = alice.post(
        f"/me/messages/{draft['id']}/attachments",
        json={
            "@odata.type": "#microsoft.graph.fileAttachment",
            "name": "a.csv",
            "contentBytes": base64.b64encode(b"a,b\n1,2\n").decode(),
        },
    )
    assert added.status_code == 201 and added.json()["size"] == 8
    assert alice.get(f"/me/messages/{draft['id']}").json()["hasAttachments"] is True
    assert alice.delete(f"/me/messages/{draft['id']}").status_code == 204
    assert alice.get(f"/me/messages/{draft['id']}").status_code == 404


def test_members_send_from_a_shared_mailbox_and_outsiders_cannot_write_to_it(alice, bob, fresh):
    message = {"subject": "From the legal team", "toRecipients": _to("james.porter@acme-legal.example.com")}
    assert alice.post("/users/legal@contoso.example/sendMail", json={"message": message}).status_code == 202
    [entry] = _outbox(fresh)
    assert entry["sender"]["address"] == "legal@contoso.example"
    assert bob.post("/users/legal@contoso.example/sendMail", json={"message": message}).status_code == 403


def test_the_deliver_control_call_puts_mail_in_an_inbox(alice, fresh):
    answer = fresh.http.post(
        f"{fresh.base}/mail/deliver",
        json={
            "to": "alice@contoso.example",
            "from": "x@outside.example",
            "subject": "Hello from outside",
            "html": "<p>Hi</p>",
        },
    )
    assert answer.status_code == 201
    assert _find(alice, "Hello from outside")["body"]["content"] == "<p>Hi</p>"
    unknown = fresh.http.post(f"{fresh.base}/mail/deliver", json={"to": "nobody@contoso.example"})
    assert unknown.status_code == 400 and "no sandbox mailbox" in unknown.json()["error"]


def test_a_send_reaches_the_shared_mailbox_and_bcc_recipients_stay_hidden(alice, bob, fresh):
    message = {
        "subject": "Board minutes",
        "body": {"contentType": "Text", "content": "Attached soon."},
        "toRecipients": _to("legal@contoso.example"),
        "bccRecipients": _to("bob@contoso.example", "auditor@outside.example"),
    }
    assert alice.post("/me/sendMail", json={"message": message}).status_code == 202
    shared = alice.get("/users/legal@contoso.example/mailFolders/inbox/messages").json()["value"]
    assert [m["subject"] for m in shared].count("Board minutes") == 1
    copy = _find(bob, "Board minutes")
    assert copy["bccRecipients"] == [] and copy["toRecipients"][0]["emailAddress"]["address"] == "legal@contoso.example"
    [entry] = _outbox(fresh)
    assert entry["recipients"] == ["auditor@outside.example"] and entry["text"] == "Attached soon."
    assert entry["html"] is None
