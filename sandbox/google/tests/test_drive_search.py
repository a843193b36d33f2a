"""files.list through google-api-python-client: the q language, fields, paging, ordering and corpora."""

from __future__ import annotations

from typing import Any

import pytest
from googleapiclient.errors import HttpError

from .conftest import find
from .discovery_schema import assert_valid

DOC = "application/vnd.google-apps.document"
FOLDER = "application/vnd.google-apps.folder"


def names(drive: Any, q: str, **extra: Any) -> set[str]:
    body = drive.files().list(q=q, fields="files(id,name)", pageSize=1000, **extra).execute()
    return {f["name"] for f in body["files"]}


def error_of(call: Any) -> tuple[int, dict]:
    with pytest.raises(HttpError) as caught:
        call.execute()
    import json

    return caught.value.resp.status, json.loads(caught.value.content)["error"]


def test_name_contains_matches_word_prefixes_case_insensitively(alice: Any) -> None:
    assert names(alice, "name contains 'signed'") == {"Signed contract with Acme.pdf", "Signed contract with Acme.docx"}
    assert names(alice, "name contains 'ontract'") == set()  # not a prefix of any word


def test_full_text_finds_the_termination_clause_inside_the_contract(alice: Any) -> None:
    found = names(alice, "fullText contains 'termination' and trashed = false")
    assert {"Signed contract with Acme.pdf", "Signed contract with Acme.docx"} <= found
    assert names(alice, "fullText contains '\"materially breaches\"'") >= {"Signed contract with Acme.pdf"}


def test_mime_type_equality_and_negation(alice: Any) -> None:
    docs = names(alice, f"mimeType = '{DOC}'")
    assert "Project Phoenix plan" in docs and all("." not in n for n in docs)
    not_folders = names(alice, f"mimeType != '{FOLDER}' and name contains 'contract'")
    assert not_folders == {"Signed contract with Acme.pdf", "Signed contract with Acme.docx"}


def test_in_parents_lists_a_folder_and_root_is_an_alias_of_my_drive(alice: Any) -> None:
    contracts = find(alice, "Contracts")
    assert names(alice, f"'{contracts['id']}' in parents") == {
        "Signed contract with Acme.pdf",
        "Signed contract with Acme.docx",
    }
    root = alice.files().get(fileId="root", fields="id,name").execute()
    assert root["name"] == "My Drive"
    assert names(alice, f"'{root['id']}' in parents") == names(alice, "'root' in parents")
    assert "Contracts" in names(alice, "'root' in parents") and "Design docs" not in names(alice, "'root' in parents")


def test_trashed_files_are_listed_unless_excluded(alice: Any) -> None:
    assert "Old draft.txt" in names(alice, "name contains 'old'")
    assert "Old draft.txt" not in names(alice, "name contains 'old' and trashed = false")
    assert names(alice, "trashed = true") == {"Old draft.txt"}


def test_modified_time_comparisons(alice: Any) -> None:
    early = names(alice, "modifiedTime < '2026-01-10T00:00:00'")
    late = names(alice, "modifiedTime >= '2026-01-10T00:00:00Z'")
    assert early and late and not early & late


def test_owners_and_shared_with_me_differ_per_user(alice: Any, bob: Any) -> None:
    assert "Travel itinerary.txt" not in names(alice, "trashed = false")
    assert names(alice, "sharedWithMe") == {"1:1 notes with Alice"}
    assert names(bob, "sharedWithMe and trashed = false") == {"Projects"}
    assert "Project Phoenix plan" in names(bob, "'alice@example.com' in owners")  # inherited from the folder
    assert "Bob's notes" not in names(alice, "'bob@example.com' in owners")
    assert "Budget 2026" in names(alice, "'bob@example.com' in writers")  # writer on the Projects folder
    assert "1:1 notes with Alice" not in names(bob, "'alice@example.com' in writers")  # a commenter only
    assert "1:1 notes with Alice" in names(bob, "'alice@example.com' in readers")


def test_and_or_not_with_parentheses(alice: Any) -> None:
    q = "(name contains 'budget' or name contains 'kickoff') and not mimeType = 'application/pdf'"
    assert names(alice, q) == {"Budget 2026", "Phoenix kickoff"}


@pytest.mark.parametrize(
    "q",
    [
        "acme",
        "name contains acme",
        "title contains 'x'",
        "modifiedTime > 'yesterday'",
        "trashed = 'maybe'",
        "(name = 'a'",
    ],
)
def test_a_query_drive_does_not_understand_is_400_invalid_value_on_q(alice: Any, q: str) -> None:
    status, error = error_of(alice.files().list(q=q))
    assert status == 400
    assert error["errors"][0] == {
        "message": "Invalid Value",
        "domain": "global",
        "reason": "invalid",
        "location": "q",
        "locationType": "parameter",
    }


def test_default_fields_are_kind_id_name_mime_type(alice: Any) -> None:
    body = alice.files().list(pageSize=2).execute()
    assert set(body) == {"kind", "incompleteSearch", "nextPageToken", "files"}
    assert all(set(f) == {"kind", "id", "name", "mimeType"} for f in body["files"])
    assert_valid("drive.files.list", body)


def test_fields_selects_nested_subsets_and_rejects_unknown_fields(alice: Any) -> None:
    body = alice.files().list(q="name contains 'signed'", fields="files(id,owners/emailAddress)").execute()
    assert body["files"][0]["owners"] == [{"emailAddress": "alice@example.com"}]
    assert "nextPageToken" not in body and set(body["files"][0]) == {"id", "owners"}
    status, error = error_of(alice.files().list(fields="files(id,colour)"))
    assert status == 400 and error["errors"][0]["reason"] == "invalidParameter"


def test_every_file_validates_against_the_discovery_schema(alice: Any) -> None:
    body = alice.files().list(fields="*", pageSize=1000, q="not name contains 'large'").execute()
    assert len(body["files"]) > 15
    assert_valid("drive.files.list", body)


def test_paging_walks_every_file_once(alice: Any) -> None:
    seen, token = [], None
    while True:
        body = alice.files().list(pageSize=4, pageToken=token, fields="nextPageToken,files(id)").execute()
        seen += [f["id"] for f in body["files"]]
        token = body.get("nextPageToken")
        if not token:
            break
    everything = alice.files().list(pageSize=1000, fields="files(id)").execute()["files"]
    assert sorted(seen) == sorted(f["id"] for f in everything) and len(seen) == len(set(seen))


def test_a_forged_page_token_is_400_on_page_token(alice: Any) -> None:
    status, error = error_of(alice.files().list(pageToken="not-a-token"))
    assert status == 400 and error["errors"][0]["location"] == "pageToken"


def test_order_by_name_and_modified_time_desc(alice: Any) -> None:
    by_name = alice.files().list(q="trashed = false", orderBy="name", fields="files(name)").execute()["files"]
    assert [f["name"].casefold() for f in by_name] == sorted(f["name"].casefold() for f in by_name)
    newest = alice.files().list(orderBy="modifiedTime desc", fields="files(modifiedTime)").execute()["files"]
    assert [f["modifiedTime"] for f in newest] == sorted((f["modifiedTime"] for f in newest), reverse=True)
    status, _ = error_of(alice.files().list(orderBy="size"))
    assert status == 400


def test_shared_drive_items_need_include_items_from_all_drives(alice: Any, bob: Any) -> None:
    assert "Architecture overview" not in names(alice, "name contains 'architecture'")
    drives = alice.drives().list().execute()
    assert_valid("drive.drives.list", drives)
    engineering = drives["drives"][0]
    assert engineering["name"] == "Engineering"
    in_drive = names(
        bob,
        "trashed = false",
        corpora="drive",
        driveId=engineering["id"],
        includeItemsFromAllDrives=True,
        supportsAllDrives=True,
    )
    assert in_drive == {"Design docs", "Architecture overview", "Runbook.md", "Roadmap.xlsx"}
    everywhere = names(
        alice,
        "name contains 'architecture' or name contains 'signed'",
        corpora="allDrives",
        includeItemsFromAllDrives=True,
        supportsAllDrives=True,
    )
    assert "Architecture overview" in everywhere and "Signed contract with Acme.pdf" in everywhere
    status, _ = error_of(alice.files().list(corpora="drive"))
    assert status == 400


def test_a_shared_drive_file_is_404_without_supports_all_drives(alice: Any) -> None:
    runbook = find(alice, "Runbook.md", corpora="allDrives", includeItemsFromAllDrives=True, supportsAllDrives=True)
    status, error = error_of(alice.files().get(fileId=runbook["id"]))
    assert status == 404 and error["errors"][0]["reason"] == "notFound"
    got = alice.files().get(fileId=runbook["id"], supportsAllDrives=True, fields="id,driveId").execute()
    assert got["driveId"] == runbook["driveId"]


def test_domain_corpus_adds_files_shared_with_the_domain(bob: Any) -> None:
    assert "Onboarding guide" not in names(bob, "trashed = false")
    assert "Onboarding guide" in names(bob, "trashed = false", corpora="domain")
