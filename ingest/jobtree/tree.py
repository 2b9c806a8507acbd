"""The job's dependency tree: one MongoDB document per node (one request) in `tasks`, one per
ended node in `task_outcomes`, and the live tally of the nodes' states and counters in Redis
(`ingest.jobtree.tally`).

A node's document is written when the node is registered, and updated only when it retries
after an error; its terminal outcome is a document of its own, inserted, because an update by
`_id` costs a scan of the whole collection on FerretDB while an insert costs the same at any
size. A node's state in the store is its outcome's when it has one, else its own document's
(`node_documents` reads them merged). The steps in between (claimed, waiting on a limit) live
in the tally only. A node counts two kinds of wait apart: `waits`, each time it waited its turn
under our own limiter (pacing, normal), and `refusals`, each call the API refused for its rate
limit (429, 503). A node registers its children before it finishes, so the tree
never looks finished while children are in flight: the job is finished exactly when the step
that ends a node leaves no node live.

A child's id is derived from its parent's and its place among the parent's children, so a node
that runs again (its worker was killed, a store refused a write) registers the same children
again instead of new ones: nothing is fetched twice and no orphan is left live.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from pymongo.database import Database
from pymongo.errors import BulkWriteError, DuplicateKeyError

from ingest.connectors.base import Request
from ingest.errors import UnknownNodeError
from ingest.jobtree.nodes import claim_text, new_node, node_documents, node_from_claim_text, now_utc
from ingest.jobtree.states import COUNTED_FIELDS, PENDING_STATES, UNSPLIT_COUNT, JobCounts, JobState, NodeState
from ingest.storage.job_documents import JobDocuments
from ingest.storage.mongo import DUPLICATE_KEY, NODES, OUTCOMES, writing
from ingest.jobtree.tally import Counts, RedisTally, TallyNode


class Tree:
    """The trees of every job, in one database and one tally."""

    def __init__(self, db: Database, tally: RedisTally) -> None:
        self.db = db
        self.tally = tally
        self.jobs = JobDocuments(db)

    def add(self, job_id: str, requests: list[Request], parent: str | None,
            waiting: Sequence[bool] = ()) -> list[str]:
        """Register the requests as nodes; answers their ids. Those whose `waiting` flag is set
        wait their turn in a waiting room: they start waiting, one wait each.
        A node registered before keeps its state."""
        if not requests:
            return []
        if waiting and len(waiting) != len(requests):
            raise ValueError(f"{len(waiting)} waiting flags for {len(requests)} requests: give one per request, or none")
        nodes = [new_node(job_id, request, parent, position) for position, request in enumerate(requests)]
        self._insert_keeping_stored(NODES, nodes)
        if parent is not None:
            self._ensure_tally(job_id)
        self.tally.add(job_id, [
            replace(_tally_node(node), state=NodeState.WAITING.value, waits=1) if wait else _tally_node(node)
            for node, wait in zip(nodes, waiting or [False] * len(nodes))])
        return [node["_id"] for node in nodes]

    def claim(self, job_id: str, node_id: str, recovering: bool = False) -> dict | None:
        """Mark a node running and count the attempt; answers its document (with the tally's
        attempts, waits and refusals, and `job_cancelled`: whether its job was cancelled when
        it was claimed), or None when it is not to run: terminal already (a redelivered
        message of a node that finished), unknown, or running under another task. A node found
        running is taken over only when `recovering`: its message was redelivered (the task
        that ran it was lost) or is a retry of the task itself. UnknownNodeError when neither the
        tally nor the store knows the node."""
        allowed = None if recovering else list(PENDING_STATES)
        move = self._move(job_id, node_id, NodeState.RUNNING, allowed, attempts=1)
        if not move.known:
            raise UnknownNodeError(f"job {job_id!r} has no node {node_id!r}")
        if not move.moved:
            return None
        node = node_from_claim_text(job_id, node_id, move.document) if move.document else None
        if node is None:
            node = self.db[NODES].find_one({"_id": node_id})
        if node is None:
            return None
        node.update(attempts=move.attempts, waits=move.waits, refusals=move.refusals, calls=move.calls,
                    started=now_utc(), job_cancelled=move.cancelled)
        return node

    def waited(self, job_id: str, node_id: str) -> None:
        """Back to waiting its turn under our own limit, without a call; the attempt it was
        claimed with does not count."""
        self._move(job_id, node_id, NodeState.WAITING, [NodeState.RUNNING], attempts=-1, waits=1)

    def refused(self, job_id: str, node_id: str, calls: int) -> None:
        """The API refused the call for its rate limit: the calls count, and a refusal; back to
        waiting, and the attempt it was claimed with does not count."""
        self._move(job_id, node_id, NodeState.WAITING, [NodeState.RUNNING], attempts=-1, refusals=1, calls=calls)

    def retrying(self, job_id: str, node: dict, error: dict, calls: int) -> None:
        with writing(self.db):
            self._retrying_document(node, error, calls)
        self._move(job_id, node["_id"], NodeState.RETRYING, [NodeState.RUNNING], calls=calls,
                   totals={"retries": 1})
        self._note_error(job_id, node, {**error, "outcome": "retried"})

    def _retrying_document(self, node: dict, error: dict, calls: int) -> None:
        self.db[NODES].update_one({"_id": node["_id"]}, {"$set": {
            "state": NodeState.RETRYING.value, "error": error, "attempts": node["attempts"],
            "calls": node.get("calls", 0) + calls, "waits": node.get("waits", 0),
            "refusals": node.get("refusals", 0),
        }, "$inc": {"retries": 1}})

    def finish(self, job_id: str, node: dict, state: NodeState, *, calls: int = 0, records: int = 0,
               new_records: int = 0, watermark: Any = None, error: dict | None = None) -> bool:
        """Record a node's outcome; answers whether it was the job's last live node."""
        with writing(self.db):
            self._outcome_document(job_id, node, state, calls, records, new_records, watermark, error)
        if watermark is not None:
            self.tally.note_watermark(job_id, watermark)
        move = self._move(job_id, node["_id"], state, None, calls=calls,
                          totals={"records": records, "new_records": new_records})
        if error is not None:
            self._note_error(job_id, node, {**error, "outcome": state.value})
        return move.moved and move.live == 0

    def _note_error(self, job_id: str, node: dict, error: dict) -> None:
        self.tally.note_error(job_id, {**error, "node": node["_id"], "node_kind": node.get("kind"), "at": now_utc()})

    def _outcome_document(self, job_id: str, node: dict, state: NodeState, calls: int, records: int, new_records: int,
                          watermark: Any, error: dict | None) -> None:
        outcome = {
            "_id": node["_id"], "job": job_id, "state": state.value, "attempts": node.get("attempts", 0),
            "waits": node.get("waits", 0), "refusals": node.get("refusals", 0),
            "calls": node.get("calls", 0) + calls, "records": records,
            "new_records": new_records, "watermark": watermark, "error": error, "started": node.get("started"),
            "finished": now_utc(),
        }
        try:
            self.db[OUTCOMES].insert_one(outcome)
        except DuplicateKeyError:  # the node ended before: a redelivered message ran it again
            self.db[OUTCOMES].replace_one({"_id": node["_id"]}, outcome)

    def requeue(self, job_id: str, node_ids: list[str], allowed: list[NodeState]) -> list[str]:
        """Nodes in one of the `allowed` states, queued again with their attempts reset; answers
        those that moved."""
        self._ensure_tally(job_id)
        # A node run again counts its records again (see `ingest.storage.job_keys`): its last
        # run's count goes. Its new records stay counted: stored now, they are not new again.
        counted = {outcome["_id"]: outcome.get("records") or 0 for outcome in
                   self.db[OUTCOMES].find({"_id": {"$in": list(node_ids)}}, {"records": 1})}
        moved = [node_id for node_id in node_ids
                 if self.tally.move(job_id, node_id, NodeState.QUEUED.value, [s.value for s in allowed],
                                    reset_attempts=True, totals={"records": -counted.get(node_id, 0)}).moved]
        if moved:
            with writing(self.db):
                self.db[OUTCOMES].delete_many({"_id": {"$in": moved}})
                self.db[NODES].update_many({"_id": {"$in": moved}}, {"$set": {
                    "state": NodeState.QUEUED.value, "attempts": 0, "error": None, "finished": None}})
        return moved

    def cancel(self, job_id: str) -> int:
        """The job is cancelled: running nodes register no more children, and every node not
        running yet is cancelled; answers how many were."""
        self._ensure_tally(job_id)
        self.tally.set_cancelled(job_id, True)
        return self.cancel_waiting(job_id)

    def resume(self, job_id: str) -> None:
        """A cancelled job runs again (some of its nodes are queued again)."""
        self._ensure_tally(job_id)
        self.tally.set_cancelled(job_id, False)

    def cancelled(self, job_id: str) -> bool:
        """From the tally; from the job's document when the tally has no record of the job."""
        cancelled = self.tally.cancelled(job_id)
        if cancelled is None:
            state = self.jobs.state(job_id)
            return state is None or state == JobState.CANCELLED.value
        return cancelled

    def cancel_waiting(self, job_id: str) -> int:
        """Every node not running yet is cancelled; answers how many."""
        self._ensure_tally(job_id)
        pending = [state.value for state in PENDING_STATES]
        cancelled = [node.id for node in self.tally.nodes(job_id) if node.state in pending
                     and self.tally.move(job_id, node.id, NodeState.CANCELLED.value, pending).moved]
        if cancelled:
            finished = now_utc()
            self._insert_keeping_stored(OUTCOMES, [
                {"_id": node_id, "job": job_id, "state": NodeState.CANCELLED.value, "finished": finished}
                for node_id in cancelled])
        return len(cancelled)

    def counts(self, job_id: str, read: Counts | None = None) -> JobCounts:
        """The job's counts; `read` is its tally's, when already read."""
        counts = read if read is not None else self.tally.counts(job_id)
        if counts is None:
            self.load_tally(job_id)
            counts = self.tally.counts(job_id) or Counts()
        by_state = {state.value: counts.by_state.get(state.value, 0) for state in NodeState}
        totals = {name: counts.totals.get(name, 0) for name in COUNTED_FIELDS}
        totals["errors"] = by_state[NodeState.FAILED.value]
        by_group = {key: value for key, value in counts.by_group.items() if value}
        return JobCounts(by_state, by_group, totals, counts.changed)

    def counts_of(self, job_ids: list[str]) -> list[JobCounts]:
        """The counts of several jobs, read from the tally in one round trip."""
        return [self.counts(job_id, read) for job_id, read in zip(job_ids, self.tally.counts_many(job_ids))]

    def live_node_ids(self, job_id: str) -> list[str]:
        """The ids of the job's live nodes, from the tally (loaded from the store when the tally
        has no record of the job)."""
        self._ensure_tally(job_id)
        return [node.id for node in self.tally.nodes(job_id) if NodeState(node.state).live]

    def node_ids(self, job_id: str) -> list[str]:
        """The ids of every node the job has registered, from the store."""
        return [node["_id"] for node in self.db[NODES].find({"job": job_id}, {"_id": 1})]

    def has_failures(self, job_id: str) -> bool:
        return self.counts(job_id).by_state[NodeState.FAILED.value] > 0

    def watermarks(self, job_id: str) -> list[dict]:
        """The watermarks of the job's finished pages (from the tally; from the store when the
        tally has no record of the job)."""
        if self.tally.exists(job_id):
            return self.tally.watermarks(job_id)
        return [outcome["watermark"] for outcome in
                self.db[OUTCOMES].find({"job": job_id, "watermark": {"$ne": None}}, {"watermark": 1})]

    def recent_errors(self, job_id: str, count: int = 20) -> list[dict]:
        return self.tally.recent_errors(job_id, count)

    def finished_in_store(self, job_id: str) -> bool:
        """The slow, authoritative answer from MongoDB alone: every node has an outcome."""
        return self.db[OUTCOMES].count_documents({"job": job_id}) >= self.db[NODES].count_documents({"job": job_id})

    def load_tally(self, job_id: str) -> int:
        """Rebuild a job's tally from its node documents (after expiry, or a Redis that lost its
        data). A node whose document is not terminal is live: its message is still queued, or it
        is redelivered. Answers how many nodes were loaded."""
        fields = ["kind", "depth", "state", "attempts", "watermark", *COUNTED_FIELDS, UNSPLIT_COUNT]
        nodes = node_documents(self.db, job_id, fields=fields)
        loaded = self.tally.add(job_id, [_tally_node(node) for node in nodes])
        if nodes and loaded == len(nodes):
            self.tally.set_cancelled(job_id, self.jobs.state(job_id) == JobState.CANCELLED.value)
            self.tally.set_totals(job_id, {name: sum(node.get(name) or 0 for node in nodes) for name in COUNTED_FIELDS})
            for node in nodes:
                if node.get("watermark") is not None:
                    self.tally.note_watermark(job_id, node["watermark"])
        return loaded

    def _insert_keeping_stored(self, collection: str, documents: list[dict]) -> None:
        """Insert the documents; those stored already (by a run before this one) stay as they are."""
        try:
            with writing(self.db):
                self.db[collection].insert_many(documents, ordered=False)
        except BulkWriteError as error:
            if any(failure.get("code") != DUPLICATE_KEY for failure in error.details.get("writeErrors", [])):
                raise

    def _ensure_tally(self, job_id: str) -> None:
        if not self.tally.exists(job_id) and self.db[NODES].count_documents({"job": job_id}, limit=1):
            self.load_tally(job_id)

    def _move(self, job_id: str, node_id: str, to: NodeState, allowed: list[NodeState] | None, **changes):
        allowed_values = None if allowed is None else [state.value for state in allowed]
        move = self.tally.move(job_id, node_id, to.value, allowed_values, **changes)
        if not move.known:
            node = self.db[NODES].find_one({"_id": node_id, "job": job_id})
            if node is None:
                return move
            node.update(self.db[OUTCOMES].find_one({"_id": node_id}) or {})
            self._ensure_tally(job_id)
            self.tally.add(job_id, [_tally_node(node)])
            move = self.tally.move(job_id, node_id, to.value, allowed_values, **changes)
        return move


def _tally_node(node: dict) -> TallyNode:
    return TallyNode(node["_id"], node.get("state", NodeState.QUEUED.value), int(node.get("depth") or 0),
                     str(node.get("kind") or ""), int(node.get("attempts") or 0), claim_text(node))
