import ingest.connectors as connectors
from tests.recordings import recording
from tests.unit.connectors.support import from_exchange, json_response

reddit = connectors.get("reddit")


def test_subreddit_new_listing_records_and_after():
    spec = reddit.validate({"subreddit": "askreddit"})
    request = reddit.start(spec)[0]
    assert (request.url, request.params) == ("https://oauth.reddit.com/r/askreddit/new", {"limit": 100, "raw_json": 1})
    page = reddit.parse(request, from_exchange(recording("reddit/subreddit_new.json")[0]), spec)
    assert len(page.records) == 100
    assert {r.collection for r in page.records} == {"reddit_posts"}
    assert (page.records[0].key, page.records[-1].key) == ("t3_48fbm9", "t3_48f6io")
    assert page.next.params == {"limit": 100, "raw_json": 1, "after": "t3_48f6io"}
    assert page.watermark == {"before": "t3_48fbm9", "created_utc": 1456821458.0}


def test_subreddit_comments_pages_and_rate_limit_reading():
    first, last = recording("reddit/subreddit_comments.json")
    spec = reddit.validate({"subreddit": "python", "listing": "comments"})
    request = reddit.start(spec)[0]
    page = reddit.parse(request, from_exchange(first), spec)
    assert len(page.records) == 100 and {r.collection for r in page.records} == {"reddit_comments"}
    assert page.next.params["after"] == "t1_k3uzsxu"
    end = reddit.parse(page.next, from_exchange(last), spec)
    assert len(end.records) == 95 and end.next is None
    reading = reddit.read_limits(from_exchange(first), now=0.0)
    assert (reading.limit, reading.remaining, reading.reset_after, reading.window) == (600.0, 599.0, 525.0, 600.0)


def test_since_stops_a_newest_first_listing():
    spec = reddit.validate({"subreddit": "askreddit", "since": "2016-03-01T08:00:00Z"})
    page = reddit.parse(reddit.start(spec)[0], from_exchange(recording("reddit/subreddit_new.json")[0]), spec)
    assert page.next is None
    assert all(r.created_at.isoformat() >= "2016-03-01T08:00:00" for r in page.records)
    assert len(page.records) == 68


def test_with_comments_asks_for_each_commented_posts_tree():
    spec = reddit.validate({"subreddit": "askreddit", "with_comments": True, "limit": 3})
    page = reddit.parse(reddit.start(spec)[0], from_exchange(recording("reddit/subreddit_new.json")[0]), spec)
    assert len(page.records) == 3 and page.next is None
    assert [(c.url, c.params, c.target) for c in page.children] == [
        (f"https://oauth.reddit.com/comments/{i}", {"limit": 500, "raw_json": 1}, ("reddit_posts", f"t3_{i}"))
        for i in ("48fbm9", "48fbig", "48fbgl")]


def test_comment_thread_flattens_and_more_stubs_become_morechildren():
    spec = reddit.validate({"subreddit": "redditdev", "with_comments": True})
    request = reddit.start(spec)[0]
    listing = {"kind": "Listing", "data": {"after": None, "children": [
        {"kind": "t3", "data": {"name": "t3_98vj9e", "id": "98vj9e", "created_utc": 1534785690.0, "num_comments": 30}}]}}
    comments_request = reddit.parse(request, json_response(listing), spec).children[0]
    exchange = recording("reddit/comment_thread.json")[1]
    page = reddit.parse(comments_request, from_exchange(exchange), spec)
    assert [r.key for r in page.records] == ["t3_98vj9e", "t1_e4j4830", "t1_e7q58bn", "t1_e4uaa59", "t1_e4uhrr8"]
    assert all("replies" not in r.payload for r in page.records[1:])
    [more] = page.children
    assert (more.kind, more.url, more.depth) == ("morechildren", "https://oauth.reddit.com/api/morechildren", 2)
    assert more.params == {"api_type": "json", "link_id": "t3_98vj9e", "raw_json": 1,
                           "children": "e4ulzqx,e4j4fhz,e4jjt2i,e4jbdej,e4lpsbh,e4j98vr"}


def test_morechildren_batches_at_most_100_ids_and_follows_nested_stubs():
    spec = reddit.validate({"subreddit": "redditdev", "with_comments": True})
    parent = reddit.start(spec)[0]
    comments_request = parent.__class__("comments", "https://oauth.reddit.com/comments/abc", {},
                                        depth=1, context={"link_id": "t3_abc"})
    ids = [f"c{i}" for i in range(250)]
    tree = [{"kind": "Listing", "data": {"children": [{"kind": "t3", "data": {"name": "t3_abc"}}]}},
            {"kind": "Listing", "data": {"children": [
                {"kind": "more", "data": {"count": 250, "depth": 0, "parent_id": "t3_abc", "children": ids}}]}}]
    page = reddit.parse(comments_request, json_response(tree), spec)
    sizes = [len(c.params["children"].split(",")) for c in page.children]
    assert sizes == [100, 100, 50]
    assert page.children[2].params["children"].split(",")[0] == "c200"
    answer = {"json": {"errors": [], "data": {"things": [
        {"kind": "t1", "data": {"name": "t1_c0", "parent_id": "t3_abc", "replies": ""}},
        {"kind": "more", "data": {"count": 2, "depth": 1, "parent_id": "t1_c0", "children": ["d1", "d2"]}}]}}}
    expanded = reddit.parse(page.children[0], json_response(answer), spec)
    assert [r.key for r in expanded.records] == ["t1_c0"]
    assert [(c.params["children"], c.depth) for c in expanded.children] == [("d1,d2", 3)]


def test_incremental_reads_forward_with_before():
    spec = reddit.validate({"subreddit": "python", "incremental": True})
    request = reddit.start(spec, {"before": "t3_48f6io", "created_utc": 1456818242.0})[0]
    assert request.params == {"limit": 100, "raw_json": 1, "before": "t3_48f6io"}
    page = reddit.parse(request, from_exchange(recording("reddit/subreddit_new.json")[0]), spec)
    assert page.next.params == {"limit": 100, "raw_json": 1, "before": "t3_48fbm9"}
    assert reddit.merge_watermarks({"before": "t3_48f6io", "created_utc": 1456818242.0}, page.watermark) == {
        "before": "t3_48fbm9", "created_utc": 1456821458.0}
    assert reddit.query_key(spec) == "r/python/new@oauth.reddit.com"


def test_oauth_token_only_in_headers():
    spec = reddit.validate({"subreddit": "python", "credential": "reddit_app"})
    assert reddit.headers(spec, "tok")["Authorization"] == "Bearer tok"
    assert spec["credential"] == "reddit_app"
