"""The sandbox answers each recorded request with the recording's keys, types, headers and
pagination fields (ids and names in the request are swapped for ones the sandbox has)."""

from __future__ import annotations

import re

from tests.recordings import recording
from tests.sandbox.shapes import header_names, shape_problems

RATE_HEADER_PREFIXES = ("x-ratelimit-", "ratelimit-", "link", "content-type")
TOKEN = "conformance-token"


def assert_same_headers(recorded, produced) -> None:
    wanted = header_names(recorded.headers, RATE_HEADER_PREFIXES)
    assert wanted <= header_names(produced.headers, RATE_HEADER_PREFIXES)
    assert produced.headers["content-type"].split(";")[0] == recorded.header("content-type").split(";")[0]


def test_mastodon_public_timeline(sandbox):
    recorded = recording("mastodon/public_timeline.json")[-1]
    produced = sandbox.get("/mastodon/api/v1/timelines/public")
    assert produced.status_code == recorded.status == 200
    assert shape_problems([recorded.json()], [produced.json()]) == []
    assert_same_headers(recorded, produced)
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z", produced.headers["x-ratelimit-reset"])
    assert len(produced.json()) == 20
    for header in (recorded.header("link"), produced.headers["link"]):
        assert re.fullmatch(r'<[^>]+\?max_id=\d+>; rel="next", <[^>]+\?min_id=\d+>; rel="prev"', header)


def test_mastodon_tag_timeline_authenticated(sandbox):
    recorded = recording("mastodon/hashtag_timeline.json")[-1]
    produced = sandbox.get("/mastodon/api/v1/timelines/tag/hoot", token=TOKEN)
    assert produced.status_code == 200
    assert produced.json(), "the sandbox has statuses tagged #hoot"
    assert shape_problems([recorded.json()], [produced.json()]) == []
    assert_same_headers(recorded, produced)


def test_reddit_subreddit_new(sandbox):
    recorded = recording("reddit/subreddit_new.json")[0]
    produced = sandbox.get("/reddit/r/askreddit/new?raw_json=1&limit=100", token=TOKEN)
    assert produced.status_code == 200
    body = produced.json()
    assert shape_problems([recorded.json()], [body]) == []
    assert body["kind"] == "Listing" and len(body["data"]["children"]) == 100
    assert re.fullmatch(r"t3_[0-9a-z]+", body["data"]["after"])
    assert body["data"]["before"] is None


def test_reddit_rate_limit_headers(sandbox):
    recorded = recording("reddit/subreddit_comments.json")
    produced = [sandbox.get("/reddit/r/python/new?limit=100", token=TOKEN) for _ in recorded]
    for old, new in zip(recorded, produced):
        assert header_names(old.headers, ("x-ratelimit-",)) == header_names(new.headers, ("x-ratelimit-",))
        assert re.fullmatch(r"\d+\.\d", new.headers["x-ratelimit-remaining"])
        assert new.headers["x-ratelimit-used"].isdigit() and new.headers["x-ratelimit-reset"].isdigit()
    assert [int(r.headers["x-ratelimit-used"]) for r in produced] == [1, 2]
    assert float(produced[0].headers["x-ratelimit-remaining"]) == float(recorded[0].header("x-ratelimit-remaining"))


def _things(listing, kind):
    found = []
    for child in listing["data"]["children"]:
        if child["kind"] == kind:
            found.append(child["data"])
        if child["kind"] == "t1" and child["data"]["replies"]:
            found.extend(_things(child["data"]["replies"], kind))
    return found


def test_reddit_comment_tree(sandbox):
    recorded = recording("reddit/comment_thread.json")[1].json()
    recorded_posts = recorded[0]["data"]["children"] + recording("reddit/subreddit_new.json")[0].json()["data"]["children"]
    post = _post_with_comments(sandbox)
    produced = sandbox.get(f"/reddit/comments/{post}?limit=4&sort=new&raw_json=1", token=TOKEN).json()
    assert len(produced) == 2
    assert shape_problems(recorded_posts, produced[0]["data"]["children"]) == []
    for kind in ("t1", "more"):
        recorded_things, produced_things = _things(recorded[1], kind), _things(produced[1], kind)
        assert produced_things, f"the sandbox tree has {kind} things"
        assert shape_problems(recorded_things, produced_things) == []


def _post_with_comments(sandbox) -> str:
    listing = sandbox.get("/reddit/r/python/top?t=all&limit=100", token=TOKEN).json()
    posts = sorted(listing["data"]["children"], key=lambda c: -c["data"]["num_comments"])
    return posts[0]["data"]["id"]


def test_hacker_news_topstories_and_item(sandbox):
    recorded_list = recording("hackernews/topstories.json")[0]
    produced_list = sandbox.get("/hn/v0/topstories.json")
    assert len(produced_list.json()) == len(recorded_list.json()) == 500
    assert all(isinstance(i, int) for i in produced_list.json())
    assert not header_names(produced_list.headers, ("x-ratelimit-", "ratelimit-"))
    recorded_item = recording("hackernews/item.json")[0]
    story = next(item for item in (sandbox.get(f"/hn/v0/item/{i}.json").json() for i in produced_list.json())
                 if "url" in item and "kids" in item)
    assert shape_problems([recorded_item.json()], [story]) == []
    assert set(story) == set(recorded_item.json())
    assert list(story) == sorted(story), "Firebase sends keys in order"


def test_bluesky_search_posts(sandbox):
    recorded = recording("bluesky/search_posts.json")[0]
    produced = sandbox.get("/bsky/xrpc/app.bsky.feed.searchPosts?q=python")
    body = produced.json()
    assert shape_problems([recorded.json()], [body]) == []
    assert len(body["posts"]) == len(recorded.json()["posts"]) == 25
    assert body["cursor"] == recorded.json()["cursor"] == "25"
    assert_same_headers(recorded, produced)
    assert produced.headers["ratelimit-policy"] == recorded.header("ratelimit-policy")


def test_bluesky_author_feed(sandbox):
    recorded = recording("bluesky/author_feed.json")[0]
    search = sandbox.get("/bsky/xrpc/app.bsky.feed.searchPosts?q=python&limit=100").json()
    handles = [p["author"]["handle"] for p in search["posts"]]
    prolific = max(set(handles), key=handles.count)
    produced = sandbox.get(f"/bsky/xrpc/app.bsky.feed.getAuthorFeed?actor={prolific}")
    body = produced.json()
    assert len(body["feed"]) == 50
    assert shape_problems([recorded.json()], [body]) == []
    timestamp = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"
    assert re.fullmatch(timestamp, recorded.json()["cursor"]) and re.fullmatch(timestamp, body["cursor"])
    assert_same_headers(recorded, produced)


def test_github_pages_and_headers(sandbox):
    recorded = recording("github/search_users_3_pages.json")
    repo = "octocat/hello-world"
    total = len(sandbox.truth(f"/github/repos/{repo}/issues?state=all"))
    per_page = -(-total // 3)
    assert -(-total // per_page) == 3
    produced = [sandbox.get(f"/github/repos/{repo}/issues?state=all&per_page={per_page}&page={page}")
                for page in (1, 2, 3)]
    for old, new in zip(recorded, produced):
        assert header_names(old.headers, ("x-ratelimit-",)) <= header_names(new.headers, ("x-ratelimit-",))
        assert _rels(old.header("link")) == _rels(new.headers["link"])
    assert [int(r.headers["x-ratelimit-remaining"]) for r in produced] == [59, 58, 57]


def _rels(link: str) -> list[str]:
    return sorted(re.findall(r'rel="(\w+)"', link))
