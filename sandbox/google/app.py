"""Google Workspace emulator app (placeholder until Drive lands)."""

from __future__ import annotations

from starlette.applications import Starlette


def create_app(*, latency_ms: int = 0) -> Starlette:
    return Starlette(routes=[])
