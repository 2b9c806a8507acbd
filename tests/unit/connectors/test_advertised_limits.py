"""Every recorded rate-limit header read as the limit the API advertises, for the window of the
connector's own limit, so that the limiter adopts it."""

from __future__ import annotations

from email.utils import parsedate_to_datetime

import pytest

import ingest.connectors as connectors
from ingest.connectors.headers import seconds_until_iso
from ingest.limits import LimitScope, SlidingLogRule
from ingest.limits.limiter import reading_advertises
from tests.recordings import recording
from tests.unit.connectors.support import from_exchange, json_response

reddit = connectors.get("reddit")
mastodon = connectors.get("mastodon")
bluesky = connectors.get("bluesky")
rest = connectors.get("rest")

MASTODON_FILES = ("account_followers", "account_following", "account_statuses", "account_statuses_pinned",
                  "error_401", "error_404", "favourited_by", "hashtag_timeline", "home_timeline",
                  "list_timeline", "public_timeline", "reblogged_by", "search_v2", "status_context")
BLUESKY_FILES = ("author_feed", "feed", "followers", "follows", "likes_2_pages", "list_feed", "post_thread",
                 "reposted_by_2_pages", "search_actors", "search_posts", "timeline")
GITHUB_FILES = ("commits", "issue_comments_2_pages", "issues", "pulls", "stargazers_3_pages")


def answered_at(exchange, fallback: float = 0.0) -> float:
    """When the answer was sent: its Date header (some recordings of a local server have none)."""
    date = exchange.header("Date")
    return parsedate_to_datetime(date).timestamp() if date else fallback


def adopted_by_default(connector, spec: dict, reading) -> bool:
    """Whether the connector's own limits take this reading's limit as theirs."""
    scope = LimitScope(source=connector.name, host="h", credential=spec.get("credential"),
                       known=connector.known_limits(spec))
    return all(reading_advertises(SlidingLogRule().terms(scope), reading))


@pytest.mark.parametrize("name, position, expected", [
    ("subreddit_comments", 0, (600.0, 599.0, 525.0)),
    ("subreddit_comments", 1, (600.0, 598.0, 523.0)),
    ("error_404", 0, (600.0, 599.0, 103.0)),
    ("error_403", 0, (10000.0, 9322.0, 51.0)),
])
def test_reddit_advertises_used_plus_remaining_per_ten_minutes(name, position, expected):
    exchange = recording(f"reddit/{name}.json")[position]
    reading = reddit.read_limits(from_exchange(exchange), now=answered_at(exchange))
    assert (reading.limit, reading.remaining, reading.reset_after, reading.window) == (*expected, 600.0)
    assert adopted_by_default(reddit, reddit.validate({"subreddit": "python"}), reading)


def test_reddit_s_default_is_the_600_per_ten_minutes_the_recordings_show():
    [limit] = reddit.known_limits(reddit.validate({"subreddit": "python"}))
    assert (limit.requests, limit.window, limit.explicit) == (600, 600.0, False)


def test_a_reddit_429_states_no_limit_only_when_to_retry():
    exchange = recording("reddit/error_429.json")[0]
    reading = reddit.read_limits(from_exchange(exchange), now=answered_at(exchange))
    assert (reading.limit, reading.remaining, reading.retry_after) == (None, None, 4.0)


@pytest.mark.parametrize("name", MASTODON_FILES)
def test_mastodon_advertises_300_per_five_minutes_in_every_recording(name):
    spec = mastodon.validate({"base_url": "https://fosstodon.org"})
    for exchange in recording(f"mastodon/{name}.json"):
        reset_at = seconds_until_iso(exchange.header("x-ratelimit-reset"), 0.0)
        reading = mastodon.read_limits(from_exchange(exchange), now=answered_at(exchange, reset_at - 60.0))
        assert (reading.limit, reading.window) == (300.0, 300.0)
        assert reading.remaining == float(exchange.header("x-ratelimit-remaining"))
        assert 0.0 < reading.reset_after <= 300.0
        assert adopted_by_default(mastodon, spec, reading)
    assert [limit.requests for limit in mastodon.known_limits(spec)] == [300, 300]


@pytest.mark.parametrize("name", BLUESKY_FILES)
def test_bluesky_s_policy_advertises_3000_per_300_seconds_in_every_recording(name):
    spec = bluesky.validate({"q": "x"})
    for exchange in recording(f"bluesky/{name}.json"):
        assert exchange.header("RateLimit-Policy") == "3000;w=300"
        reading = bluesky.read_limits(from_exchange(exchange), now=answered_at(exchange))
        assert (reading.limit, reading.window) == (3000.0, 300.0)
        assert reading.remaining == float(exchange.header("RateLimit-Remaining"))
        assert 0.0 < reading.reset_after <= 300.0
        assert adopted_by_default(bluesky, spec, reading)
    assert [(limit.requests, limit.window) for limit in bluesky.known_limits(spec)] == [(3000, 300.0)]


@pytest.mark.parametrize("headers, limit, window", [
    ({"RateLimit-Policy": "3000;w=300"}, 3000.0, 300.0),  # the policy alone states the limit
    ({"RateLimit-Limit": "30", "RateLimit-Policy": "3000;w=300, 30;w=300"}, 30.0, 300.0),
    ({"RateLimit-Limit": "10", "RateLimit-Policy": "30;w=300, 10;w=86400"}, 10.0, 86400.0),
    ({"RateLimit-Limit": "3000"}, 3000.0, None),  # a limit of no known window only bounds
    ({"RateLimit-Policy": "unreadable"}, None, None),
])
def test_bluesky_reads_the_policy_the_other_headers_count_for(headers, limit, window):
    reading = bluesky.read_limits(json_response({}, headers=headers), now=0.0)
    assert (reading.limit, reading.window) == (limit, window)


@pytest.mark.parametrize("name", GITHUB_FILES)
def test_github_advertises_5000_an_hour_to_a_token_in_every_recording(name):
    spec = rest.validate({"preset": "github_issues", "owner": "o", "repo": "r", "credential": "gh"})
    connector = rest.for_spec(spec)
    for exchange in recording(f"github/{name}.json"):
        reading = connector.read_limits(from_exchange(exchange), now=answered_at(exchange))
        assert (reading.limit, reading.window) == (5000.0, 3600.0)
        assert reading.remaining == float(exchange.header("x-ratelimit-remaining"))
        if exchange.header("x-ratelimit-reset") is not None:
            assert 0.0 < reading.reset_after <= 3600.0
        assert adopted_by_default(connector, spec, reading)
    assert [limit.requests for limit in connector.known_limits(spec)] == [5000.0]
    anonymous = rest.validate({"preset": "github_issues", "owner": "o", "repo": "r"})
    assert [limit.requests for limit in connector.known_limits(anonymous)] == [60.0]
