"""Reading a page once for every tool: storage body, its markdown, URL, space and people's names."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from shared.errors import InvalidInput, NotFound
from shared.shaping import decode_cursor, encode_cursor, truncation_marker

from . import storage_format as storage

if TYPE_CHECKING:
    from .runtime import ConfluenceRuntime

PAGE_ID = re.compile(r"^\d{1,20}$")


def page_id(value: str) -> str:
    text = str(value).strip()
    match = re.search(r"/pages/(\d+)", text) or re.search(r"pageId=(\d+)", text)
    if match:
        return match.group(1)
    if not PAGE_ID.match(text):
        raise InvalidInput(f'"{value}" is not a page id. Page ids are numbers such as 98305 (or pass a page URL).')
    return text


@dataclass
class Loaded:
    page: dict
    kind: str  # "pages" | "blogposts"
    space: dict | None
    url: str
    doc: storage.Doc
    names: dict[str, str]

    @property
    def version(self) -> int:
        return int((self.page.get("version") or {}).get("number") or 0)

    @property
    def storage(self) -> str:
        return ((self.page.get("body") or {}).get("storage") or {}).get("value", "")


async def load(rt: ConfluenceRuntime, ident: str, *, blogposts: bool = True) -> Loaded:
    """A page (or blog post) by id with its storage body read into markdown."""
    ident = page_id(ident)
    client = rt.client
    try:
        page, kind = await client.page(ident), "pages"
    except NotFound:
        if not blogposts:
            raise
        try:
            page, kind = await client.page(ident, kind="blogposts"), "blogposts"
        except NotFound:
            raise NotFound(
                f"No page or blog post {ident} in Confluence, or you do not have permission to see it."
            ) from None
    if kind == "blogposts":
        page.setdefault("type", "blogpost")
    body = ((page.get("body") or {}).get("storage") or {}).get("value", "")
    authors = [(page.get("version") or {}).get("authorId"), page.get("authorId")]
    wanted = [a for a in authors + storage.account_ids(body) if a]
    names = await rt.lookups.names(wanted)
    if any(names.get(a, "").startswith("user ") for a in authors if a):
        # No people directory on this site: the page's own history names its contributors (one search).
        hits = await client.search(f"id = {ident}", 1, expand="content.version,content.history.contributors")
        for hit in hits.get("results", []):
            content = hit.get("content") or {}
            history = content.get("history") or {}
            publishers = ((history.get("contributors") or {}).get("publishers") or {}).get("users") or []
            rt.lookups.learn((content.get("version") or {}).get("by"), history.get("createdBy"), *publishers)
        names = await rt.lookups.names(wanted)
    space = await rt.lookups.space_by_id(page.get("spaceId"))
    url = client.page_url(page, space["key"] if space else "")
    doc = storage.read(body, lambda account_id: names.get(account_id, account_id))
    return Loaded(page, kind, space, url, doc, names)


def window(rt: ConfluenceRuntime, loaded: Loaded, cursor: str) -> tuple[str, str | None, str]:
    """(this part of the body markdown, next cursor, a note) — never cut silently."""
    text, note = loaded.doc.markdown, ""
    start = 0
    if cursor:
        state = decode_cursor("confluence-page", cursor)
        if state.get("id") != str(loaded.page.get("id")):
            raise InvalidInput("cursor belongs to another page. Pass the same page id as the call that returned it.")
        start = int(state.get("o", 0))
        if int(state.get("v", 0)) != loaded.version:
            note = (
                f"Note: the page changed (version {state.get('v')} -> {loaded.version}) since the previous part; "
                "read it again from the start to be sure nothing moved."
            )
    limit = rt.settings.page_chars
    end = len(text)
    if end - start > limit:
        cut = text.rfind("\n", start, start + limit)
        end = cut if cut > start + limit // 2 else start + limit
    part = text[start:end]
    if end >= len(text):
        return part, None, note
    next_cursor = encode_cursor("confluence-page", {"id": str(loaded.page.get("id")), "o": end, "v": loaded.version})
    part += truncation_marker(
        f"{len(text) - end} more characters of the page body (characters {start}-{end} of {len(text)} shown)",
        f'Call confluence_get_page again with id="{loaded.page.get("id")}" and cursor="{next_cursor}" to read on',
    )
    return part, next_cursor, note
