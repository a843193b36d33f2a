"""A circuit breaker per upstream: stop calling a service that keeps failing.

After `threshold` consecutive failures (5xx, timeouts, resets) the circuit opens for
`cooldown` seconds and calls fail fast; then one trial call is let through (half-open).
A success closes it again.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from . import metrics
from .errors import UpstreamUnavailable

CLOSED, OPEN, HALF_OPEN = "closed", "open", "half-open"
_STATE_VALUE = {CLOSED: 0, HALF_OPEN: 1, OPEN: 2}


class CircuitBreaker:
    def __init__(
        self, upstream: str, threshold: int = 5, cooldown: float = 30.0, clock: Callable[[], float] = time.monotonic
    ):
        self.upstream, self.threshold, self.cooldown = upstream, threshold, cooldown
        self._clock = clock
        self._failures = 0
        self._opened_at = 0.0
        self._state = CLOSED
        self._trial_running = False
        self._lock = threading.Lock()
        metrics.CIRCUIT_STATE.labels(upstream=upstream).set(0)  # a sample from the start, not after a trip

    @property
    def state(self) -> str:
        with self._lock:
            return self._current_state()

    def _current_state(self) -> str:
        if self._state == OPEN and self._clock() - self._opened_at >= self.cooldown:
            self._set(HALF_OPEN)
        return self._state

    def _set(self, state: str) -> None:
        self._state = state
        metrics.CIRCUIT_STATE.labels(upstream=self.upstream).set(_STATE_VALUE[state])

    def before_call(self) -> None:
        with self._lock:
            state = self._current_state()
            if state == OPEN or (state == HALF_OPEN and self._trial_running):
                wait = max(1, round(self.cooldown - (self._clock() - self._opened_at)))
                raise UpstreamUnavailable(
                    f"{self.upstream} has been failing repeatedly; calls are paused for about {wait} s. "
                    "Try again shortly."
                )
            if state == HALF_OPEN:
                self._trial_running = True

    def record_success(self) -> None:
        with self._lock:
            self._failures = 0
            self._trial_running = False
            if self._state != CLOSED:
                self._set(CLOSED)

    def record_failure(self) -> None:
        with self._lock:
            self._failures += 1
            self._trial_running = False
            if self._state == HALF_OPEN or self._failures >= self.threshold:
                self._opened_at = self._clock()
                self._set(OPEN)
