"""Tool declaration: a tool is a module-level function plus a keyword declaration.

    @tool(name="jira_get_issue", title="Get issue", description="One issue as markdown…",
          effect=Effect.READ, toolset="issues", output=IssueState)
    async def get_issue(rt: JiraRuntime, key: str, …) -> Reply: …

The decorator turns the function into a `Tool` value; a connector lists its tools in its
`connector.py`, so the surface is data that can be listed (README table, snapshots, `connectors
tools`) without a configured runtime. The first parameter of every tool function is the runtime,
bound at registration (`shared.boundary`) and never part of the tool's input schema.

A tool function returns either a pydantic model (sent as structuredContent plus its JSON text,
as the ChatGPT search/fetch contract wants) or a `Reply`: markdown for the model to read plus a
small structured summary (ids, URLs, cursors), so the same payload is never sent twice.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from mcp.types import ToolAnnotations
from pydantic import BaseModel

NAME = re.compile(r"^[A-Za-z0-9_.-]{1,128}$")


class Effect(Enum):
    """What a tool does to the world; decides the annotation hints."""

    READ = "read"  # search, list, get: read-only
    ADD = "add"  # creates something new (issue, comment, link): additive, not destructive
    CHANGE = "change"  # overwrites or moves state (update, transition): destructive
    SEND = "send"  # leaves the organisation (send mail, share externally): destructive, open world


@dataclass
class Reply:
    markdown: str
    data: BaseModel
    target: str | None = None  # object written, for the audit line


@dataclass(frozen=True, kw_only=True)
class Tool:
    name: str
    title: str
    description: str
    fn: Callable[..., Awaitable[Any]]  # async (runtime, **arguments) -> Reply | BaseModel
    effect: Effect
    toolset: str
    output: type[BaseModel] | None = None  # the `data` model when fn returns a Reply
    idempotent: bool | None = None  # default: reads are idempotent, writes are not
    invoking: str = ""
    invoked: str = ""
    target_arg: str | None = None  # argument naming the object written, for audit lines
    extra_meta: dict[str, Any] = field(default_factory=dict)

    @property
    def annotations(self) -> ToolAnnotations:
        read = self.effect is Effect.READ
        return ToolAnnotations(  # the title lives on the tool itself; not repeated here
            read_only_hint=read,
            destructive_hint=self.effect in (Effect.CHANGE, Effect.SEND),
            open_world_hint=self.effect is Effect.SEND,
            idempotent_hint=read if self.idempotent is None else self.idempotent,
        )

    @property
    def meta(self) -> dict[str, Any]:
        return {
            "openai/toolInvocation/invoking": (self.invoking or f"{self.title}…")[:64],
            "openai/toolInvocation/invoked": (self.invoked or f"{self.title}: done")[:64],
            **self.extra_meta,
        }


def tool(
    *,
    name: str,
    title: str,
    description: str,
    effect: Effect,
    toolset: str,
    output: type[BaseModel] | None = None,
    idempotent: bool | None = None,
    invoking: str = "",
    invoked: str = "",
    target_arg: str | None = None,
) -> Callable[[Callable[..., Awaitable[Any]]], Tool]:
    """Declare a module-level tool function (its first parameter receives the runtime)."""

    def declare(fn: Callable[..., Awaitable[Any]]) -> Tool:
        return Tool(
            name=name,
            title=title,
            description=description,
            fn=fn,
            effect=effect,
            toolset=toolset,
            output=output,
            idempotent=idempotent,
            invoking=invoking,
            invoked=invoked,
            target_arg=target_arg,
        )

    return declare


def enabled(tools: Iterable[Tool], *, read_only: bool, toolsets: Iterable[str] = ()) -> list[Tool]:
    """The tools a deployment registers: a disabled tool is absent, not refused."""
    wanted = set(toolsets)
    return [t for t in tools if (not read_only or t.effect is Effect.READ) and (not wanted or t.toolset in wanted)]
