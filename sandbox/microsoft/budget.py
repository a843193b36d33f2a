"""SharePoint/OneDrive resource units: a per-minute budget per application, as Graph meters drive calls.

Costs (learn.microsoft.com/sharepoint/dev/general-development/how-to-avoid-getting-throttled-or-blocked-in-
sharepoint-online): 1 RU for a single-item GET, a download or a delta with a token; 2 RU for a listing, a search,
a delta without a token or a write; 5 RU for permission calls (including ``$expand=permissions``). Throttled calls
still count. Off by default (set ``per_minute`` through the control API); the smallest real tenant gets 1,200.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import parse_qs

_PERMISSION_CALLS = ("/permissions", "invite", "createLink")
_LISTINGS = ("/children", "search(", "/drives", "sharedWithMe")


def cost(method: str, path: str, query: str) -> int:
    """Resource units one Graph call costs."""
    expand = ",".join(parse_qs(query).get("$expand", []))
    if any(p in path for p in _PERMISSION_CALLS) or "permissions" in expand:
        return 5
    if method != "GET":
        return 2
    if "delta" in path:
        return 1 if "token=" in query or "token=" in path else 2
    if any(p in path for p in _LISTINGS) or path.rstrip("/").endswith("/sites"):
        return 2
    return 1


@dataclass
class Verdict:
    allowed: bool
    limit: int
    remaining: int
    reset_s: int  # seconds until the minute's budget is restored
    near_limit: bool  # 80% used: Graph starts sending RateLimit-* headers


@dataclass
class ResourceUnits:
    per_minute: int | None = None  # None: not enforced
    clock: Callable[[], float] = field(default=time.monotonic)
    _windows: dict[str, tuple[float, int]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def reset(self, per_minute: int | None = None) -> None:
        with self._lock:
            self.per_minute = per_minute
            self._windows.clear()

    def spend(self, app_key: str, units: int) -> Verdict | None:
        if self.per_minute is None:
            return None
        now = self.clock()
        with self._lock:
            start, used = self._windows.get(app_key, (now, 0))
            if now - start >= 60:
                start, used = now, 0
            used += units
            self._windows[app_key] = (start, used)
        limit = self.per_minute
        reset_s = max(1, math.ceil(start + 60 - now))
        return Verdict(used <= limit, limit, max(0, limit - used), reset_s, used >= 0.8 * limit)
