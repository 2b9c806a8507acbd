"""The rule for published limits: a sliding window log with a guard band and a spacing grid.

Why this algorithm. The API may count in any window of length W it likes (fixed windows
aligned at its own start, sliding windows, ...), so "never more than L" has to hold in
EVERY interval of length W. A fixed window counter fails that (2L across a boundary), and a
token bucket with burst L fails it too (L at once, then L more refilled within the same W).
A sliding window log holds it exactly: a call is granted only while fewer than L grants lie
in the last W seconds.

A bare log is not enough for the other half of the requirement (at least 95% of L used in
every window the API counts): a log replays its first window's pattern for ever, so an
opening burst comes back as a burst every W, and the API's windows can split those bursts
unevenly. Two additions fix both that and network jitter:

- guard band: the log spans W' = W * (1 + guard) (guard 2% by default). Calls reach the API
  a little later than they are granted and not all equally late; any L+1 grants span at
  least W', so the API sees at most L in any W as long as that jitter stays under W' - W.
- spacing on a grid: grants under one limit keep to slots W / L apart. The pattern of
  grants is then even, whatever the demand, and any stretch of the API's window the guard
  band leaves idle holds at most guard*L + 1 grants. In steady state every window of length
  W holds at least L - guard*L - 1 grants: 97% of L for L = 300, 96.7% for L = 30. A slot
  is a time on the grid, not the moment of the grant: grants always come a little late
  (the caller's trip back, the round trip to Redis), and measuring the spacing from them
  would add those delays up (90% of L instead of 97%, measured). So a grant up to half a
  spacing after its slot keeps the grid; a later one (after an idle spell) restarts it.
  A batch grant (`Limiter.grant`, a waiting room's releaser) keeps the grid for up to
  `catch_up` seconds (1 s by default) and takes every slot that went by meanwhile: a releaser
  that wakes late on a busy machine sends those calls together instead of losing them, and the
  log still holds them to L in any span.

Cold start, when Redis loses its keys (a restart without its data, a flush). A limit whose
state is absent while the limiter's data in this Redis is younger than the limit's span W' may
have lost grants of its last span. A limit whose state is absent while the data is older than
W' starts empty and grants at once: it was never used, or its keys expired, which they do only
a few spans after its last grant, so none of its grants can lie in the span. Redis cannot tell
a lost key from an expired one; `kept_since`, a key that never expires, is lost only with all
the data, and so tells them apart. A Redis that evicts single keys under memory pressure would
defeat this. A limit that may have lost grants starts in one of three ways:

- probe (the API reports remaining and reset on every answer, `KnownLimit.reported`): the
  first caller is granted at once, and no other call under the limit is granted until an
  answer has been observed; callers refused meanwhile are told a short wait, reason "probe".
  The answer reconciles the log (below): the API counted the lost grants, so its remaining
  puts them back as placeholders until its reset. The probe's own grant is in the log, so it
  is not counted twice. Any answer with a remaining ends the probe, the probe's or that of a
  call sent before the loss (it counts as much). A probe that gets no answer hands over: when
  its call times out (observed with the probe's permit), or at the probe deadline, after which
  the next caller is the probe. The deadline is the call's own timeouts (connect plus read,
  35 s by default), past which the call has failed or its worker died. What the probe cannot
  see: a call granted before the loss that reaches the API after the probe does; the API's
  remaining is then high by those few, which are at most the calls in flight at the loss.
- one spacing (an API that reports nothing, or an answer without a usable remaining): the
  first grant comes one spacing W / L after the cold start (or after the headerless answer).
  Grants keep to a grid of one per spacing and none of the lost ones lies after the loss, so
  starting one spacing after the last possible lost grant keeps the union of the lost grants
  and the new ones at one per spacing: at most L in any W. What it gives up is the guard
  band's margin for jitter across the loss, for one span, and, when a waiting room's releaser
  was catching up missed slots just before the loss (see below), those few slots.
- assume full (`SlidingLogRule(cold_start="assume_full")`, for whoever cannot trust the API's
  headers, or the grid across a loss): the log starts as L entries spaced W / L apart ending
  half a spacing after now. The grid makes that the densest pattern the real, lost grants can
  have had (the k-th latest came at the latest k - 1 spacings before now plus half a
  spacing), so whatever they were, the union of the lost grants and the new ones still holds
  at most L in any W'. The price is one guard band plus one and a half spacings (73 s for
  GitHub's 5,000 per hour, 7.5 s for 300 per 5 minutes).

Reconciliation: after a response, the API's own count wins when it is stricter. The calls
granted after the observed one are assumed still in flight (not yet counted by the API);
when the API's remaining minus those is below our own remaining, placeholder entries are
added to the log, expiring at the API's reset. Entries are only ever added, so reconciling
can never loosen our own count.

Advertised limits: a connector's limit is the API's documentation, which changes (Reddit's
went from 600 to 1,000 calls per 10 minutes) and differs per account (GitHub Apps, approved
Reddit clients). When an answer states the limit for the limit's own window (Reddit's used +
remaining, `X-RateLimit-Limit`, `RateLimit-Policy`), that number becomes the limit, higher or
lower, for every worker (it is kept in the limit's state in Redis) until another answer says
otherwise or the state expires; the spacing becomes the window over it, and the log keeps its
guard band. A limit the user set is never raised by it, only bounded. A limit the API states
for another or an unknown window only ever bounds. `allowed_calls` is that rule; the scripts
apply it in Redis (`allowance` in common.lua).
"""

from __future__ import annotations

from dataclasses import dataclass

from ingest.limits.scope import LimitScope
from ingest.limits.types import KnownLimit


@dataclass(frozen=True)
class LimitTerms:
    """One known limit as the store enforces it: keys and numbers, no behaviour."""

    key: str          # the limit's name in the store, without prefix or suffix
    requests: float
    window: float     # the API's window
    span: float       # the log's window: window plus guard band
    spacing: float    # least time between two grants
    ttl: float        # seconds the state outlives the last call
    adopts: bool = True  # the API's advertised limit replaces `requests` (not set by the user)
    cold_start: str = "spacing"  # after lost counts: "probe", "spacing" or "assume_full"
    probe_deadline: float = 35.0  # seconds after which an unanswered probe hands over

    @property
    def capacity(self) -> int:
        return max(1, int(self.requests))


COLD_STARTS = ("probe", "assume_full")


class SlidingLogRule:
    """Turns a scope's known limits into the terms the store enforces.

    `cold_start`: how a limit that may have lost its counts starts (see the module's text):
    "probe" (one call first when the API reports its remaining, else one spacing) or
    "assume_full" (a full log). `probe_deadline`: seconds after which a probe without an
    answer hands over to the next caller; the calls' connect plus read timeouts.
    """

    def __init__(self, guard: float = 0.02, keep_windows: float = 3.0, cold_start: str = "probe",
                 probe_deadline: float = 35.0) -> None:
        if not 0.0 <= guard < 1.0:
            raise ValueError(f"guard must be a fraction from 0 to 1, got {guard!r}")
        if keep_windows < 2.0:
            raise ValueError(f"keep_windows must be at least 2, got {keep_windows!r}")
        if cold_start not in COLD_STARTS:
            raise ValueError(f"cold_start must be one of {', '.join(COLD_STARTS)}, got {cold_start!r}")
        if not probe_deadline > 0:
            raise ValueError(f"probe_deadline must be seconds above zero, got {probe_deadline!r}")
        self.guard = float(guard)
        self.keep_windows = float(keep_windows)
        self.cold_start = cold_start
        self.probe_deadline = float(probe_deadline)

    def terms(self, scope: LimitScope) -> tuple[LimitTerms, ...]:
        """The terms of every known limit that counts a call in this scope, in a stable order."""
        seen: dict[str, LimitTerms] = {}
        for limit in scope.applicable():
            terms = self.terms_of(scope, limit)
            kept = seen.get(terms.key)
            if kept is None or terms.requests < kept.requests:
                seen[terms.key] = terms
        return tuple(seen[key] for key in sorted(seen))

    def terms_of(self, scope: LimitScope, limit: KnownLimit) -> LimitTerms:
        span = limit.window * (1.0 + self.guard)
        capacity = max(1, int(limit.requests))
        return LimitTerms(
            key=limit_key(scope, limit),
            requests=float(capacity),
            window=float(limit.window),
            span=span,
            spacing=limit.window / capacity,
            ttl=span * self.keep_windows,
            adopts=not limit.explicit,
            cold_start=self.cold_start_of(limit),
            probe_deadline=self.probe_deadline,
        )

    def cold_start_of(self, limit: KnownLimit) -> str:
        if self.cold_start == "assume_full":
            return "assume_full"
        return "probe" if limit.reported else "spacing"


def limit_key(scope: LimitScope, limit: KnownLimit) -> str:
    """`<source>:w<window>:<factor>=<value>...[:g=<group>]`, the credential as a digest.

    The number of requests is not part of the key: overriding it changes how many calls the
    same API counter allows, not which counter it is.
    """
    factors = sorted(set(limit.per))
    parts = [scope.source, f"w{limit.window:g}"]
    parts += [f"{factor}={scope.factor_value(factor)}" for factor in factors]
    if limit.group is not None and "group" not in factors:
        parts.append(f"g={limit.group}")
    return ":".join(parts)


def allowed_calls(configured: float, advertised: float | None, bound: float | None, adopts: bool) -> int:
    """Calls a limit allows in its window: the configured number, replaced by the API's
    `advertised` one for the same window when the limit `adopts` it (else only bounded by it),
    and bounded by a number the API stated for another or an unknown window (`bound`)."""
    allowed = float(configured)
    if advertised is not None:
        allowed = advertised if adopts else min(allowed, advertised)
    if bound is not None:
        allowed = min(allowed, bound)
    return max(1, int(allowed))
