"""Tool declaration and the error boundary, driven through a real MCP client in memory."""

from __future__ import annotations

import json
import logging
import re
from typing import Annotated, Literal

import pytest
from mcp import Client
from mcp.server import MCPServer
from pydantic import BaseModel, Field, SecretStr

from shared.boundary import register
from shared.credentials import ConfiguredAccount, Credential, CredentialProvider
from shared.errors import ConnectorError, NotFound
from shared.observability import JsonFormatter
from shared.schemas import compact_schema, inline_refs
from shared.tools import Effect, Reply, Tool, enabled

# -- declarations ----------------------------------------------------------------------------


async def _noop(rt) -> str:
    return "ok"


class FakeRuntime:
    """What registration needs from a runtime: who acts (one configured account here)."""

    credentials: CredentialProvider = ConfiguredAccount(
        Credential("alice@example.com", "bearer", SecretStr("not-a-secret"))
    )


def tool(name="t", effect=Effect.READ, toolset="core", **extra) -> Tool:
    return Tool(name=name, title="Title", description="Description", fn=_noop, effect=effect, toolset=toolset, **extra)


@pytest.mark.parametrize(
    ("effect", "read_only", "destructive", "open_world", "idempotent"),
    [
        (Effect.READ, True, False, False, True),
        (Effect.ADD, False, False, False, False),
        (Effect.CHANGE, False, True, False, False),
        (Effect.SEND, False, True, True, False),
    ],
)
def test_effect_sets_all_four_hints_explicitly(effect, read_only, destructive, open_world, idempotent):
    hints = tool(effect=effect).annotations
    assert hints.read_only_hint is read_only
    assert hints.destructive_hint is destructive
    assert hints.open_world_hint is open_world
    assert hints.idempotent_hint is idempotent


def test_idempotent_can_be_declared():
    assert tool(effect=Effect.CHANGE, idempotent=True).annotations.idempotent_hint is True
    assert tool(effect=Effect.READ, idempotent=False).annotations.idempotent_hint is False


def test_meta_defaults_and_truncation():
    meta = tool().meta
    assert meta["openai/toolInvocation/invoking"] == "Title…"
    assert meta["openai/toolInvocation/invoked"] == "Title: done"
    long = tool(invoking="x" * 100, extra_meta={"openai/widget": "w"}).meta
    assert len(long["openai/toolInvocation/invoking"]) == 64
    assert long["openai/widget"] == "w"


TOOLS = [
    tool("search", Effect.READ, "search"),
    tool("get", Effect.READ, "issues"),
    tool("create", Effect.ADD, "issues"),
    tool("update", Effect.CHANGE, "issues"),
    tool("mail", Effect.SEND, "mail"),
]


def names(tools) -> list[str]:
    return [t.name for t in tools]


def test_enabled_without_filters_keeps_everything():
    assert names(enabled(TOOLS, read_only=False)) == ["search", "get", "create", "update", "mail"]


def test_enabled_read_only_keeps_reads_only():
    assert names(enabled(TOOLS, read_only=True)) == ["search", "get"]


def test_enabled_toolsets_filter():
    assert names(enabled(TOOLS, read_only=False, toolsets=["issues"])) == ["get", "create", "update"]
    assert names(enabled(TOOLS, read_only=True, toolsets=["issues", "mail"])) == ["get"]
    assert names(enabled(TOOLS, read_only=False, toolsets=["nope"])) == []


# -- schemas ---------------------------------------------------------------------------------


def test_compact_schema_drops_titles_and_flattens_optional():
    schema = {
        "title": "searchArguments",
        "type": "object",
        "properties": {
            "title": {"title": "Title", "type": "string"},  # a property *named* title survives
            "limit": {"anyOf": [{"type": "integer"}, {"type": "null"}], "default": None, "title": "Limit"},
            "verbose": {"type": "boolean", "default": False, "title": "Verbose"},
            "fields": {"type": "array", "items": {"type": "string"}, "default": []},
            "page": {"type": "integer", "default": 50},
            "either": {"anyOf": [{"type": "integer"}, {"type": "string"}]},
        },
        "required": ["title"],
    }
    assert compact_schema(schema) == {
        "type": "object",
        "properties": {
            "title": {"type": "string"},
            "limit": {"type": "integer"},
            "verbose": {"type": "boolean"},
            "fields": {"type": "array", "items": {"type": "string"}},
            "page": {"type": "integer", "default": 50},
            "either": {"anyOf": [{"type": "integer"}, {"type": "string"}]},
        },
        "required": ["title"],
    }


def test_compact_schema_keeps_a_non_null_default_of_an_optional():
    flattened = compact_schema({"anyOf": [{"type": "string"}, {"type": "null"}], "default": "open"})
    assert flattened == {"type": "string", "default": "open"}


def test_inline_refs_replaces_refs_and_drops_defs():
    schema = {
        "type": "object",
        "properties": {
            "filter": {"$ref": "#/$defs/Filter"},
            "many": {"type": "array", "items": {"$ref": "#/$defs/Filter"}},
        },
        "$defs": {
            "Filter": {"type": "object", "properties": {"status": {"$ref": "#/$defs/Status"}}},
            "Status": {"enum": ["open", "done"], "type": "string"},
        },
    }
    inlined = inline_refs(schema)
    expected_filter = {"type": "object", "properties": {"status": {"enum": ["open", "done"], "type": "string"}}}
    assert inlined == {
        "type": "object",
        "properties": {"filter": expected_filter, "many": {"type": "array", "items": expected_filter}},
    }
    assert "$ref" not in json.dumps(inlined) and "$defs" not in json.dumps(inlined)


# -- through an MCP client -------------------------------------------------------------------


class Filter(BaseModel):
    status: Literal["open", "done"] = "open"
    labels: list[str] = []


class Found(BaseModel):
    key: str
    note: str | None = None


class Summary(BaseModel):
    key: str
    url: str | None = None


calls: list[dict] = []


async def get_issue(rt, key: str, limit: int | None = None, verbose: bool = False) -> Found:
    """Get an issue."""
    calls.append({"key": key, "limit": limit})
    if key == "MISSING-1":
        raise NotFound("Issue MISSING-1 does not exist or you cannot see it.")
    if key == "CRASH-1":
        raise RuntimeError("db password=hunter2 exploded")
    if key == "NONE-1":
        return Found(key=key)  # note stays None
    return Found(key=key, note="seen")


async def search(rt, filter: Filter | None = None, query: Annotated[str, Field(description="Text")] = "") -> str:
    """Search."""
    return f"status={filter.status if filter else None} labels={filter.labels if filter else None} q={query}"


async def create_issue(rt, project: str, summary: str, dry_run: bool = False) -> Reply:
    """Create."""
    if project == "FAIL":
        raise ConnectorError("Jira refused the project.")
    return Reply(
        markdown=f"Created **{project}-9**: {summary}", data=Summary(key=f"{project}-9"), target=f"{project}-9"
    )


async def transition(rt, key: str) -> str:
    return f"moved {key}"


def make_server() -> MCPServer:
    server = MCPServer("demo")
    register(
        server,
        [
            Tool(
                name="get_issue",
                title="Get issue",
                description="One issue.",
                fn=get_issue,
                effect=Effect.READ,
                toolset="issues",
            ),
            Tool(
                name="search",
                title="Search",
                description="Search issues.",
                fn=search,
                effect=Effect.READ,
                toolset="search",
            ),
            Tool(
                name="create_issue",
                title="Create issue",
                description="Create one.",
                fn=create_issue,
                effect=Effect.ADD,
                toolset="issues",
                output=Summary,
                target_arg="project",
            ),
            Tool(
                name="transition",
                title="Transition",
                description="Move it.",
                fn=transition,
                effect=Effect.CHANGE,
                toolset="issues",
                target_arg="key",
            ),
        ],
        FakeRuntime(),
    )
    return server


@pytest.fixture
async def client():
    calls.clear()
    async with Client(make_server()) as connected:
        yield connected


def text_of(result) -> str:
    assert len(result.content) == 1
    return result.content[0].text


@pytest.mark.anyio
async def test_listed_tools_carry_hints_meta_and_compact_schemas(client):
    listed = {t.name: t for t in (await client.list_tools()).tools}
    get = listed["get_issue"]
    assert get.title == "Get issue" and get.description == "One issue."
    hints = get.annotations
    assert (hints.read_only_hint, hints.destructive_hint, hints.open_world_hint, hints.idempotent_hint) == (
        True,
        False,
        False,
        True,
    )
    change = listed["transition"].annotations
    assert (change.read_only_hint, change.destructive_hint, change.open_world_hint, change.idempotent_hint) == (
        False,
        True,
        False,
        False,
    )
    assert get.meta["openai/toolInvocation/invoking"] == "Get issue…"
    assert get.input_schema == {
        "type": "object",
        "properties": {"key": {"type": "string"}, "limit": {"type": "integer"}, "verbose": {"type": "boolean"}},
        "required": ["key"],
        "additionalProperties": False,
    }


@pytest.mark.anyio
async def test_nested_models_are_inlined_in_the_input_schema(client):
    listed = {t.name: t for t in (await client.list_tools()).tools}
    schema = listed["search"].input_schema
    dumped = json.dumps(schema)
    assert "$ref" not in dumped and "$defs" not in dumped and '"title"' not in dumped
    assert schema["properties"]["filter"]["properties"]["status"]["enum"] == ["open", "done"]
    assert schema["properties"]["query"] == {"type": "string", "description": "Text"}
    result = await client.call_tool("search", {"filter": {"status": "done", "labels": ["x"]}})
    assert not result.is_error
    assert text_of(result) == "status=done labels=['x'] q="


@pytest.mark.anyio
async def test_successful_call_returns_the_model(client):
    result = await client.call_tool("get_issue", {"key": "PROJ-1", "limit": 5})
    assert not result.is_error
    assert result.structured_content == {"key": "PROJ-1", "note": "seen"}
    assert calls == [{"key": "PROJ-1", "limit": 5}]


@pytest.mark.anyio
async def test_unknown_argument_is_an_error_naming_it(client):
    result = await client.call_tool("get_issue", {"key": "PROJ-1", "maxResults": 5})
    assert result.is_error
    assert "maxResults" in text_of(result)
    assert calls == []  # the tool never ran


@pytest.mark.anyio
async def test_connector_error_reaches_the_model_with_its_message(client):
    result = await client.call_tool("get_issue", {"key": "MISSING-1"})
    assert result.is_error
    text = text_of(result)
    assert text.endswith("Issue MISSING-1 does not exist or you cannot see it.")
    assert "Traceback" not in text


@pytest.mark.anyio
async def test_connector_error_text_is_exactly_its_message(client):
    """errors.py promises the isError text *is* the ConnectorError message.

    Regression: raising ToolError let the SDK prefix the text with "Error executing tool <name>: ".
    """
    result = await client.call_tool("get_issue", {"key": "MISSING-1"})
    assert result.is_error
    assert text_of(result) == "Issue MISSING-1 does not exist or you cannot see it."


@pytest.mark.anyio
async def test_unexpected_exception_is_generic_with_a_traceable_request_id(client):
    lines: list[str] = []
    handler = logging.Handler()
    handler.setFormatter(JsonFormatter())
    handler.emit = lambda record: lines.append(handler.format(record))  # type: ignore[method-assign]
    tools_log = logging.getLogger("shared.boundary")
    tools_log.addHandler(handler)
    try:
        result = await client.call_tool("get_issue", {"key": "CRASH-1"})
    finally:
        tools_log.removeHandler(handler)
    assert result.is_error
    text = text_of(result)
    assert "Internal error" in text
    assert "hunter2" not in text and "exploded" not in text and "RuntimeError" not in text
    rid = re.search(r"request ([0-9a-f]{16})", text).group(1)
    (logged,) = [json.loads(line) for line in lines]
    assert logged["request_id"] == rid  # operators can find the traceback from the id
    assert "RuntimeError" in logged["error"]
    assert "hunter2" not in logged["error"]


@pytest.mark.anyio
async def test_reply_sends_markdown_and_structured_data_without_nulls(client, caplog):
    caplog.set_level(logging.INFO, logger="audit")
    result = await client.call_tool("create_issue", {"project": "PROJ", "summary": "Fix login"})
    assert not result.is_error
    assert text_of(result) == "Created **PROJ-9**: Fix login"
    assert result.structured_content == {"key": "PROJ-9"}
    (audit,) = [r for r in caplog.records if r.name == "audit"]
    assert audit.fields == {
        "audit": True,
        "identity": "alice@example.com",
        "tool": "create_issue",
        "target": "PROJ-9",
        "outcome": "ok",
    }


@pytest.mark.anyio
async def test_failed_write_is_audited_with_its_outcome(client, caplog):
    caplog.set_level(logging.INFO, logger="audit")
    result = await client.call_tool("create_issue", {"project": "FAIL", "summary": "x"})
    assert result.is_error
    (audit,) = [r for r in caplog.records if r.name == "audit"]
    assert audit.fields["outcome"] == "ConnectorError"
    assert audit.fields["target"] == "FAIL"


@pytest.mark.anyio
async def test_reads_and_dry_runs_are_not_audited(client, caplog):
    caplog.set_level(logging.INFO, logger="audit")
    await client.call_tool("get_issue", {"key": "PROJ-1"})
    await client.call_tool("create_issue", {"project": "PROJ", "summary": "x", "dry_run": True})
    assert [r for r in caplog.records if r.name == "audit"] == []
    await client.call_tool("transition", {"key": "PROJ-3"})
    (audit,) = [r for r in caplog.records if r.name == "audit"]
    assert audit.fields["target"] == "PROJ-3"


@pytest.mark.anyio
async def test_optional_output_field_left_empty_is_a_valid_result(client):
    """A tool returning a model whose optional field is None must still succeed.

    Regression: `_tighten` publishes `note: str | None` as `{"type": "string"}` (compact output
    schema), so a `"note": null` in structuredContent made the MCP client reject the result.
    """
    result = await client.call_tool("get_issue", {"key": "NONE-1"})
    assert not result.is_error
    assert result.structured_content["key"] == "NONE-1"
    assert result.structured_content.get("note") is None
