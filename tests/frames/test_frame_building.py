"""Stored documents to rows and typed frames, and the query parts sent to the store (no server)."""

from datetime import datetime, timezone

import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from ingest.errors import ParameterError, UsageError
from ingest.storage.escaping import escape
from ingest.api.frames import resolve_collection, store_filter, store_projection, _checked_columns
from ingest.api.record_table import documents_frame, flatten, pick, stored_path

UTC_US = "datetime64[us, UTC]"
FETCHED = datetime(2024, 5, 2, 8, 30, tzinfo=timezone.utc)


def stored(payload: dict, key: str, jobs=("job-1",)) -> dict:
    document = escape(payload)
    document["_id"] = key
    document["_ingest"] = {"source": "mastodon", "first_fetched": FETCHED, "jobs": list(jobs)}
    return document


def status(number: int, **fields) -> dict:
    payload = {
        "id": str(number), "created_at": f"2024-05-01T12:00:0{number}.000Z", "in_reply_to_id": None,
        "account": {"id": "77", "acct": "ann", "created_at": "2020-01-01T00:00:00Z",
                    "last_status_at": "2024-05-01", "roles": {"top": {"name": "admin"}}},
        "tags": [{"name": "python"}], "replies_count": number,
    }
    payload.update(fields)
    return stored(payload, f"m.example:{number}")


def test_flatten_to_depth_one_keeps_deeper_objects_whole_and_lists_as_lists():
    row = flatten(status(1))
    assert row == {
        "id": "1", "created_at": "2024-05-01T12:00:01.000Z", "in_reply_to_id": None,
        "account.id": "77", "account.acct": "ann", "account.created_at": "2020-01-01T00:00:00Z",
        "account.last_status_at": "2024-05-01", "account.roles": {"top": {"name": "admin"}},
        "tags": [{"name": "python"}], "replies_count": 1, "_id": "m.example:1",
        "_ingest.source": "mastodon", "_ingest.first_fetched": FETCHED, "_ingest.jobs": ["job-1"],
    }


@pytest.mark.parametrize(("depth", "columns"), [
    (0, ["a", "_id"]),
    (1, ["a.b", "a.empty", "_id"]),
    (2, ["a.b.c", "a.empty.x", "_id"]),
])
def test_depth_counts_the_levels_flattened(depth, columns):
    document = {"a": {"b": {"c": 1}, "empty": {"x": {}}}, "_id": "k"}
    assert list(flatten(document, depth)) == columns


def test_an_empty_object_adds_no_column():
    assert flatten({"_id": "k", "media_embed": {}}) == {"_id": "k"}


def test_escaped_keys_come_back_unescaped_at_every_level():
    payload = {"$type": "post", "a.b": 1, "100%": True,
               "record": {"$type": "app.post", "facets": [{"$type": "link", "x.y": 2}]},
               "embed": {"deep": {"$ref": "r"}}}
    row = flatten(stored(payload, "k"))
    assert row["$type"] == "post" and row["a.b"] == 1 and row["100%"] is True
    assert row["record.$type"] == "app.post"
    assert row["record.facets"] == [{"$type": "link", "x.y": 2}]
    assert row["embed.deep"] == {"$ref": "r"}


def test_a_payloads_own_top_level_id_keeps_its_escaped_name():
    row = flatten(stored({"_id": 5, "_ingest": "theirs"}, "k"))
    assert row["_id"] == "k" and row["%5Fid"] == 5 and row["%5Fingest"] == "theirs"


def test_ids_become_text_where_they_are_numbers():
    row = flatten({"_id": "k", "id": 39382092, "parent_id": 7.0, "story.id": 3, "kids": [1, 2],
                   "in_reply_to_id": None, "hidden": True, "score": 5})
    assert row == {"_id": "k", "id": "39382092", "parent_id": "7", "story.id": "3", "kids": [1, 2],
                   "in_reply_to_id": None, "hidden": True, "score": 5}


def test_documents_become_one_typed_frame():
    documents = [status(1), status(2, in_reply_to_id="1")]
    documents[1]["_ingest"]["jobs"].append("job-2")
    frame = documents_frame(documents, "mastodon_statuses")
    expected = pd.DataFrame({
        "_id": ["m.example:1", "m.example:2"],
        "id": ["1", "2"],
        "created_at": pd.Series(["2024-05-01T12:00:01Z", "2024-05-01T12:00:02Z"]).astype(UTC_US),
        "in_reply_to_id": [None, "1"],
        "account.id": ["77", "77"],
        "account.acct": ["ann", "ann"],
        "account.created_at": pd.Series(["2020-01-01T00:00:00Z"] * 2).astype(UTC_US),
        "account.last_status_at": ["2024-05-01", "2024-05-01"],
        "account.roles": [{"top": {"name": "admin"}}] * 2,
        "tags": [[{"name": "python"}]] * 2,
        "replies_count": [1, 2],
        "_ingest.source": ["mastodon", "mastodon"],
        "_ingest.first_fetched": pd.Series([FETCHED, FETCHED]).astype(UTC_US),
        "_ingest.jobs": [["job-1"], ["job-1", "job-2"]],
    })
    assert_frame_equal(frame, expected)


def test_types_do_not_depend_on_batching():
    documents = [status(1), stored({"id": 2, "note": "x", "seen": True}, "m.example:2"), status(3)]
    documents[1]["_ingest"]["first_fetched"] = datetime(2024, 5, 2, 8, 30)
    whole = documents_frame(documents, "mastodon_statuses", batch_size=100)
    assert_frame_equal(documents_frame(documents, "mastodon_statuses", batch_size=1), whole)
    assert whole["id"].tolist() == ["1", "2", "3"]
    assert str(whole["created_at"].dtype) == UTC_US
    assert str(whole["_ingest.first_fetched"].dtype) == UTC_US
    assert whole["replies_count"].dtype == "float64"
    assert whole["seen"].tolist() == [None, True, None]
    assert whole["account.roles"].tolist()[1] is None


def test_naive_bson_datetimes_are_read_as_utc():
    documents = [{"_id": "k", "_ingest": {"last_fetched": datetime(2024, 1, 1, 9)}}]
    frame = documents_frame(documents, "hn_items")
    assert frame["_ingest.last_fetched"].tolist() == [pd.Timestamp("2024-01-01T09:00:00Z")]


def test_epoch_fields_are_converted_only_where_listed():
    items = [{"_id": "1", "id": 1, "time": 1708001657, "score": 34, "created": 1708001657},
             {"_id": "2", "id": 2, "time": 1708001660, "score": 3, "created": 1708001657}]
    frame = documents_frame(items, "hn_items")
    assert frame["time"].tolist() == [pd.Timestamp("2024-02-15T12:54:17Z"), pd.Timestamp("2024-02-15T12:54:20Z")]
    assert str(frame["time"].dtype) == UTC_US
    assert frame["score"].dtype == "int64" and frame["created"].dtype == "int64"
    posts = [{"_id": "t3_a", "created_utc": 1456821458.0, "created": 1456850258.0, "edited": False},
             {"_id": "t3_b", "created_utc": 1456821459.5, "created": 1456850259.5, "edited": 1456821500.0}]
    frame = documents_frame(posts, "reddit_posts")
    assert frame["created_utc"].tolist()[1] == pd.Timestamp("2016-03-01T08:37:39.5Z")
    assert frame["created"].dtype == "float64"
    assert frame["edited"].tolist() == [False, 1456821500.0]


def test_text_that_is_not_always_an_iso_datetime_stays_text():
    documents = [{"_id": "1", "when": "2024-05-01T12:00:00Z", "day": "2024-05-01", "label": "2024"},
                 {"_id": "2", "when": "soon", "day": "2024-05-02", "label": "x"}]
    frame = documents_frame(documents, "rest_things")
    assert frame["when"].tolist() == ["2024-05-01T12:00:00Z", "soon"]
    assert frame["day"].tolist() == ["2024-05-01", "2024-05-02"]


def test_iso_datetimes_with_offsets_or_without_a_zone_are_utc():
    documents = [{"_id": "1", "at": "2024-05-01T14:00:00+02:00"}, {"_id": "2", "at": "2024-05-01 12:00:00"},
                 {"_id": "3", "at": None}]
    frame = documents_frame(documents, "rest_things")
    assert frame["at"].tolist()[:2] == [pd.Timestamp("2024-05-01T12:00:00Z")] * 2
    assert pd.isna(frame["at"].tolist()[2])


def test_picked_columns_are_exactly_those_named():
    document = status(1)
    row = pick(document, ["account.acct", "created_at", "tags.name", "poll.id", "_ingest.jobs"])
    assert row == {"account.acct": "ann", "created_at": "2024-05-01T12:00:01.000Z", "tags.name": ["python"],
                   "poll.id": None, "_ingest.jobs": ["job-1"]}
    bluesky = stored({"record": {"$type": "app.post"}, "_id": "theirs"}, "at://x")
    assert pick(bluesky, ["record.$type", "%5Fid", "_id"]) == {"record.$type": "app.post", "%5Fid": "theirs",
                                                               "_id": "at://x"}


def test_picked_columns_keep_their_order_and_types():
    frame = documents_frame([status(1), status(2)], "mastodon_statuses", columns=["replies_count", "created_at", "_id"])
    assert list(frame.columns) == ["replies_count", "created_at", "_id"]
    assert str(frame["created_at"].dtype) == UTC_US


def test_no_documents_give_an_empty_frame_with_the_columns_asked_for():
    assert list(documents_frame([], "hn_items").columns)[:3] == ["_id", "id", "type"]
    assert list(documents_frame([], "hn_items", columns=["_id", "by"]).columns) == ["_id", "by"]


@pytest.mark.parametrize(("column", "path"), [
    ("record.$type", "record.%24type"), ("_id", "_id"), ("_ingest.jobs", "_ingest.jobs"),
    ("%5Fid", "%5Fid"), ("100%.x", "100%25.x"), ("$top", "%24top"),
])
def test_columns_name_their_escaped_stored_paths(column, path):
    assert stored_path(column) == path


@pytest.mark.parametrize(("name", "collection"), [
    ("mastodon", "mastodon_statuses"), ("reddit", "reddit_posts"), ("hackernews", "hn_items"),
    ("bluesky", "bsky_posts"), ("reddit_comments", "reddit_comments"), ("hn_users", "hn_users"),
    ("rest_github_issues", "rest_github_issues"), ("rest_my_api", "rest_my_api"),
])
def test_sources_mean_their_main_collection(name, collection):
    assert resolve_collection(name) == collection


def test_an_unknown_name_is_a_usage_error_with_a_suggestion_and_the_choices():
    with pytest.raises(ParameterError) as caught:
        resolve_collection("mastodn")
    message = str(caught.value)
    assert isinstance(caught.value, UsageError)
    assert "Did you mean 'mastodon'?" in message and "reddit_comments" in message and "bluesky" in message
    with pytest.raises(ParameterError, match="rest_<definition name>"):
        resolve_collection("rest")


def test_the_filter_joins_where_and_job():
    assert store_filter(None, None) == {}
    assert store_filter({"lang": "en"}, None) == {"lang": "en"}
    assert store_filter(None, "job-1") == {"_ingest.jobs": "job-1"}
    assert store_filter({"lang": "en"}, "job-1") == {"$and": [{"lang": "en"}, {"_ingest.jobs": "job-1"}]}
    with pytest.raises(ParameterError):
        store_filter("lang == 'en'", None)


def test_the_projection_names_only_the_columns():
    assert store_projection(None) is None
    assert store_projection(["_id", "record.$type"]) == {"_id": 1, "record.%24type": 1}
    assert store_projection(["content"]) == {"content": 1, "_id": 0}


@pytest.mark.parametrize("columns", ["content", [], ["a", "a.b"], ["a", "a"], ["a..b"], [3]])
def test_bad_columns_are_refused(columns):
    with pytest.raises(ParameterError):
        _checked_columns(columns)


def test_a_single_picked_column_of_lists_stays_lists():
    documents = [{"_id": "a", "k": [1, 2]}, {"_id": "b", "k": [3, 4]}]
    assert documents_frame(documents, "hn_items", columns=["k"])["k"].tolist() == [[1, 2], [3, 4]]


def test_times_pandas_cannot_hold_leave_their_column_as_it_was():
    documents = [{"_id": "1", "time": 10**15, "at": "2024-13-45T99:00:00Z"}]
    frame = documents_frame(documents, "hn_items")
    assert frame["time"].tolist() == [10**15] and frame["at"].tolist() == ["2024-13-45T99:00:00Z"]
