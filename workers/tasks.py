"""Tasks the workers run. Each task is thin: the work lives in `ingest/`."""

from __future__ import annotations

import gc
import logging
import os
import socket
from datetime import datetime, timezone
from functools import lru_cache

import redis
from celery import current_app, shared_task, states
from celery.exceptions import Reject
from celery.signals import worker_process_init, worker_ready, worker_shutdown
from pymongo.errors import PyMongoError

from ingest.errors import StorageError, UnknownNodeError
from ingest.pipeline.driver import Driver
from ingest.pipeline.releasing import start_releaser
from ingest.runtime import Runtime
from ingest.settings import get_settings
from ingest.storage import mongo

log = logging.getLogger(__name__)

# The thread pool does not enforce these; the HTTP timeouts are the real ceiling there.
SOFT_TIME_LIMIT = 120.0
HARD_TIME_LIMIT = 150.0


def _runtime() -> Runtime:
    return Runtime.of(get_settings(), app=current_app)


@lru_cache(maxsize=1)
def _driver() -> Driver:
    return Driver.of(_runtime())


_releasing: list = []

# A page's records are thousands of short-lived dicts and lists, none in a cycle. At the
# collector's default pace (a pass every 700 new containers, each older generation every 10 of
# the one below) those passes cost about a sixth of the CPU spent on each record. Here a pass
# comes every 20,000 new containers, and the objects of the worker's start (modules, Celery,
# clients) are frozen out of every pass.
COLLECTOR_THRESHOLDS = (20_000, 10, 10)


@worker_ready.connect
@worker_process_init.connect
def _pace_the_collector(**_kwargs) -> None:
    gc.freeze()
    gc.set_threshold(*COLLECTOR_THRESHOLDS)


@worker_ready.connect
def _create_indexes(**_kwargs) -> None:
    _runtime().ensure_indexes()


@worker_ready.connect
def _start_releasing(**_kwargs) -> None:
    _releasing.append(start_releaser(_runtime()))


@worker_shutdown.connect
def _stop_releasing(**_kwargs) -> None:
    for stop in _releasing:
        stop.set()


# A document store or Redis that refuses or drops a write (restarting, or SQLite busy under
# FerretDB) must not strand the node in `running`: the task runs again later and claims the
# node anew.
@shared_task(
    name="ingest.fetch", soft_time_limit=SOFT_TIME_LIMIT, time_limit=HARD_TIME_LIMIT,
    autoretry_for=(PyMongoError, redis.RedisError, StorageError), retry_backoff=1.0, retry_backoff_max=60, retry_jitter=True,
    max_retries=20, bind=True, ignore_result=True, store_errors_even_if_ignored=True,
)
def fetch(self, job_id: str, node_id: str, due: float | None = None, granted_at: float | None = None) -> str | None:
    """Fetch one page for one node of a job; answers the node's outcome (done, skipped, failed,
    cancelled), stored as the result of task id = node id. A run that hands the node on to
    another message (waiting on a limit, retrying, not due yet) or finds it not to run
    (finished already, running under another task) stores no result: Celery's result backend
    never replaces a stored success, so an early one would hide the node's outcome. So the
    task ignores its results and stores the outcome itself (raising Ignore instead would have
    Celery copy the traceback of every wait). A message naming a node no job has is rejected
    into the dead-letter queue."""
    redelivered = bool((self.request.delivery_info or {}).get("redelivered"))
    try:
        state = _driver().run(job_id, node_id, recovering=redelivered or self.request.retries > 0, due=due,
                              granted_at=granted_at)
    except UnknownNodeError as error:
        log.error("rejected to ingest.dead: %s", error)
        raise Reject(str(error), requeue=False) from None
    if state is None or not state.terminal:
        return None
    self.backend.store_result(self.request.id, state.value, states.SUCCESS, request=self.request)
    return state.value


@shared_task(name="ingest.probe", bind=True)
def probe(self, note: str = "") -> dict:
    """Write one document and say where this ran: proves broker, worker, store and results."""
    database = _runtime().db
    ran_at = datetime.now(timezone.utc)
    document = {
        "_id": self.request.id,
        "note": note,
        "worker": self.request.hostname,
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "queue": (self.request.delivery_info or {}).get("routing_key"),
        "ran_at": ran_at,
    }
    database[mongo.PROBES].replace_one({"_id": document["_id"]}, document, upsert=True)
    return {**document, "ran_at": ran_at.isoformat(), "collection": mongo.PROBES, "database": database.name}
