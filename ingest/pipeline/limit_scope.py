"""How one node's request meets the shared limiter: its scope, and what its answer means."""

from __future__ import annotations

from typing import Any

from ingest.errors import FetchError, RateLimitedError, TimedOutError
from ingest.limits import LimitScope, Outcome, known_limits_with_overrides, outcome_for_status
from ingest.connectors.base import Connector, Request, Response
from ingest.connectors.listing import credential_names


def scope_for(connector: Connector, spec: dict, request: Request, overrides: Any = None,
              credential: str | None = None) -> LimitScope:
    """Every factor the API limits on: its host, the credential's name (the one of a pool the
    call is made with), the endpoint group."""
    return LimitScope(
        source=connector.name,
        host=request.host,
        credential=credential or next(iter(credential_names(spec)), None),
        group=request.group,
        known=known_limits_with_overrides(connector.known_limits(spec), overrides),
    )


def outcome_of(response: Response | None, error: FetchError | None) -> Outcome:
    if isinstance(error, TimedOutError):
        return Outcome.TIMEOUT
    if isinstance(error, RateLimitedError) and (response is None or response.status not in (429, 503)):
        return Outcome.THROTTLED
    return outcome_for_status(response.status if response is not None else None)
