"""Storage objects as compact markdown; times in the person's zone, said once."""

from __future__ import annotations

from collections.abc import Sequence

from shared.dates import local, times_in
from shared.shaping import DEFAULT_BUDGET, fit, table

from .providers.base import Entry, Sharing

LABELS = {"gdrive": "Google Drive", "onedrive": "OneDrive"}


def provider_label(entry: Entry) -> str:
    return LABELS.get(entry.id.split(":", 1)[0], "")


def owner_names(entry: Entry) -> str:
    return ", ".join(o.partition(" <")[0] for o in entry.owners)


def entries_table(entries: Sequence[Entry], tz: str, budget: int = DEFAULT_BUDGET) -> tuple[str, int]:
    """A table of files and folders, as many as fit; returns (markdown, how many were left out)."""
    several = len({provider_label(e) for e in entries}) > 1

    def render(items: Sequence[Entry]) -> str:
        headers = ["name", "type", "modified", "owner", *(["provider"] if several else []), "id"]
        rows = [
            [f"[{e.name}]({e.url})", e.kind, local(e.modified, tz), owner_names(e)]
            + ([provider_label(e)] if several else [])
            + [e.id]
            for e in items
        ]
        return table(headers, rows) + f"\n\n{times_in(tz)}"

    return fit(list(entries), render, budget)


def file_card(entry: Entry, path: str, sharing: Sharing, tz: str) -> str:
    lines = [
        f"## [{entry.name}]({entry.url})",
        f"- id: `{entry.id}` ({provider_label(entry)})",
        f"- type: {entry.kind} ({entry.native_mime or entry.mime})",
        f"- path: {path}",
        f"- modified: {local(entry.modified, tz)} ({tz})",
        f"- owners: {', '.join(entry.owners) or 'unknown'}",
    ]
    if entry.size is not None:
        lines.append(f"- size: {entry.size:,} bytes")
    shared = "; ".join(sharing.entries) or "only the owner"
    lines.append(f"- shared with: {shared}")
    if sharing.link:
        lines.append(f"- link sharing: {sharing.link}")
    return "\n".join(lines)
