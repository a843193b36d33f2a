"""Large attachments through an upload session: byte ranges PUT to the pre-authenticated uploadUrl over HTTPS."""

from __future__ import annotations

import os

import pytest

SIZE = 4 * 1024 * 1024 + 1000  # two chunks: 4 MB, then the rest
MB4 = 4 * 1024 * 1024


@pytest.fixture()
def session(alice, fresh) -> tuple[str, dict]:
    draft = alice.post("/me/messages", json={"subject": "Large file"}).json()["id"]
    created = alice.post(
        f"/me/messages/{draft}/attachments/createUploadSession",
        json={
            "AttachmentItem": {
                "attachmentType": "file",
                "name": "scan.pdf",
                "size": SIZE,
                "contentType": "application/pdf",
            }
        },
    )
    assert created.status_code == 201, created.text
    return draft, created.json()


def test_an_upload_session_takes_ranges_and_attaches_the_file(alice, anonymous, session):
    draft, upload = session
    assert upload["uploadUrl"].startswith("https://") and upload["nextExpectedRanges"] == ["0"]
    data = os.urandom(SIZE)
    first = anonymous.put(
        upload["uploadUrl"], content=data[:MB4], headers={"Content-Range": f"bytes 0-{MB4 - 1}/{SIZE}"}
    )
    assert first.status_code == 200 and first.json()["nextExpectedRanges"] == [str(MB4)]
    last = anonymous.put(
        upload["uploadUrl"], content=data[MB4:], headers={"Content-Range": f"bytes {MB4}-{SIZE - 1}/{SIZE}"}
    )
    assert last.status_code == 201 and last.content == b""
    attachment = alice.get(last.headers["Location"].split("/v1.0", 1)[1]).json()
    assert attachment["name"] == "scan.pdf" and attachment["size"] == SIZE
    assert alice.get(f"/me/messages/{draft}/attachments/{attachment['id']}/$value").content == data
    assert anonymous.put(upload["uploadUrl"], content=b"x", headers={"Content-Range": "bytes 0-0/1"}).status_code == 404


def test_the_upload_url_refuses_a_bearer_token_a_gap_and_an_oversized_chunk(alice, anonymous, session):
    _, upload = session
    with_token = alice.put(upload["uploadUrl"], content=b"abc", headers={"Content-Range": f"bytes 0-2/{SIZE}"})
    assert with_token.status_code == 401
    gap = anonymous.put(upload["uploadUrl"], content=b"abc", headers={"Content-Range": f"bytes 10-12/{SIZE}"})
    assert gap.status_code == 416 and "starts at 0" in gap.json()["error"]["message"]
    big = b"x" * (MB4 + 1)
    too_big = anonymous.put(upload["uploadUrl"], content=big, headers={"Content-Range": f"bytes 0-{MB4}/{SIZE}"})
    assert too_big.status_code == 413
    forged = anonymous.put(
        upload["uploadUrl"].split("authtoken=")[0] + "authtoken=forged",
        content=b"abc",
        headers={"Content-Range": f"bytes 0-2/{SIZE}"},
    )
    assert forged.status_code == 401
    assert anonymous.delete(upload["uploadUrl"]).status_code == 204


def test_create_upload_session_needs_a_name_and_a_size_within_150_mb(alice, fresh):
    draft = alice.post("/me/messages", json={"subject": "x"}).json()["id"]
    url = f"/me/messages/{draft}/attachments/createUploadSession"
    assert alice.post(url, json={"AttachmentItem": {"name": "a"}}).status_code == 400
    huge = alice.post(url, json={"AttachmentItem": {"name": "a", "size": 151 * 1024 * 1024}})
    assert huge.status_code == 400 and "150 MB" in huge.json()["error"]["message"]
