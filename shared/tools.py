"""Tool declaration: tools are data, registered once through one error boundary.

A connector declares `Tool(...)` entries. `register()` applies read-only mode and toolset
filters (a disabled tool is absent, not refused), sets all four annotation hints explicitly
from the tool's `effect`, rejects unknown arguments, and wraps every call so that:
- a `ConnectorError` becomes an `isError` result with its actionable message;
- anything unexpected becomes a generic error naming the request id (the traceback is logged,
  never sent);
- identical concurrent reads by one identity share one execution (`shared.coalesce`);
- tool calls are counted and timed, and every write leaves one audit line.

A tool function returns either a pydantic model (sent as structuredContent plus its JSON text,
as the ChatGPT search/fetch contract wants) or a `Reply`: markdown for the model to read plus a
small structured summary (ids, URLs, cursors), so the same payload is never sent twice.
"""

from __future__ import annotations

import functools
import inspect
import json
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import Enum
from typing import Annotated, Any

from mcp.server import MCPServer
from mcp.types import CallToolResult, TextContent, ToolAnnotations
from pydantic import BaseModel

from . import metrics
from .coalesce import Flights
from .errors import ConnectorError
from .observability import audit, new_request_id

log = logging.getLogger(__name__)


class Effect(Enum):
    """What a tool does to the world; decides the annotation hints (see docs/tools.md)."""

    READ = "read"  # search, list, get: read-only
    ADD = "add"  # creates something new (issue, comment, link): additive, not destructive
    CHANGE = "change"  # overwrites or moves state (update, transition): destructive
    SEND = "send"  # leaves the organisation (send mail, share externally): destructive, open world


@dataclass
class Reply:
    markdown: str
    data: BaseModel
    target: str | None = None  # object written, for the audit line


@dataclass(frozen=True)
class Tool:
    name: str
    title: str
    description: str
    fn: Callable[..., Any]
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


def enabled(tools: Iterable[Tool], *, read_only: bool, toolsets: Iterable[str] = ()) -> list[Tool]:
    wanted = set(toolsets)
    return [
        t
        for t in tools
        if (not read_only or t.effect is Effect.READ) and (not wanted or t.toolset in wanted)
    ]


def _error(message: str) -> CallToolResult:
    """An `isError` result carrying exactly our message (raising would prefix it with SDK text)."""
    return CallToolResult(content=[TextContent(type="text", text=message)], is_error=True)


def _to_result(value: Any) -> Any:
    if isinstance(value, Reply):
        return CallToolResult(
            content=[TextContent(type="text", text=value.markdown)],
            structured_content=value.data.model_dump(mode="json", exclude_none=True),
        )
    if isinstance(value, BaseModel):  # the object twice, as the search/fetch contract asks: compact JSON
        return CallToolResult(
            content=[TextContent(type="text", text=value.model_dump_json(exclude_none=True))],
            structured_content=value.model_dump(mode="json", exclude_none=True),
        )
    return value


def _arguments_key(kwargs: dict[str, Any]) -> str:
    return json.dumps(kwargs, sort_keys=True, separators=(",", ":"), default=str)


def _bounded(tool: Tool, identity: Callable[[], str], flights: Flights) -> Callable[..., Any]:
    """Wrap a tool function in the error boundary, single flight for reads, metrics and audit."""
    signature = inspect.signature(tool.fn, eval_str=True)
    returned = signature.return_annotation
    output = tool.output or (returned if isinstance(returned, type) and issubclass(returned, BaseModel) else None)
    if output is not None:
        signature = signature.replace(return_annotation=Annotated[CallToolResult, output])

    @functools.wraps(tool.fn)
    async def call(**kwargs: Any) -> Any:
        rid = new_request_id()
        started = time.perf_counter()
        outcome, target = "ok", str(kwargs.get(tool.target_arg, "")) if tool.target_arg else ""
        who = ""
        try:
            who = identity()
            if tool.effect is Effect.READ:
                key = flights.key(who, tool.name, _arguments_key(kwargs))
                value = await flights.run(key, functools.partial(tool.fn, **kwargs), label=tool.name)
            else:
                flights.wrote(who)
                try:
                    value = await tool.fn(**kwargs)
                finally:
                    flights.wrote(who)
            if isinstance(value, Reply) and value.target:
                target = value.target
            return _to_result(value)
        except ConnectorError as exc:
            outcome = type(exc).__name__
            log.info("tool %s refused: %s", tool.name, exc)
            return _error(str(exc))
        except Exception:
            outcome = "internal_error"
            log.exception("tool %s failed", tool.name)
            return _error(
                f"Internal error in {tool.name} (request {rid}). Nothing more is known to the caller; "
                "the operators can trace it with this request id."
            )
        finally:
            metrics.TOOL_CALLS.labels(tool=tool.name, outcome=outcome).inc()
            metrics.TOOL_LATENCY.labels(tool=tool.name).observe(time.perf_counter() - started)
            if tool.effect is not Effect.READ and not kwargs.get("dry_run"):
                audit(identity=who or "?", tool=tool.name, target=target, outcome=outcome)

    call.__signature__ = signature  # type: ignore[attr-defined]
    return call


def compact_schema(schema: Any) -> Any:
    """Smaller, flatter JSON Schema: no generated titles, and `X | None` published as plain `X`.

    ChatGPT's whole tool list must fit in 5,000 tokens, and some clients reject `anyOf` with null.
    """
    if isinstance(schema, list):
        return [compact_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for key, value in schema.items():
        if key == "title" and isinstance(value, str):
            continue
        if key in ("properties", "$defs"):
            out[key] = {name: compact_schema(sub) for name, sub in value.items()}
        else:
            out[key] = compact_schema(value)
    if "default" in out and (out["default"] is False or out["default"] in ("", [], {})):
        out.pop("default")  # optional-and-empty is what "not required" already says
    variants = out.get("anyOf")
    if isinstance(variants, list) and len(variants) == 2 and {"type": "null"} in variants:
        out.pop("anyOf")
        out.update(next(v for v in variants if v != {"type": "null"}))
        if "default" in out and out["default"] is None:
            out.pop("default")
    return out


def inline_refs(schema: Any, defs: dict[str, Any] | None = None) -> Any:
    """Replace local `$ref`s by their definitions: strict clients reject `$ref` in tool schemas."""
    if isinstance(schema, dict):
        defs = {**(defs or {}), **schema.get("$defs", {})}
        ref = schema.get("$ref", "")
        if ref.startswith("#/$defs/"):
            return inline_refs(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: inline_refs(v, defs) for k, v in schema.items() if k != "$defs"}
    if isinstance(schema, list):
        return [inline_refs(v, defs) for v in schema]
    return schema


def _tighten(server: MCPServer, name: str) -> None:
    """Unknown arguments are an error, not silently ignored (the SDK's default); schemas compact."""
    registered = server._tool_manager.get_tool(name)  # noqa: SLF001 - no public hook for this
    base = registered.fn_metadata.arg_model
    strict = type(base.__name__, (base,), {"model_config": {**base.model_config, "extra": "forbid"}})
    registered.fn_metadata.arg_model = strict
    registered.parameters = inline_refs(compact_schema(registered.parameters)) | {"additionalProperties": False}
    if registered.fn_metadata.output_schema is not None:
        output = registered.fn_metadata.output_schema
        registered.fn_metadata.output_schema = inline_refs(_undescribed(compact_schema(output)))


def _undescribed(schema: Any) -> Any:
    """Output schemas are for machines: field names say enough."""
    if isinstance(schema, dict):
        return {k: _undescribed(v) for k, v in schema.items() if not (k == "description" and isinstance(v, str))}
    if isinstance(schema, list):
        return [_undescribed(v) for v in schema]
    return schema


def register(server: MCPServer, tools: Iterable[Tool], *, identity: Callable[[], str]) -> None:
    flights = Flights()
    for tool in tools:
        server.add_tool(
            _bounded(tool, identity, flights),
            name=tool.name,
            title=tool.title,
            description=tool.description,
            annotations=tool.annotations,
            meta=tool.meta,
        )
        _tighten(server, tool.name)
