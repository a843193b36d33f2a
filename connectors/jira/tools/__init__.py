"""Jira tools, one module per toolset."""

from __future__ import annotations

from typing import TYPE_CHECKING

from shared.tools import Tool

if TYPE_CHECKING:
    from ..runtime import JiraRuntime


def all_tools(rt: "JiraRuntime") -> list[Tool]:
    from . import changes, directory, issues, search

    return search.tools(rt) + issues.tools(rt) + directory.tools(rt) + changes.tools(rt)
