"""One runtime serving two people (per-person credentials): nobody sees another's mail, drafts or sync position."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from pydantic import SecretStr

from connectors.mail.runtime import MailRuntime
from connectors.mail.tools import changes, find, write
from sandbox.google.testing import GoogleUnderTest
from sandbox.microsoft.testing import TenantUnderTest
from shared.caller import acting
from shared.credentials import Credential, PerSubject
from shared.errors import NotFound

from .conftest import GOOGLE_TOKENS, GRAPH_TOKENS, gmail_settings, outlook_settings

pytestmark = pytest.mark.anyio


@contextmanager
def acting_as(people: dict[str, Credential], person: str) -> Iterator[None]:
    """What the tool boundary does for a signed-in caller: act with that person's credential."""
    token = acting.set(people[person])
    try:
        yield
    finally:
        acting.reset(token)


def _people(tokens: dict[str, str]) -> dict[str, Credential]:
    return {p: Credential(f"mail:{p}", "bearer", SecretStr(t)) for p, t in tokens.items()}


@pytest.mark.parametrize("provider", ["gmail", "outlook"])
async def test_each_person_sees_only_their_own_mail_and_keeps_their_own_sync_position(
    provider: str, request: pytest.FixtureRequest
):
    if provider == "gmail":
        google: GoogleUnderTest = request.getfixturevalue("google")
        settings, people, private = gmail_settings(google.url), _people(GOOGLE_TOKENS), "entretien annuel"
    else:
        tenant: TenantUnderTest = request.getfixturevalue("tenant")
        settings, people, private = outlook_settings(tenant), _people(GRAPH_TOKENS), "Expense report October"
    runtime = MailRuntime(settings, credentials=PerSubject(people, provider))
    with acting_as(people, "bob"):
        bob_sees = await find.search.fn(runtime, private)
        assert (await changes.get_changes.fn(runtime)).data.restarted == [provider]
        bobs = [r.id for r in bob_sees.results]
    with acting_as(people, "alice"):
        alice_sees = await find.search.fn(runtime, private)
        assert (await changes.get_changes.fn(runtime)).data.restarted == [provider]  # her own first sync
        with pytest.raises(NotFound):
            await find.fetch.fn(runtime, bobs[0])
        with pytest.raises(NotFound):
            await write.send.fn(runtime, draft_id=f"{provider}:{'draft:' if provider == 'gmail' else ''}r123")
    with acting_as(people, "bob"):
        again = (await changes.get_changes.fn(runtime)).data
    assert bobs and not set(bobs) & {r.id for r in alice_sees.results}
    assert again.restarted == []
