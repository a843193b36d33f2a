"""Where the engine gets its store, lease and runtimes: in the server process, or once from the CLI.

`rule_store()` opens the rules' tables in the vault's database (DATABASE_URL, else the SQLite file
AUTH_SQLITE_PATH), migrated once per process. `install(app, connector, runtime)` runs due rules in
the server process every RULES_TICK_SECONDS when RULES_ENABLED is true; `engine_for` builds the
engine the `connectors rules run --once` command (a Kubernetes CronJob) runs once.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import anyio
from pydantic import ValidationError

from ..auth.crypto import KeyRing
from ..auth.db import open_database
from ..errors import ConfigError
from .engine import Bound, Engine
from .lease import DatabaseLease, Lease, RedisLease
from .settings import RulesSettings
from .store import RuleStore

log = logging.getLogger(__name__)
_stores: dict[tuple[str, str], RuleStore] = {}
_started: set[tuple[str, str]] = set()
_mutex = threading.Lock()


def load_rules_settings() -> RulesSettings:
    try:
        return RulesSettings()  # type: ignore[call-arg]  # values come from the environment
    except ValidationError as exc:
        problems = [f"{str(e['loc'][0]).upper()} is invalid: {e['msg']}" for e in exc.errors() if e["loc"]]
        raise ConfigError("Configuration error: " + "; ".join(problems)) from None


async def rule_store(settings: RulesSettings | None = None) -> RuleStore:
    """The process's rule store for these settings, its tables created or upgraded on first use."""
    settings = settings or load_rules_settings()
    key = (settings.database_url, settings.auth_sqlite_path)
    with _mutex:
        store = _stores.get(key)
        if store is None:
            vault_keys = os.environ.get("VAULT_KEYS", "").strip()  # webhook URLs are sealed with the vault's key
            store = _stores[key] = RuleStore(open_database(*key), KeyRing.parse(vault_keys) if vault_keys else None)
    if key not in _started:
        await store.start()  # idempotent, and serialised by the database: safe if two calls race here
        _started.add(key)
    return store


def lease_for(store: RuleStore) -> Lease:
    url = os.environ.get("REDIS_URL", "").strip()
    if url:
        return RedisLease(url, os.environ.get("REDIS_KEY_PREFIX", "ec:") or "ec:")
    return DatabaseLease(store)


async def engine_for(bound: Mapping[str, Bound], settings: RulesSettings | None = None) -> Engine:
    settings = settings or load_rules_settings()
    store = await rule_store(settings)
    return Engine(store, settings, bound, lease_for(store))


def install(app: Any, connector: Any, runtime: Any) -> None:
    """When RULES_ENABLED: run the connector's due rules in this process, around the app's lifespan."""
    settings = load_rules_settings()
    if not settings.rules_enabled or connector.rules is None:
        return
    inner = app.router.lifespan_context
    bound = {connector.name: Bound(connector.rules, runtime)}

    @asynccontextmanager
    async def lifespan(served: Any) -> AsyncIterator[Any]:
        engine = await engine_for(bound, settings)
        async with inner(served) as state, anyio.create_task_group() as tasks:
            # Inside the app's own start-up (sign-in's migrations and keys): the first pass may need the vault.
            tasks.start_soon(_loop, engine, settings.rules_tick_seconds)
            yield state
            tasks.cancel_scope.cancel()

    app.router.lifespan_context = lifespan


async def _loop(engine: Engine, tick: float) -> None:
    while True:
        try:
            report = await engine.run_once()
            if report.ran or report.sent or report.failed:
                log.info("rules: %s", report)
        except Exception:  # noqa: BLE001 - one bad pass must not stop the watch; the next tick tries again
            log.exception("rules: a pass failed")
        await anyio.sleep(tick)
