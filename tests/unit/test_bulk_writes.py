"""A document built around its payload's BSON is byte for byte the document encoded whole."""

from __future__ import annotations

from datetime import datetime, timezone

import bson

from ingest.storage.bulk_writes import encoded, encoded_around
from ingest.storage.escaping import escape


def test_a_document_built_around_its_payloads_bson_is_the_document_encoded_whole():
    payload = escape({"uri": "at://did:plc:x/app.bsky.feed.post/1", "$type": "post", "n": 2**62,
                      "record": {"text": "héllo", "facets": [{"index": {"byteStart": 0}}, None, 1.5]}})
    head = {"_id": "at://did:plc:x/app.bsky.feed.post/1"}
    tail = {"_ingest": {"source": "bluesky", "jobs": ["job-1"], "last_fetched": datetime(2024, 5, 2, tzinfo=timezone.utc)}}
    around = encoded_around(encoded(payload).raw, head, tail)
    assert around.raw == encoded({**head, **payload, **tail}).raw
    assert list(bson.decode(around.raw)) == ["_id", *payload, "_ingest"]


def test_a_payload_that_could_not_be_encoded_stays_its_reason():
    reason = encoded({"n": 2**70})
    assert isinstance(reason, str) and "Overflow" in reason
    assert encoded_around(reason, {"_id": "k"}, {"_ingest": {}}) == reason
