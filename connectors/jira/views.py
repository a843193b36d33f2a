"""Jira objects -> compact markdown for the model, with a browse URL on everything."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from shared.dates import local, local_day, times_in
from shared.shaping import table

from .adf import adf_to_markdown, adf_to_text

SUMMARY_COLUMNS = ["key", "summary", "status", "assignee", "priority", "updated"]


def _is_timestamp(value: str) -> bool:
    return len(value) >= 19 and value[10:11] == "T" and value[:4].isdigit()


def day(value: str | None, tz: str) -> str:
    return local_day(value, tz)


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _hours(seconds: int) -> str:
    return f"{seconds / 3600:g}h"


def _container(value: dict, tz: str) -> str | None:
    """Jira's wrapper objects (comments, worklogs, watchers, votes, time tracking) as a few words, or None."""
    if "comments" in value:
        return _count(int(value.get("total", len(value["comments"]))), "comment")
    if "worklogs" in value:
        spent = sum(int(w.get("timeSpentSeconds") or 0) for w in value["worklogs"])
        total = _count(int(value.get("total", len(value["worklogs"]))), "worklog")
        return f"{total}, {_hours(spent)} logged" if spent else total
    if "watchCount" in value:
        return _count(int(value["watchCount"]), "watcher")
    if "votes" in value and "hasVoted" in value:
        return _count(int(value["votes"]), "vote")
    tracking = [("originalEstimate", "estimate"), ("remainingEstimate", "remaining"), ("timeSpent", "spent")]
    if any(k in value for k, _ in tracking) or not value:
        return ", ".join(f"{label} {value[k]}" for k, label in tracking if value.get(k))
    return None


def plain(value: Any, tz: str = "UTC") -> str:
    """Any Jira field value as short text; timestamps in the person's zone `tz`. Never a raw object."""
    if value is None:
        return ""
    if isinstance(value, str):
        return local(value, tz) if _is_timestamp(value) else value
    if isinstance(value, (int, float, bool)):
        return str(value)
    if isinstance(value, list):
        return ", ".join(text for text in (plain(v, tz) for v in value) if text)
    if isinstance(value, dict):
        if value.get("type") == "doc":
            return adf_to_text(value)
        if "inwardIssue" in value or "outwardIssue" in value:  # an issue link, e.g. in columns=["issuelinks"]
            kind = value.get("type") or {}
            if "outwardIssue" in value:
                return f"{kind.get('outward', 'relates to')} {value['outwardIssue'].get('key', '')}"
            return f"{kind.get('inward', 'relates to')} {value['inwardIssue'].get('key', '')}"
        if "filename" in value:
            return str(value["filename"])
        for key in ("displayName", "name", "value", "key"):
            if key in value:
                return str(value[key])
        summary = _container(value, tz)
        if summary is not None:
            return summary
        return ", ".join(
            f"{k}: {plain(v, tz)}" for k, v in value.items() if isinstance(v, (str, int, float)) and k != "self"
        )
    return str(value)


def rich(value: Any) -> str:
    """A rich-text field (ADF in v3, wiki markup string in v2) as markdown."""
    if isinstance(value, dict):
        return adf_to_markdown(value)
    return value or ""


def cell_value(issue: dict, column: str, names: dict[str, str], tz: str = "UTC") -> str:
    fields = issue.get("fields", {})
    if column == "key":
        return issue["key"]
    field_id = names.get(column, column)
    return plain(fields.get(field_id), tz)


def issue_table(issues: Sequence[dict], columns: list[str], names: dict[str, str], browse, tz: str = "UTC") -> str:
    """Rows of issues: the key links to the issue; other columns are short text, times in `tz`."""
    headers = [c.capitalize() if c in SUMMARY_COLUMNS else c for c in columns]
    rows = []
    for issue in issues:
        row = [f"[{issue['key']}]({browse(issue['key'])})"]
        row += [cell_value(issue, c, names, tz) for c in columns[1:]]
        rows.append(row)
    return table(headers, rows)


DETAIL_FIELDS = [
    ("Type", "issuetype"),
    ("Status", "status"),
    ("Priority", "priority"),
    ("Assignee", "assignee"),
    ("Reporter", "reporter"),
    ("Labels", "labels"),
    ("Parent", "parent"),
    ("Resolution", "resolution"),
    ("Created", "created"),
    ("Updated", "updated"),
    ("Due", "duedate"),
]


def issue_document(issue: dict, url: str, extra: dict[str, str] | None = None, tz: str = "UTC") -> str:
    """One issue as markdown: a facts line block, then the description."""
    fields = issue.get("fields", {})
    lines = [f"# {issue['key']}: {fields.get('summary', '')}", f"URL: {url}", times_in(tz), ""]
    for label, field_id in DETAIL_FIELDS:
        text = plain(fields.get(field_id), tz)
        if text:
            lines.append(f"- **{label}**: {text}")
    for label, text in (extra or {}).items():
        if text:
            lines.append(f"- **{label}**: {text}")
    description = rich(fields.get("description"))
    lines += ["", "## Description", "", description or "_(no description)_"]
    return "\n".join(lines)


def comments_section(comments: list[dict], total: int, tz: str = "UTC") -> str:
    if not comments:
        return ""
    shown = f"{len(comments)} most recent of {total}" if total > len(comments) else str(total)
    parts = [f"## Comments ({shown})"]
    for c in comments:
        author = plain(c.get("author"))
        parts.append(f"**{author}**, {local(c.get('created'), tz)}:\n\n{rich(c.get('body'))}")
    return "\n\n".join(parts)


def changelog_section(histories: list[dict], tz: str = "UTC") -> str:
    if not histories:
        return ""
    lines = ["## History"]
    for h in histories:
        for item in h.get("items", []):
            lines.append(
                f"- {local(h.get('created'), tz)} {plain(h.get('author'))}: **{item.get('field')}** "
                f"{item.get('fromString') or '∅'} → {item.get('toString') or '∅'}"
            )
    return "\n".join(lines)


def links_section(links: list[dict], browse) -> str:
    if not links:
        return ""
    lines = ["## Links"]
    for link in links:
        kind = link.get("type", {})
        if "outwardIssue" in link:
            other, phrase = link["outwardIssue"], kind.get("outward", "relates to")
        else:
            other, phrase = link.get("inwardIssue", {}), kind.get("inward", "relates to")
        status = plain(other.get("fields", {}).get("status"))
        summary = other.get("fields", {}).get("summary", "")
        lines.append(f"- {phrase} [{other.get('key')}]({browse(other.get('key'))}) {summary} ({status})")
    return "\n".join(lines)


def attachments_section(attachments: list[dict]) -> str:
    if not attachments:
        return ""
    lines = ["## Attachments"]
    for a in attachments:
        size = a.get("size") or 0
        lines.append(f"- {a.get('filename')} ({a.get('mimeType')}, {size // 1024 or 1} KB) by {plain(a.get('author'))}")
    return "\n".join(lines)


def transitions_section(transitions: list[dict]) -> str:
    if not transitions:
        return ""
    names = ", ".join(f"{t['name']} → {t.get('to', {}).get('name', '?')}" for t in transitions)
    return f"## Available transitions\n\n{names}"
