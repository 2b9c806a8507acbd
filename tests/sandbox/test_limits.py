"""Published limits count down and refuse past the limit; hidden limits refuse with no hint."""

from __future__ import annotations

from datetime import datetime, timedelta

from sandbox.scenario import parse_scenario

RATE_HEADER_PREFIXES = ("x-ratelimit", "ratelimit", "retry-after")


def _rate_headers(response) -> dict[str, str]:
    return {k.lower(): v for k, v in response.headers.items() if k.lower().startswith(RATE_HEADER_PREFIXES)}


def test_mastodon_counts_down_then_refuses_until_the_window_ends(sandbox):
    sandbox.scenario({"apis": {"mastodon": {"rate_limits": [{"limit": 5, "window": 60, "scope": "credential"}]}}})
    path = "/mastodon/api/v1/timelines/public?limit=1"
    answers = [sandbox.get(path, token="alice") for _ in range(8)]
    assert [a.status_code for a in answers] == [200] * 5 + [429] * 3
    assert [int(a.headers["x-ratelimit-remaining"]) for a in answers] == [4, 3, 2, 1, 0, 0, 0, 0]
    assert {a.headers["x-ratelimit-limit"] for a in answers} == {"5"}
    assert answers[5].json() == {"error": "Too Many Requests"}
    assert "retry-after" not in answers[5].headers
    resets = {datetime.fromisoformat(a.headers["x-ratelimit-reset"].replace("Z", "+00:00")) for a in answers}
    assert max(resets) - min(resets) < timedelta(seconds=1)
    assert sandbox.get(path, token="bob").status_code == 200, "another credential has its own count"
    sandbox.clock.advance(60)
    fresh = sandbox.get(path, token="alice")
    assert fresh.status_code == 200 and fresh.headers["x-ratelimit-remaining"] == "4"
    counters = sandbox.counters()
    assert counters["throttled"]["mastodon"] == 3
    assert counters["by_route"]["mastodon GET /api/v1/timelines/public"] == {"200": 7, "429": 3}
    usage = list(counters["credentials"].values())
    assert sorted(u["mastodon"]["requests"] for u in usage) == [1, 9]
    assert "alice" not in str(counters) and "bob" not in str(counters)


def test_limits_and_windows_scale(sandbox):
    sandbox.scenario({"time_scale": 100, "limit_scale": 0.01})
    path = "/mastodon/api/v1/timelines/public?limit=1"
    answers = [sandbox.get(path, token="carol") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert answers[0].headers["x-ratelimit-limit"] == "3"
    sandbox.clock.advance(3.0)
    assert sandbox.get(path, token="carol").status_code == 200


def test_anonymous_ip_limit_is_shared_by_all_clients(sandbox):
    sandbox.scenario({"apis": {"mastodon": {"rate_limits": [{"limit": 3, "window": 60, "scope": "ip"}]}}})
    statuses = [sandbox.get("/mastodon/api/v1/timelines/public", token=f"user{i}").status_code for i in range(5)]
    assert statuses == [200, 200, 200, 429, 429]


def test_reddit_headers_and_refusal(sandbox):
    sandbox.scenario({"apis": {"reddit": {"rate_limits": [{"limit": 3, "window": 600}]}}})
    answers = [sandbox.get("/reddit/r/python/new?limit=1", token="app") for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    assert [a.headers["x-ratelimit-used"] for a in answers] == ["1", "2", "3", "4"]
    assert [a.headers["x-ratelimit-remaining"] for a in answers] == ["2.0", "1.0", "0.0", "0.0"]
    assert all(a.headers["x-ratelimit-reset"].isdigit() for a in answers)
    assert answers[3].json() == {"message": "Too Many Requests", "error": 429}


def test_github_anonymous_and_token_limits(sandbox):
    sandbox.scenario({"limit_scale": 0.05})
    path = "/github/repos/octocat/hello-world/issues"
    anonymous = [sandbox.get(path) for _ in range(4)]
    assert [a.status_code for a in anonymous] == [200, 200, 200, 429]
    assert anonymous[0].headers["x-ratelimit-limit"] == "3"
    assert anonymous[2].headers["x-ratelimit-used"] == "3" and anonymous[2].headers["x-ratelimit-remaining"] == "0"
    assert anonymous[0].headers["x-ratelimit-resource"] == "core"
    with_token = sandbox.get(path, token="ghp_example")
    assert with_token.status_code == 200 and with_token.headers["x-ratelimit-limit"] == "250"


def test_bluesky_sends_retry_after(sandbox):
    sandbox.scenario({"apis": {"bsky": {"rate_limits": [{"limit": 2, "window": 300, "scope": "ip"}]}}})
    answers = [sandbox.get("/bsky/xrpc/app.bsky.feed.searchPosts?q=python&limit=1") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2].json()["error"] == "RateLimitExceeded"
    assert 1 <= int(answers[2].headers["retry-after"]) <= 300
    assert answers[0].headers["ratelimit-policy"] == "2;w=300"


def test_hacker_news_hidden_limit_gives_no_hint_and_can_change(sandbox):
    sandbox.scenario({"apis": {"hn": {"hidden_limits": [{"limit": 3, "window": 10, "status": [503, 429]}]}}})
    answers = [sandbox.get("/hn/v0/maxitem.json") for _ in range(5)]
    assert [a.status_code for a in answers] == [200, 200, 200, 503, 429]
    for refused in answers[3:]:
        assert _rate_headers(refused) == {}
        assert refused.headers["content-type"].startswith("text/html")
    assert all(_rate_headers(a) == {} for a in answers)
    sandbox.clock.advance(10)
    assert sandbox.get("/hn/v0/maxitem.json").status_code == 200
    sandbox.scenario({"apis": {"hn": {"hidden_limits": [{"limit": 1, "window": 10, "status": 429}]}}})
    assert sandbox.get("/hn/v0/maxitem.json").status_code == 429, "the window's count carries over"
    sandbox.clock.advance(10)
    assert [sandbox.get("/hn/v0/maxitem.json").status_code for _ in range(2)] == [200, 429]
    assert sandbox.counters()["hidden_refusals"]["hn"] == 4


def test_hidden_limit_on_an_api_with_published_headers(sandbox):
    sandbox.scenario({"apis": {"mastodon": {"hidden_limits": [{"limit": 2, "window": 30}]}}})
    answers = [sandbox.get("/mastodon/api/v1/timelines/public?limit=1") for _ in range(3)]
    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[1].headers["x-ratelimit-remaining"] == "298", "the published count shows nothing"
    assert _rate_headers(answers[2]) == {}


def test_hacker_news_has_a_hidden_limit_by_default(sandbox):
    scenario = sandbox.session.get(sandbox.url + "/_admin/scenario").json()
    assert scenario == {}
    assert parse_scenario(scenario).api("hn").hidden_limits
