"""Unknown routes answer 404 and bad parameters 400, each in its API's error shape."""

from __future__ import annotations

import pytest

TOKEN = "t"


@pytest.mark.parametrize("path, body", [
    ("/mastodon/api/v1/nothing", {"error": "Not Found"}),
    ("/reddit/api/nothing", {"message": "Not Found", "error": 404}),
    ("/hn/v0/nothing/else", {"error": "Not Found"}),
    ("/bsky/nothing", {"error": "NotFound", "message": "Not Found"}),
    ("/github/nothing", {"message": "Not Found", "documentation_url": "https://docs.github.com/rest/issues/issues#list-repository-issues", "status": "404"}),
])
def test_unknown_route(sandbox, path, body):
    answer = sandbox.get(path, token=TOKEN)
    assert answer.status_code == 404
    assert answer.json() == body


@pytest.mark.parametrize("path, status, shape", [
    ("/mastodon/api/v1/timelines/public?limit=abc", 400, {"error"}),
    ("/mastodon/api/v1/accounts/lookup", 400, {"error"}),
    ("/reddit/r/python/new?limit=abc", 400, {"message", "error"}),
    ("/reddit/r/python/top?t=decade", 400, {"message", "error"}),
    ("/hn/v0/topstories.json?limitToFirst=3", 400, {"error"}),
    ("/hn/v0/topstories.json?orderBy=%22$key%22&limitToFirst=x", 400, {"error"}),
    ("/bsky/xrpc/app.bsky.feed.searchPosts?q=python&limit=101", 400, {"error", "message"}),
    ("/bsky/xrpc/app.bsky.feed.searchPosts", 400, {"error", "message"}),
    ("/bsky/xrpc/app.bsky.feed.getAuthorFeed?actor=x&limit=abc", 400, {"error", "message"}),
    ("/github/repos/octocat/hello-world/issues?state=bogus", 422, {"message", "documentation_url", "status", "errors"}),
])
def test_bad_parameter(sandbox, path, status, shape):
    answer = sandbox.get(path, token=TOKEN)
    assert answer.status_code == status
    assert set(answer.json()) == shape


def test_clamped_limits_are_not_errors(sandbox):
    assert len(sandbox.get("/mastodon/api/v1/timelines/public?limit=1000").json()) == 40
    listing = sandbox.get("/reddit/r/python/new?limit=1000", token=TOKEN).json()
    assert listing["data"]["dist"] == 100
    assert len(sandbox.get("/github/repos/a/b/issues?per_page=500&state=all").json()) <= 100


def test_bluesky_error_codes(sandbox):
    assert sandbox.get("/bsky/xrpc/app.bsky.feed.searchPosts").json()["error"] == "InvalidRequest"
    missing = sandbox.get("/bsky/xrpc/app.bsky.feed.getPostThread?uri=at://did:plc:x/app.bsky.feed.post/y")
    assert missing.status_code == 400 and missing.json()["error"] == "NotFound"
    unknown = sandbox.get("/bsky/xrpc/app.bsky.feed.noSuchMethod")
    assert unknown.status_code == 501 and unknown.json()["error"] == "MethodNotImplemented"


def test_reddit_needs_a_bearer_token(sandbox):
    answer = sandbox.get("/reddit/r/python/new")
    assert answer.status_code == 401
    assert answer.json() == {"message": "Unauthorized", "error": 401}


def test_hacker_news_missing_things_are_null(sandbox):
    for path in ("/hn/v0/item/1.json", "/hn/v0/item/abc.json", "/hn/v0/user/nobody-at-all.json"):
        answer = sandbox.get(path)
        assert answer.status_code == 200 and answer.text == "null"


def test_mastodon_missing_records(sandbox):
    for path in ("/mastodon/api/v1/statuses/1", "/mastodon/api/v1/accounts/lookup?acct=nobody",
                 "/mastodon/api/v1/accounts/1/statuses"):
        answer = sandbox.get(path)
        assert answer.status_code == 404 and answer.json() == {"error": "Record not found"}
