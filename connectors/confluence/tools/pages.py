"""Reading pages: the ChatGPT `fetch` contract and `confluence_get_page` (long pages continue with a cursor)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from shared.contract import FetchOutput
from shared.dates import local
from shared.errors import InvalidInput
from shared.shaping import decode_cursor
from shared.tools import Effect, Reply, tool

from .. import storage_format as storage
from .. import views
from ..pages import Loaded, load, window
from ..resolve import gather
from ..runtime import ConfluenceRuntime

Part = Literal["children", "comments", "labels", "attachments", "versions"]


class PageInfo(BaseModel):
    id: str
    title: str
    url: str
    space: str
    version: int = Field(description="Pass as version when updating this page")
    next_cursor: str | None = Field(None, description="Pass as cursor to read the rest of the body")


async def _empty() -> dict:
    return {"results": []}


async def _comments(rt: ConfluenceRuntime, found: dict, tz: str) -> str:
    top = found.get("results", [])
    replies = await gather([lambda c=c: rt.client.comment_replies(str(c["id"])) for c in top])
    thread: list[tuple[dict, int]] = []
    for comment, children in zip(top, replies, strict=False):
        thread.append((comment, 0))
        thread += [(r, 1) for r in (children or {}).get("results", [])]
    authors = [(c.get("version") or {}).get("authorId") for c, _ in thread]
    bodies = "".join(((c.get("body") or {}).get("storage") or {}).get("value", "") for c, _ in thread)
    names = await rt.lookups.names([a for a in authors if a] + storage.account_ids(bodies))
    return views.comments_section(thread, names, lambda a: names.get(a, a), tz)


async def parts_text(rt: ConfluenceRuntime, loaded: Loaded, parts: list[str], tz: str) -> list[str]:
    """The extra parts asked for, fetched concurrently."""
    client = rt.client
    pid, kind = str(loaded.page["id"]), loaded.kind
    calls: dict[str, Callable[[], Awaitable[Any]]] = {
        "children": lambda: client.children(pid) if kind == "pages" else _empty(),
        "comments": lambda: client.footer_comments(pid, kind=kind),
        "labels": lambda: client.labels(pid, kind=kind),
        "attachments": lambda: client.attachments(pid, kind=kind),
        "versions": lambda: client.versions(pid, kind=kind),
    }
    wanted = [p for p in calls if p in parts]
    results = dict(zip(wanted, await gather([calls[p] for p in wanted]), strict=False))
    sections = []
    space_key = loaded.space["key"] if loaded.space else ""
    if "children" in results:
        kids = results["children"].get("results", [])
        sections.append(views.children_section(kids, lambda c: client.page_url(c, space_key)))
    if "comments" in results:
        sections.append(await _comments(rt, results["comments"], tz))
    if "labels" in results:
        sections.append(views.labels_section(results["labels"]))
    if "attachments" in results:
        attachments = results["attachments"].get("results", [])
        sections.append(
            views.attachments_section(
                attachments, lambda a: client.web_url(a.get("webuiLink") or (a.get("_links") or {}).get("webui")), tz
            )
        )
    if "versions" in results:
        versions = results["versions"].get("results", [])
        names = await rt.lookups.names([v.get("authorId") for v in versions if v.get("authorId")])
        sections.append(views.versions_section(versions, names, tz))
    return sections


def author_of(loaded: Loaded) -> str:
    return loaded.names.get((loaded.page.get("version") or {}).get("authorId") or "", "someone")


def decode_offset(cursor: str) -> int:
    offset = decode_cursor("confluence-page", cursor).get("o", 0)
    if not isinstance(offset, int) or offset < 0:
        raise InvalidInput("cursor is not valid for this tool. Pass next_cursor from the previous result unchanged.")
    return offset


@tool(
    name="fetch",
    title="Fetch page",
    description="One Confluence page (id from search) as markdown with its URL.",
    effect=Effect.READ,
    toolset="search",
    invoking="Opening page…",
    invoked="Opened page",
)
async def fetch(rt: ConfluenceRuntime, id: Annotated[str, Field(description="Page id from search")]) -> FetchOutput:
    loaded = await load(rt, id)
    tz = await rt.lookups.timezone()
    body, _, _ = window(rt, loaded, "")
    page = loaded.page
    version = page.get("version") or {}
    metadata = {
        "space": loaded.space["key"] if loaded.space else "",
        "version": str(loaded.version),
        "last_modified": f"{local(version.get('createdAt'), tz)} ({tz})",
        "modified_by": author_of(loaded),
        "type": "blog post" if loaded.kind == "blogposts" else "page",
    }
    text = views.page_header(page, loaded.url, loaded.space, author_of(loaded), tz=tz) + (body or "_(empty page)_")
    return FetchOutput(id=str(page["id"]), title=page.get("title", ""), text=text, url=loaded.url, metadata=metadata)


@tool(
    name="confluence_get_page",
    title="Get page",
    description="A page as markdown ([[...#N]] are macros) with its version and chosen parts; long pages go on "
    "with cursor.",
    effect=Effect.READ,
    toolset="pages",
    output=PageInfo,
    invoking="Reading page…",
    invoked="Read page",
)
async def get_page(
    rt: ConfluenceRuntime,
    id: Annotated[str, Field(description="Page id (or URL); or use title and space")] = "",
    title: str = "",
    space: Annotated[str, Field(description="Space key or name, with title")] = "",
    include: Annotated[list[Part], Field(description="Extra parts to add")] = [],
    cursor: Annotated[str, Field(description="next_cursor, to read on in a long page")] = "",
) -> Reply:
    offset = decode_offset(cursor) if cursor else 0  # a bad cursor is an input error before anything is read
    if not id:
        if not (title and space):
            raise InvalidInput("Give the page id, or its title and space.")
        id = str((await rt.lookups.page_by_title(title, space))["id"])
    loaded = await load(rt, id)
    tz = await rt.lookups.timezone()
    body, following, note = window(rt, loaded, cursor)
    part = f"Part starting at character {offset}." if cursor else ""
    header_note = " ".join(x for x in (part, note) if x)
    text = views.page_header(loaded.page, loaded.url, loaded.space, author_of(loaded), header_note, tz)
    text += body or "_(empty page)_"
    if include and not cursor:
        text += "\n\n" + "\n\n".join(await parts_text(rt, loaded, list(include), tz))
    info = PageInfo(
        id=str(loaded.page["id"]),
        title=loaded.page.get("title", ""),
        url=loaded.url,
        space=loaded.space["key"] if loaded.space else "",
        version=loaded.version,
        next_cursor=following,
    )
    return Reply(text, info)
