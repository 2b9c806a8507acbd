"""MongoDB: one client per process, the collections' names, their indexes, and the write lock
that FerretDB v1 with SQLite needs.

Every line is plain pymongo, so a real MongoDB (`INGEST_MONGO_URL`) works unchanged.
"""

from __future__ import annotations

import threading
from contextlib import nullcontext
from functools import lru_cache

from pymongo import ASCENDING, MongoClient
from pymongo.errors import OperationFailure
from pymongo.database import Database

from ingest.settings import Settings

PROBES = "probes"
JOBS = "jobs"
NODES = "tasks"
OUTCOMES = "task_outcomes"  # a node's terminal outcome, one document per node, written once
WATERMARKS = "watermarks"
SIGHTINGS = "sightings"  # a job saw a stored record unchanged, and did not write it again
RECORD_COLLECTIONS = (
    "mastodon_statuses", "mastodon_accounts", "reddit_posts", "reddit_comments",
    "hn_items", "hn_users", "bsky_posts",
)


@lru_cache(maxsize=8)
def _client(url: str) -> MongoClient:
    return MongoClient(
        url, tz_aware=True, serverSelectionTimeoutMS=10_000, connectTimeoutMS=5_000,
        socketTimeoutMS=60_000, retryWrites=True, retryReads=True,
    )


def database(settings: Settings) -> Database:
    return _client(settings.mongo_url)[settings.mongo_db]


def ensure_indexes(db: Database) -> None:
    """Create the indexes every query here relies on; cheap when they exist. Another process
    creating the same index at the same moment is not an error (FerretDB reports one)."""
    wanted = [
        (NODES, [("job", ASCENDING), ("state", ASCENDING)]),
        (NODES, [("job", ASCENDING), ("parent", ASCENDING)]),
        (OUTCOMES, [("job", ASCENDING), ("state", ASCENDING)]),
        (JOBS, [("created", ASCENDING)]),
        (SIGHTINGS, [("job", ASCENDING), ("collection", ASCENDING)]),
        *((name, [("_ingest.jobs", ASCENDING)]) for name in RECORD_COLLECTIONS),
    ]
    for collection, keys in wanted:
        try:
            db[collection].create_index(keys)
        except OperationFailure as error:
            if "already exists" not in str(error):
                raise



DUPLICATE_KEY = 11000
MONGODB_BATCH_STATEMENTS = 1000
# FerretDB v1 keeps every statement of an `update` command holding one of its 100 pooled
# SQLite connections until the whole command returns (handler/msg_update.go defers the close
# inside its loop); a command of ~100 statements, or several smaller ones at once, then waits
# forever for a connection. Small commands keep the sum of concurrent ones under the pool.
FERRETDB_BATCH_STATEMENTS = 8


_statements_per_update: dict[int, int] = {}


def statements_per_update(db: Database) -> int:
    """How many statements one `update` command may carry on this server (asked once per client)."""
    key = id(db.client)
    if key not in _statements_per_update:
        ferretdb = "ferretdbVersion" in db.client.admin.command("buildInfo")
        _statements_per_update[key] = FERRETDB_BATCH_STATEMENTS if ferretdb else MONGODB_BATCH_STATEMENTS
    return _statements_per_update[key]


_one_writer = threading.Lock()


def writing(db: Database):
    """Held around every write of the pipeline: on FerretDB v1 with SQLite, one writer at a time
    for this process (SQLite admits one writer; the others sleep in its busy handler, up to
    100 ms a try, and may still fail with SQLITE_BUSY), on MongoDB nothing."""
    return _one_writer if statements_per_update(db) == FERRETDB_BATCH_STATEMENTS else nullcontext()

