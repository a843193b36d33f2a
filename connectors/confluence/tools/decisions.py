"""Decisions recorded in pages: decision lists, and sections headed "Decision(s)" / "Décision(s)".

One call answers "the decisions taken on project X this week": "project X" resolves to a space
(key, then name) or else a label, and the result says which; the period is a calendar range in
the configured time zone ("this week" / "cette semaine" = the current ISO week). Pages created or
modified in the period are read (v2, a few at a time) and their decisions extracted; a decision
appearing both in a list and in a decision macro on the same page is reported once.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Annotated

from pydantic import BaseModel, Field

from shared.dates import local, local_day, parse_range
from shared.shaping import DEFAULT_BUDGET, clip
from shared.tools import Effect, Reply, tool

from .. import cql as q
from .. import storage_format as storage
from ..runtime import ConfluenceRuntime


EXPAND = "content.body.storage,content.history,content.space"


class DecisionItem(BaseModel):
    text: str
    status: str
    page_id: str
    page_title: str
    author: str
    date: str
    url: str


class Decisions(BaseModel):
    scope: str = Field(description="What the project/space was resolved to")
    period_start: str
    period_end: str
    pages_read: int
    decisions: list[DecisionItem]
    more_pages: bool = Field(description="True if more pages matched than were read: narrow the period")


def _norm(text: str) -> str:
    return " ".join(text.casefold().rstrip(".").split())


@tool(
    name="confluence_find_decisions",
    title="Find decisions",
    description='Decisions recorded in a project\'s or space\'s pages over a period ("this week", "cette semaine"), '
    "each with status, page, author, date and URL.",
    effect=Effect.READ,
    toolset="decisions",
    output=Decisions,
    invoking="Collecting decisions…",
    invoked="Collected decisions",
)
async def find_decisions(
    rt: ConfluenceRuntime,
    project: Annotated[str, Field(description="Space key or name, or a label (empty: all spaces)")] = "",
    period: Annotated[str, Field(description='"this week", "cette semaine", "last month", "7d", a date')] = "this week",
    max_pages: Annotated[int, Field(ge=1, le=100)] = 40,
) -> Reply:
    lk, client = rt.lookups, rt.client
    tz = await lk.timezone()  # "this week" starts Monday 00:00 where the person is
    now = datetime.now(timezone.utc)
    start, end = parse_range(period, tz, now=now)
    cql_tz = tz
    clauses = ["type = page"]
    scope_text = "all spaces you can see"
    if project.strip():
        scope = await lk.scope(project)
        clauses.append(scope.cql)
        scope_text = scope.stated
    window = [f"{{f}} >= {q.when(start, cql_tz)}"]
    if end < now - timedelta(minutes=1):
        window.append(f"{{f}} < {q.when(end, cql_tz)}")
    created = " AND ".join(w.format(f="created") for w in window)
    modified = " AND ".join(w.format(f="lastmodified") for w in window)
    clauses.append(f"(({created}) OR ({modified}))")
    query = q.join(clauses, "lastmodified DESC")
    # One request: the search expands each page's storage body and its creator.
    hits = await client.search(query, max_pages + 1, expand=EXPAND)
    pages = [h["content"] for h in hits.get("results", []) if h.get("content")]
    more = len(pages) > max_pages
    pages = pages[:max_pages]
    items: list[DecisionItem] = []
    for page in pages:
        body = ((page.get("body") or {}).get("storage") or {}).get("value", "")
        found = storage.decisions(body)
        macro_texts = {_norm(d.text) for d in found if d.source == "decision list"}
        seen: set[str] = set()
        history = page.get("history") or {}
        author = (history.get("createdBy") or {}).get("displayName", "")
        url = client.web_url((page.get("_links") or {}).get("webui"))
        for d in found:
            key = _norm(d.text)
            if key in seen or (d.source != "decision list" and key in macro_texts):
                continue
            seen.add(key)
            items.append(DecisionItem(
                    text=d.text, status=d.status.lower(), page_id=str(page["id"]), page_title=page.get("title", ""),
                    author=author, date=local_day(history.get("createdDate"), tz), url=url,
                ))  # fmt: skip
    period_text = f"{period} = {local(start.isoformat(), tz)} to {local(end.isoformat(), tz)} ({tz})"
    lines = [f"Scope: {scope_text}", f"Period: {period_text}",
                 f"{len(items)} decisions in {len({i.page_id for i in items})} of {len(pages)} pages read."]  # fmt: skip
    by_page: dict[str, list[DecisionItem]] = {}
    for item in items:
        by_page.setdefault(item.page_id, []).append(item)
    for group in by_page.values():
        first = group[0]
        lines.append(f"\n### [{first.page_title}]({first.url})\n{first.author}, {first.date}")
        lines += [f"- **{i.status}**: {i.text}" for i in group]
    if not items:
        lines.append("No decision lists or Decisions sections in the pages created or changed in that period.")
    if more:
        lines.append(
            f"\nMore than {max_pages} pages matched; only the most recently changed were read. Narrow the period."
        )
    text, _ = clip("\n".join(lines), DEFAULT_BUDGET, "Narrow the period or the project.")
    return Reply(
            text,
            Decisions(scope=scope_text, period_start=start.isoformat(), period_end=end.isoformat(), pages_read=len(pages),
                      decisions=items, more_pages=more),
        )  # fmt: skip
