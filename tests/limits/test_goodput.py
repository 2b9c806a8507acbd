"""GoodputCurve with exact numbers, and the store's caps around it (batch grants, calls in
flight, the rate actually used) against a private Redis."""

from __future__ import annotations

import pytest

from ingest.limits import GoodputCurve, Limiter, LimitReading, LimitScope, Outcome
from ingest.limits.curves import CurveState

EXACT = {"rel": 1e-12, "abs": 1e-12}
T0 = 9_000_000.0
HN = LimitScope(source="hn", host="hn.example")
STEADY = CurveState(rate=50.0, peak=50.0, since=0.0, last_success=100.0)  # on its plateau


def test_a_first_refusal_cuts_once_and_pauses_the_scope():
    curve = GoodputCurve()
    state = replace_since(STEADY, 99.0)
    cut = curve.after_signal(state, 100.0, sent_at=99.9, served=48.0)
    assert (cut.rate, cut.peak, cut.since, cut.strikes) == pytest.approx((35.0, 47.5, 100.0, 1), **EXACT)
    assert cut.pause == curve.first_pause and cut.spent == curve.first_pause
    assert curve.after_signal(cut, 100.1, sent_at=99.95, served=10.0) == cut  # sent before the cut


def test_the_rate_paced_at_bounds_the_cut_when_demand_kept_it_under_the_curve():
    cut = GoodputCurve().after_signal(replace_since(STEADY, 99.0), 100.0, sent_at=100.0, paced=20.0)
    assert (cut.rate, cut.peak) == pytest.approx((14.0, 19.0), **EXACT)


def test_a_budget_still_spent_after_the_pause_brings_the_rate_to_what_was_served():
    curve = GoodputCurve()
    cut = curve.after_signal(replace_since(STEADY, 99.0), 100.0, sent_at=99.9)
    spent = curve.after_signal(cut, 100.3, sent_at=100.25, served=20.0)
    assert (spent.rate, spent.peak, spent.sustained) == pytest.approx((19.0, 19.0, 20.0), **EXACT)
    assert spent.pause == 2 * curve.first_pause and spent.strikes == 2
    again = curve.after_signal(spent, 100.8, sent_at=100.75, served=5.0)
    assert (again.rate, again.peak) == (spent.rate, spent.peak)  # once per epoch
    assert again.pause == 4 * curve.first_pause
    assert again.spent == pytest.approx(7 * curve.first_pause, **EXACT)


def test_the_probe_past_the_plateau_slows_with_the_time_the_budget_stayed_spent():
    curve = GoodputCurve(start_probe=2.0, probe_period=8.0, probe_spent=10.0, max_probe=30.0)
    assert [curve.probe_length(spent) for spent in (0.0, 0.2, 1.4, 6.0)] == [2.0, 8.0, 14.0, 30.0]


def test_a_batch_grant_at_a_fresh_rate_holds_a_fan_out_to_the_burst(limiter):
    grant = limiter.grant(HN, 500, now=T0)
    assert grant.granted_at == (T0, T0)          # burst 2 at the initial 1 call a second
    assert grant.wait == pytest.approx(1.0, abs=1e-9)
    assert limiter.grant(HN, 500, now=T0 + 0.5).granted_at == ()
    later = limiter.grant(HN, 500, now=T0 + 2.0)
    assert 1 <= len(later.granted_at) <= limiter.burst and set(later.granted_at) == {T0 + 2.0}
    assert limiter.grant(HN, 0, now=T0 + 5.0).granted_at == ()


def test_calls_in_flight_stay_under_the_cap_their_latency_sets(client):
    limiter = Limiter(client, prefix="test:flight", burst=50.0, headroom=None, in_flight_slack=1.0)
    first = limiter.acquire(HN, now=T0)
    limiter.observe(HN, LimitReading(), Outcome.OK, now=T0 + 0.5, permit=first)  # 0.5 s a call
    granted = limiter.grant(HN, 50, now=T0 + 1.0)
    assert len(granted.granted_at) == 4            # the least cap: rate 1 x 0.5 s is under it
    refused = limiter.acquire(HN, now=T0 + 1.0)
    assert not refused.granted and refused.reason == "in_flight"
    limiter.observe(HN, LimitReading(), Outcome.OK, now=T0 + 1.5, permit=granted.permits()[0])
    assert limiter.acquire(HN, now=T0 + 1.5).granted
    entry = limiter.snapshot("hn", now=T0 + 1.5)["hn"]["hn.example"]
    assert entry["in_flight"] == 4 and entry["in_flight_cap"] == 4
    assert entry["latency_min"] == pytest.approx(0.5)


def test_a_refusal_that_follows_the_calls_in_flight_sets_their_limit_and_leaves_the_rate(client):
    limiter = Limiter(client, prefix="test:cap", burst=10.0, headroom=None)
    permits = [limiter.acquire(HN, now=T0 + 0.01 * n) for n in range(3)]
    limiter.observe(HN, LimitReading(), Outcome.OK, now=T0 + 0.05, permit=permits[0])  # went with 1
    rate = limiter.snapshot("hn", now=T0 + 0.06)["hn"]["hn.example"]["rate"]
    limiter.observe(HN, LimitReading(), Outcome.THROTTLED, now=T0 + 0.06, permit=permits[2])  # with 3
    entry = limiter.snapshot("hn", now=T0 + 0.06)["hn"]["hn.example"]
    assert client.hget(limiter.store.adaptive_key("hn", "hn.example"), "in_flight_limit") == b"2"
    assert entry["rate"] == rate and entry["strikes"] == 0 and entry["paused_for"] == 0.0


def test_an_unused_rate_grows_back_at_most_by_the_headroom(client):
    limiter = Limiter(client, prefix="test:used", curve=GoodputCurve(initial_rate=1.0), headroom=2.0)
    for second in range(3):
        permit = limiter.acquire(HN, now=T0 + second)
        limiter.observe(HN, LimitReading(), Outcome.OK, now=T0 + second + 0.05, permit=permit)
    limiter.acquire(HN, now=T0 + 3.0)
    entry = limiter.snapshot("hn", now=T0 + 3.0)["hn"]["hn.example"]
    assert entry["paced"] < entry["rate"] and entry["paced"] <= 2.0 * 1.0


def replace_since(state: CurveState, since: float) -> CurveState:
    return CurveState(state.rate, state.peak, since, state.strikes, state.last_success)
