"""Fault rules: matched per request, fire ``times`` times, then disappear."""

from __future__ import annotations

import itertools
import re
import threading
from dataclasses import dataclass, field

KINDS = {"latency", "status", "timeout", "reset", "malformed", "expired_credentials", "rate_limit"}
AFTER_WRITE_KINDS = {"status", "timeout", "reset"}


class FaultError(ValueError):
    pass


@dataclass
class Fault:
    id: str
    kind: str
    method: str | None = None
    path: str | None = None
    times: int = 1
    status: int = 500
    retry_after: int | None = None
    delay_ms: int | None = None
    after_write: bool = False
    _regex: re.Pattern | None = field(default=None, repr=False)

    def matches(self, method: str, path: str) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        if self._regex is not None and not self._regex.search(path):
            return False
        return True

    def to_json(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}


class FaultInjector:
    def __init__(self):
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._ids = itertools.count(1)

    def add(self, spec: dict) -> Fault:
        kind = spec.get("kind")
        if kind not in KINDS:
            raise FaultError(f"unknown fault kind {kind!r}; expected one of {sorted(KINDS)}")
        after_write = bool(spec.get("after_write", False))
        if after_write and kind not in AFTER_WRITE_KINDS:
            raise FaultError(f"after_write is only valid for {sorted(AFTER_WRITE_KINDS)}")
        path = spec.get("path")
        try:
            regex = re.compile(path) if path else None
        except re.error as exc:
            raise FaultError(f"bad path regex: {exc}") from exc
        times = int(spec.get("times", 1))
        if times < 1:
            raise FaultError("times must be >= 1")
        f = Fault(
            id=f"f{next(self._ids)}",
            kind=kind,
            method=spec.get("method"),
            path=path,
            times=times,
            status=int(spec.get("status", 429 if kind == "rate_limit" else 500)),
            retry_after=spec.get("retry_after"),
            delay_ms=spec.get("delay_ms"),
            after_write=after_write,
            _regex=regex,
        )
        with self._lock:
            self._faults.append(f)
        return f

    def take(self, method: str, path: str) -> Fault | None:
        """Return the first matching fault and consume one of its firings."""
        with self._lock:
            for f in self._faults:
                if f.matches(method, path):
                    f.times -= 1
                    if f.times <= 0:
                        self._faults.remove(f)
                    return f
        return None

    def list(self) -> list[dict]:
        with self._lock:
            return [f.to_json() for f in self._faults]

    def clear(self) -> None:
        with self._lock:
            self._faults.clear()
