"""MongoDB: one client per process, the collections' names, their indexes, and the write lock
that FerretDB v1 with SQLite needs. Record collections and their indexes are those the
registered sources declare (`ingest.connectors.registry`).

Every line is plain pymongo, so a real MongoDB (`INGEST_MONGO_URL`) works unchanged.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterable
from contextlib import nullcontext
from functools import lru_cache

import pymongo
from pymongo import ASCENDING, MongoClient
from pymongo.errors import ConnectionFailure, OperationFailure
from pymongo.database import Database

from ingest.connectors import registry
from ingest.connectors.base import Collection
from ingest.settings import Settings

PROBES = "probes"
JOBS = "jobs"
NODES = "tasks"
OUTCOMES = "task_outcomes"  # a node's terminal outcome, one document per node, written once
WATERMARKS = "watermarks"
SIGHTINGS = "sightings"  # a job saw a stored record unchanged, and did not write it again
JOB_RECORDS_INDEX = ("_ingest.jobs",)  # on every record collection


SERVER_SELECTION_TIMEOUT = 10.0  # seconds a worker waits for a store that restarts
CONNECT_CHECK_TIMEOUT = 0.5  # seconds an address of the store has to accept a connection


@lru_cache(maxsize=8)
def _client(url: str, selection_timeout: float = SERVER_SELECTION_TIMEOUT) -> MongoClient:
    return MongoClient(
        url, tz_aware=True, serverSelectionTimeoutMS=int(selection_timeout * 1000), connectTimeoutMS=5_000,
        socketTimeoutMS=60_000, retryWrites=True, retryReads=True,
    )


def database(settings: Settings, selection_timeout: float = SERVER_SELECTION_TIMEOUT) -> Database:
    """The stack's database; `selection_timeout`: seconds an operation waits for the store to
    answer before it fails (the notebook's side waits less than a worker)."""
    return _client(settings.mongo_url, selection_timeout)[settings.mongo_db]


def answers(db: Database, timeout: float) -> bool:
    """Whether the store answers a ping: at once False when none of its addresses accepts a
    connection (a stopped store), else the ping's answer within `timeout` seconds. A refusal of
    the login raises."""
    addresses = list(db.client.topology_description.server_descriptions())
    if addresses and not any(_accepts(host, port) for host, port in addresses):
        return False
    try:
        with pymongo.timeout(timeout):
            db.command("ping")
    except ConnectionFailure:
        return False
    return True


def _accepts(host: str, port: int | None) -> bool:
    try:
        socket.create_connection((host, port or 27017), timeout=CONNECT_CHECK_TIMEOUT).close()
    except OSError:
        return False
    return True


# (client, database, collection) whose indexes this process made; collection "" stands for
# those of `ensure_indexes`.
_indexed: set[tuple[int, str, str]] = set()


def ensure_indexes(db: Database) -> None:
    """Create the indexes every query here relies on, those of every registered source's
    collections included; each once per process and database."""
    if (id(db.client), db.name, "") not in _indexed:
        for collection, fields in [
            (NODES, ("job", "state")),
            (NODES, ("job", "parent")),
            (NODES, ("job", "depth", "page")),  # a job's newest top-level page, for its progress
            (OUTCOMES, ("job", "state")),
            (JOBS, ("created",)),
            (SIGHTINGS, ("job", "collection")),
        ]:
            _create_index(db, collection, fields)
        _indexed.add((id(db.client), db.name, ""))
    ensure_record_indexes(db, registry.collections())


def ensure_record_indexes(db: Database, collections: Iterable[Collection]) -> None:
    """The indexes of these record collections, created once per process: a pull asks for the
    collections it writes, as a rest definition's `rest_<name>` is known only then."""
    for collection in collections:
        if (id(db.client), db.name, collection.name) not in _indexed:
            _index_records(db, collection)


def _index_records(db: Database, collection: Collection) -> None:
    for fields in (JOB_RECORDS_INDEX, *collection.indexes):
        _create_index(db, collection.name, fields)
    _indexed.add((id(db.client), db.name, collection.name))


def _create_index(db: Database, collection: str, fields: tuple[str, ...]) -> None:
    """Another process creating the same index at the same moment is not an error (FerretDB
    reports one)."""
    try:
        db[collection].create_index([(field, ASCENDING) for field in fields])
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

