"""Finding pages: the ChatGPT `search` contract, `confluence_search_pages`, and `confluence_list_spaces`."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, Field

from shared.dates import parse_range
from shared.errors import InvalidInput
from shared.shaping import DEFAULT_BUDGET, cell, decode_cursor, encode_cursor, fit, table, truncation_marker
from shared.tools import Effect, Reply, Tool

from .. import cql as q
from ..client import next_cursor
from ..views import short_date

if TYPE_CHECKING:
    from ..runtime import ConfluenceRuntime

TYPES = {"page": "page", "pages": "page", "blogpost": "blogpost", "blog post": "blogpost", "blog": "blogpost",
         "blogposts": "blogpost", "blog posts": "blogpost", "billet": "blogpost", "article": "blogpost"}  # fmt: skip


class SearchResult(BaseModel):
    id: str = Field(description="Page id")
    title: str
    url: str


class SearchOutput(BaseModel):
    results: list[SearchResult]


class PageList(BaseModel):
    ids: list[str] = Field(description="Page ids in the order shown")
    urls: list[str]
    cql: str = Field(description="The CQL that was run")
    next_cursor: str | None = Field(None, description="Pass as cursor for the next page")


class SpaceList(BaseModel):
    keys: list[str]
    urls: list[str]
    next_cursor: str | None = None


def date_clauses(field: str, text: str, period_tz: str, cql_tz: str) -> list[str]:
    """"this week" -> that ISO week in the configured zone; "7d" or a date -> since then."""
    now = datetime.now(timezone.utc)
    start, end = parse_range(text, period_tz, now=now)
    clauses = [f"{field} >= {q.when(start, cql_tz)}"]
    if end < now - timedelta(minutes=1):
        clauses.append(f"{field} < {q.when(end, cql_tz)}")
    return clauses


def result_row(rt: "ConfluenceRuntime", hit: dict) -> tuple[str, str, str, str, str]:
    content = hit.get("content") or {}
    rt.lookups.learn((content.get("version") or {}).get("by"), (content.get("history") or {}).get("createdBy"))
    url = rt.client.web_url((content.get("_links") or {}).get("webui") or hit.get("url"))
    space = (content.get("space") or {}).get("key") or (hit.get("resultGlobalContainer") or {}).get("title", "")
    kind = "blog post" if content.get("type") == "blogpost" else "page"
    modified = short_date(hit.get("lastModified") or ((content.get("version") or {}).get("when")))
    return content.get("id", ""), content.get("title") or hit.get("title", ""), url, f"{space} {kind}".strip(), modified


def tools(rt: "ConfluenceRuntime") -> list[Tool]:
    lk, client = rt.lookups, rt.client

    async def build_cql(cql_text, query, space, label, contributor, content_type, created, modified) -> tuple[str, list[str]]:
        raw, order = q.split_order(cql_text)
        clauses, notes = ([f"({raw})"] if raw else []), []
        if query:
            words = q.text_query(query)
            if words == '""':
                raise InvalidInput("query has no words to look for.")
            clauses.append(f"text ~ {words}")
        if space:
            s = await lk.space(space)
            clauses.append(f"space = {q.quote(s['key'])}")
        if label:
            clauses.append(f"label = {q.quote(label.strip().lower())}")
        if contributor:
            value, name = await lk.person(contributor)
            clauses.append(f"contributor = {value}")
            notes.append(f"contributor: {name}")
        if content_type:
            kind = TYPES.get(content_type.strip().lower())
            if kind is None:
                raise InvalidInput(f'type "{content_type}" is not known. Use "page" or "blog post".')
            clauses.append(f"type = {kind}")
        elif not raw:
            clauses.append("type in (page, blogpost)")
        if created or modified:
            cql_tz = await rt.cql_timezone()
            if created:
                clauses += date_clauses("created", created, rt.settings.timezone, cql_tz)
            if modified:
                clauses += date_clauses("lastmodified", modified, rt.settings.timezone, cql_tz)
        if not clauses or clauses == ["type in (page, blogpost)"]:
            raise InvalidInput("Give words to look for, a filter (space, label, contributor, dates) or a cql query.")
        return q.join(clauses, order or "lastmodified DESC"), notes

    async def search_pages(
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
            query_cql, notes = await build_cql(cql, query, space, label, contributor, type, created, modified)
            upstream_cursor = None
        page = await client.search(query_cql, limit, upstream_cursor, expand="content.space,content.version")
        hits = [h for h in page.get("results", []) if h.get("content")]
        rows = [result_row(rt, h) for h in hits]

        def render(part) -> str:
            return table(["Title", "Space", "Modified", "Id"], [(f"[{cell(r[1])}]({r[2]})", r[3], r[4], r[0]) for r in part])

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
        header = f"{len(shown)} results (CQL: `{query_cql}`" + (f"; {'; '.join(notes)}" if notes else "") + ")\n\n"
        return Reply(
            (header + text) if rows else text,
            PageList(ids=[r[0] for r in shown], urls=[r[2] for r in shown], cql=query_cql, next_cursor=following),
        )

    async def search(query: Annotated[str, Field(description="Words, a title, or a page id")]) -> SearchOutput:
        words = q.text_query(query)
        if words == '""':
            raise InvalidInput("query is empty: give words to look for.")
        clause = f"(title ~ {words} OR text ~ {words})"
        if query.strip().isdigit():
            clause = f"(id = {query.strip()} OR {clause[1:-1]})"
        page = await client.search(f"{clause} AND type in (page, blogpost) ORDER BY lastmodified DESC", 10)
        return SearchOutput(
            results=[
                SearchResult(id=r[0], title=r[1], url=r[2]) for r in (result_row(rt, h) for h in page.get("results", []) if h.get("content"))
            ]
        )

    async def list_spaces(
        query: Annotated[str, Field(description="Part of a key or name")] = "",
        type: Literal["any", "global", "personal"] = "any",
        limit: Annotated[int, Field(ge=1, le=100)] = 50,
        cursor: str = "",
    ) -> Reply:
        start = decode_cursor("confluence-spaces", cursor)["s"] if cursor else 0
        wanted = query.strip().lower()
        spaces = [
            s for s in await lk.spaces()
            if (not wanted or wanted in s["key"].lower() or wanted in (s.get("name") or "").lower())
            and (type == "any" or s.get("type") == type)
        ]  # fmt: skip
        part = spaces[start : start + limit]
        urls = [client.web_url((s.get("_links") or {}).get("webui"), f"/spaces/{s['key']}") for s in part]
        rows = [
            (f"[{s['key']}]({u})", cell(s.get("name")), s.get("type", ""), cell(((s.get("description") or {}).get("plain") or {}).get("value", ""))[:120])
            for s, u in zip(part, urls)
        ]
        more = start + limit < len(spaces)
        text = table(["Key", "Name", "Type", "Description"], rows) if part else f'No space matches "{query}".'
        return Reply(
            text + ("\n\nMore: call again with the cursor." if more else ""),
            SpaceList(
                keys=[s["key"] for s in part], urls=urls,
                next_cursor=encode_cursor("confluence-spaces", {"s": start + limit}) if more else None,
            ),
        )  # fmt: skip

    return [
        Tool("search", "Search Confluence", "Find Confluence pages and blog posts by words; ids go to fetch.", search,
             Effect.READ, "search", invoking="Searching Confluence…", invoked="Searched Confluence"),
        Tool("confluence_search_pages", "Search pages",
             'Find pages by words or CQL plus filters (space, label, contributor "me", dates like "cette semaine"); '
             "compact table; page with cursor.",
             search_pages, Effect.READ, "pages", output=PageList, invoking="Searching pages…", invoked="Found pages"),
        Tool("confluence_list_spaces", "List spaces", "Spaces visible to you, filterable by key, name or type.",
             list_spaces, Effect.READ, "spaces", output=SpaceList, invoking="Listing spaces…", invoked="Listed spaces"),
    ]  # fmt: skip
