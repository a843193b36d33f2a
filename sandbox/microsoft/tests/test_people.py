"""Graph contacts, relevant people and the /users directory, over HTTPS, each answer validated against the Graph
v1.0 CSDL's types (csdl_graph.py)."""

from __future__ import annotations

import httpx
import pytest

from .csdl_graph import validate, validate_collection
from .test_identity import msal_app, sign_in

EVENTUAL = {"ConsistencyLevel": "eventual"}


def addresses(body: dict) -> list[str]:
    return [e["address"] for item in body["value"] for e in item.get("emailAddresses") or []]


def test_contacts_list_the_persons_outlook_contacts(alice: httpx.Client):
    body = alice.get("/me/contacts").json()
    validate_collection(body, "graph.contact")
    assert len(body["value"]) == 5 and "paul.durand@contoso.example" in addresses(body)
    one = alice.get(f"/me/contacts/{body['value'][0]['id']}").json()
    validate(one, "graph.contact")


def test_contacts_filter_by_name_start_and_by_address(alice: httpx.Client):
    maries = alice.get("/me/contacts", params={"$filter": "startswith(givenName,'Marie')"}).json()
    validate_collection(maries, "graph.contact")
    assert sorted(addresses(maries)) == ["marie.dubois@acme.example", "marie.laurent@contoso.example"]
    by_address = alice.get(
        "/me/contacts", params={"$filter": "emailAddresses/any(a:a/address eq 'claire.dubois@acme.example')"}
    ).json()
    assert addresses(by_address) == ["claire.dubois@acme.example"]
    either = "startswith(surname,'Durand') or startswith(displayName,'Carol')"
    assert len(alice.get("/me/contacts", params={"$filter": either}).json()["value"]) == 2
    bad = alice.get("/me/contacts", params={"$filter": "contains(givenName,'a')"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "ErrorInvalidUrlQueryFilter"


def test_contacts_search_matches_name_and_address_prefixes_with_select(alice: httpx.Client):
    found = alice.get("/me/contacts", params={"$search": '"claire.dub"', "$select": "displayName,emailAddresses"})
    body = found.json()
    validate_collection(body, "graph.contact")
    assert [c["displayName"] for c in body["value"]] == ["Claire Dubois"]
    assert set(body["value"][0]) <= {"@odata.etag", "displayName", "emailAddresses", "id"}
    assert alice.get("/me/contacts", params={"$search": "claire"}).status_code == 400  # not quoted


def test_relevant_people_search_by_name_and_address(alice: httpx.Client):
    body = alice.get("/me/people", params={"$search": '"hugo"'}).json()
    validate_collection(body, "graph.person")
    assert [p["scoredEmailAddresses"][0]["address"] for p in body["value"]] == ["hugo.lefevre@contoso.example"]
    assert body["value"][0]["personType"] == {"class": "Person", "subclass": "OrganizationUser"}
    partial = alice.get("/me/people", params={"$search": '"marie.lau"'}).json()
    assert [p["displayName"] for p in partial["value"]] == ["Marie Laurent"]
    everyone = alice.get("/me/people", params={"$top": "3"}).json()
    assert len(everyone["value"]) == 3 and "$skip=3" in everyone["@odata.nextLink"]


def test_directory_search_needs_consistency_level_eventual(alice: httpx.Client):
    refused = alice.get("/users", params={"$search": '"displayName:hugo"'})
    assert refused.status_code == 400 and refused.json()["error"]["code"] == "Request_UnsupportedQuery"
    assert "ConsistencyLevel: eventual" in refused.json()["error"]["message"]
    body = alice.get("/users", params={"$search": '"displayName:hug"', "$count": "true"}, headers=EVENTUAL).json()
    validate_collection(body, "graph.user")
    assert [u["mail"] for u in body["value"]] == ["hugo.lefevre@contoso.example"] and body["@odata.count"] == 1
    either = alice.get("/users", params={"$search": '"displayName:marie" OR "mail:bob"'}, headers=EVENTUAL).json()
    assert sorted(u["mail"] for u in either["value"]) == ["bob@contoso.example", "marie.laurent@contoso.example"]


def test_directory_lists_guests_and_pages_with_a_skiptoken(alice: httpx.Client):
    first = alice.get("/users", params={"$top": "4"}).json()
    validate_collection(first, "graph.user")
    rest = alice.get(first["@odata.nextLink"].split("/v1.0", 1)[1]).json()
    everyone = first["value"] + rest["value"]
    assert len(everyone) == 6
    guest = next(u for u in everyone if u["mail"] == "carol@fabrikam.example")
    assert guest["userPrincipalName"].endswith("#EXT#@contoso.example")
    bad = alice.get("/users", params={"$search": '"shoeSize:42"'}, headers=EVENTUAL)
    assert bad.status_code == 400


def test_each_person_sees_their_own_contacts(bob: httpx.Client):
    body = bob.get("/me/contacts", params={"$filter": "startswith(givenName,'Marie')"}).json()
    assert body["value"] == []
    assert bob.get("/users/alice@contoso.example/contacts").status_code == 403


@pytest.mark.parametrize(
    ("scopes", "path", "status"),
    [
        (["Mail.Read"], "/me/contacts", 403),
        (["Mail.Read"], "/me/people", 403),
        (["Mail.Read"], "/users", 403),
        (["Contacts.Read"], "/me/contacts", 200),
        (["People.Read"], "/me/people", 200),
        (["User.ReadBasic.All"], "/users", 200),
    ],
)
def test_signed_in_tokens_need_the_permission(base_url, ssl_context, msal_http, scopes, path, status):
    token = sign_in(
        base_url, ssl_context, msal_http, "alice@contoso.example", scopes, client=msal_app(base_url, msal_http)
    )
    answer = httpx.get(
        f"{base_url}/v1.0{path}", headers={"Authorization": f"Bearer {token['access_token']}"}, verify=ssl_context
    )
    assert answer.status_code == status, answer.text


def test_the_csdl_check_is_not_blind():
    validate({"displayName": "x", "emailAddresses": [{"name": "x", "address": "x@y.example"}]}, "graph.contact")
    for wrong in ({"shoeSize": 42}, {"emailAddresses": [{"mail": "x"}]}, {"createdDateTime": "yesterday"}):
        with pytest.raises(AssertionError):
            validate(wrong, "graph.contact")
    with pytest.raises(AssertionError):
        validate(
            {"personType": {"class": "Person"}, "scoredEmailAddresses": [{"selectionLikelihood": "low"}]},
            "graph.person",
        )
