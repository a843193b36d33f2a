"""atlassian-python-api's Jira, JiraCloud, Confluence and ConfluenceV2 classes through the directory, issue
sub-resource and people endpoints (success paths): a third-party client reads what the emulator writes."""

from __future__ import annotations

from atlassian import Confluence, ConfluenceV2, Jira
from atlassian.jira import JiraCloud

from sandbox.atlassian.users import DEMO_TOKEN, DEMO_USER, user

ADF = {"type": "doc", "version": 1, "content": [{"type": "paragraph", "content": [{"type": "text", "text": "lib"}]}]}


def _jira(url: str) -> Jira:
    return Jira(url, username=DEMO_USER, password=DEMO_TOKEN, cloud=True, retry_with_header=False)


def _jira_cloud(url: str) -> JiraCloud:
    return JiraCloud(url, username=DEMO_USER, password=DEMO_TOKEN, api_version=3, retry_with_header=False)


def test_jira_reads_the_site_directory(jira_url):
    jira = _jira(jira_url)
    assert jira.get_server_info()["deploymentType"] == "Cloud"
    assert {p["key"] for p in jira.projects()} == {"SHOP", "OPS", "MOB"}
    assert "Sub-task" in {t["name"] for t in jira.get_issue_types()}
    assert {c["name"] for c in jira.get_project_components("SHOP")} >= {"Checkout", "Catalogue"}
    assert [v["name"] for v in jira.get_project_versions("SHOP")][:2] == ["2026.10", "2026.12"]
    meta = jira.issue_createmeta("OPS")
    assert {t["name"] for t in meta["projects"][0]["issuetypes"]} == {"Epic", "Task", "Bug", "Sub-task"}
    created = jira.create_component({"project": "OPS", "name": "Backups", "description": "Nightly backups"})
    assert created["name"] == "Backups" and created["project"] == "OPS"


def test_jira_cloud_reads_the_site_directory(jira_url):
    jira = _jira_cloud(jira_url)
    assert jira.get_server_info()["versionNumbers"][0] == 1001
    assert [p["key"] for p in jira.get_all_projects()] == ["MOB", "OPS", "SHOP"]
    assert "Epic" in {t["name"] for t in jira.get_issue_all_types()}
    assert {t["name"] for t in jira.get_all_statuses("SHOP")} >= {"Story", "Bug"}
    people = jira.find_bulk_assignable_users(query="paul", project_keys="OPS,MOB")
    assert [u["displayName"] for u in people] == ["Pauline Durand"]
    version = jira.create_version(data={"name": "2027.02", "projectId": 10000, "releaseDate": "2027-02-15"})
    assert version["name"] in [v["name"] for v in jira.get_project_versions("SHOP")]


def test_jira_works_an_issue_through_its_sub_resources(jira_url):
    jira = _jira(jira_url)
    key = jira.create_issue(
        fields={"project": {"key": "SHOP"}, "issuetype": {"name": "Task"}, "summary": "Library walk-through"}
    )["key"]
    comment = jira.issue_add_comment(key, "first *draft*")
    jira.issue_edit_comment(key, comment["id"], "final text")
    assert jira.issue_get_comment(key, comment["id"])["body"] == "final text"
    jira.issue_worklog(key, "2026-11-19T09:00:00.000+0000", 7200, comment="pairing")
    assert jira.issue_get_worklog(key)["worklogs"][0]["timeSpent"] == "2h"
    bob = user("bob").account_id
    jira.issue_add_watcher(key, bob)
    assert bob in {w["accountId"] for w in jira.issue_get_watchers(key)["watchers"]}
    jira.issue_delete_watcher(key, account_id=bob)
    assert bob not in {w["accountId"] for w in jira.issue_get_watchers(key)["watchers"]}
    jira.create_or_update_issue_remote_links(key, "https://ci.example.com/7", "Build 7", global_id="ci-7")
    assert [x["object"]["title"] for x in jira.get_issue_remote_links(key)] == ["Build 7"]
    other = jira.create_issue(
        fields={"project": {"key": "SHOP"}, "issuetype": {"name": "Task"}, "summary": "Library walk-through (blocked)"}
    )["key"]
    jira.create_issue_link({"type": {"name": "Blocks"}, "inwardIssue": {"key": key}, "outwardIssue": {"key": other}})
    link_id = jira.get_issue(key, fields="issuelinks")["fields"]["issuelinks"][0]["id"]
    assert jira.get_issue_link(link_id)["outwardIssue"]["key"] == other
    jira.remove_issue_link(link_id)
    assert jira.get_issue(key, fields="issuelinks")["fields"]["issuelinks"] == []
    jira.delete_issue(other)
    assert not jira.issue_exists(other)


def test_jira_cloud_bulk_creates_and_deletes(jira_url):
    jira = _jira_cloud(jira_url)
    task = {"project": {"key": "MOB"}, "issuetype": {"name": "Task"}}
    out = jira.create_issues(data={"issueUpdates": [{"fields": {**task, "summary": f"bulk {n}"}} for n in range(3)]})
    keys = [i["key"] for i in out["issues"]]
    assert len(keys) == 3 and out["errors"] == []
    comment = jira.add_comment(keys[0], data={"body": ADF})
    assert jira.get_comment(keys[0], comment["id"])["body"] == ADF
    jira.delete_comment(keys[0], comment["id"])
    jira.add_worklog(keys[0], data={"timeSpentSeconds": 900})
    assert jira.get_issue_worklog(keys[0])["total"] == 1
    assert jira.get_issue_watchers(keys[0])["watchCount"] == 1
    for key in keys:
        jira.delete_issue(key)
    assert jira.get(f"rest/api/3/issue/{keys[0]}", advanced_mode=True).status_code == 404


def test_confluence_names_people_by_account_id_and_by_cql(jira_url):
    conf = Confluence(f"{jira_url}/wiki", username=DEMO_USER, password=DEMO_TOKEN, cloud=False)
    carol = user("carol")
    assert conf.get_user_details_by_accountid(carol.account_id)["displayName"] == "Carol Schmidt"
    found = conf.get("rest/api/search/user", params={"cql": 'user.fullname ~ "carol"'})
    assert [r["user"]["accountId"] for r in found["results"]] == [carol.account_id]


def test_confluence_v2_looks_people_up_in_bulk(jira_url):
    conf = ConfluenceV2(f"{jira_url}/wiki", username=DEMO_USER, password=DEMO_TOKEN)
    ids = [user("dave").account_id, user("erin").account_id]
    got = conf.bulk_get_users(data={"accountIds": ids})
    assert [u["displayName"] for u in got["results"]] == ["Dave Okafor", "Erin Kowalski"]
