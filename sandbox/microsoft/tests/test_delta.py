"""driveItem delta: full enumeration in pages, changes since a deltaLink, deletions, token=latest, 410 resync."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _fresh(fresh):
    return fresh


def enumerate_all(client, url: str, **params) -> tuple[list[dict], str]:
    """Follow nextLinks to the deltaLink, as a sync client does; returns (items, deltaLink)."""
    items: list[dict] = []
    page = client.get(url, params=params or None).json()
    while True:
        items += page["value"]
        if "@odata.deltaLink" in page:
            return items, page["@odata.deltaLink"]
        page = client.get(page["@odata.nextLink"]).json()


def test_a_full_enumeration_pages_through_every_item_then_gives_a_delta_link(alice):
    items, delta_link = enumerate_all(alice, "/me/drive/root/delta", **{"$top": 5})
    names = [i["name"] for i in items]
    assert names[0] == "root" and "Acme - Master Services Agreement (signed).pdf" in names
    assert len(names) == len({i["id"] for i in items})
    assert all("path" not in i["parentReference"] for i in items)
    assert "token=" in delta_link and delta_link.startswith("https://127.0.0.1:")
    assert alice.get(delta_link).json()["value"] == []


def test_changes_after_the_delta_link_include_new_renamed_and_deleted_items(alice):
    _, delta_link = enumerate_all(alice, "/me/drive/root/delta")
    alice.put("/me/drive/root:/Notes/new.txt:/content", content=b"hello")
    gone = alice.get("/me/drive/root:/Photos/Team offsite.png").json()
    alice.delete(f"/me/drive/items/{gone['id']}")
    changes, _ = enumerate_all(alice, delta_link)
    by_id = {i["id"]: i for i in changes}
    assert by_id[gone["id"]]["deleted"] == {"state": "deleted"} and "name" not in by_id[gone["id"]]
    assert "new.txt" in [i.get("name") for i in changes]
    assert "Notes" in [i.get("name") for i in changes]  # the parent folder changed too


def test_a_full_enumeration_leaves_out_deleted_items(alice):
    gone = alice.get("/me/drive/root:/Photos/Team offsite.png").json()
    alice.delete(f"/me/drive/items/{gone['id']}")
    items, _ = enumerate_all(alice, "/me/drive/root/delta")
    assert gone["id"] not in [i["id"] for i in items]


def test_token_latest_starts_from_now(alice):
    page = alice.get("/me/drive/root/delta", params={"token": "latest"}).json()
    assert page["value"] == [] and "@odata.deltaLink" in page
    alice.post("/me/drive/root/children", json={"name": "Fresh", "folder": {}})
    changes, _ = enumerate_all(alice, page["@odata.deltaLink"])
    assert [i["name"] for i in changes] == ["root", "Fresh"]


def test_the_function_call_spelling_with_a_token_argument_works(alice):
    latest = alice.get("/me/drive/root/microsoft.graph.delta(token='latest')").json()
    assert latest["value"] == [] and "@odata.deltaLink" in latest


def test_an_expired_token_answers_410_with_resync_required_and_a_restart_location(alice, tenant):
    _, delta_link = enumerate_all(alice, "/me/drive/root/delta")
    tenant.expire_delta_tokens()
    answer = alice.get(delta_link)
    assert answer.status_code == 410
    assert answer.json()["error"]["code"] == "resyncRequired"
    restart = answer.headers["Location"]
    items, _ = enumerate_all(alice, restart)
    assert "Contracts" in [i["name"] for i in items]


def test_delta_refuses_a_forged_token_and_a_non_root_folder(alice):
    assert alice.get("/me/drive/root/delta", params={"token": "garbage"}).status_code == 400
    folder = alice.get("/me/drive/root:/Contracts").json()
    answer = alice.get(f"/me/drive/items/{folder['id']}/delta")
    assert answer.status_code == 400 and "root" in answer.json()["error"]["message"]


def test_a_site_library_has_its_own_delta(alice):
    site = alice.get("/sites/contoso.sharepoint.com:/sites/legal").json()
    items, _ = enumerate_all(alice, f"/sites/{site['id']}/drive/root/delta")
    assert "Contract register.xlsx" in [i["name"] for i in items]
    assert "Acme - MSA draft v3.docx" not in [i["name"] for i in items]


def test_a_token_from_before_a_reset_is_expired_not_misread(alice, fresh):
    _, delta_link = enumerate_all(alice, "/me/drive/root/delta")
    fresh.reset()
    assert alice.get(delta_link).status_code == 410
