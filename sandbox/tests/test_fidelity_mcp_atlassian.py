"""Behaviour mcp-atlassian 0.23.1 relies on (found by `python -m bench.compare`), as Jira/Confluence Cloud do it."""

from __future__ import annotations

import requests

from sandbox.atlassian import users as U
from sandbox.atlassian.jira import catalog as C


def _account(localpart: str) -> str:
    return U.BY_LOCALPART[localpart].account_id


def _new_issue(api) -> str:
    r = api.post(
        "/rest/api/2/issue",
        {"fields": {"project": {"key": "SHOP"}, "issuetype": {"name": "Task"}, "summary": "assign me"}},
    )
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
    assert [x["content"]["id"] for x in search('siteSearch ~ "checkout" AND space = ENG')] == [
        x["content"]["id"] for x in search('text ~ "checkout" AND space = ENG')
    ]
    excluded = {x["content"]["id"] for x in search('space = ENG AND siteSearch !~ "checkout"')}
    assert excluded and not excluded & {x["content"]["id"] for x in site}
    r = api.get("/wiki/rest/api/search", params={"cql": 'siteSearch = "checkout"'})
    assert r.status_code == 400 and "Could not parse cql" in r.json()["message"]


def test_oauth_access_token_works_through_the_gateway_only(jira_url):
    """3LO tokens (how mcp-atlassian reaches Confluence v2 on Cloud) are accepted on api.atlassian.com paths only."""
    bearer = {"Authorization": f"Bearer {U.DEMO_OAUTH_TOKEN}"}
    gateway = {"jira": f"{jira_url}/ex/jira/{C.CLOUD_ID}", "confluence": f"{jira_url}/ex/confluence/{C.CLOUD_ID}"}
    me = requests.get(f"{gateway['jira']}/rest/api/3/myself", headers=bearer)
    assert me.status_code == 200 and me.json()["emailAddress"] == U.DEMO_USER
    page = requests.get(
        f"{gateway['confluence']}/wiki/api/v2/pages/98618", headers=bearer, params={"body-format": "storage"}
    )
    assert page.status_code == 200 and page.json()["body"]["storage"]["value"]
    # the same token on the site URL, an unknown token, or a token of a deactivated user: 401
    assert requests.get(f"{jira_url}/rest/api/3/myself", headers=bearer).status_code == 401
    assert requests.get(f"{jira_url}/wiki/api/v2/pages/98618", headers=bearer).status_code == 401
    assert (
        requests.get(
            f"{gateway['jira']}/rest/api/3/myself", headers={"Authorization": "Bearer oauth-nobody"}
        ).status_code
        == 401
    )
    inactive = next(u for u in U.USERS if not u.active)
    assert (
        requests.get(
            f"{gateway['jira']}/rest/api/3/myself", headers={"Authorization": f"Bearer {inactive.oauth_token}"}
        ).status_code
        == 401
    )
    # the removed v1 content API stays removed through the gateway too
    assert requests.get(f"{gateway['confluence']}/wiki/rest/api/content/98618", headers=bearer).status_code == 410


def test_accessible_resources_names_the_site_for_an_oauth_token(jira_url):
    r = requests.get(
        f"{jira_url}/oauth/token/accessible-resources", headers={"Authorization": f"Bearer {U.DEMO_OAUTH_TOKEN}"}
    )
    assert r.status_code == 200
    [site] = r.json()
    assert site["id"] == C.CLOUD_ID and site["url"] == jira_url and "read:jira-work" in site["scopes"]
    for header in ({}, {"Authorization": f"Bearer {U.DEMO_PAT}"}, {"Authorization": "Bearer oauth-nobody"}):
        assert requests.get(f"{jira_url}/oauth/token/accessible-resources", headers=header).status_code == 401


def test_confluence_gateway_answers_without_the_wiki_segment(jira_url):
    """atlassian-python-api builds `…/ex/confluence/{cloudId}/rest/api/search` (no /wiki) for OAuth clients."""
    bearer = {"Authorization": f"Bearer {U.DEMO_OAUTH_TOKEN}"}
    gateway = f"{jira_url}/ex/confluence/{C.CLOUD_ID}"
    for path, params in (
        ("/api/v2/pages/98618", {"body-format": "storage"}),
        ("/rest/api/search", {"cql": 'text ~ "checkout"', "limit": 3}),
    ):
        short = requests.get(gateway + path, headers=bearer, params=params)
        full = requests.get(gateway + "/wiki" + path, headers=bearer, params=params)
        assert short.status_code == full.status_code == 200, (path, short.text)
        assert {**short.json(), "searchDuration": 0} == {**full.json(), "searchDuration": 0}
    missing = requests.get(gateway + "/api/v2/pages/1", headers=bearer)
    assert missing.status_code == 404 and "errors" in missing.json()  # the v2 error shape, as under /wiki
    assert requests.get(gateway + "/rest/api/content/98618", headers=bearer).status_code == 410


def test_page_content_properties(api):
    """GET /wiki/api/v2/pages/{id}/properties (mcp-atlassian reads the title emoji from it)."""
    r = api.get("/wiki/api/v2/pages/98618/properties")
    assert r.status_code == 200, r.text
    props = {p["key"]: p for p in r.json()["results"]}
    assert props["content-appearance-published"]["value"] == "full-width"
    assert (
        props["emoji-title-published"]["value"] == "1f6d2" and props["emoji-title-published"]["version"]["number"] == 1
    )
    only = api.get("/wiki/api/v2/pages/98618/properties", params={"key": "emoji-title-published"}).json()
    assert [p["key"] for p in only["results"]] == ["emoji-title-published"]
    assert api.get("/wiki/api/v2/pages/98306/properties").json()["results"] == []
    assert api.get("/wiki/api/v2/pages/1/properties").status_code == 404
    assert api.get("/wiki/api/v2/pages/98618/properties", params={"sort": "nonsense"}).status_code == 400
    # the v1 content-property API is gone with the rest of v1 content
    assert api.get("/wiki/rest/api/content/98618/property").status_code == 410
