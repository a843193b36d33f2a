"""Confluence tools, one module per toolset."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.tools import Tool

if TYPE_CHECKING:
    from ..runtime import ConfluenceRuntime


def all_tools(rt: "ConfluenceRuntime") -> list[Tool]:
    from . import changes, decisions, pages, search

    return search.tools(rt) + pages.tools(rt) + decisions.tools(rt) + changes.tools(rt)
