"""Writing a page's records: idempotent upserts, batched as inserts.

Records keep the API's payload as it was sent (keys escaped reversibly, see `escaping`) plus
`_ingest`: source, host, endpoint, first and last fetched time, and the jobs that saw it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Iterable, NamedTuple

from pymongo.database import Database
from redis.exceptions import NoScriptError

from ingest.connectors.base import Record
from ingest.storage.bulk_writes import encoded, encoded_around, insert_new, update_present
from ingest.storage.digests import Claim, RecordDigests, stored_digest
from ingest.storage.escaping import escape
from ingest.storage.job_keys import JobRecordKeys
from ingest.storage.mongo import SIGHTINGS

class PageWrite(NamedTuple):
    """What storing one page did, in the terms of the job's counts (see README, "What the
    counts mean")."""

    new: int                          # records first stored by this page (none had them before)
    refused: list[tuple[str, str]]    # keys the store refused, each with the reason
    records: int                      # distinct records stored or seen that count for this page


def upsert_records(
    db: Database, records: Iterable[Record], *, source: str, host: str, endpoint: str,
    job_id: str, fetched: datetime, digests: RecordDigests | None = None, owner: str | None = None,
) -> tuple[int, list[tuple[str, str]]]:
    """Idempotent: a page stored twice stores nothing twice. Returns how many records were new,
    and the keys of the records the store refused, each with the reason (the others are stored).
    See `store_page`, which also answers the keys stored."""
    new, refused, _ = store_page(db, records, source=source, host=host, endpoint=endpoint, job_id=job_id,
                                 fetched=fetched, digests=digests, owner=owner)
    return new, refused


def store_page(
    db: Database, records: Iterable[Record], *, source: str, host: str, endpoint: str,
    job_id: str, fetched: datetime, digests: RecordDigests | None = None, owner: str | None = None,
    digest_writes=None,
) -> tuple[int, list[tuple[str, str]], dict[str, list[str]]]:
    """`upsert_records`, also answering the distinct keys stored or seen, by collection (a
    record the store refused is not among them). `digest_writes`: a Redis pipeline that the
    digests written after the insert are queued on, for the caller to send (with its own).

    New records are inserted, and only those whose `_id` is stored already are updated: an
    insert costs one index probe on every server, while an update by `_id` scans the whole
    collection on FerretDB v1 with SQLite (its `_id` index is not used by its own queries).
    With `digests`, a record stored before with the same payload, or being stored by another
    page (`owner` names this one) with the same payload, is not written at all; the job's
    sighting of it goes into `sightings` (see `job_records_filter`)."""
    by_collection: dict[str, list[Record]] = {}
    for record in records:
        by_collection.setdefault(record.collection, []).append(record)
    new = 0
    refused: list[tuple[str, str]] = []
    kept: dict[str, list[str]] = {}
    claimant = owner or job_id
    for collection, batch in by_collection.items():
        by_key = {record.key: record for record in batch}
        escaped = {key: escape(record.payload) for key, record in by_key.items()}
        # Each payload is encoded once, for its digest and for the insert.
        payload_bson = {key: _bson_or_reason(payload) for key, payload in escaped.items()}
        digest_of = {key: stored_digest(escaped[key], raw if isinstance(raw, bytes) else None)
                     for key, raw in payload_bson.items()}
        claims = digests.claim(db.name, collection, digest_of, claimant) if digests else {}
        only_seen = {key for key, claim in claims.items() if claim in (Claim.UNCHANGED, Claim.PENDING)}
        if only_seen:
            _note_sightings(db, collection, sorted(only_seen), job_id, fetched)
        documents = [_document(escaped[key], record, source, host, endpoint, job_id, fetched)
                     for key, record in by_key.items() if key not in only_seen]
        inserted, present, not_inserted = insert_new(db, collection, documents, [
            encoded_around(payload_bson[document["_id"]], {"_id": document["_id"]}, {"_ingest": document["_ingest"]})
            for document in documents])
        new += inserted
        collection_refused = [(str(documents[index]["_id"]), reason) for index, reason in not_inserted]
        stored_before = [documents[index] for index in present]
        seen: set[str] = set()
        if stored_before and digests:
            # Stored meanwhile by a page with the same payload (its digest is remembered, or it
            # still holds its claim and will write it): only seen. Otherwise it was stored before
            # with another payload, and is updated.
            again = digests.claim(db.name, collection, {d["_id"]: digest_of[d["_id"]] for d in stored_before},
                                  claimant)
            seen = {key for key, claim in again.items() if claim in (Claim.UNCHANGED, Claim.PENDING)}
            if seen:
                _note_sightings(db, collection, sorted(seen), job_id, fetched)
                stored_before = [d for d in stored_before if d["_id"] not in seen]
        if stored_before:
            collection_refused += update_present(
                db, collection, [_refresh(document, job_id, fetched) for document in stored_before])
        if digests:
            kept_out = {key for key, _ in collection_refused}
            digests.release(db.name, collection, sorted(kept_out), client=digest_writes)
            # Only what this page wrote: a record it only saw may still be its claimant's to write.
            digests.remember(db.name, collection, {d["_id"]: digest_of[d["_id"]] for d in documents
                                                   if str(d["_id"]) not in kept_out and d["_id"] not in seen},
                             client=digest_writes)
        refused += collection_refused
        kept_keys = {key for key, _ in collection_refused}
        kept[collection] = [key for key in by_key if key not in kept_keys]
    return new, refused, kept


def _bson_or_reason(payload: dict) -> bytes | str:
    raw = encoded(payload)
    return raw if isinstance(raw, str) else raw.raw


def _document(document: dict, record: Record, source: str, host: str, endpoint: str, job_id: str,
              fetched: datetime) -> dict:
    """The record's escaped payload (`document`, completed in place) with its key and `_ingest`."""
    document["_id"] = record.key
    document["_ingest"] = {"source": source, "host": host, "endpoint": endpoint, "last_fetched": fetched,
                           "first_fetched": fetched, "jobs": [job_id]}
    if record.created_at is not None:
        document["_ingest"]["created_at"] = record.created_at
    return document


def _note_sightings(db: Database, collection: str, keys: list[str], job_id: str, fetched: datetime) -> None:
    sightings = [{"_id": f"{job_id}|{collection}|{key}", "job": job_id, "collection": collection, "key": key,
                  "at": fetched} for key in keys]
    insert_new(db, SIGHTINGS, sightings)


def job_records_filter(db: Database, collection: str, job_id: str) -> dict:
    """The filter that finds a job's records in a collection: those it wrote, and those it saw
    stored unchanged."""
    seen = [sighting["key"] for sighting in db[SIGHTINGS].find({"job": job_id, "collection": collection}, {"key": 1})]
    if not seen:
        return {"_ingest.jobs": job_id}
    return {"$or": [{"_ingest.jobs": job_id}, {"_id": {"$in": seen}}]}


def _refresh(document: dict, job_id: str, fetched: datetime) -> dict:
    """The update statement that brings a stored record up to this fetch of it."""
    ingest = document["_ingest"]
    fields = {key: value for key, value in document.items() if key not in ("_id", "_ingest")}
    fields.update({f"_ingest.{name}": ingest[name] for name in ("source", "host", "endpoint", "last_fetched")})
    if "created_at" in ingest:
        fields["_ingest.created_at"] = ingest["created_at"]
    return {
        "q": {"_id": document["_id"]},
        "u": {"$set": fields, "$setOnInsert": {"_ingest.first_fetched": fetched},
              "$addToSet": {"_ingest.jobs": job_id}},
        "upsert": True,
    }


class RecordWriter:
    """A page's records into one database, deduplicated with one digest store: the worker's
    port to the record collections."""

    def __init__(self, db: Database, digests: RecordDigests | None = None,
                 job_keys: JobRecordKeys | None = None) -> None:
        self.db = db
        self.digests = digests
        self.job_keys = job_keys if job_keys is not None or digests is None else JobRecordKeys(digests.client)

    def write(self, records: Iterable[Record], *, source: str, host: str, endpoint: str, job_id: str,
              fetched: datetime, owner: str | None = None) -> PageWrite:
        """See `upsert_records`. The page's `records` are the distinct records it stored or saw
        that no other node of the job counted before (without `job_keys`: the page's distinct
        records)."""
        if self.digests is None or self.job_keys is None:
            new, refused, kept = store_page(self.db, records, source=source, host=host, endpoint=endpoint,
                                            job_id=job_id, fetched=fetched, digests=self.digests, owner=owner)
            if self.job_keys is None:
                return PageWrite(new, refused, sum(len(keys) for keys in kept.values()))
            counted = sum(self.job_keys.first_counted(job_id, collection, keys, owner or job_id)
                          for collection, keys in kept.items())
            return PageWrite(new, refused, counted)
        # What is written to Redis after the insert (digests, the job's count) goes in one round trip.
        with self.digests.client.pipeline(transaction=False) as after:
            new, refused, kept = store_page(self.db, records, source=source, host=host, endpoint=endpoint,
                                            job_id=job_id, fetched=fetched, digests=self.digests, owner=owner,
                                            digest_writes=after)
            counting = [(collection, keys) for collection, keys in kept.items() if keys]
            for collection, keys in counting:
                self.job_keys.first_counted_on(after, job_id, collection, keys, owner or job_id)
            try:
                answers = after.execute()
                counts = answers[len(answers) - len(counting):]
            except NoScriptError:  # the digests were written; the count's script is loaded and run
                counts = [self.job_keys.first_counted(job_id, collection, keys, owner or job_id)
                          for collection, keys in counting]
        counted = sum(int(count) for count in counts)
        return PageWrite(new, refused, counted)

    def last_fetched(self, collection: str, key: str) -> datetime | None:
        """When the record was last fetched; None when it is not stored."""
        document = self.db[collection].find_one({"_id": key}, {"_ingest.last_fetched": 1})
        return (document or {}).get("_ingest", {}).get("last_fetched")
