"""Hostile input to every tool of every registered connector, against its sandbox.

Each tool receives what models and attackers send: an unknown argument, a wrong type for each
parameter, a single value where a list is expected, 100 KB strings, control characters, half
surrogate pairs, NaN and Infinity, extreme numbers, lists and objects, out-of-range dates and
forged cursors. Whatever comes back must be ours: never an
internal error, a traceback or a pydantic URL; errors short (<= 1,000 characters) and naming the
argument when the argument is what is wrong; results bounded.

One sandbox per connector and module (writes land there, not in the shared contract sandbox),
and an in-memory MCP client, so the whole sweep takes seconds.
"""

from __future__ import annotations

import base64
import json
import os
import re
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from mcp import Client

from shared.boundary import MAX_ERROR_CHARS, MAX_RESULT_CHARS
from shared.connector import Connector, sandboxes
from shared.server import build_server
from shared.settings import load_settings
from shared.testing import listed_tools, serve_in_thread

pytestmark = pytest.mark.anyio

HUGE = "x" * 100_000
CONTROL = "a\x00b\x07c\x1b[31md\r\ne\u202ef\ufeffg\x7f"
SURROGATE = "x\ud800y"  # valid JSON ("\\ud800"), not encodable as UTF-8 for any upstream
BAD_DATES = ["0001-01-01", "9999999d", "9999-12-31T99:99:99", "-3d", "99999999999999999999"]
DATE_WORDS = ("date", "since", "until", "created", "updated", "modified", "unchanged", "before", "after", "when")
WRONG_TYPE: dict[str, Any] = {
    "string": {"nested": True},
    "integer": "lots",
    "number": "lots",
    "boolean": "maybe",
    "array": {"not": "a list"},
    "object": "not an object",
}
FILLER: dict[str, Any] = {"string": "x", "integer": 1, "number": 1, "boolean": False, "array": [], "object": {}}
# Values that exist in a connector's sandbox, so hostile input reaches past the first lookup; other
# connectors get plain filler for their required arguments.
EXAMPLES: dict[str, dict[str, Any]] = {
    "jira": {"project": "SHOP", "key": "SHOP-1", "other_key": "SHOP-2", "since": "24h"},
    "confluence": {"space": "ENG", "id": "98305", "page": "98305", "since": "24h"},
}
RAW_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SDK_LEAKS = re.compile(
    r"Traceback|pydantic\.dev|errors\.pydantic|(?<=\w)Arguments\b|Error executing tool|validation error"
)


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


FORGED_CURSORS = [
    _b64(os.urandom(48)),  # random bytes
    _b64(json.dumps({"k": "search", "offset": 20}).encode()),  # valid-looking JSON, no signature
    _b64(json.dumps({"k": "search", "offset": 10**9}).encode()) + "." + _b64(os.urandom(16)),  # wrong signature
    "../../etc/passwd",
    "",
]


@pytest.fixture(scope="module")
def sites(connector: Connector) -> Iterator[dict[str, str]]:
    """The connector's own sandboxes for this module: hostile writes never reach the shared ones."""
    with ExitStack() as stack:
        urls = {}
        for name in connector.sandboxes:
            box = sandboxes()[name]
            tls = box.tls() if box.tls else None
            urls[name] = stack.enter_context(serve_in_thread(box.create_app(), lifespan="off", tls=tls))
        yield urls


@pytest.fixture  # per test: each test runs on its own event loop, and async HTTP pools belong to one loop
def server(connector: Connector, sites: dict[str, str]):
    env = connector.env_for(sites)
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith(connector.settings.env_name("")):
                patch.delenv(name)
        for name, value in env.items():
            patch.setenv(name, value)
        settings = load_settings(connector.settings)
        yield build_server(connector, settings, connector.runtime(settings))


def kind(schema: dict[str, Any]) -> str:
    return str(schema.get("type", "object"))


def calls(tool: dict[str, Any], parameter: str, values: list[Any]) -> Iterator[dict[str, Any]]:
    """One call per value of `parameter`; the tool's other arguments: sandbox examples, else plain filler."""
    schema, examples = tool["inputSchema"], EXAMPLES.get(tool["connector"], {})
    others = {name: FILLER[kind(schema["properties"][name])] for name in schema.get("required", [])}
    others |= {name: value for name, value in examples.items() if name in schema.get("properties", {})}
    others.pop(parameter, None)
    for value in values:
        yield {**others, parameter: value}


def parameters(tool: dict[str, Any], *kinds: str) -> list[tuple[str, dict[str, Any]]]:
    return [(n, s) for n, s in tool["inputSchema"].get("properties", {}).items() if not kinds or kind(s) in kinds]


def text_of(result: Any) -> str:
    return "\n".join(getattr(item, "text", "") for item in result.content)


def problems(tool: str, arguments: dict[str, Any], result: Any, names: str | None = None) -> list[str]:
    """What is wrong with one answer (empty when it is fine)."""
    text = text_of(result)
    shown = json.dumps(arguments, ensure_ascii=True)[:160]
    where = f"{tool}({shown})"
    found = []
    if "Internal error" in text:
        found.append(f"{where}: internal error: {text[:160]}")
    if SDK_LEAKS.search(text):
        found.append(f"{where}: SDK or traceback text: {text[:200]}")
    if result.is_error and len(text) > MAX_ERROR_CHARS:
        found.append(f"{where}: error of {len(text)} characters")
    if not result.is_error and len(text) > MAX_RESULT_CHARS + 500:
        found.append(f"{where}: result of {len(text)} characters")
    if RAW_CONTROL.search(text):
        found.append(f"{where}: raw control characters in the answer: {text[:120]!r}")
    if names is not None and (not result.is_error or names not in text):
        found.append(f"{where}: expected an error naming {names!r}, got: {text[:200]}")
    return found


async def listed(server) -> dict[str, dict[str, Any]]:
    return {t["name"]: t | {"connector": server.name} for t in await listed_tools(server)}


async def sweep(server, cases) -> list[str]:
    """Send every (tool, arguments, argument to be named) case; every problem found."""
    found: list[str] = []
    async with Client(server) as client:
        tools = await listed(server)
        for name, arguments, names in cases(tools):
            result = await client.call_tool(name, arguments)
            found += problems(name, arguments, result, names)
    return found


# -- argument errors name the argument ---------------------------------------------------------------


async def test_an_unknown_argument_is_refused_by_name(server):
    def cases(tools):
        for name, tool in tools.items():
            yield from ((name, args, "no_such_argument") for args in calls(tool, "no_such_argument", [1]))

    assert await sweep(server, cases) == []


async def test_a_wrong_type_for_each_parameter_is_refused_naming_it(server):
    def cases(tools):
        for name, tool in tools.items():
            for parameter, schema in parameters(tool):
                yield from ((name, args, parameter) for args in calls(tool, parameter, [WRONG_TYPE[kind(schema)]]))

    assert await sweep(server, cases) == []


async def test_a_single_value_for_a_list_parameter_is_taken_as_a_list(server):
    def cases(tools):
        for name, tool in tools.items():
            for parameter, schema in parameters(tool, "array"):
                item = FILLER.get(kind(schema.get("items", {"type": "string"})), "x")
                for args in calls(tool, parameter, [item]):
                    yield name, args, None

    found = await sweep(server, cases)
    assert found == []


async def test_single_values_are_not_refused_as_not_being_lists(server):
    async with Client(server) as client:
        for name, tool in (await listed(server)).items():
            for parameter, schema in parameters(tool, "array"):
                item = FILLER.get(kind(schema.get("items", {"type": "string"})), "x")
                for args in calls(tool, parameter, [item]):
                    text = text_of(await client.call_tool(name, args))
                    assert "valid list" not in text and "valid array" not in text, (name, parameter, text)


async def test_nan_and_infinity_for_numbers_are_refused_naming_the_argument(server):
    def cases(tools):
        for name, tool in tools.items():
            for parameter, _ in parameters(tool, "integer", "number"):
                yield from ((name, args, parameter) for args in calls(tool, parameter, ["NaN", "Infinity", "-inf"]))

    assert await sweep(server, cases) == []


# -- strings the tools run with ----------------------------------------------------------------------


async def test_huge_strings_get_short_answers(server):
    def cases(tools):
        for name, tool in tools.items():
            for parameter, _ in parameters(tool, "string"):
                yield from ((name, args, None) for args in calls(tool, parameter, [HUGE]))

    assert await sweep(server, cases) == []


async def test_control_characters_and_broken_unicode_get_clean_answers(server):
    def cases(tools):
        for name, tool in tools.items():
            for parameter, _ in parameters(tool, "string"):
                yield from ((name, args, None) for args in calls(tool, parameter, [CONTROL]))
                yield from ((name, args, parameter) for args in calls(tool, parameter, [SURROGATE]))

    assert await sweep(server, cases) == []


EXTREMES: dict[str, list[Any]] = {
    "integer": [-1, 0, 10**30],
    "number": [-1e308, 1e308],
    "array": [["x"] * 5000, [""], [HUGE]],
    "object": [{"x": {"y": [1, {"z": None}]}}, {"": ""}, {"Summary": HUGE}, {"x" * 1000: 1}],
}


async def test_extreme_numbers_lists_and_objects_get_clean_answers(server):
    def cases(tools):
        for name, tool in tools.items():
            for parameter, schema in parameters(tool, *EXTREMES):
                yield from ((name, args, None) for args in calls(tool, parameter, EXTREMES[kind(schema)]))

    assert await sweep(server, cases) == []


async def test_out_of_range_dates_get_clear_answers(server):
    def cases(tools):
        for name, tool in tools.items():
            for parameter, schema in parameters(tool, "string"):
                about = (parameter + " " + str(schema.get("description", ""))).lower()
                if any(word in about for word in DATE_WORDS):
                    yield from ((name, args, None) for args in calls(tool, parameter, BAD_DATES))

    assert await sweep(server, cases) == []


async def test_forged_cursors_are_refused_naming_the_cursor(server):
    def cases(tools):
        for name, tool in tools.items():
            for parameter, _ in parameters(tool, "string"):
                if "cursor" in parameter:
                    forged = [c for c in FORGED_CURSORS if c]  # "" means "no cursor": the first page
                    yield from ((name, args, parameter) for args in calls(tool, parameter, forged))

    assert await sweep(server, cases) == []
