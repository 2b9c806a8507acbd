"""Driving a limiter on a simulated clock: demand that comes back exactly when told to."""

from __future__ import annotations

import heapq

from ingest.limits import Limiter, LimitScope


def first_grant(limiter: Limiter, scope: LimitScope, now: float, window: float = 10.0):
    """A grant past the boot of a fresh limit of `window` seconds: its assumed-full log has
    expired by then."""
    limiter.acquire(scope, now=now)
    permit = limiter.acquire(scope, now=now + window * 1.1)
    if not permit.granted:
        raise AssertionError(f"no grant after the boot of {scope}: {permit}")
    return permit


def saturate(limiter: Limiter, scope: LimitScope, start: float, end: float, fetchers: int = 16,
             on_time=None, on_grant=None) -> list[float]:
    """Grant times of `fetchers` callers that always want a permit, from `start` to `end`.

    A refused caller comes back after the wait it was given; a granted one calls at once and
    asks again just after.
    `on_time(now)` runs before each attempt (to flush keys mid-run, for example);
    `on_grant(at, permit)` after each grant, `at` being when its call starts (to answer it).
    """
    queue = [(start, caller) for caller in range(fetchers)]
    heapq.heapify(queue)
    granted: list[float] = []
    while queue:
        now, caller = heapq.heappop(queue)
        if now >= end:
            continue
        if on_time is not None:
            on_time(now)
        permit = limiter.acquire(scope, now=now)
        if permit.granted:
            granted.append(now)
            if on_grant is not None:
                on_grant(now, permit)
            heapq.heappush(queue, (now + 1e-3, caller))
        else:
            heapq.heappush(queue, (now + permit.wait, caller))
    return sorted(granted)


def most_in_any_window(times: list[float], window: float) -> int:
    """The largest number of times inside one half-open interval of length `window`."""
    ordered = sorted(times)
    most, first = 0, 0
    for last, at in enumerate(ordered):
        while at - ordered[first] >= window:
            first += 1
        most = max(most, last - first + 1)
    return most


def counts_in_fixed_windows(times: list[float], window: float, origin: float, start: float,
                            end: float) -> list[int]:
    """Calls in each whole window [origin + k*window, ...) lying within [start, end)."""
    first = int((start - origin) // window) + 1
    last = int((end - origin) // window)
    return [sum(1 for t in times if origin + k * window <= t < origin + (k + 1) * window)
            for k in range(first, last)]
