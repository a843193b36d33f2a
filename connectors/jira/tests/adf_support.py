"""Builders and assertions shared by the ADF converter tests (connectors/jira/adf)."""

from __future__ import annotations

import copy
import json

from connectors.jira.adf import adf_to_markdown, markdown_to_adf


def doc(*content):
    return {"type": "doc", "version": 1, "content": list(content)}


def p(*content):
    return {"type": "paragraph", "content": list(content)}


def t(text, *marks):
    node = {"type": "text", "text": text}
    if marks:
        node["marks"] = [m if isinstance(m, dict) else {"type": m} for m in marks]
    return node


def link(href, **extra):
    return {"type": "link", "attrs": {"href": href, **extra}}


def md_roundtrip(markdown: str) -> str:
    """md -> adf -> md; the result must be a fixed point afterwards."""
    once = adf_to_markdown(markdown_to_adf(markdown))
    twice = adf_to_markdown(markdown_to_adf(once))
    assert twice == once, f"not stable:\n{once!r}\n{twice!r}"
    return once


def assert_adf_roundtrip(adf: dict) -> str:
    original = copy.deepcopy(adf)
    markdown = adf_to_markdown(adf)
    assert adf == original, "converter mutated its input"
    back = markdown_to_adf(markdown)
    assert back == adf, f"markdown was:\n{markdown}"
    return markdown


def _schema_validator():
    """Atlassian's own ADF JSON schema, from the @atlaskit/adf-schema npm package (pinned)."""
    import jsonschema

    from shared.testing import npm_package

    schema = npm_package("@atlaskit/adf-schema", "57.7.22") / "dist/json-schema/v1/full.json"
    return jsonschema.Draft4Validator(json.loads(schema.read_text()))


SCHEMA = _schema_validator()


def assert_valid_adf(adf: dict) -> None:
    """Structural ADF rules we promise, plus the official JSON schema if present."""
    _check_node(adf)
    errors = sorted(SCHEMA.iter_errors(adf), key=str)
    assert not errors, errors[0].message


def _check_node(node: dict) -> None:
    kind = node["type"]
    if kind == "text":
        assert node["text"], "empty text node"
        kinds = [m["type"] for m in node.get("marks", [])]
        if "code" in kinds:
            assert set(kinds) <= {"code", "link"}
    else:
        assert "marks" not in node or kind not in ("paragraph", "mention", "hardBreak")
    if kind == "listItem":
        assert node["content"][0]["type"] == "paragraph"
    if kind in ("tableCell", "tableHeader"):
        assert node["content"] and all(c["type"] == "paragraph" for c in node["content"])
    for child in node.get("content", []):
        _check_node(child)


# Nodes Markdown has no syntax for, as Jira sends them.
PANEL = {"type": "panel", "attrs": {"panelType": "info"}, "content": [p(t("Heads up"))]}
STATUS = {"type": "status", "attrs": {"text": "IN PROGRESS", "color": "blue", "localId": "a|b", "style": ""}}
DATE = {"type": "date", "attrs": {"timestamp": "1700000000000"}}
INLINE_CARD = {"type": "inlineCard", "attrs": {"url": "https://jira.example/browse/ABC-1"}}
MEDIA = {
    "type": "mediaSingle",
    "attrs": {"layout": "center"},
    "content": [
        {
            "type": "media",
            "attrs": {"type": "file", "id": "abc-123", "collection": "jira-1", "width": 200, "height": 100},
        }
    ],
}
EXPAND = {"type": "expand", "attrs": {"title": "Details"}, "content": [p(t("hidden"))]}
TASKS = {
    "type": "taskList",
    "attrs": {"localId": "t1"},
    "content": [{"type": "taskItem", "attrs": {"localId": "t2", "state": "TODO"}, "content": [t("do it")]}],
}
DECISIONS = {
    "type": "decisionList",
    "attrs": {"localId": "d1"},
    "content": [{"type": "decisionItem", "attrs": {"localId": "d2", "state": "DECIDED"}, "content": [t("yes")]}],
}
UNKNOWN_BLOCK = {"type": "fancyNewBlock", "attrs": {"x": [1, 2, {"y": None}]}, "content": [p(t("```"))]}
UNKNOWN_INLINE = {"type": "fancyInline", "attrs": {"s": "`tick` and | pipe -->"}}
