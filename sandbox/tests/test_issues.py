"""Issue writes, screens, transitions, comments, users, seed guarantees."""

from __future__ import annotations

import requests

from sandbox.atlassian import users as U
from sandbox.atlassian.jira import catalog as C

from .conftest import NOW

ADF = {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": "Body"}]}]}


def test_auth(jira_url):
    assert requests.get(jira_url + "/rest/api/3/myself").status_code == 401
    assert requests.get(jira_url + "/rest/api/3/myself", auth=("alice@example.com", "wrong")).status_code == 401
    r = requests.get(jira_url + "/rest/api/3/myself", auth=(U.DEMO_USER, U.DEMO_TOKEN))
    assert r.json()["emailAddress"] == U.DEMO_USER
    r = requests.get(
        jira_url + f"/ex/jira/{C.CLOUD_ID}/rest/api/3/myself", headers={"Authorization": "Bearer pat-carol"}
    )
    assert r.json()["displayName"] == "Carol Schmidt"
    assert requests.get(jira_url + "/_edge/tenant_info").json() == {"cloudId": C.CLOUD_ID}


def test_gateway_self_links(api):
    body = api.get(f"/ex/jira/{C.CLOUD_ID}/rest/api/3/issue/SHOP-1?fields=summary").json()
    assert body["self"] == f"{api.base}/ex/jira/{C.CLOUD_ID}/rest/api/3/issue/{body['id']}"


def test_unknown_path_and_missing_issue(api):
    r = api.get("/rest/api/3/nothing/here")
    assert r.status_code == 404 and r.json()["message"].startswith("null for uri: ")  # Jersey's body, not errorMessages
    r = api.get("/rest/api/3/issue/SHOP-99999")
    assert r.json()["errorMessages"] == ["Issue does not exist or you do not have permission to see it."]


def test_create_v3_rejects_plain_string_and_v2_takes_wiki(api):
    base = {"project": {"key": "SHOP"}, "issuetype": {"name": "Task"}, "summary": "rich text"}
    r = api.post("/rest/api/3/issue", {"fields": {**base, "description": "plain"}})
    assert r.status_code == 400 and "description" in r.json()["errors"]
    r = api.post("/rest/api/2/issue", {"fields": {**base, "description": "h2. Title\n\n* one\n* two"}})
    assert r.status_code == 201
    key = r.json()["key"]
    v3 = api.get(f"/rest/api/3/issue/{key}?fields=description").json()["fields"]["description"]
    assert v3["type"] == "doc" and v3["content"][0]["type"] == "heading"
    v2 = api.get(f"/rest/api/2/issue/{key}?fields=description").json()["fields"]["description"]
    assert v2.startswith("h2. Title")


def test_create_validation(api):
    def err(fields):
        r = api.post(
            "/rest/api/3/issue",
            {"fields": {"project": {"key": "SHOP"}, "issuetype": {"name": "Task"}, "summary": "x", **fields}},
        )
        assert r.status_code == 400, r.text
        return r.json()["errors"]

    assert "labels" in err({"labels": ["has space"]})
    assert err({"customfield_99999": 1}) == {
        "customfield_99999": "Field 'customfield_99999' cannot be set. It is not on the appropriate screen, or unknown."
    }
    assert "assignee" in err({"assignee": {"accountId": U.user("pauline.durand").account_id}})
    assert "priority" in err({"priority": {"name": "Urgent"}})
    assert "customfield_10020" in err({"customfield_10020": {"id": 4}})
    assert "customfield_10020" in err({"customfield_10020": 1})  # closed sprint
    assert "parent" in err({"parent": {"key": "SHOP-99999"}})
    r = api.post(
        "/rest/api/3/issue", {"fields": {"project": {"key": "NOPE"}, "issuetype": {"name": "Task"}, "summary": "x"}}
    )
    assert "project" in r.json()["errors"]
    r = api.post(
        "/rest/api/3/issue", {"fields": {"project": {"key": "SHOP"}, "issuetype": {"name": "Bug"}, "summary": "x"}}
    )
    assert r.json()["errors"] == {"description": "Description is required."}


def test_create_full_and_silently_dropped_field(api):
    epic = api.get(
        "/rest/api/3/search/jql", params={"jql": "project = SHOP AND issuetype = Epic", "fields": "key"}
    ).json()["issues"][0]["key"]
    paul = U.user("paul.martin").account_id
    r = api.post(
        "/rest/api/3/issue",
        {
            "fields": {
                "project": {"key": "SHOP"},
                "issuetype": {"name": "Bug"},
                "summary": "Checkout fails",
                "description": ADF,
                "environment": ADF,
                "assignee": {"accountId": paul},
                "priority": {"name": "Blocker"},
                "labels": ["checkout"],
                "parent": {"key": epic},
                "customfield_10020": 4,
                "customfield_10021": [{"value": "Impediment"}],
                "customfield_10001": {"value": "Payments"},
            },  # Team is not on the SHOP Bug screen -> dropped
            "properties": [{"key": "sync", "value": {"origin": "test"}}],
        },
    )
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["self"].endswith(f"/rest/api/3/issue/{created['id']}")
    f = api.get(f"/rest/api/3/issue/{created['key']}").json()["fields"]
    assert f["customfield_10001"] is None
    assert f["customfield_10020"][0]["id"] == 4 and f["customfield_10021"][0]["value"] == "Impediment"
    assert f["parent"]["key"] == epic and f["assignee"]["accountId"] == paul and f["priority"]["name"] == "Blocker"
    assert api.get(f"/rest/api/3/issue/{created['key']}/properties/sync").json() == {
        "key": "sync",
        "value": {"origin": "test"},
    }
    # environment is silently dropped on the OPS Task screen
    r = api.post(
        "/rest/api/3/issue",
        {
            "fields": {
                "project": {"key": "OPS"},
                "issuetype": {"name": "Task"},
                "summary": "env dropped",
                "environment": ADF,
            }
        },
    )
    assert r.status_code == 201
    assert api.get(f"/rest/api/3/issue/{r.json()['key']}?fields=environment").json()["fields"]["environment"] is None


def test_edit_labels_and_changelog(api):
    key = "OPS-20"
    before = api.get(f"/rest/api/3/issue/{key}/changelog").json()["total"]
    r = api.put(
        f"/rest/api/3/issue/{key}",
        {"update": {"labels": [{"add": "edited"}, {"remove": "nope"}]}, "fields": {"summary": "Edited summary"}},
    )
    assert r.status_code == 204
    f = api.get(f"/rest/api/3/issue/{key}?fields=labels,summary").json()["fields"]
    assert "edited" in f["labels"] and f["summary"] == "Edited summary"
    log = api.get(f"/rest/api/3/issue/{key}/changelog").json()
    assert log["total"] == before + 1
    fields = {i["field"] for i in log["values"][-1]["items"]}
    assert {"labels", "summary"} <= fields
    r = api.put(f"/rest/api/3/issue/{key}", {"update": {"labels": [{"set": ["a", "b"]}]}})
    assert api.get(f"/rest/api/3/issue/{key}?fields=labels").json()["fields"]["labels"] == ["a", "b"]
    bulk = api.post(
        "/rest/api/3/changelog/bulkfetch", {"issueIdsOrKeys": [key], "fieldIds": ["labels"], "maxResults": 1}
    ).json()
    assert bulk["issueChangeLogs"][0]["changeHistories"][0]["items"][0]["fieldId"] == "labels"
    assert "nextPageToken" in bulk


def test_transitions_and_comments(api):
    key = api.post(
        "/rest/api/3/issue",
        {"fields": {"project": {"key": "MOB"}, "issuetype": {"name": "Task"}, "summary": "walk the workflow"}},
    ).json()["key"]
    ids = {t["name"]: t["id"] for t in api.get(f"/rest/api/3/issue/{key}/transitions").json()["transitions"]}
    assert api.post(f"/rest/api/3/issue/{key}/transitions", {"transition": {"id": "61"}}).status_code == 400
    for name in ("Start Progress", "Submit for Review"):
        tid = next(
            t["id"] for t in api.get(f"/rest/api/3/issue/{key}/transitions").json()["transitions"] if t["name"] == name
        )
        assert api.post(f"/rest/api/3/issue/{key}/transitions", {"transition": {"id": tid}}).status_code == 204
    r = api.post(
        f"/rest/api/3/issue/{key}/transitions",
        {
            "transition": {"id": "41"},
            "fields": {"resolution": {"name": "Won't Do"}},
            "update": {"comment": [{"add": {"body": ADF}}]},
        },
    )
    assert r.status_code == 204, r.text
    f = api.get(f"/rest/api/3/issue/{key}?fields=status,resolution,comment").json()["fields"]
    assert f["status"]["name"] == "Done" and f["resolution"]["name"] == "Won't Do" and f["comment"]["total"] == 1
    assert "Start Progress" in ids
    assert api.post(f"/rest/api/3/issue/{key}/comment", {"body": "plain"}).status_code == 400
    assert api.post(f"/rest/api/2/issue/{key}/comment", {"body": "wiki *bold*"}).status_code == 201
    page = api.get(f"/rest/api/3/issue/{key}/comment?startAt=1&maxResults=1&orderBy=created").json()
    assert page["total"] == 2 and len(page["comments"]) == 1
    assert page["comments"][0]["body"]["content"][0]["content"][1]["marks"] == [{"type": "strong"}]


def test_users_and_pauls(api):
    pauls = api.get("/rest/api/3/user/search?query=paul").json()
    assert sorted(u["displayName"] for u in pauls) == ["Paul Martin", "Pauline Durand"]
    shop = api.get("/rest/api/3/user/assignable/search?project=SHOP&query=paul").json()
    assert [u["displayName"] for u in shop] == ["Paul Martin"]
    ops = api.get("/rest/api/3/user/assignable/search?project=OPS&query=paul").json()
    assert len(ops) == 2
    by_issue = api.get("/rest/api/3/user/assignable/search?issueKey=SHOP-3&query=paul").json()
    assert len(by_issue) == 1
    assert api.get("/rest/api/3/user/search?query=alice@example.com").json()[0]["accountId"] == U.DEMO_ACCOUNT_ID
    assert len(U.USERS) >= 22


def test_seed_guarantees(api):
    count = api.post("/rest/api/3/search/approximate-count", {"jql": "project in (SHOP, OPS, MOB)"}).json()["count"]
    assert count >= 300
    blockers = (
        '(priority = Blocker OR Flagged = Impediment OR issueLinkType = "is blocked by") '
        "AND resolution = Unresolved AND project = SHOP"
    )
    young = api.post(
        "/rest/api/3/search/jql",
        {"jql": blockers + " AND status CHANGED AFTER -48h", "fields": ["key"], "maxResults": 500},
    ).json()["issues"]
    old = api.post(
        "/rest/api/3/search/jql",
        {"jql": blockers + " AND NOT status CHANGED AFTER -48h", "fields": ["key"], "maxResults": 500},
    ).json()["issues"]
    assert len(young) >= 3 and len(old) >= 3
    boards = api.get("/rest/agile/1.0/board").json()["values"]
    assert {b["location"]["projectKey"] for b in boards} == {"SHOP", "MOB"}
    for b in boards:
        states = [s["state"] for s in api.get(f"/rest/agile/1.0/board/{b['id']}/sprint").json()["values"]]
        assert states.count("active") == 1 and "future" in states and "closed" in states
    ptypes = {p["key"]: p["projectTypeKey"] for p in api.get("/rest/api/3/project/search").json()["values"]}
    assert ptypes == {"SHOP": "software", "OPS": "business", "MOB": "software"}


def test_agile_moves(api):
    r = api.post("/rest/agile/1.0/sprint/5/issue", {"issues": ["SHOP-30"]})
    assert r.status_code == 204
    keys = [i["key"] for i in api.get("/rest/agile/1.0/sprint/5/issue?maxResults=100").json()["issues"]]
    assert "SHOP-30" in keys
    assert api.post("/rest/agile/1.0/backlog/issue", {"issues": ["SHOP-30"]}).status_code == 204
    keys = [
        i["key"]
        for i in api.get("/rest/agile/1.0/board/1/issue?jql=sprint%20is%20EMPTY&maxResults=100").json()["issues"]
    ]
    assert "SHOP-30" in keys
    assert api.post("/rest/agile/1.0/sprint/1/issue", {"issues": ["SHOP-30"]}).status_code == 400


def test_seeded_comments_carry_no_trailing_space():
    """A trailing space is there only before a mention (readers would otherwise show it as `&#32;`)."""
    from sandbox.atlassian.jira.site import JiraSite

    site = JiraSite(seed=42, now=NOW)
    paragraphs = [c.body["content"][0]["content"] for i in site.store.issues.values() for c in i.comments]
    assert paragraphs
    for paragraph in paragraphs:
        last = paragraph[-1]
        assert last["type"] == "mention" or not last["text"].endswith(" "), paragraph
