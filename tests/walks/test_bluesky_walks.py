"""Each Bluesky query walked to its end against the sandbox: exactly the truth's ids, in order,
with the fewest calls its paging allows."""

import math

import pytest

from ingest.errors import FetchError
from tests.connector_walk import walk

XRPC = "/bsky/xrpc/"


@pytest.fixture
def bsky(sandbox, walk_server):
    sandbox.base = sandbox.url + "/bsky"
    sandbox.data = walk_server.state.datasets["bsky"]
    return sandbox


def pages(count: int, size: int) -> int:
    """Calls to read `count` items `size` a page, when the last full page still has a cursor."""
    return max(1, math.ceil(count / size)) if count % size else count // size + 1


def test_home_timeline_with_a_token_reads_every_post_and_repost(bsky):
    truth = bsky.truth(XRPC + "app.bsky.feed.getTimeline")
    result = walk("bluesky", secret="token", base_url=bsky.base, timeline=True, credential="me", limit=450)
    assert result.keys("bsky_posts") == truth[:450]
    assert result.calls == 5


def test_home_timeline_without_a_token_is_refused(bsky):
    with pytest.raises(FetchError, match="401"):
        walk("bluesky", base_url=bsky.base, timeline=True, credential="me")


def test_feed_generator_walks_its_opaque_cursor_to_the_end(bsky):
    generator = bsky.data.graph.feed_uri(3)
    truth = bsky.truth(XRPC + "app.bsky.feed.getFeed?feed=" + generator)
    result = walk("bluesky", base_url=bsky.base, feed=generator)
    assert result.keys() == truth and len(truth) > 100
    assert result.calls == pages(len(truth), 100)


def test_list_feed(bsky):
    members = bsky.data.graph.list_uri(2)
    truth = bsky.truth(XRPC + "app.bsky.feed.getListFeed?list=" + members)
    result = walk("bluesky", base_url=bsky.base, list_uri=members)
    assert result.keys() == truth and len(truth) > 100
    assert result.calls == pages(len(truth), 100)


@pytest.mark.parametrize("name", ["posts_with_replies", "posts_no_replies", "posts_with_media",
                                  "posts_and_author_threads", "posts_with_video"])
def test_author_feed_with_each_filter(bsky, name):
    actor = bsky.data.handle(0)
    truth = bsky.truth(XRPC + f"app.bsky.feed.getAuthorFeed?actor={actor}&filter={name}")
    result = walk("bluesky", base_url=bsky.base, actor=actor, filter=name)
    assert result.keys() == truth and truth
    assert result.calls == max(1, math.ceil(len(truth) / 100))


def test_post_thread_is_the_tree_from_its_top_ancestor(bsky):
    data = bsky.data
    children = data.children()
    post = next(i for i in range(data.count) if data.parents[i] >= 0 and data.parents[data.parents[i]] >= 0
                and len(children.get(i, ())) >= 2 and any(children.get(c) for c in children[i]))
    uri = data.uri(post)
    truth = bsky.truth(XRPC + f"app.bsky.feed.getPostThread?uri={uri}&depth=1000&parentHeight=1")
    result = walk("bluesky", base_url=bsky.base, thread=uri, thread_depth=1000, parent_height=1)
    assert result.keys("bsky_posts") == truth and result.calls == 1
    nodes = {n.payload["uri"]: n.payload for n in result.records if n.collection == "bsky_thread_nodes"}
    assert list(nodes) == truth
    assert nodes[uri]["depth"] == 0 and nodes[uri]["parent"] == data.uri(data.parents[post])
    assert nodes[data.uri(data.parents[post])] == {"thread": uri, "uri": data.uri(data.parents[post]),
                                                   "parent": None, "depth": -1, "type": "threadViewPost"}
    for child in children[post]:
        assert nodes[data.uri(child)]["parent"] == uri and nodes[data.uri(child)]["depth"] == 1


@pytest.mark.parametrize("param, method", [("followers_of", "app.bsky.graph.getFollowers"),
                                           ("follows_of", "app.bsky.graph.getFollows")])
def test_followers_and_follows_page_by_record_key(bsky, param, method):
    actor = bsky.data.handle(0) if param == "followers_of" else bsky.data.handle(5)
    truth = bsky.truth(XRPC + f"{method}?actor={actor}")
    result = walk("bluesky", base_url=bsky.base, **{param: actor}, limit=len(truth) + 10)
    assert result.keys("bsky_actors") == truth and len(truth) > 10
    subject = bsky.data.did(bsky.data.actor_index(actor))
    edges = [r.key for r in result.records if r.collection == "bsky_follows"]
    expected = [f"{did}|{subject}" if param == "followers_of" else f"{subject}|{did}" for did in truth]
    assert edges == expected
    assert result.calls == pages(len(truth), 100)


def test_follow_lists_small_pages(bsky):
    actor = bsky.data.handle(0)
    truth = bsky.truth(XRPC + f"app.bsky.graph.getFollowers?actor={actor}")
    result = walk("bluesky", base_url=bsky.base, followers_of=actor, limit=len(truth) - 1)
    assert result.keys("bsky_actors") == truth[:-1]
    assert result.calls == 1


def _most_liked(data) -> int:
    return max(range(data.count), key=lambda i: (len(data.graph.likes(i)), i))


def test_likes_follow_cursors_past_short_pages_to_a_page_without_one(bsky):
    data = bsky.data
    post = _most_liked(data)
    uri = data.uri(post)
    truth = bsky.truth(XRPC + f"app.bsky.feed.getLikes?uri={uri}")
    hidden = len(data.graph.likes(post)) - len(truth)
    assert hidden > 0, "some likers are taken down, so some pages come short"
    result = walk("bluesky", base_url=bsky.base, likes_of=uri, limit=10_000)
    assert result.keys("bsky_likes") == truth
    assert result.requests[1].context["emitted"] < 100, "the first page came short and its cursor was followed"
    assert result.calls == math.ceil(len(data.graph.likes(post)) / 100)


def test_reposted_by_pages_by_did(bsky):
    data = bsky.data
    post = max(range(data.count), key=lambda i: (len(data.graph.reposts(i)), i))
    uri = data.uri(post)
    truth = bsky.truth(XRPC + f"app.bsky.feed.getRepostedBy?uri={uri}")
    assert len(truth) > 5
    result = walk("bluesky", base_url=bsky.base, reposts_of=uri)
    assert result.keys("bsky_actors") == truth and result.calls == 1


def test_search_posts_narrowed_by_author_tag_lang_and_time(bsky):
    author = bsky.data.handle(1)
    query = "q=python&tag=music&author=" + author
    truth = bsky.truth(XRPC + "app.bsky.feed.searchPosts?" + query)
    result = walk("bluesky", base_url=bsky.base, q="python", tag="music", author=author)
    assert result.keys() == truth and truth
    dated = bsky.truth(XRPC + "app.bsky.feed.searchPosts?q=python&lang=en&sort=top"
                       "&since=2025-05-31T04:00:00Z&until=2025-05-31T22:00:00Z")
    result = walk("bluesky", base_url=bsky.base, q="python", lang="en", sort="top",
                  since="2025-05-31T04:00:00Z", until="2025-05-31T22:00:00Z")
    assert result.keys() == dated and len(dated) > 100
    assert result.calls == pages(len(dated), 100)


def test_actor_search(bsky):
    word = bsky.data.handle(0).split("-")[0]
    truth = bsky.truth(XRPC + f"app.bsky.actor.searchActors?q={word}")
    result = walk("bluesky", base_url=bsky.base, actors=word, limit=len(truth))
    assert result.keys("bsky_actors") == truth and len(truth) > 1
    assert result.calls == 1
