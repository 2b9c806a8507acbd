"""Many threads and two processes taking permits at once: never more than L in any window."""

from __future__ import annotations

import multiprocessing
import threading
import time

import redis

from ingest.limits import KnownLimit, Limiter, LimitScope

from tests.limits.support import counts_in_fixed_windows, most_in_any_window

LIMIT, WINDOW = 20, 1.0
SCOPE = LimitScope(source="bsky", host="b.example", known=(KnownLimit(LIMIT, WINDOW, ("host", "ip")),))


class SteppingClock:
    """A clock every caller moves forward by one step: threads interleave, times stay unique."""

    def __init__(self, start: float, step: float) -> None:
        self._now, self._step, self._lock = start, step, threading.Lock()

    def next(self) -> float:
        with self._lock:
            self._now += self._step
            return self._now


def test_threads_on_a_shared_clock_never_exceed_the_limit(client):
    limiter = Limiter(client, prefix="threads")
    clock = SteppingClock(5_000_000.0, 0.002)
    granted: list[float] = []

    def fetcher():
        for _ in range(250):
            permit = limiter.acquire(SCOPE, now=clock.next())
            if permit.granted:
                granted.append(permit.granted_at)

    threads = [threading.Thread(target=fetcher) for _ in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert most_in_any_window(granted, WINDOW) <= LIMIT
    assert len(granted) >= 0.95 * LIMIT * (3000 * 0.002 - 1.0) / WINDOW


def take_permits(url: str, prefix: str, seconds: float, fetchers: int) -> list[float]:
    """One worker process: `fetchers` threads taking permits on Redis's clock for `seconds`."""
    client = redis.Redis.from_url(url)
    limiter = Limiter(client, prefix=prefix)
    granted: list[float] = []
    deadline = time.monotonic() + seconds

    def fetcher():
        while time.monotonic() < deadline:
            permit = limiter.acquire(SCOPE)
            if permit.granted:
                granted.append(permit.granted_at)
            else:
                time.sleep(permit.wait)

    threads = [threading.Thread(target=fetcher) for _ in range(fetchers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return granted


def test_two_processes_of_eight_fetchers_share_the_limit(redis_url, client):
    context = multiprocessing.get_context("spawn")
    with context.Pool(2) as pool:
        results = pool.starmap(take_permits, [(redis_url, "processes", 4.5, 8)] * 2)
    granted = sorted(results[0] + results[1])
    assert results[0] and results[1]
    assert most_in_any_window(granted, WINDOW) <= LIMIT
    # How much of the limit is used is a speed figure, for the benchmarks: a loaded machine
    # may leave a window short. Every window sees grants.
    counts = counts_in_fixed_windows(granted, WINDOW, granted[0], granted[0], granted[-1])
    assert len(counts) >= 3 and min(counts) > 0, counts
