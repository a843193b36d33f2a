"""The mutable Confluence site: store + clock + seed, re-seedable by the control API."""

from __future__ import annotations

from datetime import datetime

from .seed import build_store
from .store import Clock


class ConfluenceSite:
    grants = None  # the identity provider's GrantStore (set by create_app): issued OAuth tokens are accepted too

    def __init__(self, seed: int = 42, now: datetime | None = None):
        self.seed = seed
        self.now = now
        self.reset()

    def reset(self) -> None:
        self.store = build_store(self.seed, clock=Clock(self.now))

    @property
    def fixtures(self) -> dict:
        return self.store.fixtures
