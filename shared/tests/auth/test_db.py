"""The shared SQL layer: transactions, portable SQL, and migrations several replicas may run at once."""

from __future__ import annotations

import anyio
import pytest

from shared.auth.db import Database, Tx, open_database

pytestmark = pytest.mark.anyio
STEPS = [
    ["CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)"],
    ["ALTER TABLE notes ADD COLUMN author TEXT"],
]


async def test_replicas_starting_together_apply_each_migration_exactly_once(database_url: str):
    replicas = [open_database(database_url) for _ in range(4)]
    applied: list[int] = []

    async def start(db: Database) -> None:
        applied.append(await db.migrate("notes", STEPS))

    async with anyio.create_task_group() as tg:
        for db in replicas:
            tg.start_soon(start, db)
    assert sum(applied) == 2  # each step once, whichever replica got to it
    assert await replicas[0].version("notes") == 2
    for db in replicas:
        db.close()


async def test_a_later_step_is_applied_on_the_next_start_only(database: Database):
    assert await database.migrate("notes", STEPS[:1]) == 1
    assert await database.migrate("notes", STEPS) == 1
    assert await database.migrate("notes", STEPS) == 0
    assert await database.version("notes") == 2 and await database.version("other") == 0


async def test_a_failing_transaction_leaves_nothing_behind(database: Database):
    await database.migrate("notes", STEPS)

    def insert_then_fail(tx: Tx) -> None:
        tx.exec("INSERT INTO notes (id, body) VALUES (?, ?)", (1, "draft"))
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        await database.run(insert_then_fail)
    assert await database.run(lambda tx: tx.rows("SELECT id FROM notes")) == []


async def test_upserts_work_the_same_on_both_engines(database: Database):
    await database.migrate("notes", STEPS)
    upsert = "INSERT INTO notes (id, body) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body"
    await database.run(lambda tx: tx.exec(upsert, (1, "first")))
    await database.run(lambda tx: tx.exec(upsert, (1, "second")))
    assert await database.run(lambda tx: tx.rows("SELECT id, body FROM notes")) == [(1, "second")]


async def test_a_read_only_transaction_runs_while_a_writer_holds_the_database(database: Database):
    await database.migrate("notes", STEPS)
    await database.run(lambda tx: tx.exec("INSERT INTO notes (id, body) VALUES (?, ?)", (1, "kept")))
    writer_inside, reader_done = anyio.Event(), anyio.Event()
    seen: list[list[tuple]] = []

    def slow_write(tx: Tx) -> None:
        tx.exec("INSERT INTO notes (id, body) VALUES (?, ?)", (2, "pending"))
        anyio.from_thread.run_sync(writer_inside.set)
        anyio.from_thread.run(reader_done.wait)  # hold the write transaction open until the read finished

    async def read() -> None:
        await writer_inside.wait()
        seen.append(await database.run(lambda tx: tx.rows("SELECT id FROM notes ORDER BY id"), read_only=True))
        reader_done.set()

    with anyio.fail_after(10):
        async with anyio.create_task_group() as tg:
            tg.start_soon(database.run, slow_write)
            tg.start_soon(read)
    assert seen == [[(1,)]]  # the reader saw the committed state, not the writer's uncommitted row
