"""Pages that carry the same records, stored at once through `record_writes.upsert_records`: each
record is written by one page, the others only note their sightings, and no update scans
the collection unless a payload changed."""

from __future__ import annotations

import threading
from datetime import datetime, timezone

import pytest

from ingest.storage import record_writes
from ingest.connectors.base import Record
from ingest.storage.digests import Claim, RecordDigests, payload_digest
from tests.command_log import watched_database

FETCHED = datetime(2024, 5, 2, 8, 30, tzinfo=timezone.utc)


@pytest.fixture
def watched(mongo_url, mongo_db):
    with watched_database(mongo_url, mongo_db.name) as watched:
        yield watched


@pytest.fixture
def digests(client):
    return RecordDigests(client, prefix="test:digests")


def post(number: int, score: int = 1) -> Record:
    payload = {"id": f"p{number}", "title": f"post {number}", "score": score}
    return Record("reddit_posts", f"p{number}", payload, None)


def put(db, records, job_id, node_id, digests):
    return record_writes.upsert_records(db, records, source="reddit", host="oauth.reddit.com", endpoint="listing",
                                job_id=job_id, fetched=FETCHED, digests=digests, owner=node_id)


def job_keys(db, job_id: str) -> set[str]:
    return {d["_id"] for d in db["reddit_posts"].find(record_writes.job_records_filter(db, "reddit_posts", job_id), {"_id": 1})}


def test_pages_storing_the_same_new_records_at_once_write_each_once_and_update_nothing(watched, digests):
    db, writes = watched
    shared = [post(n) for n in range(40)]
    pages = [(f"job-{i}", f"node-{i}", shared + [post(100 + i)]) for i in range(6)]
    start = threading.Barrier(len(pages))
    new_counts: dict[str, int] = {}

    def store_page(job_id, node_id, records):
        start.wait()
        new_counts[job_id] = put(db, records, job_id, node_id, digests)[0]

    threads = [threading.Thread(target=store_page, args=page) for page in pages]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert db["reddit_posts"].count_documents({}) == 46
    assert sum(new_counts.values()) == 46
    assert writes.updates_of("reddit_posts") == []
    for job_id, _, records in pages:
        assert job_keys(db, job_id) == {record.key for record in records}


def test_a_changed_payload_is_updated_and_an_unchanged_one_only_seen(watched, digests):
    db, writes = watched
    put(db, [post(1), post(2)], "job-a", "node-a", digests)
    new, refused = put(db, [post(1), post(2, score=7)], "job-b", "node-b", digests)
    assert (new, refused) == (0, [])
    assert len(writes.updates_of("reddit_posts")) == 1
    assert db["reddit_posts"].find_one({"_id": "p2"})["score"] == 7
    assert db["reddit_posts"].find_one({"_id": "p1"})["_ingest"]["jobs"] == ["job-a"]
    assert job_keys(db, "job-b") == {"p1", "p2"}


def test_a_record_stored_while_its_digest_was_lost_is_brought_up_to_date(watched, digests, client):
    db, _ = watched
    put(db, [post(1, score=1)], "job-a", "node-a", digests)
    client.flushdb()
    put(db, [post(1, score=5)], "job-b", "node-b", digests)
    assert db["reddit_posts"].find_one({"_id": "p1"})["score"] == 5
    assert digests.claim(db.name, "reddit_posts", {"p1": payload_digest(post(1, score=5).payload)},
                         owner="node-c") == {"p1": Claim.UNCHANGED}


def test_an_owner_run_again_after_claiming_writes_its_records(watched, digests):
    db, _ = watched
    digests.claim(db.name, "reddit_posts", {"p1": payload_digest(post(1).payload)}, owner="node-a")
    # The worker that claimed p1 was lost before writing it; a page of another job only sees it
    # claimed, and the node run again writes it.
    put(db, [post(1)], "job-b", "node-b", digests)
    assert db["reddit_posts"].count_documents({}) == 0
    put(db, [post(1)], "job-a", "node-a", digests)
    assert db["reddit_posts"].count_documents({}) == 1
    assert job_keys(db, "job-b") == {"p1"}


def test_a_number_bson_cannot_hold_refuses_its_record_alone(watched, digests):
    db, _ = watched
    too_big = Record("reddit_posts", "p-big", {"id": "p-big", "score": 2 ** 70}, None)
    new, refused = put(db, [post(1), too_big, post(2)], "job-big", "node-big", digests)
    assert new == 2 and [key for key, _ in refused] == ["p-big"]
    assert "OverflowError" in refused[0][1]
    assert job_keys(db, "job-big") == {"p1", "p2"}
    assert put(db, [post(1), too_big, post(2)], "job-big", "node-big-2", digests)[0] == 0
