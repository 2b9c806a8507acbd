"""GoodputCurve, the default adaptive curve: a rate bounded by what the API actually served.

A refusal says the rate was too high, not by how much. Under a window (fixed or sliding) the
refusals come only once the window is spent, whatever the rate was before; under a token bucket
once the burst is spent; under a concurrency cap once too many calls are in flight.

One decrease per congestion epoch. A refusal of a call sent before the last change is an echo
and changes nothing. A new refusal cuts as the power law does (rate x `backoff`, plateau just
under the refused rate) and pauses the whole scope, every worker alike, `first_pause` seconds.

A refusal before any call sent since that cut has succeeded is not a new epoch: the API's
budget is still spent (a window's tail, an empty bucket), and a lower rate would not help. The
pause doubles (up to `max_pause`), so the tail of a window costs a few refused probes instead
of every call sent into it. And since the budget stayed spent past the first pause, the rate
the API served lately is what it sustains: a window of L calls per W seconds served L calls in
the last W seconds. The store keeps that figure, `served` (successes per second, an exponential
average over `served_period`, 10 s by default: see adaptive_observe.lua); the first such
refusal of an epoch brings the rate and plateau to just under it when it is under the rate:

    peak = min(peak, (1 - margin) * served),  rate = min(rate, peak)

This is what holds a fixed window of 600 per 10 s near 60 calls a second: it serves 600 calls
in its first seconds to a rate of hundreds, and only refusing the rest tells the limiter so.

Growth is the power law's (see curves.PowerLawCurve): back to the plateau, then an upward probe
that takes `probe_spent` times the seconds the budget stayed spent after the last cut (within
`probe_period` and `max_probe`; `start_probe` before the first refusal): a window whose tail
stays spent for seconds is probed slowly. The store also caps the rate it paces at to
`headroom` times the rate it granted lately, so a rate that demand left unused does not turn
into a burst when demand returns, and keeps calls in flight under a cap that latency and
refusals set (see adaptive_acquire.lua and Limiter).

Measured on a simulated clock (tests/limits/test_hidden_shapes.py) and on the sandbox
(bench/limits_hidden_shapes.py); the settings are the ones that held best in both.
"""

from __future__ import annotations

from dataclasses import replace

from ingest.limits.curves import CurveState, PowerLawCurve


class GoodputCurve(PowerLawCurve):
    """A power-law curve whose plateau follows the rate the API served before it refused."""

    name = "goodput"

    def __init__(self, *, first_pause: float = 0.2, max_pause: float = 8.0, probe_spent: float = 10.0,
                 max_probe: float = 30.0, served_period: float = 10.0, start_probe: float = 2.0,
                 **options: float) -> None:
        options.setdefault("hold", 0.0)
        options.setdefault("probe_period", 8.0)
        super().__init__(**options)
        if not 0 < first_pause <= max_pause or probe_spent <= 0 or max_probe < self.probe_period:
            raise ValueError("need 0 < first_pause <= max_pause, probe_spent > 0 and "
                             "max_probe >= probe_period")
        if served_period <= 0 or start_probe <= 0:
            raise ValueError("served_period and start_probe must be above zero seconds")
        self.first_pause = float(first_pause)
        self.max_pause = float(max_pause)
        self.probe_spent = float(probe_spent)
        self.max_probe = float(max_probe)
        self.served_period = float(served_period)
        self.start_probe = float(start_probe)

    def probe_length(self, spent: float) -> float:
        """Seconds the probe past the plateau takes to double the rate (`start_probe` before
        the first refusal)."""
        if spent <= 0:
            return self.start_probe
        return min(self.max_probe, max(self.probe_period, self.probe_spent * spent))

    def _probe_length(self, state: CurveState) -> float:
        return self.probe_length(state.spent)

    def after_signal(self, state: CurveState, now: float, sent_at: float | None = None,
                     served: float | None = None, paced: float | None = None) -> CurveState:
        """`served`: successes per second lately, as the store counts them; `paced`: the rate
        the store last paced at, when demand or its caps kept it under the curve."""
        if (sent_at if sent_at is not None else now) < state.since:
            return state
        if state.strikes:
            pause = min(self.max_pause, max(self.first_pause, 2.0 * state.pause))
            spent = replace(state, since=now, strikes=state.strikes + 1, pause=pause,
                            spent=state.spent + pause)
            if state.strikes > 1 or not served or served >= state.rate:
                return spent
            peak = self._clamp(served * (1.0 - self.margin))
            return replace(spent, rate=min(state.rate, peak), peak=min(state.peak, peak),
                           sustained=served)
        current = self.rate_at(state, now)
        if paced is not None:
            current = min(current, max(self.min_rate, paced))
        return replace(state, rate=self._clamp(current * self.backoff),
                       peak=self._clamp(current * (1.0 - self.margin)), since=now, strikes=1,
                       spent=self.first_pause, pause=self.first_pause)
