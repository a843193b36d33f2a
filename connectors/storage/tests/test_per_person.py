"""One runtime serving two people (per-person credentials): nothing one sees or saves reaches the other."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from pydantic import SecretStr

from connectors.storage.runtime import StorageRuntime
from connectors.storage.tools import changes, find
from sandbox.google.testing import GoogleUnderTest
from shared.caller import acting
from shared.credentials import Credential, PerSubject

from .conftest import GOOGLE_TOKENS, google_settings

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
