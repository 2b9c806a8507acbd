"""The state of one hidden rule, per scope key, for each shape a server's limit can take.

A meter first judges a request (may it pass?), then, if every rule judging with it agrees, takes
it (a count, a place in the log, a token, a slot) and says how close to its limit it now is: its
use, from 0 to 1. Only fixed windows count a request while judging it, refused or not, as the
sandbox's windows always have.
"""

from __future__ import annotations

from collections import deque

from sandbox.hidden_rules import Figures
from sandbox.windows import WindowCounters

ROUNDING = 1e-9


class Meter:
    """What every shape keeps: its figures and its tallies since the last reset."""

    shape = ""

    def __init__(self, figures: Figures) -> None:
        self.figures = figures
        self.by_key: dict[tuple, object] = {}
        self.accepted = 0
        self.refused = 0
        self.in_flight = 0
        self.peak_in_flight = 0

    def retune(self, figures: Figures, now: float) -> None:
        """Take a changed scenario's figures; what the meter remembers stays."""
        self.figures = figures

    def forget(self) -> None:
        """Back to an unused rule; requests still in flight stay counted as in flight."""
        self.by_key.clear()
        self.accepted = 0
        self.refused = 0
        self.peak_in_flight = self.in_flight

    def judge(self, key: tuple, now: float) -> bool:
        raise NotImplementedError

    def take(self, key: tuple, now: float) -> float:
        """Let the request in; its use of the limit after it."""
        self.accepted += 1
        self.in_flight += 1
        self.peak_in_flight = max(self.peak_in_flight, self.in_flight)
        return min(1.0, self._taken(key, now))

    def _taken(self, key: tuple, now: float) -> float:
        raise NotImplementedError

    def leave(self, key: tuple) -> None:
        """The answer of a request this meter let in has been sent."""
        self.in_flight -= 1

    def tally(self) -> dict:
        return {"shape": self.shape, "accepted": self.accepted, "refused": self.refused,
                "in_flight": self.in_flight, "peak_in_flight": self.peak_in_flight}


class FixedWindowMeter(Meter):
    """At most `limit` requests per window aligned to multiples of its length; every request
    counts, refused ones included."""

    shape = "fixed_window"

    def __init__(self, figures: Figures) -> None:
        super().__init__(figures)
        self._windows = WindowCounters()

    def forget(self) -> None:
        super().forget()
        self._windows.clear()

    def judge(self, key: tuple, now: float) -> bool:
        count, _ = self._windows.hit(key, self.figures.window, now)
        self.by_key[key] = count
        return count <= self.figures.limit

    def _taken(self, key: tuple, now: float) -> float:
        return self.by_key[key] / self.figures.limit


class SlidingWindowMeter(Meter):
    """At most `limit` accepted requests in any trailing window: a log of acceptance times."""

    shape = "sliding_window"

    def _log(self, key: tuple, now: float) -> deque[float]:
        log = self.by_key.setdefault(key, deque())
        edge = now - self.figures.window
        while log and log[0] <= edge:
            log.popleft()
        return log

    def judge(self, key: tuple, now: float) -> bool:
        return len(self._log(key, now)) < self.figures.limit

    def _taken(self, key: tuple, now: float) -> float:
        log = self._log(key, now)
        log.append(now)
        return len(log) / self.figures.limit


class TokenBucketMeter(Meter):
    """A bucket of `burst` tokens, full at first, refilled at `rate` per second; a request takes
    a token or is refused."""

    shape = "token_bucket"

    def retune(self, figures: Figures, now: float) -> None:
        """Tokens earned at the old rate are kept, down to the new bucket's size."""
        for key in self.by_key:
            self._bucket(key, now)
        super().retune(figures, now)
        for bucket in self.by_key.values():
            bucket[0] = min(bucket[0], figures.burst)

    def _bucket(self, key: tuple, now: float) -> list[float]:
        bucket = self.by_key.get(key)
        if bucket is None:
            bucket = self.by_key[key] = [float(self.figures.burst), now]
        elapsed = max(0.0, now - bucket[1])
        bucket[0] = min(float(self.figures.burst), bucket[0] + elapsed * self.figures.rate)
        bucket[1] = now
        return bucket

    def judge(self, key: tuple, now: float) -> bool:
        return self._bucket(key, now)[0] >= 1.0 - ROUNDING

    def _taken(self, key: tuple, now: float) -> float:
        bucket = self._bucket(key, now)
        bucket[0] = max(0.0, bucket[0] - 1.0)
        return 1.0 - bucket[0] / self.figures.burst


class ConcurrencyMeter(Meter):
    """At most `limit` requests in flight at once, from arrival until the answer is sent."""

    shape = "concurrency"

    def forget(self) -> None:
        """The requests open now stay open, and counted."""
        held = dict(self.by_key)
        super().forget()
        self.by_key.update(held)

    def judge(self, key: tuple, now: float) -> bool:
        return self.by_key.get(key, 0) < self.figures.limit

    def _taken(self, key: tuple, now: float) -> float:
        self.by_key[key] = self.by_key.get(key, 0) + 1
        return self.by_key[key] / self.figures.limit

    def leave(self, key: tuple) -> None:
        super().leave(key)
        left = self.by_key.get(key, 0) - 1
        if left > 0:
            self.by_key[key] = left
        else:
            self.by_key.pop(key, None)


METERS: dict[str, type[Meter]] = {meter.shape: meter for meter in
                                  (FixedWindowMeter, SlidingWindowMeter, TokenBucketMeter, ConcurrencyMeter)}


def slowdown_delay(slowdown: float, use: float) -> float:
    """A server near its limit answers later: nothing below half its use, `slowdown` at full."""
    if slowdown <= 0 or use < 0.5:
        return 0.0
    return slowdown * (use - 0.5) / 0.5
