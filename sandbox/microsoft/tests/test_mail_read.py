"""Reading Outlook mail through Graph over HTTPS: folders, lists with $filter/$search/$select/paging, bodies,
conversations, attachments and shared mailboxes, on the seeded mailboxes."""

from __future__ import annotations

import base64
import io
from datetime import UTC, datetime, timedelta
from email import message_from_bytes, policy

import pytest
from docx import Document
from openpyxl import load_workbook
from pypdf import PdfReader


def _all_pages(client, url: str, **params) -> list[dict]:
    """Follow @odata.nextLink verbatim (absolute URLs) until the last page."""
    answer = client.get(url, params=params)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    items = list(body["value"])
    while "@odata.nextLink" in body:
        assert body["@odata.nextLink"].startswith("https://")
        body = client.get(body["@odata.nextLink"]).json()
        items.extend(body["value"])
    return items


def _find(client, subject: str, folder: str = "inbox") -> dict:
    answer = client.get(f"/me/mailFolders/{folder}/messages", params={"$filter": f"subject eq '{subject}'"})
    assert answer.status_code == 200, answer.text
    return answer.json()["value"][0]


def test_top_level_folders_include_the_well_known_ones_and_inbox_has_child_folders(alice):
    folders = alice.get("/me/mailFolders", params={"$top": "50"}).json()["value"]
    names = {f["displayName"] for f in folders}
    assert {"Inbox", "Drafts", "Sent Items", "Deleted Items", "Archive"} <= names
    inbox = alice.get("/me/mailFolders/inbox").json()
    assert inbox["displayName"] == "Inbox" and inbox["id"] in {f["id"] for f in folders}
    assert inbox["childFolderCount"] == 2 and inbox["unreadItemCount"] >= 3
    children = alice.get(f"/me/mailFolders/{inbox['id']}/childFolders").json()["value"]
    assert [c["displayName"] for c in children] == ["Newsletters", "Notifications"]
    assert all(c["parentFolderId"] == inbox["id"] for c in children)
    notifications = next(c for c in children if c["displayName"] == "Notifications")
    assert notifications["totalItemCount"] == 220


def test_well_known_names_and_ids_address_the_same_folder(alice):
    by_name = alice.get("/me/mailFolders/sentitems/messages", params={"$top": "1"}).json()["value"][0]
    folder = alice.get("/me/mailFolders/SentItems").json()
    assert by_name["parentFolderId"] == folder["id"] and folder["displayName"] == "Sent Items"
    assert alice.get("/me/mailFolders/nosuchfolder").json()["error"]["code"] == "ErrorItemNotFound"


def test_lists_are_newest_first_in_pages_of_ten_with_absolute_next_links(alice):
    first = alice.get("/me/mailFolders/inbox/messages").json()
    assert len(first["value"]) == 10
    received = [m["receivedDateTime"] for m in first["value"]]
    assert received == sorted(received, reverse=True)
    assert first["@odata.nextLink"].startswith("https://127.0.0.1:") and "%24skip=10" in first["@odata.nextLink"]
    everything = _all_pages(alice, "/me/mailFolders/inbox/messages", **{"$top": "7"})
    assert len(everything) == alice.get("/me/mailFolders/inbox").json()["totalItemCount"]
    assert len({m["id"] for m in everything}) == len(everything)


@pytest.mark.parametrize(
    ("filter_text", "check"),
    [
        ("isRead eq false", lambda m: m["isRead"] is False),
        ("importance eq 'high'", lambda m: m["importance"] == "high"),
        ("hasAttachments eq true", lambda m: m["hasAttachments"] is True),
        (
            "from/emailAddress/address eq 'claire.dubois@acme-legal.example.com'",
            lambda m: m["from"]["emailAddress"]["address"] == "claire.dubois@acme-legal.example.com",
        ),
        ("isRead eq false and importance eq 'high'", lambda m: not m["isRead"] and m["importance"] == "high"),
    ],
)
def test_filters_keep_only_matching_messages(alice, filter_text, check):
    found = _all_pages(alice, "/me/messages", **{"$filter": filter_text, "$top": "100"})
    assert found and all(check(m) for m in found)


def test_unread_and_important_mail_includes_the_acme_threads_and_the_hostile_message(alice):
    subjects = {
        m["subject"]
        for m in _all_pages(alice, "/me/messages", **{"$filter": "isRead eq false and importance eq 'high'"})
    }
    assert {
        "RE: Contrat cadre Acme : nouvelle date de signature",
        "Acme MSA: new effective date",
        "Urgent: Acme contract signature portal",
    } <= subjects


def test_received_date_filter_with_the_graph_orderby_rule(alice):
    since = (datetime.now(UTC) - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    recent = _all_pages(
        alice,
        "/me/messages",
        **{"$filter": f"receivedDateTime ge {since}", "$orderby": "receivedDateTime desc", "$top": "500"},
    )
    assert recent and all(m["receivedDateTime"] >= since for m in recent)
    assert any(m["subject"] == "Acme MSA: new effective date" for m in recent)
    refused = alice.get("/me/messages", params={"$filter": "isRead eq false", "$orderby": "receivedDateTime desc"})
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "InefficientFilter"


def test_bad_filters_get_a_message_that_names_the_problem(alice):
    unknown = alice.get("/me/messages", params={"$filter": "colour eq 'red'"})
    assert unknown.status_code == 400 and "colour" in unknown.json()["error"]["message"]
    unquoted = alice.get("/me/messages", params={"$filter": "importance eq high"})
    assert unquoted.status_code == 400 and "quote" in unquoted.json()["error"]["message"]


def test_search_understands_kql_properties_words_and_dates(alice):
    def search(kql: str) -> list[dict]:
        return _all_pages(alice, "/me/messages", **{"$search": f'"{kql}"', "$top": "250"})

    assert {m["subject"] for m in search("from:claire.dubois subject:signature")} == {
        "Contrat cadre Acme : nouvelle date de signature",
        "RE: Contrat cadre Acme : nouvelle date de signature",
    }
    assert all(m["hasAttachments"] for m in search("hasattachments:true"))
    assert {m["subject"] for m in search("hasattachments:true acme")} >= {"Acme MSA: new effective date"}
    assert [m["subject"] for m in search("resiliation signature contrat")] == []  # the words must all match
    assert any("signature" in m["subject"] for m in search("signature"))
    week_ago = (datetime.now(UTC) - timedelta(days=7)).date().isoformat()
    this_week = search(f"acme received>={week_ago}")
    assert this_week and all(m["receivedDateTime"][:10] >= week_ago for m in this_week)
    assert "Globex NDA signed" not in {m["subject"] for m in search(f"globex received>={week_ago}")}
    assert search("to:bob@contoso.example phoenix")


def test_a_search_over_two_hundred_messages_pages_through_all_of_them(alice):
    found = _all_pages(alice, "/me/messages", **{"$search": '"nightly"', "$top": "50", "$select": "subject"})
    assert len(found) == 220
    assert set(found[0]) <= {"id", "subject", "@odata.etag"}


def test_search_cannot_be_combined_with_filter(alice):
    answer = alice.get("/me/messages", params={"$search": '"acme"', "$filter": "isRead eq false"})
    assert answer.status_code == 400 and "$search" in answer.json()["error"]["message"]


def test_select_returns_only_the_asked_properties_and_headers_when_asked(alice):
    message = alice.get("/me/messages", params={"$select": "subject,from", "$top": "1"}).json()["value"][0]
    assert set(message) == {"@odata.etag", "id", "subject", "from"}
    reply = _find(alice, "RE: Contrat cadre Acme : nouvelle date de signature")
    headers = alice.get(f"/me/messages/{reply['id']}", params={"$select": "internetMessageHeaders"}).json()
    names = {h["name"]: h["value"] for h in headers["internetMessageHeaders"]}
    assert names["In-Reply-To"] == "<acme-fr-2@contoso.example>"
    assert names["References"] == "<acme-fr-1@acme-legal.example.com> <acme-fr-2@contoso.example>"


def test_bodies_come_as_html_or_as_text_when_preferred(alice):
    message = _find(alice, "Acme MSA: new effective date")
    html = alice.get(f"/me/messages/{message['id']}").json()
    assert html["body"]["contentType"] == "html" and "<b>" in html["body"]["content"]
    answer = alice.get(f"/me/messages/{message['id']}", headers={"Prefer": 'outlook.body-content-type="text"'})
    assert answer.headers["Preference-Applied"] == 'outlook.body-content-type="text"'
    text = answer.json()["body"]
    assert text["contentType"] == "text" and "<" not in text["content"] and "takes effect on" in text["content"]


def test_the_acme_legal_team_wrote_this_week_about_a_new_contract_date(alice):
    week_ago = (datetime.now(UTC) - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    found = _all_pages(
        alice, "/me/messages", **{"$filter": f"receivedDateTime ge {week_ago}", "$orderby": "receivedDateTime desc"}
    )
    acme = [m for m in found if m["from"]["emailAddress"]["address"].endswith("@acme-legal.example.com")]
    assert {m["subject"] for m in acme} >= {"Acme MSA: new effective date"}
    assert any("Thursday" in m["body"]["content"] for m in acme)
    assert any("jeudi" in m["body"]["content"] for m in acme)


def test_a_conversation_lists_by_conversation_id_across_folders(alice):
    root = _find(alice, "Project Phoenix weekly sync", folder="sentitems")
    thread = _all_pages(alice, "/me/messages", **{"$filter": f"conversationId eq '{root['conversationId']}'"})
    assert len(thread) == 50
    folders = {m["parentFolderId"] for m in thread}
    assert folders == {
        alice.get("/me/mailFolders/inbox").json()["id"],
        alice.get("/me/mailFolders/sentitems").json()["id"],
    }


def test_file_attachments_are_real_documents(alice):
    def attachment(subject: str, folder: str = "inbox") -> tuple[dict, bytes]:
        message = _find(alice, subject, folder)
        listed = alice.get(f"/me/messages/{message['id']}/attachments").json()["value"]
        assert listed[0]["@odata.type"] == "#microsoft.graph.fileAttachment"
        one = alice.get(f"/me/messages/{message['id']}/attachments/{listed[0]['id']}").json()
        raw = alice.get(f"/me/messages/{message['id']}/attachments/{listed[0]['id']}/$value").content
        assert base64.b64decode(one["contentBytes"]) == raw and one["size"] == len(raw)
        return one, raw

    pdf, raw = attachment("Contrat cadre Acme : nouvelle date de signature")
    assert pdf["contentType"] == "application/pdf" and "preavis" in PdfReader(io.BytesIO(raw)).pages[0].extract_text()
    _, raw = attachment("Acme MSA: new effective date")
    assert "Amendment No. 2" in "\n".join(p.text for p in Document(io.BytesIO(raw)).paragraphs)
    _, raw = attachment("Q3 forecast")
    assert load_workbook(io.BytesIO(raw))["Forecast"]["B2"].value == 120000


def test_expand_attachments_and_the_mime_value(alice):
    message = _find(alice, "Q3 forecast")
    expanded = alice.get(f"/me/messages/{message['id']}", params={"$expand": "attachments"}).json()
    assert [a["name"] for a in expanded["attachments"]] == ["Q3 forecast.xlsx"]
    mime = message_from_bytes(alice.get(f"/me/messages/{message['id']}/$value").content, policy=policy.default)
    assert mime["Subject"] == "Q3 forecast" and mime["Message-ID"] == "<forecast-1@contoso.example>"
    assert [p.get_filename() for p in mime.iter_attachments()] == ["Q3 forecast.xlsx"]


def test_hostile_and_newsletter_content_is_served_as_sent(alice):
    hostile = _find(alice, "Urgent: Acme contract signature portal")
    assert hostile["from"]["emailAddress"]["address"] == "legal@acme-legal.example.com.evil.example"
    assert "ignore previous instructions" in hostile["body"]["content"]
    text = alice.get(f"/me/messages/{hostile['id']}", headers={"Prefer": 'outlook.body-content-type="text"'}).json()
    assert "\u200b" in text["body"]["content"] or "\u202e" in text["body"]["content"]
    news = _find(
        alice, "Tech Weekly: AI agents", folder=alice.get("/me/mailFolders/inbox/childFolders").json()["value"][0]["id"]
    )
    assert "click.techweekly.example" in news["body"]["content"] and "display:none" in news["body"]["content"]


def test_a_shared_mailbox_opens_for_its_members_only(alice, bob):
    shared = alice.get("/users/legal@contoso.example/messages")
    assert shared.status_code == 200
    assert "Contract review request: Globex renewal" in {m["subject"] for m in shared.json()["value"]}
    assert alice.get("/users/legal@contoso.example/mailFolders/inbox").status_code == 200
    denied = bob.get("/users/legal@contoso.example/messages")
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "ErrorAccessDenied"
    assert bob.get("/users/alice@contoso.example/messages").status_code == 403
    assert alice.get("/users/nobody@contoso.example/messages").status_code == 404


def test_bob_has_his_own_mailbox(bob):
    subjects = {m["subject"] for m in _all_pages(bob, "/me/mailFolders/inbox/messages", **{"$top": "100"})}
    assert {"Facture 0042", "Acme MSA: new effective date"} <= subjects
    assert "Q3 forecast" in {m["subject"] for m in bob.get("/me/mailFolders/sentitems/messages").json()["value"]} | {
        m["subject"] for m in _all_pages(bob, "/me/mailFolders/sentitems/messages")
    }


def test_the_seeded_folders_hold_what_the_readme_lists(alice, bob):
    def subjects(client, folder: str) -> set[str]:
        return {m["subject"] for m in _all_pages(client, f"/me/mailFolders/{folder}/messages", **{"$top": "100"})}

    assert subjects(alice, "drafts") == {"Notes for the Acme call"}
    assert subjects(alice, "archive") == {"Globex NDA signed"}
    assert subjects(alice, "deleteditems") == {"You won a voucher!"}
    assert {"Q3 forecast", "Expense report October"} <= subjects(bob, "sentitems")
    phishing = _find(bob, "Your password expires today")
    assert "micr\u043esoftonline" in phishing["body"]["content"] and phishing["importance"] == "high"
    assert phishing["from"]["emailAddress"]["address"] == "it-support@c0ntoso.example"


@pytest.mark.parametrize(
    "params",
    [
        {"$top": "0"},
        {"$top": "ten"},
        {"$filter": "isRead gt 'x'"},
        {"$filter": "receivedDateTime ge yesterday"},
        {"$filter": "subject eq 'unterminated"},
        {"$search": '""'},
        {"$search": '"received>=last-week"'},
        {"$orderby": "colour desc"},
    ],
)
def test_malformed_query_options_answer_400_with_graphs_error_shape(alice, params):
    answer = alice.get("/me/messages", params=params)
    assert answer.status_code == 400, answer.text
    error = answer.json()["error"]
    assert error["code"] and error["message"] and "Sandbox error" not in error["message"]


def test_malformed_bodies_answer_400_with_a_reason(alice, fresh):
    assert alice.post("/me/messages", content=b"{not json").json()["error"]["message"].endswith("not valid JSON.")
    assert alice.post("/me/messages", json=["a"]).status_code == 400
    draft = alice.post("/me/messages", json={"subject": "x"}).json()
    bad = alice.post(f"/me/messages/{draft['id']}/attachments", json={"name": "a", "contentBytes": "%%%"})
    assert bad.status_code == 400 and "fileAttachment" in bad.json()["error"]["message"]
    assert alice.post(f"/me/messages/{draft['id']}/move", json={}).status_code == 400
