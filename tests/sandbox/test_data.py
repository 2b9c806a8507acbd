"""The data is the same for the same seed and size, and different for another seed."""

from __future__ import annotations

import requests

from sandbox.server import BackgroundServer

PATHS = ("/mastodon/api/v1/timelines/tag/python?limit=5", "/hn/v0/topstories.json",
         "/bsky/xrpc/app.bsky.feed.searchPosts?q=music&limit=5", "/github/repos/a/b/issues?state=all")


def _answers(seed: int) -> list[str]:
    with BackgroundServer(seed=seed, size=800) as server:
        reddit = requests.get(server.url + "/reddit/r/python/new?limit=5", headers={"Authorization": "bearer x"},
                              timeout=10).text
        return [requests.get(server.url + path, timeout=10).text for path in PATHS] + [reddit]


def test_deterministic_from_seed_and_size():
    first, again, other = _answers(5), _answers(5), _answers(6)
    assert first == again
    assert all(a != b for a, b in zip(first, other))
