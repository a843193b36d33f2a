"""Reading drives over HTTPS with httpx: items, children, paths, paging, $select/$expand, content, search, sites."""

from __future__ import annotations

import base64
import io

import pypdf

CONTRACT = "/me/drive/root:/Contracts/Acme - Master Services Agreement (signed).pdf:"


def names(answer) -> list[str]:
    return [item["name"] for item in answer.json()["value"]]


def test_my_drive_is_alices_business_onedrive(alice):
    drive = alice.get("/me/drive").json()
    assert drive["driveType"] == "business"
    assert drive["owner"]["user"]["email"] == "alice@contoso.example"
    assert drive["quota"]["used"] > 0


def test_root_children_list_folders_first_by_name(alice):
    answer = alice.get("/me/drive/root/children")
    assert answer.status_code == 200
    assert names(answer) == ["Archive", "Contracts", "Finance", "Notes", "Photos", "Presentations", "Reports", "Scans"]


def test_path_addressing_reaches_items_and_their_children(alice):
    folder = alice.get("/me/drive/root:/Contracts").json()
    assert folder["folder"]["childCount"] == 3
    by_id = alice.get(f"/me/drive/items/{folder['id']}/children")
    by_path = alice.get("/me/drive/root:/Contracts:/children")
    assert names(by_id) == names(by_path)
    contract = alice.get(CONTRACT).json()
    assert contract["parentReference"]["path"].endswith("/root:/Contracts")
    assert contract["file"]["mimeType"] == "application/pdf"


def test_drives_and_users_addressing_reach_the_same_items(alice):
    drive_id = alice.get("/me/drive").json()["id"]
    root = alice.get("/me/drive/root").json()
    assert alice.get(f"/drives/{drive_id}/items/{root['id']}").json()["id"] == root["id"]
    assert alice.get("/users/alice@contoso.example/drive/root").json()["id"] == root["id"]
    assert alice.get(f"/drives/{drive_id}/root/microsoft.graph.search(q='budget')").status_code == 200


def test_top_pages_children_with_a_next_link_followed_verbatim(alice):
    first = alice.get("/me/drive/root/children", params={"$top": 3}).json()
    assert len(first["value"]) == 3
    seen = [i["name"] for i in first["value"]]
    link = first["@odata.nextLink"]
    assert link.startswith("https://127.0.0.1:")
    while link:
        page = alice.get(link).json()
        seen += [i["name"] for i in page["value"]]
        link = page.get("@odata.nextLink")
    assert seen == names(alice.get("/me/drive/root/children"))


def test_select_returns_only_the_chosen_properties(alice):
    item = alice.get(CONTRACT, params={"$select": "id,name,size"}).json()
    assert {k for k in item if not k.startswith("@")} == {"id", "name", "size"}


def test_expand_children_inlines_a_folders_children(alice):
    folder = alice.get("/me/drive/root:/Finance", params={"$expand": "children"}).json()
    assert sorted(c["name"] for c in folder["children"]) == ["Invoices.csv", "Q3 budget.xlsx"]


def test_content_redirects_to_a_pre_authenticated_url_that_needs_no_token(alice, anonymous):
    answer = alice.get(CONTRACT + "/content")
    assert answer.status_code == 302
    download = anonymous.get(answer.headers["location"])
    assert download.status_code == 200
    text = "".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(download.content)).pages)
    assert "Termination" in text and "Acme" in text
    tampered = anonymous.get(answer.headers["location"].replace("tempauth=", "tempauth=x"))
    assert tampered.status_code == 401


def test_the_download_url_in_the_item_serves_byte_ranges(alice, anonymous):
    item = alice.get(CONTRACT).json()
    part = anonymous.get(item["@microsoft.graph.downloadUrl"], headers={"Range": "bytes=0-7"})
    assert part.status_code == 206 and part.content == b"%PDF-1.3"
    assert part.headers["Content-Range"] == f"bytes 0-7/{item['size']}"


def test_search_finds_the_signed_acme_contract_by_its_termination_clause(alice):
    found = names(alice.get("/me/drive/root/search(q='acme termination')"))
    assert "Acme - Master Services Agreement (signed).pdf" in found
    assert "Globex NDA.docx" not in found


def test_search_pages_with_top(alice):
    first = alice.get("/me/drive/root/search(q='acme')", params={"$top": 1}).json()
    assert len(first["value"]) == 1 and "@odata.nextLink" in first
    second = alice.get(first["@odata.nextLink"]).json()
    assert second["value"][0]["id"] != first["value"][0]["id"]


def test_bob_cannot_see_alices_private_files_but_sees_what_she_shared(alice, bob):
    drive_id = alice.get("/me/drive").json()["id"]
    private = alice.get(CONTRACT).json()["id"]
    shared = alice.get("/me/drive/root:/Contracts/Globex NDA.docx").json()["id"]
    assert bob.get(f"/drives/{drive_id}/items/{private}").status_code == 404
    assert bob.get(f"/drives/{drive_id}/items/{shared}").json()["name"] == "Globex NDA.docx"
    assert bob.get(f"/drives/{drive_id}/root/children").status_code == 404
    shared_with_bob = bob.get("/me/drive/sharedWithMe()").json()["value"]
    assert {i["name"] for i in shared_with_bob} == {"Globex NDA.docx", "Finance"}
    assert all(i["remoteItem"]["parentReference"]["driveId"] == drive_id for i in shared_with_bob)


def test_drive_level_search_also_finds_items_shared_with_me(bob):
    assert "Globex NDA.docx" in names(bob.get("/me/drive/search(q='globex')"))
    assert "Globex NDA.docx" not in names(bob.get("/me/drive/root/search(q='globex')"))


def test_sites_are_found_by_search_by_path_and_list_their_libraries(alice):
    found = alice.get("/sites", params={"search": "legal"}).json()["value"]
    assert [s["displayName"] for s in found] == ["Legal"]
    by_path = alice.get("/sites/contoso.sharepoint.com:/sites/legal").json()
    assert by_path["id"] == found[0]["id"]
    drives = alice.get(f"/sites/{by_path['id']}/drives").json()["value"]
    assert [(d["name"], d["driveType"]) for d in drives] == [("Documents", "documentLibrary")]
    library = alice.get(f"/drives/{drives[0]['id']}/root/children")
    assert names(library) == ["Policies", "Templates", "Contract register.xlsx"]
    assert alice.get(f"/sites/{by_path['id']}/drive/root:/Policies:/children").status_code == 200


def test_unknown_items_and_segments_answer_in_graphs_error_shape(alice):
    missing = alice.get("/me/drive/items/01NOPE")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "itemNotFound"
    assert set(missing.json()["error"]["innerError"]) >= {"date", "request-id"}
    unknown = alice.get("/me/drive/root/frobnicate")
    assert unknown.status_code == 400 and "frobnicate" in unknown.json()["error"]["message"]
    assert alice.get("/me/drive/root/children", params={"$top": "x"}).status_code == 400


def test_pre_authenticated_urls_refuse_a_forwarded_graph_token(alice):
    location = alice.get(CONTRACT + "/content").headers["location"]
    forwarded = alice.get(location)  # the alice client sends its bearer token
    assert forwarded.status_code == 401 and "Authorization" in forwarded.json()["error"]["message"]
    session = alice.post("/me/drive/root:/Notes/x.bin:/createUploadSession", json={}).json()
    assert alice.get(session["uploadUrl"]).status_code == 401


def share_id(url: str) -> str:
    return "u!" + base64.urlsafe_b64encode(url.encode()).decode().rstrip("=")


def test_an_anonymous_link_opens_for_anyone_in_the_tenant(alice, bob, anonymous):
    photo = alice.get("/me/drive/root:/Photos/Team offsite.png").json()
    [link] = [p for p in alice.get(f"/me/drive/items/{photo['id']}/permissions").json()["value"] if "link" in p]
    opened = bob.get(f"/shares/{share_id(link['link']['webUrl'])}/driveItem")
    assert opened.status_code == 200 and opened.json()["id"] == photo["id"]
    download = bob.get(f"/shares/{share_id(link['link']['webUrl'])}/driveItem/content")
    assert download.status_code == 302 and anonymous.get(download.headers["location"]).content.startswith(b"\x89PNG")
    by_share_id = bob.get(f"/shares/{link['shareId']}")
    assert by_share_id.json()["name"] == "Team offsite.png"
    assert by_share_id.json()["owner"]["user"]["email"] == "alice@contoso.example"


def test_a_pasted_item_url_opens_only_for_people_with_access(alice, bob):
    contract = alice.get(CONTRACT).json()
    assert alice.get(f"/shares/{share_id(contract['webUrl'])}/driveItem").json()["id"] == contract["id"]
    refused = bob.get(f"/shares/{share_id(contract['webUrl'])}/driveItem")
    assert refused.status_code == 403 and refused.json()["error"]["code"] == "accessDenied"
    assert bob.get(f"/shares/{share_id('https://example.org/nothing')}/driveItem").status_code == 404


def test_recent_lists_my_newest_files_including_ones_shared_with_me(alice):
    recent = alice.get("/me/drive/recent()").json()["value"]
    stamps = [i["lastModifiedDateTime"] for i in recent]
    assert stamps == sorted(stamps, reverse=True) and len(recent) <= 20
    phoenix = [i for i in recent if i["name"] == "Project Phoenix plan.docx"]
    assert phoenix and phoenix[0]["remoteItem"]["parentReference"]["driveId"] != alice.get("/me/drive").json()["id"]


def test_another_persons_drive_metadata_is_not_visible(alice, bob):
    drive_id = alice.get("/me/drive").json()["id"]
    assert bob.get(f"/drives/{drive_id}").status_code == 403
    assert bob.get("/users/alice@contoso.example/drive").status_code == 403


def test_expand_takes_permissions_thumbnails_and_nested_options(alice):
    finance = alice.get("/me/drive/root:/Finance", params={"$expand": "permissions,children($select=id,name)"}).json()
    assert ["write"] in [p["roles"] for p in finance["permissions"]]
    assert {c["name"] for c in finance["children"]} == {"Invoices.csv", "Q3 budget.xlsx"}
    listing = alice.get("/me/drive/root:/Finance:/children", params={"$expand": "thumbnails"}).json()["value"]
    assert all(i["thumbnails"] == [] for i in listing)
    unknown = alice.get("/me/drive/root", params={"$expand": "versions"})
    assert unknown.status_code == 400 and "versions" in unknown.json()["error"]["message"]
