"""Which stored records are unchanged, remembered in Redis.

A page often repeats records stored before (the same post in a subreddit's new, hot and top
listings, or in two searches). Writing such a record again changes nothing but costs a scan of
its whole collection on FerretDB v1. So the digest of every payload as stored is kept here,
one hash per database and collection, and a record whose digest matches is not written again:
the store only notes that this job saw it (see `store.upsert_records`). A digest that is
missing (a new record, or a Redis that lost its data) only means the record is written.
"""

from __future__ import annotations

import hashlib
import json
from typing import Mapping


def payload_digest(payload: Mapping) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str, ensure_ascii=False)
    return hashlib.blake2b(canonical.encode("utf-8"), digest_size=16).hexdigest()


class RecordDigests:
    def __init__(self, client, prefix: str = "ingest:digests") -> None:
        self.client = client
        self.prefix = prefix.rstrip(":")

    def key(self, database: str, collection: str) -> str:
        return f"{self.prefix}:{database}:{collection}"

    def unchanged(self, database: str, collection: str, digests: Mapping[str, str]) -> set[str]:
        """The record keys whose stored payload has exactly this digest."""
        if not digests:
            return set()
        keys = list(digests)
        stored = self.client.hmget(self.key(database, collection), keys)
        return {key for key, known in zip(keys, stored)
                if known is not None and (known.decode() if isinstance(known, bytes) else known) == digests[key]}

    def remember(self, database: str, collection: str, digests: Mapping[str, str]) -> None:
        if digests:
            self.client.hset(self.key(database, collection), mapping=dict(digests))
