"""How many calls a pull makes and how long they take under its source's limits, said before
anything is fetched: `ingest.estimate(source, **params)`, or `ingest.pull(..., dry_run=True)`.

The connector says the calls (`Connector.estimate_calls`) where the API lets them be known: a
list of known length, a listing bounded by `limit` or `max_pages`. They are the most the pull
makes: a listing that runs out first, or items outside `since`/`until`, make it fewer. The time
is those calls at the pace of the tightest of the source's published limits (or the pull's
`limits=`); a limit counted per credential goes as many times faster as a pool has credentials.
A source that publishes no limit has its rate learned as the pull goes: its time is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ingest.api.pull import validated
from ingest.connectors import Connector
from ingest.connectors.listing import credential_names
from ingest.limits import KnownLimit, known_limits_with_overrides
from ingest.limits.describe import limit_text
from ingest.view.words import time_words

UNKNOWN_CALLS = ("calls unknown: the API does not say how many answers there are before they are read "
                 "(limit= bounds a listing)")


@dataclass(frozen=True, repr=False)
class Estimate:
    """A pull's calls (at most) and the seconds they take under its limits; None where unknown."""

    source: str
    calls: int | None
    seconds: float | None
    limits: tuple[KnownLimit, ...]
    credentials: int = 0  # the credentials the calls are spread over

    @property
    def known(self) -> bool:
        return self.calls is not None and self.seconds is not None

    def limits_text(self) -> str:
        """'600 per 10 minutes per credential, 2 credentials', several joined with 'and'; '' for none."""
        return " and ".join(limit_text(limit, self.credentials) for limit in self.limits)

    def __repr__(self) -> str:
        if self.calls is None:
            limits = f"; limits {self.limits_text()}" if self.limits else ""
            return f"{self.source}: {UNKNOWN_CALLS}{limits}"
        calls = f"{self.source}: at most {self.calls:,} call{'s' * (self.calls != 1)}"
        if self.seconds is None:
            return (f"{calls}; time unknown: {self.source} publishes no limit, its rate is learned as the pull goes "
                    "(limits= sets one)")
        return f"{calls}, about {time_words(self.seconds)} under {self.source}'s limits ({self.limits_text()})"


def estimate(source: str, **params: Any) -> Estimate:
    """How many calls a pull with these parameters makes and how long they take under the source's
    limits, before anything is fetched; the parameters are checked as `pull` checks them."""
    return estimate_of(*validated(source, params))


def estimate_of(connector: Connector, spec: dict, options: dict) -> Estimate:
    driven = connector.for_spec(spec)
    limits = known_limits_with_overrides(driven.known_limits(spec), options.get("limits"))
    credentials = len(credential_names(spec))
    pool = max(credentials, 1)
    calls = driven.estimate_calls(spec)
    seconds = None
    if calls is not None and limits:
        seconds = calls * max(limit.window / (limit.requests * (pool if "credential" in limit.per else 1))
                              for limit in limits)
    return Estimate(connector.name, calls, seconds, tuple(limits), credentials)
