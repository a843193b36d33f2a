"""People v1 (contacts, other contacts, the domain directory) through google-api-python-client, built from the
discovery document it ships (re-rooted, unpatched); every answer validated against that document's schemas."""

from __future__ import annotations

import copy
from typing import Any

import jsonschema
import pytest
from googleapiclient.discovery import build_from_document
from googleapiclient.errors import HttpError

from sandbox.google.gmail.testing import oauth_token
from sandbox.google.people.resource import document
from sandbox.google.testing import GoogleUnderTest

from .conftest import ALICE_TOKEN, BOB_TOKEN
from .discovery_schema import _convert

MASK = "names,emailAddresses"


def people_service(url: str, token: str) -> Any:
    from google.oauth2.credentials import Credentials

    doc = copy.deepcopy(document())
    doc["rootUrl"] = doc["mtlsRootUrl"] = url.rstrip("/") + "/"
    return build_from_document(doc, credentials=Credentials(token=token))


def assert_valid(schema: str, body: Any) -> None:
    definitions = {name: _convert(s) for name, s in document()["schemas"].items()}
    jsonschema.validate(body, {"$ref": f"#/definitions/{schema}", "definitions": definitions})


@pytest.fixture()
def alice(google: GoogleUnderTest) -> Any:
    return people_service(google.url, ALICE_TOKEN)


def emails(people: list[dict]) -> list[str]:
    return [p["emailAddresses"][0]["value"] for p in people]


def test_connections_list_the_persons_contacts_with_the_fields_asked(alice: Any):
    found = alice.people().connections().list(resourceName="people/me", personFields=MASK).execute()
    assert_valid("ListConnectionsResponse", found)
    assert found["totalItems"] == 5
    assert "paul.durand@example.com" in emails(found["connections"])
    first = found["connections"][0]
    assert first["resourceName"].startswith("people/c") and set(first) == {"resourceName", "etag", *MASK.split(",")}
    assert first["names"][0]["metadata"]["source"]["type"] == "CONTACT"


def test_connections_page_through_with_a_token(alice: Any):
    first = alice.people().connections().list(resourceName="people/me", personFields="names", pageSize=2).execute()
    token = first["nextPageToken"]
    second = (
        alice.people()
        .connections()
        .list(resourceName="people/me", personFields="names", pageSize=2, pageToken=token)
        .execute()
    )
    assert_valid("ListConnectionsResponse", second)
    names = [p["names"][0]["displayName"] for p in first["connections"] + second["connections"]]
    assert len(set(names)) == 4


def test_a_missing_or_unknown_field_mask_is_400(alice: Any):
    with pytest.raises(HttpError) as missing:
        alice.people().connections().list(resourceName="people/me").execute()
    assert missing.value.resp.status == 400 and "personFields mask is required" in str(missing.value)
    with pytest.raises(HttpError) as unknown:
        alice.people().searchContacts(query="paul", readMask="names,shoeSize").execute()
    assert unknown.value.resp.status == 400 and "shoeSize" in str(unknown.value)


def test_search_contacts_matches_name_and_address_prefixes(alice: Any):
    maries = alice.people().searchContacts(query="marie", readMask=MASK).execute()
    assert_valid("SearchResponse", maries)
    assert sorted(emails([r["person"] for r in maries["results"]])) == [
        "marie.dubois@acme.example",
        "marie.laurent@example.com",
    ]
    by_address = alice.people().searchContacts(query="claire.dub", readMask=MASK).execute()
    assert emails([r["person"] for r in by_address["results"]]) == ["claire.dubois@acme.example"]
    assert alice.people().searchContacts(query="arie", readMask=MASK).execute() == {}  # not a prefix
    assert alice.people().searchContacts(query="", readMask=MASK).execute() == {}  # the warm-up request


def test_other_contacts_search_only_takes_its_fields(alice: Any):
    found = alice.otherContacts().search(query="dana", readMask=MASK).execute()
    assert_valid("SearchResponse", found)
    assert found["results"][0]["person"]["resourceName"].startswith("otherContacts/")
    with pytest.raises(HttpError) as refused:
        alice.otherContacts().search(query="dana", readMask="organizations").execute()
    assert refused.value.resp.status == 400


def test_the_directory_lists_the_domains_people_accents_ignored(alice: Any):
    found = (
        alice.people()
        .searchDirectoryPeople(query="hugo lef", readMask=MASK, sources=["DIRECTORY_SOURCE_TYPE_DOMAIN_PROFILE"])
        .execute()
    )
    assert_valid("SearchDirectoryPeopleResponse", found)
    assert emails(found["people"]) == ["hugo.lefevre@example.com"]
    assert found["people"][0]["names"][0]["displayName"] == "Hugo Lefèvre"
    assert found["people"][0]["names"][0]["metadata"]["source"]["type"] == "DOMAIN_PROFILE"
    bob = (
        alice.people()
        .searchDirectoryPeople(query="bob", readMask=MASK, sources=["DIRECTORY_SOURCE_TYPE_DOMAIN_PROFILE"])
        .execute()
    )
    assert emails(bob["people"]) == ["bob@example.com"]
    outsider = (
        alice.people()
        .searchDirectoryPeople(query="carol", readMask=MASK, sources=["DIRECTORY_SOURCE_TYPE_DOMAIN_PROFILE"])
        .execute()
    )
    assert outsider == {}  # not in the domain


def test_the_directory_needs_its_sources(alice: Any):
    with pytest.raises(HttpError) as missing:
        alice.people().searchDirectoryPeople(query="bob", readMask=MASK).execute()
    assert missing.value.resp.status == 400


def test_each_person_sees_their_own_contacts(google: GoogleUnderTest):
    bob = people_service(google.url, BOB_TOKEN)
    found = bob.people().searchContacts(query="alice", readMask=MASK).execute()
    assert emails([r["person"] for r in found["results"]]) == ["alice@example.com"]
    assert bob.people().searchContacts(query="marie", readMask=MASK).execute() == {}


def test_scopes_are_checked_for_signed_in_tokens(google: GoogleUnderTest):
    mail_only = people_service(google.url, oauth_token(google.url, "https://www.googleapis.com/auth/gmail.readonly"))
    with pytest.raises(HttpError) as refused:
        mail_only.people().searchContacts(query="alice", readMask=MASK).execute()
    assert refused.value.resp.status == 403
    scope = "https://www.googleapis.com/auth/contacts.readonly https://www.googleapis.com/auth/directory.readonly"
    allowed = people_service(google.url, oauth_token(google.url, scope))
    found = (
        allowed.people()
        .searchDirectoryPeople(query="hugo", readMask=MASK, sources=["DIRECTORY_SOURCE_TYPE_DOMAIN_PROFILE"])
        .execute()
    )
    assert emails(found["people"]) == ["hugo.lefevre@example.com"]
    with pytest.raises(HttpError) as other:
        allowed.otherContacts().search(query="dana", readMask=MASK).execute()
    assert other.value.resp.status == 403


def test_without_a_token_the_answer_is_401(google: GoogleUnderTest):
    import httpx

    answer = httpx.get(google.url + "/v1/people:searchContacts", params={"query": "a", "readMask": "names"})
    assert answer.status_code == 401
