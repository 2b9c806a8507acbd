"""Rate curves for APIs that publish no limit: pure functions of a state, an event and a time.

A curve says how many calls per second a (source, host) may make, shared by every worker.
It ramps up while calls succeed and comes down on limit signals (429, 503, timeouts). Each
curve is a strategy object with the same four methods, so that a benchmark can swap them:

    start(now) -> CurveState                  the state of a source never seen before
    rate_at(state, now) -> float              calls per second now
    after_signal(state, now, sent_at) -> CurveState   a limit signal arrived
    after_success(state, now, sent_at) -> CurveState  a call succeeded

Signals about calls sent before the last change, or less than `hold` seconds after it, are
ignored: they were sent at the old rate, or landed in the API's window that the old rate
had already filled (APIs count in windows, commonly one second), and the change already
answered them.

The curves grow only while calls succeed: `rate_at` stops the clock `idle_grace` seconds
after the last success, and `resumed` moves `since` forward by the idle time when calls
succeed again, so a long pause never turns into a burst.

PowerLawCurve (the default). After a signal at rate r it drops to r * backoff**strikes
(strikes: signals in a row with no success between: 0.7, then 0.49 of that, then 0.34 ...,
so a limit that fell far is found in two or three steps), and sets a plateau just under r
(r * (1 - margin)). It climbs back to the plateau along a concave power of time, fast at
first and flat near the plateau, over one period of about `cycle_calls` calls; past the
period it probes upwards along a convex power of time, slow at first, then fast enough to
find a raised limit in seconds. Scaling the period with the rate keeps throttled calls near
one or two per `cycle_calls`, whatever the limit; the period is capped at `max_period` (20 s)
so that below 7.5 calls a second a raised limit is still found within about half a minute,
at the price of somewhat more throttled calls there (bench/limits_hidden_vs_botocore.py).

AimdCurve: additive increase (calls per second gained per second), multiplicative decrease.
CubicCurve: a cubic of time centred on the rate of the last signal, with the constants of
botocore's adaptive retry mode (beta 0.7, C 0.4, in calls per second).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass, replace


@dataclass(frozen=True)
class CurveState:
    """Where a curve stands. Plain numbers only: it is stored field by field in Redis."""

    rate: float          # calls per second right after the last change
    peak: float          # the rate the curve levels off at (or, for AIMD, the last signal's)
    since: float         # when the last change happened
    strikes: int = 0     # limit signals in a row without a success in between
    last_success: float = 0.0
    # kept by GoodputCurve only (see goodput.py); the other curves leave them at zero
    spent: float = 0.0       # seconds the API's budget stayed spent after the last cut
    sustained: float = 0.0   # successes per second the API served before the last cut
    pause: float = 0.0       # seconds the whole scope waits after the last refusal


def resumed(state: CurveState, now: float, idle_grace: float) -> CurveState:
    """The state after a success at `now`: the growth clock skips the idle time, if any."""
    idle = now - state.last_success - idle_grace
    since = state.since + idle if idle > 0 else state.since
    return replace(state, since=since, last_success=max(state.last_success, now))


class RateCurve(ABC):
    """What every curve shares: bounds, the growth clock, echo filtering."""

    name = "curve"

    def __init__(self, *, initial_rate: float = 1.0, min_rate: float = 0.05,
                 max_rate: float = 1000.0, idle_grace: float = 5.0, hold: float = 1.0) -> None:
        if not 0 < min_rate <= initial_rate <= max_rate:
            raise ValueError("rates must satisfy 0 < min_rate <= initial_rate <= max_rate")
        self.initial_rate = float(initial_rate)
        self.min_rate = float(min_rate)
        self.max_rate = float(max_rate)
        self.idle_grace = float(idle_grace)
        self.hold = float(hold)

    def start(self, now: float) -> CurveState:
        return CurveState(self.initial_rate, self.initial_rate, now - self._start_offset(),
                          0, now)

    def rate_at(self, state: CurveState, now: float) -> float:
        growing_until = min(now, state.last_success + self.idle_grace)
        elapsed = max(0.0, growing_until - state.since)
        return self._clamp(self._rate(state, elapsed))

    def after_signal(self, state: CurveState, now: float, sent_at: float | None = None,
                     served: float | None = None, paced: float | None = None) -> CurveState:
        """`served` (successes per second lately) and `paced` (the rate the store last paced
        at) are read by GoodputCurve only."""
        if (sent_at if sent_at is not None else now) < state.since + self.hold:
            return state
        current = self.rate_at(state, now)
        strikes = state.strikes + 1
        rate, peak = self._decrease(current, strikes)
        return replace(state, rate=self._clamp(rate), peak=self._clamp(peak), since=now,
                       strikes=strikes)

    def after_success(self, state: CurveState, now: float, sent_at: float | None = None) -> CurveState:
        state = resumed(state, now, self.idle_grace)
        if state.strikes and (sent_at is None or sent_at >= state.since):
            state = replace(state, strikes=0)
        return state

    def _clamp(self, rate: float) -> float:
        return min(self.max_rate, max(self.min_rate, rate))

    def _start_offset(self) -> float:
        """How far along its curve a new source starts (0: at the start of a recovery)."""
        return 0.0

    @abstractmethod
    def _rate(self, state: CurveState, elapsed: float) -> float:
        """The rate `elapsed` growing seconds after `state.since`, before the bounds."""

    @abstractmethod
    def _decrease(self, current: float, strikes: int) -> tuple[float, float]:
        """The rate and peak after a signal that came at `current`."""


class PowerLawCurve(RateCurve):
    """Concave power recovery to a plateau under the last failing rate, then convex probing."""

    name = "power"

    def __init__(self, *, backoff: float = 0.7, exponent: float = 3.0, margin: float = 0.05,
                 cycle_calls: float = 150.0, min_period: float = 2.0, max_period: float = 20.0,
                 probe_period: float = 4.0, **bounds: float) -> None:
        super().__init__(**bounds)
        if not 0 < backoff < 1 or not 0 <= margin < 1 or exponent < 1:
            raise ValueError("need 0 < backoff < 1, 0 <= margin < 1 and exponent >= 1")
        self.backoff = float(backoff)
        self.exponent = float(exponent)
        self.margin = float(margin)
        self.cycle_calls = float(cycle_calls)
        self.min_period = float(min_period)
        self.max_period = float(max_period)
        self.probe_period = float(probe_period)

    def period(self, peak: float) -> float:
        """Seconds to climb back to the plateau: about `cycle_calls` calls, within bounds."""
        return min(self.max_period, max(self.min_period, self.cycle_calls / peak))

    def _start_offset(self) -> float:
        return self.period(self.initial_rate)

    def _rate(self, state: CurveState, elapsed: float) -> float:
        period = self.period(state.peak)
        if elapsed < period:
            left = 1.0 - elapsed / period
            return state.peak - (state.peak - state.rate) * left ** self.exponent
        probing = (elapsed - period) / self._probe_length(state)
        return state.peak * (1.0 + probing ** self.exponent)

    def _probe_length(self, state: CurveState) -> float:
        """Seconds the probe past the plateau takes to double the rate."""
        return self.probe_period

    def _decrease(self, current: float, strikes: int) -> tuple[float, float]:
        return current * self.backoff ** strikes, current * (1.0 - self.margin)


class AimdCurve(RateCurve):
    """Additive increase, multiplicative decrease."""

    name = "aimd"

    def __init__(self, *, increase: float = 1.0, decrease: float = 0.5, **bounds: float) -> None:
        super().__init__(**bounds)
        if increase <= 0 or not 0 < decrease < 1:
            raise ValueError("need increase > 0 and 0 < decrease < 1")
        self.increase = float(increase)
        self.decrease = float(decrease)

    def _rate(self, state: CurveState, elapsed: float) -> float:
        return state.rate + self.increase * elapsed

    def _decrease(self, current: float, strikes: int) -> tuple[float, float]:
        return current * self.decrease, current


class CubicCurve(RateCurve):
    """rate(t) = C * (t - K)**3 + peak, K = cbrt(peak * (1 - beta) / C)."""

    name = "cubic"

    def __init__(self, *, beta: float = 0.7, scale: float = 0.4, **bounds: float) -> None:
        super().__init__(**bounds)
        if not 0 < beta < 1 or scale <= 0:
            raise ValueError("need 0 < beta < 1 and scale > 0")
        self.beta = float(beta)
        self.scale = float(scale)

    def _knee(self, peak: float) -> float:
        return (peak * (1.0 - self.beta) / self.scale) ** (1.0 / 3.0)

    def _start_offset(self) -> float:
        return self._knee(self.initial_rate)

    def _rate(self, state: CurveState, elapsed: float) -> float:
        return self.scale * (elapsed - self._knee(state.peak)) ** 3 + state.peak

    def _decrease(self, current: float, strikes: int) -> tuple[float, float]:
        return current * self.beta, current


def pace(tat: float | None, now: float, rate: float, burst: float = 2.0) -> tuple[bool, float, float]:
    """GCRA at `rate`: (granted, seconds to wait, new theoretical arrival time).

    The rule `adaptive_acquire.lua` applies in Redis, here for simulations and benchmarks;
    tests/limits/test_pace.py holds the two to the same answers.
    """
    interval = 1.0 / rate
    tolerance = (burst - 1.0) * interval
    arrival = max(tat if tat is not None else now, now)
    early = arrival - tolerance - now
    if early > 1e-6:
        return False, early, arrival
    return True, 0.0, arrival + interval
