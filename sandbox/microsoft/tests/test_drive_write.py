"""Changing drives: folders, simple and resumable uploads, rename/move, delete, sharing. Each test re-seeds."""

from __future__ import annotations

import io

import pytest
from docx import Document

CHUNK = 320 * 1024


@pytest.fixture(autouse=True)
def _fresh(fresh):
    return fresh


def test_creating_a_folder_honours_the_conflict_behaviour(alice):
    made = alice.post("/me/drive/root/children", json={"name": "Clients", "folder": {}})
    assert made.status_code == 201 and made.json()["folder"]["childCount"] == 0
    clash = alice.post("/me/drive/root/children", json={"name": "clients", "folder": {}})
    assert clash.status_code == 409 and clash.json()["error"]["code"] == "nameAlreadyExists"
    renamed = alice.post(
        "/me/drive/root/children", json={"name": "Clients", "folder": {}, "@microsoft.graph.conflictBehavior": "rename"}
    )
    assert renamed.json()["name"] == "Clients 1"
    bad = alice.post("/me/drive/root/children", json={"name": "a:b", "folder": {}})
    assert bad.status_code == 400 and "a:b" in bad.json()["error"]["message"]


def test_simple_upload_creates_then_replaces_a_file(alice, anonymous):
    created = alice.put("/me/drive/root:/Notes/todo.txt:/content", content=b"first")
    assert created.status_code == 201
    item = created.json()
    replaced = alice.put(f"/me/drive/items/{item['id']}/content", content=b"second version")
    assert replaced.status_code == 200 and replaced.json()["size"] == len(b"second version")
    assert replaced.json()["cTag"] != item["cTag"]
    body = anonymous.get(alice.get(f"/me/drive/items/{item['id']}/content").headers["location"]).content
    assert body == b"second version"
    assert "todo.txt" in [i["name"] for i in alice.get("/me/drive/root/search(q='second version')").json()["value"]]


def test_simple_upload_refuses_more_than_4_mb(alice):
    answer = alice.put("/me/drive/root:/big.bin:/content", content=b"x" * (4 * 1024 * 1024 + 1))
    assert answer.status_code == 413 and "createUploadSession" in answer.json()["error"]["message"]


def test_upload_to_a_missing_folder_is_not_found(alice):
    assert alice.put("/me/drive/root:/No such folder/x.txt:/content", content=b"x").status_code == 404


def test_upload_session_takes_320_kib_chunks_and_completes_with_the_item(alice, anonymous):
    data = bytes(range(256)) * (CHUNK * 3 // 256) + b"tail"
    session = alice.post(
        "/me/drive/root:/Archive/backup.bin:/createUploadSession",
        json={"item": {"@microsoft.graph.conflictBehavior": "fail"}},
    ).json()
    url = session["uploadUrl"]
    assert session["nextExpectedRanges"] == ["0-"]
    first = anonymous.put(
        url, content=data[: 2 * CHUNK], headers={"Content-Range": f"bytes 0-{2 * CHUNK - 1}/{len(data)}"}
    )
    assert first.status_code == 202 and first.json()["nextExpectedRanges"] == [f"{2 * CHUNK}-"]
    skipped = anonymous.put(
        url, content=b"tail", headers={"Content-Range": f"bytes {len(data) - 4}-{len(data) - 1}/{len(data)}"}
    )
    assert skipped.status_code == 416
    assert anonymous.get(url).json()["nextExpectedRanges"] == [f"{2 * CHUNK}-"]
    last = anonymous.put(
        url, content=data[2 * CHUNK :], headers={"Content-Range": f"bytes {2 * CHUNK}-{len(data) - 1}/{len(data)}"}
    )
    assert last.status_code == 201 and last.json()["size"] == len(data)
    download = anonymous.get(alice.get("/me/drive/root:/Archive/backup.bin:/content").headers["location"])
    assert download.content == data


def test_upload_session_refuses_chunks_that_are_not_320_kib_multiples(alice, anonymous):
    url = alice.post("/me/drive/root:/odd.bin:/createUploadSession", json={}).json()["uploadUrl"]
    answer = anonymous.put(url, content=b"x" * 1000, headers={"Content-Range": "bytes 0-999/5000"})
    assert answer.status_code == 400 and "320 KiB" in answer.json()["error"]["message"]
    assert anonymous.delete(url).status_code == 204
    assert anonymous.get(url).status_code == 404


def test_upload_session_with_fail_refuses_an_existing_name(alice):
    answer = alice.post(
        "/me/drive/root:/Finance/Q3 budget.xlsx:/createUploadSession",
        json={"item": {"@microsoft.graph.conflictBehavior": "fail"}},
    )
    assert answer.status_code == 409


def test_patch_renames_and_moves_an_item(alice):
    item = alice.get("/me/drive/root:/Notes/Onboarding.html").json()
    target = alice.get("/me/drive/root:/Contracts").json()
    moved = alice.patch(
        f"/me/drive/items/{item['id']}", json={"name": "Legal onboarding.html", "parentReference": {"id": target["id"]}}
    )
    assert moved.status_code == 200
    assert alice.get("/me/drive/root:/Contracts/Legal onboarding.html").json()["id"] == item["id"]
    assert alice.get("/me/drive/root:/Notes/Onboarding.html").status_code == 404


def test_patch_with_a_stale_etag_fails_the_precondition(alice):
    item = alice.get("/me/drive/root:/Notes/Onboarding.html").json()
    alice.patch(f"/me/drive/items/{item['id']}", json={"name": "Guide.html"})
    stale = alice.patch(
        f"/me/drive/items/{item['id']}", json={"name": "Other.html"}, headers={"If-Match": item["eTag"]}
    )
    assert stale.status_code == 412 and stale.json()["error"]["code"] == "preconditionFailed"


def test_moving_a_folder_into_itself_is_refused(alice):
    folder = alice.get("/me/drive/root:/Contracts").json()
    answer = alice.patch(f"/me/drive/items/{folder['id']}", json={"parentReference": {"id": folder["id"]}})
    assert answer.status_code == 400


def test_delete_removes_an_item_and_its_children(alice):
    folder = alice.get("/me/drive/root:/Finance").json()
    assert alice.delete(f"/me/drive/items/{folder['id']}").status_code == 204
    assert alice.get("/me/drive/root:/Finance/Invoices.csv").status_code == 404


def test_a_read_share_does_not_allow_writing_but_a_write_share_does(alice, bob):
    drive_id = alice.get("/me/drive").json()["id"]
    nda = alice.get("/me/drive/root:/Contracts/Globex NDA.docx").json()
    refused = bob.patch(f"/drives/{drive_id}/items/{nda['id']}", json={"name": "mine.docx"})
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "accessDenied"
    finance = alice.get("/me/drive/root:/Finance").json()
    added = bob.put(f"/drives/{drive_id}/items/{finance['id']}:/bob.csv:/content", content=b"a,b\n")
    assert added.status_code == 201 and added.json()["createdBy"]["user"]["email"] == "bob@contoso.example"


def test_invite_grants_access_and_shows_in_permissions(alice, bob):
    drive_id = alice.get("/me/drive").json()["id"]
    item = alice.get("/me/drive/root:/Reports/Annual report 2025.pdf").json()
    assert bob.get(f"/drives/{drive_id}/items/{item['id']}").status_code == 404
    invited = alice.post(
        f"/me/drive/items/{item['id']}/invite",
        json={
            "recipients": [{"email": "bob@contoso.example"}, {"email": "dana@example.org"}],
            "roles": ["read"],
            "requireSignIn": True,
            "sendInvitation": False,
        },
    )
    assert invited.status_code == 200
    granted = invited.json()["value"]
    assert granted[0]["grantedToV2"]["user"]["email"] == "bob@contoso.example"
    assert granted[1]["invitation"]["email"] == "dana@example.org"
    assert bob.get(f"/drives/{drive_id}/items/{item['id']}").status_code == 200
    permissions = alice.get(f"/me/drive/items/{item['id']}/permissions").json()["value"]
    assert [p["roles"] for p in permissions] == [["owner"], ["read"], ["read"]]
    assert alice.delete(f"/me/drive/items/{item['id']}/permissions/{granted[0]['id']}").status_code == 204
    assert bob.get(f"/drives/{drive_id}/items/{item['id']}").status_code == 404


@pytest.mark.parametrize(
    ("kind", "scope", "roles"), [("view", "organization", ["read"]), ("edit", "anonymous", ["write"])]
)
def test_create_link_makes_a_sharing_link_once(alice, kind, scope, roles):
    item = alice.get("/me/drive/root:/Presentations/Board update Q3.pptx").json()
    made = alice.post(f"/me/drive/items/{item['id']}/createLink", json={"type": kind, "scope": scope})
    assert made.status_code == 201
    assert made.json()["roles"] == roles and made.json()["link"]["scope"] == scope
    assert "/:p:/" in made.json()["link"]["webUrl"]
    again = alice.post(f"/me/drive/items/{item['id']}/createLink", json={"type": kind, "scope": scope})
    assert again.status_code == 200 and again.json()["id"] == made.json()["id"]
    assert alice.get(f"/me/drive/items/{item['id']}").json()["shared"]["scope"] == scope


def test_permissions_show_what_a_folder_passes_down(alice):
    item = alice.get("/me/drive/root:/Finance/Invoices.csv").json()
    permissions = alice.get(f"/me/drive/items/{item['id']}/permissions").json()["value"]
    inherited = [p for p in permissions if "inheritedFrom" in p]
    assert inherited[0]["grantedToV2"]["user"]["email"] == "bob@contoso.example"
    assert inherited[0]["inheritedFrom"]["path"].endswith("/root:/Finance")


def test_bad_sharing_requests_say_what_is_wrong(alice):
    item = alice.get("/me/drive/root:/Notes").json()
    no_recipients = alice.post(f"/me/drive/items/{item['id']}/invite", json={"roles": ["read"]})
    assert no_recipients.status_code == 400 and "recipients" in no_recipients.json()["error"]["message"]
    bad_scope = alice.post(f"/me/drive/items/{item['id']}/createLink", json={"type": "view", "scope": "world"})
    assert bad_scope.status_code == 400 and "scope" in bad_scope.json()["error"]["message"]


def test_uploaded_office_documents_are_searchable_by_their_content(alice):
    document = Document()
    document.add_paragraph("Indemnification cap agreed with Initech at two million euros.")
    data = io.BytesIO()
    document.save(data)
    assert (
        alice.put("/me/drive/root:/Contracts/Initech side letter.docx:/content", content=data.getvalue()).status_code
        == 201
    )
    found = alice.get("/me/drive/root/search(q='indemnification initech')").json()["value"]
    assert [i["name"] for i in found] == ["Initech side letter.docx"]
