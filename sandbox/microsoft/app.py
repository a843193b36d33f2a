"""Microsoft 365 emulator app (placeholder until the identity provider and Graph drive land)."""

from __future__ import annotations

from starlette.applications import Starlette


def create_app(*, latency_ms: int = 0) -> Starlette:
    return Starlette(routes=[])
