"""Single flight for reads: identical concurrent reads by one identity share one execution."""

from __future__ import annotations

import anyio
import pytest
from mcp import Client
from mcp.server import MCPServer

from shared.boundary import register
from shared.coalesce import Flights
from shared.credentials import ConfiguredAccount, Credential
from shared.errors import NotFound
from shared.tools import Effect, Tool

pytestmark = pytest.mark.anyio


async def _until(predicate) -> None:
    """Yield to the other tasks until `predicate()` holds (no wall-clock sleeps)."""
    with anyio.fail_after(5):
        while not predicate():
            await anyio.lowlevel.checkpoint()


async def test_concurrent_identical_calls_run_once_and_share_the_answer():
    flights, release, runs = Flights(), anyio.Event(), []

    async def load():
        runs.append(1)
        await release.wait()
        return {"answer": 42}

    key = flights.key("alice", "search", "q")
    results = []

    async def caller():
        results.append(await flights.run(key, load))

    async with anyio.create_task_group() as group:
        for _ in range(5):
            group.start_soon(caller)
        await _until(lambda: flights.joined(key) == 4)
        release.set()
    assert runs == [1] and results == [{"answer": 42}] * 5
    # nothing is kept: the next call runs again
    release = anyio.Event()
    release.set()
    assert await flights.run(key, load) == {"answer": 42} and len(runs) == 2


async def test_identities_and_arguments_never_share():
    flights = Flights()
    assert flights.key("alice", "search", "q") != flights.key("bob", "search", "q")
    assert flights.key("alice", "search", "q") != flights.key("alice", "search", "r")


async def test_a_write_separates_reads_before_and_after_it():
    flights = Flights()
    before = flights.key("alice", "search", "q")
    flights.wrote("alice")
    assert flights.key("alice", "search", "q") != before
    assert flights.key("bob", "search", "q") == ("bob", 0, "search", "q")  # other people are unaffected


async def test_an_error_reaches_every_waiting_caller():
    flights, release = Flights(), anyio.Event()

    async def load():
        await release.wait()
        raise NotFound("Issue SHOP-9 does not exist.")

    key = flights.key("alice", "get", "SHOP-9")
    errors = []

    async def caller():
        try:
            await flights.run(key, load)
        except NotFound as exc:
            errors.append(str(exc))

    async with anyio.create_task_group() as group:
        for _ in range(3):
            group.start_soon(caller)
        await _until(lambda: flights.joined(key) == 2)
        release.set()
    assert errors == ["Issue SHOP-9 does not exist."] * 3


async def test_a_cancelled_leader_does_not_strand_the_callers_waiting_on_it():
    flights, release, runs = Flights(), anyio.Event(), []

    async def load():
        runs.append(1)
        await release.wait()
        return "fresh"

    key = flights.key("alice", "search", "q")
    got = []

    async def follower():
        got.append(await flights.run(key, load))

    async with anyio.create_task_group() as group:
        leader = anyio.CancelScope()

        async def lead():
            with leader:
                await flights.run(key, load)

        group.start_soon(lead)
        await _until(lambda: len(runs) == 1)
        group.start_soon(follower)
        await _until(lambda: flights.joined(key) == 1)
        leader.cancel()  # the leader's client went away
        await _until(lambda: len(runs) == 2)  # the follower ran the read itself
        release.set()
    assert got == ["fresh"]


# -- through the MCP tool boundary -------------------------------------------------------------


async def test_tools_share_identical_reads_but_never_across_a_write():
    release, runs = anyio.Event(), []

    async def search(rt, query: str) -> str:
        runs.append(query)
        await release.wait()
        return f"{len(runs)} run(s) for {query}"

    async def create(rt, summary: str) -> str:
        return f"created {summary}"

    server = MCPServer("demo")
    runtime = type("Runtime", (), {"credentials": ConfiguredAccount(Credential("alice", "bearer", "x"))})()
    tools = [
        Tool(name="search", title="Search", description="Search.", fn=search, effect=Effect.READ, toolset="core"),
        Tool(name="create", title="Create", description="Create.", fn=create, effect=Effect.ADD, toolset="core"),
    ]
    register(server, tools, runtime)
    answers: list[str] = []
    async with Client(server) as client:

        async def ask(query: str) -> None:
            answers.append((await client.call_tool("search", {"query": query})).content[0].text)

        async with anyio.create_task_group() as group:
            for query in ("bugs", "bugs", "bugs", "other"):
                group.start_soon(ask, query)
            await _until(lambda: len(runs) == 2)  # one flight per distinct query
            await client.call_tool("create", {"summary": "x"})  # a write while "bugs" is in flight
            group.start_soon(ask, "bugs")  # after the write: must not join the older flight
            await _until(lambda: len(runs) == 3)
            release.set()
    assert sorted(runs) == ["bugs", "bugs", "other"]
    assert len(answers) == 5
