"""The adaptive rate of unknown limits, shared through a real Redis."""

from __future__ import annotations

import pytest

from ingest.limits import Limiter, LimitReading, LimitScope, Outcome, PowerLawCurve

T0 = 3_000_000.0
HN = LimitScope(source="hn", host="hn.example")


def run_calls(limiter, target, start, end, outcome=Outcome.OK):
    """Call whenever a permit is granted, observing each call 0.05 s later."""
    now, granted = start, 0
    while now < end:
        permit = limiter.acquire(target, now=now)
        if permit.granted:
            limiter.observe(target, LimitReading(), outcome, now=now + 0.05, permit=permit)
            granted += 1
            now += 0.001
        else:
            now += permit.wait
    return granted


def test_the_rate_ramps_up_while_calls_succeed(limiter):
    curve = limiter.curve
    run_calls(limiter, HN, T0, T0 + 1.0)
    slow = limiter.snapshot("hn", now=T0 + 1.0)["hn"]["hn.example"]["rate"]
    run_calls(limiter, HN, T0 + 1.0, T0 + 12.0)
    fast = limiter.snapshot("hn", now=T0 + 12.0)["hn"]["hn.example"]["rate"]
    assert slow == pytest.approx(curve.rate_at(curve.start(T0), T0 + 1.0), rel=1e-6)
    assert fast > 10 * slow


def test_a_429_cuts_the_rate_once_and_one_before_any_success_pauses_every_worker(limiter):
    run_calls(limiter, HN, T0, T0 + 12.0)
    permit = limiter.acquire(HN, now=T0 + 12.0)
    before = limiter.snapshot("hn", now=T0 + 12.0)["hn"]["hn.example"]  # paced at that grant
    limiter.observe(HN, LimitReading(), Outcome.THROTTLED, now=T0 + 12.05, permit=permit)
    after = limiter.snapshot("hn", now=T0 + 12.05)["hn"]["hn.example"]
    assert after["rate"] == pytest.approx(0.7 * min(before["rate"], before["paced"]), rel=0.01)
    assert after["strikes"] == 1 and after["refusals"] == 1
    assert after["paused_for"] == pytest.approx(limiter.curve.first_pause)
    assert limiter.acquire(HN, now=T0 + 12.2).reason == "pause"
    permit = limiter.acquire(HN, now=T0 + 12.3)
    limiter.observe(HN, LimitReading(), Outcome.UNAVAILABLE, now=T0 + 12.35, permit=permit)
    again = limiter.snapshot("hn", now=T0 + 12.35)["hn"]["hn.example"]
    assert again["strikes"] == 2 and again["paused_for"] == pytest.approx(2 * limiter.curve.first_pause)
    assert again["rate"] <= after["rate"]


def test_a_decrease_made_by_one_worker_slows_every_worker(client):
    first, second = (Limiter(client, prefix="shared", curve=PowerLawCurve()) for _ in range(2))
    run_calls(first, HN, T0, T0 + 10.0)
    run_calls(second, HN, T0 + 10.0, T0 + 10.5)
    rate_seen_by_second = second.curve.rate_at(second._curves[second.store.adaptive_key("hn", "hn.example")][1], T0 + 10.5)
    permit = first.acquire(HN, now=T0 + 10.5)
    first.observe(HN, LimitReading(), Outcome.TIMEOUT, now=T0 + 10.6, permit=permit)
    shared = second.snapshot("hn", now=T0 + 10.6)["hn"]["hn.example"]["rate"]
    assert shared == pytest.approx(0.7 * rate_seen_by_second, rel=0.1)  # the power law's cut
    second.acquire(HN, now=T0 + 10.7)  # finds its cached curve stale and adopts the new one
    key = second.store.adaptive_key("hn", "hn.example")
    assert second._curves[key][1].strikes == 1


def test_errors_that_are_not_limit_signals_leave_the_rate_alone(limiter):
    run_calls(limiter, HN, T0, T0 + 5.0)
    before = limiter.snapshot("hn", now=T0 + 5.0)["hn"]["hn.example"]
    permit = limiter.acquire(HN, now=T0 + 5.0)
    limiter.observe(HN, LimitReading(), Outcome.ERROR, now=T0 + 5.0, permit=permit)
    after = limiter.snapshot("hn", now=T0 + 5.0)["hn"]["hn.example"]
    assert after["rate"] == before["rate"] and after["calls"]["error"] == 1


def test_a_flushed_rate_is_restored_from_the_worker_s_last_view(limiter, client):
    run_calls(limiter, HN, T0, T0 + 10.0)
    before = limiter.snapshot("hn", now=T0 + 10.0)["hn"]["hn.example"]["rate"]
    client.flushdb()
    assert limiter.acquire(HN, now=T0 + 10.0).granted
    after = limiter.snapshot("hn", now=T0 + 10.0)["hn"]["hn.example"]["rate"]
    assert after == pytest.approx(before)
