"""A small SQL layer shared by the vault, the authorization server and later stores (rules, checkpoints).

One database per deployment: a SQLite file by default (one replica, a volume), PostgreSQL when
`DATABASE_URL` is set (several replicas). Callers write portable SQL with `?` placeholders and
`INSERT ... ON CONFLICT`, which both engines accept; work runs in a worker thread, one
transaction per `Database.run` call, so the event loop never blocks on I/O.

Schemas are versioned per component (`vault`, `oauth`, ...): `migrate(component, steps)` applies
the steps not yet recorded in `schema_migrations`, in order, each in its own transaction, and is
safe to call on every start and from several replicas at once (a PostgreSQL advisory lock or a
SQLite write lock serialises the upgraders).
"""

from __future__ import annotations

import functools
import sqlite3
import threading
import time
import zlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Protocol, TypeVar

import anyio

from ..errors import ConfigError

T = TypeVar("T")
MIGRATION_LOCK_ID = zlib.crc32(b"enterprise-connectors:migrate")  # one PostgreSQL advisory lock for all upgraders
Params = Sequence[Any]

MIGRATIONS_TABLE = """
CREATE TABLE IF NOT EXISTS schema_migrations (
    component TEXT NOT NULL,
    version INTEGER NOT NULL,
    applied_at DOUBLE PRECISION NOT NULL,
    PRIMARY KEY (component, version)
)"""


class Tx(Protocol):
    """One open transaction: every statement in a `Database.run` callback shares it."""

    def rows(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]: ...

    def one(self, sql: str, params: Params = ()) -> tuple[Any, ...] | None: ...

    def exec(self, sql: str, params: Params = ()) -> int: ...


class _Cursor:
    def __init__(self, cursor: Any, placeholder: str):
        self._cursor, self._placeholder = cursor, placeholder

    def _sql(self, sql: str) -> str:
        return sql if self._placeholder == "?" else sql.replace("?", self._placeholder)

    def rows(self, sql: str, params: Params = ()) -> list[tuple[Any, ...]]:
        self._cursor.execute(self._sql(sql), tuple(params))
        return [tuple(row) for row in self._cursor.fetchall()]

    def one(self, sql: str, params: Params = ()) -> tuple[Any, ...] | None:
        self._cursor.execute(self._sql(sql), tuple(params))
        row = self._cursor.fetchone()
        return None if row is None else tuple(row)

    def exec(self, sql: str, params: Params = ()) -> int:
        self._cursor.execute(self._sql(sql), tuple(params))
        return int(self._cursor.rowcount or 0)


class Database:
    """Portable transactions over SQLite or PostgreSQL. Build it with `open_database`."""

    dialect: str

    async def run(self, work: Callable[[Tx], T], *, read_only: bool = False) -> T:
        """Run `work(tx)` in one transaction in a worker thread; commit if it returns, roll back if it raises.

        `read_only=True` promises no writes: SQLite then lets it run beside the writer instead of queueing.
        """
        return await anyio.to_thread.run_sync(self._run_sync, work, read_only)

    def _run_sync(self, work: Callable[[Tx], T], read_only: bool) -> T:
        raise NotImplementedError

    def _lock_migrations(self, tx: Tx) -> None:
        raise NotImplementedError

    async def migrate(self, component: str, steps: Sequence[Sequence[str]]) -> int:
        """Bring `component`'s tables to version len(steps); returns how many steps were applied now."""
        applied = 0
        for version, statements in enumerate(steps, start=1):
            if await self.run(
                functools.partial(self._apply, component=component, version=version, statements=statements)
            ):
                applied += 1
        return applied

    def _apply(self, tx: Tx, *, component: str, version: int, statements: Sequence[str]) -> bool:
        self._lock_migrations(tx)  # before creating the table: two first starts must not both create it
        tx.exec(MIGRATIONS_TABLE)
        done = tx.one("SELECT 1 FROM schema_migrations WHERE component = ? AND version = ?", (component, version))
        if done:
            return False
        for statement in statements:
            tx.exec(statement)
        tx.exec(
            "INSERT INTO schema_migrations (component, version, applied_at) VALUES (?, ?, ?)",
            (component, version, time.time()),
        )
        return True

    async def version(self, component: str) -> int:
        def read(tx: Tx) -> int:
            self._lock_migrations(tx)
            tx.exec(MIGRATIONS_TABLE)
            row = tx.one("SELECT MAX(version) FROM schema_migrations WHERE component = ?", (component,))
            return int(row[0]) if row and row[0] is not None else 0

        return await self.run(read)

    def close(self) -> None:
        """Release pooled connections (PostgreSQL); SQLite opens one connection per transaction."""


class SqliteDatabase(Database):
    dialect = "sqlite"

    def __init__(self, path: str | Path):
        self.path = str(path)
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as conn:
            conn.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer

    def _connect(self) -> sqlite3.Connection:
        conn = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        conn.execute("PRAGMA busy_timeout = 30000")
        return conn

    def _run_sync(self, work: Callable[[Tx], T], read_only: bool) -> T:
        conn = self._connect()
        try:
            # IMMEDIATE takes the write lock up front: two writers queue instead of failing to upgrade.
            conn.execute("BEGIN" if read_only else "BEGIN IMMEDIATE")
            try:
                result = work(_Cursor(conn.cursor(), "?"))
            except BaseException:
                conn.execute("ROLLBACK")
                raise
            conn.execute("COMMIT")
            return result
        finally:
            conn.close()

    def _lock_migrations(self, tx: Tx) -> None:
        """BEGIN IMMEDIATE already holds the database's single write lock."""


class PostgresDatabase(Database):
    dialect = "postgres"

    def __init__(self, url: str, *, pool_size: int = 8):
        import psycopg  # only a PostgreSQL deployment needs the driver loaded

        self._psycopg = psycopg
        self.url, self.pool_size = url, pool_size
        self._idle: list[Any] = []
        self._mutex = threading.Lock()
        try:
            self._release(self._acquire())  # fail at start, with a clear message, if the database is unreachable
        except psycopg.Error as exc:
            raise ConfigError(
                f"Configuration error: cannot connect to DATABASE_URL ({type(exc).__name__}: "
                f"{_first_line(exc)}); check the host, database and credentials."
            ) from None

    def _acquire(self) -> Any:
        with self._mutex:
            while self._idle:
                conn = self._idle.pop()
                if not conn.closed and not conn.broken:
                    return conn
        return self._psycopg.connect(self.url, autocommit=True)

    def _release(self, conn: Any) -> None:
        with self._mutex:
            if len(self._idle) < self.pool_size and not conn.closed and not conn.broken:
                self._idle.append(conn)
                return
        conn.close()

    def _run_sync(self, work: Callable[[Tx], T], read_only: bool) -> T:
        conn = self._acquire()
        try:
            with conn.transaction(), conn.cursor() as cursor:
                return work(_Cursor(cursor, "%s"))
        finally:
            self._release(conn)

    def _lock_migrations(self, tx: Tx) -> None:
        tx.exec("SELECT pg_advisory_xact_lock(?)", (MIGRATION_LOCK_ID,))

    def close(self) -> None:
        with self._mutex:
            idle, self._idle = self._idle, []
        for conn in idle:
            conn.close()


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else "no detail"


def open_database(database_url: str = "", sqlite_path: str | Path = "data/connectors.db") -> Database:
    """PostgreSQL when `database_url` is set (postgres:// or postgresql://), else the SQLite file at `sqlite_path`."""
    url = database_url.strip()
    if not url:
        return SqliteDatabase(sqlite_path)
    if url.startswith(("postgresql://", "postgres://")):
        return PostgresDatabase(url)
    if url.startswith("sqlite:///"):
        return SqliteDatabase(url.removeprefix("sqlite:///"))
    raise ConfigError(
        "Configuration error: DATABASE_URL is invalid: expected postgresql://user@host:5432/db "
        "(or sqlite:///path/to/file.db), got a value with another scheme"
    )
