"""The adaptive rate curves, with exact numbers and a clock the tests move."""

from dataclasses import replace

import pytest

from ingest.limits.curves import AimdCurve, CubicCurve, CurveState, PowerLawCurve, pace, resumed

EXACT = {"rel": 1e-12, "abs": 1e-12}


def test_power_law_starts_at_the_initial_rate_and_probes_upwards_along_a_cube():
    curve = PowerLawCurve(initial_rate=1.0)
    state = curve.start(100.0)
    assert curve.period(1.0) == 20.0  # 150 calls at 1/s, capped at 20 s
    assert state == CurveState(rate=1.0, peak=1.0, since=80.0, strikes=0, last_success=100.0)
    assert curve.rate_at(state, 100.0) == 1.0
    assert curve.rate_at(state, 104.0) == 2.0  # one probe period: 1 * (1 + 1**3)


def test_growth_stops_idle_grace_seconds_after_the_last_success():
    curve = PowerLawCurve(initial_rate=1.0, idle_grace=5.0)
    state = curve.start(100.0)
    assert curve.rate_at(state, 105.0) == pytest.approx(1.0 + (5 / 4) ** 3, **EXACT)
    assert curve.rate_at(state, 500.0) == curve.rate_at(state, 105.0)


def test_a_success_after_idle_time_resumes_the_curve_where_it_stopped():
    state = CurveState(rate=1.0, peak=2.0, since=10.0, last_success=20.0)
    after = resumed(state, 40.0, idle_grace=5.0)
    assert after.since == 25.0 and after.last_success == 40.0
    assert resumed(state, 23.0, idle_grace=5.0).since == 10.0


def test_power_law_climbs_to_its_plateau_along_a_concave_cube_over_one_period():
    curve = PowerLawCurve(cycle_calls=100.0)
    state = CurveState(rate=10.0, peak=20.0, since=0.0, last_success=1000.0)
    assert curve.period(20.0) == 5.0
    assert curve.rate_at(state, 0.0) == 10.0
    assert curve.rate_at(state, 2.5) == 18.75   # 20 - 10 * 0.5**3
    assert curve.rate_at(state, 5.0) == 20.0
    assert curve.rate_at(state, 9.0) == 40.0    # one probe period past the plateau


def test_power_law_ratchets_down_by_powers_of_the_backoff_on_signals_in_a_row():
    curve = PowerLawCurve(cycle_calls=100.0, hold=1.0)
    state = CurveState(rate=10.0, peak=20.0, since=0.0, last_success=1000.0)
    first = curve.after_signal(state, 2.5, sent_at=2.4)
    assert first.strikes == 1 and first.since == 2.5
    assert first.rate == pytest.approx(18.75 * 0.7, **EXACT)
    assert first.peak == pytest.approx(18.75 * 0.95, **EXACT)
    assert curve.after_signal(first, 3.2, sent_at=3.0) is first  # sent within the hold
    assert curve.after_signal(first, 3.2, sent_at=2.0) is first  # sent before the change
    current = curve.rate_at(first, 4.0)
    second = curve.after_signal(first, 4.0, sent_at=3.6)
    assert second.strikes == 2
    assert second.rate == pytest.approx(current * 0.7 ** 2, **EXACT)


def test_a_success_sent_after_the_change_clears_the_strikes():
    curve = PowerLawCurve()
    state = CurveState(rate=5.0, peak=9.0, since=10.0, strikes=2, last_success=11.0)
    assert curve.after_success(state, 12.0, sent_at=9.0).strikes == 2
    assert curve.after_success(state, 12.0, sent_at=10.5).strikes == 0


def test_rates_stay_within_bounds():
    curve = PowerLawCurve(min_rate=0.5, max_rate=50.0)
    state = CurveState(rate=0.1, peak=0.2, since=0.0, last_success=1000.0)
    assert curve.rate_at(state, 0.0) == 0.5
    assert curve.rate_at(replace(state, rate=100.0, peak=100.0), 0.0) == 50.0


def test_aimd_adds_per_second_and_halves_on_a_signal():
    curve = AimdCurve(initial_rate=1.0, increase=1.0, decrease=0.5)
    state = curve.start(0.0)
    assert curve.rate_at(state, 3.0) == 4.0
    assert curve.rate_at(state, 10.0) == 6.0  # growth stopped 5 s after the last success
    after = curve.after_signal(state, 3.0)
    assert (after.rate, after.peak, after.since) == (2.0, 4.0, 3.0)
    assert curve.rate_at(after, 4.0) == 3.0


def test_cubic_is_centred_on_the_rate_of_the_last_signal():
    curve = CubicCurve(initial_rate=1.0, beta=0.7, scale=0.4)
    state = curve.start(0.0)
    assert curve.rate_at(state, 0.0) == pytest.approx(1.0, **EXACT)
    assert curve.rate_at(state, 1.0) == pytest.approx(1.4, **EXACT)
    signalled = CurveState(rate=7.0, peak=10.0, since=0.0, last_success=100.0)
    assert curve.rate_at(signalled, 0.0) == pytest.approx(7.0, **EXACT)
    knee = (10.0 * 0.3 / 0.4) ** (1 / 3)
    assert curve.rate_at(signalled, knee) == pytest.approx(10.0, **EXACT)
    after = curve.after_signal(signalled, 2.0)
    assert after.peak == pytest.approx(curve.rate_at(signalled, 2.0), **EXACT)
    assert after.rate == pytest.approx(0.7 * after.peak, **EXACT)


def test_pace_is_gcra_at_the_rate_with_a_burst():
    assert pace(None, 10.0, 2.0, burst=1.0) == (True, 0.0, 10.5)
    granted, wait, tat = pace(10.5, 10.2, 2.0, burst=1.0)
    assert not granted and wait == pytest.approx(0.3, **EXACT) and tat == 10.5
    assert pace(10.5, 10.2, 2.0, burst=2.0) == (True, 0.0, 11.0)


def test_bad_parameters_are_refused():
    with pytest.raises(ValueError):
        PowerLawCurve(backoff=1.5)
    with pytest.raises(ValueError):
        AimdCurve(initial_rate=0.0)
