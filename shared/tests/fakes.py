"""Test doubles shared by the shared/ tests: a manual clock whose sleep advances time."""

from __future__ import annotations


class FakeTime:
    """`clock()` for code under test; `sleep()` records the delay and advances the clock."""

    def __init__(self, start: float = 1000.0):
        self.now = start
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    def advance(self, seconds: float) -> None:
        self.now += seconds
