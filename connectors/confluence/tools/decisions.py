"""Decisions recorded in pages: decision lists, and sections headed "Decision(s)" / "Décision(s)".

One call answers "the decisions taken on project X this week": "project X" resolves to a space
(key, then name) or else a label, and the result says which; the period is a calendar range in
the person's time zone ("this week" / "cette semaine" = Monday 00:00 there until now). Pages
created or modified in the period are read (one search expanding their bodies) and their
decisions extracted; a decision appearing both in a list and in a decision macro on the same page
is reported once.

A decision is dated by when it appeared, not by when its page was last touched: the first version
of the page whose body contains it (`decision_dating`). Decisions that appeared before the period
(recorded in August on a page edited this week, or quoted from one) are not listed again, only
counted; a decision on several pages of the period is listed once, where it appeared first.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from pydantic import BaseModel, Field

from shared.dates import local, parse_range, times_in
from shared.shaping import DEFAULT_BUDGET, clip
from shared.tools import Effect, Reply, tool

from .. import cql as q
from .. import storage_format as storage
from ..decision_dating import FirstSeen, first_seen, norm
from ..resolve import gather
from ..runtime import ConfluenceRuntime

EXPAND = "content.body.storage,content.history,content.space,content.version"
STATUSES = "decided: marked decided in a decision list; recorded: listed under a Decisions heading"


class DecisionItem(BaseModel):
    text: str
    status: str
    page_id: str
    page_title: str
    author: str
    date: str = Field(description="When it first appeared on the page, in the person's time zone")
    url: str


class Decisions(BaseModel):
    scope: str = Field(description="What the project/space was resolved to")
    period_start: str
    period_end: str
    pages_read: int
    earlier: int = Field(0, description="Decisions on these pages that appeared before the period (not listed)")
    decisions: list[DecisionItem]
    more_pages: bool = Field(description="True if more pages matched than were read: narrow the period")


@tool(
    name="confluence_find_decisions",
    title="Find decisions",
    description='Decisions in a project\'s pages over a period ("this week", "cette semaine"), with status, page, '
    "author, date and URL.",
    effect=Effect.READ,
    toolset="decisions",
    output=Decisions,
    invoking="Collecting decisions…",
    invoked="Collected decisions",
)
async def find_decisions(
    rt: ConfluenceRuntime,
    project: Annotated[str, Field(description="Space key or name, or a label")] = "",
    period: Annotated[str, Field(description='"this week", "cette semaine", "7d", a date')] = "this week",
    max_pages: Annotated[int, Field(ge=1, le=100)] = 40,
) -> Reply:
    lk, client = rt.lookups, rt.client
    tz = await lk.timezone()  # "this week" starts Monday 00:00 where the person is
    now = datetime.now(UTC)
    start, end = parse_range(period, tz, now=now)
    clauses = ["type = page"]
    scope_text = "all spaces you can see"
    if project.strip():
        scope = await lk.scope(project)
        clauses.append(scope.cql)
        scope_text = scope.stated
    window = [f"{{f}} >= {q.when(start, tz)}"]
    if end < now - timedelta(minutes=1):
        window.append(f"{{f}} < {q.when(end, tz)}")
    created = " AND ".join(w.format(f="created") for w in window)
    modified = " AND ".join(w.format(f="lastmodified") for w in window)
    clauses.append(f"(({created}) OR ({modified}))")
    query = q.join(clauses, "lastmodified DESC")
    # One request: the search expands each page's storage body, its creator and its current version.
    hits = await client.search(query, max_pages + 1, expand=EXPAND)
    pages = [h["content"] for h in hits.get("results", []) if h.get("content")]
    more = len(pages) > max_pages
    pages = pages[:max_pages]
    bodies = [((page.get("body") or {}).get("storage") or {}).get("value", "") for page in pages]
    with_decisions = [(page, on_page) for page, body in zip(pages, bodies, strict=True) if (on_page := _on_page(body))]
    histories = await gather(
        [  # each page's history, a few at a time
            lambda page=page, decisions=decisions: first_seen(client, page, {norm(d.text) for d in decisions}, start)
            for page, decisions in with_decisions
        ]
    )
    found: list[tuple[dict, storage.Decision, FirstSeen]] = []
    for (page, decisions), seen in zip(with_decisions, histories, strict=True):
        found += [(page, d, seen[norm(d.text)]) for d in decisions if norm(d.text) in seen]
    first: dict[str, FirstSeen] = {}
    for _, d, seen in found:  # a decision on several pages appeared when it first appeared anywhere
        key = norm(d.text)
        if key not in first or seen.when < first[key].when:
            first[key] = seen
    earlier = {norm(d.text) for _, d, _ in found if first[norm(d.text)].when < start}
    names = await lk.names([seen.author_id for _, _, seen in found if seen.author_id])
    items: list[DecisionItem] = []
    listed: set[str] = set()
    for page, d, seen in sorted(found, key=lambda f: f[2].when):
        key = norm(d.text)
        if key in earlier or key in listed or seen.when >= end:
            continue
        listed.add(key)
        title = q.plain_title(page.get("title", ""))
        items.append(
            DecisionItem(
                text=d.text,
                status=d.status.lower(),
                page_id=str(page["id"]),
                page_title=title,
                author=names.get(seen.author_id, ""),
                date=local(seen.when.isoformat(), tz),
                url=client.web_url((page.get("_links") or {}).get("webui")),
            )
        )
    period_text = f"{period} = {local(start.isoformat(), tz)} to {local(end.isoformat(), tz)}"
    lines = [
        f"Scope: {scope_text}",
        f"Period: {period_text} ({times_in(tz)})",
        f"{len(items)} decisions in {len({i.page_id for i in items})} of {len(pages)} pages read; "
        f"dated by the first version of the page that has them. Status: {STATUSES}.",
    ]
    if earlier:
        lines.append(f"{len(earlier)} decisions on these pages appeared before the period: not listed again.")
    by_page: dict[str, list[DecisionItem]] = {}
    for item in items:
        by_page.setdefault(item.page_id, []).append(item)
    for group in by_page.values():
        head = group[0]
        lines.append(f"\n### [{head.page_title}]({head.url})")
        lines += [f"- **{i.status}**: {i.text} ({i.author}, {i.date})" for i in group]
    if not items:
        lines.append("No decision appeared in the pages created or changed in that period.")
    if more:
        lines.append(
            f"\nMore than {max_pages} pages matched; only the most recently changed were read. Narrow the period."
        )
    text, _ = clip("\n".join(lines), DEFAULT_BUDGET, "Narrow the period or the project.")
    return Reply(
        text,
        Decisions(
            scope=scope_text,
            period_start=start.isoformat(),
            period_end=end.isoformat(),
            pages_read=len(pages),
            earlier=len(earlier),
            decisions=items,
            more_pages=more,
        ),
    )


def _on_page(body: str) -> list[storage.Decision]:
    """The page's decisions, once each: a decision both in a list and in a decision macro counts once."""
    found = storage.decisions(body)
    macro_texts = {norm(d.text) for d in found if d.source == "decision list"}
    seen: set[str] = set()
    out = []
    for d in found:
        key = norm(d.text)
        if key in seen or (d.source != "decision list" and key in macro_texts):
            continue
        seen.add(key)
        out.append(d)
    return out
