"""Behaviour mcp-atlassian 0.23.1 relies on (found by `python -m bench.compare`), as Jira/Confluence Cloud do it."""
from __future__ import annotations

from sandbox.atlassian import users as U


def _account(localpart: str) -> str:
    return U.BY_LOCALPART[localpart].account_id


def _new_issue(api) -> str:
    r = api.post("/rest/api/2/issue", {"fields": {"project": {"key": "SHOP"}, "issuetype": {"name": "Task"},
                                                  "summary": "assign me"}})
    assert r.status_code == 201, r.text
    return r.json()["key"]


def test_assign_issue_sets_clears_and_records(api):
    key = _new_issue(api)
    paul = _account("paul.martin")
    for ver in ("2", "3"):
        r = api.put(f"/rest/api/{ver}/issue/{key}/assignee", {"accountId": paul})
        assert r.status_code == 204 and r.content == b""
        assert api.get(f"/rest/api/3/issue/{key}?fields=assignee").json()["fields"]["assignee"]["accountId"] == paul
        assert api.put(f"/rest/api/{ver}/issue/{key}/assignee", {"accountId": None}).status_code == 204
        assert api.get(f"/rest/api/3/issue/{key}?fields=assignee").json()["fields"]["assignee"] is None
    api.put(f"/rest/api/3/issue/{key}/assignee", {"accountId": paul})
    # "-1" = the project's default assignee; every emulated project has assigneeType UNASSIGNED
    assert api.put(f"/rest/api/3/issue/{key}/assignee", {"accountId": "-1"}).status_code == 204
    assert api.get(f"/rest/api/3/issue/{key}?fields=assignee").json()["fields"]["assignee"] is None
    items = [item for h in api.get(f"/rest/api/3/issue/{key}/changelog").json()["values"] for item in h["items"]]
    assert [i["to"] for i in items if i["field"] == "assignee"][:1] == [paul]


def test_assign_issue_errors(api):
    key = _new_issue(api)
    cases = [
        ({}, 400),  # no identifier
        ({"accountId": "nobody-here"}, 400),  # unknown user
        ({"accountId": _account("pauline.durand")}, 400),  # not assignable in SHOP
        ({"name": "paul.martin"}, 400),  # names are gone on Cloud
        ({"accountId": _account("paul.martin"), "name": "paul.martin"}, 400),  # more than one identifier
    ]
    for body, status in cases:
        r = api.put(f"/rest/api/3/issue/{key}/assignee", body)
        assert r.status_code == status, (body, r.text)
        assert set(r.json()) == {"errorMessages", "errors"} and r.json()["errors"]
    r = api.put("/rest/api/3/issue/SHOP-99999/assignee", {"accountId": _account("paul.martin")})
    assert r.status_code == 404
    assert r.json()["errorMessages"] == ["Issue does not exist or you do not have permission to see it."]
    assert api.get(f"/rest/api/3/issue/{key}?fields=assignee").json()["fields"]["assignee"] is None


def test_cql_site_search_matches_text_search(api):
    def search(cql: str):
        r = api.get("/wiki/rest/api/search", params={"cql": cql, "limit": 50})
        assert r.status_code == 200, r.text
        return r.json()["results"]

    site = search('siteSearch ~ "checkout"')
    assert [x["content"]["id"] for x in site] == [x["content"]["id"] for x in search('text ~ "checkout"')]
    assert site and any("@@@hl@@@" in x["excerpt"] for x in site)
    assert [x["content"]["id"] for x in search('siteSearch ~ "checkout" AND space = ENG')] == \
        [x["content"]["id"] for x in search('text ~ "checkout" AND space = ENG')]
    excluded = {x["content"]["id"] for x in search('space = ENG AND siteSearch !~ "checkout"')}
    assert excluded and not excluded & {x["content"]["id"] for x in site}
    r = api.get("/wiki/rest/api/search", params={"cql": 'siteSearch = "checkout"'})
    assert r.status_code == 400 and "Could not parse cql" in r.json()["message"]
