"""MongoDB: one client per process, the collections, their indexes, and idempotent upserts.

Records keep the API's payload as it was sent (keys escaped reversibly, see `escaping`) plus
`_ingest`: source, host, endpoint, first and last fetched time, and the jobs that saw it.
"""

from __future__ import annotations

from datetime import datetime
from functools import lru_cache
from typing import Iterable

import bson
from pymongo import ASCENDING, MongoClient
from pymongo.errors import OperationFailure
from pymongo.database import Database

from ingest.escaping import escape
from ingest.settings import Settings
from ingest.sources.base import Record

PROBES = "probes"
JOBS = "jobs"
NODES = "tasks"
WATERMARKS = "watermarks"
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
        (JOBS, [("created", ASCENDING)]),
        *((name, [("_ingest.jobs", ASCENDING)]) for name in RECORD_COLLECTIONS),
    ]
    for collection, keys in wanted:
        try:
            db[collection].create_index(keys)
        except OperationFailure as error:
            if "already exists" not in str(error):
                raise


DUPLICATE_KEY = 11000
UPSERT_ATTEMPTS = 5
BATCH_BYTES = 8 * 1024 * 1024
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


class StoreWriteError(RuntimeError):
    """The document store refused a write for a reason other than a concurrent insert."""


def _batches(updates: list[dict], statements: int) -> list[list[dict]]:
    """Split so that each command stays well under MongoDB's 16 MiB document limit and carries
    at most `statements` statements."""
    batches: list[list[dict]] = [[]]
    size = 0
    for update in updates:
        length = len(bson.encode(update))
        if batches[-1] and (size + length > BATCH_BYTES or len(batches[-1]) >= statements):
            batches.append([])
            size = 0
        batches[-1].append(update)
        size += length
    return batches


def _upsert(db: Database, collection: str, updates: list[dict]) -> int:
    """Send the updates unordered; upserts that lost a race to insert the same `_id` (E11000,
    on MongoDB as on FerretDB) are sent again and now update. Returns how many were inserted."""
    inserted = 0
    pending = updates
    for _ in range(UPSERT_ATTEMPTS):
        retry: list[dict] = []
        for batch in _batches(pending, statements_per_update(db)):
            reply = db.command("update", collection, updates=batch, ordered=False)
            inserted += len(reply.get("upserted", []))
            for error in reply.get("writeErrors", []):
                if error.get("code") != DUPLICATE_KEY:
                    raise StoreWriteError(f"{db.name}.{collection}: {error.get('errmsg', error)}")
                retry.append(batch[error["index"]])
        if not retry:
            return inserted
        pending = retry
    raise StoreWriteError(f"{db.name}.{collection}: {len(pending)} upserts kept colliding with concurrent inserts")


def upsert_records(
    db: Database, records: Iterable[Record], *, source: str, host: str, endpoint: str,
    job_id: str, fetched: datetime,
) -> int:
    """Idempotent: a page stored twice stores nothing twice. Returns how many records were new."""
    by_collection: dict[str, list[dict]] = {}
    for record in records:
        document = escape(record.payload)
        document.update({
            "_ingest.source": source, "_ingest.host": host, "_ingest.endpoint": endpoint,
            "_ingest.last_fetched": fetched,
        })
        if record.created_at is not None:
            document["_ingest.created_at"] = record.created_at
        by_collection.setdefault(record.collection, []).append({
            "q": {"_id": record.key},
            "u": {"$set": document, "$setOnInsert": {"_ingest.first_fetched": fetched},
                  "$addToSet": {"_ingest.jobs": job_id}},
            "upsert": True,
        })
    return sum(_upsert(db, collection, updates) for collection, updates in by_collection.items())
