"""The mutable Confluence site: store + clock + seed, re-seedable by the control API."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from .seed import Fixtures, build_store
from .store import Clock

if TYPE_CHECKING:
    from ..oauth_grants import GrantStore


class ConfluenceSite:
    # the identity provider's grants (set by create_app): OAuth tokens it issued are accepted too
    grants: GrantStore | None = None

    def __init__(self, seed: int = 42, now: datetime | None = None):
        self.seed = seed
        self.now = now
        self.reset()

    def reset(self) -> None:
        self.store = build_store(self.seed, clock=Clock(self.now))

    @property
    def fixtures(self) -> Fixtures:
        return self.store.fixtures
