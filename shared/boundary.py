"""Registration: every tool call goes through one boundary, whatever the connector.

`register()` binds each declared tool to the runtime and registers it on the SDK server with
all four annotation hints explicit, a compact schema and unknown arguments refused. Each call:
- resolves who is calling (`shared.caller`) and the credential to act with, for this call only;
- turns a `ConnectorError` into an `isError` result carrying its actionable message;
- turns anything unexpected into a generic error naming the request id (the traceback is logged,
  never sent);
- lets identical concurrent reads by one identity share one execution (`shared.coalesce`);
- counts and times the call, and leaves one audit line per write.
"""

from __future__ import annotations

import functools
import inspect
import json
import logging
import time
from collections.abc import Callable, Iterable
from typing import Annotated, Any, Protocol

from mcp.server import MCPServer
from mcp.types import CallToolResult, TextContent
from pydantic import BaseModel

from . import metrics
from .caller import acting, inbound_caller
from .coalesce import Flights
from .credentials import CredentialProvider
from .errors import ConnectorError
from .observability import audit, new_request_id
from .schemas import compact_schema, inline_refs, undescribed
from .tools import Effect, Reply, Tool

log = logging.getLogger(__name__)


class Bindable(Protocol):
    """What registration needs from a runtime: how to turn a caller into a credential."""

    credentials: CredentialProvider


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


def published_signature(tool: Tool) -> inspect.Signature:
    """The tool function's signature without its runtime parameter: what the input schema is made from."""
    signature = inspect.signature(tool.fn, eval_str=True)
    parameters = list(signature.parameters.values())[1:]
    returned = signature.return_annotation
    output = tool.output or (returned if isinstance(returned, type) and issubclass(returned, BaseModel) else None)
    return_annotation = Annotated[CallToolResult, output] if output is not None else returned
    return signature.replace(parameters=parameters, return_annotation=return_annotation)


def bound(tool: Tool, runtime: Bindable, flights: Flights) -> Callable[..., Any]:
    """The tool function with its runtime bound, inside the error boundary."""
    signature = published_signature(tool)

    @functools.wraps(tool.fn)
    async def call(**kwargs: Any) -> Any:
        rid = new_request_id()
        started = time.perf_counter()
        outcome, target = "ok", str(kwargs.get(tool.target_arg, "")) if tool.target_arg else ""
        who = ""
        token = None
        try:
            credential = await runtime.credentials.for_caller(inbound_caller())
            token = acting.set(credential)
            who = credential.identity
            run = functools.partial(tool.fn, runtime, **kwargs)
            if tool.effect is Effect.READ:
                value = await flights.run(flights.key(who, tool.name, _arguments_key(kwargs)), run, label=tool.name)
            else:
                flights.wrote(who)
                try:
                    value = await run()
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
            if token is not None:
                acting.reset(token)
            metrics.TOOL_CALLS.labels(tool=tool.name, outcome=outcome).inc()
            metrics.TOOL_LATENCY.labels(tool=tool.name).observe(time.perf_counter() - started)
            if tool.effect is not Effect.READ and not kwargs.get("dry_run"):
                audit(identity=who or "?", tool=tool.name, target=target, outcome=outcome)

    call.__signature__ = signature  # type: ignore[attr-defined]
    return call


def _tighten(server: MCPServer, name: str) -> None:
    """Unknown arguments are an error, not silently ignored (the SDK's default); schemas compact."""
    registered = server._tool_manager.get_tool(name)  # noqa: SLF001 - no public hook for this
    assert registered is not None
    base = registered.fn_metadata.arg_model
    strict = type(base.__name__, (base,), {"model_config": {**base.model_config, "extra": "forbid"}})
    registered.fn_metadata.arg_model = strict
    registered.parameters = inline_refs(compact_schema(registered.parameters)) | {"additionalProperties": False}
    if registered.fn_metadata.output_schema is not None:
        output = registered.fn_metadata.output_schema
        registered.fn_metadata.output_schema = inline_refs(undescribed(compact_schema(output)))


def register(server: MCPServer, tools: Iterable[Tool], runtime: Bindable) -> None:
    flights = Flights()
    for tool in tools:
        server.add_tool(
            bound(tool, runtime, flights),
            name=tool.name,
            title=tool.title,
            description=tool.description,
            annotations=tool.annotations,
            meta=tool.meta,
        )
        _tighten(server, tool.name)
