"""Per-folder message delta over HTTPS: a full first round, then only changes, @removed for messages deleted or
moved out, and 410 with a restarting Location once tokens expire."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest


@pytest.fixture(autouse=True)
def _fresh(fresh):
    return fresh


def _round(client, url: str, **params) -> tuple[list[dict], str]:
    """Every page of one delta round; returns the changes and the deltaLink for the next round."""
    body = (client.get(url, params=params) if params else client.get(url)).json()  # params={} would drop the query
    changes = list(body["value"])
    while "@odata.nextLink" in body:
        assert "%24skiptoken=" in body["@odata.nextLink"] and "@odata.deltaLink" not in body
        body = client.get(body["@odata.nextLink"]).json()
        changes.extend(body["value"])
    assert body["@odata.deltaLink"].startswith("https://") and "%24deltatoken=" in body["@odata.deltaLink"]
    return changes, body["@odata.deltaLink"]


def test_the_first_round_lists_the_folder_in_pages_and_the_next_round_is_empty(alice):
    total = alice.get("/me/mailFolders/inbox").json()["totalItemCount"]
    changes, link = _round(alice, "/me/mailFolders/inbox/messages/delta", **{"$select": "subject,isRead"})
    assert len(changes) == total and len({c["id"] for c in changes}) == total
    assert set(changes[0]) <= {"@odata.type", "@odata.etag", "id", "subject", "isRead"}
    again, _ = _round(alice, link)
    assert again == []


def test_a_later_round_reports_new_changed_deleted_and_moved_out_messages(alice, fresh):
    _, link = _round(alice, "/me/mailFolders/inbox/messages/delta", **{"$select": "subject,isRead"})
    inbox = alice.get("/me/mailFolders/inbox/messages", params={"$top": "3"}).json()["value"]
    alice.patch(f"/me/messages/{inbox[0]['id']}", json={"isRead": not inbox[0]["isRead"]})
    immutable = {"Prefer": 'IdType="ImmutableId"'}
    alice.post(f"/me/messages/{inbox[1]['id']}/move", json={"destinationId": "archive"}, headers=immutable)
    alice.delete(f"/me/messages/{inbox[2]['id']}")
    fresh.http.post(f"{fresh.base}/mail/deliver", json={"to": "alice@contoso.example", "subject": "Fresh one"})
    changes, link = _round(alice, link)
    by_id = {c["id"]: c for c in changes}
    assert by_id[inbox[0]["id"]]["isRead"] is (not inbox[0]["isRead"])
    assert by_id[inbox[0]["id"]]["subject"] == inbox[0]["subject"]  # $select from the first call is kept
    assert by_id[inbox[1]["id"]]["@removed"] == {"reason": "deleted"}
    assert by_id[inbox[2]["id"]]["@removed"] == {"reason": "deleted"}
    assert "Fresh one" in {c.get("subject") for c in changes}
    assert len(changes) == 4
    archive, _ = _round(alice, "/me/mailFolders/archive/messages/delta")
    assert inbox[1]["id"] in {c["id"] for c in archive}


def test_delta_pages_follow_odata_maxpagesize(alice):
    body = alice.get(
        "/me/mailFolders/drafts/messages/delta", headers={"Prefer": "odata.maxpagesize=1"}
    ).json()  # one draft: a single page
    assert len(body["value"]) == 1 and "@odata.deltaLink" in body
    page = alice.get("/me/mailFolders/sentitems/messages/delta", headers={"Prefer": "odata.maxpagesize=5"}).json()
    assert len(page["value"]) == 5 and "@odata.nextLink" in page


def test_expired_delta_tokens_answer_410_with_a_location_that_restarts(alice, fresh):
    _, link = _round(alice, "/me/mailFolders/inbox/messages/delta")
    assert fresh.http.post(f"{fresh.base}/mail/expire-delta-tokens").status_code == 200
    gone = alice.get(link)
    assert gone.status_code == 410 and gone.json()["error"]["code"] == "SyncStateNotFound"
    restart = gone.headers["Location"]
    assert restart.startswith("https://") and restart.endswith("$deltatoken=")
    changes, _ = _round(alice, restart)
    assert len(changes) == alice.get("/me/mailFolders/inbox").json()["totalItemCount"]


def test_delta_refuses_search_and_foreign_tokens(alice):
    assert alice.get("/me/mailFolders/inbox/messages/delta", params={"$search": '"acme"'}).status_code == 400
    _, link = _round(alice, "/me/mailFolders/drafts/messages/delta")
    token = link.split("%24deltatoken=")[1]
    wrong = alice.get("/me/mailFolders/inbox/messages/delta", params={"$deltatoken": token})
    assert wrong.status_code == 400 and "not valid for this folder" in wrong.json()["error"]["message"]
    assert alice.get("/me/messages/delta").status_code == 400  # mailbox-wide delta does not exist


def test_a_received_date_filter_and_change_type_are_kept_across_rounds(alice, fresh):
    since = (datetime.now(UTC) - timedelta(days=7)).strftime("%Y-%m-%dT%H:%M:%SZ")
    recent = alice.get(
        "/me/mailFolders/inbox/messages", params={"$filter": f"receivedDateTime ge {since}", "$top": "1000"}
    ).json()["value"]
    first, link = _round(
        alice,
        "/me/mailFolders/inbox/messages/delta",
        **{"$filter": f"receivedDateTime ge {since}", "changeType": "created"},
    )
    assert {c["id"] for c in first} == {m["id"] for m in recent}
    assert 0 < len(first) < alice.get("/me/mailFolders/inbox").json()["totalItemCount"]
    alice.patch(f"/me/messages/{recent[0]['id']}", json={"isRead": True, "categories": ["Seen"]})
    fresh.http.post(f"{fresh.base}/mail/deliver", json={"to": "alice@contoso.example", "subject": "Brand new"})
    changes, _ = _round(alice, link)
    assert [c["subject"] for c in changes] == ["Brand new"]  # the update is not a creation
    refused = alice.get("/me/mailFolders/inbox/messages/delta", params={"$filter": "isRead eq false"})
    assert refused.status_code == 400 and "receivedDateTime" in refused.json()["error"]["message"]
