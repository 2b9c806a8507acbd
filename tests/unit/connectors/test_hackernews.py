import pytest

import ingest.connectors as connectors
from ingest.errors import MalformedResponseError, ParameterError, PermanentError
from tests.recordings import recording
from tests.unit.connectors.support import from_exchange, json_response

hn = connectors.get("hackernews")


def test_topstories_become_item_children_with_targets():
    spec = hn.validate({"limit": 3})
    [request] = hn.start(spec)
    assert request.url == "https://hacker-news.firebaseio.com/v0/topstories.json"
    page = hn.parse(request, from_exchange(recording("hackernews/topstories.json")[0]), spec)
    assert page.records == []
    assert [(c.url, c.target, c.depth) for c in page.children] == [
        ("https://hacker-news.firebaseio.com/v0/item/39382092.json", ("hn_items", "39382092"), 1),
        ("https://hacker-news.firebaseio.com/v0/item/39382803.json", ("hn_items", "39382803"), 1),
        ("https://hacker-news.firebaseio.com/v0/item/39382590.json", ("hn_items", "39382590"), 1)]
    assert page.watermark == {"max_id": 39382803}


def test_all_500_ids_without_limit_and_no_limit_headers():
    spec = hn.validate({})
    response = from_exchange(recording("hackernews/topstories.json")[0])
    assert len(hn.parse(hn.start(spec)[0], response, spec).children) == 500
    reading = hn.read_limits(response, now=0.0)
    assert (reading.limit, reading.remaining, reading.reset_after, reading.retry_after) == (None, None, None, None)
    assert hn.known_limits(spec) == ()


def test_item_kids_are_followed_to_the_given_depth():
    spec = hn.validate({"items": [39382092], "comment_depth": 2, "base_url": "http://127.0.0.1:9/hn"})
    [request] = hn.start(spec)
    assert request.url == "http://127.0.0.1:9/hn/v0/item/39382092.json"
    story = hn.parse(request, from_exchange(recording("hackernews/item.json")[0]), spec)
    assert [r.key for r in story.records] == ["39382092"]
    assert story.records[0].created_at.isoformat() == "2024-02-15T12:54:17+00:00"
    assert [c.target[1] for c in story.children] == ["39383096", "39383428", "39383373", "39383169", "39383166"]
    first = story.children[0]
    assert (first.depth, first.context) == (1, {"level": 1})
    comment = hn.parse(first, json_response({"id": 39383096, "kids": [1, 2], "time": 1708001700}), spec)
    assert [(c.target[1], c.context["level"]) for c in comment.children] == [("1", 2), ("2", 2)]
    deepest = hn.parse(comment.children[0], json_response({"id": 1, "kids": [3], "time": 1708001800}), spec)
    assert deepest.children == [] and [r.key for r in deepest.records] == ["1"]


def test_missing_item_is_null_and_stories_outside_bounds_are_dropped():
    spec = hn.validate({"items": [1], "since": "2024-02-16T00:00:00Z", "comment_depth": 1})
    [request] = hn.start(spec)
    assert hn.parse(request, json_response(None), spec).records == []
    old = hn.parse(request, from_exchange(recording("hackernews/item.json")[0]), spec)
    assert old.records == [] and old.children == []


def test_incremental_takes_ids_above_the_watermark_lowest_first():
    spec = hn.validate({"list": "new", "incremental": True, "limit": 2})
    [request] = hn.start(spec, {"max_id": 100})
    assert request.url.endswith("/v0/newstories.json")
    page = hn.parse(request, json_response([104, 103, 102, 101, 100, 99]), spec)
    assert [c.target[1] for c in page.children] == ["101", "102"]
    assert page.watermark == {"max_id": 102}
    assert hn.merge_watermarks({"max_id": 100}, page.watermark) == {"max_id": 102}
    assert hn.query_key(spec) == "newstories@hacker-news.firebaseio.com"


def test_users_are_fetched_when_asked():
    spec = hn.validate({"items": [39382092], "with_users": True})
    page = hn.parse(hn.start(spec)[0], from_exchange(recording("hackernews/item.json")[0]), spec)
    [user] = page.children
    assert (user.url, user.target) == ("https://hacker-news.firebaseio.com/v0/user/gradus_ad.json", ("hn_users", "gradus_ad"))
    parsed = hn.parse(user, json_response({"id": "gradus_ad", "created": 1300000000, "karma": 5}), spec)
    assert [(r.collection, r.key) for r in parsed.records] == [("hn_users", "gradus_ad")]


@pytest.mark.parametrize("name", ["top", "new", "best", "ask", "show", "job"])
def test_every_story_list_has_its_endpoint(name):
    [request] = hn.start(hn.validate({"list": name}))
    assert (request.kind, request.url) == ("list", f"https://hacker-news.firebaseio.com/v0/{name}stories.json")


def test_a_users_submissions_are_fetched_newest_first_up_to_the_limit():
    spec = hn.validate({"user": "gradus_ad", "limit": 2, "comment_depth": 1})
    [request] = hn.start(spec)
    assert (request.kind, request.url) == ("submissions", "https://hacker-news.firebaseio.com/v0/user/gradus_ad.json")
    profile = {"about": "hi", "created": 1300000000, "id": "gradus_ad", "karma": 5,
               "submitted": [39382092, 39381000, 39380000]}
    page = hn.parse(request, json_response(profile), spec)
    assert page.records == []
    assert [(c.target, c.context) for c in page.children] == [
        (("hn_items", "39382092"), {"level": 0}), (("hn_items", "39381000"), {"level": 0})]
    assert page.watermark == {"max_id": 39382092}
    story = hn.parse(page.children[0], from_exchange(recording("hackernews/item.json")[0]), spec)
    assert [r.key for r in story.records] == ["39382092"] and len(story.children) == 5
    assert hn.query_key(spec) == "user:gradus_ad@hacker-news.firebaseio.com"


def test_a_user_without_submissions_yields_nothing_and_an_unknown_user_is_an_error():
    spec = hn.validate({"user": "nobody here"})
    [request] = hn.start(spec)
    assert request.url.endswith("/v0/user/nobody%20here.json")
    assert hn.parse(request, json_response({"id": "nobody here", "created": 1, "karma": 1}), spec).children == []
    with pytest.raises(PermanentError, match="no user 'nobody here'"):
        hn.parse(request, json_response(None), spec)
    with pytest.raises(MalformedResponseError):
        hn.parse(request, json_response({"id": "x", "submitted": "1,2"}), spec)


def test_user_and_items_exclude_each_other():
    with pytest.raises(ParameterError, match="not both"):
        hn.validate({"user": "pg", "items": [1]})
    with pytest.raises(ParameterError, match="user must be a user name"):
        hn.validate({"user": " "})
