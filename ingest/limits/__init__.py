"""Rate limits shared by every worker: published limits counted exactly, unknown ones learned.

    from ingest.limits import Limiter, LimitScope, Permit, Outcome, known_limits_with_overrides

    limiter = Limiter(redis.Redis(...), prefix="ingest:limits")
    scope = LimitScope(source="mastodon", host="mastodon.social", credential="my-token-name",
                       group="api", known=known_limits_with_overrides(
                           connector.known_limits(spec), spec.get("rate_limit")))
    permit = limiter.acquire(scope)           # returns at once, never sleeps
    if not permit.granted:
        let the call wait its turn (at least permit.wait seconds): pacing, not a failed attempt
    grant = limiter.grant(scope, 20)          # for callers waiting their turn: up to 20 permits
    ... make the call ...
    limiter.observe(scope, connector.read_limits(response, now), outcome_for_status(status),
                    permit=permit)
    limiter.snapshot()                        # {source: {host: {rate, limit, remaining, ...}}}

`acquire(scope, now=None) -> Permit(granted, wait, reason, granted_at)`: one atomic Lua call.
With known limits, a permit is taken in every limit of the scope or in none; `reason` says
which rule refused ("window", "spacing", "retry_after", or "probe": the limit's counts were
lost, and the answer to the one call sent first is awaited; see `known`). With no known limit
(`scope.known` empty), the (source, host) gets an adaptive rate ("rate" when refused, "pause"
during the pause after a refusal, "in_flight" when too many calls are unanswered).

`grant(scope, count, now=None) -> Grant(granted_at, wait, now)`: up to `count` permits in one
call (a waiting room releasing parked work), one moment per permit granted, and the seconds
until one more could be; `Grant.permits()` gives each as a Permit for `observe`.

`observe(scope, reading, outcome, now=None, permit=None, latency=None)` after every response, errors
included. `outcome` is an `Outcome` (OK, THROTTLED for 429, TIMEOUT, UNAVAILABLE for 503,
ERROR for anything that is not a limit signal). Known limits are reconciled with the
reading (the API's remaining wins when it is stricter; nothing ever loosens our count), and
a limit the reading states for the limit's own window replaces the connector's default,
higher or lower, for every worker (a limit set by overrides is only bounded by it);
`retry_after` blocks the scope's keys for every worker; THROTTLED with no remaining header
counts as remaining 0 until the reset (or one window). Unknown limits move their curve (see
goodput.py), count the call out of flight and learn from its latency.

`snapshot(source=None) -> dict` per source and host: mode ("known" or "adaptive"), rate
(calls per second), limit, configured, advertised, set_by ("api", "user" or "default"),
remaining, reset (seconds until a call frees up), refusals (calls the API refused with 429),
granted and denied (asks our limiter granted and made wait), blocked_for;
known hosts list each of their `limits`; adaptive ones their paced rate, calls in flight and
their cap, the rate served before the last cut, latencies and the pause left.

`now`: None uses Redis's clock (TIME inside the scripts), the same for every worker; pass
epoch seconds to drive time in tests and simulations. Credentials are names, and keys hold
only a digest of them.

Overrides (per pull), `known_limits_with_overrides(defaults, overrides)`:
None keeps the connector's limits; a dict such as {"requests": 100, "window": 60.0} changes
those fields of every default limit; a list of dicts (requests, window, per, group) replaces
them; an empty list means "unknown": use the adaptive rate.

Modules: `types` (KnownLimit and LimitReading, which connectors fill in), `known` (sliding
window log rule: why and how), `curves` and `goodput` (adaptive strategies: GoodputCurve,
PowerLawCurve, AimdCurve, CubicCurve), `redis_store` (Redis keys and Lua scripts), `limiter`, `scope`, `report`.
"""

from ingest.limits.curves import AimdCurve, CubicCurve, CurveState, PowerLawCurve, RateCurve
from ingest.limits.goodput import GoodputCurve
from ingest.limits.known import LimitTerms, SlidingLogRule
from ingest.limits.limiter import Limiter
from ingest.limits.scope import (
    Grant, LimitScope, Outcome, Permit, Reason, known_limits_with_overrides, outcome_for_status,
    scope_from_dict, scope_to_dict,
)
from ingest.limits.types import KnownLimit, LimitReading

__all__ = [
    "Limiter", "LimitScope", "Permit", "Grant", "scope_to_dict", "scope_from_dict", "Outcome", "Reason", "KnownLimit", "LimitReading",
    "known_limits_with_overrides", "outcome_for_status", "SlidingLogRule", "LimitTerms",
    "RateCurve", "CurveState", "GoodputCurve", "PowerLawCurve", "AimdCurve", "CubicCurve",
]
