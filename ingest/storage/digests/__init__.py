"""Which stored records are unchanged, and which are being written right now, in Redis.

A page often repeats records stored before (the same post in a subreddit's new, hot and top
listings, or in two searches). Writing such a record again changes nothing but costs a scan of
its whole collection on FerretDB v1. So the digest of every payload as stored is kept here,
one hash per database and collection, and a record whose digest matches is not written again:
the store only notes that this job saw it (see `store.upsert_records`).

Pages fetched at the same moment often carry the same new record. Before writing, a page claims
its records (`claim.lua`): the first page to claim a record writes it, and a page that finds the
same payload claimed by another only notes its sighting, instead of both inserting and the
loser updating. A claim names its owner (the node), so a node run again after its worker was
lost takes its own claims back; a claim left by an owner that never came back expires after
`claim_lifetime` seconds. A digest that is missing (a new record, or a Redis that lost its data)
only means the record is written.
"""

from __future__ import annotations

import enum
import hashlib
import json
import time
from typing import Callable, Mapping

import bson

from ingest.storage.escaping import escape
from ingest.storage.redis_scripts import register_scripts

DEFAULT_CLAIM_LIFETIME = 120.0


class Claim(str, enum.Enum):
    UNCHANGED = "unchanged"
    PENDING = "pending"
    CLAIMED = "claimed"
    CONTESTED = "contested"


def payload_digest(payload: Mapping) -> str:
    """The digest of a payload as it is stored (see `stored_digest`)."""
    return stored_digest(escape(payload))


def stored_digest(escaped: Mapping, encoded: bytes | None = None) -> str:
    """The digest of an escaped payload: of its BSON, the form it is stored in (`encoded`, when
    the caller holds it already), so that a payload is encoded by C code only; one that BSON
    cannot hold, of its JSON with sorted keys."""
    if encoded is None:
        try:
            encoded = bson.encode(escaped)
        except (bson.errors.InvalidDocument, ValueError, OverflowError):
            encoded = json.dumps(escaped, sort_keys=True, separators=(",", ":"), default=str,
                                 ensure_ascii=False).encode("utf-8", "surrogatepass")
    return hashlib.blake2b(encoded, digest_size=16).hexdigest()


class RecordDigests:
    def __init__(self, client, prefix: str = "ingest:digests", claim_lifetime: float = DEFAULT_CLAIM_LIFETIME,
                 clock: Callable[[], float] = time.time) -> None:
        self.client = client
        self.prefix = prefix.rstrip(":")
        self.claim_lifetime = float(claim_lifetime)
        self.clock = clock
        self._claim = register_scripts(client, __package__, ("claim",))["claim"]

    def key(self, database: str, collection: str) -> str:
        return f"{self.prefix}:{database}:{collection}"

    def claim(self, database: str, collection: str, digests: Mapping[str, str], owner: str) -> dict[str, Claim]:
        """Each record key's claim (see `Claim`); the keys answered CLAIMED are now the owner's
        to write, until `remember` or `release`."""
        if not digests:
            return {}
        keys = list(digests)
        arguments: list[str] = [owner, repr(float(self.clock())), repr(self.claim_lifetime)]
        for key in keys:
            arguments += [key, digests[key]]
        answers = self._claim(keys=[self.key(database, collection)], args=arguments)
        return {key: Claim(_text(answer)) for key, answer in zip(keys, answers)}

    def remember(self, database: str, collection: str, digests: Mapping[str, str], client=None) -> None:
        """These payloads are stored: their digests replace any claim. `client`: a pipeline to
        queue the write on instead of sending it now."""
        if digests:
            (client or self.client).hset(self.key(database, collection), mapping=dict(digests))

    def release(self, database: str, collection: str, keys: list[str], client=None) -> None:
        """Claims given up (the store refused the records): the next page writes them."""
        if keys:
            (client or self.client).hdel(self.key(database, collection), *keys)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value
