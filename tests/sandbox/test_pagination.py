"""Walking every page returns every item exactly once and ends the way the real API ends."""

from __future__ import annotations

import re

TOKEN = "walker"


def _next_link(response) -> str | None:
    match = re.search(r'<([^>]+)>; rel="next"', response.headers.get("link", ""))
    return match.group(1) if match else None


def walk_link_pages(sandbox, path: str, token: str | None = None, key: str = "id") -> tuple[list[str], object]:
    seen, url, last = [], path, None
    while url:
        last = sandbox.get(url, token=token)
        assert last.status_code == 200
        seen.extend(str(item[key]) for item in last.json())
        url = _next_link(last)
    return seen, last


def test_mastodon_tag_timeline_walk(sandbox):
    path = "/mastodon/api/v1/timelines/tag/python"
    seen, last = walk_link_pages(sandbox, path + "?limit=40")
    assert seen == sandbox.truth(path)
    assert len(seen) == len(set(seen)) > 200
    assert last.json() == [] and "link" not in last.headers
    assert [int(i) for i in seen] == sorted((int(i) for i in seen), reverse=True)


def test_mastodon_public_local_and_account_walks(sandbox):
    for path in ("/mastodon/api/v1/timelines/public?local=true&only_media=true",):
        seen, _ = walk_link_pages(sandbox, path + "&limit=40")
        assert seen == sandbox.truth(path) and len(seen) == len(set(seen)) > 40
    first = sandbox.get("/mastodon/api/v1/timelines/public?limit=1").json()[0]
    account_path = f"/mastodon/api/v1/accounts/{first['account']['id']}/statuses"
    seen, _ = walk_link_pages(sandbox, account_path + "?limit=40")
    assert seen == sandbox.truth(account_path)
    assert len(seen) == first["account"]["statuses_count"]


def test_mastodon_since_and_min_id_windows(sandbox):
    ids = sandbox.truth("/mastodon/api/v1/timelines/tag/rust")
    since = sandbox.get(f"/mastodon/api/v1/timelines/tag/rust?since_id={ids[10]}&limit=40").json()
    assert [s["id"] for s in since] == ids[:10]
    above = sandbox.get(f"/mastodon/api/v1/timelines/tag/rust?min_id={ids[10]}&limit=3").json()
    assert [s["id"] for s in above] == ids[7:10]


def test_reddit_listing_walk_ends_with_after_null(sandbox):
    for path in ("/reddit/r/python/new", "/reddit/r/askreddit/top?t=all", "/reddit/r/python/hot"):
        seen, after = [], None
        while True:
            query = "&" if "?" in path else "?"
            url = f"{path}{query}limit=100" + (f"&after={after}" if after else "")
            data = sandbox.get(url, token=TOKEN).json()["data"]
            seen.extend(child["data"]["name"] for child in data["children"])
            after = data["after"]
            if after is None:
                break
        assert seen == sandbox.truth(path)
        assert len(seen) == len(set(seen)) > 100


def test_reddit_comment_tree_walk_with_morechildren(sandbox):
    listing = sandbox.get("/reddit/r/python/top?t=all&limit=100", token=TOKEN).json()
    post = max(listing["data"]["children"], key=lambda c: c["data"]["num_comments"])["data"]
    tree = sandbox.get(f"/reddit/comments/{post['id']}?limit=5&depth=3", token=TOKEN).json()
    seen, pending = [], []

    def collect(children):
        for child in children:
            if child["kind"] == "more":
                pending.extend(child["data"]["children"])
            else:
                seen.append(child["data"]["name"])
                if child["data"].get("replies"):
                    collect(child["data"]["replies"]["data"]["children"])

    collect(tree[1]["data"]["children"])
    assert pending, "a small limit leaves more stubs"
    while pending:
        batch, pending[:] = pending[:100], pending[100:]
        answer = sandbox.get(f"/reddit/api/morechildren?link_id={post['name']}&children={','.join(batch)}",
                             token=TOKEN).json()
        collect(answer["json"]["data"]["things"])
    assert sorted(seen) == sorted(sandbox.truth(f"/reddit/comments/{post['id']}"))
    assert len(seen) == len(set(seen)) == post["num_comments"]


def test_hacker_news_story_walk_through_kids(sandbox):
    top = sandbox.get("/hn/v0/topstories.json").json()
    assert len(top) == len(set(top)) == 500
    story = max((sandbox.get(f"/hn/v0/item/{i}.json").json() for i in top[:60]),
                key=lambda item: item.get("descendants", 0))
    seen, stack = [], [story["id"]]
    while stack:
        item = sandbox.get(f"/hn/v0/item/{stack.pop()}.json").json()
        seen.append(str(item["id"]))
        stack.extend(item.get("kids", []))
    assert sorted(seen) == sorted(sandbox.truth(f"/hn/v0/item/{story['id']}.json"))
    assert len(seen) == story["descendants"] + 1


def _walk_cursor(sandbox, path: str, field: str) -> tuple[list[str], dict]:
    seen, cursor = [], None
    while True:
        body = sandbox.get(path + (f"&cursor={cursor}" if cursor else "")).json()
        seen.extend((item["post"] if field == "feed" else item)["uri"] for item in body[field])
        cursor = body.get("cursor")
        if cursor is None:
            return seen, body


def test_bluesky_search_and_feed_walks_end_without_cursor(sandbox):
    seen, last = _walk_cursor(sandbox, "/bsky/xrpc/app.bsky.feed.searchPosts?q=climate&limit=100", "posts")
    assert seen == sandbox.truth("/bsky/xrpc/app.bsky.feed.searchPosts?q=climate")
    assert len(seen) == len(set(seen)) > 100 and "cursor" not in last
    actor = sandbox.get("/bsky/xrpc/app.bsky.feed.searchPosts?q=python&limit=1").json()["posts"][0]["author"]["handle"]
    path = f"/bsky/xrpc/app.bsky.feed.getAuthorFeed?actor={actor}"
    seen, last = _walk_cursor(sandbox, path + "&limit=7", "feed")
    assert seen == sandbox.truth(path) and len(seen) == len(set(seen)) > 7


def test_github_issue_walk_and_single_page(sandbox):
    path = "/github/repos/octocat/hello-world/issues"
    seen, last = walk_link_pages(sandbox, path + "?state=all&per_page=7")
    truth = sandbox.truth(path + "?state=all")
    assert seen == truth and len(seen) == len(set(seen)) > 7
    assert 'rel="next"' not in last.headers["link"] and 'rel="prev"' in last.headers["link"]
    whole = sandbox.get(path + "?state=all&per_page=100")
    assert len(whole.json()) == len(truth) < 100
    assert "link" not in whole.headers
