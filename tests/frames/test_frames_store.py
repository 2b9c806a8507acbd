"""`frame`, `job_frame` and `job_frames` against a private FerretDB, records written by the
store's own upsert; the commands sent are watched through pymongo's command monitoring."""

from __future__ import annotations

from datetime import datetime, timezone

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from ingest.storage import mongo, record_writes
from ingest.connectors.base import Record
from ingest.errors import ParameterError, UnknownJobError
from ingest.api.frames import frame, job_frame, job_frames
from tests.command_log import watched_database

FETCHED = datetime(2024, 5, 2, 8, 30, tzinfo=timezone.utc)
UTC_US = "datetime64[us, UTC]"


@pytest.fixture
def watched(mongo_url, mongo_db):
    """The test's database through a client that logs its commands."""
    with watched_database(mongo_url, mongo_db.name) as watched:
        yield watched


def mastodon_status(number: int, language: str = "en") -> Record:
    payload = {
        "id": str(110000 + number), "created_at": f"2024-05-01T12:00:{number:02d}.000Z",
        "in_reply_to_id": None, "language": language, "content": f"<p>toot {number}</p>",
        "account": {"id": "77", "acct": "ann", "created_at": "2020-01-01T00:00:00.000Z"},
        "tags": [{"name": "python"}], "replies_count": number,
    }
    return Record("mastodon_statuses", f"m.example:{payload['id']}", payload,
                  datetime(2024, 5, 1, 12, 0, number, tzinfo=timezone.utc))


def put(db, records: list[Record], job_id: str, source: str = "mastodon") -> None:
    record_writes.upsert_records(db, records, source=source, host="m.example", endpoint="/api/v1/timelines/public",
                         job_id=job_id, fetched=FETCHED)


@pytest.fixture
def statuses(mongo_db):
    put(mongo_db, [mastodon_status(n, "en" if n % 2 else "de") for n in range(1, 6)], "mastodon-aaaa")
    put(mongo_db, [mastodon_status(n) for n in range(5, 8)], "mastodon-bbbb")
    return mongo_db


def test_columns_are_projected_by_the_store(statuses, watched):
    db, commands = watched
    result = frame(db, "mastodon", columns=["_id", "created_at", "account.acct"])
    assert list(result.columns) == ["_id", "created_at", "account.acct"]
    assert len(result) == 7 and "content" not in result
    (find,) = commands.named("find")
    assert find["projection"] == {"_id": 1, "created_at": 1, "account.acct": 1}
    returned = commands.documents_returned()
    assert len(returned) == 7
    assert all(set(document) == {"_id", "created_at", "account"} for document in returned)
    assert all(set(document["account"]) == {"acct"} for document in returned)


def test_without_columns_every_field_is_read_and_typed(statuses):
    result = frame(statuses, "mastodon_statuses")
    provenance = [name.startswith("_ingest.") for name in result.columns]
    assert result.columns[0] == "_id" and provenance == sorted(provenance)
    assert {"content", "account.id", "_ingest.first_fetched", "_ingest.created_at"} <= set(result.columns)
    for column in ("created_at", "account.created_at", "_ingest.first_fetched", "_ingest.created_at"):
        assert str(result[column].dtype) == UTC_US, column
    first = result.set_index("_id").loc["m.example:110001"]
    assert first["created_at"] == pd.Timestamp("2024-05-01T12:00:01Z")
    assert first["tags"] == [{"name": "python"}]
    assert first["_ingest.first_fetched"] == pd.Timestamp(FETCHED)


def test_job_keeps_only_that_jobs_records(statuses, watched):
    db, commands = watched
    result = frame(db, "mastodon", job="mastodon-bbbb", columns=["_id", "_ingest.jobs"])
    assert sorted(result["_id"]) == ["m.example:110005", "m.example:110006", "m.example:110007"]
    both = result.set_index("_id").loc["m.example:110005", "_ingest.jobs"]
    assert sorted(both) == ["mastodon-aaaa", "mastodon-bbbb"]
    assert commands.named("find")[-1]["filter"] == {"_ingest.jobs": "mastodon-bbbb"}


def test_where_and_job_are_both_applied_by_the_store(statuses, watched):
    db, commands = watched
    result = frame(db, "mastodon", where={"language": "de"}, job="mastodon-aaaa", columns=["_id", "language"])
    assert sorted(result["_id"]) == ["m.example:110002", "m.example:110004"]
    assert set(result["language"]) == {"de"}
    assert len(commands.documents_returned()) == 2


def test_limit_caps_rows(statuses, watched):
    db, commands = watched
    assert len(frame(db, "mastodon", limit=3)) == 3
    assert commands.named("find")[0]["limit"] == 3
    empty = frame(db, "mastodon", limit=0, columns=["_id"])
    assert list(empty.columns) == ["_id"] and empty.empty


def test_batches_give_the_same_frame(statuses, watched):
    db, commands = watched
    in_batches = frame(db, "mastodon", batch_size=2)
    assert commands.named("find")[0]["batchSize"] == 2 and len(commands.named("getMore")) >= 3
    whole = frame(db, "mastodon")
    assert_frame_equal(in_batches.sort_values("_id", ignore_index=True), whole.sort_values("_id", ignore_index=True))


def test_hn_ids_are_integers_beside_a_text_key_and_epoch_times_are_utc(mongo_db):
    items = [{"id": 39382092, "by": "ann", "time": 1708001657, "kids": [39383096, 39383428], "score": 34},
             {"id": 39383096, "by": "bob", "time": 1708001700, "parent": 39382092, "score": 1}]
    put(mongo_db, [Record("hn_items", str(item["id"]), item) for item in items], "hackernews-cccc", "hackernews")
    result = frame(mongo_db, "hackernews").sort_values("_id", ignore_index=True)
    assert result["_id"].tolist() == ["39382092", "39383096"]
    assert result["id"].tolist() == [39382092, 39383096] and str(result["id"].dtype) == "Int64"
    assert result["parent"].isna().tolist() == [True, False] and str(result["parent"].dtype) == "Int64"
    assert result["time"].tolist() == [pd.Timestamp("2024-02-15T12:54:17Z"), pd.Timestamp("2024-02-15T12:55:00Z")]
    assert result["kids"][0] == [39383096, 39383428] and result["kids"][1] is None
    assert result["score"].tolist() == [34, 1]


def test_escaped_keys_come_back_unescaped(mongo_db, watched):
    post = {"uri": "at://did:plc:x/app.bsky.feed.post/1", "indexedAt": "2025-05-19T17:10:09.813Z",
            "record": {"$type": "app.bsky.feed.post", "facets": [{"$type": "link"}], "a.b": 1}}
    put(mongo_db, [Record("bsky_posts", post["uri"], post)], "bluesky-dddd", "bluesky")
    db, commands = watched
    result = frame(db, "bluesky")
    assert result.loc[0, "record.$type"] == "app.bsky.feed.post"
    assert result.loc[0, "record.facets"] == [{"$type": "link"}]
    assert result.loc[0, "record.a.b"] == 1
    assert result.loc[0, "indexedAt"] == pd.Timestamp("2025-05-19T17:10:09.813Z")
    picked = frame(db, "bsky_posts", columns=["record.$type"])
    assert picked.to_dict("list") == {"record.$type": ["app.bsky.feed.post"]}
    assert commands.named("find")[-1]["projection"] == {"record.%24type": 1, "_id": 0}


def test_an_unknown_source_names_the_choices_and_sends_nothing(watched):
    db, commands = watched
    with pytest.raises(ParameterError, match=r"Did you mean 'reddit'\?.*hackernews"):
        frame(db, "redit")
    assert commands.sent == []


def test_job_frame_reads_the_main_collection_and_job_frames_each_kind(statuses):
    statuses[mongo.JOBS].insert_one({"_id": "mastodon-aaaa", "source": "mastodon", "spec": {}})
    account = {"id": "77", "acct": "ann", "created_at": "2020-01-01T00:00:00.000Z"}
    put(statuses, [Record("mastodon_accounts", "m.example:77", account)], "mastodon-aaaa")
    main = job_frame(statuses, "mastodon-aaaa", columns=["_id"])
    assert sorted(main["_id"]) == [f"m.example:11000{n}" for n in range(1, 6)]
    accounts = job_frame(statuses, "mastodon-aaaa", "mastodon_accounts")
    assert accounts["acct"].tolist() == ["ann"]
    every = job_frames(statuses, "mastodon-aaaa")
    assert list(every) == ["mastodon_statuses", "mastodon_accounts"]
    assert [len(f) for f in every.values()] == [5, 1]
    with pytest.raises(ParameterError, match="mastodon_statuses, mastodon_accounts"):
        job_frame(statuses, "mastodon-aaaa", "reddit_posts")
    with pytest.raises(UnknownJobError):
        job_frame(statuses, "mastodon-none")


def test_a_rest_jobs_collection_comes_from_its_definition(mongo_db):
    mongo_db[mongo.JOBS].insert_one({"_id": "rest-eeee", "source": "rest",
                                     "spec": {"definition": {"name": "things"}}})
    put(mongo_db, [Record("rest_things", "t:1", {"id": 1, "name": "one"})], "rest-eeee", "rest")
    assert list(job_frames(mongo_db, "rest-eeee")) == ["rest_things"]
    assert job_frame(mongo_db, "rest-eeee")["id"].tolist() == ["1"]
