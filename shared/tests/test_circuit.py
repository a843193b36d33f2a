"""Circuit breaker: open after N consecutive failures, fail fast, half-open after the cooldown."""

from __future__ import annotations

import pytest

from shared.circuit import CLOSED, HALF_OPEN, OPEN, CircuitBreaker
from shared.errors import UpstreamUnavailable

from .fakes import FakeTime


def make_breaker(threshold: int = 3, cooldown: float = 30.0) -> tuple[CircuitBreaker, FakeTime]:
    time = FakeTime()
    return CircuitBreaker("Jira", threshold=threshold, cooldown=cooldown, clock=time.clock), time


def fail(breaker: CircuitBreaker, times: int) -> None:
    for _ in range(times):
        breaker.before_call()
        breaker.record_failure()


def test_stays_closed_below_the_threshold():
    breaker, _ = make_breaker(threshold=3)
    fail(breaker, 2)
    assert breaker.state == CLOSED
    breaker.before_call()  # does not raise


def test_opens_after_threshold_consecutive_failures_and_fails_fast():
    breaker, _ = make_breaker(threshold=3, cooldown=30)
    fail(breaker, 3)
    assert breaker.state == OPEN
    with pytest.raises(UpstreamUnavailable, match=r"Jira has been failing repeatedly.*about 30 s"):
        breaker.before_call()


def test_a_success_resets_the_consecutive_count():
    breaker, _ = make_breaker(threshold=3)
    fail(breaker, 2)
    breaker.record_success()
    fail(breaker, 2)
    assert breaker.state == CLOSED


def test_half_opens_after_the_cooldown_and_lets_one_trial_through():
    breaker, time = make_breaker(threshold=2, cooldown=30)
    fail(breaker, 2)
    time.advance(29.9)
    assert breaker.state == OPEN
    time.advance(0.1)
    assert breaker.state == HALF_OPEN
    breaker.before_call()  # the trial
    with pytest.raises(UpstreamUnavailable):
        breaker.before_call()  # a second caller while the trial runs


def test_successful_trial_closes():
    breaker, time = make_breaker(threshold=2, cooldown=30)
    fail(breaker, 2)
    time.advance(30)
    breaker.before_call()
    breaker.record_success()
    assert breaker.state == CLOSED
    breaker.before_call()
    breaker.before_call()


def test_failed_trial_reopens_for_a_full_cooldown():
    breaker, time = make_breaker(threshold=5, cooldown=30)
    fail(breaker, 5)
    time.advance(30)
    breaker.before_call()
    breaker.record_failure()  # one failure is enough in half-open
    assert breaker.state == OPEN
    time.advance(29)
    with pytest.raises(UpstreamUnavailable):
        breaker.before_call()
    time.advance(1)
    assert breaker.state == HALF_OPEN


def test_wait_in_message_counts_down_with_the_clock():
    breaker, time = make_breaker(threshold=1, cooldown=30)
    fail(breaker, 1)
    time.advance(20)
    with pytest.raises(UpstreamUnavailable, match="about 10 s"):
        breaker.before_call()
