"""Jira endpoints that common clients use beyond search and issue CRUD: server info, project directory, components,
versions, delete / bulk create, one comment, one link, worklogs, watchers, remote links; each response validated
against the Jira OpenAPI specs, plus Cloud's answers for removed and unknown paths."""

from __future__ import annotations

import pytest

from sandbox.atlassian.users import user

from .openapi_support import load
from .test_openapi_contract import _check, _errs

ADF = {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": "hi"}]}]}


@pytest.fixture(scope="module")
def specs():
    return {3: load("jira-v3.json"), 2: load("jira-v2.json"), "agile": load("jira-agile.json")}


def _validated(api, spec, method, path, body=None, expect=200):
    r = api.s.request(method, api.base + path, json=body, timeout=10)
    try:
        _check(spec, r, expect)
    except Exception as exc:  # noqa: BLE001 - openapi-core raises many types; report them all the same way
        raise AssertionError(f"{method} {path}: {type(exc).__name__} {_errs(exc)}") from None
    return r.json() if r.content else None


def _new_issue(api, v: int, summary: str, **fields) -> str:
    body = {"fields": {"project": {"key": "SHOP"}, "issuetype": {"name": "Task"}, "summary": summary, **fields}}
    r = api.post(f"/rest/api/{v}/issue", body)
    assert r.status_code == 201, r.text
    return r.json()["key"]


@pytest.mark.parametrize("v", [3, 2])
def test_directory_endpoints_answer_as_the_spec_describes(api, specs, v):
    p, spec = f"/rest/api/{v}", specs[v]
    info = _validated(api, spec, "GET", f"{p}/serverInfo")
    assert info["deploymentType"] == "Cloud" and info["baseUrl"] == api.base
    assert [x["key"] for x in _validated(api, spec, "GET", f"{p}/project")] == ["MOB", "OPS", "SHOP"]
    assert {t["name"] for t in _validated(api, spec, "GET", f"{p}/issuetype")} >= {"Epic", "Bug", "Sub-task"}
    statuses = _validated(api, spec, "GET", f"{p}/project/OPS/statuses")
    assert {t["name"] for t in statuses} == {"Epic", "Task", "Bug", "Sub-task"}
    assert "In Review" in {s["name"] for s in statuses[0]["statuses"]}
    both = _validated(api, spec, "GET", f"{p}/user/assignable/multiProjectSearch?projectKeys=SHOP,OPS&query=paul")
    assert [u["displayName"] for u in both] == ["Paul Martin"]  # Pauline is not assignable in SHOP
    meta = _validated(
        api, spec, "GET", f"{p}/issue/createmeta?projectKeys=SHOP&issuetypeNames=Bug&expand=projects.issuetypes.fields"
    )
    bug = meta["projects"][0]["issuetypes"][0]
    assert bug["name"] == "Bug" and bug["fields"]["description"]["required"] is True
    assert "customfield_10001" not in bug["fields"]  # Team is not on the SHOP Bug screen


@pytest.mark.parametrize("v", [3, 2])
def test_components_and_versions_are_listed_and_created(api, specs, v):
    p, spec = f"/rest/api/{v}", specs[v]
    names = [c["name"] for c in _validated(api, spec, "GET", f"{p}/project/SHOP/components")]
    assert names[:2] == ["Catalogue", "Checkout"]
    comp = _validated(
        api,
        spec,
        "POST",
        f"{p}/component",
        {"project": "MOB", "name": f"Widgets v{v}", "description": "Home-screen widgets"},
        201,
    )
    assert comp["project"] == "MOB" and comp["name"] in [
        c["name"] for c in api.get(f"{p}/project/MOB/components").json()
    ]
    dup = api.post(f"{p}/component", {"project": "MOB", "name": f"widgets V{v}"})
    assert dup.status_code == 400 and "already exists" in dup.json()["errors"]["name"]
    assert [x["name"] for x in _validated(api, spec, "GET", f"{p}/project/SHOP/versions")] == ["2026.10", "2026.12"]
    ver = _validated(
        api, spec, "POST", f"{p}/version", {"projectId": 10002, "name": f"4.0.{v}", "releaseDate": "2027-01-31"}, 201
    )
    assert ver["released"] is False and ver["releaseDate"] == "2027-01-31"
    assert api.post(f"{p}/version", {"projectId": 10002, "name": "x", "releaseDate": "soon"}).status_code == 400


@pytest.mark.parametrize("v", [3, 2])
def test_issue_sub_resources_round_trip(api, specs, v):
    p, spec = f"/rest/api/{v}", specs[v]
    body = ADF if v == 3 else "hi *there*"
    key = _new_issue(api, v, f"sub-resources v{v}")
    bob = user("bob").account_id

    comment = api.post(f"{p}/issue/{key}/comment", {"body": body}).json()
    got = _validated(api, spec, "GET", f"{p}/issue/{key}/comment/{comment['id']}")
    assert got["id"] == comment["id"]
    edited_body = ADF if v == 3 else "edited"
    edited = _validated(api, spec, "PUT", f"{p}/issue/{key}/comment/{comment['id']}", {"body": edited_body})
    assert edited["body"] == edited_body
    _validated(api, spec, "DELETE", f"{p}/issue/{key}/comment/{comment['id']}", expect=204)
    assert api.get(f"{p}/issue/{key}/comment/{comment['id']}").status_code == 404

    wl = _validated(
        api,
        spec,
        "POST",
        f"{p}/issue/{key}/worklog",
        {"timeSpent": "1h 30m", "started": "2026-11-19T09:00:00.000+0000", "comment": body},
        201,
    )
    assert wl["timeSpentSeconds"] == 5400 and wl["timeSpent"] == "1h 30m"
    page = _validated(api, spec, "GET", f"{p}/issue/{key}/worklog")
    assert page["total"] == 1 and page["worklogs"][0]["id"] == wl["id"]
    tt = api.get(f"{p}/issue/{key}?fields=timetracking,worklog").json()["fields"]
    assert tt["timetracking"]["timeSpentSeconds"] == 5400 and tt["worklog"]["total"] == 1
    assert api.post(f"{p}/issue/{key}/worklog", {"timeSpent": "a while"}).status_code == 400

    watchers = _validated(api, spec, "GET", f"{p}/issue/{key}/watchers")
    assert watchers["isWatching"] is True and watchers["watchCount"] == 1  # the reporter watches
    _validated(api, spec, "POST", f"{p}/issue/{key}/watchers", bob, 204)
    assert {w["accountId"] for w in api.get(f"{p}/issue/{key}/watchers").json()["watchers"]} >= {bob}
    _validated(api, spec, "DELETE", f"{p}/issue/{key}/watchers?accountId={bob}", expect=204)
    assert api.get(f"{p}/issue/{key}?fields=watches").json()["fields"]["watches"]["watchCount"] == 1

    link = {"globalId": "system=ci&id=42", "object": {"url": "https://ci.example.com/42", "title": "Build 42"}}
    created = _validated(api, spec, "POST", f"{p}/issue/{key}/remotelink", link, 201)
    again = api.post(f"{p}/issue/{key}/remotelink", {**link, "object": {**link["object"], "title": "Build 42 (ok)"}})
    assert again.status_code == 200 and again.json()["id"] == created["id"]  # same globalId: updated in place
    links = _validated(api, spec, "GET", f"{p}/issue/{key}/remotelink")
    assert [x["object"]["title"] for x in links] == ["Build 42 (ok)"]


@pytest.mark.parametrize("v", [3, 2])
def test_issue_links_are_read_and_deleted_by_id(api, specs, v):
    p, spec = f"/rest/api/{v}", specs[v]
    a, b = _new_issue(api, v, "blocker"), _new_issue(api, v, "blocked")
    api.post(f"{p}/issueLink", {"type": {"name": "Blocks"}, "inwardIssue": {"key": a}, "outwardIssue": {"key": b}})
    lid = api.get(f"{p}/issue/{a}?fields=issuelinks").json()["fields"]["issuelinks"][0]["id"]
    got = _validated(api, spec, "GET", f"{p}/issueLink/{lid}")
    assert got["type"]["name"] == "Blocks" and got["inwardIssue"]["key"] == a and got["outwardIssue"]["key"] == b
    _validated(api, spec, "DELETE", f"{p}/issueLink/{lid}", expect=204)
    assert api.get(f"{p}/issueLink/{lid}").status_code == 404
    assert api.get(f"{p}/issue/{b}?fields=issuelinks").json()["fields"]["issuelinks"] == []


@pytest.mark.parametrize("v", [3, 2])
def test_bulk_create_reports_each_failure_by_position_and_delete_needs_delete_subtasks(api, specs, v):
    p, spec = f"/rest/api/{v}", specs[v]
    good = {"fields": {"project": {"key": "SHOP"}, "issuetype": {"name": "Task"}, "summary": "bulk one"}}
    bad = {"fields": {"project": {"key": "SHOP"}, "issuetype": {"name": "Task"}}}
    out = _validated(api, spec, "POST", f"{p}/issue/bulk", {"issueUpdates": [good, bad]}, 201)
    assert len(out["issues"]) == 1 and out["errors"][0]["failedElementNumber"] == 1
    assert "summary" in out["errors"][0]["elementErrors"]["errors"]
    assert api.post(f"{p}/issue/bulk", {"issueUpdates": [bad]}).status_code == 400

    parent = out["issues"][0]["key"]
    sub = {"project": {"key": "SHOP"}, "issuetype": {"name": "Sub-task"}, "summary": "child", "parent": {"key": parent}}
    child = api.post(f"{p}/issue", {"fields": sub}).json()["key"]
    refused = api.s.delete(api.base + f"{p}/issue/{parent}", timeout=10)
    assert refused.status_code == 400 and "deleteSubtasks" in refused.json()["errorMessages"][0]
    _validated(api, spec, "DELETE", f"{p}/issue/{parent}?deleteSubtasks=true", expect=204)
    assert api.get(f"{p}/issue/{parent}").status_code == 404 and api.get(f"{p}/issue/{child}").status_code == 404


def test_removed_offset_search_answers_410_with_the_migration_message(api):
    for method, v in (("GET", 3), ("POST", 3), ("GET", 2), ("POST", 2)):
        r = api.s.request(
            method,
            f"{api.base}/rest/api/{v}/search",
            json={"jql": "project = SHOP"} if method == "POST" else None,
            params={"jql": "project = SHOP"} if method == "GET" else None,
            timeout=10,
        )
        assert r.status_code == 410, (method, v)
        assert "/rest/api/3/search/jql" in r.json()["errorMessages"][0] and "CHANGE-2046" in r.text


def test_names_of_issue_sub_resources_are_never_read_as_issue_keys(api):
    for path in ("/rest/api/3/issue/archive", "/rest/api/3/issue/watching", "/rest/api/2/issue/createmeta/x/y/z"):
        r = api.get(path)
        assert r.status_code == 404 and r.json() == {"message": f"null for uri: {api.base}{path}", "status-code": 404}
    assert api.get("/rest/api/3/issue/createmeta").status_code == 200
    assert api.get("/rest/api/3/issue/picker?query=x").status_code == 200
    missing = api.get("/rest/api/3/issue/NOPE-1")
    assert missing.status_code == 404 and "Issue does not exist" in missing.json()["errorMessages"][0]


def test_default_issue_fields_include_the_standard_system_fields(api):
    fields = api.get("/rest/api/3/issue/SHOP-10").json()["fields"]
    for f in ("attachment", "worklog", "timetracking", "watches", "votes", "components", "fixVersions"):
        assert f in fields, f
    assert fields["watches"]["watchCount"] >= 1 and fields["votes"]["votes"] == 0 and fields["attachment"] == []


def test_agile_issues_carry_sprint_closed_sprints_flagged_and_epic(api, specs):
    in_closed = _validated(api, specs["agile"], "GET", "/rest/agile/1.0/sprint/1/issue?maxResults=50")["issues"]
    assert in_closed and all(1 in [s["id"] for s in i["fields"]["closedSprints"]] for i in in_closed)
    assert all("flagged" in i["fields"] and "sprint" in i["fields"] and "epic" in i["fields"] for i in in_closed)
    active = api.get("/rest/agile/1.0/sprint/4/issue?maxResults=50").json()["issues"]
    assert all(i["fields"]["sprint"]["id"] == 4 and i["fields"]["sprint"]["state"] == "active" for i in active)
    with_epic = next(
        i
        for i in api.get("/rest/agile/1.0/board/1/issue?maxResults=100").json()["issues"]
        if i["fields"]["parent"] and i["fields"]["parent"]["fields"]["issuetype"]["name"] == "Epic"
    )
    one = _validated(api, specs["agile"], "GET", f"/rest/agile/1.0/issue/{with_epic['key']}")
    assert one["fields"]["epic"]["key"] == with_epic["fields"]["parent"]["key"]
    assert one["self"].endswith(f"/rest/agile/1.0/issue/{one['id']}")


@pytest.mark.parametrize("v", [3, 2])
def test_issue_picker_suggests_by_key_or_summary_within_the_current_jql(api, specs, v):
    out = _validated(api, specs[v], "GET", f"/rest/api/{v}/issue/picker?query=stock&currentJQL=project%20%3D%20MOB")
    history, current = out["sections"]
    assert history["id"] == "hs" and current["id"] == "cs" and history["issues"]
    assert all("stock" in i["summaryText"].lower() for i in history["issues"] + current["issues"])
    assert all(i["key"].startswith("MOB-") for i in current["issues"])
    assert "<b>" in history["issues"][0]["summary"]
    by_key = _validated(api, specs[v], "GET", f"/rest/api/{v}/issue/picker?query=SHOP-12")
    assert by_key["sections"][0]["issues"][0]["key"].startswith("SHOP-12")


@pytest.mark.parametrize("v", [3, 2])
def test_components_and_fix_versions_are_set_on_create_and_changed_by_update_operations(api, specs, v):
    p = f"/rest/api/{v}"
    key = _new_issue(api, v, "with components", components=[{"name": "Checkout"}], fixVersions=[{"name": "2026.12"}])
    fields = api.get(f"{p}/issue/{key}?fields=components,fixVersions").json()["fields"]
    assert [c["name"] for c in fields["components"]] == ["Checkout"]
    assert [x["name"] for x in fields["fixVersions"]] == ["2026.12"]
    r = api.put(
        f"{p}/issue/{key}",
        {"update": {"components": [{"add": {"name": "Catalogue"}}, {"remove": {"name": "Checkout"}}]}},
    )
    assert r.status_code == 204, r.text
    assert [c["name"] for c in api.get(f"{p}/issue/{key}").json()["fields"]["components"]] == ["Catalogue"]
    bad = api.put(f"{p}/issue/{key}", {"fields": {"components": [{"name": "iOS"}]}})  # a MOB component
    assert bad.status_code == 400 and bad.json()["errors"]["components"] == "Component name 'iOS' is not valid"
    meta = _validated(api, specs[v], "GET", f"{p}/issue/createmeta/SHOP/issuetypes/10001")
    comp = next(f for f in meta["fields"] if f["fieldId"] == "components")
    assert {x["name"] for x in comp["allowedValues"]} >= {"Checkout", "Catalogue"}
    history = api.get(f"{p}/issue/{key}/changelog").json()["values"]
    assert any(it["field"] == "components" and it["toString"] == "Catalogue" for h in history for it in h["items"])
