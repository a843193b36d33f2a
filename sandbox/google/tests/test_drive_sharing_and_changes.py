"""Permissions and the changes feed through google-api-python-client."""

from __future__ import annotations

import json
from typing import Any

import pytest
from googleapiclient.errors import HttpError

from sandbox.google.testing import GoogleUnderTest

from .conftest import find
from .discovery_schema import assert_valid


def all_changes(drive: Any, token: str, **extra: Any) -> tuple[list[dict], str]:
    """Follow nextPageToken to the end; return the changes and the newStartPageToken to persist."""
    out = []
    while True:
        page = drive.changes().list(pageToken=token, pageSize=2, fields="*", **extra).execute()
        assert_valid("drive.changes.list", page)
        out += page["changes"]
        if "nextPageToken" in page:
            assert "newStartPageToken" not in page
            token = page["nextPageToken"]
        else:
            return out, page["newStartPageToken"]


def test_permissions_list_shows_the_owner_and_each_grant(fresh: GoogleUnderTest, alice: Any) -> None:
    projects = find(alice, "Projects")
    body = alice.permissions().list(fileId=projects["id"], fields="*").execute()
    assert_valid("drive.permissions.list", body)
    assert {(p["type"], p["role"], p.get("emailAddress")) for p in body["permissions"]} == {
        ("user", "owner", "alice@example.com"),
        ("user", "writer", "bob@example.com"),
    }
    assert set(alice.permissions().list(fileId=projects["id"]).execute()["permissions"][0]) == {
        "kind",
        "id",
        "type",
        "role",
    }


def test_sharing_with_a_user_makes_the_file_appear_for_them(fresh: GoogleUnderTest, alice: Any, bob: Any) -> None:
    notes = find(alice, "Team notes.txt")
    perm = (
        alice.permissions()
        .create(
            fileId=notes["id"], body={"type": "user", "role": "reader", "emailAddress": "bob@example.com"}, fields="*"
        )
        .execute()
    )
    assert_valid("drive.permissions.create", perm)
    assert perm["emailAddress"] == "bob@example.com" and perm["role"] == "reader"
    shared = bob.files().list(q="sharedWithMe and name contains 'team'", fields="files(id)").execute()["files"]
    assert shared == [{"id": notes["id"]}]
    alice.permissions().delete(fileId=notes["id"], permissionId=perm["id"]).execute()
    assert bob.files().list(q="name contains 'team'", fields="files(id)").execute()["files"] == []


def test_domain_anyone_and_external_shares(fresh: GoogleUnderTest, alice: Any) -> None:
    notes = find(alice, "Team notes.txt")
    domain = (
        alice.permissions()
        .create(fileId=notes["id"], body={"type": "domain", "role": "reader", "domain": "example.com"}, fields="*")
        .execute()
    )
    anyone = (
        alice.permissions().create(fileId=notes["id"], body={"type": "anyone", "role": "reader"}, fields="*").execute()
    )
    outside = (
        alice.permissions()
        .create(
            fileId=notes["id"],
            body={"type": "user", "role": "commenter", "emailAddress": "carol@partner.org"},
            fields="*",
        )
        .execute()
    )
    assert (domain["domain"], anyone["id"], outside["emailAddress"]) == (
        "example.com",
        "anyoneWithLink",
        "carol@partner.org",
    )
    fresh.control._call("POST", "google/policy", {"external_sharing": False})
    with pytest.raises(HttpError) as caught:
        alice.permissions().create(
            fileId=notes["id"], body={"type": "user", "role": "reader", "emailAddress": "dave@elsewhere.net"}
        ).execute()
    assert json.loads(caught.value.content)["error"]["errors"][0]["reason"] == "invalidSharingRequest"


def test_a_reader_cannot_share_and_bad_permissions_are_400(fresh: GoogleUnderTest, alice: Any, bob: Any) -> None:
    guide = find(alice, "Onboarding guide")
    with pytest.raises(HttpError) as caught:
        bob.permissions().create(fileId=guide["id"], body={"type": "anyone", "role": "reader"}).execute()
    assert caught.value.resp.status == 403
    with pytest.raises(HttpError) as caught:
        alice.permissions().create(
            fileId=guide["id"], body={"type": "user", "role": "boss", "emailAddress": "bob@example.com"}
        ).execute()
    assert caught.value.resp.status == 400


def test_changes_report_new_edited_and_deleted_files_once_each(fresh: GoogleUnderTest, alice: Any) -> None:
    start = alice.changes().getStartPageToken().execute()
    assert_valid("drive.changes.getStartPageToken", start)
    notes, csv_file = find(alice, "Team notes.txt"), find(alice, "Customers.csv")
    alice.files().update(fileId=notes["id"], body={"name": "Notes 1"}).execute()
    alice.files().update(fileId=notes["id"], body={"name": "Notes 2"}).execute()
    folder = alice.files().create(body={"name": "New", "mimeType": "application/vnd.google-apps.folder"}).execute()
    alice.files().delete(fileId=csv_file["id"]).execute()
    changes, new_start = all_changes(alice, start["startPageToken"])
    assert [(c["fileId"], c["removed"]) for c in changes] == [
        (notes["id"], False),
        (folder["id"], False),
        (csv_file["id"], True),
    ]
    assert changes[0]["file"]["name"] == "Notes 2" and "file" not in changes[2]
    assert all_changes(alice, new_start) == ([], new_start)


def test_losing_access_is_a_removal_and_others_never_see_private_changes(
    fresh: GoogleUnderTest, alice: Any, bob: Any
) -> None:
    token = bob.changes().getStartPageToken().execute()["startPageToken"]
    projects = find(alice, "Projects")
    alice.files().update(fileId=find(alice, "Team notes.txt")["id"], body={"name": "private edit"}).execute()
    bob_perm = next(
        p for p in alice.permissions().list(fileId=projects["id"]).execute()["permissions"] if p["role"] == "writer"
    )
    alice.permissions().delete(fileId=projects["id"], permissionId=bob_perm["id"]).execute()
    changes, _ = all_changes(bob, token)
    assert changes and all(c["removed"] for c in changes)
    assert {c["fileId"] for c in changes} >= {projects["id"], find(alice, "Project Phoenix plan")["id"]}


def test_trashing_keeps_the_file_in_changes_with_trashed_true(fresh: GoogleUnderTest, alice: Any) -> None:
    token = alice.changes().getStartPageToken().execute()["startPageToken"]
    notes = find(alice, "Team notes.txt")
    alice.files().update(fileId=notes["id"], body={"trashed": True}).execute()
    changes, _ = all_changes(alice, token)
    assert [(c["removed"], c["file"]["trashed"]) for c in changes] == [(False, True)]


def test_shared_drive_changes_need_include_items_from_all_drives(fresh: GoogleUnderTest, bob: Any) -> None:
    drive_id = bob.drives().list().execute()["drives"][0]["id"]
    token = bob.changes().getStartPageToken().execute()["startPageToken"]
    runbook = find(
        bob, "Runbook.md", corpora="drive", driveId=drive_id, includeItemsFromAllDrives=True, supportsAllDrives=True
    )
    bob.files().update(fileId=runbook["id"], body={"name": "Runbook v2.md"}, supportsAllDrives=True).execute()
    assert all_changes(bob, token)[0] == []
    everywhere, _ = all_changes(bob, token, includeItemsFromAllDrives=True, supportsAllDrives=True)
    assert [(c["fileId"], c["driveId"]) for c in everywhere] == [(runbook["id"], drive_id)]
    in_drive, _ = all_changes(bob, token, driveId=drive_id, includeItemsFromAllDrives=True, supportsAllDrives=True)
    assert [c["fileId"] for c in in_drive] == [runbook["id"]]


@pytest.mark.parametrize("token", ["abc", "0", "999999999"])
def test_an_invalid_page_token_is_400_invalid_value(fresh: GoogleUnderTest, alice: Any, token: str) -> None:
    with pytest.raises(HttpError) as caught:
        alice.changes().list(pageToken=token).execute()
    error = json.loads(caught.value.content)["error"]
    assert caught.value.resp.status == 400
    assert error["errors"][0] == {
        "message": "Invalid Value",
        "domain": "global",
        "reason": "invalid",
        "location": "pageToken",
        "locationType": "parameter",
    }


def test_about_needs_fields_and_reports_the_user_and_quota(alice: Any) -> None:
    with pytest.raises(HttpError) as caught:
        alice.about().get().execute()
    assert caught.value.resp.status == 400
    about = alice.about().get(fields="*").execute()
    assert_valid("drive.about.get", about)
    assert about["user"]["emailAddress"] == "alice@example.com" and about["user"]["me"] is True
    assert 0 < int(about["storageQuota"]["usage"]) < int(about["storageQuota"]["limit"])


def test_drives_get_validates_and_unknown_drives_are_404(bob: Any) -> None:
    drive = bob.drives().list(fields="*").execute()["drives"][0]
    got = bob.drives().get(driveId=drive["id"], fields="*").execute()
    assert_valid("drive.drives.get", got)
    assert got["capabilities"]["canManageMembers"] is False
    with pytest.raises(HttpError) as caught:
        bob.drives().get(driveId="0Anope").execute()
    assert caught.value.resp.status == 404


def test_an_expired_page_token_is_400_and_a_new_start_token_works(fresh: GoogleUnderTest, alice: Any) -> None:
    old = alice.changes().getStartPageToken().execute()["startPageToken"]
    alice.files().update(fileId=find(alice, "Team notes.txt")["id"], body={"name": "before expiry"}).execute()
    new_start = fresh.control._call("POST", "google/changes/expire")["startPageToken"]
    with pytest.raises(HttpError) as caught:
        alice.changes().list(pageToken=old).execute()
    assert caught.value.resp.status == 400
    assert json.loads(caught.value.content)["error"]["errors"][0]["location"] == "pageToken"
    assert alice.changes().getStartPageToken().execute()["startPageToken"] == new_start
    assert all_changes(alice, new_start) == ([], new_start)


def test_a_grant_can_be_upgraded_but_the_owner_cannot_be_downgraded(
    fresh: GoogleUnderTest, alice: Any, bob: Any
) -> None:
    notes = find(alice, "Team notes.txt")
    perm = (
        alice.permissions()
        .create(fileId=notes["id"], body={"type": "user", "role": "reader", "emailAddress": "bob@example.com"})
        .execute()
    )
    with pytest.raises(HttpError):
        bob.files().update(fileId=notes["id"], body={"name": "by bob"}).execute()
    upgraded = (
        alice.permissions()
        .update(fileId=notes["id"], permissionId=perm["id"], body={"role": "writer"}, fields="*")
        .execute()
    )
    assert_valid("drive.permissions.update", upgraded)
    assert upgraded["role"] == "writer"
    assert bob.files().update(fileId=notes["id"], body={"name": "by bob"}, fields="name").execute()["name"] == "by bob"
    owner = next(
        p for p in alice.permissions().list(fileId=notes["id"]).execute()["permissions"] if p["role"] == "owner"
    )
    with pytest.raises(HttpError) as caught:
        alice.permissions().update(fileId=notes["id"], permissionId=owner["id"], body={"role": "reader"}).execute()
    assert caught.value.resp.status == 403
