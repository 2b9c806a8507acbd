"""Servers with a hidden limit of each shape, and a simulated pull that a Limiter paces against
them on a simulated clock (no sleeps): the models of sandbox/limits.py's shapes, in seconds.

A server answers a call that arrives at `t`: (refused, latency). Near its limit it slows down:
a call accepted while the shape's use is at least one half takes
`slowdown * (use - 0.5) / 0.5` seconds more than `latency`, as the sandbox's `slowdown` does.
"""

from __future__ import annotations

import heapq
import math
from collections import deque
from dataclasses import dataclass, field

from ingest.limits import Limiter, LimitReading, LimitScope, Outcome


class Shape:
    """What every shape shares: latency, slowdown, a limit that can change mid-run."""

    def __init__(self, latency: float = 0.05, slowdown: float = 0.0) -> None:
        self.latency = latency
        self.slowdown = slowdown
        self.in_flight = 0

    def call(self, t: float) -> tuple[bool, float]:
        use = self.use(t)
        if not self.admit(t):
            return True, self.latency
        self.in_flight += 1
        return False, self.latency + self.slowdown * max(0.0, use - 0.5) / 0.5

    def answered(self, refused: bool) -> None:
        if not refused:
            self.in_flight -= 1

    def use(self, t: float) -> float:
        raise NotImplementedError

    def admit(self, t: float) -> bool:
        raise NotImplementedError

    def sustained(self) -> float:
        """Calls per second the shape serves to a sender that always has calls to make."""
        raise NotImplementedError


class FixedWindow(Shape):
    def __init__(self, limit: int, window: float, **options: float) -> None:
        super().__init__(**options)
        self.limit, self.window, self.counts = limit, window, {}

    def use(self, t: float) -> float:
        return self.counts.get(math.floor(t / self.window), 0) / self.limit

    def admit(self, t: float) -> bool:
        index = math.floor(t / self.window)
        if self.counts.get(index, 0) >= self.limit:
            return False
        self.counts[index] = self.counts.get(index, 0) + 1
        return True

    def sustained(self) -> float:
        return self.limit / self.window


class SlidingWindow(FixedWindow):
    """At most `limit` accepted calls in any trailing `window` seconds; refused ones not counted."""

    def __init__(self, limit: int, window: float, **options: float) -> None:
        super().__init__(limit, window, **options)
        self.accepted: deque[float] = deque()

    def use(self, t: float) -> float:
        while self.accepted and self.accepted[0] <= t - self.window:
            self.accepted.popleft()
        return len(self.accepted) / self.limit

    def admit(self, t: float) -> bool:
        if self.use(t) >= 1.0:
            return False
        self.accepted.append(t)
        return True


class TokenBucket(Shape):
    def __init__(self, rate: float, burst: int, **options: float) -> None:
        super().__init__(**options)
        self.limit, self.burst, self.tokens, self.at = rate, burst, float(burst), 0.0

    def use(self, t: float) -> float:
        self.tokens = min(self.burst, self.tokens + (t - self.at) * self.limit)
        self.at = t
        return 1.0 - self.tokens / self.burst

    def admit(self, t: float) -> bool:
        self.use(t)
        if self.tokens < 1.0:
            return False
        self.tokens -= 1.0
        return True

    def sustained(self) -> float:
        return self.limit


class ConcurrencyCap(Shape):
    """At most `limit` calls in flight, from arrival until the answer is sent."""

    def __init__(self, limit: int, **options: float) -> None:
        super().__init__(**options)
        self.limit = limit

    def use(self, t: float) -> float:
        return self.in_flight / self.limit

    def admit(self, t: float) -> bool:
        return self.in_flight < self.limit

    def sustained(self) -> float:
        """The most calls per second over the number kept in flight, each taking the latency
        it was accepted with."""
        return max(n / (self.latency + self.slowdown * max(0.0, (n - 1) / self.limit - 0.5) / 0.5)
                   for n in range(1, self.limit + 1))


@dataclass
class Pull:
    """What a simulated pull did: when each call was sent and whether the API refused it."""

    calls: list[tuple[float, bool]] = field(default_factory=list)   # (sent at, refused)
    asks: int = 0

    def served_between(self, start: float, end: float) -> int:
        return sum(1 for t, refused in self.calls if start <= t < end and not refused)

    def refused_between(self, start: float, end: float) -> int:
        return sum(1 for t, refused in self.calls if start <= t < end and refused)

    def refused_share(self) -> float:
        return sum(refused for _, refused in self.calls) / max(1, len(self.calls))


def pull(limiter: Limiter, scope: LimitScope, shape: Shape, start: float, duration: float,
         workers: int = 16, fan_out_at: float | None = None, fan_out: int = 500,
         trickle: float | None = None, on_second=None) -> Pull:
    """`workers` callers asking for permits one at a time, each making its call as soon as it
    has one. Demand is unbounded, or, with `trickle`, that many new calls a second until the
    fan-out, when `fan_out` calls arrive at once (one page registering its children).
    `on_second(t)` runs once per simulated second (to change the limit, for example)."""
    result = Pull()
    backlog = 0.0 if trickle is not None else math.inf
    events: list[tuple[float, int, str, object]] = [(start, n, "ask", None) for n in range(workers)]
    heapq.heapify(events)
    order, last_tick, last_demand = workers, math.floor(start), start
    while events:
        now, _, kind, payload = heapq.heappop(events)
        if now >= start + duration:
            break
        while on_second is not None and last_tick + 1 <= now:
            last_tick += 1
            on_second(float(last_tick))
        if trickle is not None:
            backlog += trickle * (now - last_demand)
            if fan_out_at is not None and last_demand < start + fan_out_at <= now:
                backlog += fan_out
            last_demand = now
        if kind == "answer":
            permit, refused, sent = payload
            shape.answered(refused)
            outcome = Outcome.THROTTLED if refused else Outcome.OK
            limiter.observe(scope, LimitReading(), outcome, now=now, permit=permit, latency=now - sent)
            backlog += 1.0 if refused else 0.0
            heapq.heappush(events, (now, order, "ask", None))
        elif backlog < 1.0:
            heapq.heappush(events, (now + 0.05, order, "ask", None))
        else:
            result.asks += 1
            permit = limiter.acquire(scope, now=now)
            if permit.granted:
                backlog -= 1.0
                refused, latency = shape.call(now)
                result.calls.append((now, refused))
                heapq.heappush(events, (now + latency, order, "answer", (permit, refused, now)))
            else:
                heapq.heappush(events, (now + max(permit.wait, 1e-3), order, "ask", None))
        order += 1
    return result


def granted_in_batches(limiter: Limiter, scope: LimitScope, shape: Shape, start: float,
                       duration: float, parked: int, fan_out_at: float | None = None,
                       fan_out: int = 500, on_second=None) -> Pull:
    """A waiting room's release: `parked` calls wait (and `fan_out` more from `fan_out_at`
    seconds on); each round grants as many as `Limiter.grant` allows, sends them at once, and
    comes back after the grant's wait. A refused call waits again."""
    result = Pull()
    events: list[tuple[float, int, str, object]] = [(start, 0, "release", None)]
    order, last_tick = 1, math.floor(start)
    while events:
        now, _, kind, payload = heapq.heappop(events)
        if now >= start + duration:
            break
        while on_second is not None and last_tick + 1 <= now:
            last_tick += 1
            on_second(float(last_tick))
        if fan_out_at is not None and now >= start + fan_out_at:
            parked, fan_out_at = parked + fan_out, None
        if kind == "answer":
            permit, refused, sent = payload
            shape.answered(refused)
            limiter.observe(scope, LimitReading(), Outcome.THROTTLED if refused else Outcome.OK,
                            now=now, permit=permit, latency=now - sent)
            if refused:
                parked += 1
            continue
        if parked:
            result.asks += 1
            grant = limiter.grant(scope, parked, now=now)
            for permit in grant.permits():
                parked -= 1
                refused, latency = shape.call(now)
                result.calls.append((now, refused))
                heapq.heappush(events, (now + latency, order, "answer", (permit, refused, now)))
                order += 1
            heapq.heappush(events, (now + max(grant.wait, 1e-3), order, "release", None))
        else:
            heapq.heappush(events, (now + 0.05, order, "release", None))
        order += 1
    return result

