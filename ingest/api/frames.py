"""Records and jobs as pandas DataFrames.

    frame(db, "mastodon")                                    # mastodon_statuses, every column
    frame(db, "reddit_comments", where={"score": {"$gt": 10}}, columns=["_id", "body"], limit=500)
    job_frame(db, "mastodon-0123456789ab")                   # one job's main collection
    job_frames(db, "mastodon-0123456789ab")                  # {collection: frame} for each of its kinds

The filter (`where`, and the job) and the projection (`columns`) are carried out by the store;
nothing unrequested is sent. The cursor is read `batch_size` documents at a time and each batch
becomes a DataFrame at once, so the documents held at any moment are one batch; the frames are
concatenated at the end. Column names and types: see `ingest.api.record_table`.

`where` is a MongoDB filter on the stored fields, whose keys are escaped (`record.%24type`, not
`record.$type`, see `ingest.storage.escaping`); `columns` are the frame's own (unescaped) names. Rows come
in the store's order.

pymongoarrow (1.15, tried with pyarrow 25.0) is not used. Against FerretDB the server, not the
decoding, bounds a read (5,000 Mastodon statuses: 2.9 s through plain pymongo into a DataFrame,
2.6-4.3 s through its `find_pandas_all`), and it would cost more than it saves: its compiled part
is built for exactly one pyarrow minor version (25.0 for 1.15, while pandas here runs with 26),
its types are inferred from the first documents, and it returns lists as numpy arrays,
datetimes without a time zone, and nested objects as structs that need flattening and key
unescaping of their own.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from pymongo.database import Database

from ingest import connectors
from ingest.api.frame_columns import empty_frame
from ingest.api.record_table import documents_frame, stored_path
from ingest.connectors import registry
from ingest.errors import ParameterError, UnknownJobError
from ingest.storage import record_writes
from ingest.storage.job_documents import JobDocuments

DEFAULT_BATCH_SIZE = 5000
REST_PREFIX = "rest_"


def main_collections() -> dict[str, str]:
    """The collection `frame(db, source)` reads for each source (its root records)."""
    return {name: connectors.get(name).collections[0].name for name in connectors.names() if name != "rest"}


def record_collections() -> tuple[str, ...]:
    """Every record collection the registered sources declare."""
    return tuple(collection.name for collection in registry.collections())


def resolve_collection(collection_or_source: str) -> str:
    """The record collection a name means: itself, or a source's main collection."""
    name = collection_or_source
    if not isinstance(name, str):
        raise ParameterError(f"collection_or_source={name!r} must be a source or collection name, "
                             f"e.g. 'mastodon' or 'reddit_comments'")
    main, recorded = main_collections(), record_collections()
    if name in main:
        return main[name]
    if name in recorded or (name.startswith(REST_PREFIX) and len(name) > len(REST_PREFIX)):
        return name
    if name == "rest":
        raise ParameterError("rest records are kept per definition, in rest_<definition name>; "
                             f"pass that collection, e.g. {REST_PREFIX}github_issues")
    close = difflib.get_close_matches(name, [*main, *recorded], n=1, cutoff=0.6)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    raise ParameterError(
        f"No source or record collection named {name!r}.{hint} Sources: {', '.join(main)}; "
        f"collections: {', '.join(recorded)}, or {REST_PREFIX}<definition name>.")


def _checked_columns(columns: Sequence[str] | None) -> list[str] | None:
    if columns is None:
        return None
    if isinstance(columns, str) or not isinstance(columns, Sequence) or not columns:
        raise ParameterError(f"columns={columns!r} must be a non-empty list of dotted field names, "
                             "e.g. columns=['_id', 'created_at', 'account.acct']")
    chosen = list(columns)
    for column in chosen:
        if not isinstance(column, str) or not column or "" in column.split("."):
            raise ParameterError(f"columns: {column!r} is not a dotted field name such as 'account.acct'")
    ordered = sorted(chosen)
    for shorter, longer in zip(ordered, ordered[1:]):
        if longer == shorter or longer.startswith(shorter + "."):
            raise ParameterError(f"columns: {longer!r} repeats or lies inside {shorter!r}; keep one of them")
    return chosen


def _checked_count(name: str, value: Any, minimum: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ParameterError(f"{name}={value!r} must be a whole number of at least {minimum}")


def store_filter(where: Mapping[str, Any] | None, job: str | None, job_clause: dict | None = None) -> dict:
    """The filter sent to the store: `where`, and the job's records only when `job` is given
    (`job_clause`, when given, is how the store finds them; see `record_writes.job_records_filter`)."""
    if where is not None and not isinstance(where, Mapping):
        raise ParameterError(f"where={where!r} must be a MongoDB filter dict, e.g. {{'language': 'en'}}")
    clauses = [dict(where)] if where else []
    if job is not None:
        if not isinstance(job, str) or not job:
            raise ParameterError(f"job={job!r} must be a job id such as 'mastodon-0123456789ab'")
        clauses.append(job_clause or {"_ingest.jobs": job})
    if len(clauses) > 1:
        return {"$and": clauses}
    return clauses[0] if clauses else {}


def store_projection(columns: Sequence[str] | None) -> dict | None:
    """The projection sent to the store; `_id` only when it is one of the columns."""
    if columns is None:
        return None
    projection = {stored_path(column): 1 for column in columns}
    if "_id" not in columns:
        projection["_id"] = 0
    return projection


def frame(db: Database, collection_or_source: str, where: Mapping[str, Any] | None = None,
          columns: Sequence[str] | None = None, limit: int | None = None, depth: int = 1,
          job: str | None = None, batch_size: int = DEFAULT_BATCH_SIZE) -> pd.DataFrame:
    """Records of one collection as a DataFrame.

    collection_or_source: a record collection ("reddit_comments", "rest_github_issues") or a
        source, meaning its main collection (see `main_collections`).
    where: a MongoDB filter on the stored (escaped) fields.
    columns: dotted field names; only these are read from the store and they are the frame's
        columns, in this order, whatever `depth` (`_id` only when named).
    limit: at most this many rows. depth: levels of nested objects flattened to dotted columns.
    job: only records that this job fetched (`_ingest.jobs` holds it).
    batch_size: documents read and converted at a time.
    """
    collection = resolve_collection(collection_or_source)
    chosen = _checked_columns(columns)
    _checked_count("depth", depth, 0)
    _checked_count("batch_size", batch_size, 1)
    if limit is not None:
        _checked_count("limit", limit, 0)
        if limit == 0:
            return pd.DataFrame(columns=chosen) if chosen else empty_frame(collection, depth)
    query = store_filter(where, job, record_writes.job_records_filter(db, collection, job) if isinstance(job, str) and job else None)
    with db[collection].find(query, store_projection(chosen)) as cursor:
        cursor.batch_size(batch_size if limit is None else min(batch_size, limit))
        if limit is not None:
            cursor.limit(limit)
        return documents_frame(cursor, collection, depth=depth, columns=chosen, batch_size=batch_size)


def job_collections(db: Database, job_id: str) -> tuple[str, ...]:
    """The collections a job's records can be in, its main collection first."""
    document = JobDocuments(db).get(job_id, ["source", "spec.definition.name"])
    if document is None:
        raise UnknownJobError(f"no job with id {job_id!r}; `ingest.jobs()` lists the jobs there are")
    spec = document.get("spec") or {}
    return tuple(collection.name for collection in connectors.get(document["source"]).collections_for(spec))


def job_frame(db: Database, job_id: str, collection: str | None = None, *,
              where: Mapping[str, Any] | None = None, columns: Sequence[str] | None = None,
              limit: int | None = None, depth: int = 1,
              batch_size: int = DEFAULT_BATCH_SIZE) -> pd.DataFrame:
    """One DataFrame: the job's records in `collection`, by default its source's main collection
    (mastodon_statuses for a Mastodon job). The other options are those of `frame`."""
    collections = job_collections(db, job_id)
    chosen = collections[0] if collection is None else collection
    if chosen not in collections:
        raise ParameterError(f"job {job_id} keeps records in {', '.join(collections)}, not in {chosen!r}")
    return frame(db, chosen, where=where, columns=columns, limit=limit, depth=depth, job=job_id,
                 batch_size=batch_size)


def job_frames(db: Database, job_id: str, *, where: Mapping[str, Any] | None = None,
               columns: Sequence[str] | None = None, limit: int | None = None, depth: int = 1,
               batch_size: int = DEFAULT_BATCH_SIZE) -> dict[str, pd.DataFrame]:
    """A dict of DataFrames, one per collection of the job's source, main collection first, each
    present even when empty. `where`, `columns` and `limit` apply to each collection."""
    return {collection: frame(db, collection, where=where, columns=columns, limit=limit, depth=depth,
                              job=job_id, batch_size=batch_size)
            for collection in job_collections(db, job_id)}
