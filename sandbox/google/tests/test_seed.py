"""The seed: deterministic, fast, and as the README describes it."""

from __future__ import annotations

import re
import time
from pathlib import Path

from sandbox.google.drive.seed import seed
from sandbox.google.drive.store import DriveStore

README = Path(__file__).resolve().parents[1] / "README.md"


def seeded(seed_value: int = 42) -> DriveStore:
    store = DriveStore(seed=seed_value, clock=time.time)
    seed(store)
    return store


def test_the_readme_table_lists_the_seeded_ids() -> None:
    rows = re.findall(r"^\| ([^|]+?) \| [^|]+ \| `([^`]+)` \|", README.read_text(), flags=re.MULTILINE)
    store = seeded()
    by_name = {f.name: f.id for f in store.files.values() if f.name != "My Drive"}
    assert dict(rows) == by_name
    for drive_id in store.drives:
        assert f"`{drive_id}`" in README.read_text()


def test_seeding_is_deterministic_and_fast_after_the_first_time() -> None:
    seeded()  # the first seed of a process makes the binaries
    started = time.perf_counter()
    first, second = seeded(), seeded()
    assert time.perf_counter() - started < 1.0
    assert [(f.id, f.name, f.data) for f in first.files.values()] == [
        (f.id, f.name, f.data) for f in second.files.values()
    ]
    assert [f.id for f in seeded(7).files.values()] != [f.id for f in first.files.values()]


def test_every_user_has_own_files_and_shares_differ() -> None:
    store = seeded()
    owners = {f.owner for f in store.files.values()}
    assert {"alice@example.com", "bob@example.com", None} == owners
    alice_sees = {f.name for f in store.files.values() if store.in_user_corpus(f, "alice@example.com")}
    bob_sees = {f.name for f in store.files.values() if store.in_user_corpus(f, "bob@example.com")}
    assert "Travel itinerary.txt" in bob_sees - alice_sees
    assert "Signed contract with Acme.pdf" in alice_sees - bob_sees
    assert "Project Phoenix plan" in alice_sees & bob_sees
