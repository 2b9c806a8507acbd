"""`curves.pace`, the GCRA simulations and benchmarks use, against the rule Redis applies
(adaptive_acquire.lua): the same asks at the same injected times get the same answers."""

from __future__ import annotations

import heapq
import random

import pytest

from ingest.limits.curves import pace
from ingest.limits.redis_store import RedisLimitStore

HOST = "api.example"
T0 = 5_000_000.0


def random_asks(seed: int, count: int = 400) -> list[tuple[float, float]]:
    """(time, rate) of asks: bursts at one moment, short and long gaps, the rate changing."""
    rng = random.Random(seed)
    now, rate, asks = T0, 2.0, []
    for _ in range(count):
        now += rng.choice([0.0, 0.0, rng.uniform(0.0, 0.4), rng.uniform(0.0, 4.0)])
        if rng.random() < 0.05:
            rate = rng.choice([0.5, 1.0, 2.0, 7.5, 40.0])
        asks.append((now, rate))
    return asks


def callers_coming_back_when_told(script_or_pace, rate: float, callers: int = 5,
                                  end: float = T0 + 30.0) -> list[tuple[float, bool, float]]:
    """Every answer to `callers` that always want a permit and come back exactly when told."""
    queue = [(T0, caller) for caller in range(callers)]
    answers = []
    while queue:
        now, caller = heapq.heappop(queue)
        if now >= end:
            continue
        granted, wait = script_or_pace(now, rate)
        answers.append((now, granted, wait))
        heapq.heappush(queue, (now + (1e-3 if granted else wait), caller))
    return answers


class Both:
    """One (source, host) asked through the Lua script and through `pace` side by side."""

    def __init__(self, client, burst: float) -> None:
        self.store = RedisLimitStore(client, prefix="test:limits")
        self.key = self.store.adaptive_key("src", HOST)
        self.client = client
        self.burst = burst
        self.tat: float | None = None

    def script(self, now: float, rate: float) -> tuple[bool, float]:
        reply = self.store.adaptive_acquire(self.key, HOST, "0", rate, self.burst, 3600.0, now)
        assert reply.reason in ("granted", "rate")
        if reply.granted:  # a grant's wait says when the next one could come
            tolerance = (self.burst - 1.0) / rate
            assert reply.wait == pytest.approx(max(0.0, self.stored_tat() - tolerance - now), abs=1e-9)
            return True, 0.0
        return False, reply.wait

    def simulated(self, now: float, rate: float) -> tuple[bool, float]:
        granted, wait, self.tat = pace(self.tat, now, rate, self.burst)
        return granted, wait

    def stored_tat(self) -> float | None:
        value = self.client.hget(self.key, "tat")
        return None if value is None else float(value)


@pytest.mark.parametrize("burst", [1.0, 2.0, 4.0])
@pytest.mark.parametrize("seed", [1, 2])
def test_random_asks_get_the_same_grants_waits_and_arrival_times(client, burst, seed):
    both = Both(client, burst)
    for now, rate in random_asks(seed):
        assert both.script(now, rate) == both.simulated(now, rate), f"ask at {now - T0:.6f} s, rate {rate}"
        assert both.stored_tat() == both.tat


@pytest.mark.parametrize("burst", [1.0, 2.0])
def test_callers_that_come_back_when_told_get_the_same_answers(client, burst):
    scripted = callers_coming_back_when_told(Both(client, burst).script, rate=3.0)
    simulated = callers_coming_back_when_told(Both(client, burst).simulated, rate=3.0)
    assert scripted == simulated
    assert sum(granted for _, granted, _ in simulated) > 80
