"""The sandbox's Bluesky routes answer each recorded request in the recording's shape."""

from __future__ import annotations

import re

import pytest

from tests.recordings import recording
from tests.sandbox.shapes import shape_problems
from tests.sandbox.test_conformance import TOKEN, assert_same_headers

XRPC = "/bsky/xrpc/"
TIMESTAMP = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,3})?Z"


@pytest.fixture
def bsky_data(running_server):
    return running_server[0].state.datasets["bsky"]


OPTIONAL = {"viewer": ("following", "followedBy"), "record": ("facets", "embed")}


def _without_optional(value):
    """The recorded body without keys present only sometimes, which a short recording may hold
    in every item: `viewer.following`/`followedBy` (how the recording account relates to an
    actor), a post record's `facets` (only for text with links, mentions or tags) and `embed`
    (only on posts with an image, link, video or quote, each its own shape)."""
    if isinstance(value, list):
        return [_without_optional(item) for item in value]
    if not isinstance(value, dict):
        return value
    return {key: ({k: _without_optional(v) for k, v in item.items() if k not in OPTIONAL[key]}
                  if key in OPTIONAL and isinstance(item, dict) else _without_optional(item))
            for key, item in value.items() if key != "embed"}


def _conforms(recorded, produced, items: str, count: int | None = None) -> dict:
    assert produced.status_code == 200, produced.text
    body = produced.json()
    assert shape_problems([_without_optional(recorded.json())], [body]) == []
    assert_same_headers(recorded, produced)
    if count is not None:
        assert len(body[items]) == count
    return body


def test_timeline_needs_a_token_and_answers_in_the_recorded_shape(sandbox):
    recorded = recording("bluesky/timeline.json")[0]
    refused = sandbox.get(XRPC + "app.bsky.feed.getTimeline?limit=25")
    assert refused.status_code == 401 and refused.json()["error"] == "AuthenticationRequired"
    body = _conforms(recorded, sandbox.get(XRPC + "app.bsky.feed.getTimeline?limit=25", token=TOKEN), "feed", 25)
    assert re.fullmatch(TIMESTAMP, body["cursor"])
    reasons = [e["reason"] for e in body["feed"] + recorded.json()["feed"] if "reason" in e]
    assert {r["$type"] for r in reasons} == {"app.bsky.feed.defs#reasonRepost"}


def test_feed_generator_and_list_feed(sandbox, bsky_data):
    recorded = recording("bluesky/feed.json")[0]
    feed = bsky_data.graph.feed_uri(0)
    body = _conforms(recorded, sandbox.get(XRPC + f"app.bsky.feed.getFeed?feed={feed}&limit=25"), "feed", 25)
    opaque = r"[A-Za-z0-9_-]{43}\+at://did:plc:[a-z2-7]+/app\.bsky\.feed\.post/[a-z2-7]{13}"
    assert re.fullmatch(opaque, recorded.json()["cursor"]) and re.fullmatch(opaque, body["cursor"])
    unknown = sandbox.get(XRPC + "app.bsky.feed.getFeed?feed=at://did:plc:x/app.bsky.feed.generator/none")
    assert unknown.status_code == 400 and unknown.json()["error"] == "UnknownFeed"
    recorded = recording("bluesky/list_feed.json")[0]
    members = bsky_data.graph.list_uri(0)
    body = _conforms(recorded, sandbox.get(XRPC + f"app.bsky.feed.getListFeed?list={members}&limit=10"), "feed", 10)
    assert re.fullmatch(TIMESTAMP, body["cursor"])


def test_post_thread(sandbox, bsky_data):
    recorded = recording("bluesky/post_thread.json")[0]
    children = bsky_data.children()
    post = next(i for i in range(bsky_data.count)
                if bsky_data.has_embed(i) and any(children.get(c) for c in children.get(i, ())))
    body = _conforms(recorded, sandbox.get(XRPC + f"app.bsky.feed.getPostThread?uri={bsky_data.uri(post)}"), "thread")
    assert body["thread"]["replies"][0]["replies"]


@pytest.mark.parametrize("name, method", [("followers", "getFollowers"), ("follows", "getFollows")])
def test_followers_and_follows_with_subject_and_record_key_cursor(sandbox, bsky_data, name, method):
    recorded = recording(f"bluesky/{name}.json")[0]
    actor = bsky_data.handle(0) if name == "followers" else bsky_data.handle(5)
    body = _conforms(recorded, sandbox.get(XRPC + f"app.bsky.graph.{method}?actor={actor}&limit=10"), name, 10)
    assert body["subject"]["handle"] == actor
    for cursor in (recorded.json()["cursor"], body["cursor"]):
        assert re.fullmatch(r"[2-7a-z]{13}", cursor)


def test_likes_and_reposted_by(sandbox, bsky_data):
    post = max(range(bsky_data.count), key=lambda i: len(bsky_data.graph.likes(i)))
    uri = bsky_data.uri(post)
    recorded = recording("bluesky/likes_2_pages.json")[0]
    body = _conforms(recorded, sandbox.get(XRPC + f"app.bsky.feed.getLikes?uri={uri}&limit=25"), "likes")
    assert body["uri"] == uri and re.fullmatch(TIMESTAMP, body["cursor"])
    recorded = recording("bluesky/reposted_by_2_pages.json")
    post = max(range(bsky_data.count), key=lambda i: len(bsky_data.graph.reposts(i)))
    uri = bsky_data.uri(post)
    first = _conforms(recorded[0], sandbox.get(XRPC + f"app.bsky.feed.getRepostedBy?uri={uri}&limit=3"), "repostedBy", 3)
    assert first["cursor"] == first["repostedBy"][-1]["did"]
    assert recorded[0].json()["cursor"] == recorded[0].json()["repostedBy"][-1]["did"]
    rest = len(bsky_data.graph.reposts(post)) - 3
    last = _conforms(recorded[1], sandbox.get(XRPC + f"app.bsky.feed.getRepostedBy?uri={uri}&limit={rest}"
                                              f"&cursor={first['cursor']}"), "repostedBy", rest)
    assert "cursor" not in last and "cursor" not in recorded[1].json()


def test_search_actors(sandbox, bsky_data):
    recorded = recording("bluesky/search_actors.json")[0]
    handle = bsky_data.handle(7)
    body = _conforms(recorded, sandbox.get(XRPC + f"app.bsky.actor.searchActors?q={handle}&limit=25"), "actors", 1)
    assert "cursor" not in body
