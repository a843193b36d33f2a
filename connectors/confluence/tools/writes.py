"""Writing pages: create, update (whole body or one section, against the version read), comment."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from pydantic import BaseModel, Field

from shared.dates import parse_timestamp
from shared.errors import InvalidInput
from shared.idempotency import run_once
from shared.tools import Effect, Reply, tool

from .. import storage_format as storage
from ..client import version_conflict
from ..pages import load, page_id
from ..runtime import ConfluenceRuntime

LABEL = re.compile(r"^[^\s:]{1,255}$")


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
    bad = [v[:60] for v in cleaned if not LABEL.match(v)]
    if bad:
        raise InvalidInput(f"Labels cannot contain spaces or colons: {bad}. Use hyphens, e.g. 'needs-review'.")
    return cleaned


def _created(rt: ConfluenceRuntime, page: dict, space_key: str) -> dict:
    return {
        "id": str(page["id"]),
        "version": int(page["version"]["number"]),
        "url": rt.client.page_url(page, space_key),
    }


async def find_created(rt: ConfluenceRuntime, request: dict, target: dict) -> dict | None:
    """After an uncertain create: the page with that title in that space, if we wrote it."""
    found = await rt.client.pages_by_title(str(target["id"]), request["title"])
    me = await rt.lookups.me()
    if found and found[0].get("authorId") == me.get("accountId"):
        return _created(rt, found[0], target["key"])
    return None


@tool(
    name="confluence_create_page",
    title="Create page",
    description="Create a page from markdown in a space, under a parent, with labels.",
    effect=Effect.ADD,
    toolset="pages",
    output=Written,
    invoking="Creating page…",
    invoked="Created page",
    target_arg="space",
)
async def create_page(
    rt: ConfluenceRuntime,
    space: Annotated[str, Field(description="Space key or name")],
    title: str,
    body: Annotated[str, Field(description="Markdown")] = "",
    parent: Annotated[str, Field(description="Parent page id or title")] = "",
    labels: list[str] = [],
    idempotency_key: Annotated[str, Field(description="Same key, same page")] = "",
) -> Reply:
    lk, client = rt.lookups, rt.client
    if not title.strip():
        raise InvalidInput("title must not be empty.")
    target = await lk.space(space)
    label_names = _labels(labels)
    parent_id = None
    if parent.strip():
        parent_id = (
            parent.strip() if parent.strip().isdigit() else str((await lk.page_by_title(parent, target["key"]))["id"])
        )
    value, _ = storage.write(body)
    request = {
        "space": target["key"],
        "title": title.strip(),
        "body": value,
        "parent": parent_id,
        "labels": label_names,
    }

    async def write() -> dict:
        existing = await client.pages_by_title(str(target["id"]), title.strip())
        if existing:
            url = client.page_url(existing[0], target["key"])
            raise InvalidInput(
                f'A page titled "{title.strip()}" already exists in {target["key"]}: {url}. '
                "Titles are unique per space: choose another title, or update that page."
            )
        created = await client.create_page(str(target["id"]), title.strip(), value, parent_id)
        if label_names:
            await client.add_labels(str(created["id"]), label_names)
        return _created(rt, created, target["key"])

    if idempotency_key:
        result, reused = await run_once(
            rt.idempotency, rt.identity(), idempotency_key, request, write, lambda: find_created(rt, request, target)
        )
    else:
        result, reused = await write(), False
    verb = "Already created (same idempotency_key)" if reused else "Created"
    return Reply(
        f"{verb} [{title.strip()}]({result['url']}) in {target['key']} "
        f"(id {result['id']}, version {result['version']}).",
        Written(id=result["id"], title=title.strip(), url=result["url"], version=result["version"]),
        target=result["id"],
    )


@tool(
    name="confluence_update_page",
    title="Update page",
    description="Replace the body or a section, or append to one; needs the version read. Placeholders keep macros.",
    effect=Effect.CHANGE,
    toolset="pages",
    output=Written,
    idempotent=False,
    invoking="Updating page…",
    invoked="Updated page",
    target_arg="id",
)
async def update_page(
    rt: ConfluenceRuntime,
    id: Annotated[str, Field(description="Page id")],
    version: Annotated[int, Field(description="The version you read", ge=1)],
    body: Annotated[str, Field(description="Whole new body (markdown)")] = "",
    section: Annotated[str, Field(description="Heading of the section to change")] = "",
    section_body: Annotated[str, Field(description="Markdown under that heading")] = "",
    mode: Annotated[Literal["replace", "append"], Field(description="For a section")] = "replace",
    title: Annotated[str, Field(description="New title")] = "",
    add_labels: list[str] = [],
    remove_labels: list[str] = [],
    message: Annotated[str, Field(description="Version comment")] = "",
) -> Reply:
    client = rt.client
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
        what.append(f'section "{section}" ({mode})' if section else ("body" if body else "title"))
    if added or removed:
        what.append("labels")
    text = f"Updated [{new_title}]({loaded.url}): {', '.join(what) or 'no change'}; now version {new_version}."
    if changed:
        text += f" {report.reused_blocks} blocks kept exactly, {report.rendered_blocks} written from markdown."
    if warnings:
        text += "\n\nPlaceholders no longer in the page (their macros were deleted): " + ", ".join(report.removed)
    written = Written(id=pid, title=new_title, url=loaded.url, version=new_version, warnings=warnings)
    return Reply(text, written, target=pid)


@tool(
    name="confluence_add_comment",
    title="Add comment",
    description="Add a markdown footer comment to a page, or a reply to a comment.",
    effect=Effect.ADD,
    toolset="pages",
    output=CommentRef,
    invoking="Commenting…",
    invoked="Commented",
    target_arg="id",
)
async def add_comment(
    rt: ConfluenceRuntime,
    id: Annotated[str, Field(description="Page id")],
    body: Annotated[str, Field(description="Markdown")],
    reply_to: Annotated[str, Field(description="Comment id to reply to")] = "",
    idempotency_key: str = "",
) -> Reply:
    client = rt.client
    if not body.strip():
        raise InvalidInput("body must not be empty.")
    pid = page_id(id)
    value, _ = storage.write(body)
    parent_id = reply_to.strip()
    if parent_id:
        if not parent_id.isdigit():
            raise InvalidInput(f'reply_to "{parent_id[:40]}" is not a comment id (a number, see include=["comments"]).')
        parent = await client.comment(parent_id)
        if str(parent.get("pageId") or parent.get("blogPostId")) != pid:
            raise InvalidInput(f"Comment {parent_id} is not on page {pid}.")

    async def write() -> dict:
        if parent_id:
            created = await client.add_comment(value, parent_comment_id=parent_id)
        else:
            created = await client.add_comment(value, page_id=pid)
        return _comment_ref(rt, pid, created)

    if idempotency_key:
        request = {"page": pid, "reply_to": parent_id, "body": value}
        found = lambda: find_comment(rt, pid, parent_id, value)  # noqa: E731
        result, reused = await run_once(rt.idempotency, rt.identity(), idempotency_key, request, write, found)
    else:
        result, reused = await write(), False
    verb = f"Replied to comment {parent_id}" if parent_id else "Commented"
    if reused:
        verb = "Already " + verb[0].lower() + verb[1:] + " (same idempotency_key)"
    return Reply(f"{verb} on page {pid}: {result['url']}", CommentRef(**result), target=pid)


def _comment_ref(rt: ConfluenceRuntime, pid: str, comment: dict) -> dict:
    fallback = f"/pages/viewpage.action?pageId={pid}&focusedCommentId={comment.get('id')}"
    url = rt.client.web_url((comment.get("_links") or {}).get("webui"), fallback)
    return {"id": str(comment.get("id")), "page_id": pid, "url": url}


RECENT = timedelta(hours=1)


async def find_comment(rt: ConfluenceRuntime, pid: str, parent_id: str, value: str) -> dict | None:
    """After an uncertain comment: our comment with this body (on the page, or under `parent_id`) in the last hour."""
    client = rt.client
    me = (await rt.lookups.me()).get("accountId")
    if parent_id:
        listed = await client.comment_replies(parent_id, 50, sort="-created-date")
    else:
        listed = await client.footer_comments(pid, 50, sort="-created-date")
    since = datetime.now(UTC) - RECENT
    wanted = _same_text(value)
    for comment in listed.get("results", []):
        version = comment.get("version") or {}
        created = parse_timestamp(version.get("createdAt"))
        if created is None or created < since or (version.get("authorId") or comment.get("authorId")) != me:
            continue
        if _same_text(((comment.get("body") or {}).get("storage") or {}).get("value", "")) == wanted:
            return _comment_ref(rt, pid, comment)
    return None


def _same_text(storage_value: str) -> str:
    """A body as words, so Confluence's own normalisation of the storage format does not hide our comment."""
    return " ".join(storage.read(storage_value, lambda account_id: account_id).markdown.split())
