"""``/__sandbox/clock``: read or move the site's clock forward (Jira and Confluence together).

* ``GET clock`` -> ``{"now": ISO time}``
* ``POST clock {"advance_seconds": N}`` (or ``advance_hours``) -> ``{"now": ...}``: everything the site computes
  from "now" (JQL ``-48h``, ``updated``/``created`` of new writes, ``serverTime``) moves with it; the seed's
  timestamps stay, so issues age. Time never goes back (a reset of the site starts again from real time).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .jira.store import Clock

Handler = Callable[[str, str, dict], "tuple[int, Any] | None"]


def control(clocks: Callable[[], tuple[Clock, ...]], then: Handler | None = None) -> Handler:
    def handle(method: str, sub: str, payload: dict) -> tuple[int, Any] | None:
        if sub != "clock":
            return then(method, sub, payload) if then is not None else None
        current = clocks()
        if method == "POST":
            seconds = float(payload.get("advance_seconds", 0)) + 3600 * float(payload.get("advance_hours", 0))
            if seconds < 0:
                raise ValueError("the clock only moves forward: advance_seconds/advance_hours must be >= 0")
            for c in current:
                c.advance(seconds)
        elif method != "GET":
            return None
        return 200, {"now": current[0].now().isoformat()}

    return handle
