"""Permits for one node's call and promised moments for the requests a page adds, from the
shared limiter: under the pull's credential, or the one of its pool a request goes out with."""

from __future__ import annotations

import logging
from typing import Callable

from redis.exceptions import RedisError

from ingest.connectors.base import Connector, Request
from ingest.limits import Limiter, LimitScope, Permit, Reason
from ingest.pipeline import limit_scope as limiting

log = logging.getLogger(__name__)

LIMITER_DOWN_WAIT = 2.0


def permit_for(limiter: Limiter, scope: LimitScope, *, returning: bool) -> Permit:
    """A permit under the scope's limit; a limiter that cannot be reached makes the node wait."""
    try:
        return limiter.acquire(scope, returning=returning)
    except RedisError as error:
        log.warning("limiter unavailable (%s); the node waits", type(error).__name__)
        return Permit(granted=False, wait=LIMITER_DOWN_WAIT, reason=Reason.RATE)


def promised_waits(limiter: Limiter | None, connector: Connector, spec: dict, overrides,
                   follow: list[Request], credential_of: Callable[[Request], str | None]) -> list[float]:
    """How long each request to follow waits before it runs: the moment the limiter promises
    it now under the limit of the credential it will go out with, so that a request under a
    busy known limit is delivered once, at its moment, instead of first to be refused. 0 for
    every request when the limiter cannot say."""
    waits = [0.0] * len(follow)
    if limiter is None or not follow:
        return waits
    by_scope: dict[tuple, list[int]] = {}  # a scope differs only by host, group and credential
    for position, request in enumerate(follow):
        by_scope.setdefault((request.host, request.group, credential_of(request)), []).append(position)
    for (_, _, credential), positions in by_scope.items():
        scope = limiting.scope_for(connector, spec, follow[positions[0]], overrides, credential)
        try:
            promised = limiter.promise(scope, len(positions))
        except RedisError as error:
            log.warning("limiter unavailable (%s); %d requests go unpromised", type(error).__name__, len(positions))
            continue
        for position, wait in zip(positions, promised):
            waits[position] = wait
    return waits
