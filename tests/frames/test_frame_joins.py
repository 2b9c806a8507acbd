"""Frames of the recorded answers join on their ids, and empty frames keep their columns."""

from datetime import datetime, timezone

import pandas as pd
import pytest

import ingest.connectors as connectors
from ingest.api.frame_columns import USUAL_COLUMNS, usual_columns
from ingest.api.record_table import documents_frame
from ingest.storage.escaping import escape
from tests.recordings import recording
from tests.unit.connectors.support import from_exchange, json_response

FETCHED = datetime(2024, 5, 2, 8, 30, tzinfo=timezone.utc)
hn, reddit, mastodon = connectors.get("hackernews"), connectors.get("reddit"), connectors.get("mastodon")


def stored(records) -> dict[str, list[dict]]:
    """The records as the store keeps them, by collection."""
    by_collection: dict[str, list[dict]] = {}
    for record in records:
        document = escape(record.payload)
        document["_id"] = record.key
        document["_ingest"] = {"source": "test", "host": "h", "endpoint": "e", "last_fetched": FETCHED,
                               "first_fetched": FETCHED, "jobs": ["job-1"]}
        by_collection.setdefault(record.collection, []).append(document)
    return by_collection


def hn_story_and_comments():
    spec = hn.validate({"items": [39382092], "comment_depth": 1})
    story = hn.parse(hn.start(spec)[0], from_exchange(recording("hackernews/item.json")[0]), spec)
    comments = []
    for number, child in enumerate(story.children[:3]):
        item = {"by": f"user{number}", "id": int(child.target[1]), "kids": [], "parent": 39382092,
                "text": "a reply", "time": 1708001700 + number, "type": "comment"}
        comments += hn.parse(child, json_response(item), spec).records
    return stored(story.records + comments)["hn_items"]


def reddit_thread():
    spec = reddit.validate({"subreddit": "redditdev", "with_comments": True})
    listing = {"kind": "Listing", "data": {"after": None, "children": [
        {"kind": "t3", "data": {"name": "t3_98vj9e", "id": "98vj9e", "created_utc": 1534785690.0, "num_comments": 30}}]}}
    comments_request = reddit.parse(reddit.start(spec)[0], json_response(listing), spec).children[0]
    page = reddit.parse(comments_request, from_exchange(recording("reddit/comment_thread.json")[1]), spec)
    return stored(page.records)


def test_hn_ids_and_parents_are_integers_and_comments_join_their_story():
    items = documents_frame(hn_story_and_comments(), "hn_items")
    assert str(items["id"].dtype) == "Int64" and str(items["parent"].dtype) == "Int64"
    assert items["parent"].isna().tolist() == [True, False, False, False]
    stories, comments = items[items["type"] == "story"], items[items["type"] == "comment"]
    joined = comments.merge(stories, left_on="parent", right_on="id", suffixes=("", "_story"))
    assert len(joined) == 3 and set(joined["title_story"]) == {stories["title"].iloc[0]}


def test_hn_search_hit_ids_are_integers_too():
    hits = [{"_id": "h:1", "objectID": "41", "story_id": 40, "parent_id": 40, "created_at_i": 1708001700},
            {"_id": "h:2", "objectID": "40", "story_id": 40, "parent_id": None, "created_at_i": 1708001600}]
    frame = documents_frame(hits, "hn_search_hits")
    assert [str(frame[name].dtype) for name in ("objectID", "story_id", "parent_id")] == ["Int64"] * 3
    assert len(frame.merge(frame, left_on="parent_id", right_on="objectID")) == 1


def test_reddit_comments_carry_bare_post_and_parent_ids_that_join():
    thread = reddit_thread()
    posts = documents_frame(thread["reddit_posts"], "reddit_posts")
    comments = documents_frame(thread["reddit_comments"], "reddit_comments")
    assert set(comments["post_id"]) == {"98vj9e"} and posts["id"].tolist() == ["98vj9e"]
    assert len(comments.merge(posts, left_on="post_id", right_on="id")) == len(comments) == 4
    columns = list(comments.columns)
    assert columns.index("post_id") == columns.index("link_id") + 1
    assert columns.index("parent_comment_id") == columns.index("parent_id") + 1
    top_level = comments["parent_id"].str.startswith("t3_")
    assert comments.loc[top_level, "parent_comment_id"].isna().all()
    replies = comments[~top_level].merge(comments, left_on="parent_comment_id", right_on="id")
    assert len(replies) == int((~top_level).sum())


def test_chosen_columns_get_no_bare_ids():
    thread = reddit_thread()
    frame = documents_frame(thread["reddit_comments"], "reddit_comments", columns=["_id", "link_id"])
    assert list(frame.columns) == ["_id", "link_id"]


@pytest.mark.parametrize("collection", sorted(USUAL_COLUMNS))
def test_an_empty_frame_has_its_collections_usual_columns(collection):
    frame = documents_frame([], collection)
    assert frame.empty and list(frame.columns) == usual_columns(collection)
    assert list(frame.columns)[:2] == ["_id", USUAL_COLUMNS[collection][0]]
    assert str(frame["_ingest.first_fetched"].dtype) == "datetime64[us, UTC]"


def test_an_empty_hn_frame_is_typed_as_a_full_one_and_still_joins():
    empty = documents_frame([], "hn_items")
    assert str(empty["id"].dtype) == "Int64" and str(empty["time"].dtype) == "datetime64[us, UTC]"
    full = documents_frame(hn_story_and_comments(), "hn_items")
    assert full.merge(empty, left_on="parent", right_on="id").empty


def test_depth_zero_empty_frames_name_top_level_fields_only():
    assert "account" in usual_columns("mastodon_statuses", depth=0)
    assert "account.id" not in usual_columns("mastodon_statuses", depth=0)


def _recorded(collection: str) -> list[dict]:
    if collection == "hn_items":
        return hn_story_and_comments()[:1]
    if collection in ("reddit_posts", "reddit_comments"):
        spec = reddit.validate({"subreddit": "python", "listing": "comments" if collection == "reddit_comments" else "new"})
        name = "subreddit_comments" if collection == "reddit_comments" else "subreddit_new"
        page = reddit.parse(reddit.start(spec)[0], from_exchange(recording(f"reddit/{name}.json")[0]), spec)
        return stored(page.records)[collection]
    exchange = next(e for e in recording("mastodon/public_timeline.json") if "/timelines/" in e.url)
    spec = mastodon.validate({"base_url": "http://localhost:3000", "with_accounts": True})
    return stored(mastodon.parse(mastodon.start(spec)[0], from_exchange(exchange), spec).records)[collection]


@pytest.mark.parametrize("collection", ["hn_items", "reddit_posts", "reddit_comments", "mastodon_statuses",
                                        "mastodon_accounts"])
def test_usual_columns_are_what_the_recorded_answers_hold(collection):
    documents = _recorded(collection)
    assert documents
    missing = set(usual_columns(collection)) - set(documents_frame(documents, collection).columns)
    if collection == "hn_items":  # a story has neither parent nor text; its comments have them
        missing -= {"parent", "text"}
    assert missing == set()
