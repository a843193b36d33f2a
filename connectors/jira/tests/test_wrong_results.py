"""Issue 10 "Wrong results" on the Jira side: blockers that no longer block, raw objects in cells, times
in the wrong zone, messages that say one thing in one tool and another elsewhere."""

from __future__ import annotations

import re

import pytest

from shared.dates import local
from shared.testing import call, fail

pytestmark = pytest.mark.anyio

ZONE = "Europe/Paris"  # the demo user's Jira profile zone


def stored(upstream, key):
    return next(i for i in upstream.site.store.issues.values() if i.key == key)


def row_of(text: str, key: str) -> list[str]:
    line = next(line for line in text.splitlines() if line.startswith(f"| [{key}]("))
    return [cell.strip() for cell in line.strip("|").split("|")]


async def test_an_issue_blocked_only_by_a_done_issue_is_not_a_blocker(jira, upstream):
    _, blocked = await call(jira, "jira_create_issue", project="SHOP", summary="Waits for the payment API")
    _, blocker = await call(jira, "jira_create_issue", project="SHOP", summary="Payment API")
    a, b = blocked["key"], blocker["key"]
    await call(jira, "jira_link_issues", key=a, link="is blocked by", other_key=b)
    text, data = await call(jira, "jira_search_issues", project="SHOP", blockers=True, limit=100)
    assert a in data["keys"] and row_of(text, a)[-2] == f"blocked by {b}"
    await call(jira, "jira_transition_issue", key=b, status="Done")
    text, data = await call(jira, "jira_search_issues", project="SHOP", blockers=True, limit=100)
    assert a not in data["keys"] and f"[{a}](" not in text
    assert "left out: blocked only by issues already Done" in text and a in text.split("left out")[1]


async def test_each_blocker_says_why_and_since_when_in_the_persons_zone(jira, upstream):
    text, data = await call(jira, "jira_search_issues", project="SHOP", blockers=True, limit=100)
    assert "| Why | Since |" in text and f"Times are in {ZONE}" in text and "Since: when the issue's status" in text
    store = upstream.site.store
    reasons = {key: row_of(text, key)[-2] for key in data["keys"]}
    assert any("priority Blocker" in r for r in reasons.values())
    assert any("flagged" in r for r in reasons.values())
    assert any(re.search(r"blocked by SHOP-\d+", r) for r in reasons.values())
    for key in data["keys"]:
        issue = stored(upstream, key)
        moves = [h.created for h in issue.histories if any(item.field == "status" for item in h.items)]
        since = max(moves, default=issue.created)
        assert row_of(text, key)[-1] == local(since.isoformat(), ZONE), key
        if "blocked by" in reasons[key]:
            blocker = re.search(r"blocked by (\S+)", reasons[key]).group(1)
            assert stored(upstream, blocker).status.category != "done"
    assert store  # the seeded site is what was read


async def test_complex_columns_read_as_short_text(jira, upstream):
    columns = [
        "issuelinks",
        "attachment",
        "comment",
        "worklog",
        "timetracking",
        "components",
        "fixVersions",
        "watches",
        "votes",
    ]
    text, data = await call(jira, "jira_search_issues", project="SHOP", columns=columns, limit=30)
    table = text.split("\n\n", 1)[1]
    for raw in ("{", "}", "'", "self:", "/rest/api/", "startAt", "isWatching", "hasVoted"):
        assert raw not in table, raw
    cells = [row_of(text, key) for key in data["keys"]]
    assert all(re.fullmatch(r"\d+ comments?", c[8]) for c in cells)
    assert all(re.fullmatch(r"\d+ watchers?", c[13]) and re.fullmatch(r"\d+ votes?", c[14]) for c in cells)
    assert all(re.fullmatch(r"\d+ worklogs?(, [\d.]+h logged)?", c[9]) for c in cells)
    links = [c[6] for c in cells if c[6]]
    assert links and all(re.fullmatch(r"([a-z ]+ [A-Z]+-\d+)(, [a-z ]+ [A-Z]+-\d+)*", cell) for cell in links)


async def test_search_table_times_are_in_the_persons_zone(jira, upstream):
    text, data = await call(jira, "jira_search_issues", project="SHOP", limit=5)
    assert f"Times are in {ZONE}." in text
    key = data["keys"][0]
    assert row_of(text, key)[5] == local(stored(upstream, key).updated.isoformat(), ZONE)


async def test_a_link_phrase_is_listed_once_in_the_unknown_link_error(jira, upstream):
    error = await fail(jira, "jira_link_issues", key="SHOP-1", link="eats", other_key="SHOP-2")
    listed = error.split("Use one of:")[1].split(".")[0]
    assert [p.strip() for p in listed.split(",")].count("relates to") == 1


async def test_a_status_out_of_reach_names_the_statuses_it_can_move_to(jira, upstream):
    _, data = await call(jira, "jira_create_issue", project="SHOP", summary="Nowhere to go")
    error = await fail(jira, "jira_transition_issue", key=data["key"], status="Teleported")
    assert f'{data["key"]} cannot move to "Teleported"' in error
    reachable = error.split("Statuses it can move to:")[1].split(".")[0]
    assert "In Progress" in reachable and "Teleported" not in reachable


async def test_changes_call_a_newly_created_issue_created_not_edited(jira, upstream):
    _, first = await call(jira, "jira_get_changes", since="1m", project="SHOP", limit=100)
    _, created = await call(jira, "jira_create_issue", project="SHOP", summary="Brand new")
    await call(jira, "jira_transition_issue", key=created["key"], status="In Progress")  # history after creation
    text, changed = await call(jira, "jira_get_changes", cursor=first["next_cursor"])
    assert created["key"] in changed["keys"]
    block = text.split(f"[{created['key']}](")[1].split("\n- [")[0]
    assert "  - created " in block and "edited" not in block and "then status: To Do → In Progress" in block


@pytest.mark.parametrize("filters", [dict(project="OPS"), dict(jql="project = OPS")])
async def test_a_project_without_a_board_says_so_for_sprint_current(jira, upstream, filters):
    elsewhere = await fail(jira, "jira_list_sprints", project="OPS")
    assert "has no board" in elsewhere
    result = await jira.call_tool("jira_search_issues", {**filters, "sprint": "current"})
    assert "Project OPS has no board, so it has no sprints." in result.content[0].text


async def test_fetch_and_sprint_dates_are_in_the_persons_zone_and_say_so(jira, upstream):
    result = await jira.call_tool("fetch", {"id": "SHOP-1"})
    updated = stored(upstream, "SHOP-1").updated.isoformat()
    assert result.structured_content["metadata"]["updated"] == f"{local(updated, ZONE)} ({ZONE})"
    text, _ = await call(jira, "jira_list_sprints", project="SHOP")
    assert f"(dates in {ZONE})" in text


@pytest.mark.parametrize("period", ["this week", "cette semaine"])
async def test_this_week_starts_monday_midnight_in_the_persons_zone(jira, upstream, period):
    from datetime import datetime, timedelta
    from zoneinfo import ZoneInfo

    here = datetime.now(ZoneInfo(ZONE))
    monday = (here - timedelta(days=here.weekday())).date()
    _, data = await call(jira, "jira_search_issues", project="SHOP", updated=period, limit=5)
    assert f'updated >= "{monday:%Y-%m-%d} 00:00"' in data["jql"]


async def test_a_page_whose_blockers_are_all_done_says_so_rather_than_no_match(jira, upstream):
    _, blocked = await call(jira, "jira_create_issue", project="MOB", summary="Waits for the SDK")
    _, blocker = await call(jira, "jira_create_issue", project="MOB", summary="SDK upgrade")
    await call(jira, "jira_link_issues", key=blocked["key"], link="is blocked by", other_key=blocker["key"])
    await call(jira, "jira_transition_issue", key=blocker["key"], status="Done")
    text, data = await call(jira, "jira_search_issues", jql=f"key = {blocked['key']}", blockers=True)
    assert data["keys"] == [] and "No issue of this page still blocks anything" in text
    assert f"1 issue of this page left out: blocked only by issues already Done ({blocked['key']})" in text
