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

Fail safe when Redis loses its keys (a restart without its data, a flush): a limit whose state
is absent while the limiter's data in this Redis is younger than the limit's span W' starts
from an assumed-full log, L entries spaced W / L apart ending half a spacing after now. The
grid makes that the densest pattern the real, lost grants can have had (the k-th latest came
at the latest k - 1 spacings before now plus half a spacing), so whatever they were, the union
of the lost grants and the new ones still holds at most L in any W'. The price is one guard
band plus one and a half spacings (7.5 s for 300 per 5 minutes). A limit whose state is absent
while the data is older than W' starts empty and grants at once: it was never used, or its
keys expired, which they do only a few spans after its last grant, so none of its grants can
lie in the span. Redis cannot tell a lost key from an expired one; `kept_since`, a key that
never expires, is lost only with all the data, and so tells them apart. A Redis that evicts
single keys under memory pressure would defeat this.

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

    @property
    def capacity(self) -> int:
        return max(1, int(self.requests))


class SlidingLogRule:
    """Turns a scope's known limits into the terms the store enforces."""

    def __init__(self, guard: float = 0.02, keep_windows: float = 3.0) -> None:
        if not 0.0 <= guard < 1.0:
            raise ValueError(f"guard must be a fraction from 0 to 1, got {guard!r}")
        if keep_windows < 2.0:
            raise ValueError(f"keep_windows must be at least 2, got {keep_windows!r}")
        self.guard = float(guard)
        self.keep_windows = float(keep_windows)

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
        )


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
