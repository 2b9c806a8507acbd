"""Time as the sandbox sees it: a monotonic clock for windows and a wall clock for headers.

Tests hand `create_app` a `ManualClock` and move time forward themselves, so that rate-limit
windows and outage windows roll over without sleeping.
"""

from __future__ import annotations

import time


class SystemClock:
    """Real time."""

    def monotonic(self) -> float:
        return time.monotonic()

    def wall(self) -> float:
        return time.time()


class ManualClock:
    """Time that moves only when told to (both clocks move together)."""

    def __init__(self, start_monotonic: float = 1_000.0, start_wall: float = 1_750_000_000.0):
        self._monotonic = start_monotonic
        self._wall = start_wall

    def monotonic(self) -> float:
        return self._monotonic

    def wall(self) -> float:
        return self._wall

    def advance(self, seconds: float) -> None:
        self._monotonic += seconds
        self._wall += seconds
