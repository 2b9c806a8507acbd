"""The waiting rooms' Redis keys and the Lua scripts that change them atomically.

Keys, under a prefix (default ``ingest:room``); a scope id is a digest of the limits a
scope's calls are counted on (`Limiter.scope_id`):

    <prefix>:due                    sorted set: scope id -> when the releaser looks at it next
    <prefix>:scope:<sid>            hash: scope (JSON, see `ingest.limits.scope_to_dict`),
                                    queue (of the nodes' source), label (what a person reads)
    <prefix>:ring:<sid>             list: the jobs with nodes parked in the scope, each once,
                                    in the order they are served
    <prefix>:parked:<sid>:<job>     list: the job's parked node ids, first parked first
    <prefix>:count:<sid>            the scope's parked nodes, all jobs
    <prefix>:jobs:<job>             set: the scopes the job has nodes parked in
    <prefix>:released               sorted set "sid|job|node" -> release time: released nodes
                                    whose messages are not yet confirmed sent
    <prefix>:lease                  the releaser that holds the lease (expires)
    <prefix>:epoch                  set once and kept: absent means this Redis lost the data

A scope's keys but its hash live while nodes are parked in it; the hash outlives its last park
by a day, so that a node released and never sent can still be sent to its queue. Nothing else
expires but the lease: a node parked stays parked until it is released or its job cancelled.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from ingest.limits import LimitScope, scope_from_dict, scope_to_dict
from ingest.storage.redis_scripts import register_scripts

SCRIPTS = ("park", "take", "cancel", "lease")
PARK_BATCH = 1000  # node ids per park call: Lua's unpack has a ceiling


def _text(value: bytes | str) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


@dataclass(frozen=True)
class RoomScope:
    """What the releaser needs to release a scope's nodes: the scope, and the queue they run on."""

    scope: LimitScope
    queue: str
    label: str


@dataclass(frozen=True)
class Released:
    """A node taken from a waiting room, to be sent to its queue."""

    job_id: str
    node_id: str


def scope_digest(scope_id: str) -> str:
    return hashlib.sha256(scope_id.encode("utf-8")).hexdigest()[:20]


class RoomStore:
    """Parks nodes per limit scope, hands them out round robin by job, empties a job's."""

    def __init__(self, client, prefix: str = "ingest:room") -> None:
        self.client = client
        self.prefix = prefix.rstrip(":")
        self._scripts = register_scripts(client, __package__, SCRIPTS)

    def _key(self, *parts: str) -> str:
        return ":".join((self.prefix, *parts))

    # parking and releasing

    def park(self, sid: str, room: RoomScope, job_id: str, node_ids: Sequence[str], due: float) -> int:
        """Park the nodes behind those of the job parked before; the releaser looks at the
        scope at `due` at the latest. Answers the scope's count of parked nodes."""
        count = 0
        scope_json = json.dumps(scope_to_dict(room.scope), sort_keys=True)
        for start in range(0, len(node_ids), PARK_BATCH):
            count = int(self._scripts["park"](
                keys=[self._key("due"), self._key("scope", sid), self._key("ring", sid),
                      self._key("parked", sid, job_id), self._key("count", sid), self._key("jobs", job_id)],
                args=[sid, job_id, repr(float(due)), scope_json, room.queue, room.label,
                      *node_ids[start:start + PARK_BATCH]]))
        return count

    def take(self, sid: str, count: int, now: float, next_due: float) -> list[Released]:
        """Up to `count` parked nodes, round robin by job, noted in the ledger at `now`; the
        scope is looked at again at `next_due` if nodes remain."""
        reply = self._scripts["take"](
            keys=[self._key("due"), self._key("ring", sid), self._key("count", sid), self._key("released")],
            args=[self.prefix, sid, str(int(count)), repr(float(now)), repr(float(next_due))])
        return [Released(_text(reply[i]), _text(reply[i + 1])) for i in range(0, len(reply), 2)]

    def sent(self, sid: str, released: Iterable[Released]) -> None:
        """The released nodes' messages are confirmed sent: they leave the ledger."""
        members = [f"{sid}|{node.job_id}|{node.node_id}" for node in released]
        if members:
            self.client.zrem(self._key("released"), *members)

    def unsent(self, older_than: float) -> list[tuple[str, Released]]:
        """Nodes released before `older_than` whose messages were never confirmed sent (their
        releaser died between taking and sending them): (scope id, node)."""
        members = self.client.zrangebyscore(self._key("released"), "-inf", repr(float(older_than)))
        found = []
        for member in members:
            sid, job_id, node_id = _text(member).split("|", 2)
            found.append((sid, Released(job_id, node_id)))
        return found

    def forget_unsent(self, entries: Iterable[tuple[str, Released]]) -> None:
        members = [f"{sid}|{node.job_id}|{node.node_id}" for sid, node in entries]
        if members:
            self.client.zrem(self._key("released"), *members)

    def due(self, now: float) -> list[str]:
        """The scopes whose turn has come."""
        return [_text(sid) for sid in self.client.zrangebyscore(self._key("due"), "-inf", repr(float(now)))]

    def next_due(self) -> float | None:
        first = self.client.zrange(self._key("due"), 0, 0, withscores=True)
        return float(first[0][1]) if first else None

    def parked_count(self, sid: str) -> int:
        return int(self.client.get(self._key("count", sid)) or 0)

    def room(self, sid: str) -> RoomScope | None:
        fields = self.client.hgetall(self._key("scope", sid))
        if not fields:
            return None
        fields = {_text(name): _text(value) for name, value in fields.items()}
        return RoomScope(scope_from_dict(json.loads(fields["scope"])), fields["queue"], fields["label"])

    def postpone(self, sid: str, due: float) -> None:
        """Look at the scope again at `due` (its release failed), if nodes still wait in it."""
        self.client.zadd(self._key("due"), {sid: due}, xx=True)

    def forget(self, sid: str) -> None:
        """A scope in the due set with nothing parked (its hash lost): it leaves the set."""
        self.client.zrem(self._key("due"), sid)

    # jobs

    def cancel(self, job_id: str) -> int:
        """Every node the job has parked leaves the waiting rooms; answers how many."""
        return int(self._scripts["cancel"](keys=[self._key("jobs", job_id)], args=[self.prefix, job_id]))

    def parked(self, job_id: str) -> dict[str, int]:
        """The job's parked nodes by the label of the limit they wait on."""
        sids = sorted(_text(sid) for sid in self.client.smembers(self._key("jobs", job_id)))
        if not sids:
            return {}
        pipe = self.client.pipeline(transaction=False)
        for sid in sids:
            pipe.llen(self._key("parked", sid, job_id))
            pipe.hget(self._key("scope", sid), "label")
        replies = pipe.execute()
        counts: dict[str, int] = {}
        for i in range(0, len(replies), 2):
            if replies[i]:
                label = _text(replies[i + 1] or "a rate limit")
                counts[label] = counts.get(label, 0) + int(replies[i])
        return counts

    def job_due(self, job_id: str) -> float | None:
        """When the releaser next looks at a scope the job has nodes parked in (the limiter's
        clock): the moment its next call may go; None when none of its nodes is parked."""
        sids = sorted(_text(sid) for sid in self.client.smembers(self._key("jobs", job_id)))
        if not sids:
            return None
        pipe = self.client.pipeline(transaction=False)
        for sid in sids:
            pipe.llen(self._key("parked", sid, job_id))
            pipe.zscore(self._key("due"), sid)
        replies = pipe.execute()
        moments = [float(replies[i + 1]) for i in range(0, len(replies), 2) if replies[i] and replies[i + 1] is not None]
        return min(moments, default=None)

    def has_parked(self, sid: str) -> bool:
        return bool(self.client.exists(self._key("ring", sid)))

    # the releaser's lease and clock

    def server_time(self) -> float:
        """Redis's clock, the one the limiter's grants and every due moment are on."""
        seconds, micros = self.client.time()
        return float(seconds) + float(micros) / 1e6

    def hold_lease(self, holder: str, seconds: float, now: float) -> tuple[bool, bool]:
        """(whether `holder` holds the lease for `seconds` more, whether this Redis had lost
        the rooms' data: then the nodes parked in them must be found again)."""
        held, fresh = self._scripts["lease"](keys=[self._key("lease"), self._key("epoch")],
                                             args=[holder, str(int(seconds * 1000)), repr(float(now))])
        return bool(int(held)), bool(int(fresh))
