"""Decisions in a page: decision lists anywhere, and the items of sections headed "Decision(s)"/"Décision(s)"."""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.parsers import expat

from .tree import MACRO_ELEMENTS, El, parse, plain, raw, walk


@dataclass
class Decision:
    text: str
    status: str  # DECIDED / UNDECIDED for decision lists; the status macro or "recorded" in sections
    source: str  # "decision list" or 'section "Decisions"'


def decision_items(node: El) -> list[Decision]:
    out = []
    for item in walk(node):
        if item.name == "ac:adf-node" and item.attrs.get("type") == "decision-item":
            state = next(
                (raw(a).strip() for a in item.all("ac:adf-attribute") if a.attrs.get("key") == "state"), "DECIDED"
            )
            content = item.find("ac:adf-content")
            out.append(Decision(plain(content) if content else plain(item), state.upper(), "decision list"))
    return out


DECISION_HEADING = re.compile(r"\bd[ée]cisions?\b", re.IGNORECASE)


def decisions(storage: str) -> list[Decision]:
    """Decision lists anywhere in the body, and the items of sections headed "Decision(s)"/"Décision(s)"."""
    try:
        _, root = parse(storage or "")
    except expat.ExpatError:
        return []
    found: list[Decision] = []
    for element in [root, *walk(root)]:
        if element.name == "ac:adf-extension":
            found += decision_items(element)
            continue
        kids = [c for c in element.children if isinstance(c, El)]
        for i, child in enumerate(kids):
            if not re.fullmatch(r"h[1-6]", child.name) or not DECISION_HEADING.search(plain(child)):
                continue
            level, title = int(child.name[1]), plain(child)
            for sibling in kids[i + 1 :]:
                if re.fullmatch(r"h[1-6]", sibling.name) and int(sibling.name[1]) <= level:
                    break
                found += _section_items(sibling, f'section "{title}"')
    return found


def _section_items(node: El, source: str) -> list[Decision]:
    if node.name in ("ul", "ol"):
        return [d for li in node.all("li") for d in [_item(li, source)] if d]
    if node.name == "p":
        item = _item(node, source)
        return [item] if item else []
    if node.name == "table":
        rows = [r for section in [node, *node.all("tbody")] for r in section.all("tr")]
        out = []
        for row in rows:
            cells = [c for c in row.children if isinstance(c, El)]
            if cells and all(c.name == "th" for c in cells):
                continue
            text = " — ".join(plain(c) for c in cells if plain(c))
            status = _status_of(row)
            if text:
                out.append(Decision(text, status or "recorded", source))
        return out
    return []  # decision lists inside the section are counted once, as decision lists


def _item(node: El, source: str) -> Decision | None:
    text = plain(node)
    status = _status_of(node)
    if status:
        text = " ".join(text.replace(status, "", 1).split()) if text.startswith(status) else text
    return Decision(text, status or "recorded", source) if text else None


def _status_of(node: El) -> str:
    for element in walk(node):
        if element.name in MACRO_ELEMENTS and element.attrs.get("ac:name") == "status":
            return element.param("title")
    return ""
