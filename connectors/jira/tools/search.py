"""Finding issues: the ChatGPT `search` contract and the structured `jira_search_issues`."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Annotated

from pydantic import BaseModel, Field

from shared.contract import SearchOutput, SearchResult
from shared.dates import parse_duration, parse_range, times_in
from shared.errors import InvalidInput
from shared.names import pick
from shared.querytext import group
from shared.shaping import DEFAULT_BUDGET, decode_cursor, encode_cursor, fit, truncation_marker
from shared.tools import Effect, Reply, tool
from shared.vocabulary import CURRENT, ME, NEXT, UNASSIGNED, keywords, means, searchable, split_period, stem

from .. import blockers as b
from .. import jql as q
from ..runtime import JiraRuntime
from ..views import SUMMARY_COLUMNS, issue_table

SEARCH_LIMIT = 10
BLOCKING = ("block", "bloqu")  # stems of "blocking", "blockers", "bloquant", "bloqué"


class IssueList(BaseModel):
    keys: list[str] = Field(description="Issue keys in the order shown")
    jql: str = Field(description="The JQL that was run")
    next_cursor: str | None = Field(None, description="Pass as cursor for the next page")


def _date_clauses(field: str, text: str, tz: str) -> list[str]:
    """ "this week" -> since Monday; "last week" -> that week only; "7d" or a date -> since then."""
    now = datetime.now(UTC)
    start, end = parse_range(text, tz, now=now)
    clauses = [f"{field} >= {q.when(start, tz)}"]
    if end < now - timedelta(minutes=1):
        clauses.append(f"{field} < {q.when(end, tz)}")
    return clauses


async def build_jql(
    rt: JiraRuntime,
    jql_text: str = "",
    project: str = "",
    text: str = "",
    status: list[str] | None = None,
    assignee: str = "",
    issue_type: str = "",
    priority: list[str] | None = None,
    labels: list[str] | None = None,
    sprint: str = "",
    created: str = "",
    updated: str = "",
    unchanged_for: str = "",
    blockers: bool = False,
) -> str:
    """The JQL for `jira_search_issues`' filters; the caller's own JQL is one group the filters bound."""
    lk = rt.lookups
    tz = await lk.timezone()
    raw, order = q.split_order(jql_text)
    clauses = [group(raw, "jql")] if raw else []
    project_key = ""
    if project:
        project_key = (await lk.project(project))["key"]
        clauses.append(f"project = {q.quote(project_key)}")
    if text:
        clauses.append(f"text ~ {q.text_query(text)}")
    if status:
        known = await lk.statuses()
        clauses.append(f"status in {q.quote_all([pick('status', s, known)['name'] for s in status])}")
    if assignee:
        if means(assignee, UNASSIGNED):
            clauses.append("assignee is EMPTY")
        elif means(assignee, ME):
            clauses.append("assignee = currentUser()")
        else:
            person = await lk.user(assignee, project_key or None)
            clauses.append(f"assignee = {q.quote(person['accountId'])}")
    if issue_type:
        clauses.append(f"issuetype = {q.quote(issue_type)}")
    if priority:
        known = await lk.priorities()
        clauses.append(f"priority in {q.quote_all([pick('priority', p, known)['name'] for p in priority])}")
    if labels:
        clauses.append(f"labels in {q.quote_all(labels)}")
    if sprint:
        if project_key:
            await lk.board(project_key)  # a project without a board has no sprints: say so, as everywhere
        if means(sprint, CURRENT):
            clauses.append("sprint in openSprints()")
        elif means(sprint, NEXT):
            clauses.append("sprint in futureSprints()")
        elif project_key:
            clauses.append(f"sprint = {(await lk.sprint(project_key, sprint))['id']}")
        else:
            clauses.append(f"sprint = {q.quote(sprint)}")
    if created:
        clauses += _date_clauses("created", created, tz)
    if updated:
        clauses += _date_clauses("updated", updated, tz)
    if unchanged_for:
        age = parse_duration(unchanged_for)
        if age is None:
            raise InvalidInput(f'unchanged_for "{unchanged_for}" is not a duration. Use e.g. "48h", "3d" or "2w".')
        ago = q.ago(age.total_seconds())
        clauses.append(f"created <= {ago} AND NOT status CHANGED AFTER {ago}")
    if blockers:
        clauses.append(b.CLAUSE)
        clauses.append("statusCategory != Done")
    if not clauses:
        raise InvalidInput(
            "Give at least one filter (project, text, assignee, status, sprint, dates...) or a jql query; "
            "Jira refuses unbounded searches."
        )
    return q.join(clauses, order or "updated DESC")


@tool(
    name="search",
    title="Search Jira",
    description="Find Jira issues by words or key; ids go to fetch.",
    effect=Effect.READ,
    toolset="search",
    invoking="Searching Jira…",
    invoked="Searched Jira",
)
async def search(rt: JiraRuntime, query: Annotated[str, Field(description="Words, or an issue key")]) -> SearchOutput:
    """Any word may match (people ask in sentences); issues matching more of the words come first.

    A period said in words ("this week", "cette semaine") bounds `updated`; a project's name or key
    ("Webshop") bounds the project instead of being looked for in the text; the other words are
    searched by their stem ("blockers" -> `block*`). When the words match nothing in the project and
    period named, the project's issues of that period are the answer.
    """
    key = query.strip().upper()
    rest, period = split_period(query)
    words = keywords(rest)
    if not words and not period and not q.ISSUE_KEY.match(key):
        raise InvalidInput("query is empty: give words to look for, or an issue key.")
    projects = {name: p["key"] for p in await rt.lookups.projects() for name in (p["key"].lower(), p["name"].lower())}
    named = list(dict.fromkeys(projects[w] for w in words if w in projects))
    words = [w for w in words if w not in projects]
    bounds = [f"project in {q.quote_all(named)}"] if named else []
    if period:
        bounds += _date_clauses("updated", period, await rt.lookups.timezone())
    stems = [stem(w) for w in words]
    clauses = [
        f"text ~ {q.quote(s + '*')}" if searchable(s) else f"text ~ {q.text_query(w)}"
        for w, s in zip(words, stems, strict=True)
    ]
    blocking = any(s.startswith(BLOCKING) for s in stems)  # "what is blocking…", "blockers", "bloquants"
    flagged = await rt.lookups.field_id("Flagged") if blocking else None
    if blocking:
        clauses.append(f"(({b.CLAUSE}) AND statusCategory != Done)")
    if q.ISSUE_KEY.match(key):
        clauses.insert(0, f"key = {q.quote(key)}")
    fields = ["summary", "labels"] + (["priority", "issuelinks"] + ([flagged] if flagged else []) if blocking else [])
    issues: list[dict] = []
    if clauses:
        page = await rt.client.search(q.join(bounds + [" OR ".join(clauses)], "updated DESC"), fields, 50)
        issues = page.get("issues", [])
    if not issues and bounds:  # nothing says those words: what happened in that project and period
        issues = (await rt.client.search(q.join(bounds, "updated DESC"), fields, 50)).get("issues", [])

    def score(issue: dict) -> int:
        fields = issue.get("fields", {})
        haystack = " ".join([fields.get("summary") or "", " ".join(fields.get("labels") or [])]).lower()
        blocks = blocking and bool(b.reasons(issue, flagged))  # an issue that blocks now answers "blocking"
        matched = sum(s in haystack or (blocks and s.startswith(BLOCKING)) for s in stems)
        return (100 if issue["key"] == key else 0) + 10 * matched + blocks

    ranked = sorted(issues, key=score, reverse=True)[:SEARCH_LIMIT]  # stable: ties keep the updated order
    return SearchOutput(
        results=[
            SearchResult(
                id=i["key"], title=f"{i['key']}: {i['fields'].get('summary', '')}", url=rt.client.browse_url(i["key"])
            )
            for i in ranked
        ]
    )


@tool(
    name="jira_search_issues",
    title="Search issues",
    description='Find issues by JQL and/or filters (names, "me", sprint "current", dates in English or French); '
    "paged table.",
    effect=Effect.READ,
    toolset="issues",
    output=IssueList,
    invoking="Searching issues…",
    invoked="Found issues",
)
async def search_issues(
    rt: JiraRuntime,
    jql: Annotated[str, Field(description="JQL, ANDed with the filters")] = "",
    project: Annotated[str, Field(description="Project key or name")] = "",
    text: Annotated[str, Field(description="Words to find")] = "",
    status: Annotated[list[str], Field()] = [],
    assignee: Annotated[str, Field(description='"me", "unassigned", name or e-mail')] = "",
    issue_type: Annotated[str, Field()] = "",
    priority: Annotated[list[str], Field()] = [],
    labels: Annotated[list[str], Field()] = [],
    sprint: Annotated[str, Field(description='"current", "next", or a sprint name')] = "",
    created: Annotated[str, Field(description='Since: "7d", "this week", "cette semaine", a date')] = "",
    updated: Annotated[str, Field(description="Since, as created")] = "",
    unchanged_for: Annotated[str, Field(description='Status unchanged for, e.g. "48h"')] = "",
    blockers: Annotated[bool, Field(description="Open blockers only (Blocker, flagged, or blocked)")] = False,
    columns: Annotated[list[str], Field(description="Extra fields by name")] = [],
    limit: Annotated[int, Field(ge=1, le=100)] = 20,
    cursor: Annotated[str, Field(description="next_cursor of the previous page")] = "",
) -> Reply:
    lk, client = rt.lookups, rt.client
    if cursor:
        state = decode_cursor("jira-search", cursor)
        query, token, column_ids, blockers = state["jql"], state["t"], state["c"], bool(state.get("b"))
    else:
        query = await build_jql(
            rt,
            jql,
            project,
            text,
            status,
            assignee,
            issue_type,
            priority,
            labels,
            sprint,
            created,
            updated,
            unchanged_for,
            blockers,
        )
        token, column_ids = None, [(await lk.field(name))["id"] for name in columns]
    tz = await lk.timezone()
    names = {c: c for c in SUMMARY_COLUMNS[1:]}
    flagged = await lk.field_id("Flagged") if blockers else None
    wanted = list(names) + column_ids + (["issuelinks", "created"] + ([flagged] if flagged else []) if blockers else [])
    page = await client.search(query, list(dict.fromkeys(wanted)), limit, token)
    issues = page.get("issues", [])
    dropped: list[str] = []
    if blockers:
        issues, dropped = await _still_blocking(rt, issues, flagged)
    labels_by_id = await lk.field_names() if column_ids else {}
    headers = SUMMARY_COLUMNS + [labels_by_id.get(c, c) for c in column_ids]
    names.update({labels_by_id.get(c, c): c for c in column_ids})
    if blockers:
        headers += ["Why", "Since"]
        names.update({"Why": WHY, "Since": SINCE})

    def render(part: Sequence[dict]) -> str:
        return issue_table(part, headers, names, client.browse_url, tz)

    text_out, left_out = fit(issues, render, DEFAULT_BUDGET)
    next_token = page.get("nextPageToken")
    next_cursor = None
    if next_token and not page.get("isLast", False):
        next_cursor = encode_cursor("jira-search", {"jql": query, "t": next_token, "c": column_ids, "b": blockers})
    if not issues and dropped:
        text_out = f"No issue of this page still blocks anything (JQL: `{query}`)."
    elif not issues:
        text_out = f"No issues match `{query}`." + await _why_empty(rt, query, sprint)
    shown = issues[: len(issues) - left_out]
    if left_out:
        hint = "Ask for fewer columns or a smaller limit."
        text_out += truncation_marker(f"{left_out} more issues on this page", hint)
    elif next_cursor:
        text_out += "\n\nMore results: call again with the cursor."
    if dropped:
        text_out += (
            f"\n\n{len(dropped)} issue{'s' if len(dropped) != 1 else ''} of this page left out: blocked only by "
            f"issues already Done ({', '.join(dropped[:20])})."
        )
    if blockers and issues:
        text_out += "\n\nSince: when the issue's status last changed."
    return Reply(
        f"{len(shown)} issues (JQL: `{query}`; {times_in(tz)})\n\n{text_out}" if issues else text_out,
        IssueList(keys=[i["key"] for i in shown], jql=query, next_cursor=next_cursor),
    )


WHY, SINCE = "_why", "_since"  # computed columns of the blockers table


async def _still_blocking(rt: JiraRuntime, issues: list[dict], flagged: str | None) -> tuple[list[dict], list[str]]:
    """The issues that still block something, each with why and since when; and the keys left out."""
    kept, dropped = [], []
    for issue in issues:
        why = b.reasons(issue, flagged)
        if why:
            issue["fields"][WHY] = "; ".join(why)
            kept.append(issue)
        else:
            dropped.append(issue["key"])
    moments = await b.since(rt.client, kept)
    for issue in kept:
        moment = moments.get(issue["key"])
        issue["fields"][SINCE] = moment.isoformat() if moment else ""
    return kept, dropped


_PROJECT_IN_JQL = re.compile(r'\bproject\s*=\s*"?([A-Za-z][A-Za-z0-9_]*)"?', re.IGNORECASE)


async def _why_empty(rt: JiraRuntime, query: str, sprint: str) -> str:
    """When a sprint filter found nothing in a project given in the JQL: say if that project has no board."""
    match = _PROJECT_IN_JQL.search(query)
    if not sprint or not match:
        return ""
    try:
        await rt.lookups.board(match.group(1).upper())
    except InvalidInput as exc:
        return f" {exc}"
    return ""
