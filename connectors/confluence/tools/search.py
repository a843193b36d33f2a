"""Finding pages: the ChatGPT `search` contract, `confluence_search_pages`, and `confluence_list_spaces`."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from shared.contract import SearchOutput, SearchResult
from shared.dates import local, parse_range, times_in
from shared.errors import InvalidInput
from shared.querytext import group
from shared.shaping import DEFAULT_BUDGET, cell, decode_cursor, encode_cursor, fit, table, truncation_marker
from shared.tools import Effect, Reply, tool
from shared.vocabulary import keywords, searchable, split_period, stem

from .. import cql as q
from ..client import next_cursor
from ..runtime import ConfluenceRuntime

TYPES = {
    "page": "page",
    "pages": "page",
    "blogpost": "blogpost",
    "blog post": "blogpost",
    "blog": "blogpost",
    "blogposts": "blogpost",
    "blog posts": "blogpost",
    "billet": "blogpost",
    "article": "blogpost",
}
SEARCH_LIMIT = 10


class PageList(BaseModel):
    ids: list[str] = Field(description="Page ids in the order shown")
    urls: list[str]
    cql: str = Field(description="The CQL that was run")
    next_cursor: str | None = Field(None, description="Pass as cursor for the next page")


class SpaceList(BaseModel):
    keys: list[str]
    urls: list[str]
    next_cursor: str | None = None


def date_clauses(field: str, text: str, tz: str) -> list[str]:
    """ "this week" -> that ISO week in the person's zone (Monday 00:00); "7d" or a date -> since then."""
    now = datetime.now(UTC)
    start, end = parse_range(text, tz, now=now)
    clauses = [f"{field} >= {q.when(start, tz)}"]
    if end < now - timedelta(minutes=1):
        clauses.append(f"{field} < {q.when(end, tz)}")
    return clauses


def result_row(rt: ConfluenceRuntime, hit: dict, tz: str = "UTC") -> tuple[str, str, str, str, str]:
    """(id, title, url, "SPACE page", modified in `tz`) of one v1 search hit."""
    content = hit.get("content") or {}
    rt.lookups.learn((content.get("version") or {}).get("by"), (content.get("history") or {}).get("createdBy"))
    url = rt.client.web_url((content.get("_links") or {}).get("webui") or hit.get("url"))
    space = (content.get("space") or {}).get("key") or (hit.get("resultGlobalContainer") or {}).get("title", "")
    kind = "blog post" if content.get("type") == "blogpost" else "page"
    modified = local(hit.get("lastModified") or ((content.get("version") or {}).get("when")), tz)
    title = q.plain_title(content.get("title") or hit.get("title", ""))
    return content.get("id", ""), title, url, f"{space} {kind}".strip(), modified


async def build_cql(
    rt: ConfluenceRuntime,
    cql_text: str,
    query: str,
    space: str,
    label: str,
    contributor: str,
    content_type: str,
    created: str,
    modified: str,
) -> tuple[str, list[str]]:
    """The CQL for the filters; the caller's own CQL is one group the filters bound."""
    lk = rt.lookups
    raw, order = q.split_order(cql_text)
    clauses, notes = ([group(raw, "cql")] if raw else []), []
    if query:
        words = q.text_query(query)
        if words == '""':
            raise InvalidInput("query has no words to look for.")
        clauses.append(f"text ~ {words}")
    if space:
        clauses.append(f"space = {q.quote((await lk.space(space))['key'])}")
    if label:
        clauses.append(f"label = {q.quote(label.strip().lower())}")
    if contributor:
        value, name = await lk.person(contributor)
        clauses.append(f"contributor = {value}")
        notes.append(f"contributor: {name}")
    if content_type:
        kind = TYPES.get(content_type.strip().lower())
        if kind is None:
            raise InvalidInput(f'type "{content_type[:40]}" is not known. Use "page" or "blog post".')
        clauses.append(f"type = {kind}")
    elif not raw:
        clauses.append("type in (page, blogpost)")
    if created or modified:
        tz = await lk.timezone()
        if created:
            clauses += date_clauses("created", created, tz)
        if modified:
            clauses += date_clauses("lastmodified", modified, tz)
    if not clauses or clauses == ["type in (page, blogpost)"]:
        raise InvalidInput("Give words to look for, a filter (space, label, contributor, dates) or a cql query.")
    return q.join(clauses, order or "lastmodified DESC"), notes


@tool(
    name="search",
    title="Search Confluence",
    description="Find Confluence pages and blog posts by words; ids go to fetch.",
    effect=Effect.READ,
    toolset="search",
    invoking="Searching Confluence…",
    invoked="Searched Confluence",
)
async def search(
    rt: ConfluenceRuntime, query: Annotated[str, Field(description="Words, a title, or a page id")]
) -> SearchOutput:
    """Any word may match (people ask in sentences); pages matching more of the words come first.

    A period said in words ("this week", "cette semaine") bounds `lastmodified`; the other words are
    searched by their stem ("blockers" -> `block*`); a word naming a space ("Webshop") is looked for
    like any other and also ranks that space's pages first.
    """
    rest, period = split_period(query)
    words = keywords(rest)
    if not words and not period:
        raise InvalidInput("query is empty: give words to look for.")
    spaces = {s["key"].lower(): s["key"] for s in await rt.lookups.spaces()}
    spaces |= {(s.get("name") or "").lower(): s["key"] for s in await rt.lookups.spaces() if s.get("name")}
    named = {spaces[w] for w in words if w in spaces}
    stems = [stem(w) for w in words]
    terms = [q.quote(s + "*") if searchable(s) else q.text_query(w) for w, s in zip(words, stems, strict=True)]
    clauses = [f"title ~ {t} OR text ~ {t}" for t in terms]
    if query.strip().isdigit():
        clauses.insert(0, f"id = {query.strip()}")
    bounds = ["type in (page, blogpost)"]
    if period:
        bounds += date_clauses("lastmodified", period, await rt.lookups.timezone())
    where = " AND ".join(bounds + ([f"({' OR '.join(clauses)})"] if clauses else []))
    found = await rt.client.search(f"{where} ORDER BY lastmodified DESC", 50, expand="content.space,content.version")
    rows = [result_row(rt, h) for h in found.get("results", []) if h.get("content")]

    def score(row: tuple[str, str, str, str, str]) -> int:
        title, where = row[1].lower(), row[3].lower()
        in_space = bool(named) and row[3].split(" ")[0] in named
        matched = sum(2 * (s in title) + (s in where) for s in stems)
        return (100 if row[0] == query.strip() else 0) + matched + 2 * in_space

    ranked = sorted(rows, key=score, reverse=True)[:SEARCH_LIMIT]  # stable: ties keep the most recent first
    return SearchOutput(results=[SearchResult(id=r[0], title=r[1], url=r[2]) for r in ranked])


@tool(
    name="confluence_search_pages",
    title="Search pages",
    description='Find pages by words or CQL plus filters (space, label, contributor "me", dates like "cette semaine"); '
    "paged table.",
    effect=Effect.READ,
    toolset="pages",
    output=PageList,
    invoking="Searching pages…",
    invoked="Found pages",
)
async def search_pages(
    rt: ConfluenceRuntime,
    query: Annotated[str, Field(description="Words to find")] = "",
    cql: Annotated[str, Field(description="CQL, ANDed with the filters")] = "",
    space: Annotated[str, Field(description="Space key or name")] = "",
    label: str = "",
    contributor: Annotated[str, Field(description='"me", a name or an e-mail')] = "",
    type: Annotated[str, Field(description='"page" or "blog post"')] = "",
    created: Annotated[str, Field(description='Since: "7d", "this week", "cette semaine", a date')] = "",
    modified: Annotated[str, Field(description="Since, as created")] = "",
    limit: Annotated[int, Field(ge=1, le=50)] = 20,
    cursor: Annotated[str, Field(description="next_cursor of the previous page")] = "",
) -> Reply:
    notes: list[str] = []
    if cursor:
        state = decode_cursor("confluence-search", cursor)
        query_cql, upstream_cursor = state["cql"], state["c"]
    else:
        query_cql, notes = await build_cql(rt, cql, query, space, label, contributor, type, created, modified)
        upstream_cursor = None
    page = await rt.client.search(query_cql, limit, upstream_cursor, expand="content.space,content.version")
    tz = await rt.lookups.timezone()
    rows = [result_row(rt, h, tz) for h in page.get("results", []) if h.get("content")]

    def render(part: Sequence[tuple[str, str, str, str, str]]) -> str:
        rows_shown = [(f"[{cell(r[1])}]({r[2]})", r[3], r[4], r[0]) for r in part]
        return table(["Title", "Space", "Modified", "Id"], rows_shown)

    text, left_out = fit(rows, render, DEFAULT_BUDGET)
    shown = rows[: len(rows) - left_out]
    upstream_next = next_cursor(page)
    following = encode_cursor("confluence-search", {"cql": query_cql, "c": upstream_next}) if upstream_next else None
    if not rows:
        text = f"No pages match `{query_cql}`."
    elif left_out:
        text += truncation_marker(f"{left_out} more results on this page", "Ask for a smaller limit.")
    elif following:
        text += "\n\nMore results: call again with the cursor."
    notes.append(times_in(tz))
    header = f"{len(shown)} results (CQL: `{query_cql}`; {'; '.join(notes)})\n\n"
    return Reply(
        (header + text) if rows else text,
        PageList(ids=[r[0] for r in shown], urls=[r[2] for r in shown], cql=query_cql, next_cursor=following),
    )


@tool(
    name="confluence_list_spaces",
    title="List spaces",
    description="Spaces visible to you, filterable by key, name or type.",
    effect=Effect.READ,
    toolset="spaces",
    output=SpaceList,
    invoking="Listing spaces…",
    invoked="Listed spaces",
)
async def list_spaces(
    rt: ConfluenceRuntime,
    query: Annotated[str, Field(description="Part of a key or name")] = "",
    type: Literal["any", "global", "personal"] = "any",
    limit: Annotated[int, Field(ge=1, le=100)] = 50,
    cursor: str = "",
) -> Reply:
    start = int(decode_cursor("confluence-spaces", cursor).get("s", 0)) if cursor else 0
    wanted = query.strip().lower()
    spaces = [
        s
        for s in await rt.lookups.spaces()
        if (not wanted or wanted in s["key"].lower() or wanted in (s.get("name") or "").lower())
        and (type == "any" or s.get("type") == type)
    ]
    part = spaces[start : start + limit]
    urls = [rt.client.web_url((s.get("_links") or {}).get("webui"), f"/spaces/{s['key']}") for s in part]
    rows = [
        (f"[{s['key']}]({u})", cell(s.get("name")), s.get("type", ""), cell(_description(s))[:120])
        for s, u in zip(part, urls, strict=True)
    ]
    more = start + limit < len(spaces)
    text = table(["Key", "Name", "Type", "Description"], rows) if part else f'No space matches "{query[:100]}".'
    following = encode_cursor("confluence-spaces", {"s": start + limit}) if more else None
    return Reply(
        text + ("\n\nMore: call again with the cursor." if more else ""),
        SpaceList(keys=[s["key"] for s in part], urls=urls, next_cursor=following),
    )


def _description(space: dict) -> str:
    return ((space.get("description") or {}).get("plain") or {}).get("value", "")
