"""Permits for one node's call and promised moments for the requests a page adds, from the
shared limiter: under the pull's credential, or one of its pool's."""

from __future__ import annotations

import logging

from redis.exceptions import RedisError

from ingest.connectors.base import Connector, Request
from ingest.limits import Limiter, LimitScope, Permit, Reason
from ingest.pipeline import limit_scope as limiting

log = logging.getLogger(__name__)

LIMITER_DOWN_WAIT = 2.0


def permit_for(limiter: Limiter, connector: Connector, spec: dict, request: Request, overrides,
               names: list[str], *, returning: bool) -> tuple[LimitScope, Permit]:
    """A permit under the limit of one of the pull's credentials, tried in the node's order;
    when none has one, the soonest wait. A limiter that cannot be reached makes the node wait."""
    soonest: tuple[LimitScope, Permit] | None = None
    for name in names or [None]:
        scope = limiting.scope_for(connector, spec, request, overrides, name)
        try:
            permit = limiter.acquire(scope, returning=returning)
        except RedisError as error:
            log.warning("limiter unavailable (%s); the node waits", type(error).__name__)
            return scope, Permit(granted=False, wait=LIMITER_DOWN_WAIT, reason=Reason.RATE)
        if permit.granted:
            return scope, permit
        if soonest is None or permit.wait < soonest[1].wait:
            soonest = (scope, permit)
    return soonest


def promised_waits(limiter: Limiter | None, connector: Connector, spec: dict, overrides,
                   follow: list[Request]) -> list[float]:
    """How long each request to follow waits before it runs: the moment the limiter promises
    it now, so that a request under a busy known limit is delivered once, at its moment,
    instead of first to be refused. 0 for every request when the limiter cannot say, and for a
    pool's requests, which find their credential when they run."""
    waits = [0.0] * len(follow)
    if limiter is None or not follow or len(limiting.pool_names(spec)) > 1:
        return waits
    by_scope: dict[tuple[str, str], list[int]] = {}  # a scope differs only by host and group
    for position, request in enumerate(follow):
        by_scope.setdefault((request.host, request.group), []).append(position)
    for positions in by_scope.values():
        scope = limiting.scope_for(connector, spec, follow[positions[0]], overrides)
        try:
            promised = limiter.promise(scope, len(positions))
        except RedisError as error:
            log.warning("limiter unavailable (%s); %d requests go unpromised", type(error).__name__, len(positions))
            continue
        for position, wait in zip(positions, promised):
            waits[position] = wait
    return waits
