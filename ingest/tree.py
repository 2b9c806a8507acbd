"""The job's dependency tree in MongoDB: one document per node (one request), in `tasks`.

A node registers its children before it marks itself done, so the tree never looks finished
while children are in flight: a job is finished exactly when no node is in a live state.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from enum import Enum
from typing import Any

from pymongo import ReturnDocument
from pymongo.database import Database

from ingest.sources.base import Request
from ingest.store import NODES


class NodeState(str, Enum):
    QUEUED = "queued"
    WAITING = "waiting"      # on a rate limit; not a failed attempt
    RUNNING = "running"
    RETRYING = "retrying"    # after a transient failure, backing off
    DONE = "done"
    SKIPPED = "skipped"      # stored unchanged within the freshness window
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def terminal(self) -> bool:
        return self in TERMINAL_STATES


TERMINAL_STATES = frozenset({NodeState.DONE, NodeState.SKIPPED, NodeState.FAILED, NodeState.CANCELLED})
LIVE_STATES = tuple(state.value for state in NodeState if state not in TERMINAL_STATES)


class JobState(str, Enum):
    RUNNING = "running"
    COMPLETED = "completed"
    COMPLETED_WITH_ERRORS = "completed_with_errors"
    CANCELLED = "cancelled"


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def new_node(job_id: str, request: Request, parent: str | None) -> dict[str, Any]:
    return {
        "_id": uuid.uuid4().hex,
        "job": job_id,
        "parent": parent,
        "kind": request.kind,
        "depth": request.depth,
        "page": request.page,
        "request": request.to_dict(),
        "state": NodeState.QUEUED.value,
        "attempts": 0,
        "calls": 0,
        "throttles": 0,
        "retries": 0,
        "records": 0,
        "new_records": 0,
        "watermark": None,
        "error": None,
        "created": now_utc(),
        "started": None,
        "finished": None,
    }


def add_nodes(db: Database, job_id: str, requests: list[Request], parent: str | None) -> list[str]:
    if not requests:
        return []
    nodes = [new_node(job_id, request, parent) for request in requests]
    db[NODES].insert_many(nodes, ordered=True)
    return [node["_id"] for node in nodes]


def claim(db: Database, node_id: str) -> dict | None:
    """Mark a live node running and count the attempt; None if it is terminal already
    (a redelivered message of a node that finished)."""
    return db[NODES].find_one_and_update(
        {"_id": node_id, "state": {"$in": list(LIVE_STATES)}},
        {"$set": {"state": NodeState.RUNNING.value, "started": now_utc()}, "$inc": {"attempts": 1}},
        return_document=ReturnDocument.AFTER,
    )


def set_state(db: Database, node_id: str, state: NodeState, increments: dict[str, int] | None = None,
              **fields: Any) -> None:
    update: dict[str, Any] = {"$set": {"state": state.value, **fields}}
    if state.terminal:
        update["$set"]["finished"] = now_utc()
    if increments:
        update["$inc"] = increments
    db[NODES].update_one({"_id": node_id}, update)


def throttled(db: Database, node_id: str, calls: int = 0) -> None:
    """Back to waiting on a limit; the attempt it was claimed with does not count."""
    db[NODES].update_one(
        {"_id": node_id},
        {"$set": {"state": NodeState.WAITING.value}, "$inc": {"attempts": -1, "throttles": 1, "calls": calls}},
    )


COUNTED_FIELDS = ("calls", "records", "new_records", "throttles", "retries")


def job_counts(db: Database, job_id: str) -> tuple[dict[str, int], dict[str, int]]:
    """(nodes by state, totals of the nodes' counters), tallied in one pass over the job's nodes.
    Every counter lives on its own node, written by that node's task alone, so no two writers
    ever update one document."""
    by_state = {state.value: 0 for state in NodeState}
    totals = dict.fromkeys(COUNTED_FIELDS, 0)
    projection = {"_id": 0, "state": 1, **dict.fromkeys(COUNTED_FIELDS, 1)}
    for node in db[NODES].find({"job": job_id}, projection):
        by_state[node["state"]] += 1
        for name in COUNTED_FIELDS:
            totals[name] += node.get(name) or 0
    totals["errors"] = by_state[NodeState.FAILED.value]
    return by_state, totals


def is_finished(db: Database, job_id: str) -> bool:
    return db[NODES].count_documents({"job": job_id, "state": {"$in": list(LIVE_STATES)}}, limit=1) == 0
