"""A node of a job's tree as the store holds it: its document in `tasks`, its outcome in
`task_outcomes`, and the two read merged (its states are in `ingest.jobtree.states`)."""

from __future__ import annotations

import hashlib
import json
import uuid
from datetime import datetime, timezone
from typing import Any

from pymongo.database import Database

from ingest.connectors.base import Request
from ingest.jobtree.states import UNSPLIT_COUNT, NodeState
from ingest.storage.mongo import NODES, OUTCOMES


def now_utc() -> datetime:
    return datetime.now(timezone.utc)


def child_id(parent: str, position: int) -> str:
    return hashlib.sha256(f"{parent}/{position}".encode()).hexdigest()[:32]


def new_node(job_id: str, request: Request, parent: str | None, position: int = 0) -> dict[str, Any]:
    return {
        "_id": uuid.uuid4().hex if parent is None else child_id(parent, position),
        "job": job_id,
        "parent": parent,
        "kind": request.kind,
        "depth": request.depth,
        "page": request.page,
        "request": request.to_dict(),
        "state": NodeState.QUEUED.value,
        "attempts": 0,
        "calls": 0,
        "waits": 0,
        "refusals": 0,
        "retries": 0,
        "records": 0,
        "new_records": 0,
        "watermark": None,
        "error": None,
        "created": now_utc(),
        "started": None,
        "finished": None,
    }


CLAIM_FIELDS = ("parent", "kind", "depth", "page", "request")


def node_documents(db: Database, job_id: str, states: list[NodeState] | None = None,
                   fields: list[str] | None = None) -> list[dict]:
    """The job's nodes as the store holds them: each node's document with its outcome's fields
    over it; only those in one of `states` when given; only `fields` (and `_id`) when given.
    A node stored before waits and refusals were counted apart has its one count as waits."""
    wanted = None if states is None else {state.value for state in states}
    projection = None if fields is None else dict.fromkeys([*fields, "state"], 1)
    outcomes = {outcome["_id"]: outcome for outcome in db[OUTCOMES].find({"job": job_id}, projection)}
    nodes = []
    for node in db[NODES].find({"job": job_id}, projection):
        node.update(outcomes.get(node["_id"], {}))
        if UNSPLIT_COUNT in node:
            unsplit = node.pop(UNSPLIT_COUNT) or 0
            node.setdefault("waits", unsplit)
        if wanted is None or node.get("state") in wanted:
            nodes.append(node)
    return nodes


def ended_node_ids(db: Database, job_id: str, states: list[NodeState]) -> list[str]:
    """The job's nodes that ended in one of these terminal `states`: from their outcomes alone."""
    if not all(state.terminal for state in states):
        raise ValueError(f"only terminal states end a node, not {[state.value for state in states]}")
    found = db[OUTCOMES].find({"job": job_id, "state": {"$in": [state.value for state in states]}}, {"_id": 1})
    return [outcome["_id"] for outcome in found]


def claim_text(node: dict) -> str:
    """What a worker needs of a node to run it, as text the tally keeps; '' when the node
    was read without its request, or the request holds something JSON would not give back as
    it was (the worker then reads the node from the store)."""
    if node.get("request") is None:
        return ""
    fields = {name: node.get(name) for name in CLAIM_FIELDS}
    try:
        text = json.dumps(fields, separators=(",", ":"))
    except (TypeError, ValueError):
        return ""
    return text if json.loads(text) == fields else ""


def node_from_claim_text(job_id: str, node_id: str, document: str) -> dict | None:
    try:
        fields = json.loads(document)
    except ValueError:
        return None
    return {"_id": node_id, "job": job_id, **fields}
