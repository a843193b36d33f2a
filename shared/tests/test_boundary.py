"""The boundary's own argument errors, size bounds and uncertain-write advice, through a real MCP client."""

from __future__ import annotations

import re
from typing import Annotated, Any

import pytest
from mcp import Client
from mcp.server import MCPServer
from pydantic import BaseModel, Field, SecretStr

from shared.boundary import ECHO_CHARS, MAX_ERROR_CHARS, MAX_RESULT_CHARS, register
from shared.credentials import ConfiguredAccount, Credential, CredentialProvider
from shared.errors import InvalidInput, UncertainWrite
from shared.tools import Effect, Tool

pytestmark = pytest.mark.anyio
received: list[dict[str, Any]] = []


class Runtime:
    credentials: CredentialProvider = ConfiguredAccount(
        Credential("alice@example.com", "bearer", SecretStr("not-a-secret"))
    )


class Window(BaseModel):
    since: str
    days: int = 1


async def find(
    rt: Runtime,
    key: str,
    limit: Annotated[int, Field(ge=1, le=100)] = 20,
    labels: list[str] = [],
    ids: list[int] | None = None,
    ratio: float = 1.0,
    window: Window | None = None,
    fields: dict[str, Any] = {},
) -> str:
    received.append({"key": key, "limit": limit, "labels": labels, "ids": ids, "ratio": ratio})
    if key.startswith("echo:"):
        raise InvalidInput(f'Project "{key}" was not found. Give a project key such as SHOP.')
    if key == "huge":
        return "line of text\n" * 20_000
    if key.startswith("raw:"):
        return f"No project matches {key[4:]}.\r\n"
    return "ok"


async def create(rt: Runtime, summary: str, idempotency_key: str = "") -> str:
    raise UncertainWrite("Jira", "Jira is having trouble (HTTP 502)")


async def comment(rt: Runtime, body: str) -> str:
    raise UncertainWrite("Jira", "no answer came back")


async def look(rt: Runtime, query: str) -> str:
    raise UncertainWrite("Jira", "no answer came back")


def declared(name: str, fn, effect: Effect) -> Tool:
    return Tool(name=name, title=name, description=name, fn=fn, effect=effect, toolset="t")


@pytest.fixture
async def client():
    received.clear()
    server = MCPServer("demo")
    tools = [
        declared("find", find, Effect.READ),
        declared("create", create, Effect.ADD),
        declared("comment", comment, Effect.ADD),
        declared("look", look, Effect.READ),
    ]
    register(server, tools, Runtime())
    async with Client(server) as connected:
        yield connected


async def error_of(client, tool: str, arguments: dict[str, Any]) -> str:
    result = await client.call_tool(tool, arguments)
    assert result.is_error, result
    (item,) = result.content
    return item.text


def assert_ours(text: str) -> None:
    assert "pydantic" not in text and "Arguments" not in text and "Traceback" not in text
    assert "Error executing tool" not in text and len(text) <= MAX_ERROR_CHARS


# -- argument errors --------------------------------------------------------------------------------


async def test_a_wrong_type_names_the_argument_and_what_is_expected(client):
    text = await error_of(client, "find", {"key": "SHOP-1", "limit": "many"})
    assert_ours(text)
    assert text.startswith("Argument 'limit': expected a valid integer") and "'many'" in text
    assert received == []


async def test_an_out_of_range_number_says_the_bound(client):
    text = await error_of(client, "find", {"key": "SHOP-1", "limit": 1000})
    assert_ours(text)
    assert "Argument 'limit'" in text and "less than or equal to 100" in text


async def test_a_nested_problem_names_its_path(client):
    text = await error_of(client, "find", {"key": "SHOP-1", "window": {"since": "x", "days": "lots"}})
    assert_ours(text)
    assert "Argument 'window.days'" in text


async def test_a_missing_argument_is_named(client):
    text = await error_of(client, "find", {})
    assert_ours(text)
    assert text == "Argument 'key' is required."


async def test_an_unknown_argument_is_named_first_with_what_the_tool_takes(client):
    text = await error_of(client, "find", {"maxResults": 5})
    assert_ours(text)
    assert text.startswith("Unknown argument 'maxResults'. This tool takes: key, limit, labels, ids, ratio")


@pytest.mark.parametrize(
    ("arguments", "labels", "ids"),
    [
        ({"labels": "urgent"}, ["urgent"], None),
        ({"labels": '["a", "b"]'}, ["a", "b"], None),
        ({"ids": 7}, [], [7]),
        ({"ids": "7"}, [], [7]),
    ],
)
async def test_a_single_value_where_a_list_is_expected_is_a_one_element_list(client, arguments, labels, ids):
    result = await client.call_tool("find", {"key": "SHOP-1", **arguments})
    assert not result.is_error, result.content[0].text
    assert received[-1]["labels"] == labels and received[-1]["ids"] == ids


@pytest.mark.parametrize("value", ["NaN", "Infinity", "-inf"])
async def test_nan_and_infinity_spelled_as_strings_are_refused_by_name(client, value):
    text = await error_of(client, "find", {"key": "SHOP-1", "ratio": value})
    assert_ours(text)
    assert text.startswith("Argument 'ratio': expected a finite number")
    assert received == []


@pytest.fixture(scope="module")
def http_url():
    import requests

    from shared.testing import serve_in_thread

    server = MCPServer("demo")
    register(server, [declared("find", find, Effect.READ)], Runtime())
    with serve_in_thread(server.streamable_http_app(stateless_http=True, json_response=True)) as base:
        with requests.Session() as session:
            yield base + "/mcp", session


@pytest.mark.parametrize(
    ("arguments", "path"),
    [
        ('"ratio": NaN', "ratio"),
        ('"ratio": -Infinity', "ratio"),
        ('"fields": {"Story Points": [1, Infinity]}', "fields.Story Points[1]"),
    ],
)
def test_nan_and_infinity_literals_over_http_are_refused_with_their_path(http_url, arguments, path):
    """JSON parsers of Python accept NaN and Infinity; such a number must never reach an upstream request."""
    url, session = http_url
    params = '{"name": "find", "arguments": {"key": "SHOP-1", ' + arguments + "}}"
    body = '{"jsonrpc": "2.0", "id": 1, "method": "tools/call", "params": ' + params + "}"
    headers = {"Content-Type": "application/json", "Accept": "application/json, text/event-stream"}
    answer = session.post(url, data=body, headers={**headers, "MCP-Protocol-Version": "2025-06-18"}, timeout=10)
    result = answer.json()["result"]
    assert result["isError"]
    assert (
        result["content"][0]["text"]
        == f"Argument '{path}' is not a finite number (NaN or Infinity): give a plain number."
    )


async def test_half_a_surrogate_pair_is_refused_by_path_before_any_upstream_call(client):
    text = await error_of(client, "find", {"key": "SHOP-1", "labels": ["ok", "\ud800x"]})
    assert text.startswith("Argument 'labels[1]' holds an invalid character")
    assert received == []


# -- size bounds ------------------------------------------------------------------------------------


async def test_an_error_never_echoes_more_than_a_little_of_a_huge_argument(client):
    huge = "echo:" + "x" * 100_000
    text = await error_of(client, "find", {"key": huge})
    assert_ours(text)
    assert "x" * (ECHO_CHARS + 1) not in text
    assert text.startswith('Project "echo:xxx') and "(100005 characters)" in text
    assert text.endswith("Give a project key such as SHOP.")


async def test_a_huge_wrong_value_is_quoted_briefly(client):
    text = await error_of(client, "find", {"key": "SHOP-1", "limit": "9" * 100_000})
    assert_ours(text)
    assert len(text) < 300


async def test_control_characters_in_an_error_are_escaped(client):
    text = await error_of(client, "find", {"key": "echo:\x1b[31mred\x00"})
    assert "\x1b" not in text and "\x00" not in text
    assert "\\x1b[31mred\\x00" in text


async def test_control_characters_in_a_result_are_escaped_but_line_breaks_stay(client):
    result = await client.call_tool("find", {"key": "raw:\x1b[2J\x00\tend"})
    assert result.content[0].text == "No project matches \\x1b[2J\\x00\tend.\r\n"


async def test_a_huge_result_is_capped_with_a_note(client):
    result = await client.call_tool("find", {"key": "huge"})
    (item,) = result.content
    assert len(item.text) <= MAX_RESULT_CHARS + 200
    assert re.search(r"\[truncated: \d+ more characters\. .*ask for less", item.text)


# -- uncertain writes -------------------------------------------------------------------------------


async def test_an_uncertain_write_with_a_key_says_to_retry_with_the_same_key(client):
    text = await error_of(client, "create", {"summary": "x", "idempotency_key": "k-1"})
    assert "may or may not have been applied" in text
    assert "Retry with the same idempotency_key" in text and "Try again shortly" not in text


async def test_an_uncertain_write_without_a_key_says_to_check_and_suggests_one(client):
    text = await error_of(client, "create", {"summary": "x"})
    assert "may or may not have been applied" in text
    assert "Check whether it was applied" in text and "pass an idempotency_key" in text


async def test_an_uncertain_write_of_a_tool_without_keys_never_mentions_one(client):
    text = await error_of(client, "comment", {"body": "x"})
    assert "may or may not have been applied" in text and "Check whether it was applied" in text
    assert "idempotency_key" not in text


async def test_a_read_never_says_may_or_may_not_have_been_applied(client):
    text = await error_of(client, "look", {"query": "x"})
    assert "may or may not" not in text and "idempotency_key" not in text
    assert text == "Jira did not answer. Try again shortly."
