"""What `RecordWriter.write` counts for a page equals what the job's frames hold: a record counts
once per job, for the node that reached it first, whatever pages repeat it."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from redis.client import Pipeline

from ingest.api.frames import frame
from ingest.connectors.base import Record
from ingest.storage.digests import RecordDigests
from ingest.storage.job_keys import JobRecordKeys
from ingest.storage.record_writes import RecordWriter

FETCHED = datetime(2024, 5, 2, 8, 30, tzinfo=timezone.utc)


@pytest.fixture
def writer(mongo_db, client):
    return RecordWriter(mongo_db, RecordDigests(client, prefix="test:digests"),
                        JobRecordKeys(client, prefix="test:job-records"))


def post(number: int, score: int = 1) -> Record:
    return Record("reddit_posts", f"t3_p{number}", {"id": f"p{number}", "title": f"post {number}", "score": score}, None)


def comment(number: int) -> Record:
    return Record("reddit_comments", f"t1_c{number}", {"id": f"c{number}", "link_id": "t3_p1", "body": "hi"}, None)


def write(writer, records, job_id="job-a", node="node-1"):
    return writer.write(records, source="reddit", host="oauth.reddit.com", endpoint="listing", job_id=job_id,
                        fetched=FETCHED, owner=node)


def rows(db, job_id):
    return sum(len(frame(db, collection, job=job_id)) for collection in ("reddit_posts", "reddit_comments"))


def test_a_page_holding_the_same_post_twice_counts_it_once(writer, mongo_db):
    written = write(writer, [post(1), post(2), post(1)])
    assert (written.new, written.records, written.refused) == (2, 2, [])
    assert rows(mongo_db, "job-a") == 2


def test_pages_of_one_job_that_repeat_records_count_each_once_over_every_collection(writer, mongo_db):
    first = write(writer, [post(1), post(2), comment(1)], node="node-1")
    second = write(writer, [post(2), post(3), comment(1), comment(2)], node="node-2")
    third = write(writer, [post(3, score=9)], node="node-3")
    assert [first.records, second.records, third.records] == [3, 2, 0]
    assert [first.new, second.new, third.new] == [3, 2, 0]
    assert first.records + second.records + third.records == rows(mongo_db, "job-a") == 5


def test_records_stored_by_an_earlier_job_count_for_the_job_that_sees_them_but_are_not_new(writer, mongo_db):
    write(writer, [post(1), post(2)], job_id="job-a")
    again = write(writer, [post(1), post(2), post(3)], job_id="job-b", node="node-b")
    assert (again.records, again.new) == (3, 1)
    assert rows(mongo_db, "job-b") == 3


def test_a_node_run_again_counts_its_records_again_and_no_one_elses(writer):
    lost = write(writer, [post(1), post(2)], node="node-1")
    other = write(writer, [post(2), post(3)], node="node-2")
    rerun = write(writer, [post(1), post(2)], node="node-1")
    assert (lost.records, other.records, rerun.records) == (2, 1, 2)


def test_without_a_job_key_store_a_page_counts_its_distinct_records(mongo_db):
    written = write(RecordWriter(mongo_db), [post(1), post(1), comment(1)])
    assert (written.new, written.records) == (2, 2)



def test_a_redis_that_lost_the_counting_script_still_counts_the_page_and_remembers_its_digests(writer, client,
                                                                                              mongo_db):
    write(writer, [post(1)], node="node-1")
    client.script_flush()
    written = write(writer, [post(1), post(2), comment(1)], node="node-2")
    assert (written.new, written.records) == (2, 2)
    assert sorted(client.hkeys(writer.digests.key(mongo_db.name, "reddit_posts"))) == [b"t3_p1", b"t3_p2"]
    assert rows(mongo_db, "job-a") == 3


def test_what_a_page_writes_to_redis_after_its_insert_goes_in_one_round_trip(writer, client, monkeypatch):
    commands, pipelines = [], []
    send = type(client).execute_command
    monkeypatch.setattr(type(client), "execute_command",
                        lambda self, *args, **options: commands.append(args[0]) or send(self, *args, **options))
    execute = Pipeline.execute
    monkeypatch.setattr(Pipeline, "execute", lambda self, *args: pipelines.append(
        [command[0][0] for command in self.command_stack]) or execute(self, *args))
    write(writer, [post(1), post(2), comment(1)])
    assert commands == ["EVALSHA", "EVALSHA"]  # each collection's claim, before the insert
    assert pipelines == [["HSET", "HSET", "EVALSHA", "EVALSHA"]]  # digests, then each collection's count
