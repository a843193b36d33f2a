"""Emulator responses validate against Microsoft's Graph v1.0 Files OpenAPI description (see openapi_graph.py)."""

from __future__ import annotations

import base64

import httpx
import pytest

from .openapi_graph import validate

ALICE_UPN = "alice@contoso.example"


@pytest.fixture(scope="module")
def ids(base_url, ssl_context) -> dict:
    from .conftest import graph_client

    with graph_client(base_url, ssl_context, "demo-alice") as alice:
        drive = alice.get("/me/drive").json()["id"]
        return {
            "drive": drive,
            "root": alice.get("/me/drive/root").json()["id"],
            "contracts": alice.get("/me/drive/root:/Contracts").json()["id"],
            "file": alice.get("/me/drive/root:/Finance/Q3 budget.xlsx").json()["id"],
        }


def test_drive_and_drive_lists_match_the_spec(alice, ids):
    validate(alice.get(f"/drives/{ids['drive']}"))
    validate(alice.get(f"/users/{ALICE_UPN}/drive"))
    validate(alice.get(f"/users/{ALICE_UPN}/drives"))


def test_items_and_children_match_the_spec(alice, ids):
    validate(alice.get(f"/drives/{ids['drive']}/root"))
    validate(alice.get(f"/drives/{ids['drive']}/items/{ids['file']}"))
    validate(alice.get(f"/drives/{ids['drive']}/items/{ids['contracts']}", params={"$expand": "children"}))
    validate(alice.get(f"/drives/{ids['drive']}/items/{ids['root']}/children", params={"$top": "2"}))


def test_delta_and_search_match_the_spec(alice, ids):
    first = alice.get(f"/drives/{ids['drive']}/items/{ids['root']}/microsoft.graph.delta()")
    validate(first)
    validate(alice.get(f"/drives/{ids['drive']}/items/{ids['root']}/microsoft.graph.delta(token='latest')"))
    validate(alice.get(f"/drives/{ids['drive']}/items/{ids['root']}/microsoft.graph.search(q='acme')"))
    validate(alice.get(f"/drives/{ids['drive']}/microsoft.graph.search(q='budget')"))


def test_shared_with_me_recent_and_shares_match_the_spec(bob, ids):
    drive = bob.get("/me/drive").json()["id"]
    validate(bob.get(f"/drives/{drive}/microsoft.graph.sharedWithMe()"))
    validate(bob.get(f"/drives/{drive}/microsoft.graph.recent()"))
    budget = bob.get(f"/drives/{ids['drive']}/items/{ids['file']}").json()  # in the Finance folder Alice shares
    share = "u!" + base64.urlsafe_b64encode(budget["webUrl"].encode()).decode().rstrip("=")
    validate(bob.get(f"/shares/{share}"))
    validate(bob.get(f"/shares/{share}/driveItem"))


def test_sharing_and_upload_sessions_match_the_spec(alice, ids, fresh):
    item = f"/drives/{ids['drive']}/items/{ids['file']}"
    validate(alice.get(f"{item}/permissions"))
    invited = alice.post(
        f"{item}/microsoft.graph.invite", json={"recipients": [{"email": "bob@contoso.example"}], "roles": ["write"]}
    )
    validate(invited)
    validate(alice.get(f"{item}/permissions/{invited.json()['value'][0]['id']}"))
    validate(alice.post(f"{item}/microsoft.graph.createLink", json={"type": "view", "scope": "organization"}))
    validate(alice.post(f"{item}/microsoft.graph.createUploadSession", json={}))


def test_writes_match_the_spec(alice, ids, fresh):
    folder = f"/drives/{ids['drive']}/items/{ids['contracts']}"
    validate(alice.post(f"{folder}/children", json={"name": "Signed", "folder": {}}))
    validate(alice.patch(f"/drives/{ids['drive']}/items/{ids['file']}", json={"name": "Q3 budget (final).xlsx"}))


def test_errors_match_the_spec(alice, ids):
    validate(alice.get(f"/drives/{ids['drive']}/items/01DOESNOTEXIST"))
    validate(alice.get(f"/drives/{ids['drive']}/items/{ids['root']}/microsoft.graph.delta()", params={"token": "x"}))


def test_the_validator_rejects_a_drive_item_of_the_wrong_shape(alice, ids):
    real = alice.get(f"/drives/{ids['drive']}/items/{ids['file']}")
    broken = httpx.Response(
        200, json={**real.json(), "size": "large", "createdDateTime": "yesterday"}, request=real.request
    )
    with pytest.raises(Exception, match="validat|Invalid"):
        validate(broken)
