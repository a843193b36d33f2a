"""Rules every connector keeps, checked over its real tool surface and against its sandbox."""

from __future__ import annotations

import inspect
import json
import re
from urllib.parse import urlsplit

import pytest
from mcp import Client
from pydantic import SecretStr

from shared.boundary import published_signature
from shared.connector import Connector
from shared.server import build_server
from shared.testing import assert_snapshot, first_text, listed_tools, tool_surface_problems
from shared.tools import Effect, enabled

pytestmark = pytest.mark.anyio
NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
HINTS = {  # effect -> (readOnly, destructive, openWorld)
    Effect.READ: (True, False, False),
    Effect.ADD: (False, False, False),
    Effect.CHANGE: (False, True, False),
    Effect.SEND: (False, True, True),
}


async def surface(connector: Connector, settings) -> list[dict]:
    return await listed_tools(build_server(connector, settings, connector.runtime(settings)))


def test_declarations_are_valid(connector: Connector):
    names = [t.name for t in connector.tools]
    assert len(names) == len(set(names)), "tool names must be unique"
    for tool in connector.tools:
        assert NAME.match(tool.name), tool.name
        assert tool.name in ("search", "fetch") or tool.name.startswith(f"{connector.name}_"), tool.name
        assert tool.title and tool.toolset and tool.description.strip()
        assert len(tool.description) <= 200, f"{tool.name}: say when to use it in one or two short sentences"
        assert inspect.iscoroutinefunction(tool.fn), f"{tool.name} must be async"
        first = next(iter(inspect.signature(tool.fn).parameters.values()))
        assert first.name == "rt", f"{tool.name}: the first parameter receives the runtime"
        assert "rt" not in published_signature(tool).parameters
    assert connector.search_example or "search" not in names


async def test_every_tool_sets_all_four_hints_as_its_effect_says(connector: Connector, settings_for):
    listed = await surface(connector, settings_for())
    assert [t["name"] for t in listed] == [t.name for t in connector.tools]  # deterministic order
    assert [p for t in listed for p in tool_surface_problems(t)] == []
    effects = {t.name: t.effect for t in connector.tools}
    for tool in listed:
        hints = tool["annotations"]
        expected = HINTS[effects[tool["name"]]]
        assert (hints["readOnlyHint"], hints["destructiveHint"], hints["openWorldHint"]) == expected, tool["name"]


async def test_read_only_mode_lists_only_reads(connector: Connector, settings_for):
    listed = await surface(connector, settings_for(read_only=True))
    reads = [t.name for t in connector.tools if t.effect is Effect.READ]
    assert [t["name"] for t in listed] == reads
    assert all(t["annotations"]["readOnlyHint"] for t in listed)


async def test_a_toolset_left_out_is_absent_not_refused(connector: Connector, settings_for):
    for toolset in sorted({t.toolset for t in connector.tools}):
        listed = await surface(connector, settings_for(toolsets=[toolset]))
        assert [t["name"] for t in listed] == [
            t.name for t in enabled(connector.tools, read_only=False, toolsets=[toolset])
        ]


async def test_snapshots_are_current(connector: Connector, settings_for):
    assert connector.snapshots is not None, "declare snapshots=<folder> in the connector"
    listed = await surface(connector, settings_for())
    for tool in listed:
        assert_snapshot(connector.snapshots / f"{tool['name']}.json", tool)
    assert sorted(p.stem for p in connector.snapshots.glob("*.json")) == sorted(t["name"] for t in listed)


def _size(tools: list[dict]) -> int:
    return len(json.dumps(tools, separators=(",", ":"), ensure_ascii=False).encode())


async def test_tools_list_fits_the_budget(connector: Connector, settings_for):
    """The tools of a toolset with a budget of its own (`toolset_budgets`) count there; the others in `tools_budget`."""
    listed = await surface(connector, settings_for())
    toolset = {t.name: t.toolset for t in connector.tools}
    rest = [t for t in listed if toolset[t["name"]] not in connector.toolset_budgets]
    size = _size(rest)
    assert size <= connector.tools_budget, f"tools/list is {size} B, over the {connector.tools_budget} B budget"
    for name, budget in connector.toolset_budgets.items():
        own = [t for t in listed if toolset[t["name"]] == name]
        assert own, f"toolset_budgets names {name!r}, a toolset without tools"
        assert _size(own) <= budget, f"toolset {name} is {_size(own)} B in tools/list, over its {budget} B budget"


async def test_unknown_arguments_are_refused_by_name(connector: Connector, settings_for):
    settings = settings_for()
    async with Client(build_server(connector, settings, connector.runtime(settings))) as client:
        for tool in connector.tools:
            result = await client.call_tool(tool.name, {"no_such_argument": 1})
            text = first_text(result)
            assert result.is_error and "no_such_argument" in text, (tool.name, text)


async def test_search_and_fetch_follow_the_chatgpt_contract(connector: Connector, settings_for):
    names = [t.name for t in connector.tools]
    if "search" not in names:  # the contract applies to servers that offer search; fetch never comes alone
        assert "fetch" not in names
        return
    settings = settings_for()
    listed = {t["name"]: t for t in await surface(connector, settings)}
    assert set(listed["search"]["inputSchema"]["properties"]) == {"query"}
    assert set(listed["fetch"]["inputSchema"]["properties"]) == {"id"}
    assert set(listed["search"]["outputSchema"]["properties"]) == {"results"}
    assert {"id", "title", "text", "url", "metadata"} <= set(listed["fetch"]["outputSchema"]["properties"])
    async with Client(build_server(connector, settings, connector.runtime(settings))) as client:
        found = await client.call_tool("search", {"query": connector.search_example})
        assert not found.is_error and json.loads(first_text(found)) == found.structured_content
        results = found.structured_content["results"]
        assert results, f"search {connector.search_example!r} found nothing in the sandbox"
        for hit in results:
            assert set(hit) == {"id", "title", "url"} and hit["title"]
            assert urlsplit(hit["url"]).scheme in ("http", "https") and urlsplit(hit["url"]).netloc
        fetched = await client.call_tool("fetch", {"id": results[0]["id"]})
        assert not fetched.is_error and json.loads(first_text(fetched)) == fetched.structured_content
        document = fetched.structured_content
        assert document["id"] == results[0]["id"] and document["text"] and document["url"]
        assert all(isinstance(v, str) for v in document.get("metadata", {}).values())


async def test_doctor_passes_against_the_sandbox(connector: Connector, settings_for):
    checks = await connector.runtime(settings_for()).checks()
    assert checks and all(c.ok for c in checks), [c for c in checks if not c.ok]


async def test_doctor_names_the_secret_setting_that_is_wrong(connector: Connector, settings_for):
    settings = settings_for()
    secret = next(n for n in type(settings).credential_settings if isinstance(getattr(settings, n, None), SecretStr))
    wrong = settings_for(**{secret: SecretStr("wrong-secret-value")})
    failed = [c for c in await connector.runtime(wrong).checks() if not c.ok]
    assert failed, "a wrong secret must fail a check"
    detail = " ".join(c.detail for c in failed)
    assert type(settings).env_name(secret) in detail and "wrong-secret-value" not in detail


def test_an_http_upstream_beyond_loopback_is_refused(connector: Connector, settings_for):
    from shared.errors import ConfigError

    if "url" not in connector.settings.model_fields:  # an upstream with a fixed address (e.g. Google's)
        return
    with pytest.raises(ConfigError, match="https://"):
        settings_for(url="http://upstream.example.com")


def test_every_additive_write_takes_an_idempotency_key(connector: Connector):
    """A retry after a lost answer must never add a second issue, page, comment or file."""
    for tool in connector.tools:
        if tool.effect is Effect.ADD:
            assert "idempotency_key" in published_signature(tool).parameters, tool.name
