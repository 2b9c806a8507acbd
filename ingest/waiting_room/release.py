"""The releaser: sends parked nodes to their queues as their limits free permits.

Every worker process runs one in a thread; the one holding the lease releases, and when it
dies (its lease lapses) another takes over within `lease` seconds. On each turn it looks at the
scopes whose due moment has come, asks the limiter for as many permits as the scope has parked
nodes (`Limiter.grant`: under a known limit the grid moments that have come, including those a
late turn missed; under an adaptive rate what the current rate allows), takes that many nodes
round robin by job, and publishes each with its permit, so the worker that runs it makes the
call without asking again. A scope is looked at again when the limiter says the next permit
frees up, at the latest every `poll` seconds for the others.

Nothing is lost: a node taken is noted in a ledger until its message is confirmed sent, and a
node in the ledger for longer than `unsent_after` (its releaser died in between) is sent again
without a permit. When Redis has lost the rooms' data, `recover` sends the live nodes of every
running job again, from the job tree in the document store. A node sent twice is harmless: a
node runs only from a state that allows it (see `Tree.claim`).
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from typing import Callable, Protocol

from redis.exceptions import RedisError

from ingest.limits import Limiter
from ingest.waiting_room.room_store import RoomScope, RoomStore

log = logging.getLogger(__name__)

LEASE_SECONDS = 5.0
POLL_SECONDS = 0.1
RETRY_SECONDS = 1.0       # a releaser without the lease, or without Redis, looks again this often
SCOPE_RETRY_SECONDS = 5.0
UNSENT_AFTER = 10.0
UNSENT_CHECK_EVERY = 5.0
BATCH = 256


class Send(Protocol):
    def __call__(self, job_id: str, node_id: str, queue: str, granted_at: float | None = None) -> None: ...


@dataclass
class Releaser:
    room: RoomStore
    limiter: Limiter
    send: Send
    recover: Callable[[], int]
    holder: str
    lease: float = LEASE_SECONDS
    poll: float = POLL_SECONDS
    batch: int = BATCH
    unsent_after: float = UNSENT_AFTER
    _unsent_checked: float = 0.0
    _rooms: dict[str, RoomScope] = field(default_factory=dict)  # a scope id's room never changes

    def run(self, stop: threading.Event) -> None:
        """Release until `stop` is set."""
        while not stop.is_set():
            try:
                pause = self.turn()
            except RedisError as error:
                log.warning("waiting rooms unavailable (%s); releasing again in %.0f s",
                            type(error).__name__, RETRY_SECONDS)
                pause = RETRY_SECONDS
            except Exception:  # noqa: BLE001 - the releaser must outlive any one bad turn
                log.exception("releasing failed; releasing again in %.0f s", RETRY_SECONDS)
                pause = RETRY_SECONDS
            stop.wait(pause)

    def turn(self) -> float:
        """One turn; answers the seconds until the next."""
        now = self.room.server_time()
        held, lost_data = self.room.hold_lease(self.holder, self.lease, now)
        if not held:
            return RETRY_SECONDS
        if lost_data:
            sent = self.recover()
            log.warning("the waiting rooms' data was lost; %d live nodes of running jobs sent again", sent)
        if now - self._unsent_checked >= UNSENT_CHECK_EVERY:
            self._send_unsent(now)
            self._unsent_checked = now
        for sid in self.room.due(now):
            try:
                self.release(sid)
            except RedisError:
                raise
            except Exception:  # noqa: BLE001 - one scope that cannot be released holds up no other
                log.exception("releasing the nodes of one limit failed; trying it again in %.0f s", SCOPE_RETRY_SECONDS)
                self.room.postpone(sid, now + SCOPE_RETRY_SECONDS)
        next_due = self.room.next_due()
        if next_due is None:
            return self.poll
        return min(self.poll, max(0.0, next_due - self.room.server_time()))

    def release(self, sid: str) -> int:
        """Release what the scope's limit allows now; answers how many nodes were sent."""
        room = self._rooms.get(sid) or self.room.room(sid)
        parked = self.room.parked_count(sid)
        if room is None or parked <= 0:
            self.room.forget(sid)
            return 0
        self._rooms[sid] = room
        grant = self.limiter.grant(room.scope, min(parked, self.batch))
        next_due = grant.now + grant.wait
        taken = self.room.take(sid, len(grant.granted_at), grant.now, next_due)
        for node, granted_at in zip(taken, grant.granted_at):
            self.send(node.job_id, node.node_id, room.queue, granted_at=granted_at)
        self.room.sent(sid, taken)
        return len(taken)

    def _send_unsent(self, now: float) -> None:
        unsent = self.room.unsent(now - self.unsent_after)
        sent = []
        for sid, node in unsent:
            room = self.room.room(sid)
            try:
                if room is not None:
                    self.send(node.job_id, node.node_id, room.queue)
            except RedisError:
                raise
            except Exception:  # noqa: BLE001 - kept in the ledger for the next look
                log.exception("a released node could not be sent again; trying again later")
                continue
            sent.append((sid, node))
        self.room.forget_unsent(sent)
        if unsent:
            log.warning("%d released nodes were never sent (their releaser stopped); sent now", len(unsent))
