"""Pulls walked against the sandbox make exactly the calls their estimate said, where the
estimate is known: a Hacker News list, and listings bounded by `limit` or `max_pages` (the most
a pull makes: a list or a listing that runs out first makes fewer)."""

from __future__ import annotations

import pytest

import ingest
from tests.connector_walk import walk

SECRET = "walk-token"

CASES = [
    ("hackernews", "/hn", {"list": "top", "limit": 40}),
    ("hackernews", "/hn", {"list": "ask", "limit": 50}),
    ("hackernews", "/hn", {"items": [1, 2, 3]}),
    ("reddit", "/reddit", {"subreddit": "python", "limit": 250, "credential": SECRET}),
    ("reddit", "/reddit", {"subreddit": "python", "max_pages": 2, "credential": SECRET}),
    ("mastodon", "/mastodon", {"tag": "python", "limit": 201}),
    ("rest", "/github", {"preset": "github_issues", "owner": "psf", "repo": "requests", "limit": 150}),
    ("rest", "/github", {"preset": "github_stargazers", "owner": "psf", "repo": "requests", "max_pages": 2}),
]


@pytest.mark.parametrize("source, prefix, params", CASES, ids=[f"{c[0]}-{'-'.join(c[2])}" for c in CASES])
def test_a_walk_makes_the_estimated_calls(sandbox, source, prefix, params):
    params = {"base_url": sandbox.url + prefix, **params}
    estimate = ingest.estimate(source, **params)
    assert estimate.calls is not None
    assert walk(source, secret=SECRET, **params).calls == estimate.calls
