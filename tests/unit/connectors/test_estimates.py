"""The calls each connector says a pull makes before anything is fetched, and the estimate's
time under the source's limits: exact numbers, and "unknown" where the API does not let it be known."""

from __future__ import annotations

import pytest

import ingest
from ingest import connectors
from ingest.api import estimate as estimating


def calls(source: str, **params) -> int | None:
    connector = connectors.get(source)
    return connector.estimate_calls(connector.validate(params))


@pytest.mark.parametrize("params, expected", [
    ({}, 501),
    ({"list": "new", "limit": 40}, 41),
    ({"list": "ask"}, 201),
    ({"list": "job", "limit": 10**9}, 201),
    ({"items": [1, 2, 3, 4], "limit": 3}, 3),
    ({"user": "pg", "limit": 25}, 26),
    ({"user": "pg"}, None),
    ({"limit": 10, "comment_depth": 1}, None),
    ({"limit": 10, "with_users": True}, None),
])
def test_hacker_news_calls_one_per_item_after_the_list(params, expected):
    assert calls("hackernews", **params) == expected


@pytest.mark.parametrize("params, expected", [
    ({"limit": 250}, 3),
    ({"limit": 100}, 1),
    ({"limit": 10**9}, 10**7),
    ({"limit": 250, "max_pages": 2}, 2),
    ({"max_pages": 4}, 4),
    ({}, None),
    ({"limit": 250, "with_comments": True}, 253),
    ({"max_pages": 2, "with_comments": True}, 202),
])
def test_reddit_listings_call_once_a_page_of_100_and_once_a_post_for_comments(params, expected):
    assert calls("reddit", subreddit="python", credential="token", **params) == expected


@pytest.mark.parametrize("params, expected", [
    ({"tag": "python", "limit": 200}, 5),
    ({"tag": "python", "limit": 201}, 6),
    ({"account": "12345", "limit": 40}, 1),
    ({"account": "gargron@mastodon.social", "limit": 80}, 3),
    ({"tag": "python", "limit": 50, "with_context": True}, 52),
    ({"tag": "python"}, None),
    ({"search": "python", "limit": 10, "credential": "token"}, None),
])
def test_mastodon_timelines_call_once_a_page_of_40(params, expected):
    assert calls("mastodon", **params) == expected


@pytest.mark.parametrize("params, expected", [
    ({"limit": 250}, 3),
    ({"limit": 50}, 1),
    ({"max_pages": 2}, 2),
    ({}, None),
])
def test_rest_listings_call_once_a_page_of_their_largest_size(params, expected):
    assert calls("rest", preset="github_issues", owner="psf", repo="requests", **params) == expected


def test_the_github_limit_without_a_credential_makes_an_estimate_of_hours():
    github = ingest.estimate("rest", preset="github_issues", owner="psf", repo="requests", limit=1_000)
    assert (github.calls, github.seconds) == (10, 600.0)
    assert repr(github) == "rest: at most 10 calls, about 10 min under rest's limits (60 per hour without a credential)"


def test_sources_that_cannot_tell_say_unknown():
    assert calls("bluesky", q="python", limit=250) is None
    assert calls("hn_search", query="python", limit=250) is None


def test_the_estimate_times_the_calls_at_the_pace_of_the_tightest_limit():
    reddit = ingest.estimate("reddit", subreddit="python", limit=1_000, credential="token")
    assert (reddit.calls, reddit.seconds, reddit.known) == (10, 10.0, True)
    assert repr(reddit) == "reddit: at most 10 calls, about 10 s under reddit's limits (600 per 10 minutes per credential)"
    pooled = ingest.estimate("reddit", subreddit="python", limit=250, with_comments=True, credential=["a", "b"])
    assert (pooled.calls, pooled.seconds, pooled.credentials) == (253, 126.5, 2)
    assert repr(pooled).endswith("about 2 min 6 s under reddit's limits (600 per 10 minutes per credential, 2 credentials)")
    mastodon = ingest.estimate("mastodon", tag="python", limit=1_000, limits={"requests": 30, "window": 60.0})
    assert (mastodon.calls, mastodon.seconds) == (25, 50.0)


def test_what_cannot_be_known_is_said_unknown():
    hn = ingest.estimate("hackernews")
    assert (hn.calls, hn.seconds, hn.known) == (501, None, False)
    assert repr(hn) == ("hackernews: at most 501 calls; time unknown: hackernews publishes no limit, its rate is "
                        "learned as the pull goes (limits= sets one)")
    assert ingest.estimate("hackernews", limit=30, limits={"requests": 10, "window": 1.0}).seconds == 3.1
    mastodon = ingest.estimate("mastodon", tag="python")
    assert (mastodon.calls, mastodon.seconds) == (None, None)
    assert repr(mastodon) == (f"mastodon: {estimating.UNKNOWN_CALLS}; limits 300 per 5 minutes without a credential "
                              "and 300 per 5 minutes per address")


@pytest.mark.parametrize("params, message", [
    ({"tag": "python", "limit": 0}, "limit=0 is below the minimum 1"),
    ({"tag": "python", "limts": 3}, "limts"),
    ({"tag": "python", "fresh_for": -1}, "fresh_for=-1"),
    ({"tag": "python", "limits": {"requests": -1}}, "'requests' must be a number above zero"),
])
def test_parameters_are_refused_as_pull_refuses_them(params, message):
    with pytest.raises(ingest.ParameterError, match=message) as estimated:
        ingest.estimate("mastodon", **params)
    with pytest.raises(ingest.ParameterError) as pulled:
        ingest.pull("mastodon", dry_run=True, **params)
    assert str(estimated.value) == str(pulled.value)


def test_a_dry_run_answers_the_estimate_and_touches_no_stack(monkeypatch):
    from ingest.api import pull as pulling

    def no_stack(*_args, **_kwargs):
        raise AssertionError("a dry run reached for the stack")

    monkeypatch.setattr(pulling, "runtime", no_stack)
    monkeypatch.setattr(pulling, "_check_reachable", no_stack)
    monkeypatch.setattr(pulling.credentials, "check_usable", no_stack)
    answer = ingest.pull("reddit", subreddit="python", limit=250, credential="token", dry_run=True)
    assert answer == ingest.estimate("reddit", subreddit="python", limit=250, credential="token")
    assert answer.calls == 3
    assert "estimate" in ingest.__all__ and "Estimate" in ingest.__all__


def test_the_cli_prints_the_estimate_of_a_dry_run(capsys):
    from ingest.api.cli import main

    assert main(["pull", "reddit", "--subreddit", "python", "--limit", "250", "--credential", "token",
                 "--dry-run"]) == 0
    assert capsys.readouterr().out == (
        "reddit: at most 3 calls, about 3 s under reddit's limits (600 per 10 minutes per credential)\n")
