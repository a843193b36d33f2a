"""Registration: every tool call goes through one boundary, whatever the connector.

`register()` binds each declared tool to the runtime and registers it on the SDK server with
all four annotation hints explicit, a compact schema and unknown arguments refused. Each call:
- checks the arguments (`Arguments`): unknown ones refused, a single value taken as a one-element
  list, NaN/infinity refused, every problem explained in one line naming the argument;
- resolves who is calling (`shared.caller`) and the credential to act with, for this call only;
- bounds the call's time with one deadline (`shared.http.call_deadline`, `*_CALL_DEADLINE_SECONDS`);
- turns a `ConnectorError` into an `isError` result carrying its actionable message (an uncertain
  write says how to resolve it: the same idempotency_key where the tool takes one);
- bounds every result and error in size, and never echoes more than a little of an argument;
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
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Iterator
from typing import Annotated, Any, Protocol

from mcp.server import MCPServer
from mcp.server.mcpserver.utilities.func_metadata import ArgModelBase, FuncMetadata
from mcp.types import CallToolResult, TextContent
from pydantic import BaseModel, ConfigDict, ValidationError

from . import metrics
from .access import Access
from .caller import acting, inbound_caller
from .coalesce import Flights
from .credentials import CredentialProvider
from .errors import AuthFailed, ConnectorError, InvalidInput, UncertainWrite
from .http import call_deadline
from .observability import audit, new_request_id
from .schemas import (
    argument_problems,
    as_lists,
    compact_schema,
    inline_refs,
    list_arguments,
    non_finite,
    undescribed,
    unpaired_surrogate,
)
from .shaping import clip
from .tools import Effect, Reply, Tool

log = logging.getLogger(__name__)

DEFAULT_DEADLINE_SECONDS = 25.0  # one tool call, every upstream retry and wait included (settings override)
MAX_RESULT_CHARS = 100_000  # backstop on a result's text; tools shape theirs far below (shared.shaping)
MAX_ERROR_CHARS = 1_000
ECHO_CHARS = 200  # an error never quotes more of one argument value than this
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # C0 controls and DEL; tab, CR and LF stay


class Bindable(Protocol):
    """What registration needs from a runtime: how to turn a caller into a credential."""

    credentials: CredentialProvider


def _error(message: str, arguments: dict[str, Any] | None = None) -> CallToolResult:
    """An `isError` result carrying our message (raising would prefix it with SDK text), bounded:
    long argument values it echoes are cut, control characters escaped, the whole text capped."""
    for value in _long_strings(arguments or {}):
        message = _clip_echo(message, value)
    message = _escaped(message)
    if len(message) > MAX_ERROR_CHARS:
        message = message[: MAX_ERROR_CHARS - 15].rstrip() + " […truncated]"
    return CallToolResult(content=[TextContent(type="text", text=message)], is_error=True)


def _long_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        if len(value) > ECHO_CHARS:
            yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _long_strings(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _long_strings(item)


def _clip_echo(message: str, value: str) -> str:
    """Every stretch of `message` that repeats more than ECHO_CHARS characters of `value`, cut there."""
    head, start = value[:ECHO_CHARS], 0
    while (at := message.find(head, start)) >= 0:
        end = at + ECHO_CHARS
        while end < len(message) and end - at < len(value) and message[end] == value[end - at]:
            end += 1
        cut = f"{head}… ({len(value)} characters)"
        message, start = message[:at] + cut + message[end:], at + len(cut)
    return message


def _escaped(text: str) -> str:
    """Control characters (tabs and line breaks aside) as visible escapes: never raw into a terminal or a prompt."""
    return CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def _bounded(result: Any) -> Any:
    """Every result's text capped (a backstop: tools shape their results far below it), controls escaped."""
    hint = "The result was too large to send whole; ask for less (filters, a smaller limit, a section)."
    if isinstance(result, str):
        return clip(_escaped(result), MAX_RESULT_CHARS, hint)[0]
    if isinstance(result, CallToolResult):
        for item in result.content:
            if isinstance(item, TextContent):
                item.text = clip(_escaped(item.text), MAX_RESULT_CHARS, hint)[0]
    return result


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


def bound(
    tool: Tool,
    runtime: Bindable,
    flights: Flights,
    arguments: Arguments | None = None,
    access: Access | None = None,
) -> Callable[..., Any]:
    """The tool function with its runtime bound, inside the error boundary.

    With `arguments`, the function receives the raw arguments and checks them itself (see `register`).
    With `access` (sign-in on), the caller's scopes must allow the tool, and a refusal the person can fix
    (missing scope, upstream link missing or refused) carries the challenge ChatGPT turns into a sign-in.
    """
    signature = published_signature(tool)
    keyed = "idempotency_key" in signature.parameters
    settings = getattr(runtime, "settings", None)
    deadline = float(getattr(settings, "call_deadline_seconds", DEFAULT_DEADLINE_SECONDS))

    @functools.wraps(tool.fn)
    async def call(**raw: Any) -> Any:
        rid = new_request_id()
        started = time.perf_counter()
        outcome, target, who = "ok", "", ""
        kwargs: dict[str, Any] = {}
        token = None
        try:
            kwargs = arguments.check(raw) if arguments is not None else raw
            target = str(kwargs.get(tool.target_arg, "")) if tool.target_arg else ""
            caller = inbound_caller()
            if access is not None and not access.allows(tool, caller.scopes):
                outcome = "insufficient_scope"
                return _challenge(access, tool, "insufficient_scope", _scope_message(access, tool))
            credential = await runtime.credentials.for_caller(caller)
            token = acting.set(credential)
            who = credential.identity
            run = functools.partial(tool.fn, runtime, **kwargs)
            with call_deadline(deadline):
                try:
                    value = await _execute(tool, run, flights, who, kwargs)
                except AuthFailed:
                    # The upstream refused the person's token before doing anything (401): renew it once, if the
                    # provider can (a refresh token in the vault), and try again; else the person reconnects.
                    renew = getattr(runtime.credentials, "refreshed", None)
                    if renew is None:
                        raise
                    credential = await renew(caller, credential)
                    acting.reset(token)
                    token = acting.set(credential)
                    value = await _execute(tool, run, flights, who, kwargs)
            if isinstance(value, Reply) and value.target:
                target = value.target
            return _bounded(_to_result(value))
        except AuthFailed as exc:
            outcome = type(exc).__name__
            # `log_text`, when an error has one: its message carries something for the caller alone (a one-time link).
            log.info("tool %s refused: %s", tool.name, getattr(exc, "log_text", exc))
            if getattr(exc, "link", None):  # signing in again would not help: the error says what to open
                return _error(f"{exc} {getattr(exc, 'remedy', '')}".strip(), raw)
            if access is None:
                return _error(_message(exc, tool, keyed, kwargs), raw)
            return _challenge(access, tool, "invalid_token", f"{exc} Sign in again: ChatGPT offers to reconnect.")
        except ConnectorError as exc:
            outcome = type(exc).__name__
            log.info("tool %s refused: %s", tool.name, exc)
            return _error(_message(exc, tool, keyed, kwargs), raw)
        except Exception:
            outcome = "internal_error"
            log.exception("tool %s failed", tool.name)
            return _error(
                f"Internal error in {tool.name} (request {rid}). Nothing more is known to the caller; "
                "the operators can trace it with this request id.",
                raw,
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


async def _execute(
    tool: Tool, run: Callable[[], Awaitable[Any]], flights: Flights, who: str, kwargs: dict[str, Any]
) -> Any:
    """Run the tool: reads may share a flight with identical concurrent reads; writes end every flight."""
    if tool.effect is Effect.READ:
        return await flights.run(flights.key(who, tool.name, _arguments_key(kwargs)), run, label=tool.name)
    flights.wrote(who)
    try:
        return await run()
    finally:
        flights.wrote(who)


def _scope_message(access: Access, tool: Tool) -> str:
    needed = " ".join(access.scopes_for(tool))
    return (
        f"Your sign-in does not allow {tool.name} (it needs {needed}). Nothing was done. "
        "Sign in again and grant that permission: ChatGPT offers to reconnect."
    )


def _challenge(access: Access, tool: Tool, error: str, message: str) -> CallToolResult:
    """An error result with `_meta["mcp/www_authenticate"]`, so ChatGPT offers to sign in (again)."""
    meta = access.challenge(error, message, access.scopes_for(tool))
    return CallToolResult(content=[TextContent(type="text", text=message)], is_error=True, _meta=meta)


def _message(exc: ConnectorError, tool: Tool, keyed: bool, kwargs: dict[str, Any]) -> str:
    """The error text; an uncertain write says how to resolve it with what this tool offers."""
    if not isinstance(exc, UncertainWrite):
        return str(exc)
    if tool.effect is Effect.READ:  # a read that met a failed request: nothing was changed
        return f"{exc.upstream or 'The upstream'} did not answer. Try again shortly."
    if keyed and kwargs.get("idempotency_key"):
        return (
            f"{exc} Retry with the same idempotency_key: the retry first looks for what this attempt "
            "wrote and only writes if it finds nothing."
        )
    if keyed:
        return (
            f"{exc} Check whether it was applied before repeating it; pass an idempotency_key next time, "
            "so that a retry resolves this safely."
        )
    return f"{exc} Check whether it was applied before repeating it."


class RawArguments(ArgModelBase):
    """What the SDK validates: nothing. The boundary checks arguments, so every argument error is ours."""

    model_config = ConfigDict(extra="allow", arbitrary_types_allowed=True)

    def model_dump_one_level(self) -> dict[str, Any]:
        return dict(self.__pydantic_extra__ or {})


class Arguments:
    """One tool's argument check: the model the SDK built from the signature, made strict, with our messages.

    Unknown arguments are refused (the SDK ignores them); a single value where a list is expected
    becomes a one-element list; NaN and infinite numbers are refused by name.
    """

    def __init__(self) -> None:
        self.meta: FuncMetadata | None = None
        self.lists: frozenset[str] = frozenset()
        self.accepted: list[str] = []

    def adopt(self, sdk_model: type[ArgModelBase]) -> None:
        config = {**sdk_model.model_config, "extra": "forbid", "allow_inf_nan": False}
        strict: type[ArgModelBase] = type(sdk_model.__name__, (sdk_model,), {"model_config": config})
        self.meta = FuncMetadata(arg_model=strict)
        self.lists = list_arguments(strict)
        self.accepted = [field.alias or name for name, field in strict.model_fields.items()]

    def check(self, raw: dict[str, Any]) -> dict[str, Any]:
        assert self.meta is not None, "adopt() runs at registration"
        arguments = self.meta.pre_parse_json(as_lists(raw, self.lists))
        for name, value in arguments.items():
            if (path := non_finite(value, name)) is not None:
                raise InvalidInput(f"Argument '{path}' is not a finite number (NaN or Infinity): give a plain number.")
            if (path := unpaired_surrogate(value, name)) is not None:
                raise InvalidInput(
                    f"Argument '{path}' holds an invalid character (half of a UTF-16 surrogate pair): send valid text."
                )
        try:
            validated = self.meta.arg_model.model_validate(arguments)
        except ValidationError as exc:
            raise InvalidInput(argument_problems(exc, self.accepted)) from None
        return validated.model_dump_one_level()


def _tighten(server: MCPServer, name: str, arguments: Arguments) -> None:
    """Arguments are checked by the boundary (`Arguments`), not the SDK; schemas compact."""
    registered = server._tool_manager.get_tool(name)  # noqa: SLF001 - no public hook for this
    assert registered is not None
    arguments.adopt(registered.fn_metadata.arg_model)
    registered.fn_metadata.arg_model = RawArguments
    registered.parameters = inline_refs(compact_schema(registered.parameters)) | {"additionalProperties": False}
    if registered.fn_metadata.output_schema is not None:
        output = registered.fn_metadata.output_schema
        registered.fn_metadata.output_schema = inline_refs(undescribed(compact_schema(output)))


def register(server: MCPServer, tools: Iterable[Tool], runtime: Bindable, access: Access | None = None) -> None:
    flights = Flights()
    for tool in tools:
        arguments = Arguments()
        server.add_tool(
            bound(tool, runtime, flights, arguments, access),
            name=tool.name,
            title=tool.title,
            description=tool.description,
            annotations=tool.annotations,
            meta=tool.meta | (access.meta(tool) if access is not None else {}),
        )
        _tighten(server, tool.name, arguments)
