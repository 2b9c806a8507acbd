"""Backoff and stop strategies: small objects, pure functions of the attempt number.

Randomness is passed in (a callable returning a float in [0, 1)), so every curve can be
tested with exact numbers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

Random = Callable[[], float]


@dataclass(frozen=True)
class ExponentialJitterBackoff:
    """Seconds before retry `attempt` (1-based): half of an exponentially growing ceiling,
    plus a random share of the other half, so retries of many tasks spread out but never
    come back at once after zero seconds."""

    initial: float = 1.0
    multiplier: float = 2.0
    maximum: float = 60.0

    def ceiling(self, attempt: int) -> float:
        return min(self.maximum, self.initial * self.multiplier ** max(0, attempt - 1))

    def __call__(self, attempt: int, random: Random) -> float:
        ceiling = self.ceiling(attempt)
        return ceiling / 2 + random() * ceiling / 2


@dataclass(frozen=True)
class StopAfterAttempt:
    """Give up once `attempts` attempts have failed."""

    attempts: int = 5

    def __call__(self, attempt: int) -> bool:
        return attempt >= self.attempts
