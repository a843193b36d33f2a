"""Writes through google-api-python-client: multipart and resumable uploads, conversion, rename, move, delete."""

from __future__ import annotations

import io
import json
import random
from typing import Any

import docx
import httpx
import pytest
from googleapiclient.errors import HttpError
from googleapiclient.http import MediaIoBaseUpload

from sandbox.google.testing import GoogleUnderTest

from .conftest import ALICE_TOKEN, find
from .discovery_schema import assert_valid

CHUNK = 256 * 1024  # resumable chunks must be multiples of 256 KiB
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def media(data: bytes, mime: str, *, resumable: bool = False) -> MediaIoBaseUpload:
    return MediaIoBaseUpload(io.BytesIO(data), mimetype=mime, chunksize=CHUNK, resumable=resumable)


def test_multipart_upload_creates_a_file_in_a_folder(fresh: GoogleUnderTest, alice: Any) -> None:
    folder = find(alice, "Contracts")
    made = (
        alice.files()
        .create(
            body={"name": "Notes.txt", "parents": [folder["id"]]},
            media_body=media(b"hello drive\n", "text/plain"),
            fields="*",
        )
        .execute()
    )
    assert_valid("drive.files.create", made)
    assert made["parents"] == [folder["id"]] and made["size"] == "12" and made["mimeType"] == "text/plain"
    assert alice.files().get_media(fileId=made["id"]).execute() == b"hello drive\n"
    found = alice.files().list(q="fullText contains 'hello drive'", fields="files(id)").execute()["files"]
    assert [f["id"] for f in found] == [made["id"]]


def test_resumable_upload_sends_chunks_until_done(fresh: GoogleUnderTest, alice: Any) -> None:
    data = random.Random(1).randbytes(CHUNK * 2 + 1000)
    request = alice.files().create(
        body={"name": "blob.bin"}, media_body=media(data, "application/octet-stream", resumable=True), fields="id,size"
    )
    progress, response = [], None
    while response is None:
        status, response = request.next_chunk()
        if status:
            progress.append(status.resumable_progress)
    assert progress == [CHUNK, 2 * CHUNK]
    assert response["size"] == str(len(data))
    assert alice.files().get_media(fileId=response["id"]).execute() == data
    puts = [r for r in fresh.control.requests() if r["method"] == "PUT"]
    assert [r["status"] for r in puts] == [308, 308, 200]


def test_a_resumable_session_answers_status_queries_and_resumes(fresh: GoogleUnderTest) -> None:
    auth = {"Authorization": f"Bearer {ALICE_TOKEN}"}
    data = b"x" * 1000
    with httpx.Client(base_url=fresh.url, headers=auth) as http:
        start = http.post(
            "/upload/drive/v3/files",
            params={"uploadType": "resumable"},
            json={"name": "r.txt"},
            headers={"X-Upload-Content-Type": "text/plain", "X-Upload-Content-Length": "1000"},
        )
        assert start.status_code == 200
        session = start.headers["location"]
        assert session.startswith(fresh.url + "/upload/drive/v3/files?uploadType=resumable&upload_id=")
        first = http.put(session, content=data[:400], headers={"Content-Range": "bytes 0-399/1000"})
        assert first.status_code == 308 and first.headers["range"] == "bytes=0-399"
        status = http.put(session, headers={"Content-Range": "bytes */1000"})
        assert status.status_code == 308 and status.headers["range"] == "bytes=0-399"
        done = http.put(session, content=data[400:], headers={"Content-Range": "bytes 400-999/1000"})
        assert done.status_code == 200 and done.json()["name"] == "r.txt"
        again = http.put(session, headers={"Content-Range": "bytes */1000"})
        assert again.status_code == 200 and again.json()["id"] == done.json()["id"]
        gone = http.put(session.replace("upload_id=", "upload_id=nope"), content=b"x")
        assert gone.status_code == 404 and gone.json()["error"]["errors"][0]["reason"] == "notFound"


def test_uploading_to_a_google_type_converts(fresh: GoogleUnderTest, alice: Any) -> None:
    doc = (
        alice.files()
        .create(
            body={"name": "Imported", "mimeType": "application/vnd.google-apps.document"},
            media_body=media(b"<h1>Imported</h1><p>Converted from HTML.</p>", "text/html"),
            fields="id,mimeType",
        )
        .execute()
    )
    assert doc["mimeType"] == "application/vnd.google-apps.document"
    assert alice.files().export(fileId=doc["id"], mimeType="text/markdown").execute().startswith(b"# Imported")
    sheet = (
        alice.files()
        .create(
            body={"name": "Imported sheet", "mimeType": "application/vnd.google-apps.spreadsheet"},
            media_body=media(b"a,b\r\n1,2\r\n", "text/csv"),
            fields="id",
        )
        .execute()
    )
    assert alice.files().export(fileId=sheet["id"], mimeType="text/csv").execute() == b"a,b\r\n1,2\r\n"
    buffer = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("From Word")
    document.save(buffer)
    from_word = (
        alice.files()
        .create(
            body={"name": "W", "mimeType": "application/vnd.google-apps.document"},
            media_body=media(buffer.getvalue(), DOCX),
            fields="id",
        )
        .execute()
    )
    assert b"From Word" in alice.files().export(fileId=from_word["id"], mimeType="text/plain").execute()


def test_rename_and_move_with_add_and_remove_parents(fresh: GoogleUnderTest, alice: Any) -> None:
    notes, contracts, root = find(alice, "Team notes.txt"), find(alice, "Contracts"), find(alice, "Projects")
    renamed = (
        alice.files().update(fileId=notes["id"], body={"name": "Team notes (old).txt"}, fields="name,version").execute()
    )
    assert_valid("drive.files.update", renamed)
    assert renamed["name"] == "Team notes (old).txt"
    moved = (
        alice.files()
        .update(fileId=notes["id"], addParents=contracts["id"], removeParents=notes["parents"][0], fields="parents")
        .execute()
    )
    assert moved["parents"] == [contracts["id"]]
    with pytest.raises(HttpError) as caught:
        alice.files().update(fileId=notes["id"], body={"parents": [root["id"]]}).execute()
    assert caught.value.resp.status == 403
    assert json.loads(caught.value.content)["error"]["errors"][0]["reason"] == "fieldNotWritable"


def test_a_reader_cannot_edit_and_a_writer_cannot_delete(fresh: GoogleUnderTest, alice: Any, bob: Any) -> None:
    notes = find(alice, "1:1 notes with Alice")  # alice is a commenter on bob's doc
    with pytest.raises(HttpError) as caught:
        alice.files().update(fileId=notes["id"], body={"name": "mine"}).execute()
    assert caught.value.resp.status == 403
    plan = find(bob, "Project Phoenix plan")  # bob writes in alice's Projects folder
    assert bob.files().update(fileId=plan["id"], body={"name": "Phoenix plan v2"}, fields="name").execute()
    with pytest.raises(HttpError) as caught:
        bob.files().delete(fileId=plan["id"]).execute()
    assert caught.value.resp.status == 403


def test_folders_metadata_only_creates_and_delete(fresh: GoogleUnderTest, alice: Any) -> None:
    folder = (
        alice.files()
        .create(
            body={"name": "Archive", "mimeType": "application/vnd.google-apps.folder"}, fields="id,mimeType,parents"
        )
        .execute()
    )
    assert folder["mimeType"] == "application/vnd.google-apps.folder"
    child = (
        alice.files()
        .create(
            body={"name": "inside.txt", "parents": [folder["id"]]}, media_body=media(b"x", "text/plain"), fields="id"
        )
        .execute()
    )
    assert alice.files().delete(fileId=folder["id"]).execute() == ""
    with pytest.raises(HttpError) as caught:
        alice.files().get(fileId=child["id"]).execute()
    assert caught.value.resp.status == 404


def test_generated_ids_make_a_retried_create_safe(fresh: GoogleUnderTest, alice: Any) -> None:
    ids = alice.files().generateIds(count=2).execute()
    assert_valid("drive.files.generateIds", ids)
    new_id = ids["ids"][0]
    made = (
        alice.files()
        .create(body={"id": new_id, "name": "once.txt"}, media_body=media(b"1", "text/plain"), fields="id")
        .execute()
    )
    assert made["id"] == new_id
    with pytest.raises(HttpError) as caught:
        alice.files().create(body={"id": new_id, "name": "once.txt"}, media_body=media(b"1", "text/plain")).execute()
    assert caught.value.resp.status == 409


def test_uploads_into_a_shared_drive_need_supports_all_drives(fresh: GoogleUnderTest, bob: Any) -> None:
    drive_id = bob.drives().list().execute()["drives"][0]["id"]
    with pytest.raises(HttpError) as caught:
        bob.files().create(
            body={"name": "x.txt", "parents": [drive_id]}, media_body=media(b"x", "text/plain")
        ).execute()
    assert caught.value.resp.status == 404
    made = (
        bob.files()
        .create(
            body={"name": "x.txt", "parents": [drive_id]},
            media_body=media(b"x", "text/plain"),
            supportsAllDrives=True,
            fields="driveId,owners",
        )
        .execute()
    )
    assert made == {"driveId": drive_id}


def test_updating_content_replaces_the_bytes_and_bumps_the_version(fresh: GoogleUnderTest, alice: Any) -> None:
    notes = find(alice, "Team notes.txt")
    before = alice.files().get(fileId=notes["id"], fields="version,md5Checksum").execute()
    alice.files().update(fileId=notes["id"], media_body=media(b"v2\n", "text/plain")).execute()
    data = random.Random(2).randbytes(CHUNK + 10)
    request = alice.files().update(
        fileId=notes["id"],
        body={"name": "notes.bin"},
        media_body=media(data, "application/octet-stream", resumable=True),
        fields="name,version,md5Checksum,size",
    )
    response = None
    while response is None:
        _, response = request.next_chunk()
    assert response["name"] == "notes.bin" and response["size"] == str(len(data))
    assert int(response["version"]) > int(before["version"]) and response["md5Checksum"] != before["md5Checksum"]
    assert alice.files().get_media(fileId=notes["id"]).execute() == data


def test_exports_over_ten_megabytes_are_refused(fresh: GoogleUnderTest, alice: Any) -> None:
    row = ("x" * 98 + "\r\n").encode()
    sheet = (
        alice.files()
        .create(
            body={"name": "Huge", "mimeType": "application/vnd.google-apps.spreadsheet"},
            media_body=media(row * 106_000, "text/csv"),
            fields="id",
        )
        .execute()
    )
    with pytest.raises(HttpError) as caught:
        alice.files().export(fileId=sheet["id"], mimeType="text/csv").execute()
    assert caught.value.resp.status == 403
    assert json.loads(caught.value.content)["error"]["errors"][0]["reason"] == "exportSizeLimitExceeded"


def test_modified_time_is_writable_on_create_and_update(fresh: GoogleUnderTest, alice: Any) -> None:
    made = (
        alice.files()
        .create(
            body={"name": "dated.txt", "modifiedTime": "2025-05-01T10:00:00.000Z"},
            media_body=media(b"x", "text/plain"),
            fields="id,modifiedTime",
        )
        .execute()
    )
    assert made["modifiedTime"] == "2025-05-01T10:00:00.000Z"
    updated = (
        alice.files()
        .update(fileId=made["id"], body={"modifiedTime": "2025-06-01T00:00:00Z"}, fields="modifiedTime")
        .execute()
    )
    assert updated["modifiedTime"] == "2025-06-01T00:00:00.000Z"
    with pytest.raises(HttpError) as caught:
        alice.files().update(fileId=made["id"], body={"modifiedTime": "June"}).execute()
    assert caught.value.resp.status == 400


def test_copy_makes_a_private_file_owned_by_the_caller(fresh: GoogleUnderTest, alice: Any, bob: Any) -> None:
    plan = find(bob, "Project Phoenix plan")  # alice's doc, bob writes through the Projects folder
    root = bob.files().get(fileId="root", fields="id").execute()["id"]
    copy = bob.files().copy(fileId=plan["id"], body={"parents": [root]}, fields="*").execute()
    assert_valid("drive.files.copy", copy)
    assert copy["name"] == "Copy of Project Phoenix plan" and copy["owners"][0]["emailAddress"] == "bob@example.com"
    assert bob.files().export(fileId=copy["id"], mimeType="text/markdown").execute().startswith(b"# Project Phoenix")
    with pytest.raises(HttpError) as caught:
        alice.files().get(fileId=copy["id"]).execute()
    assert caught.value.resp.status == 404


def test_app_properties_are_stored_searchable_and_deletable(fresh: GoogleUnderTest, alice: Any) -> None:
    made = (
        alice.files()
        .create(
            body={"name": "synced.txt", "appProperties": {"syncId": "42"}},
            media_body=media(b"x", "text/plain"),
            fields="id,appProperties",
        )
        .execute()
    )
    assert made["appProperties"] == {"syncId": "42"}
    found = alice.files().list(q="appProperties has { key='syncId' and value='42' }", fields="files(id)").execute()
    assert found["files"] == [{"id": made["id"]}]
    cleared = (
        alice.files()
        .update(fileId=made["id"], body={"appProperties": {"syncId": None}}, fields="id,appProperties")
        .execute()
    )
    assert "appProperties" not in cleared


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"name": 5}, "Invalid value at 'file.name' (TYPE_STRING), 5"),
        ({"starred": "yes"}, "Invalid value at 'file.starred' (TYPE_BOOL), \"yes\""),
        ({"parents": "root"}, "Invalid value at 'file.parents' (TYPE_ARRAY), \"root\""),
        ({"colour": "red"}, "Invalid JSON payload received. Unknown name \"colour\" at 'file': Cannot find field."),
    ],
)
def test_bodies_of_the_wrong_shape_are_400_with_the_field_named(
    fresh: GoogleUnderTest, body: dict, message: str
) -> None:
    answer = httpx.post(fresh.url + "/drive/v3/files", json=body, headers={"Authorization": f"Bearer {ALICE_TOKEN}"})
    assert answer.status_code == 400 and answer.json()["error"]["message"] == message


def test_multipart_metadata_is_checked_like_a_json_body(fresh: GoogleUnderTest) -> None:
    body = b'--zz\r\nContent-Type: application/json\r\n\r\n{"name": 5}\r\n--zz\r\n\r\nx\r\n--zz--'
    headers = {"Authorization": f"Bearer {ALICE_TOKEN}", "Content-Type": "multipart/related; boundary=zz"}
    answer = httpx.post(
        fresh.url + "/upload/drive/v3/files", params={"uploadType": "multipart"}, content=body, headers=headers
    )
    assert answer.status_code == 400 and "file.name" in answer.json()["error"]["message"]
    broken = body.replace(b'{"name": 5}', b"{not json")
    answer = httpx.post(
        fresh.url + "/upload/drive/v3/files", params={"uploadType": "multipart"}, content=broken, headers=headers
    )
    assert answer.status_code == 400 and answer.json()["error"]["errors"][0]["reason"] == "parseError"
