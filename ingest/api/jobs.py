"""Jobs as the notebook sees them: `pull()` starts one, `Job` follows it.

`pull` validates the parameters against the connector before anything is sent, writes the job
(spec, options, code version, created time) and its root nodes to MongoDB, publishes the root
tasks, and returns at once.
"""

from __future__ import annotations

import socket
from importlib import metadata
import subprocess
import time
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import redis
from celery.result import AsyncResult
from pymongo.database import Database

from ingest import connectors

from ingest.storage import mongo, record_writes

from ingest.api import frames
from ingest.messaging.config import make_celery
from ingest.errors import ParameterError, UnknownJobError
from ingest.limits import Limiter, known_limits_with_overrides
from ingest.messaging.publisher import Publisher
from ingest.settings import PROJECT_ROOT, Settings, get_settings
from ingest.view.snapshot import RATE_WINDOW, JobSnapshot, limit_rate, take_snapshot
from ingest.jobtree.tally import RedisTally
from ingest.jobtree.completion import settle_job
from ingest.jobtree.result_set import JobTree
from ingest.jobtree.nodes import ended_node_ids, now_utc
from ingest.jobtree.states import JobCounts, JobState, NodeState
from ingest.jobtree.tree import Tree

JOB_OPTIONS = {
    "fresh_for": "seconds: a record stored more recently than this is not fetched again",
    "limits": "rate limits instead of the source's published ones: {'requests': 100, 'window': 60.0}, "
              "a list of such, or [] for an unknown limit (learned adaptively)",
}


@lru_cache(maxsize=1)
def code_version() -> str:
    try:
        commit = subprocess.run(
            ["git", "-C", str(PROJECT_ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, timeout=5,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    version = metadata.version("ingest-workbench")
    return f"{version}+{commit}" if commit else version


@dataclass(frozen=True)
class Context:
    """What a notebook's process needs to reach one stack, made once per process."""

    db: Database
    publisher: Publisher
    tree: Tree
    limiter: Limiter


_contexts: dict[tuple[str, ...], Context] = {}


def _context(settings: Settings) -> Context:
    key = (settings.mongo_url, settings.mongo_db, settings.broker_url, settings.redis_url)
    if key not in _contexts:
        database = mongo.database(settings)
        mongo.ensure_indexes(database)
        client = redis.Redis.from_url(settings.redis_url, socket_timeout=5.0, socket_connect_timeout=5.0)
        _contexts[key] = Context(database, Publisher(make_celery(settings)), Tree(database, RedisTally(client)),
                                 Limiter(client))
    return _contexts[key]


def _split_options(params: dict[str, Any]) -> tuple[dict, dict]:
    options = {name: params.pop(name) for name in list(params) if name in JOB_OPTIONS}
    fresh_for = options.get("fresh_for")
    if fresh_for is not None and (isinstance(fresh_for, bool) or not isinstance(fresh_for, (int, float)) or fresh_for < 0):
        raise ParameterError(f"fresh_for={fresh_for!r} must be a number of seconds (e.g. fresh_for=3600.0)")
    return params, options


def _check_reachable(base_url: str, timeout: float = 3.0) -> None:
    """A TCP connect to the API's host: an address that does not answer fails here, before any task."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ParameterError(f"base_url={base_url!r} is not an http(s) URL; e.g. base_url='https://mastodon.social'")
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((parts.hostname, port), timeout=timeout).close()
    except OSError as error:
        reason = error.strerror or type(error).__name__
        raise ParameterError(
            f"base_url {parts.scheme}://{parts.netloc} does not answer ({reason}); check the address, "
            "or start the service (the local sandbox: `ingest up --sandbox`)"
        ) from None


def pull(source: str, *, settings: Settings | None = None, **params: Any) -> Job:
    """Start pulling from `source`; returns a Job at once. Bad parameters raise before anything is sent."""
    settings = settings or get_settings()
    connector = connectors.get(source)
    params, options = _split_options(dict(params))
    spec = connector.validate(params)
    if "limits" in options:
        known_limits_with_overrides(connector.for_spec(spec).known_limits(spec), options["limits"])
    _check_reachable(spec["base_url"])
    context = _context(settings)
    database, publisher, job_tree = context.db, context.publisher, context.tree
    watermark = None
    if spec.get("incremental"):
        found = database[mongo.WATERMARKS].find_one({"_id": f"{connector.name}:{connector.query_key(spec)}"})
        watermark = found["value"] if found else None
    roots = connector.for_spec(spec).start(spec, watermark)
    job_id = f"{connector.name}-{uuid.uuid4().hex[:12]}"
    database[mongo.JOBS].insert_one({
        "_id": job_id, "source": connector.name, "spec": spec, "options": options,
        "state": JobState.RUNNING.value, "created": now_utc(), "finished": None,
        "code_version": code_version(), "watermark_at_start": watermark,
    })
    for node_id in job_tree.add(job_id, roots, parent=None):
        publisher.publish(job_id, node_id, connector.queue)
    return Job(job_id, settings)


@dataclass
class Job:
    id: str
    settings: Settings

    @property
    def _db(self):
        return _context(self.settings).db

    @property
    def _tree(self) -> Tree:
        return _context(self.settings).tree

    def _document(self) -> dict:
        document = self._db[mongo.JOBS].find_one({"_id": self.id})
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
        return JobTree(self.id, self._tree, _context(self.settings).publisher.app)

    def status(self) -> dict:
        """A snapshot: the job's state, its nodes by state, and its counters."""
        return _status_of(*self._read())

    def _read(self) -> tuple[dict, JobCounts]:
        """The job's document and counts, after ending the job if its last step was cut short."""
        document = self._document()
        counts = self._tree.counts(self.id)
        if (document["state"] == JobState.RUNNING.value
                and settle_job(self._db, self._tree, self.id, counts, now=time.time()) is not None):
            document, counts = self._document(), self._tree.counts(self.id)
        return document, counts

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
        limit = limit_rate(_context(self.settings).limiter.snapshot(source), source, host)
        return take_snapshot(document, counts, self._tree.recent_errors(self.id, 20), rate, limit, now=now)

    def frame(self, collection: str | None = None, *, where: dict | None = None, columns: list[str] | None = None,
              limit: int | None = None, depth: int = 1):
        """The job's records as a DataFrame: its source's main collection, or `collection`
        (e.g. 'reddit_comments'); `columns` are selected in the store."""
        return frames.job_frame(self._db, self.id, collection, where=where, columns=columns, limit=limit, depth=depth)

    def frames(self, *, where: dict | None = None, columns: list[str] | None = None, limit: int | None = None,
               depth: int = 1) -> dict:
        """One DataFrame per collection the job's source writes, main collection first."""
        return frames.job_frames(self._db, self.id, where=where, columns=columns, limit=limit, depth=depth)

    def _ipython_display_(self) -> None:
        from ingest.view.widgets import display_job

        display_job(self)

    def wait(self, timeout: float | None = None, poll: float = 0.25) -> dict:
        """Block until the job is finished; TimeoutError after `timeout` seconds. The job's
        views in this notebook keep updating meanwhile."""
        from ingest.view.widgets import refresh_views, views_following

        deadline = None if timeout is None else time.monotonic() + timeout
        while True:
            document, counts = self._read()
            if views_following(self.id):
                refresh_views(self.id, self._snapshot_of(document, counts))
            snapshot = _status_of(document, counts)
            if snapshot["state"] != JobState.RUNNING.value:
                return snapshot
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"job {self.id} still running after {timeout:g} s: {snapshot['nodes']}")
            time.sleep(poll)

    def cancel(self) -> None:
        """Stop the job: nodes not yet running are not fetched."""
        self._db[mongo.JOBS].update_one({"_id": self.id}, {"$set": {"state": JobState.CANCELLED.value,
                                                                     "finished": now_utc()}})
        self._tree.cancel(self.id)

    def rerun(self, failed_only: bool = True) -> int:
        """Run the failed nodes again (with failed_only=False, the cancelled ones too). Returns how many."""
        states = [NodeState.FAILED] if failed_only else [NodeState.FAILED, NodeState.CANCELLED]
        ids = self._tree.requeue(self.id, ended_node_ids(self._db, self.id, states), states)
        if not ids:
            return 0
        self._db[mongo.JOBS].update_one({"_id": self.id}, {"$set": {"state": JobState.RUNNING.value, "finished": None}})
        self._tree.resume(self.id)
        publisher = _context(self.settings).publisher
        queue = connectors.get(self.source).queue
        for node_id in ids:
            AsyncResult(node_id, app=publisher.app).forget()  # the earlier outcome gives way to this run's
            publisher.publish(self.id, node_id, queue)
        return len(ids)

    def replay(self) -> Job:
        """A new job with the same spec."""
        document = self._document()
        return pull(document["source"], settings=self.settings, **document["spec"], **document.get("options", {}))

    def record_ids(self, collection: str) -> list[str]:
        return [d["_id"] for d in self._db[collection].find(record_writes.job_records_filter(self._db, collection, self.id), {"_id": 1})]

    def __repr__(self) -> str:
        return f"Job({self.id!r})"


def job(job_id: str, settings: Settings | None = None) -> Job:
    """The job with this id; UnknownJobError when there is none."""
    found = Job(job_id, settings or get_settings())
    found._document()
    return found


def _status_of(document: dict, counts: JobCounts) -> dict:
    return {
        "id": document["_id"], "source": document["source"], "state": document["state"],
        "nodes": counts.by_state, "total_nodes": sum(counts.by_state.values()),
        "counts": counts.totals, "created": document["created"], "finished": document.get("finished"),
    }


def frame(collection_or_source: str, where: dict | None = None, columns: list[str] | None = None,
          limit: int | None = None, depth: int = 1, settings: Settings | None = None):
    """Stored records of every job as a DataFrame: a collection ('reddit_comments') or a
    source's main collection ('reddit'); `where` is a MongoDB filter, `columns` are selected
    in the store, nested JSON is flattened to `depth` levels."""
    database = _context(settings or get_settings()).db
    return frames.frame(database, collection_or_source, where=where, columns=columns, limit=limit, depth=depth)


def jobs(limit: int = 20, source: str | None = None, state: str | None = None,
         settings: Settings | None = None) -> list[Job]:
    """The latest jobs, newest first; `source` and `state` narrow the list."""
    settings = settings or get_settings()
    where: dict[str, Any] = {}
    if source is not None:
        where["source"] = connectors.get(source).name
    if state is not None:
        try:
            where["state"] = JobState(state).value
        except ValueError:
            raise ParameterError(
                f"state={state!r} is not a job state; use one of {', '.join(s.value for s in JobState)}") from None
    database = _context(settings).db
    found = database[mongo.JOBS].find(where, {"_id": 1}).sort("created", -1).limit(int(limit))
    return [Job(document["_id"], settings) for document in found]
