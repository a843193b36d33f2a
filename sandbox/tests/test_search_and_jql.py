"""search/jql paging and the JQL subset."""

from __future__ import annotations

import pytest

from sandbox.atlassian.users import user


def _keys(api, jql, **extra):
    r = api.post("/rest/api/3/search/jql", {"jql": jql, "fields": ["key"], "maxResults": 5000, **extra})
    assert r.status_code == 200, r.text
    return [i["key"] for i in r.json()["issues"]]


def test_paging_to_the_end_without_total(api):
    seen, token, pages = [], None, 0
    while True:
        params = {"jql": "project in (SHOP, OPS, MOB) ORDER BY key ASC", "maxResults": 37}
        if token:
            params["nextPageToken"] = token
        body = api.get("/rest/api/3/search/jql", params=params).json()
        pages += 1
        assert "total" not in body
        assert all(set(i) == {"id"} for i in body["issues"])  # default fields=id
        seen += [i["id"] for i in body["issues"]]
        if body["isLast"]:
            assert "nextPageToken" not in body
            break
        token = body["nextPageToken"]
    assert len(seen) >= 300 and len(seen) == len(set(seen))
    assert pages == -(-len(seen) // 37)


def test_max_results_caps(api):
    full = api.get(
        "/rest/api/3/search/jql", params={"jql": "project = SHOP", "maxResults": 500, "fields": "*all"}
    ).json()
    assert len(full["issues"]) == 100
    ids = api.get("/rest/api/3/search/jql", params={"jql": "project = SHOP", "maxResults": 500}).json()
    assert len(ids["issues"]) >= 140 and ids["isLast"]


def test_bad_token_and_unbounded(api):
    r = api.get("/rest/api/3/search/jql", params={"jql": "ORDER BY key DESC"})
    assert r.status_code == 400
    assert "Unbounded JQL queries are not allowed" in r.json()["errorMessages"][0]
    r = api.get("/rest/api/3/search/jql", params={"jql": "project = SHOP", "nextPageToken": "garbage"})
    assert r.status_code == 400


def test_unknown_field_and_syntax(api):
    r = api.get("/rest/api/3/search/jql", params={"jql": "nosuchfield = 1"})
    assert r.status_code == 400
    assert r.json()["errorMessages"] == ["Field 'nosuchfield' does not exist or you do not have permission to view it."]
    r = api.get("/rest/api/3/search/jql", params={"jql": "project = SHOP AND"})
    assert r.status_code == 400 and r.json()["errorMessages"][0].startswith("Error in the JQL Query:")


def test_fields_selection_and_expand(api):
    body = api.post(
        "/rest/api/3/search/jql",
        {"jql": "key = SHOP-2", "fields": ["*navigable", "-description"], "expand": "names,changelog"},
    ).json()
    issue = body["issues"][0]
    assert "description" not in issue["fields"] and "summary" in issue["fields"]
    assert "comment" not in issue["fields"]
    assert issue["names"]["summary"] == "Summary" and "changelog" in issue


@pytest.mark.parametrize(
    "jql",
    [
        'project = SHOP AND status = "In Progress"',
        "project = SHOP AND status != Done",
        'project = OPS AND status in ("To Do", "In Review")',
        "project = MOB AND status not in (Done)",
        'project = SHOP AND statusCategory = "In Progress"',
        "project = SHOP AND assignee is EMPTY",
        "project = SHOP AND assignee is not EMPTY AND reporter = currentUser()",
        "project = SHOP AND issuetype = Bug AND priority >= High",
        "type = Sub-task AND parent is not EMPTY",
        "labels in (ios, android) OR labels = checkout",
        "sprint in openSprints() AND project = SHOP",
        "sprint in futureSprints() OR sprint in closedSprints()",
        "sprint = 4",
        'sprint = "SHOP Sprint 4"',
        "resolution = Unresolved AND project = MOB",
        "resolution = Done",
        'created >= "2026-11-01" AND created < "2026/11/15 10:00"',
        "updated >= -48h",
        "resolved >= -7d",
        "created > startOfWeek() OR updated > startOfDay(-1d)",
        "Flagged = Impediment",
        "cf[10021] is not EMPTY",
        '"Flagged" is EMPTY AND project = OPS',
        'issueLinkType = "is blocked by"',
        'summary ~ "checkout" AND summary !~ crash',
        'text ~ "runbook"',
        'description ~ "staging" OR comment ~ "review"',
        "NOT (project = SHOP) AND key >= OPS-10",
        "project = SHOP AND status CHANGED AFTER -48h",
        "project = SHOP AND NOT status CHANGED AFTER -48h",
        'status CHANGED DURING ("2026-11-01", "2026-11-10") AND project = SHOP',
        "status CHANGED TO Blocked",
        "project = SHOP ORDER BY priority DESC, updated ASC, key",
    ],
)
def test_jql_operator_families(api, jql):
    r = api.post("/rest/api/3/search/jql", {"jql": jql, "fields": ["key"], "maxResults": 5000})
    assert r.status_code == 200, (jql, r.text)


def test_jql_semantics(api):
    inprog = _keys(api, 'project = SHOP AND status = "In Progress"')
    notdone = _keys(api, "project = SHOP AND status != Done")
    assert inprog and set(inprog) <= set(notdone)
    assert set(_keys(api, "issuekey = SHOP-5")) == {"SHOP-5"}
    both = set(_keys(api, "project = SHOP AND NOT status CHANGED AFTER -48h")) | set(
        _keys(api, "project = SHOP AND status CHANGED AFTER -48h")
    )
    assert len(both) == len(_keys(api, "project = SHOP"))
    ordered = _keys(api, "project = OPS ORDER BY key ASC")
    assert ordered[:3] == ["OPS-1", "OPS-2", "OPS-3"]


def test_text_match_and_escaping(api):
    created = api.post(
        "/rest/api/3/issue",
        {
            "fields": {
                "project": {"key": "OPS"},
                "issuetype": {"name": "Task"},
                "summary": 'Quote the "magic word" here',
            }
        },
    ).json()
    assert _keys(api, 'summary ~ "\\"magic word\\""') == [created["key"]]
    assert created["key"] in _keys(api, "summary ~ 'MAGIC'")
    assert created["key"] not in _keys(api, 'summary ~ "magician"')
    assert created["key"] in _keys(api, 'summary ~ "magi*"')


def test_linked_issues_function(api):
    r = api.post(
        "/rest/api/3/issueLink",
        {"type": {"name": "Blocks"}, "inwardIssue": {"key": "MOB-3"}, "outwardIssue": {"key": "MOB-4"}},
    )
    assert r.status_code == 201
    assert "MOB-3" in _keys(api, 'issue in linkedIssues(MOB-4, "is blocked by")')
    assert "MOB-4" in _keys(api, 'issue in linkedIssues(MOB-3, "blocks")')
    assert "MOB-4" in _keys(api, "issue in linkedIssues(MOB-3)")


def test_approximate_count(api):
    n = api.post("/rest/api/3/search/approximate-count", {"jql": "project = MOB"}).json()["count"]
    assert n == len(_keys(api, "project = MOB"))


def test_current_user_via_pat(jira_url):
    import requests

    r = requests.get(
        jira_url + "/rest/api/3/search/jql",
        params={"jql": "assignee = currentUser()", "fields": "assignee"},
        headers={"Authorization": "Bearer pat-bob"},
    )
    assert r.status_code == 200
    assert all(i["fields"]["assignee"]["accountId"] == user("bob").account_id for i in r.json()["issues"])
