"""In-memory log of requests served by an emulator."""

from __future__ import annotations

import threading
import time


class RequestLog:
    def __init__(self, limit: int = 10_000):
        self._lock = threading.Lock()
        self._entries: list[dict] = []
        self._limit = limit

    def add(self, **entry) -> None:
        entry.setdefault("time", time.time())
        with self._lock:
            self._entries.append(entry)
            if len(self._entries) > self._limit:
                del self._entries[: len(self._entries) - self._limit]

    def entries(self) -> list[dict]:
        with self._lock:
            return list(self._entries)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()
