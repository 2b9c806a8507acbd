"""The limiter the workers call: rules and curves on one side, the Redis store on the other."""

from __future__ import annotations

import time
from dataclasses import replace

from ingest.limits.curves import CurveState, RateCurve
from ingest.limits.goodput import GoodputCurve
from ingest.limits.known import LimitTerms, SlidingLogRule
from ingest.limits.scope import Grant, LimitScope, Outcome, Permit, Reason
from ingest.limits.report import build_snapshot
from ingest.limits.redis_store import AdaptiveReply, Pacing, RedisLimitStore
from ingest.limits.types import LimitReading

CURVE_FIELDS = ("curve_rate", "curve_peak", "curve_since", "curve_strikes")
EPOCH_FIELDS = ("spent", "sustained", "pause")  # stored as curve_<name>
NEVER_STORED = "-"          # a version no state has: asks the store for the whole state
CONTENDED_WAIT = 0.05       # seconds to come back when the state kept changing under us
CATCH_UP = 1.0              # seconds of grid slots a late batch grant may still take
ADAPTIVE_CATCH_UP = 0.1     # seconds of an adaptive rate's unused permits a late batch may take
ATTEMPTS = 4
SERVED_PERIOD = 10.0        # seconds of successes the store averages, for curves that name none


class Limiter:
    """Permits for calls under known limits (sliding log) or unknown ones (adaptive rate).

    An adaptive rate is a curve (default GoodputCurve: see goodput.py for how it reads refusals)
    that the store paces at (GCRA, `burst` calls of tolerance, so a fan-out of hundreds of
    children still goes out one interval apart), within two caps (see adaptive_acquire.lua):
    `headroom` times the rate granted lately, so only a rate in use grows; and, once latencies
    are known, `in_flight_slack` times rate x least latency in flight (Little's law), so a server
    that slows down near its limit gets fewer calls before it refuses any (the gradient of
    Netflix's Gradient2 and Vegas: least latency over current latency scales the rate). Every
    worker shares the curve, the caps and the pause after a refusal through Redis.

    Clock: with `now=None` the scripts read Redis's TIME, so every worker shares one clock;
    the adaptive curve is evaluated in Python at the local time corrected by the offset to
    Redis's clock seen in the last reply. Pass `now` (epoch seconds) to drive time yourself.
    """

    def __init__(self, client, prefix: str = "ingest:limits", *, rule: SlidingLogRule | None = None,
                 curve: RateCurve | None = None, burst: float = 2.0,
                 in_flight_horizon: float = 5.0, adaptive_ttl: float = 3600.0,
                 catch_up: float = CATCH_UP, headroom: float | None = 2.0,
                 in_flight_slack: float | None = 2.0) -> None:
        self.store = RedisLimitStore(client, prefix)
        self.rule = rule or SlidingLogRule()
        self.curve = curve or GoodputCurve()
        self.burst = float(burst)
        self.in_flight_horizon = float(in_flight_horizon)
        self.pacing = Pacing(headroom=headroom, floor=self.curve.initial_rate,
                             in_flight_horizon=self.in_flight_horizon, in_flight_slack=in_flight_slack)
        self._paced: dict[str, tuple[float, float]] = {}  # key: (served lately, paced at) last seen
        self.adaptive_ttl = float(adaptive_ttl)
        self.catch_up = float(catch_up)
        self._curves: dict[str, tuple[str, CurveState]] = {}
        self._clock_offset = 0.0

    # the three calls of the interface

    def acquire(self, scope: LimitScope, now: float | None = None) -> Permit:
        """A permit now, or the seconds until one could be granted. Never sleeps.

        A refused caller waits its turn without asking again (a waiting room, which `grant`
        releases); the wait says when a permit could be granted, under an adaptive rate only as
        things stand, since the rate changes while callers wait."""
        terms = self.rule.terms(scope)
        if terms:
            reply = self.store.known_acquire(terms, scope.host, now)
            self._learn_clock(reply.now, now)
            return Permit(reply.granted, reply.wait, reply.reason, reply.now if reply.granted else None)
        return self._acquire_adaptive(scope, now)

    def grant(self, scope: LimitScope, count: int, now: float | None = None) -> Grant:
        """Up to `count` permits at once, for callers waiting their turn (a waiting room), and
        the seconds until one more could be granted. Never sleeps.

        Under a known limit: as many as the log and the grid allow now, and the grid slots of
        the last `catch_up` seconds that went unused (the caller came late) with them, so a
        late caller costs no capacity; under an adaptive rate: as many as the rate allows now."""
        if count < 0:
            raise ValueError(f"count must be zero or more, got {count!r}")
        terms = self.rule.terms(scope)
        if not terms:
            return self._grant_adaptive(scope, count, now)
        at, granted, wait, reason = self.store.known_grant(terms, scope.host, count, self.catch_up, now)
        self._learn_clock(at, now)
        return Grant((at,) * granted, wait, at, reason)

    def scope_id(self, scope: LimitScope) -> str:
        """The name of the counters a scope's calls are counted on: two scopes of one id take
        their permits from the same limits."""
        terms = self.rule.terms(scope)
        if terms:
            return "known:" + "|".join(limit.key for limit in terms)
        return "adaptive:" + self.store.adaptive_key(scope.source, scope.host).removeprefix(self.store.prefix + ":adaptive:")

    def observe(self, scope: LimitScope, reading: LimitReading, outcome: Outcome | str,
                now: float | None = None, permit: Permit | None = None,
                latency: float | None = None) -> None:
        """Account for one response: its rate-limit headers, Retry-After and how it ended.

        Pass the call's `permit`: reconciliation then counts exactly the grants made after it
        as still in flight; without it, every grant of the last `in_flight_horizon` seconds.
        `latency`: the call's own seconds from sending to answer; without it, an adaptive rate
        takes the time since the permit's grant.
        """
        outcome = Outcome(outcome)
        sent_at = permit.granted_at if permit is not None else None
        terms = self.rule.terms(scope)
        if terms:
            self.store.known_observe(
                terms, reading_applies(terms, reading), reading_advertises(terms, reading),
                scope.host, outcome.value, reading.limit,
                reading.remaining, reading.reset_after, reading.retry_after, sent_at,
                self.in_flight_horizon, now)
            return
        if latency is None and sent_at is not None:
            latency = self._now(now) - sent_at
        self._observe_adaptive(scope, reading, outcome, sent_at, now,
                               latency if latency is not None and latency >= 0 else None)

    def snapshot(self, source: str | None = None, now: float | None = None) -> dict:
        """{source: {host: {rate, limit, remaining, reset, refusals, granted, denied, ...}}}."""
        now = self.store.server_time() if now is None else now
        return build_snapshot(self.store, self._rate_of, self.rule.guard, now, source)

    # adaptive

    def _acquire_adaptive(self, scope: LimitScope, now: float | None) -> Permit:
        reply = self._ask_adaptive(scope, 1, now)
        if reply is None:
            return Permit(False, CONTENDED_WAIT, Reason.RATE.value)
        return Permit(reply.granted, 0.0 if reply.granted else reply.wait, reply.reason,
                      reply.now if reply.granted else None)

    def _grant_adaptive(self, scope: LimitScope, count: int, now: float | None) -> Grant:
        if count < 1:
            return Grant((), 0.0, self._now(now))
        reply = self._ask_adaptive(scope, count, now, min(self.catch_up, ADAPTIVE_CATCH_UP))
        if reply is None:
            return Grant((), CONTENDED_WAIT, self._now(now), Reason.RATE.value)
        return Grant((reply.now,) * reply.count, reply.wait, reply.now,
                     Reason.GRANTED.value if reply.granted else reply.reason)

    def _ask_adaptive(self, scope: LimitScope, count: int, now: float | None,
                      catch_up: float = 0.0) -> AdaptiveReply | None:
        """The store's answer at the rate of our view of the curve; None when it kept changing."""
        key = self.store.adaptive_key(scope.source, scope.host)
        for _ in range(ATTEMPTS):
            version, state = self._curves.get(key, (NEVER_STORED, None))
            rate = self.curve.rate_at(state, self._now(now)) if state else self.curve.initial_rate
            reply = self.store.adaptive_acquire(key, scope.host, version, rate, self.burst,
                                                self.adaptive_ttl, now, count, self.pacing, catch_up)
            self._learn_clock(reply.now, now)
            if not reply.stale:
                served = self._paced.get(key, (0.0, rate))[0]
                self._paced[key] = (served, reply.paced if reply.paced is not None else rate)
                if state is not None and reply.last_success is not None and reply.last_success > state.last_success:
                    # successes other workers observed keep the curve growing here too (a
                    # waiting room's releaser may observe none of the calls it grants)
                    self._curves[key] = (version, replace(state, last_success=reply.last_success))
                return reply
            self._adopt(key, scope.host, reply, now)
        return None

    def _observe_adaptive(self, scope: LimitScope, reading: LimitReading, outcome: Outcome,
                          sent_at: float | None, now: float | None, latency: float | None) -> None:
        key = self.store.adaptive_key(scope.source, scope.host)
        if outcome.is_limit_signal:
            # The rate paced at is the store's, whichever worker's grants set it: a worker whose
            # nodes were released from a waiting room has not asked for a permit in a while.
            self._paced[key] = (self._paced.get(key, (None, None))[0], self.store.adaptive_paced(key))
        first = True
        for _ in range(ATTEMPTS):
            version, state = self._curves.get(key, (NEVER_STORED, None))
            changed = self._changed(key, state, outcome, sent_at, now) if state else None
            wants_state = state is None and (outcome.is_limit_signal or outcome is Outcome.OK)
            expected = version if changed else (NEVER_STORED if wants_state else None)
            reply = self.store.adaptive_observe(
                key, scope.host, outcome=outcome.value if first else "",
                retry_after=reading.retry_after if first else None,
                succeeded=first and outcome is Outcome.OK, ttl=self.adaptive_ttl,
                idle_grace=self.curve.idle_grace, expected_version=expected,
                fields=curve_fields(self.curve, changed) if changed else None, now=now,
                sent_at=sent_at, latency=latency if first else None,
                served_period=getattr(self.curve, "served_period", SERVED_PERIOD))
            self._learn_clock(reply.now, now)
            if reply.served is not None:
                self._paced[key] = (reply.served, self._paced.get(key, (0.0, None))[1])
            first = False
            if not reply.stale:
                written = changed is not None and reply.reason != "declined"
                kept = changed if written else state
                if kept is None or (not written and reply.version != version):
                    self._curves.pop(key, None)
                    return
                if outcome is Outcome.OK:
                    kept = replace(kept, last_success=max(kept.last_success, self._now(now)))
                self._curves[key] = (reply.version, kept)
                return
            self._adopt(key, scope.host, reply, now)

    def _changed(self, key: str, state: CurveState, outcome: Outcome, sent_at: float | None,
                 now: float | None) -> CurveState | None:
        at = self._now(now)
        if outcome.is_limit_signal:
            served, paced = self._paced.get(key, (None, None))
            new = self.curve.after_signal(state, at, sent_at, served=served, paced=paced)
        elif outcome is Outcome.OK:
            # the store moves `since` over idle time itself; only strikes are ours to reset
            fresh = replace(state, last_success=max(state.last_success, at))
            new = self.curve.after_success(fresh, at, sent_at)
            new = replace(new, last_success=state.last_success)
        else:
            return None
        return new if new != state else None

    def _adopt(self, key: str, host: str, reply: AdaptiveReply, now: float | None) -> None:
        """Take the stored state as ours; start (or restore) it when it is missing or foreign."""
        fields = reply.fields or {}
        state = self._curve_from(fields)
        if state is not None:
            self._curves[key] = (fields.get("version", "0"), state)
            return
        previous = self._curves.get(key)
        start = previous[1] if previous else self.curve.start(self._now(now))
        written = self.store.adaptive_observe(
            key, host, outcome="", retry_after=None, succeeded=False, ttl=self.adaptive_ttl,
            idle_grace=self.curve.idle_grace, expected_version=fields.get("version", "0"),
            fields={**curve_fields(self.curve, start), "last_success": repr(start.last_success)},
            now=now)
        if written.stale:
            self._curves.pop(key, None)
        else:
            self._curves[key] = (written.version, start)

    def _rate_of(self, fields: dict[str, str], now: float) -> float | None:
        state = self._curve_from(fields)
        return self.curve.rate_at(state, now) if state else None

    def _curve_from(self, fields: dict[str, str]) -> CurveState | None:
        if fields.get("curve") != self.curve.name or not all(name in fields for name in CURVE_FIELDS):
            return None
        return CurveState(
            rate=float(fields["curve_rate"]), peak=float(fields["curve_peak"]),
            since=float(fields["curve_since"]), strikes=int(fields["curve_strikes"]),
            last_success=float(fields.get("last_success") or fields["curve_since"]),
            **{name: float(fields.get(f"curve_{name}") or 0.0) for name in EPOCH_FIELDS})

    # clock

    def now(self) -> float:
        """The limiter's clock (Redis's, as last seen): the one its grants and waits are on."""
        return self._now(None)

    def _now(self, now: float | None) -> float:
        return now if now is not None else time.time() + self._clock_offset

    def _learn_clock(self, server_now: float, given: float | None) -> None:
        if given is None:
            self._clock_offset = server_now - time.time()


def curve_fields(curve: RateCurve, state: CurveState) -> dict[str, str]:
    return {"curve": curve.name, "curve_rate": repr(state.rate), "curve_peak": repr(state.peak),
            "curve_since": repr(state.since), "curve_strikes": str(state.strikes),
            **{f"curve_{name}": repr(getattr(state, name)) for name in EPOCH_FIELDS}}


def reading_applies(terms: tuple[LimitTerms, ...], reading: LimitReading) -> list[bool]:
    """Which limits a reading's limit/remaining describe: those of its window, else all."""
    matching = reading_advertises(terms, reading)
    return matching if any(matching) else [True] * len(terms)


def reading_advertises(terms: tuple[LimitTerms, ...], reading: LimitReading) -> list[bool]:
    """Which limits the reading's limit is stated for: those of exactly its window, which may
    adopt it. A reading of no window (or of another) only bounds the limits it applies to."""
    if reading.window is None:
        return [False] * len(terms)
    return [abs(limit.window - reading.window) <= 0.01 * limit.window for limit in terms]
