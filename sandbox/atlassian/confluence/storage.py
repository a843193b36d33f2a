"""Builders for Confluence storage format (XHTML with ``ac:``/``ri:`` elements), as the Cloud editor writes it."""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from html import escape

JIRA_SERVER = "System Jira"
JIRA_SERVER_ID = "b1e3c5a7-9d2f-4e6a-8c0b-1f3d5e7a9c2e"


class Ids:
    """Deterministic macro ids / local ids."""

    def __init__(self, rng: random.Random):
        self.rng = rng

    def uuid(self) -> str:
        return str(uuid.UUID(int=self.rng.getrandbits(128), version=4))

    def local(self) -> str:
        return f"{self.rng.getrandbits(48):012x}"


def t(text: str) -> str:
    return escape(text, quote=False)


def p(*parts: str) -> str:
    return "<p>" + "".join(parts) + "</p>"


def h(level: int, text: str) -> str:
    return f"<h{level}>{t(text)}</h{level}>"


def ul(*items: str, ordered: bool = False) -> str:
    tag = "ol" if ordered else "ul"
    return f"<{tag}>" + "".join(f"<li><p>{i}</p></li>" for i in items) + f"</{tag}>"


def strong(x: str) -> str:
    return f"<strong>{t(x)}</strong>"


def em(x: str) -> str:
    return f"<em>{t(x)}</em>"


def code_inline(x: str) -> str:
    return f"<code>{t(x)}</code>"


def link(text: str, href: str) -> str:
    return f'<a href="{escape(href)}">{t(text)}</a>'


def table(rows: list[list[str]], *, header: bool = True, raw: bool = False) -> str:
    out = ['<table data-table-width="760" data-layout="default"><tbody>']
    for i, row in enumerate(rows):
        cell = "th" if header and i == 0 else "td"
        out.append("<tr>" + "".join(f"<{cell}><p>{c if raw else t(c)}</p></{cell}>" for c in row) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def _param(name: str, value: str) -> str:
    return f'<ac:parameter ac:name="{name}">{t(value)}</ac:parameter>'


def macro(ids: Ids, name: str, params: dict | None = None, *, rich: str | None = None, plain: str | None = None) -> str:
    inner = "".join(_param(k, v) for k, v in (params or {}).items())
    if rich is not None:
        inner += f"<ac:rich-text-body>{rich}</ac:rich-text-body>"
    if plain is not None:
        inner += f"<ac:plain-text-body><![CDATA[{plain}]]></ac:plain-text-body>"
    return (
        f'<ac:structured-macro ac:name="{name}" ac:schema-version="1" data-layout="default" '
        f'ac:local-id="{ids.local()}" ac:macro-id="{ids.uuid()}">{inner}</ac:structured-macro>'
    )


def jira_issue(ids: Ids, key: str) -> str:
    return macro(ids, "jira", {"server": JIRA_SERVER, "serverId": JIRA_SERVER_ID, "key": key})


def jira_query(ids: Ids, jql: str, maximum: int = 20) -> str:
    return macro(
        ids,
        "jira",
        {
            "server": JIRA_SERVER,
            "serverId": JIRA_SERVER_ID,
            "jqlQuery": jql,
            "columns": "key,summary,type,assignee,status,updated",
            "maximumIssues": str(maximum),
        },
    )


def status(ids: Ids, title: str, colour: str = "Green") -> str:
    return macro(ids, "status", {"colour": colour, "title": title})


def panel(ids: Ids, kind: str, body: str, title: str | None = None) -> str:
    return macro(ids, kind, {"title": title} if title else None, rich=body)


def code(ids: Ids, source: str, language: str = "python", title: str | None = None) -> str:
    params = {"language": language, "breakoutMode": "default", "breakoutWidth": "760"}
    if title:
        params["title"] = title
    return macro(ids, "code", params, plain=source)


def expand(ids: Ids, title: str, body: str) -> str:
    return macro(ids, "expand", {"title": title}, rich=body)


def toc(ids: Ids) -> str:
    return macro(ids, "toc", {"minLevel": "1", "maxLevel": "3"})


def mention(account_id: str) -> str:
    return f'<ac:link><ri:user ri:account-id="{account_id}" /></ac:link>'


def page_link(title: str, space_key: str | None = None) -> str:
    sk = f' ri:space-key="{space_key}"' if space_key else ""
    return f'<ac:link><ri:page{sk} ri:content-title="{escape(title)}" /></ac:link>'


def image(filename: str, width: int = 760) -> str:
    return (
        f'<ac:image ac:align="center" ac:layout="center" ac:original-height="540" ac:original-width="960" '
        f'ac:width="{width}"><ri:attachment ri:filename="{escape(filename)}" ri:version-at-save="1" /></ac:image>'
    )


def emoticon(name: str = "tick") -> str:
    return (
        f'<ac:emoticon ac:name="{name}" ac:emoji-shortname=":check_mark:" ac:emoji-id="2705" ac:emoji-fallback="✅" />'
    )


def date(iso_day: str) -> str:
    return f'<time datetime="{iso_day}" />'


def task_list(ids: Ids, tasks: Sequence[tuple[str, bool, str | None, str | None]]) -> str:
    """tasks: (text, done, assignee account id or None, due yyyy-mm-dd or None)."""
    out = ["<ac:task-list>"]
    for n, (text, done, who, due) in enumerate(tasks, 1):
        body = (mention(who) + " " if who else "") + t(text) + (" " + date(due) if due else "")
        out.append(
            f"<ac:task><ac:task-id>{n}</ac:task-id><ac:task-uuid>{ids.uuid()}</ac:task-uuid>"
            f"<ac:task-status>{'complete' if done else 'incomplete'}</ac:task-status>"
            f'<ac:task-body><span class="placeholder-inline-tasks">{body}</span></ac:task-body></ac:task>'
        )
    out.append("</ac:task-list>")
    return "".join(out)


def decision_list(ids: Ids, decisions: list[str], state: str = "DECIDED") -> str:
    """Decisions as the Cloud editor stores them: an ADF extension with an HTML fallback."""
    items = "".join(
        f'<ac:adf-node type="decision-item"><ac:adf-attribute key="local-id">{ids.uuid()}</ac:adf-attribute>'
        f'<ac:adf-attribute key="state">{state}</ac:adf-attribute><ac:adf-content>{t(d)}</ac:adf-content></ac:adf-node>'
        for d in decisions
    )
    fallback = "".join(
        f'<li><div class="decision-item" data-decision-state="{state}">{t(d)}</div></li>' for d in decisions
    )
    return (
        f'<ac:adf-extension><ac:adf-node type="decision-list"><ac:adf-attribute key="local-id">{ids.uuid()}'
        f'</ac:adf-attribute>{items}</ac:adf-node><ac:adf-fallback><div class="decision-list"><ul>{fallback}'
        f"</ul></div></ac:adf-fallback></ac:adf-extension>"
    )


def layout(*sections: tuple[str, list[str]]) -> str:
    """sections: (type, cells) with type single | two_equal | two_left_sidebar | three_equal ..."""
    out = ["<ac:layout>"]
    for kind, cells in sections:
        out.append(
            f'<ac:layout-section ac:type="{kind}" ac:breakout-mode="default">'
            + "".join(f"<ac:layout-cell>{c}</ac:layout-cell>" for c in cells)
            + "</ac:layout-section>"
        )
    out.append("</ac:layout>")
    return "".join(out)
