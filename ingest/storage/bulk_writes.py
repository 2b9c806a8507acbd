"""Writing documents in bulk: unordered inserts and updates in commands that stay under the
store's limits, each document refused alone when the store will never keep it, with the reason.
"""

from __future__ import annotations

import struct
from typing import Any, Callable

import bson
from bson.raw_bson import RawBSONDocument
from pymongo.database import Database

from ingest.errors import StoreWriteError, TransientWriteError
from ingest.storage.mongo import DUPLICATE_KEY, MONGODB_BATCH_STATEMENTS, statements_per_update, writing

UPSERT_ATTEMPTS = 5
BATCH_BYTES = 8 * 1024 * 1024


# A record the client cannot encode or the server will not keep (over 16 MiB, nested too
# deeply, a lone surrogate or NUL in a key): refused alone, the rest of its page is stored.
UNSTORABLE = (bson.errors.InvalidDocument, ValueError, OverflowError)
# Server codes that mean "this document, never": bad value, parse failure, nesting too deep,
# invalid BSON, `$` field name, object too large. Any other write error may pass and is retried.
UNSTORABLE_CODES = frozenset({2, 9, 15, 22, 52, 10334, 17419})
REASON_MAX = 300


def _encoded_size(item: dict) -> int:
    try:
        return len(bson.encode(item))
    except UNSTORABLE:
        return 0


def _batches(items: list, statements: int, size: Callable[[Any], int] = _encoded_size) -> list[list]:
    """Split so that each command stays well under MongoDB's 16 MiB document limit and carries
    at most `statements` statements."""
    batches: list[list] = [[]]
    total = 0
    for item in items:
        length = size(item)
        if batches[-1] and (total + length > BATCH_BYTES or len(batches[-1]) >= statements):
            batches.append([])
            total = 0
        batches[-1].append(item)
        total += length
    return batches


def encoded(document: dict) -> RawBSONDocument | str:
    """The document as BSON, encoded once for both its batch's size and the command; the reason
    when it cannot be encoded."""
    try:
        return RawBSONDocument(bson.encode(document))
    except UNSTORABLE as error:
        return _reason(error)


def encoded_around(payload: bytes | str, head: dict, tail: dict) -> RawBSONDocument | str:
    """As `encoded({**head, **payload, **tail})`, from the payload's BSON, which is not encoded
    again; a payload that could not be encoded is its reason, given as text."""
    if isinstance(payload, str):
        return payload
    elements = bson.encode(head)[4:-1] + payload[4:-1] + bson.encode(tail)[4:-1]
    return RawBSONDocument(_DOCUMENT_LENGTH.pack(len(elements) + 5) + elements + b"\x00")


_DOCUMENT_LENGTH = struct.Struct("<i")


def _reason(error: Exception | str) -> str:
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    return text[:REASON_MAX]


def _insert_batch(db: Database, collection: str, batch: list[dict]) -> tuple[int, list[int], list[tuple[int, str]]]:
    """One unordered insert: how many went in, positions stored already, positions refused
    with the reason. A batch the client cannot send is tried one document at a time."""
    try:
        with writing(db):
            reply = db.command("insert", collection, documents=batch, ordered=False)
    except UNSTORABLE as error:
        if len(batch) == 1:
            return 0, [], [(0, _reason(error))]
        inserted, present, refused = 0, [], []
        for position, document in enumerate(batch):
            one_inserted, one_present, one_refused = _insert_batch(db, collection, [document])
            inserted += one_inserted
            present += [position for _ in one_present]
            refused += [(position, reason) for _, reason in one_refused]
        return inserted, present, refused
    present, refused = [], []
    for error in reply.get("writeErrors", []):
        if error.get("code") == DUPLICATE_KEY:
            present.append(error["index"])
        else:
            refused.append((error["index"], refusal(db, collection, error)))
    return reply.get("n", 0), present, refused


def refusal(db: Database, collection: str, error: dict) -> str:
    """The reason a write error refuses its document for good; TransientWriteError (retried
    with the task) for one that may pass."""
    message = str(error.get("errmsg", error))
    if error.get("code") not in UNSTORABLE_CODES:
        raise TransientWriteError(f"{db.name}.{collection}: {message}", code=error.get("code"))
    return _reason(message)


def insert_new(db: Database, collection: str, documents: list[dict],
               as_bson: list[RawBSONDocument | str] | None = None) -> tuple[int, list[int], list[tuple[int, str]]]:
    """Insert unordered; answers how many went in, the positions of those whose `_id` is
    stored already, and the positions the store refused, with the reason. `as_bson`: the
    documents encoded already (see `encoded`), in their order."""
    raw = as_bson if as_bson is not None else [encoded(document) for document in documents]
    refused: list[tuple[int, str]] = [(position, one) for position, one in enumerate(raw) if isinstance(one, str)]
    sendable = [position for position, one in enumerate(raw) if not isinstance(one, str)]
    inserted = 0
    present: list[int] = []
    for batch in _batches(sendable, MONGODB_BATCH_STATEMENTS, size=lambda position: len(raw[position].raw)):
        batch_inserted, batch_present, batch_refused = _insert_batch(db, collection, [raw[p] for p in batch])
        inserted += batch_inserted
        present += [batch[position] for position in batch_present]
        refused += [(batch[position], reason) for position, reason in batch_refused]
    return inserted, present, refused


def update_present(db: Database, collection: str, updates: list[dict]) -> list[tuple[str, str]]:
    """Refresh records stored before; answers the keys of those refused, with the reason. An
    upsert here is only a fallback for a record removed in between; one that then collides
    with a concurrent insert (E11000) is sent again and updates."""
    pending = updates
    refused: list[tuple[str, str]] = []
    for _ in range(UPSERT_ATTEMPTS):
        retry: list[dict] = []
        for batch in _batches(pending, statements_per_update(db)):
            try:
                with writing(db):
                    reply = db.command("update", collection, updates=batch, ordered=False)
            except UNSTORABLE as error:
                refused += [(str(update["q"]["_id"]), _reason(error)) for update in batch]
                continue
            for error in reply.get("writeErrors", []):
                if error.get("code") != DUPLICATE_KEY:
                    refused.append((str(batch[error["index"]]["q"]["_id"]), refusal(db, collection, error)))
                else:
                    retry.append(batch[error["index"]])
        if not retry:
            return refused
        pending = retry
    raise StoreWriteError(f"{db.name}.{collection}: {len(pending)} upserts kept colliding with concurrent inserts")
