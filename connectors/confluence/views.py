"""Confluence objects -> compact markdown for the model, with a web URL on everything."""

from __future__ import annotations

from shared.dates import local
from shared.shaping import cell, table

from . import storage_format as storage


def page_header(page: dict, url: str, space: dict | None, author: str, part: str = "", tz: str = "UTC") -> str:
    version = page.get("version") or {}
    space_text = f"{space['key']} ({space.get('name', '')})" if space else str(page.get("spaceId", ""))
    facts = [
        f"Space: {space_text}",
        f"id {page.get('id')}",
        f"version {version.get('number')} by {author}, {local(version.get('createdAt'), tz)} ({tz})",
    ]
    if page.get("status") and page.get("status") != "current":
        facts.append(f"status {page['status']}")
    lines = [f"# {page.get('title', '')}", f"URL: {url}", " · ".join(facts)]
    if part:
        lines.append(part)
    return "\n".join(lines) + "\n\n---\n\n"


def children_section(children: list[dict], url_of) -> str:
    if not children:
        return "## Child pages\n\n_(none)_"
    return "## Child pages\n\n" + "\n".join(
        f"- [{cell(c.get('title'))}]({url_of(c)}) (id {c.get('id')})" for c in children
    )


def comments_section(comments: list[tuple[dict, int]], names: dict[str, str], people, tz: str = "UTC") -> str:
    """(comment, depth) pairs, oldest first, replies under their parent."""
    if not comments:
        return "## Comments\n\n_(none)_"
    parts = ["## Comments"]
    for comment, depth in comments:
        version = comment.get("version") or {}
        who = names.get(version.get("authorId") or comment.get("authorId") or "", "someone")
        body = storage.read(((comment.get("body") or {}).get("storage") or {}).get("value", ""), people).markdown
        prefix = "> " * depth
        head = f"{prefix}**{who}**, {local(version.get('createdAt'), tz)} (comment {comment.get('id')}"
        head += ", reply)" if depth else ")"
        parts.append(head + ":\n" + "\n".join(f"{prefix}{line}" for line in body.split("\n")))
    return "\n\n".join(parts)


def labels_section(labels: list[dict]) -> str:
    names = ", ".join(label.get("name", "") for label in labels) or "_(none)_"
    return f"## Labels\n\n{names}"


def attachments_section(attachments: list[dict], url_of, tz: str = "UTC") -> str:
    if not attachments:
        return "## Attachments\n\n_(none)_"
    rows = [
        (
            f"[{a.get('title')}]({url_of(a)})",
            a.get("mediaType", ""),
            f"{(a.get('fileSize') or 0) // 1024 or 1} KB",
            local(a.get("createdAt"), tz),
        )
        for a in attachments
    ]
    return "## Attachments\n\n" + table(["File", "Type", "Size", "Added"], rows)


def versions_section(versions: list[dict], names: dict[str, str], tz: str = "UTC") -> str:
    if not versions:
        return "## Versions\n\n_(none)_"
    rows = [
        (v.get("number"), names.get(v.get("authorId") or "", ""), local(v.get("createdAt"), tz), v.get("message", ""))
        for v in versions
    ]
    return "## Versions\n\n" + table(["Version", "By", "When", "Message"], rows)
