"""Confluence people endpoints (users-bulk, v1 user, user CQL search), body-format values as the v2 spec lists
them, and CQL phrases that contain ORDER BY; responses validated against the Confluence specs."""

from __future__ import annotations

import pytest

from sandbox.atlassian.confluence.testing import start
from sandbox.atlassian.users import user

from .openapi_support import SPEC_HOST
from .test_confluence_contract import V2_SERVER, _check, _load


@pytest.fixture(scope="module")
def wiki():
    w, stop = start()
    yield w
    stop()


@pytest.fixture(scope="module")
def v1():
    return _load("confluence-v1.json", SPEC_HOST)


@pytest.fixture(scope="module")
def v2():
    return _load("confluence-v2.json", V2_SERVER)


def test_users_bulk_returns_the_known_accounts_and_skips_unknown_ones(wiki, v2):
    ids = [user("bob").account_id, "nobody-123", user("former").account_id]
    r = wiki.post("/api/v2/users-bulk", {"accountIds": ids})
    _check(v2, r, 200)
    got = {u["accountId"]: u for u in r.json()["results"]}
    assert set(got) == {ids[0], ids[2]}
    assert got[ids[0]]["displayName"] == "Bob Nguyen" and got[ids[2]]["accountStatus"] == "inactive"
    assert wiki.post("/api/v2/users-bulk", {"accountIds": []}).status_code == 400
    assert wiki.post("/api/v2/users-bulk", {"ids": ids}).status_code == 400


def test_v1_user_by_account_id_names_the_person(wiki, v1):
    carol = user("carol")
    r = wiki.get("/rest/api/user", params={"accountId": carol.account_id})
    _check(v1, r, 200)
    assert r.json()["displayName"] == "Carol Schmidt" and r.json()["accountId"] == carol.account_id
    missing = wiki.get("/rest/api/user", params={"accountId": "557058:00000000-0000-0000-0000-000000000000"})
    assert missing.status_code == 404 and missing.json()["statusCode"] == 404


@pytest.mark.parametrize(
    "cql, expected",
    [
        ('user.fullname ~ "paul martin"', ["Paul Martin"]),
        ('user.fullname ~ "pau"', ["Paul Martin", "Pauline Durand"]),  # word prefixes, as Cloud's people search
        ('type = user AND user.fullname ~ "martin"', ["Alice Martin", "Paul Martin"]),
        ('user.fullname ~ "durand" OR user.fullname ~ "zoe"', ["Pauline Durand", "Zoe Laurent"]),
        (f'user.accountid = "{user("judy").account_id}"', ["Judy Chen"]),
        ('user.fullname ~ "former"', []),  # inactive people are not found
    ],
)
def test_user_search_reads_cql_on_names_and_account_ids(wiki, v1, cql, expected):
    r = wiki.get("/rest/api/search/user", params={"cql": cql})
    _check(v1, r, 200)
    body = r.json()
    assert sorted(x["user"]["displayName"] for x in body["results"]) == expected
    assert body["totalSize"] == len(expected) and all(x["entityType"] == "user" for x in body["results"])


@pytest.mark.parametrize("cql", ["", "space = ENG", 'user.fullname > "a"', "user.fullname ~", "(user ~ bob"])
def test_user_search_refuses_what_cloud_refuses(wiki, cql):
    r = wiki.get("/rest/api/search/user", params={"cql": cql})
    assert r.status_code == 400 and r.json()["statusCode"] == 400, cql


def test_user_search_pages_with_start_and_limit(wiki):
    first = wiki.get("/rest/api/search/user", params={"cql": "type = user", "limit": 5}).json()
    second = wiki.get("/rest/api/search/user", params={"cql": "type = user", "limit": 5, "start": 5}).json()
    assert first["size"] == 5 and "next" in first["_links"] and first["totalSize"] == 23
    assert not {x["user"]["accountId"] for x in first["results"]} & {x["user"]["accountId"] for x in second["results"]}


def test_body_format_accepts_what_the_spec_lists_and_nothing_else(wiki, v2):
    macro = wiki.fixtures["macro_page"]
    r = wiki.get(f"/api/v2/pages/{macro}", params={"body-format": "editor"})
    _check(v2, r, 200)
    assert r.json()["body"]["editor"]["representation"] == "editor"
    for bad in ("none", "wiki"):
        assert wiki.get(f"/api/v2/pages/{macro}", params={"body-format": bad}).status_code == 400, bad
    assert wiki.get("/api/v2/pages", params={"body-format": "editor"}).status_code == 400  # lists: storage/ADF only


def test_a_quoted_phrase_containing_order_by_is_searched_as_text(wiki):
    created = wiki.post(
        "/api/v2/pages",
        {
            "spaceId": "65538",
            "status": "current",
            "title": "Sort order by region",
            "body": {"representation": "storage", "value": "<p>x</p>"},
        },
    )
    assert created.status_code == 200, created.text
    for cql in ('title ~ "order by"', 'title ~ "order by" order by title desc', "title ~ 'ORDER BY region'"):
        r = wiki.get("/rest/api/search", params={"cql": cql})
        assert r.status_code == 200, (cql, r.text)
        assert created.json()["id"] in [x["content"]["id"] for x in r.json()["results"]], cql
