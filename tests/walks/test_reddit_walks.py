"""Reddit queries walked to the end against the sandbox: exactly its truth, in order, in the
fewest calls (one per page of 100, fewer items asked for on the last page under `limit`)."""

from __future__ import annotations

import math

import pytest
import requests

from tests.connector_walk import walk

SECRET = "walk-token"


def reddit(sandbox, **params):
    return walk("reddit", secret=SECRET, base_url=sandbox.url + "/reddit", **params)


def pages(count: int) -> int:
    return max(1, math.ceil(count / 100))


def busiest_author(sandbox) -> str:
    answer = requests.get(sandbox.url + "/reddit/new?limit=100", headers={"Authorization": f"bearer {SECRET}"},
                          timeout=30)
    authors = [child["data"]["author"] for child in answer.json()["data"]["children"]]
    return max(set(authors), key=lambda name: (authors.count(name), name))


@pytest.mark.parametrize("listing, period, truth_path", [
    ("hot", "all", "/reddit/hot"),
    ("best", "all", "/reddit/best"),
    ("rising", "all", "/reddit/rising"),
    ("top", "day", "/reddit/top?t=day"),
    ("controversial", "all", "/reddit/controversial?t=all"),
])
def test_front_page_listings_walk_to_the_truth(sandbox, listing, period, truth_path):
    result = reddit(sandbox, listing=listing, period=period)
    truth = sandbox.truth(truth_path)
    assert result.keys("reddit_posts") == truth
    assert result.calls == pages(len(truth))


def test_front_page_new_stops_at_reddits_cap_of_1000(sandbox):
    result = reddit(sandbox, listing="new")
    assert len(result.keys()) == 1000 == len(sandbox.truth("/reddit/new"))
    assert result.calls == 10


def test_subreddit_controversial_walks_to_the_truth(sandbox):
    result = reddit(sandbox, subreddit="askreddit", listing="controversial", period="all")
    truth = sandbox.truth("/reddit/r/askreddit/controversial?t=all")
    assert result.keys() == truth and result.calls == pages(len(truth))


@pytest.mark.parametrize("listing, sort, period, query", [
    ("comments", "top", "all", "?sort=top&t=all"),
    ("comments", "controversial", "all", "?sort=controversial&t=all"),
    ("comments", "hot", "all", "?sort=hot"),
    ("overview", None, "all", ""),
    ("submitted", "top", "all", "?sort=top&t=all"),
])
def test_user_listings_walk_to_the_truth(sandbox, listing, sort, period, query):
    user = busiest_author(sandbox)
    params = {"sort": sort} if sort else {}
    result = reddit(sandbox, user=user, listing=listing, period=period, **params)
    truth = sandbox.truth(f"/reddit/user/{user}/{listing}{query}")
    assert len(truth) > 100, "the walk crosses pages"
    assert result.keys() == truth and result.calls == pages(len(truth))


def test_user_overview_holds_posts_and_comments(sandbox):
    result = reddit(sandbox, user=busiest_author(sandbox), listing="overview", limit=250)
    assert result.keys("reddit_posts") and result.keys("reddit_comments")
    assert len(result.keys()) == 250 and result.calls == 3
    assert [r.params["limit"] for r in result.requests] == [100, 100, 50]


def _common_word(sandbox, path: str) -> str:
    answer = requests.get(sandbox.url + path, headers={"Authorization": f"bearer {SECRET}"}, timeout=30)
    words = [w for c in answer.json()["data"]["children"] for w in c["data"]["title"].lower().split()]
    return max(set(words), key=lambda word: (words.count(word), word))


@pytest.mark.parametrize("sort, period", [("relevance", "all"), ("new", "all"), ("comments", "all"), ("top", "day")])
def test_site_wide_search_walks_to_the_truth(sandbox, sort, period):
    word = _common_word(sandbox, "/reddit/new?limit=100")
    result = reddit(sandbox, search=word, sort=sort, period=period)
    truth = sandbox.truth(f"/reddit/search?q={word}&sort={sort}&t={period}")
    assert len(truth) > 100
    assert result.keys() == truth and result.calls == pages(len(truth))


def test_search_within_a_subreddit_walks_to_its_truth(sandbox):
    word = _common_word(sandbox, "/reddit/r/python/new?limit=100")
    result = reddit(sandbox, search=word, subreddit="python", sort="top", period="all")
    truth = sandbox.truth(f"/reddit/r/python/search?q={word}&restrict_sr=1&sort=top&t=all")
    assert 0 < len(truth) < len(sandbox.truth(f"/reddit/search?q={word}&sort=top&t=all"))
    assert result.keys() == truth and result.calls == pages(len(truth))
    assert all(r.params["restrict_sr"] == 1 for r in result.requests)


def test_search_under_a_limit_asks_only_for_what_is_missing(sandbox):
    word = _common_word(sandbox, "/reddit/new?limit=100")
    result = reddit(sandbox, search=word, sort="new", limit=130)
    assert result.keys() == sandbox.truth(f"/reddit/search?q={word}&sort=new")[:130]
    assert [r.params["limit"] for r in result.requests] == [100, 30]


def test_front_page_posts_with_their_comment_trees(sandbox):
    result = reddit(sandbox, listing="top", period="all", limit=4, with_comments=True)
    posts = result.keys("reddit_posts")
    assert posts[:4] == sandbox.truth("/reddit/top?t=all")[:4]
    expected = [key for post in posts[:4] for key in sandbox.truth(f"/reddit/comments/{post[3:]}")]
    assert sorted(result.keys("reddit_comments")) == sorted(expected)
    assert len(set(result.keys("reddit_comments"))) == len(expected), "each comment fetched once"
    commented = {r.key for r in result.records if r.collection == "reddit_posts" and r.payload["num_comments"]}
    assert commented, "the top posts have comments"
    assert [r.kind for r in result.requests] == ["listing"] + ["comments"] * len(commented)
