"""One runtime serving two people (per-person credentials): nothing one sees or saves reaches the other."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import Token

import pytest
from pydantic import SecretStr

from connectors.storage.runtime import StorageRuntime
from connectors.storage.tools import changes, find
from sandbox.google.testing import GoogleUnderTest
from sandbox.microsoft.testing import TenantUnderTest
from shared.caller import acting
from shared.credentials import Credential, PerSubject

from .conftest import GOOGLE_TOKENS, GRAPH_TOKENS, google_settings, graph_settings

pytestmark = pytest.mark.anyio
PEOPLE = {p: Credential(f"storage:{p}", "bearer", SecretStr(t)) for p, t in GOOGLE_TOKENS.items()}


@contextmanager
def acting_as(person: str) -> Iterator[None]:
    """What the tool boundary does for a signed-in caller: act with that person's credential."""
    token = acting.set(PEOPLE[person])
    try:
        yield
    finally:
        acting.reset(token)


async def test_change_positions_and_results_stay_with_each_person(google: GoogleUnderTest):
    runtime = StorageRuntime(google_settings(google.url), credentials=PerSubject(PEOPLE, "Google Drive"))
    with acting_as("alice"):
        assert (await changes.get_changes.fn(runtime)).data.restarted == ["google-drive"]
        alice_sees = await find.search.fn(runtime, "travel itinerary")
    with acting_as("bob"):
        assert (await changes.get_changes.fn(runtime)).data.restarted == ["google-drive"]  # his own first sync
        bob_sees = await find.search.fn(runtime, "travel itinerary")
    with acting_as("alice"):
        again = (await changes.get_changes.fn(runtime)).data
    assert again.restarted == [] and again.files == []
    assert "Travel itinerary.txt" in [r.title for r in bob_sees.results]
    assert "Travel itinerary.txt" not in [r.title for r in alice_sees.results]


async def test_onedrive_positions_and_results_stay_with_each_person(tenant: TenantUnderTest):
    people = {p: Credential(f"storage:{p}", "bearer", SecretStr(t)) for p, t in GRAPH_TOKENS.items()}
    runtime = StorageRuntime(graph_settings(tenant), credentials=PerSubject(people, "OneDrive"))

    def as_person(person: str) -> Token[Credential | None]:
        return acting.set(people[person])

    token = as_person("bob")
    try:
        assert (await changes.get_changes.fn(runtime)).data.restarted == ["onedrive"]
        bob_sees = await find.search.fn(runtime, "expense report october")
    finally:
        acting.reset(token)
    token = as_person("alice")
    try:
        assert (await changes.get_changes.fn(runtime)).data.restarted == ["onedrive"]  # her own first sync
        alice_sees = await find.search.fn(runtime, "expense report october")
        again = (await changes.get_changes.fn(runtime)).data
    finally:
        acting.reset(token)
    assert again.restarted == [] and again.files == []
    assert "Expense report October.xlsx" in [r.title for r in bob_sees.results]
    assert "Expense report October.xlsx" not in [r.title for r in alice_sees.results]
