from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from sandbox.google.testing import GoogleUnderTest, running_google

ALICE_TOKEN = "ya29.sandbox-alice"
BOB_TOKEN = "ya29.sandbox-bob"


@pytest.fixture(scope="session")
def google() -> Iterator[GoogleUnderTest]:
    with running_google(rate_limits=False) as site:
        yield site


@pytest.fixture()
def fresh(google: GoogleUnderTest) -> Iterator[GoogleUnderTest]:
    """The sandbox re-seeded, with no faults, limits or changed settings left by an earlier test."""
    google.control.reset()
    google.control.configure(rate_limits=False, latency_ms=0)
    yield google
    google.control.reset()
    google.control.configure(rate_limits=False, latency_ms=0)


@pytest.fixture()
def alice(google: GoogleUnderTest) -> Any:
    return google.drive(ALICE_TOKEN)


@pytest.fixture()
def bob(google: GoogleUnderTest) -> Any:
    return google.drive(BOB_TOKEN)


def find(drive: Any, name: str, **extra: Any) -> dict:
    """The one file called ``name`` that the caller can see."""
    escaped = name.replace("\\", "\\\\").replace("'", "\\'")
    found = (
        drive.files()
        .list(q=f"name = '{escaped}'", fields="files(id,name,mimeType,parents,driveId)", **extra)
        .execute()["files"]
    )
    assert len(found) == 1, found
    return found[0]
