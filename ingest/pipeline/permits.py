"""A node's permit, and where nodes wait their turn: the waiting room of their limit scope.

A node that asks and is refused is parked; the requests a page adds are admitted as a batch,
per scope: those the limit allows now are granted at once and sent with their permits, the
others parked. A scope with nodes parked already admits nobody past them, so a job's new nodes
queue behind everyone's (the room serves jobs round robin). When Redis cannot be reached, a
node waits a little in a delay instead and asks again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from redis.exceptions import RedisError

from ingest.connectors.base import Connector, Request
from ingest.limits import Limiter, LimitScope, Permit, Reason
from ingest.limits.describe import limit_words
from ingest.pipeline import limit_scope as limiting
from ingest.waiting_room import RoomScope, RoomStore, scope_digest

log = logging.getLogger(__name__)

LIMITER_DOWN_WAIT = 2.0


def permit_for(limiter: Limiter, scope: LimitScope) -> Permit:
    """A permit under the scope's limit; a limiter that cannot be reached makes the node wait."""
    try:
        return limiter.acquire(scope)
    except RedisError as error:
        log.warning("limiter unavailable (%s); the node waits", type(error).__name__)
        return Permit(granted=False, wait=LIMITER_DOWN_WAIT, reason=Reason.RATE)


def label_of(scope: LimitScope) -> str:
    """The limit a scope's nodes wait on, as a person reads it."""
    limits = ", ".join(limit_words(limit.requests, limit.window) for limit in scope.applicable())
    where = f"{scope.source} {scope.host}" + (f" ({scope.credential})" if scope.credential else "")
    return f"{where}: {limits}" if limits else f"{where}: adaptive rate"


@dataclass(frozen=True)
class Admission:
    """One request a page adds: granted a permit now (`granted_at`), or parked until `due`."""

    scope: LimitScope
    granted_at: float | None = None
    due: float = 0.0

    @property
    def parked(self) -> bool:
        return self.granted_at is None


@dataclass(frozen=True)
class Parking:
    """The limiter and the waiting rooms, as the driver uses them."""

    limiter: Limiter
    room: RoomStore

    def park(self, job_id: str, node_ids: Sequence[str], queue: str, scope: LimitScope, wait: float) -> None:
        sid = scope_digest(self.limiter.scope_id(scope))
        self.room.park(sid, RoomScope(scope, queue, label_of(scope)), job_id, node_ids, self.limiter.now() + wait)

    def admit(self, connector: Connector, spec: dict, overrides, follow: list[Request],
              credential_of: Callable[[Request], str | None]) -> list[Admission]:
        """Permits now for the requests of `follow` that their limits allow, in order, and a
        parking place for the others."""
        admissions: list[Admission | None] = [None] * len(follow)
        by_scope: dict[tuple, list[int]] = {}  # a scope differs only by host, group and credential
        for position, request in enumerate(follow):
            by_scope.setdefault((request.host, request.group, credential_of(request)), []).append(position)
        for (_, _, credential), positions in by_scope.items():
            scope = limiting.scope_for(connector, spec, follow[positions[0]], overrides, credential)
            granted_at, due = self._grants(scope, len(positions))
            for place, position in enumerate(positions):
                at = granted_at[place] if place < len(granted_at) else None
                admissions[position] = Admission(scope, at, due)
        return admissions

    def _grants(self, scope: LimitScope, count: int) -> tuple[Sequence[float], float]:
        """Permits for up to `count` newcomers, none while others wait their turn."""
        if self.room.has_parked(scope_digest(self.limiter.scope_id(scope))):
            return (), self.limiter.now()
        grant = self.limiter.grant(scope, count)
        return grant.granted_at, grant.now + grant.wait
