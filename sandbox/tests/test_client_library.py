"""The real atlassian-python-api client against the emulator."""

from __future__ import annotations

from atlassian import Jira
from atlassian.jira import JiraCloud

from sandbox.atlassian.users import DEMO_TOKEN, DEMO_USER

ADF = {
    "type": "doc",
    "version": 1,
    "content": [{"type": "paragraph", "content": [{"type": "text", "text": "via client"}]}],
}


def test_jira_cloud_v3(jira_url):
    jira = JiraCloud(jira_url, username=DEMO_USER, password=DEMO_TOKEN, api_version=3, retry_with_header=False)
    page = jira.enhanced_jql("project = SHOP ORDER BY key ASC", fields="summary,status", limit=20)
    assert len(page["issues"]) == 20 and page["issues"][0]["key"] == "SHOP-1"
    nxt = jira.enhanced_jql(
        "project = SHOP ORDER BY key ASC", fields="summary", limit=20, nextPageToken=page["nextPageToken"]
    )
    assert nxt["issues"][0]["key"] == "SHOP-21"
    issue = jira.get_issue("SHOP-2", expand="names")
    assert issue["key"] == "SHOP-2" and "names" in issue
    created = jira.create_issue(
        data={
            "fields": {
                "project": {"key": "MOB"},
                "issuetype": {"name": "Story"},
                "summary": "From JiraCloud",
                "description": ADF,
                "customfield_10020": 9,
            }
        }
    )
    key = created["key"]
    jira.edit_issue(
        key, data={"fields": {"summary": "From JiraCloud (edited)"}, "update": {"labels": [{"add": "client"}]}}
    )
    fields = jira.get_issue(key)["fields"]
    assert fields["summary"] == "From JiraCloud (edited)" and fields["labels"] == ["client"]
    assert fields["customfield_10020"][0]["id"] == 9
    ts = jira.get_transitions(key)["transitions"]
    start = next(t for t in ts if t["name"] == "Start Progress")
    jira.do_transition(key, data={"transition": {"id": start["id"]}})
    assert jira.get_issue(key)["fields"]["status"]["name"] == "In Progress"
    jira.add_comment(key, data={"body": ADF})
    assert jira.get_issue(key, fields="comment")["fields"]["comment"]["total"] == 1


def test_jira_cloud_agile(jira_url):
    jira = Jira(jira_url, username=DEMO_USER, password=DEMO_TOKEN, cloud=True, retry_with_header=False)
    boards = jira.get_all_agile_boards(project_key="SHOP")
    board_id = boards["values"][0]["id"]
    sprints = jira.get_all_sprints_from_board(board_id, state="active")
    assert [s["state"] for s in sprints["values"]] == ["active"]
    issues = jira.get_sprint_issues(sprints["values"][0]["id"], 0, 10)
    assert issues["issues"]
    jira.add_issues_to_sprint(sprints["values"][0]["id"], ["SHOP-40"])


def test_jira_cloud_true_v2_paths(jira_url):
    jira = Jira(jira_url, username=DEMO_USER, password=DEMO_TOKEN, cloud=True)
    me = jira.myself()
    assert me["emailAddress"] == DEMO_USER
    created = jira.create_issue(
        fields={
            "project": {"key": "SHOP"},
            "issuetype": {"name": "Task"},
            "summary": "From Jira(cloud=True)",
            "description": "Some *wiki* text",
        }
    )
    issue = jira.issue(created["key"])
    assert issue["fields"]["description"] == "Some *wiki* text"
    jira.issue_add_comment(created["key"], "wiki comment")
    res = jira.jql('project = SHOP AND summary ~ "cloud"', limit=10)
    assert any(i["key"] == created["key"] for i in res["issues"])
