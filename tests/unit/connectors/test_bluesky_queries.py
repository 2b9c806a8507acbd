"""Each Bluesky query on its real recorded answer: the request it makes, the records, the cursor."""

import pytest

import ingest.connectors as connectors
from ingest.errors import ParameterError
from tests.recordings import recording
from tests.unit.connectors.support import from_exchange, json_response

bsky = connectors.get("bluesky")
XRPC = "https://public.api.bsky.app/xrpc/"
JBG = "did:plc:ntd53albt5ffa4rgervvgibd"
ATR_POST = f"at://{JBG}/app.bsky.feed.post/3kbi55xm6u62v"


def first_page(recorded: str, index: int = 0, **params):
    spec = bsky.validate(params)
    [request] = bsky.start(spec)
    return spec, request, bsky.parse(request, from_exchange(recording(recorded)[index]), spec)


def test_home_timeline_needs_a_credential_and_follows_its_timestamp_cursor():
    with pytest.raises(ParameterError, match="needs credential="):
        bsky.validate({"timeline": True})
    spec, request, page = first_page("bluesky/timeline.json", timeline=True, credential="me")
    # with a credential the calls go to the account's server, as the recording's did: the public
    # AppView takes no access token
    assert (request.url, request.params) == ("https://bsky.social/xrpc/app.bsky.feed.getTimeline", {"limit": 100})
    assert len(page.records) == 25 and {r.collection for r in page.records} == {"bsky_posts"}
    assert page.records[0].key == "at://did:plc:4mrjgwrrbiuspxc5wo3nnspj/app.bsky.feed.post/3lt4t5epmvk2i"
    assert page.next.params == {"limit": 100, "cursor": "2025-07-04T08:28:01.466Z"}
    assert bsky.query_key(spec) == "timeline:me@bsky.social"


def test_feed_generator_passes_its_opaque_cursor_back_unchanged():
    generator = "at://did:plc:2zcfjzyocp6kapg6jc4eacok/app.bsky.feed.generator/aaaeckvqc3gzg"
    spec, request, page = first_page("bluesky/feed.json", feed=generator)
    assert (request.url, request.params) == (XRPC + "app.bsky.feed.getFeed", {"limit": 100, "feed": generator})
    assert len(page.records) == 25
    assert page.records[-1].key == "at://did:plc:bkcmwfvoqsf7lxf77l772zur/app.bsky.feed.post/3lt3vuuihxk23"
    assert page.next.params["cursor"] == recording("bluesky/feed.json")[0].json()["cursor"]


def test_a_feed_generator_is_read_to_the_end_under_since_since_its_order_is_its_own():
    generator = "at://did:plc:2zcfjzyocp6kapg6jc4eacok/app.bsky.feed.generator/aaaeckvqc3gzg"
    spec, _, page = first_page("bluesky/feed.json", feed=generator, since="2030-01-01")
    assert page.records == [] and page.next is not None


def test_list_feed():
    members = "at://did:plc:ragtjsm2j2vknwkz3zp4oxrd/app.bsky.graph.list/3kmokjyuflk2g"
    spec, request, page = first_page("bluesky/list_feed.json", list_uri=members, limit=30)
    assert (request.url, request.params) == (XRPC + "app.bsky.feed.getListFeed", {"limit": 30, "list": members})
    assert len(page.records) == 10
    assert page.next.params == {"limit": 20, "list": members, "cursor": "2025-05-22T03:45:30.576Z"}


def test_author_feed_sends_every_filter():
    for name in ("posts_with_replies", "posts_no_replies", "posts_with_media", "posts_and_author_threads",
                 "posts_with_video"):
        [request] = bsky.start(bsky.validate({"actor": "a.bsky.social", "filter": name}))
        assert request.params["filter"] == name
    spec, _, page = first_page("bluesky/author_feed.json", actor="chriskenny.bsky.social", filter="posts_with_video")
    assert len(page.records) == 50 and page.next.params["filter"] == "posts_with_video"


def test_post_thread_is_stored_as_posts_and_the_tree_of_their_nodes():
    spec, request, page = first_page("bluesky/post_thread.json", thread=ATR_POST, thread_depth=10, parent_height=2)
    assert (request.url, request.params) == (
        XRPC + "app.bsky.feed.getPostThread", {"uri": ATR_POST, "depth": 10, "parentHeight": 2})
    posts = [r.key for r in page.records if r.collection == "bsky_posts"]
    assert posts == [ATR_POST, f"at://{JBG}/app.bsky.feed.post/3kbi56mwx5j2q",
                     f"at://{JBG}/app.bsky.feed.post/3kbi57u4sys2l", f"at://{JBG}/app.bsky.feed.post/3kbi5dzaujr2n"]
    nodes = [r.payload for r in page.records if r.collection == "bsky_thread_nodes"]
    assert [(n["uri"], n["parent"], n["depth"]) for n in nodes] == [
        (posts[0], None, 0), (posts[1], posts[0], 1), (posts[2], posts[1], 2), (posts[3], posts[2], 3)]
    assert {n["thread"] for n in nodes} == {ATR_POST} and nodes[0]["type"] == "threadViewPost"
    assert [r.key for r in page.records if r.collection == "bsky_thread_nodes"][1] == f"{ATR_POST}|{posts[1]}"
    assert page.next is None and page.children == []
    assert [c.name for c in bsky.collections_for(spec)] == ["bsky_posts", "bsky_thread_nodes"]


def test_thread_ancestors_come_first_with_negative_depths_and_missing_posts_stay_nodes():
    anchor = "at://did:plc:a/app.bsky.feed.post/3"
    thread = {"$type": "app.bsky.feed.defs#threadViewPost", "post": {"uri": anchor},
              "parent": {"$type": "app.bsky.feed.defs#threadViewPost", "post": {"uri": "at://p/2"},
                         "parent": {"$type": "app.bsky.feed.defs#notFoundPost", "uri": "at://p/1", "notFound": True}},
              "replies": [{"$type": "app.bsky.feed.defs#blockedPost", "uri": "at://p/4", "blocked": True}]}
    spec = bsky.validate({"thread": anchor})
    page = bsky.parse(bsky.start(spec)[0], json_response({"thread": thread}), spec)
    nodes = [r.payload for r in page.records if r.collection == "bsky_thread_nodes"]
    assert [(n["uri"], n["parent"], n["depth"], n["type"]) for n in nodes] == [
        ("at://p/1", None, -2, "notFoundPost"), ("at://p/2", "at://p/1", -1, "threadViewPost"),
        (anchor, "at://p/2", 0, "threadViewPost"), ("at://p/4", anchor, 1, "blockedPost")]
    assert [r.key for r in page.records if r.collection == "bsky_posts"] == ["at://p/2", anchor]


@pytest.mark.parametrize("param, recorded, items, cursor", [
    ("followers_of", "bluesky/followers.json", "followers", "3lktasir3le2j"),
    ("follows_of", "bluesky/follows.json", "follows", "3lcbepc6gt32f"),
])
def test_followers_and_follows_are_actors_with_the_edge_to_the_subject(param, recorded, items, cursor):
    spec, request, page = first_page(recorded, **{param: "chriskenny.bsky.social"})
    method = "getFollowers" if param == "followers_of" else "getFollows"
    assert (request.url, request.params) == (XRPC + f"app.bsky.graph.{method}",
                                             {"limit": 100, "actor": "chriskenny.bsky.social"})
    body = recording(recorded)[0].json()
    actors = [r for r in page.records if r.collection == "bsky_actors"]
    assert [r.key for r in actors] == [a["did"] for a in body[items]] and len(actors) == 48
    assert body["subject"]["did"] not in [r.key for r in actors]
    edges = [r.payload for r in page.records if r.collection == "bsky_follows"]
    subject = "did:plc:wpe35pganb6d4pg4ekmfy6u5"
    if param == "followers_of":
        assert edges[0] == {"follower": "did:plc:bv65fgjvl2xbzcpwbomsqahm", "followed": subject}
    else:
        assert {e["follower"] for e in edges} == {subject} and len(edges) == 48
    assert page.next.params["cursor"] == cursor


def test_likes_follow_a_cursor_on_a_short_page_and_stop_on_a_page_without_one():
    exchanges = recording("bluesky/likes_2_pages.json")
    spec = bsky.validate({"likes_of": ATR_POST, "limit": 1000})
    [request] = bsky.start(spec)
    page = bsky.parse(request, from_exchange(exchanges[0]), spec)
    assert len(page.records) == 24
    first = page.records[0]
    assert first.key == f"did:plc:jlebfjaufsd5cuxik5k4h5c4|{ATR_POST}"
    assert first.payload["subject"] == {"uri": ATR_POST} and first.payload["createdAt"] == "2025-03-13T17:16:46.860Z"
    assert page.next.params == {"uri": ATR_POST, "limit": 100, "cursor": "2023-10-16T19:38:58.807Z"}
    assert page.watermark == {"since": "2025-03-13T17:16:46.860000Z"}
    second = bsky.parse(page.next, from_exchange(exchanges[1]), spec)
    assert len(second.records) == 25 and second.next.params["cursor"] == "2023-10-11T14:13:40.26Z"
    assert second.next.context["emitted"] == 49
    last = bsky.parse(second.next, json_response({"likes": [], "uri": ATR_POST}), spec)
    assert last.next is None


def test_likes_stop_at_since():
    spec = bsky.validate({"likes_of": ATR_POST, "since": "2023-10-18T00:00:00Z"})
    page = bsky.parse(bsky.start(spec)[0], from_exchange(recording("bluesky/likes_2_pages.json")[0]), spec)
    assert len(page.records) == 16 and page.next is None


def test_reposted_by_cursor_is_a_did_and_the_end_is_a_page_without_cursor():
    exchanges = recording("bluesky/reposted_by_2_pages.json")
    spec = bsky.validate({"reposts_of": ATR_POST, "limit": 25})
    [request] = bsky.start(spec)
    assert (request.url, request.params) == (XRPC + "app.bsky.feed.getRepostedBy", {"limit": 25, "uri": ATR_POST})
    page = bsky.parse(request, from_exchange(exchanges[0]), spec)
    assert len(page.records) == 24 and {r.collection for r in page.records} == {"bsky_actors"}
    assert page.next.params == {"uri": ATR_POST, "limit": 1, "cursor": "did:plc:5gebf7niwfkwbjbnyeklqggw"}
    spec = bsky.validate({"reposts_of": ATR_POST})
    second = bsky.parse(page.next, from_exchange(exchanges[1]), spec)
    assert [r.key for r in second.records][0] == "did:plc:46yyakot3byghwqc6rhmqzqd" and len(second.records) == 4
    assert second.next is None


def test_actor_search():
    spec, request, page = first_page("bluesky/search_actors.json", actors="JBGruber")
    assert (request.url, request.params) == (XRPC + "app.bsky.actor.searchActors", {"limit": 100, "q": "JBGruber"})
    assert [r.payload["handle"] for r in page.records] == [
        "r-bloggers.bsky.social", "schwabenschau.bsky.social", "jbgruber.bsky.social"]
    assert page.next is None


def test_post_search_narrowed_by_author_tag_lang_and_time():
    spec, request, page = first_page("bluesky/search_posts.json", q="redistricting", sort="top", lang="en",
                                     author="chriskenny.bsky.social", tag="#maps", since="2025-01-01",
                                     until="2025-06-01")
    assert request.params == {"limit": 100, "q": "redistricting", "sort": "top", "lang": "en",
                              "author": "chriskenny.bsky.social", "tag": "maps",
                              "since": "2025-01-01T00:00:00Z", "until": "2025-06-01T00:00:00Z"}
    assert len(page.records) == 25 and page.next.params["cursor"] == "25"
    assert bsky.query_key(spec) == "search:redistricting:top:lang=en:author=chriskenny.bsky.social:tag=maps@public.api.bsky.app"


@pytest.mark.parametrize("params, message", [
    ({"q": "x", "followers_of": "a.bsky.social"}, "got q, followers_of"),
    ({}, "got none"),
    ({"feed": "at://did:plc:a/app.bsky.graph.list/1"}, "feed must be an AT URI of a app.bsky.feed.generator"),
    ({"thread": "https://bsky.app/profile/a.bsky.social/post/3kb"},
     "pass thread='at://a.bsky.social/app.bsky.feed.post/3kb'"),
    ({"likes_of": "3kbi55xm6u62v"}, "likes_of must be an AT URI"),
    ({"actor": "a.bsky.social", "lang": "en"}, "lang='en' narrow a post search only"),
    ({"feed": "at://did:plc:a/app.bsky.feed.generator/g", "sort": "top"}, "sort='top' narrow a post search only"),
    ({"q": "x", "filter": "posts_with_media"}, "filter='posts_with_media' applies to an author feed only"),
    ({"followers_of": "a.bsky.social", "with_threads": True}, "drop with_threads"),
    ({"actor": "a.bsky.social", "parent_height": 3}, "parent_height applies to thread="),
    ({"likes_of": ATR_POST, "thread_depth": 3}, "thread_depth applies to"),
    ({"follows_of": "a.bsky.social", "since": "2025-01-01"}, "since cannot bound follows_of="),
    ({"thread": ATR_POST, "incremental": True}, "incremental cannot bound thread="),
    ({"actors": "x", "until": "2025-01-01"}, "until cannot bound actors="),
])
def test_nonsense_combinations_are_refused_with_the_fix(params, message):
    with pytest.raises(ParameterError, match=message.replace("(", r"\(").replace("?", r"\?")):
        bsky.validate(params)


def test_a_spec_stored_before_the_new_queries_still_names_its_collections():
    old = {"q": "x", "actor": None, "sort": "latest", "lang": None, "filter": "posts_with_replies",
           "with_threads": False, "thread_depth": 6}
    assert [c.name for c in bsky.collections_for(old)] == ["bsky_posts"]
