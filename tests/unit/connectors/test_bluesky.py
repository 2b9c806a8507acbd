import ingest.connectors as connectors
from tests.recordings import recording
from tests.unit.connectors.support import from_exchange, json_response

bsky = connectors.get("bluesky")


def test_search_posts_records_cursor_and_limits():
    spec = bsky.validate({"q": "redistricting"})
    [request] = bsky.start(spec)
    assert (request.url, request.params) == (
        "https://public.api.bsky.app/xrpc/app.bsky.feed.searchPosts", {"limit": 100, "q": "redistricting", "sort": "latest"})
    response = from_exchange(recording("bluesky/search_posts.json")[0])
    page = bsky.parse(request, response, spec)
    assert len(page.records) == 25
    assert page.records[0].key == "at://did:plc:kkergqgbhb56ptpwj2wenkje/app.bsky.feed.post/3lpk2u6qo222m"
    assert page.records[0].collection == "bsky_posts"
    assert page.next.params["cursor"] == "25"
    assert page.watermark == {"since": "2025-05-19T17:10:09.561858Z"}
    reading = bsky.read_limits(response, now=1747676700.0)
    assert (reading.limit, reading.remaining, reading.reset_after, reading.window) == (3000.0, 2983.0, 84.0, 300.0)


def test_author_feed_timestamp_cursor_and_repost_positions():
    spec = bsky.validate({"actor": "chriskenny.bsky.social"})
    [request] = bsky.start(spec)
    assert request.params == {"limit": 100, "actor": "chriskenny.bsky.social", "filter": "posts_with_replies"}
    page = bsky.parse(request, from_exchange(recording("bluesky/author_feed.json")[0]), spec)
    assert len(page.records) == 50
    assert page.next.params["cursor"] == "2024-03-21T23:36:16.378Z"
    assert page.records[-1].key == "at://did:plc:wpe35pganb6d4pg4ekmfy6u5/app.bsky.feed.post/3koakqbeoil22"


def test_since_drops_old_posts_and_stops_the_feed():
    spec = bsky.validate({"actor": "chriskenny.bsky.social", "since": "2025-04-01T00:00:00Z"})
    page = bsky.parse(bsky.start(spec)[0], from_exchange(recording("bluesky/author_feed.json")[0]), spec)
    assert len(page.records) == 10
    assert page.next is None


def test_search_passes_since_until_and_the_watermark_natively():
    spec = bsky.validate({"q": "python", "since": "2025-01-01", "until": "2025-02-01", "incremental": True})
    [request] = bsky.start(spec, {"since": "2025-01-15T10:00:00Z"})
    assert request.params["since"] == "2025-01-15T10:00:00Z"
    assert request.params["until"] == "2025-02-01T00:00:00Z"
    assert bsky.merge_watermarks({"since": "2025-01-15T10:00:00Z"}, {"since": "2025-01-14T00:00:00Z"}) == {
        "since": "2025-01-15T10:00:00Z"}


def test_threads_for_posts_with_replies():
    spec = bsky.validate({"q": "redistricting", "with_threads": True, "thread_depth": 3})
    page = bsky.parse(bsky.start(spec)[0], from_exchange(recording("bluesky/search_posts.json")[0]), spec)
    with_replies = [r.key for r in page.records if r.payload.get("replyCount")]
    assert len(with_replies) == 9
    assert [c.params["uri"] for c in page.children] == with_replies
    assert page.children[0].params["depth"] == 3 and page.children[0].params["parentHeight"] == 0
    thread = {"thread": {"$type": "app.bsky.feed.defs#threadViewPost", "post": {"uri": "at://a/p/1"},
                         "replies": [{"post": {"uri": "at://a/p/2"}, "replies": [{"post": {"uri": "at://a/p/3"}}]},
                                     {"$type": "app.bsky.feed.defs#notFoundPost", "uri": "at://a/p/4"}]}}
    parsed = bsky.parse(page.children[0], json_response(thread), spec)
    assert [r.key for r in parsed.records] == ["at://a/p/1", "at://a/p/2", "at://a/p/3"]


def test_no_cursor_is_the_end():
    spec = bsky.validate({"q": "x"})
    page = bsky.parse(bsky.start(spec)[0], json_response({"posts": [{"uri": "at://a/p/1"}]}), spec)
    assert page.next is None
