"""The live tally of a job's tree in Redis: every node's state, and the job's counts.

MongoDB keeps the tree (one document per node) and every node's outcome; this tally keeps
what changes on every step, so that claiming a node is atomic, "is the job finished?" is one
answer of the step that finishes the last node, and a status of any size is one read.

Keys, under a prefix (default ``ingest:tally``):

    <prefix>:<job>:nodes    hash: node id -> "state|depth|attempts|waits|refusals|calls|kind"
    <prefix>:<job>:counts   hash: nodes, state:<state>, group:<kind>|<depth>|<state>,
                            total:<counter>, changed (server time of the last step)
    <prefix>:<job>:errors   list: the latest node errors, newest first, as JSON
    <prefix>:<job>:watermarks  list: the pages' watermarks, as JSON, until the job completes
    <prefix>:<job>:rate     hash: server unix second -> calls counted by the steps in it
    <prefix>:<job>:documents  hash: live node id -> its fixed fields as the tree gave them
                            (opaque text), handed back when the node is claimed, so a worker
                            needs no store read to start a node; dropped when the node ends

Every key expires `ttl` seconds after the job's last step; a job's tally that is gone (expiry,
a Redis that lost its data) is loaded again from MongoDB (see `tree.load_tally`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Iterable, Iterator, Sequence

from ingest.jobtree.states import LIVE_STATES, UNSPLIT_COUNT, NodeState
from ingest.storage.redis_scripts import register_scripts

RECENT_ERRORS = 50
DEFAULT_TTL = 30 * 24 * 3600.0
RATE_READ_SPAN = 3600  # seconds read field by field; a longer span reads the whole hash
CANCELLED_FLAG = "cancelled"  # the counts hash's field set while the job is cancelled
# The node states and the flag the scripts name, put before common.lua's text.
STATES_LUA = (
    "local LIVE = {" + ", ".join(f"[{json.dumps(state)}] = true" for state in LIVE_STATES) + "}\n"
    f"local RUNNING = {json.dumps(NodeState.RUNNING.value)}\n"
    f"local CANCELLED_FLAG = {json.dumps(CANCELLED_FLAG)}\n"
)


def _parse_node(node_id: str, value: str) -> TallyNode:
    fields = value.split("|")
    if len(fields) == 6:  # written before waits and refusals were apart: its one count is read as waits
        fields.insert(4, "0")
    state, depth, attempts, waits, refusals, _calls, kind = fields
    return TallyNode(node_id, state, int(depth), kind, int(attempts), waits=int(waits), refusals=int(refusals))


def _parse_counts(raw: dict) -> Counts | None:
    if not raw:
        return None
    counts = Counts()
    for key, value in raw.items():
        name, value = _text(key), _text(value)
        if name == "nodes":
            counts.nodes = int(value)
        elif name == "changed":
            counts.changed = float(value)
        elif name.startswith("state:"):
            counts.by_state[name[6:]] = int(value)
        elif name == f"total:{UNSPLIT_COUNT}":  # a tally written before: read as waits
            counts.totals["waits"] = counts.totals.get("waits", 0) + int(value)
        elif name.startswith("total:"):
            counts.totals[name[6:]] = counts.totals.get(name[6:], 0) + int(value)
        elif name.startswith("group:"):
            kind, depth, state = name[6:].rsplit("|", 2)
            counts.by_group[(kind, int(depth), state)] = int(value)
    return counts


def _text(value: bytes | str) -> str:
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


@dataclass(frozen=True)
class TallyNode:
    """One node as the tally holds it."""

    id: str
    state: str
    depth: int = 0
    kind: str = ""
    attempts: int = 0
    document: str = ""
    waits: int = 0
    refusals: int = 0


@dataclass(frozen=True)
class Move:
    """The answer to one step: whether the node moved, what it was, and how many nodes of the
    job are still live afterwards."""

    moved: bool
    known: bool
    before: str
    attempts: int
    waits: int
    refusals: int
    calls: int
    live: int
    document: str = ""
    cancelled: bool = False  # the job's, as the step found it


@dataclass
class Counts:
    """Every count of one job, read in one step."""

    nodes: int = 0
    by_state: dict[str, int] = field(default_factory=dict)
    by_group: dict[tuple[str, int, str], int] = field(default_factory=dict)
    totals: dict[str, int] = field(default_factory=dict)
    changed: float | None = None

    @property
    def live(self) -> int:
        return sum(self.by_state.get(state, 0) for state in LIVE_STATES)


class RedisTally:
    """Runs the tally's Lua scripts against one Redis; knows keys and steps, not jobs."""

    def __init__(self, client, prefix: str = "ingest:tally", ttl: float = DEFAULT_TTL) -> None:
        self.client = client
        self.prefix = prefix.rstrip(":")
        self.ttl = int(ttl)
        self._scripts = register_scripts(client, __package__, ("add", "move"), prelude="common.lua",
                                         header=STATES_LUA)

    def keys(self, job_id: str) -> tuple[str, str]:
        return f"{self.prefix}:{job_id}:nodes", f"{self.prefix}:{job_id}:counts"

    def errors_key(self, job_id: str) -> str:
        return f"{self.prefix}:{job_id}:errors"

    def rate_key(self, job_id: str) -> str:
        return f"{self.prefix}:{job_id}:rate"

    def documents_key(self, job_id: str) -> str:
        return f"{self.prefix}:{job_id}:documents"

    def exists(self, job_id: str) -> bool:
        return bool(self.client.exists(self.keys(job_id)[1]))

    def add(self, job_id: str, nodes: Iterable[TallyNode]) -> int:
        """Register nodes; one already known keeps its state. A new node's waits and refusals
        count for the job. Returns how many were new."""
        args: list[str] = [str(self.ttl)]
        for node in nodes:
            args.extend([node.id, node.state, str(int(node.depth)), str(int(node.attempts)), str(int(node.waits)),
                         str(int(node.refusals)), node.kind.replace("|", "/"), node.document])
        if len(args) == 1:
            return 0
        return int(self._scripts["add"](keys=(*self.keys(job_id), self.documents_key(job_id)), args=args))

    def move(self, job_id: str, node_id: str, to: str, allowed: Sequence[str] | None = None, *,
             attempts: int = 0, reset_attempts: bool = False, waits: int = 0, refusals: int = 0, calls: int = 0,
             totals: dict[str, int] | None = None) -> Move:
        """Move a node to `to` if it is in one of the `allowed` states (any live one when None)."""
        args = [node_id, to, "*live" if allowed is None else ",".join(allowed),
                "=0" if reset_attempts else str(int(attempts)), str(int(waits)), str(int(refusals)),
                str(int(calls)), str(self.ttl)]
        for name, delta in (totals or {}).items():
            args.extend([name, str(int(delta))])
        moved, before, node_attempts, node_waits, node_refusals, node_calls, live, document, cancelled = (
            self._scripts["move"](keys=(*self.keys(job_id), self.rate_key(job_id), self.documents_key(job_id)),
                                  args=args))
        moved = int(moved)
        return Move(moved == 1, moved != -1, _text(before), int(node_attempts), int(node_waits), int(node_refusals),
                    int(node_calls), int(live), _text(document), int(cancelled) == 1)

    def counts(self, job_id: str) -> Counts | None:
        """None when the tally has no record of the job."""
        return _parse_counts(self.client.hgetall(self.keys(job_id)[1]))

    def counts_many(self, job_ids: Sequence[str]) -> list[Counts | None]:
        """The counts of several jobs in one round trip, in the order asked; None for a job the
        tally has no record of."""
        with self.client.pipeline(transaction=False) as pipe:
            for job_id in job_ids:
                pipe.hgetall(self.keys(job_id)[1])
            return [_parse_counts(raw) for raw in pipe.execute()]

    def set_cancelled(self, job_id: str, cancelled: bool) -> None:
        key = self.keys(job_id)[1]
        if cancelled:
            self.client.hset(key, CANCELLED_FLAG, 1)
        else:
            self.client.hdel(key, CANCELLED_FLAG)

    def cancelled(self, job_id: str) -> bool | None:
        """Whether the job was cancelled; None when the tally has no record of the job."""
        key = self.keys(job_id)[1]
        with self.client.pipeline(transaction=False) as pipe:
            pipe.exists(key)
            pipe.hget(key, CANCELLED_FLAG)
            exists, flag = pipe.execute()
        return None if not exists else flag is not None

    def node(self, job_id: str, node_id: str) -> TallyNode | None:
        value = self.client.hget(self.keys(job_id)[0], node_id)
        return None if value is None else _parse_node(node_id, _text(value))

    def nodes(self, job_id: str) -> Iterator[TallyNode]:
        """Every node of the job, read in batches."""
        for node_id, value in self.client.hscan_iter(self.keys(job_id)[0], count=1000):
            yield _parse_node(_text(node_id), _text(value))

    def set_totals(self, job_id: str, totals: dict[str, int]) -> None:
        """The job's counters as given (a tally loaded again from the store)."""
        self.client.hset(self.keys(job_id)[1], mapping={f"total:{name}": value for name, value in totals.items()})

    def watermarks_key(self, job_id: str) -> str:
        return f"{self.prefix}:{job_id}:watermarks"

    def note_watermark(self, job_id: str, watermark: dict) -> None:
        """Keep a page's watermark until the job completes and folds them into one."""
        key = self.watermarks_key(job_id)
        with self.client.pipeline(transaction=True) as pipe:
            pipe.rpush(key, json.dumps(watermark, default=str))
            pipe.expire(key, self.ttl)
            pipe.execute()

    def watermarks(self, job_id: str) -> list[dict]:
        return [json.loads(item) for item in self.client.lrange(self.watermarks_key(job_id), 0, -1)]

    def note_error(self, job_id: str, entry: dict) -> None:
        key = self.errors_key(job_id)
        with self.client.pipeline(transaction=True) as pipe:
            pipe.lpush(key, json.dumps(entry, default=str))
            pipe.ltrim(key, 0, RECENT_ERRORS - 1)
            pipe.expire(key, self.ttl)
            pipe.execute()

    def recent_errors(self, job_id: str, count: int = RECENT_ERRORS) -> list[dict]:
        return [json.loads(item) for item in self.client.lrange(self.errors_key(job_id), 0, count - 1)]

    def rate(self, job_id: str, since: float | None = None) -> list[tuple[float, int]]:
        """Calls per second of server time, oldest first, as (unix second, calls); a second
        with no call is left out. `since` (unix seconds) keeps the second it falls in and those
        after."""
        key = self.rate_key(job_id)
        if since is not None:
            first = int(since // 1)
            seconds, _micros = self.client.time()
            if 0 <= int(seconds) - first < RATE_READ_SPAN:
                fields = list(range(first, int(seconds) + 1))
                values = self.client.hmget(key, fields)
                return [(float(second), int(value)) for second, value in zip(fields, values) if value is not None]
        points = sorted((float(_text(second)), int(value)) for second, value in self.client.hgetall(key).items())
        if since is not None:
            points = [point for point in points if point[0] >= since // 1]
        return points

    def forget(self, job_id: str) -> None:
        self.client.delete(*self.keys(job_id), self.errors_key(job_id), self.rate_key(job_id),
                           self.watermarks_key(job_id), self.documents_key(job_id))
