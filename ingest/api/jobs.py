"""A job as the notebook sees it: `Job` follows one, `job()` and `jobs()` find them, `frame()`
reads stored records of every job."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from celery.result import AsyncResult

from ingest import connectors
from ingest.api.connection import runtime, says_when_down
from ingest.api.waits import wait_reason
from ingest.connectors.validation import LARGEST_INT
from ingest.errors import ParameterError, UnknownJobError
from ingest.jobtree.completion import settle_job
from ingest.jobtree.nodes import ended_node_ids, now_utc
from ingest.jobtree.result_set import JobTree
from ingest.jobtree.states import JobCounts, JobState, NodeState
from ingest.jobtree.tree import Tree
from ingest.jobtree.waiting import poll_until
from ingest.runtime import Runtime
from ingest.settings import Settings, get_settings
from ingest.storage import record_writes
from ingest.storage.mongo import NODES, OUTCOMES
from ingest.view.snapshot import RATE_WINDOW, JobSnapshot, limit_rate, take_snapshot
from ingest.view.waits import WaitReason


@dataclass
class Job:
    id: str
    settings: Settings

    @property
    def _runtime(self) -> Runtime:
        return runtime(self.settings)

    @property
    def _db(self):
        return self._runtime.db

    @property
    def _tree(self) -> Tree:
        return self._runtime.tree

    def _document(self) -> dict:
        document = self._runtime.jobs.get(self.id)
        if document is None:
            raise UnknownJobError(f"no job with id {self.id!r}; `ingest.jobs()` lists the jobs there are")
        return document

    @property
    def spec(self) -> dict:
        return self._document()["spec"]

    @property
    def source(self) -> str:
        return self._document()["source"]

    def tree(self) -> JobTree:
        """The job's whole tree as a Celery ResultSet (`ready()`, `completed_count()`, `join()`)."""
        return JobTree(self.id, self._tree, self._runtime.app)

    @says_when_down
    def status(self) -> dict:
        """A snapshot: the job's state, its nodes by state, and its counters; among them `waits`
        (a node waited its turn under our own limiter: normal pacing) and `refusals` (calls the API
        refused for its rate limit), whose share of the calls is `refusal_percent` (None before
        any call); its nodes waiting their turn in the waiting room of each rate limit
        (`parked`, by the limit); while the job runs and something of it waits, why (`wait`:
        the limit in words, the next call, what would help; see `ingest.view.waits`); and its
        `progress` toward the pull's limit (records of the top-level listing) or over its nodes
        (`progress_basis`), a fraction or None, and `eta_seconds` until it ends (None when that
        cannot be known)."""
        document, counts = self._read()
        snapshot = self._snapshot_of(document, counts)
        return {**_status_of(document, counts, parked=snapshot.parked, wait=snapshot.wait),
                "progress": snapshot.progress, "progress_basis": snapshot.progress_basis,
                "eta_seconds": snapshot.eta}

    def _read(self) -> tuple[dict, JobCounts]:
        """The job's document and counts, after ending the job if its last step was cut short."""
        document = self._document()
        counts = self._tree.counts(self.id)
        if (document["state"] == JobState.RUNNING.value
                and settle_job(self._runtime.jobs, self._tree, self.id, counts, now=time.time()) is not None):
            document, counts = self._document(), self._tree.counts(self.id)
        return document, counts

    @says_when_down
    def snapshot(self) -> JobSnapshot:
        """Everything the live view shows, read at once: states by kind and depth, counters,
        recent errors, the call rate over the last minutes and the limit it runs under."""
        return self._snapshot_of(*self._read())

    def _snapshot_of(self, document: dict, counts: JobCounts) -> JobSnapshot:
        now = time.time()
        since = None if document.get("finished") else now - RATE_WINDOW - 1
        rate = self._tree.tally.rate(self.id, since=since)
        host = urlsplit(document["spec"].get("base_url", "")).netloc or None
        source = document["source"]
        limiter_snapshot = self._runtime.limiter.snapshot(source)
        limit = limit_rate(limiter_snapshot, source, host)
        parked = self._runtime.room.parked(self.id)
        return take_snapshot(document, counts, self._tree.recent_errors(self.id, 20), rate, limit, now=now,
                             parked=parked, wait=wait_reason(document, limiter_snapshot, parked, counts.by_state, now,
                                                             due=self._runtime.room.job_due(self.id)),
                             **self._goal_inputs(document))

    def _goal_inputs(self, document: dict) -> dict:
        """What the snapshot measures progress and the ETA against: the calls estimated before the
        pull, the records per call of its top-level listing, and the records that listing gave
        so far (the newest top-level page's count before it, and its own once it ended)."""
        spec = document["spec"]
        connector = connectors.get(document["source"]).for_spec(spec)
        inputs = {"expected_calls": connector.estimate_calls(spec), "page_size": connector.listing_page(spec)}
        if inputs["page_size"] is None or spec.get("limit") is None:
            return inputs
        newest = self._db[NODES].find_one({"job": self.id, "depth": 0}, {"request.context.emitted": 1},
                                          sort=[("page", -1)])
        if newest is None:
            return {**inputs, "goal_records": 0}
        emitted = int(((newest.get("request") or {}).get("context") or {}).get("emitted", 0))
        outcome = self._db[OUTCOMES].find_one({"_id": newest["_id"]}, {"records": 1})
        return {**inputs, "goal_records": emitted + int((outcome or {}).get("records") or 0)}

    @says_when_down
    def frame(self, collection: str | None = None, *, where: dict | None = None, columns: list[str] | None = None,
              limit: int | None = None, depth: int = 1):
        """The job's records as a DataFrame: its source's main collection, or `collection`
        (e.g. 'reddit_comments'); `columns` are selected in the store."""
        from ingest.api import frames  # pandas, loaded only by those who ask for a frame

        return frames.job_frame(self._db, self.id, collection, where=where, columns=columns, limit=limit, depth=depth)

    @says_when_down
    def frames(self, *, where: dict | None = None, columns: list[str] | None = None, limit: int | None = None,
               depth: int = 1) -> dict:
        """One DataFrame per collection the job's source writes, main collection first."""
        from ingest.api import frames

        return frames.job_frames(self._db, self.id, where=where, columns=columns, limit=limit, depth=depth)

    def _ipython_display_(self) -> None:
        from ingest.view.widgets import display_job

        display_job(self)

    @says_when_down
    def wait(self, timeout: float | None = None, poll: float = 0.25) -> dict:
        """Block until the job is finished; TimeoutError after `timeout` seconds. The job's
        views in this notebook keep updating meanwhile."""
        from ingest.view.widgets import refresh_views, views_following

        def read() -> dict:
            document, counts = self._read()
            if views_following(self.id):
                refresh_views(self.id, self._snapshot_of(document, counts))
            return _status_of(document, counts)

        status, ended = poll_until(read, lambda status: status["state"] != JobState.RUNNING.value, timeout, poll)
        if not ended:
            raise TimeoutError(f"job {self.id} still running after {timeout:g} s: {status['nodes']}")
        return status

    @says_when_down
    def cancel(self) -> None:
        """Stop the job: nodes not yet running are not fetched, and those waiting their turn
        under a rate limit leave its waiting room."""
        self._runtime.jobs.move(self.id, JobState.CANCELLED.value, now_utc())
        self._runtime.room.cancel(self.id)
        self._tree.cancel(self.id)

    @says_when_down
    def rerun(self, failed_only: bool = True) -> int:
        """Run the failed nodes again (with failed_only=False, the cancelled ones too). Returns how many."""
        states = [NodeState.FAILED] if failed_only else [NodeState.FAILED, NodeState.CANCELLED]
        ids = self._tree.requeue(self.id, ended_node_ids(self._db, self.id, states), states)
        if not ids:
            return 0
        self._runtime.jobs.move(self.id, JobState.RUNNING.value, None)
        self._tree.resume(self.id)
        publisher = self._runtime.publisher
        queue = connectors.get(self.source).queue
        for node_id in ids:
            AsyncResult(node_id, app=publisher.app).forget()  # the earlier outcome gives way to this run's
            publisher.publish(self.id, node_id, queue)
        return len(ids)

    def replay(self) -> Job:
        """A new job with the same spec."""
        from ingest.api.pull import pull

        document = self._document()
        return pull(document["source"], settings=self.settings, name=document.get("name"), **document["spec"],
                    **document.get("options", {}))

    def record_ids(self, collection: str) -> list[str]:
        return [d["_id"] for d in self._db[collection].find(record_writes.job_records_filter(self._db, collection, self.id), {"_id": 1})]

    def __repr__(self) -> str:
        return f"Job({self.id!r})"


@says_when_down
def job(job_id_or_name: str, settings: Settings | None = None) -> Job:
    """The job with this id, else the latest job of this name (`pull(..., name=...)`);
    UnknownJobError when there is neither."""
    settings = settings or get_settings()
    if not isinstance(job_id_or_name, str) or not job_id_or_name.strip():
        raise ParameterError(f"job {job_id_or_name!r} must be a job id or name, e.g. 'mastodon-0123456789ab'")
    documents = runtime(settings).jobs
    if documents.get(job_id_or_name, ["_id"]) is not None:
        return Job(job_id_or_name, settings)
    named = documents.latest({"name": job_id_or_name}, 1)
    if named:
        return Job(named[0], settings)
    raise UnknownJobError(f"no job with id {job_id_or_name!r} nor named {job_id_or_name!r}; "
                          "`ingest.jobs()` lists the jobs there are")


def _status_of(document: dict, counts: JobCounts, parked: dict[str, int] | None = None,
               wait: WaitReason | None = None) -> dict:
    return {
        "id": document["_id"], "source": document["source"], "state": document["state"],
        "nodes": counts.by_state, "total_nodes": sum(counts.by_state.values()),
        "counts": counts.totals, "refusal_percent": counts.refusal_percent, "parked": parked or {},
        "created": document["created"], "finished": document.get("finished"),
        "wait": wait.to_dict() if wait is not None else None,
    }


@says_when_down
def frame(collection_or_source: str, where: dict | None = None, columns: list[str] | None = None,
          limit: int | None = None, depth: int = 1, settings: Settings | None = None):
    """Stored records of every job as a DataFrame: a collection ('reddit_comments') or a
    source's main collection ('reddit'); `where` is a MongoDB filter, `columns` are selected
    in the store, nested JSON is flattened to `depth` levels."""
    from ingest.api import frames

    database = runtime(settings).db
    return frames.frame(database, collection_or_source, where=where, columns=columns, limit=limit, depth=depth)


@says_when_down
def jobs(limit: int = 20, source: str | None = None, state: str | None = None, name: str | None = None,
         settings: Settings | None = None):
    """The latest jobs as a DataFrame, newest first: id, name, source, state, created, finished,
    nodes, records, calls, waits, refusals, errors and the spec in short (the parameters set
    apart from their defaults). `source`, `state` and `name` narrow it; `ingest.job(id)` gives
    the Job of a row."""
    from ingest.api.job_table import jobs_table  # pandas, loaded only by those who ask for a table

    settings = settings or get_settings()
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ParameterError(f"limit={limit!r} must be a whole number of jobs, at least 1, e.g. limit=20")
    where: dict[str, Any] = {}
    if source is not None:
        where["source"] = connectors.get(source).name
    if state is not None:
        try:
            where["state"] = JobState(state).value
        except ValueError:
            raise ParameterError(
                f"state={state!r} is not a job state; use one of {', '.join(s.value for s in JobState)}") from None
    if name is not None:
        where["name"] = checked_name(name)
    return jobs_table(runtime(settings), where, min(limit, LARGEST_INT))


def checked_name(name: Any) -> str:
    """A job's name: a non-empty string, kept without surrounding spaces."""
    if not isinstance(name, str) or not name.strip():
        raise ParameterError(f"name={name!r} must be a non-empty string, e.g. name='python-week-22'")
    return name.strip()
