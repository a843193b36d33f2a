"""Reading and writing pages: fetch, get, create, update (whole body or one section), comment."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import BaseModel, Field

from shared.errors import InvalidInput
from shared.idempotency import run_once
from shared.tools import Effect, Reply, Tool

from .. import storage, views
from ..client import version_conflict
from ..pages import load, page_id, window
from ..resolve import gather

if TYPE_CHECKING:
    from ..runtime import ConfluenceRuntime

Part = Literal["children", "comments", "labels", "attachments", "versions"]
LABEL = re.compile(r"^[^\s:]{1,255}$")


class FetchOutput(BaseModel):
    id: str
    title: str
    text: str
    url: str
    metadata: dict[str, str] = Field(default_factory=dict)


class PageInfo(BaseModel):
    id: str
    title: str
    url: str
    space: str
    version: int = Field(description="Pass as version when updating this page")
    next_cursor: str | None = Field(None, description="Pass as cursor to read the rest of the body")


class Written(BaseModel):
    id: str
    title: str
    url: str
    version: int
    warnings: list[str] = Field(default_factory=list)


class CommentRef(BaseModel):
    id: str
    page_id: str
    url: str


def _labels(values: list[str]) -> list[str]:
    cleaned = [v.strip().lower() for v in values if v.strip()]
    bad = [v for v in cleaned if not LABEL.match(v)]
    if bad:
        raise InvalidInput(f"Labels cannot contain spaces or colons: {bad}. Use hyphens, e.g. 'needs-review'.")
    return cleaned


def tools(rt: "ConfluenceRuntime") -> list[Tool]:
    lk, client = rt.lookups, rt.client

    async def parts_text(loaded, parts: list[str]) -> list[str]:
        pid, kind = str(loaded.page["id"]), loaded.kind
        calls = {
            "children": lambda: client.children(pid) if kind == "pages" else _empty(),
            "comments": lambda: client.footer_comments(pid, kind=kind),
            "labels": lambda: client.labels(pid, kind=kind),
            "attachments": lambda: client.attachments(pid, kind=kind),
            "versions": lambda: client.versions(pid, kind=kind),
        }
        wanted = [p for p in calls if p in parts]
        results = dict(zip(wanted, await gather([calls[p] for p in wanted])))
        sections = []
        space_key = loaded.space["key"] if loaded.space else ""
        if "children" in results:
            kids = results["children"].get("results", [])
            sections.append(views.children_section(kids, lambda c: client.page_url(c, space_key)))
        if "comments" in results:
            top = results["comments"].get("results", [])
            replies = await gather([lambda c=c: client.comment_replies(str(c["id"])) for c in top])
            thread = []
            for comment, children in zip(top, replies):
                thread.append((comment, 0))
                thread += [(r, 1) for r in (children or {}).get("results", [])]
            authors = [(c.get("version") or {}).get("authorId") for c, _ in thread]
            bodies = "".join(((c.get("body") or {}).get("storage") or {}).get("value", "") for c, _ in thread)
            names = await lk.names([a for a in authors if a] + storage.account_ids(bodies))
            sections.append(views.comments_section(thread, names, lambda a: names.get(a, a)))
        if "labels" in results:
            sections.append(views.labels_section(results["labels"]))
        if "attachments" in results:
            sections.append(views.attachments_section(
                results["attachments"].get("results", []),
                lambda a: client.web_url(a.get("webuiLink") or (a.get("_links") or {}).get("webui")),
            ))  # fmt: skip
        if "versions" in results:
            versions = results["versions"].get("results", [])
            names = await lk.names([v.get("authorId") for v in versions if v.get("authorId")])
            sections.append(views.versions_section(versions, names))
        return sections

    def author_of(loaded) -> str:
        return loaded.names.get((loaded.page.get("version") or {}).get("authorId"), "someone")

    async def get_page(
        id: Annotated[str, Field(description="Page id (or URL); or use title and space")] = "",
        title: str = "",
        space: Annotated[str, Field(description="Space key or name, with title")] = "",
        include: Annotated[list[Part], Field(description="Extra parts to add")] = [],
        cursor: Annotated[str, Field(description="next_cursor, to read on in a long page")] = "",
    ) -> Reply:
        if cursor:
            decode_offset(cursor)  # a bad cursor is an input error before anything is read
        if not id:
            if not (title and space):
                raise InvalidInput("Give the page id, or its title and space.")
            id = str((await lk.page_by_title(title, space))["id"])
        loaded = await load(rt, id)
        body, following, note = window(rt, loaded, cursor)
        part = f"Part starting at character {decode_offset(cursor)}." if cursor else ""
        text = views.page_header(loaded.page, loaded.url, loaded.space, author_of(loaded), " ".join(x for x in (part, note) if x))
        text += body or "_(empty page)_"
        if include and not cursor:
            text += "\n\n" + "\n\n".join(await parts_text(loaded, list(include)))
        return Reply(
            text,
            PageInfo(
                id=str(loaded.page["id"]), title=loaded.page.get("title", ""), url=loaded.url,
                space=loaded.space["key"] if loaded.space else "", version=loaded.version, next_cursor=following,
            ),
        )  # fmt: skip

    def decode_offset(cursor: str) -> int:
        from shared.shaping import decode_cursor

        return int(decode_cursor("confluence-page", cursor).get("o", 0))

    async def fetch(id: Annotated[str, Field(description="Page id from search")]) -> FetchOutput:
        loaded = await load(rt, id)
        body, _, _ = window(rt, loaded, "")
        page = loaded.page
        version = page.get("version") or {}
        metadata = {
            "space": loaded.space["key"] if loaded.space else "",
            "version": str(loaded.version),
            "last_modified": views.short_date(version.get("createdAt")),
            "modified_by": author_of(loaded),
            "type": "blog post" if loaded.kind == "blogposts" else "page",
        }
        text = views.page_header(page, loaded.url, loaded.space, author_of(loaded)) + (body or "_(empty page)_")
        return FetchOutput(id=str(page["id"]), title=page.get("title", ""), text=text, url=loaded.url, metadata=metadata)

    async def create_page(
        space: Annotated[str, Field(description="Space key or name")],
        title: str,
        body: Annotated[str, Field(description="Markdown")] = "",
        parent: Annotated[str, Field(description="Parent page id or title")] = "",
        labels: list[str] = [],
        idempotency_key: Annotated[str, Field(description="Reuse on retry: returns the first page")] = "",
    ) -> Reply:
        if not title.strip():
            raise InvalidInput("title must not be empty.")
        target = await lk.space(space)
        label_names = _labels(labels)
        parent_id = None
        if parent.strip():
            parent_id = parent.strip() if parent.strip().isdigit() else str((await lk.page_by_title(parent, target["key"]))["id"])
        value, _ = storage.write(body)
        request = {"space": target["key"], "title": title.strip(), "body": value, "parent": parent_id, "labels": label_names}

        async def write() -> dict:
            existing = await client.pages_by_title(str(target["id"]), title.strip())
            if existing:
                url = client.page_url(existing[0], target["key"])
                raise InvalidInput(f'A page titled "{title.strip()}" already exists in {target["key"]}: {url}. '
                                   "Titles are unique per space: choose another title, or update that page.")
            created = await client.create_page(str(target["id"]), title.strip(), value, parent_id)
            if label_names:
                await client.add_labels(str(created["id"]), label_names)
            return {"id": str(created["id"]), "version": int(created["version"]["number"]),
                    "url": client.page_url(created, target["key"])}  # fmt: skip

        if idempotency_key:
            result, reused = await run_once(
                rt.idempotency, rt.identity(), idempotency_key, request, write, lambda: find_created(request, target)
            )
        else:
            result, reused = await write(), False
        verb = "Already created (same idempotency_key)" if reused else "Created"
        return Reply(
            f"{verb} [{title.strip()}]({result['url']}) in {target['key']} (id {result['id']}, version {result['version']}).",
            Written(id=result["id"], title=title.strip(), url=result["url"], version=result["version"]),
            target=result["id"],
        )

    async def find_created(request: dict, target: dict) -> dict | None:
        """After an uncertain create: the page with that title in that space, if we wrote it."""
        found = await client.pages_by_title(str(target["id"]), request["title"])
        me = await lk.me()
        if found and found[0].get("authorId") == me.get("accountId"):
            return {"id": str(found[0]["id"]), "version": int(found[0]["version"]["number"]),
                    "url": client.page_url(found[0], target["key"])}  # fmt: skip
        return None

    async def update_page(
        id: Annotated[str, Field(description="Page id")],
        version: Annotated[int, Field(description="The version you read", ge=1)],
        body: Annotated[str, Field(description="Whole new body (markdown, placeholders kept)")] = "",
        section: Annotated[str, Field(description="Heading of the section to change")] = "",
        section_body: Annotated[str, Field(description="Markdown under that heading")] = "",
        mode: Annotated[Literal["replace", "append"], Field(description="For a section")] = "replace",
        title: Annotated[str, Field(description="New title")] = "",
        add_labels: list[str] = [],
        remove_labels: list[str] = [],
        message: Annotated[str, Field(description="Version comment")] = "",
    ) -> Reply:
        if body and section:
            raise InvalidInput("Give either body (the whole page) or section with section_body, not both.")
        if section and not section_body.strip():
            raise InvalidInput("section_body is empty: give the markdown to put under the heading.")
        if not (body or section or title.strip() or add_labels or remove_labels):
            raise InvalidInput("Nothing to change: give body, section with section_body, title or labels.")
        added, removed = _labels(add_labels), _labels(remove_labels)
        loaded = await load(rt, id, blogposts=False)
        if loaded.version != version:
            raise version_conflict(str(loaded.page["id"]), loaded.version, version)
        doc = loaded.doc
        markdown = doc.markdown
        if section:
            markdown = storage.edit_section(markdown, section, section_body, append=mode == "append")
        elif body:
            markdown = body
        new_storage, report = storage.write(markdown, doc)
        new_title = title.strip() or loaded.page.get("title", "")
        warnings = [f"removed {r}" for r in report.removed]
        new_version = loaded.version
        changed = new_storage != loaded.storage or new_title != loaded.page.get("title")
        if changed:
            stored = await client.update_page(loaded.page, new_title, new_storage, message)
            new_version = int((stored.get("version") or {}).get("number") or loaded.version + 1)
        pid = str(loaded.page["id"])
        if added:
            await client.add_labels(pid, added)
        for label in removed:
            await client.remove_label(pid, label)
        what = []
        if changed:
            what.append(f"section \"{section}\" ({mode})" if section else ("body" if body else "title"))
        if added or removed:
            what.append("labels")
        text = f"Updated [{new_title}]({loaded.url}): {', '.join(what) or 'no change'}; now version {new_version}."
        if changed:
            text += f" {report.reused_blocks} blocks kept exactly, {report.rendered_blocks} written from markdown."
        if warnings:
            text += "\n\nPlaceholders no longer in the page (their macros were deleted): " + ", ".join(report.removed)
        return Reply(text, Written(id=pid, title=new_title, url=loaded.url, version=new_version, warnings=warnings), target=pid)

    async def add_comment(
        id: Annotated[str, Field(description="Page id")],
        body: Annotated[str, Field(description="Markdown")],
        reply_to: Annotated[str, Field(description="Comment id to reply to")] = "",
    ) -> Reply:
        if not body.strip():
            raise InvalidInput("body must not be empty.")
        pid = page_id(id)
        value, _ = storage.write(body)
        if reply_to.strip():
            if not reply_to.strip().isdigit():
                raise InvalidInput(f'reply_to "{reply_to}" is not a comment id (a number, see include=["comments"]).')
            parent = await client.comment(reply_to.strip())
            if str(parent.get("pageId") or parent.get("blogPostId")) != pid:
                raise InvalidInput(f"Comment {reply_to} is not on page {pid}.")
            created = await client.add_comment(value, parent_comment_id=reply_to.strip())
        else:
            created = await client.add_comment(value, page_id=pid)
        url = client.web_url((created.get("_links") or {}).get("webui"), f"/pages/viewpage.action?pageId={pid}&focusedCommentId={created.get('id')}")
        verb = f"Replied to comment {reply_to.strip()}" if reply_to.strip() else "Commented"
        return Reply(f"{verb} on page {pid}: {url}", CommentRef(id=str(created.get("id")), page_id=pid, url=url), target=pid)

    return [
        Tool("fetch", "Fetch page", "One Confluence page (id from search) as markdown with its URL.", fetch,
             Effect.READ, "search", invoking="Opening page…", invoked="Opened page"),
        Tool("confluence_get_page", "Get page",
             "A page as markdown ([[...#N]] stand for macros) with its version and chosen parts; long pages continue "
             "with cursor.",
             get_page, Effect.READ, "pages", output=PageInfo, invoking="Reading page…", invoked="Read page"),
        Tool("confluence_create_page", "Create page", "Create a page from markdown in a space, under a parent, with labels.",
             create_page, Effect.ADD, "pages", output=Written, invoking="Creating page…", invoked="Created page",
             target_arg="space"),
        Tool("confluence_update_page", "Update page",
             "Replace the body or one section, or append to a section; needs the version you read. Placeholders "
             "keep their macros.",
             update_page, Effect.CHANGE, "pages", output=Written, idempotent=False, invoking="Updating page…",
             invoked="Updated page", target_arg="id"),
        Tool("confluence_add_comment", "Add comment", "Add a markdown footer comment to a page, or a reply to a comment.",
             add_comment, Effect.ADD, "pages", output=CommentRef, invoking="Commenting…", invoked="Commented",
             target_arg="id"),
    ]  # fmt: skip


async def _empty() -> dict:
    return {"results": []}



